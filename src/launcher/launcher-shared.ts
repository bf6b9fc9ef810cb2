// Everything the launcher's workers share: caches, provider contexts, registries.
import type { Node, NodeRequest } from '../model/types.ts';
import type { RecordCache } from '../store/types.ts';
import type { LauncherDeps } from './deps.ts';
import type { ProviderContext } from './provider-context.ts';
import type { ComponentDirectory } from './component-directory.ts';
import type { ImageAvailability } from './image-availability.ts';
import type { ExplanationRecorder } from './explanations.ts';
import type { WakeSignal } from './wake-signal.ts';
import type { PoolIdentity } from './resume-decision.ts';

export interface LauncherShared {
  deps: LauncherDeps;
  providerContexts: ReadonlyMap<string, ProviderContext>;
  nodeCache: RecordCache<Node>;
  requestCache: RecordCache<NodeRequest>;
  directory: ComponentDirectory;
  images: ImageAvailability;
  explanations: ExplanationRecorder;
  /** Notified on every node change: paused handlers re-check quota. */
  quotaWake: WakeSignal;
  stopSignal: AbortSignal;
  /** False while ZooKeeper is suspended or the session was lost: take no new work. */
  zkUsable(): boolean;
  /** Version string for component registrations. */
  version: string;
  /** Makes the loop's pools pass due now (a request changed, a handler finished). */
  wakePools(): void;
  /** The pool workers running here (which orphaned nodes this launcher resumes). */
  poolIdentities(): PoolIdentity[];
}
