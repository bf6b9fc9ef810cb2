// The order in which a pool looks at requests (upstream's _assignHandlers sort): pools that lack
// fewer of the request's labels go first, then the id's priority prefix, relative_priority, and
// sequence.
import type { NodeRequest } from '../model/types.ts';

export interface RequestSortKey {
  lacked: number;
  prefix: string;
  relativePriority: number;
  sequence: string;
}

/** "200-0000000042" → prefix "200", sequence "0000000042"; ids without a dash sort last. */
export function parseRequestId(id: string): { prefix: string; sequence: string } {
  const dash = id.indexOf('-');
  if (dash < 0) return { prefix: '999', sequence: id };
  return { prefix: id.slice(0, dash), sequence: id.slice(dash + 1) };
}

export function requestSortKey(request: NodeRequest, supportedLabels: ReadonlySet<string>): RequestSortKey {
  const { prefix, sequence } = parseRequestId(request.id);
  let lacked = 0;
  for (const label of request.node_types) if (!supportedLabels.has(label)) lacked++;
  return { lacked, prefix, relativePriority: request.relative_priority ?? 0, sequence };
}

export function compareSortKeys(a: RequestSortKey, b: RequestSortKey): number {
  if (a.lacked !== b.lacked) return a.lacked - b.lacked;
  // String comparison, as upstream: "100" < "200" < "900".
  if (a.prefix !== b.prefix) return a.prefix < b.prefix ? -1 : 1;
  if (a.relativePriority !== b.relativePriority) return a.relativePriority - b.relativePriority;
  if (a.sequence !== b.sequence) return a.sequence < b.sequence ? -1 : 1;
  return 0;
}

export function sortRequests(requests: readonly NodeRequest[], supportedLabels: ReadonlySet<string>): NodeRequest[] {
  return requests
    .map((request) => ({ request, key: requestSortKey(request, supportedLabels) }))
    .sort((a, b) => compareSortKeys(a.key, b.key))
    .map((entry) => entry.request);
}
