// The registered pool components (every launcher's), refreshed in the background so request
// decisions can read them synchronously.
import type { PoolComponent } from '../model/types.ts';
import type { Store } from '../store/types.ts';
import type { Logger } from '../util/logger.ts';

export class ComponentDirectory {
  private pools: PoolComponent[] = [];
  private readonly store: Store;
  private readonly logger: Logger;
  private refreshing: Promise<void> | null = null;

  constructor(store: Store, logger: Logger) {
    this.store = store;
    this.logger = logger;
  }

  registeredPools(): readonly PoolComponent[] {
    return this.pools;
  }

  refresh(): Promise<void> {
    this.refreshing ??= this.store.listComponents('pool').then(
      // A pool record without an id (another writer's, or `{}`) can never be in a request's
      // declined_by: counted, it would keep every declined request waiting for ever.
      (pools) => { this.pools = pools.filter((p) => p.id !== ''); },
      (err) => { this.logger.warn({ err: String(err) }, 'cannot list pool components'); },
    ).finally(() => { this.refreshing = null; });
    return this.refreshing;
  }
}
