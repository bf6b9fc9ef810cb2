// What a pool worker shares with its request handlers.
import type { NodeRequest, PoolComponent } from '../model/types.ts';
import type { PoolConfig, ProviderConfig } from '../config/model.ts';
import type { RecordCache } from '../store/types.ts';
import type { Node } from '../model/types.ts';
import type { LauncherDeps } from './deps.ts';
import type { ProviderContext } from './provider-context.ts';
import type { WakeSignal } from './wake-signal.ts';

export interface PoolRuntime {
  deps: LauncherDeps;
  providerCtx: ProviderContext;
  launcherId: string;
  providerName: string;
  poolName: string;
  /** Current config of this provider and pool; undefined once removed by a reload. */
  config(): { provider: ProviderConfig; pool: PoolConfig } | undefined;
  nodeCache: RecordCache<Node>;
  requestCache: RecordCache<NodeRequest>;
  registeredPools(): readonly PoolComponent[];
  /** Notified when this provider's nodes change (quota may have freed up). */
  quotaWake: WakeSignal;
  /** Aborted when the launcher stops. */
  stopSignal: AbortSignal;
  /** Records why this pool is not serving a request (deduplicated per request). */
  /** Records why (for `nodepool why`); resolves once written, never rejects. */
  explain(requestId: string, reason: string): Promise<void>;
  /** The request was served: remove explanations recorded for it, if this launcher wrote any. */
  clearExplanations(requestId: string): void;
  /** A handler entered or left the paused state. */
  handlerPaused(requestId: string, paused: boolean): void;
}
