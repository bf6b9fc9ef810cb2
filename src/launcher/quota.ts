// Quota arithmetic (upstream's hasRemainingQuota). Pure: callers gather cloud limits, servers and
// nodes; these functions only add and compare.
import type { Node } from '../model/types.ts';
import type { ServerInfo, QuotaLimits } from '../cloud/provider.ts';
import type { PoolConfig } from '../config/model.ts';

/** cores, instances, ram[, volumes, volume-gb]; missing keys count as 0. */
export type Resources = Record<string, number>;

export function addResources(a: Resources, b: Resources, times = 1): Resources {
  const out: Resources = { ...a };
  for (const [key, value] of Object.entries(b)) out[key] = (out[key] ?? 0) + value * times;
  return out;
}

export function sumResources(items: Iterable<Resources>): Resources {
  let total: Resources = {};
  for (const item of items) total = addResources(total, item);
  return total;
}

/** True when usage + needed stays within every finite limit. */
export function fitsWithin(limits: Resources, usage: Resources, needed: Resources): boolean {
  for (const [key, limit] of Object.entries(limits)) {
    if (limit === undefined || !Number.isFinite(limit)) continue;
    if ((usage[key] ?? 0) + (needed[key] ?? 0) > limit) return false;
  }
  return true;
}

/** The pool's own limits as resources (max-servers → instances, ...). */
export function poolLimits(pool: PoolConfig): Resources {
  return {
    instances: pool.maxServers,
    cores: pool.maxCores,
    ram: pool.maxRam,
    volumes: pool.maxVolumes,
    'volume-gb': pool.maxVolumeGb,
  };
}

/** What a node occupies; nodes written before their resources were known count one instance. */
export function nodeResources(node: Pick<Node, 'resources'>): Resources {
  const out: Resources = {};
  if (node.resources) {
    for (const [key, value] of Object.entries(node.resources)) if (typeof value === 'number') out[key] = value;
  }
  if (out.instances === undefined) out.instances = 1;
  return out;
}

/** A Cinder volume and the servers it is attached to (for unmanaged volume usage). */
export interface AttachedVolume { sizeGb: number; serverIds: readonly string[] }

/** Servers that use the project's quota but are not nodes this provider knows in ZooKeeper:
 *  other users' servers and our own leaked ones, with the volumes attached to them (upstream
 *  counts a server's attached volumes and their size in its quota). */
export function unmanagedUsage(servers: readonly Pick<ServerInfo, 'externalId' | 'metadata' | 'cores' | 'ram'>[], providerName: string,
                               zkNodeIds: ReadonlySet<string>, volumes: readonly AttachedVolume[] = []): Resources {
  let cores = 0, ram = 0, instances = 0;
  const unmanagedIds = new Set<string>();
  for (const server of servers) {
    const ours = server.metadata?.nodepool_provider_name === providerName;
    const nodeId = server.metadata?.nodepool_node_id;
    if (ours && nodeId !== undefined && zkNodeIds.has(nodeId)) continue;
    unmanagedIds.add(server.externalId);
    instances += 1;
    cores += server.cores ?? 0;
    ram += server.ram ?? 0;
  }
  const usage: Resources = { cores, instances, ram };
  let count = 0, gb = 0;
  for (const v of volumes) {
    if (!v.serverIds.some((id) => unmanagedIds.has(id))) continue;
    count += 1;
    gb += v.sizeGb;
  }
  if (count > 0) {
    usage.volumes = count;
    usage['volume-gb'] = gb;
  }
  return usage;
}

export interface QuotaState {
  /** Cloud limits, or null when ignore-provider-quota is set or they are unknown. */
  cloudLimits: QuotaLimits | null;
  unmanaged: Resources;
  /** Sum over this provider's nodes in ZooKeeper (every pool). */
  providerUsage: Resources;
  pool: PoolConfig;
  /** Sum over this pool's nodes. */
  poolUsage: Resources;
}

export function hasRemainingQuota(state: QuotaState, needed: Resources): boolean {
  if (state.cloudLimits) {
    const used = addResources(state.unmanaged, state.providerUsage);
    if (!fitsWithin(state.cloudLimits as Resources, used, needed)) return false;
  }
  return fitsWithin(poolLimits(state.pool), state.poolUsage, needed);
}

/** Which limit stops a launch now (for explanations), or null when it fits. */
export function quotaBlocker(state: QuotaState, needed: Resources): 'max-servers' | 'pool-quota' | 'cloud-quota' | null {
  const pool = poolLimits(state.pool);
  if (!fitsWithin({ instances: pool.instances }, state.poolUsage, needed)) return 'max-servers';
  if (!fitsWithin(pool, state.poolUsage, needed)) return 'pool-quota';
  if (state.cloudLimits && !fitsWithin(state.cloudLimits as Resources, addResources(state.unmanaged, state.providerUsage), needed)) {
    return 'cloud-quota';
  }
  return null;
}

/**
 * "it would exceed quota": the whole request can never fit, even with every node of ours gone.
 * As upstream (hasProviderQuota): the cloud's limits minus what others use (unmanaged usage),
 * then the pool's own max-* limits.
 */
export function canNeverFit(cloudLimits: QuotaLimits | null, unmanaged: Resources, pool: PoolConfig, neededTotal: Resources): boolean {
  if (cloudLimits && !fitsWithin(cloudLimits as Resources, unmanaged, neededTotal)) return true;
  return !fitsWithin(poolLimits(pool), {}, neededTotal);
}
