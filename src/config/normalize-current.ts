// Current-format data (already schema-validated) → the internal model.
import { resolveDiskimages } from './diskimage-inheritance.ts';
import { DEFAULT_CRON, DELETE_INTERVAL_SECONDS } from './defaults.ts';
import type { ConfigProblem } from './errors.ts';
import type {
  CloudImageConfig,
  NodepoolConfig,
  PoolConfig,
  PoolLabelConfig,
  ProviderConfig,
  ProviderDiskImageConfig,
} from './model.ts';
import type { Origins } from './origins.ts';
import type { StaticProviderConfig } from './static-model.ts';
import { orInfinity } from './schema/common.ts';
import type { RawCurrent } from './schema/current.ts';
import type { RawPool, RawProvider } from './schema/openstack-provider.ts';
import { normalizeStaticProvider } from './normalize-static.ts';
import { problemAt } from './schema-problems.ts';
import type { YamlSource } from './yaml-source.ts';

export interface NormalizeContext {
  configFile: string;
  scriptsDir: string;
  source: YamlSource;
  origins: Origins;
  problems: ConfigProblem[];
}

export function normalizeCurrent(raw: RawCurrent, ctx: NormalizeContext): NodepoolConfig {
  const { source, origins } = ctx;
  const resolved = resolveDiskimages(raw.diskimages);
  for (const p of resolved.problems) {
    ctx.problems.push(problemAt(source, ['diskimages', p.index, p.key], false, p.message));
  }
  resolved.diskimages.forEach((d, i) => origins.set(d, source, ['diskimages', i]));

  const labels = raw.labels.map((l, i) => {
    const label = { name: l.name, minReady: l['min-ready'], maxReadyAge: l['max-ready-age'], readyScript: null };
    origins.set(label, source, ['labels', i]);
    return label;
  });

  const providers: ProviderConfig[] = [];
  const staticProviders: StaticProviderConfig[] = [];
  raw.providers.forEach((p, i) => {
    if (p.driver === 'static') staticProviders.push(normalizeStaticProvider(p, ['providers', i], ctx));
    else providers.push(provider(p, ['providers', i], ctx));
  });

  return {
    configFile: ctx.configFile,
    format: 'current',
    scriptsDir: ctx.scriptsDir,
    zookeeperServers: raw['zookeeper-servers'].map((z) => ({ host: z.host, port: z.port, chroot: z.chroot ?? null })),
    zookeeperTls: raw['zookeeper-tls'] ?? null,
    zookeeperTimeout: raw['zookeeper-timeout'],
    labels,
    diskimages: resolved.diskimages,
    providers,
    staticProviders,
    webapp: { port: raw.webapp.port, listenAddress: raw.webapp.listen_address },
    elementsDir: raw['elements-dir'] ?? null,
    imagesDir: raw['images-dir'] ?? null,
    buildLogDir: raw['build-log-dir'],
    buildLogRetention: raw['build-log-retention'],
    imageRemovalGrace: raw['image-removal-grace'],
    // Upstream: absent, 0 or negative means nodes are held forever.
    maxHoldAge: raw['max-hold-age'] !== undefined && raw['max-hold-age'] > 0 ? raw['max-hold-age'] : Infinity,
    tenantResourceLimits: raw['tenant-resource-limits'].map((t) => {
      const limits: Record<string, number> = {};
      for (const [k, v] of Object.entries(t)) if (k !== 'tenant-name') limits[TENANT_LIMIT_NAMES[k] ?? k] = v as number;
      return { tenantName: t['tenant-name'], limits };
    }),
    cron: { ...DEFAULT_CRON },
    deleteInterval: DELETE_INTERVAL_SECONDS,
  };
}

/** Upstream's quota names for the limits spelled as config keys. */
const TENANT_LIMIT_NAMES: Record<string, string> = {
  'max-servers': 'instances',
  'max-cores': 'cores',
  'max-ram': 'ram',
  'max-volumes': 'volumes',
  'max-volume-gb': 'volume-gb',
};

