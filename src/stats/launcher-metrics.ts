// The launcher's statsd figures, named exactly as upstream's launcher emits them
// (listed in src/stats/README.md). The launcher calls these; they only shape keys and values.
import type { Node, NodeRequest, NodeState, PoolComponent } from '../model/types.ts';
import type { Metrics } from './metrics.ts';

export const NODE_STATES: readonly NodeState[] = [
  'building', 'testing', 'ready', 'in-use', 'used', 'hold', 'deleting', 'failed', 'init', 'aborted', 'deleted',
];

/** Outcomes of one launch, as upstream names them. */
export type LaunchResult =
  | 'ready' | 'error.zksession' | 'error.quota' | 'error.unknown' | 'error.nodepool' | 'error.status'
  | 'error.network' | 'error.keyscan' | 'error.capacity' | 'error.ssh' | 'error.ipadd'
  | 'error.servercreatetimeout' | 'error.serverdeletetimeout' | 'error.imagetimeout';

export interface LaunchOutcome {
  provider: string;
  /** The node's availability zone, when it got one. */
  az: string | null;
  /** The request's requestor (normalised here: "." and ":" become "_"). */
  requestor: string | null;
  result: LaunchResult;
  /** Wall time of the launch attempt in ms. */
  durationMs: number;
}

/** Upstream normalises requestor names so they stay one statsd path component. */
export function normaliseRequestor(requestor: string): string {
  return requestor.replace(/[.:]/g, '_');
}

/** The keys one launch reports under (each gets a timer and a counter). */
export function launchKeys(o: Omit<LaunchOutcome, 'durationMs'>): string[] {
  const keys = [`nodepool.launch.provider.${o.provider}.${o.result}`, `nodepool.launch.${o.result}`];
  if (o.az) keys.push(`nodepool.launch.provider.${o.provider}.${o.az}.${o.result}`);
  if (o.requestor) keys.push(`nodepool.launch.requestor.${normaliseRequestor(o.requestor)}.${o.result}`);
  return keys;
}

/** Call once per finished launch attempt (success or failure). */
export function reportLaunch(metrics: Metrics, outcome: LaunchOutcome): void {
  for (const key of launchKeys(outcome)) {
    metrics.timing(key, outcome.durationMs);
    metrics.increment(key);
  }
}

export interface ProviderMaxServers {
  name: string;
  /** Per pool; Infinity (unset) counts as 0, as upstream skips unset values. */
  poolMaxServers: number[];
}

/**
 * The node-count gauges upstream's stats pass sends: every state zero-filled for
 * `nodepool.nodes.*`, for each registered pool's provider and for each supported label.
 */
export function nodeStateGauges(nodes: readonly Node[], pools: readonly PoolComponent[], providers: readonly ProviderMaxServers[] = []): Map<string, number> {
  const g = new Map<string, number>();
  const labels = new Set<string>();
  const providerNames = new Set<string>();
  for (const p of pools) {
    for (const l of p.supported_labels) labels.add(l);
    providerNames.add(p.provider_name);
  }
  for (const state of NODE_STATES) {
    g.set(`nodepool.nodes.${state}`, 0);
    for (const p of providerNames) g.set(`nodepool.provider.${p}.nodes.${state}`, 0);
    for (const l of labels) g.set(`nodepool.label.${l}.nodes.${state}`, 0);
  }
  const bump = (key: string) => g.set(key, (g.get(key) ?? 0) + 1);
  for (const n of nodes) {
    bump(`nodepool.nodes.${n.state}`);
    for (const l of n.type) bump(`nodepool.label.${l}.nodes.${n.state}`);
    bump(`nodepool.provider.${n.provider}.nodes.${n.state}`);
  }
  for (const p of providers) {
    const max = p.poolMaxServers.filter((m) => Number.isFinite(m) && m > 0).reduce((a, b) => a + b, 0);
    g.set(`nodepool.provider.${p.name}.max_servers`, max);
  }
  return g;
}

/** The stats pass (upstream: elected launcher, every few seconds). */
export function reportNodeStats(metrics: Metrics, nodes: readonly Node[], pools: readonly PoolComponent[], providers: readonly ProviderMaxServers[] = []): void {
  for (const [key, value] of nodeStateGauges(nodes, pools, providers)) metrics.gauge(key, value);
}

/**
 * Upstream's count: for every registered pool (of every launcher), the requests in ZooKeeper,
 * whatever their state, whose every node type the pool supports.
 */
export function addressableRequestCounts(pools: readonly Pick<PoolComponent, 'provider_name' | 'name' | 'supported_labels'>[],
                                         requests: readonly Pick<NodeRequest, 'node_types'>[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const pool of pools) {
    if (!pool.name) continue; // upstream skips pool components without a name (older launchers)
    const labels = new Set(pool.supported_labels);
    const n = requests.filter((r) => r.node_types.every((l) => labels.has(l))).length;
    counts.set(`nodepool.provider.${pool.provider_name}.pool.${pool.name}.addressable_requests`, n);
  }
  return counts;
}

export function reportAddressableRequests(metrics: Metrics, pools: Parameters<typeof addressableRequestCounts>[0],
                                          requests: Parameters<typeof addressableRequestCounts>[1]): void {
  for (const [key, n] of addressableRequestCounts(pools, requests)) metrics.gauge(key, n);
}

/** Tenant limits from config: cores, instances, ram, … */
export function reportTenantLimits(metrics: Metrics, tenant: string, limits: Record<string, number>): void {
  for (const [limit, value] of Object.entries(limits)) {
    if (Number.isFinite(value)) metrics.gauge(`nodepool.tenant_limits.${normaliseRequestor(tenant)}.${normaliseRequestor(limit)}`, value);
  }
}

/** One leaked resource cleaned up (OpenStack types: instances, ports, floatingips). */
export function reportLeaked(metrics: Metrics, provider: string, type: 'instances' | 'ports' | 'floatingips', count = 1): void {
  metrics.increment(`nodepool.provider.${provider}.leaked.${type}`, count);
}
