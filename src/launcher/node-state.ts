// The one way launcher code changes a node's state (the state and its timestamp together), and
// the writes of records the launcher holds locked.
import type { Node, NodeRequest } from '../model/types.ts';
import type { Clock } from '../util/clock.ts';
import type { Store } from '../store/types.ts';
import type { LockHandle } from '../zk/types.ts';
import { BadVersionError, ConnectionLossError } from '../zk/errors.ts';

export function setNodeState(node: Node, state: Node['state'], deps: { clock: Clock }): void {
  node.state = state;
  node.state_time = deps.clock.now() / 1000;
}

/** How long a write waits out a ZooKeeper suspension (the session outlives shorter ones), and its retry pace. */
const SUSPENSION_WAIT_MS = 60_000;
const SUSPENSION_RETRY_MS = 250;

/**
 * Writes a record we hold locked, riding out a ZooKeeper suspension while the lock (and so the
 * session) lives, so work in flight survives a short outage. A write whose reply was lost may
 * have landed: the retry then meets BadVersion, and the stored record already saying what we
 * wrote (`same`) counts as success.
 */
export async function storeWhileLocked<T extends { version?: number }>(
  deps: { clock: Clock }, record: T, lock: LockHandle,
  io: { write(record: T): Promise<void>; read(): Promise<T | null>; same(fresh: T): boolean },
  signal?: AbortSignal,
): Promise<void> {
  const deadline = deps.clock.now() + SUSPENSION_WAIT_MS;
  let retried = false;
  for (;;) {
    try {
      await io.write(record);
      return;
    } catch (err) {
      if (err instanceof BadVersionError && retried) {
        const fresh = await io.read();
        if (fresh && io.same(fresh)) {
          record.version = fresh.version;
          return;
        }
      }
      if (!(err instanceof ConnectionLossError) || !lock.isHeld() || deps.clock.now() >= deadline) throw err;
      retried = true;
      await deps.clock.sleep(SUSPENSION_RETRY_MS, signal);
    }
  }
}

/** A node we hold locked, written through a suspension (state and server id decide "same"). */
export function storeLockedNode(deps: { store: Store; clock: Clock }, node: Node, lock: LockHandle, signal?: AbortSignal): Promise<void> {
  return storeWhileLocked(deps, node, lock, {
    write: (n) => deps.store.storeNode(n),
    read: () => deps.store.getNode(node.id),
    same: (fresh) => fresh.state === node.state && fresh.external_id === node.external_id,
  }, signal);
}

/** A request we hold locked, written through a suspension (state and nodes decide "same"). */
export function storeLockedRequest(deps: { store: Store; clock: Clock }, request: NodeRequest, lock: LockHandle, signal?: AbortSignal): Promise<void> {
  return storeWhileLocked(deps, request, lock, {
    write: (r) => deps.store.storeRequest(r),
    read: () => deps.store.getRequest(request.id),
    same: (fresh) => fresh.state === request.state && fresh.nodes.join() === request.nodes.join(),
  }, signal);
}
