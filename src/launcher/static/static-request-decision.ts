// What a static pool does with a request, decided without effects. The ordering rules between
// pools (priority, provider preference, missing labels) and the "label not offered" decline
// are the cloud pools' (decide-request.ts); on top of them, as upstream's static provider does
// (hasProviderQuota), a request needing more nodes of a label than the pool has slots for it
// can never be met and is declined. A request that fits but finds no free node waits in
// `requested` (upstream's PAUSE_AT_QUOTA = False: the pool never pauses).
import type { NodeRequest } from '../../model/types.ts';
import type { Node } from '../../model/types.ts';
import type { PoolConfig } from '../../config/model.ts';
import type { StaticPoolConfig } from '../../config/static-model.ts';
import { decideRequestAction, type PoolView, type RequestAction } from '../decide-request.ts';
import { DECLINE_QUOTA, type LabelAvailability } from '../decline-reasons.ts';

/** The pool limits the shared decision reads: a static pool has none beyond its hosts. */
const UNLIMITED_POOL: PoolConfig = {
  name: '', maxServers: Infinity, maxCores: Infinity, maxRam: Infinity, maxVolumes: Infinity, maxVolumeGb: Infinity,
  ignoreProviderQuota: true, availabilityZones: [], networks: [], securityGroups: [], autoFloatingIp: false,
  hostKeyChecking: true, nodeAttributes: {}, priority: 100, labels: [],
};

export type StaticPoolView = Omit<PoolView, 'pool' | 'labelAvailability' | 'labelResources' | 'cloudLimits'
  | 'paused' | 'activeLaunches' | 'tenantLimits' | 'tenantUsage'> & { staticPool: StaticPoolConfig };

/** Slots per label: how many nodes of it the pool can ever hand out at once. */
export function labelCapacity(pool: StaticPoolConfig): Map<string, number> {
  const out = new Map<string, number>();
  for (const host of pool.nodes) for (const label of host.labels) out.set(label, (out.get(label) ?? 0) + host.maxParallelJobs);
  return out;
}

export function decideStaticRequest(request: NodeRequest, view: StaticPoolView): RequestAction {
  const labelAvailability = new Map<string, LabelAvailability>(view.staticPool.labels.map((l) => [l, 'ok']));
  const action = decideRequestAction(request, {
    ...view, pool: UNLIMITED_POOL, labelAvailability, labelResources: new Map(), cloudLimits: null,
    paused: false, activeLaunches: 0, tenantLimits: [], tenantUsage: new Map(),
  });
  if (action.kind !== 'accept') return action;
  const wanted = new Map<string, number>();
  for (const label of request.node_types) wanted.set(label, (wanted.get(label) ?? 0) + 1);
  const capacity = labelCapacity(view.staticPool);
  if ([...wanted].some(([label, n]) => n > (capacity.get(label) ?? 0))) return { kind: 'decline', reasons: [DECLINE_QUOTA] };
  return action;
}

/** Free nodes for each wanted label (one node per entry, none twice), or the first label
 *  without one. Static nodes may carry several labels (node.type). */
export function pickFreeNodes(request: Pick<NodeRequest, 'node_types'>, free: readonly Node[]):
  { ok: true; nodes: Node[] } | { ok: false; missing: string } {
  const taken = new Set<string>();
  const picked: Node[] = [];
  for (const label of request.node_types) {
    const node = free.find((n) => !taken.has(n.id) && n.type.includes(label));
    if (!node) return { ok: false, missing: label };
    taken.add(node.id);
    picked.push(node);
  }
  return { ok: true, nodes: picked };
}
