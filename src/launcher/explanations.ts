// Records why a pool is not serving a request (for `nodepool why`), writing only when the
// reason for that request and pool changes, so busy passes do not flood ZooKeeper.
import type { Store } from '../store/types.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';

export class ExplanationRecorder {
  private readonly last = new Map<string, string>(); // "<request>\0<pool id>" → reason
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(store: Store, clock: Clock, logger: Logger) {
    this.store = store;
    this.clock = clock;
    this.logger = logger;
  }

  /** Resolves when written (or given up on: a failure is logged, never thrown). */
  record(requestId: string, poolId: string, provider: string, pool: string, reason: string): Promise<void> {
    const key = `${requestId}\0${poolId}`;
    if (this.last.get(key) === reason) return Promise.resolve();
    this.last.set(key, reason);
    return this.store.recordExplanation({ request_id: requestId, pool_id: poolId, provider, pool, reason, time: this.clock.now() / 1000 })
      .catch((err) => {
        this.last.delete(key);
        this.logger.debug({ request: requestId, err: String(err) }, 'cannot record explanation');
      });
  }

  /** True when this launcher recorded anything about the request (so there is something to delete). */
  has(requestId: string): boolean {
    const prefix = `${requestId}\0`;
    for (const key of this.last.keys()) if (key.startsWith(prefix)) return true;
    return false;
  }

  /** The request is gone: forget what we said about it. */
  forget(requestId: string): void {
    const prefix = `${requestId}\0`;
    for (const key of this.last.keys()) if (key.startsWith(prefix)) this.last.delete(key);
  }
}
