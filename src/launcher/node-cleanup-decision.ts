// What the delete worker should do with one cached node (as upstream's DeletedNodeWorker),
// decided without ZooKeeper.
import type { Node, NodeState } from '../model/types.ts';

/** States in which an unlocked node is deleted (in-use unlocked: Zuul died; building: a launcher died). */
export const DELETABLE_STATES: ReadonlySet<NodeState> = new Set<NodeState>(
  ['used', 'in-use', 'building', 'failed', 'deleting', 'deleted', 'aborted']);

/** States whose holder lets go within moments, so waiting on the lock is worth it. */
export const EAGER_DELETE_STATES: ReadonlySet<NodeState> = new Set<NodeState>(
  ['used', 'failed', 'deleting', 'deleted', 'aborted']);

export type NodeCleanupAction = 'none' | 'deallocate' | 'delete';

export function decideNodeCleanup(node: Pick<Node, 'state' | 'allocated_to' | 'provider'>,
                                  facts: { providerConfigured: boolean; requestExists: boolean; resumableHere?: boolean }): NodeCleanupAction {
  if (!node.provider || !facts.providerConfigured) return 'none';
  // A launch this launcher resumes (see resume-decision.ts) is not abandoned.
  if (facts.resumableHere) return 'none';
  if (node.state === 'ready' && node.allocated_to && !facts.requestExists) return 'deallocate';
  if (DELETABLE_STATES.has(node.state)) return 'delete';
  return 'none';
}
