// Pure decisions of the node-age tasks of upstream's CleanupWorker: max-ready-age, hold expiry,
// and what resetting a lost request does to its nodes.
import type { Node, NodeRequest } from '../../model/types.ts';

/** READY and unallocated for longer than the label's max-ready-age (seconds, 0 = off). */
export function readyTooOld(node: Pick<Node, 'state' | 'allocated_to' | 'state_time'>, maxReadyAge: number, nowMs: number): boolean {
  if (!(maxReadyAge > 0)) return false;
  if (node.state !== 'ready' || node.allocated_to) return false;
  return nowMs / 1000 - node.state_time > maxReadyAge;
}

/**
 * An `init` node is locked by its creator moments after it is created. One still unlocked after
 * twice the ZooKeeper session timeout (at least 30 s) was orphaned: its creator lost the create's
 * reply or its session before locking it, and nothing else would ever remove it.
 */
export function initOrphaned(node: Pick<Node, 'state' | 'state_time'>, zookeeperTimeoutSeconds: number, nowMs: number): boolean {
  if (node.state !== 'init') return false;
  return nowMs / 1000 - node.state_time >= Math.max(30, 2 * zookeeperTimeoutSeconds);
}

/** The hold a HOLD node may last (s): its own hold_expiration when > 0, capped by max-hold-age. */
export function holdLimit(node: Pick<Node, 'hold_expiration'>, maxHoldAge: number): number {
  const own = node.hold_expiration && node.hold_expiration > 0 ? node.hold_expiration : Infinity;
  const global = maxHoldAge > 0 ? maxHoldAge : Infinity;
  return Math.min(own, global);
}

export function holdExpired(node: Pick<Node, 'state' | 'state_time' | 'hold_expiration'>, maxHoldAge: number, nowMs: number): boolean {
  if (node.state !== 'hold') return false;
  const limit = holdLimit(node, maxHoldAge);
  return Number.isFinite(limit) && nowMs / 1000 - node.state_time >= limit;
}

export type LostRequestNodeAction = 'deallocate' | 'delete' | 'none';

/**
 * A node of a lost request: one still in `init` was never launched and is deleted; any other
 * node allocated to the request is handed back (READY nodes become reusable, an unlocked
 * building one is the delete worker's).
 */
export function lostRequestNodeAction(node: Pick<Node, 'state' | 'allocated_to'> | null, request: Pick<NodeRequest, 'id'>): LostRequestNodeAction {
  if (!node) return 'none';
  if (node.state === 'init') return 'delete';
  return node.allocated_to === request.id ? 'deallocate' : 'none';
}
