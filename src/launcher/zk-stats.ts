// The launcher's ZooKeeper gauges under upstream's names (nodepool.launcher.<host>.zk.*), sent
// with the periodic stats. Upstream reads kazoo's queues; the equivalents here: requests the
// session has sent or holds for a connection, and per cache the watch events whose data is still
// being read. Our caches apply events as they arrive, so nothing waits for playback (0); the
// launcher keeps no image tree cache (it reads image records when it refreshes), so its two
// gauges are 0 too, sent so upstream's dashboards find every series.
import type { Metrics } from '../stats/metrics.ts';

interface QueueSource { queuedRequests?: number; requestsByOp?: ReadonlyMap<string, number> }
interface CacheSource { pendingReads?: () => number }

export function zkGauges(hostname: string, client: unknown, caches: { node?: unknown; request?: unknown }): Map<string, number> {
  const root = `nodepool.launcher.${hostname}.zk`;
  const g = new Map<string, number>();
  const queued = (client as QueueSource | undefined)?.queuedRequests;
  g.set(`${root}.client.connection_queue`, typeof queued === 'number' ? queued : 0);
  // Beyond upstream: requests this launcher sent since start, by operation (a running total).
  const byOp = (client as QueueSource | undefined)?.requestsByOp;
  if (byOp instanceof Map) for (const [op, n] of byOp) g.set(`${root}.client.requests.${op}`, n);
  for (const [name, cache] of [['node_cache', caches.node], ['request_cache', caches.request], ['image_cache', undefined]] as const) {
    const reads = (cache as CacheSource | undefined)?.pendingReads;
    g.set(`${root}.${name}.event_queue`, typeof reads === 'function' ? reads.call(cache) : 0);
    g.set(`${root}.${name}.playback_queue`, 0);
  }
  return g;
}

export function reportZkStats(metrics: Metrics, hostname: string, client: unknown, caches: { node?: unknown; request?: unknown }): void {
  for (const [key, value] of zkGauges(hostname, client, caches)) metrics.gauge(key, value);
}
