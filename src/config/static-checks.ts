// Cross-reference checks of `driver: static` providers, on the model, pointing at the file
// through Origins: one host (name, username, port) listed once in the whole file (upstream's
// docs require it), node labels defined at the top level, min-ready ignored for static labels.
import type { ConfigProblem } from './errors.ts';
import type { NodepoolConfig } from './model.ts';
import type { Origins } from './origins.ts';
import { KNOWN_CONNECTION_TYPES } from './schema/static-provider.ts';
import { problemAt } from './schema-problems.ts';
import { staticHostKey } from './static-model.ts';

export function staticProblems(config: NodepoolConfig, origins: Origins): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const report = (obj: object, key: string | undefined, message: string, severity: 'error' | 'warning' = 'error') => {
    const where = origins.of(obj, key);
    if (where) out.push(problemAt(where.source, where.path, false, message, severity));
  };
  if (config.staticProviders.length === 0) return out;

  const providerNames = new Set(config.providers.map((p) => p.name));
  const labelNames = new Set(config.labels.map((l) => l.name));
  const hosts = new Map<string, string>();
  for (const provider of config.staticProviders) {
    if (providerNames.has(provider.name)) report(provider, 'name', `duplicate provider name '${provider.name}' (expected each provider once)`);
    providerNames.add(provider.name);
    const poolNames = new Set<string>();
    for (const pool of provider.pools) {
      if (poolNames.has(pool.name)) report(pool, 'name', `duplicate pool (provider ${provider.name}) name '${pool.name}' (expected each pool (provider ${provider.name}) once)`);
      poolNames.add(pool.name);
      for (const node of pool.nodes) {
        const key = staticHostKey({ hostname: node.name, username: node.username, port: node.connectionPort });
        const first = hosts.get(key);
        if (first) {
          report(node, 'name', `host '${node.name}' with username '${node.username}' and port ${node.connectionPort} is already listed in ${first} (expected each name, username and connection-port combination once)`);
        } else {
          hosts.set(key, `provider ${provider.name} pool ${pool.name}`);
        }
        for (const label of node.labels) {
          if (!labelNames.has(label)) {
            report(node, 'labels', `label '${label}' is not a top-level label (expected one of: ${[...labelNames].join(', ') || 'none defined'})`);
          }
        }
        if (node.labels.length === 0) report(node, 'labels', 'no label given (expected at least one label)');
        if (!(KNOWN_CONNECTION_TYPES as readonly string[]).includes(node.connectionType)) {
          report(node, 'connection-type', `unknown connection-type '${node.connectionType}' (expected one of: ${KNOWN_CONNECTION_TYPES.join(', ')}); passed to Zuul as is`, 'warning');
        }
      }
    }
  }

  // min-ready asks for nodes to be launched ahead of demand; static hosts are never launched.
  const cloudLabels = new Set(config.providers.flatMap((p) => p.pools.flatMap((pool) => pool.labels.map((l) => l.name))));
  const staticLabels = staticLabelNames(config);
  for (const label of config.labels) {
    if (label.minReady > 0 && staticLabels.has(label.name) && !cloudLabels.has(label.name)) {
      report(label, 'min-ready', `min-ready ${label.minReady} has no meaning for static label '${label.name}' and is ignored (expected 0: every configured host is registered READY anyway)`, 'warning');
    }
  }
  return out;
}

/** Labels some static host offers. */
export function staticLabelNames(config: Pick<NodepoolConfig, 'staticProviders'>): Set<string> {
  return new Set(config.staticProviders.flatMap((p) => p.pools.flatMap((pool) => pool.labels)));
}
