// Hands a node to the delete worker: lock it without waiting, re-read it, and if it still
// qualifies set it `deleting` (the delete worker removes the server and the znode). Always unlocks.
import type { Node } from '../../model/types.ts';
import type { LauncherDeps } from '../deps.ts';
import { setNodeState } from '../node-state.ts';

export type MarkResult = 'marked' | 'locked' | 'changed';

/** `stillQualifies` is asked again on the fresh copy read under the lock. */
export async function markNodeDeleting(deps: LauncherDeps, nodeId: string, stillQualifies: (node: Node) => boolean,
                                       reason: string, event: string, level: 'info' | 'warn' = 'info'): Promise<MarkResult> {
  const lock = await deps.store.lockNode(nodeId, { blocking: false });
  if (!lock) return 'locked';
  try {
    const node = await deps.store.getNode(nodeId);
    if (!node || !stillQualifies(node)) return 'changed';
    const from = node.state;
    setNodeState(node, 'deleting', deps);
    await deps.store.storeNode(node);
    deps.logger[level]({ node: node.id, provider: node.provider, label: node.type[0], externalId: node.external_id, from, reason }, event);
    return 'marked';
  } finally {
    await lock.release().catch(() => undefined);
  }
}
