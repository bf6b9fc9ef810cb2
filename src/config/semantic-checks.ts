// Cross-references a schema cannot see: upstream's checks plus the ones a careful operator
// expects. Works on the model (both formats) and points at the file through Origins.
import type { ConfigProblem } from './errors.ts';
import type { NodepoolConfig, PoolConfig } from './model.ts';
import type { Origins } from './origins.ts';
import { problemAt } from './schema-problems.ts';
import { staticLabelNames, staticProblems } from './static-checks.ts';

export function semanticProblems(config: NodepoolConfig, origins: Origins): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const report = (obj: object, key: string | undefined, message: string, severity: 'error' | 'warning' = 'error') => {
    const where = origins.of(obj, key);
    if (where) out.push(problemAt(where.source, where.path, false, message, severity));
  };
  const unique = <T extends { name: string }>(items: readonly T[], what: string) => {
    const seen = new Set<string>();
    for (const item of items) {
      if (seen.has(item.name)) report(item, 'name', `duplicate ${what} name '${item.name}' (expected each ${what} once)`);
      seen.add(item.name);
    }
  };

  unique(config.labels, 'label');
  unique(config.diskimages, 'diskimage');
  unique(config.providers, 'provider');
  const labelNames = new Set(config.labels.map((l) => l.name));
  const topDiskimages = new Map(config.diskimages.map((d) => [d.name, d]));

  for (const provider of config.providers) {
    unique(provider.pools, `pool (provider ${provider.name})`);
    unique(provider.diskimages, `diskimage (provider ${provider.name})`);
    unique(provider.cloudImages, `cloud-image (provider ${provider.name})`);
    for (const d of provider.diskimages) {
      const top = topDiskimages.get(d.name);
      if (!top) report(d, 'name', `diskimage '${d.name}' is not a top-level diskimage (expected one of: ${[...topDiskimages.keys()].join(', ') || 'none defined'})`);
      else if (top.abstract) report(d, 'name', `diskimage '${d.name}' is abstract and never built (expected a concrete diskimage)`);
    }
    const providerDisk = new Set(provider.diskimages.map((d) => d.name));
    const cloudImages = new Set(provider.cloudImages.map((c) => c.name));
    for (const pool of provider.pools) {
      unique(pool.labels, `label (pool ${provider.name}/${pool.name})`);
      for (const label of pool.labels) {
        if (!labelNames.has(label.name)) {
          report(label, 'name', `label '${label.name}' is not a top-level label (expected one of: ${[...labelNames].join(', ') || 'none defined'})`);
        }
        if (label.diskimage !== null && !providerDisk.has(label.diskimage)) {
          report(label, 'diskimage', `diskimage '${label.diskimage}' is not in provider '${provider.name}' diskimages (expected one of: ${[...providerDisk].join(', ') || 'none defined'})`);
        }
        if (label.cloudImage !== null && !cloudImages.has(label.cloudImage)) {
          report(label, 'cloud-image', `cloud-image '${label.cloudImage}' is not in provider '${provider.name}' cloud-images (expected one of: ${[...cloudImages].join(', ') || 'none defined'})`);
        }
        if (label.minRam === null && label.flavorName === null && label.nameFilter === null) {
          report(label, undefined, `label '${label.name}' selects no flavor (expected at least one of min-ram, flavor-name${config.format === 'classic' ? ', name-filter' : ''})`);
        }
      }
    }
  }

  // Capacity per label across every pool that offers it.
  const pools = new Map<string, PoolConfig[]>();
  for (const provider of config.providers) for (const pool of provider.pools) for (const l of pool.labels) {
    pools.set(l.name, [...(pools.get(l.name) ?? []), pool]);
  }
  const staticLabels = staticLabelNames(config);
  for (const label of config.labels) {
    const offering = pools.get(label.name) ?? [];
    if (offering.length === 0 && staticLabels.has(label.name)) continue;
    if (offering.length === 0) {
      // A warning, not an error: upstream accepts it and a label may be provided later, but
      // every request for it will be declined until then.
      report(label, 'name', `no provider pool offers label '${label.name}' (requests for it will fail; expected a pool label of that name)`, 'warning');
      continue;
    }
    const capacity = offering.filter((p) => p.maxServers > 0).reduce((sum, p) => sum + p.maxServers, 0);
    if (label.minReady > capacity) {
      report(label, 'min-ready', `min-ready ${label.minReady} is more than the ${capacity} server(s) its pools may hold (expected at most ${capacity})`, 'warning');
    }
  }
  out.push(...staticProblems(config, origins));
  return out;
}
