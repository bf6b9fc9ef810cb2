// Why a pool must decline a request outright (upstream's getDeclinedReasons). The strings are
// upstream's, so logs and `nodepool why` read the same as with upstream.
import type { NodeRequest } from '../model/types.ts';
import type { PoolConfig } from '../config/model.ts';
import type { QuotaLimits } from '../cloud/provider.ts';
import { canNeverFit, addResources, type Resources } from './quota.ts';

/** Per label of this pool: can a node of it be launched at all right now? */
export type LabelAvailability = 'ok' | 'no-image' | 'unusable';

export interface DeclineInputs {
  pool: PoolConfig;
  /** Labels of this pool; labels missing here are not offered. */
  labelAvailability: ReadonlyMap<string, LabelAvailability>;
  /** Resources per label (from the provider's flavors); unknown labels add nothing. */
  labelResources: ReadonlyMap<string, Resources>;
  /** Null when ignore-provider-quota is set or limits are unknown. */
  cloudLimits: QuotaLimits | null;
  /** What servers (and their volumes) not managed by this provider use of the cloud's quota. */
  unmanaged?: Resources;
}

export const DECLINE_DISABLED = 'pool is disabled by max_servers';
export const DECLINE_IMAGES = 'images are not available';
export const DECLINE_QUOTA = 'it would exceed quota';
export function declineUnavailable(labels: readonly string[]): string {
  return `node type(s) [${labels.join(',')}] not available`;
}

export function getDeclineReasons(request: Pick<NodeRequest, 'node_types'>, inputs: DeclineInputs): string[] {
  const reasons: string[] = [];
  if (inputs.pool.maxServers <= 0) reasons.push(DECLINE_DISABLED);

  const unavailable = request.node_types.filter((label) => {
    const state = inputs.labelAvailability.get(label);
    return state === undefined || state === 'unusable';
  });
  if (unavailable.length > 0) reasons.push(declineUnavailable([...new Set(unavailable)]));

  if (request.node_types.some((label) => inputs.labelAvailability.get(label) === 'no-image')) {
    reasons.push(DECLINE_IMAGES);
  }

  let total: Resources = {};
  for (const label of request.node_types) {
    total = addResources(total, inputs.labelResources.get(label) ?? { instances: 1 });
  }
  if (canNeverFit(inputs.cloudLimits, inputs.unmanaged ?? {}, inputs.pool, total)) reasons.push(DECLINE_QUOTA);
  return reasons;
}

/** Short explanation category for a decline reason (`nodepool why`). */
export function explainDecline(reason: string): string {
  if (reason === DECLINE_DISABLED) return 'declined: max-servers (pool is disabled by max_servers)';
  if (reason === DECLINE_IMAGES) return 'declined: image not uploaded (images are not available)';
  if (reason === DECLINE_QUOTA) return 'declined: quota (it would exceed quota)';
  return `declined: ${reason}`;
}