function provider(p: RawProvider, base: (string | number)[], ctx: NormalizeContext): ProviderConfig {
  const { source, origins } = ctx;
  const diskimages = p.diskimages.map((d, i): ProviderDiskImageConfig => {
    const type = d['connection-type'] ?? 'ssh';
    const out = {
      name: d.name,
      pause: d.pause,
      meta: d.meta,
      configDrive: d['config-drive'] ?? null,
      connectionType: type,
      connectionPort: d['connection-port'] ?? defaultPort(type),
    };
    origins.set(out, source, [...base, 'diskimages', i]);
    return out;
  });
  const cloudImages = p['cloud-images'].map((c, i): CloudImageConfig => {
    const type = c['connection-type'] ?? 'ssh';
    const out = {
      name: c.name,
      configDrive: c['config-drive'] ?? null,
      connectionType: type,
      connectionPort: c['connection-port'] ?? defaultPort(type),
      imageId: c['image-id'] ?? null,
      // Neither set: the cloud image is looked up by its own name.
      imageName: c['image-name'] ?? (c['image-id'] === undefined ? c.name : null),
      // Upstream leaves it unset (None); readers of the node fall back to zuul.
      username: c.username ?? null,
      pythonPath: c['python-path'],
      shellType: c['shell-type'] ?? null,
    };
    origins.set(out, source, [...base, 'cloud-images', i]);
    return out;
  });
  const out: ProviderConfig = {
    name: p.name,
    driver: 'openstack',
    cloud: p.cloud,
    regionName: p['region-name'] ?? null,
    maxConcurrency: p['max-concurrency'],
    priority: p.priority,
    bootTimeout: p['boot-timeout'],
    launchTimeout: p['launch-timeout'],
    launchRetries: p['launch-retries'],
    rate: p.rate,
    imageUploadTimeout: p['image-upload-timeout'],
    imageNameFormat: p['image-name-format'],
    cleanFloatingIps: p['clean-floating-ips'],
    portCleanupInterval: p['port-cleanup-interval'],
    postUploadHook: p['post-upload-hook'] ?? null,
    imageType: null,
    diskimages,
    cloudImages,
    pools: p.pools.map((pool, i) => poolConfig(pool, p.priority, [...base, 'pools', i], ctx)),
  };
  origins.set(out, source, base);
  return out;
}

function poolConfig(pool: RawPool, providerPriority: number, base: (string | number)[], ctx: NormalizeContext): PoolConfig {
  const labels = pool.labels.map((l, i): PoolLabelConfig => {
    const out: PoolLabelConfig = {
      name: l.name,
      diskimage: l.diskimage ?? null,
      cloudImage: l['cloud-image'] ?? null,
      minRam: l['min-ram'] ?? null,
      flavorName: l['flavor-name'] ?? null,
      nameFilter: null,
      keyName: l['key-name'] ?? null,
      consoleLog: l['console-log'],
      bootFromVolume: l['boot-from-volume'],
      volumeSize: l['volume-size'],
      instanceProperties: l['instance-properties'],
      dynamicInstanceProperties: l['dynamic-instance-properties'],
      userdata: l.userdata ?? null,
      networks: l.networks ?? null,
      hostKeyChecking: l['host-key-checking'] ?? null,
      username: null,
      privateKey: null,
      readyScript: null,
    };
    ctx.origins.set(out, ctx.source, [...base, 'labels', i]);
    return out;
  });
  const out: PoolConfig = {
    name: pool.name,
    maxServers: orInfinity(pool['max-servers']),
    maxCores: orInfinity(pool['max-cores']),
    maxRam: orInfinity(pool['max-ram']),
    maxVolumes: orInfinity(pool['max-volumes']),
    maxVolumeGb: orInfinity(pool['max-volume-gb']),
    ignoreProviderQuota: pool['ignore-provider-quota'],
    availabilityZones: pool['availability-zones'],
    networks: pool.networks,
    securityGroups: pool['security-groups'],
    autoFloatingIp: pool['auto-floating-ip'],
    hostKeyChecking: pool['host-key-checking'],
    nodeAttributes: pool['node-attributes'],
    priority: pool.priority ?? providerPriority,
    labels,
  };
  ctx.origins.set(out, ctx.source, base);
  return out;
}

export function defaultPort(connectionType: string): number {
  return connectionType === 'winrm' ? 5986 : 22;
}
