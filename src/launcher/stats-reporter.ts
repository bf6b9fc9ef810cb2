// The launcher's periodic gauges (§7): node counts per state/label/provider, max_servers,
// addressable requests per pool and tenant limits. Every launcher reports the same values
// from its caches (upstream elects one reporter; identical gauges make that unnecessary).
import type { LauncherShared } from './launcher-shared.ts';
import type { PoolWorker } from './pool-worker.ts';
import { reportAddressableRequests, reportNodeStats, reportTenantLimits } from '../stats/launcher-metrics.ts';
import { tenantLimitResources } from './decide-request.ts';

export function reportLauncherStats(shared: LauncherShared, pools: readonly PoolWorker[]): void {
  const metrics = shared.deps.metrics;
  if (!metrics) return;
  const config = shared.deps.getConfig();
  reportNodeStats(metrics, shared.nodeCache.values(), shared.directory.registeredPools(),
    config.providers.map((p) => ({ name: p.name, poolMaxServers: p.pools.map((pool) => pool.maxServers) })));
  const requested = shared.requestCache.values().filter((r) => r.state === 'requested');
  for (const worker of pools) {
    const provider = config.providers.find((p) => p.name === worker.providerName);
    const labels = new Set(provider?.pools.find((p) => p.name === worker.poolName)?.labels.map((l) => l.name) ?? []);
    const count = requested.filter((r) => !r.declined_by.includes(worker.launcherId) && r.node_types.every((l) => labels.has(l))).length;
    reportAddressableRequests(metrics, worker.providerName, worker.poolName, count);
  }
  for (const limit of config.tenantResourceLimits) reportTenantLimits(metrics, limit.tenantName, tenantLimitResources(limit));
}
