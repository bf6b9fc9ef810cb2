// The launcher's periodic gauges, as upstream's: node counts per state/label/provider, max_servers,
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
  reportAddressableRequests(metrics, shared.directory.registeredPools(), shared.requestCache.values());
  for (const limit of config.tenantResourceLimits) reportTenantLimits(metrics, limit.tenantName, tenantLimitResources(limit));
}
