// The one way launcher code changes a node's state: the state and its timestamp together.
import type { Node } from '../model/types.ts';
import type { Clock } from '../util/clock.ts';

export function setNodeState(node: Node, state: Node['state'], deps: { clock: Clock }): void {
  node.state = state;
  node.state_time = deps.clock.now() / 1000;
}
