// The one way launcher code changes a node's state (the state and its timestamp together), and
// the write of a node the launcher holds locked.
import type { Node } from '../model/types.ts';
import type { Clock } from '../util/clock.ts';
import type { Store } from '../store/types.ts';
import type { LockHandle } from '../zk/types.ts';
import { BadVersionError, ConnectionLossError } from '../zk/errors.ts';

export function setNodeState(node: Node, state: Node['state'], deps: { clock: Clock }): void {
  node.state = state;
  node.state_time = deps.clock.now() / 1000;
}

/** How long a node write waits out a ZooKeeper suspension (the session outlives shorter ones), and its retry pace. */
const SUSPENSION_WAIT_MS = 60_000;
const SUSPENSION_RETRY_MS = 250;

/**
 * Stores a node we hold locked, riding out a ZooKeeper suspension while the lock (and so the
 * session) lives, so a launch in flight survives a short outage. A write whose reply was lost
 * may have landed: the retry then meets BadVersion, and the record already saying what we wrote
 * (state and server id) counts as success.
 */
export async function storeLockedNode(deps: { store: Store; clock: Clock }, node: Node, lock: LockHandle, signal?: AbortSignal): Promise<void> {
  const deadline = deps.clock.now() + SUSPENSION_WAIT_MS;
  let retried = false;
  for (;;) {
    try {
      await deps.store.storeNode(node);
      return;
    } catch (err) {
      if (err instanceof BadVersionError && retried) {
        const fresh = await deps.store.getNode(node.id);
        if (fresh && fresh.state === node.state && fresh.external_id === node.external_id) {
          node.version = fresh.version;
          return;
        }
      }
      if (!(err instanceof ConnectionLossError) || !lock.isHeld() || deps.clock.now() >= deadline) throw err;
      retried = true;
      await deps.clock.sleep(SUSPENSION_RETRY_MS, signal);
    }
  }
}
