// Static provider data (already schema-validated) → the model, with the defaults that depend
// on another key (the port on the connection type), remembering where each object came from.
import type { ConfigPath } from './errors.ts';
import type { NormalizeContext } from './normalize-current.ts';
import type { RawStaticPool, RawStaticProvider } from './schema/static-provider.ts';
import type { StaticNodeConfig, StaticPoolConfig, StaticProviderConfig } from './static-model.ts';

export function normalizeStaticProvider(p: RawStaticProvider, base: ConfigPath, ctx: NormalizeContext): StaticProviderConfig {
  const out: StaticProviderConfig = {
    name: p.name,
    driver: 'static',
    maxConcurrency: p['max-concurrency'],
    priority: p.priority,
    pools: p.pools.map((pool, i) => staticPool(pool, p.priority, [...base, 'pools', i], ctx)),
  };
  ctx.origins.set(out, ctx.source, base);
  return out;
}

function staticPool(pool: RawStaticPool, providerPriority: number, base: ConfigPath, ctx: NormalizeContext): StaticPoolConfig {
  const nodes = pool.nodes.map((n, i): StaticNodeConfig => {
    const type = n['connection-type'];
    const node: StaticNodeConfig = {
      name: n.name,
      labels: asLabelList(n.labels),
      username: n.username,
      timeout: n.timeout,
      hostKeyChecking: n['host-key-checking'],
      hostKeys: typeof n['host-key'] === 'string' ? [n['host-key']] : n['host-key'],
      connectionType: type,
      // As for cloud images (normalize-current.ts defaultPort); not imported to keep the files acyclic.
      connectionPort: n['connection-port'] ?? (type === 'winrm' ? 5986 : 22),
      shellType: n['shell-type'] ?? null,
      pythonPath: n['python-path'],
      maxParallelJobs: n['max-parallel-jobs'],
    };
    ctx.origins.set(node, ctx.source, [...base, 'nodes', i]);
    return node;
  });
  const labels = [...new Set(nodes.flatMap((n) => n.labels))];
  const out: StaticPoolConfig = {
    name: pool.name,
    priority: pool.priority ?? providerPriority,
    nodeAttributes: pool['node-attributes'],
    nodes,
    labels,
  };
  ctx.origins.set(out, ctx.source, base);
  return out;
}

/** Upstream: a string is split on whitespace ("a b" is two labels); a list is taken as is. */
function asLabelList(labels: string | string[]): string[] {
  return typeof labels === 'string' ? labels.split(/\s+/).filter((l) => l !== '') : [...labels];
}
