// Deletes one locked node (§2.7 StateMachineNodeDeleter): mark it deleting, remove the server
// (by id, or by its deterministic name when the id was never recorded), then the znode.
import type { Node } from '../model/types.ts';
import type { LockHandle } from '../zk/types.ts';
import type { LauncherDeps } from './deps.ts';
import { deleteServerAndWait } from './state-machines.ts';
import { serverName } from './node-spec.ts';
import { setState } from './node-launcher.ts';
import { DELETABLE_STATES } from './node-cleanup-decision.ts';

const DELETE_TIMEOUT_MS = 600_000;

/** Returns true when the node is gone; throws on a cloud or ZooKeeper fault (retried next pass). */
export async function deleteLockedNode(deps: LauncherDeps, nodeId: string, lock: LockHandle, signal?: AbortSignal, pollMs?: number): Promise<boolean> {
  const node = await deps.store.getNode(nodeId);
  if (!node) return true;
  if (!DELETABLE_STATES.has(node.state)) return false;
  const provider = node.provider ? deps.providers.get(node.provider) : undefined;
  if (!provider) return false;
  const log = deps.logger.child({ node: node.id, provider: node.provider });
  if (node.state !== 'deleting' && node.state !== 'deleted') {
    setState(node, 'deleting', deps);
    await deps.store.storeNode(node);
  }
  const started = deps.clock.now();
  const externalId = node.external_id ?? (await findByName(deps, node));
  if (externalId) {
    await deleteServerAndWait(provider, externalId, { clock: deps.clock, deadlineMs: started + DELETE_TIMEOUT_MS, signal, pollMs });
  }
  if (!lock.isHeld()) throw new Error('lost the node lock while deleting');
  await deps.store.deleteNode(node, lock);
  log.info({ externalId, ms: deps.clock.now() - started }, 'node deleted');
  return true;
}

/** A server created just before a crash has our name but its id never reached ZooKeeper. */
async function findByName(deps: LauncherDeps, node: Node): Promise<string | null> {
  const provider = deps.providers.get(node.provider!);
  if (!provider) return null;
  const server = await provider.findServerByName(serverName(node.id));
  return server && server.metadata?.nodepool_node_id === node.id ? server.externalId : null;
}
