// Deletes one locked node (upstream StateMachineNodeDeleter): mark it deleting, run the driver's
// delete state machine (by the recorded instance id, or by the node's deterministic name when a
// crash came before the id was recorded), then remove the znode and tell the driver.
import type { LockHandle } from '../zk/types.ts';
import type { LauncherDeps } from './deps.ts';
import { runDelete } from './state-machines.ts';
import { setNodeState } from './node-state.ts';
import { DELETABLE_STATES } from './node-cleanup-decision.ts';

const DELETE_TIMEOUT_MS = 600_000;

/** Returns true when the node is gone; throws on a cloud or ZooKeeper fault (retried next pass). */
export async function deleteLockedNode(deps: LauncherDeps, nodeId: string, lock: LockHandle, signal?: AbortSignal): Promise<boolean> {
  const node = await deps.store.getNode(nodeId);
  if (!node) return true;
  if (!DELETABLE_STATES.has(node.state)) return false;
  const driver = node.provider ? deps.drivers.get(node.provider) : undefined;
  if (!driver) return false;
  const log = deps.logger.child({ node: node.id, provider: node.provider });
  if (node.state !== 'deleting' && node.state !== 'deleted') {
    setNodeState(node, 'deleting', deps);
    await deps.store.storeNode(node);
  }
  const started = deps.clock.now();
  const target = { nodeId: node.id, externalId: node.external_id };
  await runDelete(driver.delete(target), { clock: deps.clock, deadlineMs: started + DELETE_TIMEOUT_MS, signal, pollMs: driver.pollMs });
  if (!lock.isHeld()) throw new Error('lost the node lock while deleting');
  await deps.store.deleteNode(node, lock);
  log.info({ externalId: node.external_id, ms: deps.clock.now() - started }, 'node deleted');
  if (driver.nodeDeleted) {
    await driver.nodeDeleted(node).catch((err) => log.warn({ err: String(err) }, 'driver could not take the deleted node back'));
  }
  return true;
}
