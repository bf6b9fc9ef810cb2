// How many min-ready requests to submit per label (upstream's createMinReady), decided without
// ZooKeeper.
import type { Node, NodeRequest } from '../model/types.ts';
import type { LabelConfig } from '../config/model.ts';
import { MIN_READY_REQUESTOR } from './launcher-id.ts';

/**
 * need = min-ready − READY unallocated nodes − outstanding min-ready requests (any launcher's,
 * any state but failed). Counting every launcher's requests is what keeps several launchers
 * from each topping the label up; the caller also decides under a ZooKeeper lock.
 */
export function decideMinReady(labels: readonly LabelConfig[], nodes: Iterable<Node>, requests: Iterable<NodeRequest>,
                               labelAvailable: (label: string) => boolean): Map<string, number> {
  const wanted = labels.filter((l) => l.minReady > 0);
  const out = new Map<string, number>();
  if (wanted.length === 0) return out;
  const ready = new Map<string, number>();
  for (const node of nodes) {
    if (node.state !== 'ready' || node.allocated_to) continue;
    for (const label of node.type) ready.set(label, (ready.get(label) ?? 0) + 1);
  }
  const outstanding = new Map<string, number>();
  for (const request of requests) {
    if (request.requestor !== MIN_READY_REQUESTOR || request.state === 'failed') continue;
    for (const label of new Set(request.node_types)) outstanding.set(label, (outstanding.get(label) ?? 0) + 1);
  }
  for (const label of wanted) {
    const need = label.minReady - (ready.get(label.name) ?? 0) - (outstanding.get(label.name) ?? 0);
    if (need > 0 && labelAvailable(label.name)) out.set(label.name, need);
  }
  return out;
}
