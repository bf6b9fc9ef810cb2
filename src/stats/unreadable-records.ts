// The gauge of records in ZooKeeper the store could not read, per kind (node, request, build,
// upload, component): `nodepool.unreadable_records.<kind>`, in Prometheus
// `nodepool_unreadable_records{kind="..."}`. Not an upstream metric.
import type { Metrics } from './metrics.ts';

export function unreadableRecordsKey(kind: string): string {
  return `nodepool.unreadable_records.${kind}`;
}

export function reportUnreadableRecords(metrics: Metrics, counts: ReadonlyMap<string, number>): void {
  for (const [kind, count] of counts) metrics.gauge(unreadableRecordsKey(kind), count);
}
