// Which nodes a restarted launcher takes over instead of deleting (pure). A node that was
// BUILDING under an earlier pool worker of this host, provider and pool (a launcher killed or
// restarted here) for a request that is still pending is resumed from what its znode records:
// the request is adopted and the launch continues with the server the node names. Nodes of
// other hosts keep upstream's rule: an unlocked BUILDING node is deleted (its server with it).
import type { Node, NodeRequest } from '../model/types.ts';
import { launcherIdPrefix } from './launcher-id.ts';

export interface PoolIdentity {
  hostname: string;
  provider: string;
  pool: string;
  /** This pool worker's own id (its own nodes are not orphans). */
  launcherId: string;
}

/** A node an earlier incarnation of this pool worker was building or had built for a request. */
export function isOrphanOfPool(node: Pick<Node, 'state' | 'provider' | 'pool' | 'launcher' | 'allocated_to'>, pool: PoolIdentity): boolean {
  if (node.provider !== pool.provider || node.pool !== pool.pool || !node.allocated_to) return false;
  if (node.state !== 'building' && node.state !== 'ready') return false;
  const launcher = node.launcher ?? '';
  return launcher !== pool.launcherId && launcher.startsWith(launcherIdPrefix(pool.hostname, pool.provider, pool.pool));
}

/** Orphaned nodes grouped by the pending request they were made for (requests not pending are left out). */
export function orphanedRequests(nodes: Iterable<Node>, requests: { get(id: string): NodeRequest | undefined }, pool: PoolIdentity): Map<string, Node[]> {
  const out = new Map<string, Node[]>();
  for (const node of nodes) {
    if (!isOrphanOfPool(node, pool)) continue;
    const request = requests.get(node.allocated_to!);
    if (!request || request.state !== 'pending') continue;
    out.set(request.id, [...(out.get(request.id) ?? []), node]);
  }
  return out;
}

/** For the delete path: this launcher will resume the node, so it must not delete it. */
export function resumableHere(node: Node, pools: readonly PoolIdentity[], requests: { get(id: string): NodeRequest | undefined }): boolean {
  if (node.state !== 'building') return false;
  const request = node.allocated_to ? requests.get(node.allocated_to) : undefined;
  return request?.state === 'pending' && pools.some((p) => isOrphanOfPool(node, p));
}
