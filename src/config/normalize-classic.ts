// Classic standalone (0.4) data → the internal model. Each provider gets one pool "main" with
// the provider-level limits; each (label, provider) pair becomes a pool label carrying the
// provider image's fields (src/config/README.md, "Classic mapping").
import { Cron } from 'croner';
import { DEFAULT_CRON, DELETE_INTERVAL_SECONDS } from './defaults.ts';
import { isRecord } from './detect-format.ts';
import { formatPath, type ConfigPath } from './errors.ts';
import type {
  CloudImageConfig,
  DiskImageConfig,
  NodepoolConfig,
  PoolLabelConfig,
  ProviderConfig,
  ProviderDiskImageConfig,
} from './model.ts';
import type { NormalizeContext } from './normalize-current.ts';
import { orInfinity } from './schema/common.ts';
import { CLASSIC_03_KEYS, CLASSIC_IGNORED_KEYS, CLASSIC_LOST_KEYS, type RawClassic, type RawClassicProvider } from './schema/classic.ts';
import { DISKIMAGE_DEFAULTS } from './schema/diskimages.ts';
import { problemAt } from './schema-problems.ts';

export function normalizeClassic(raw: RawClassic, input: unknown, ctx: NormalizeContext): NodepoolConfig {
  const { source, origins, problems } = ctx;
  warnIgnoredKeys(input, ctx);

  const cron = {
    check: raw.cron.check ?? DEFAULT_CRON.check,
    cleanup: raw.cron.cleanup ?? DEFAULT_CRON.cleanup,
  };
  for (const key of ['check', 'cleanup'] as const) {
    const why = raw.cron[key] === undefined ? null : cronProblem(raw.cron[key]);
    if (why) problems.push(problemAt(source, ['cron', key], false, why));
  }

  // The image username is the login of the diskimage it references (default jenkins); the
  // model has one username per diskimage, so images disagreeing about it are worth a warning.
  const usernameOf = new Map<string, string>();
  raw.providers.forEach((p, pi) => p.images.forEach((img, ii) => {
    if (p.images.findIndex((other) => other.name === img.name) !== ii) {
      problems.push(problemAt(source, ['providers', pi, 'images', ii, 'name'], false,
        `duplicate image name '${img.name}' in provider '${p.name}' (expected each image once per provider)`));
    }
    if (img.diskimage === undefined) return;
    const known = usernameOf.get(img.diskimage);
    if (known === undefined) usernameOf.set(img.diskimage, img.username);
    else if (known !== img.username) {
      problems.push(problemAt(source, ['providers', pi, 'images', ii, 'username'], false,
        `username '${img.username}' differs from '${known}' used with diskimage '${img.diskimage}' elsewhere; '${known}' is used (expected one username per diskimage)`, 'warning'));
    }
  }));
  const diskimages = raw.diskimages.map((d, i): DiskImageConfig => {
    const out: DiskImageConfig = {
      name: d.name, abstract: false, parent: null, dibCmd: DISKIMAGE_DEFAULTS.dibCmd, pause: d.pause,
      elements: d.elements, formats: [], keepFormats: [], deleteAfterUpload: false,
      release: d.release ?? null, rebuildAge: d['rebuild-age'], buildTimeout: DISKIMAGE_DEFAULTS.buildTimeout,
      envVars: d['env-vars'], username: usernameOf.get(d.name) ?? 'jenkins',
      pythonPath: DISKIMAGE_DEFAULTS.pythonPath, shellType: null, metadata: {},
    };
    origins.set(out, source, ['diskimages', i]);
    return out;
  });

  const labels = raw.labels.map((l, i) => {
    const out = { name: l.name, minReady: l['min-ready'], maxReadyAge: 0, readyScript: l['ready-script'] ?? null };
    origins.set(out, source, ['labels', i]);
    return out;
  });

  const providerIndex = new Map(raw.providers.map((p, i) => [p.name, i]));
  raw.labels.forEach((l, li) => l.providers.forEach((lp, k) => {
    if (!providerIndex.has(lp.name)) {
      problems.push(problemAt(source, ['labels', li, 'providers', k, 'name'], false,
        `provider '${lp.name}' does not exist (expected one of: ${[...providerIndex.keys()].join(', ') || 'no providers defined'})`));
    }
  }));

  return {
    configFile: ctx.configFile,
    format: 'classic',
    scriptsDir: ctx.scriptsDir,
    zookeeperServers: raw['zookeeper-servers'].map((z) => ({ host: z.host, port: z.port, chroot: z.chroot ?? null })),
    zookeeperTls: raw['zookeeper-tls'] ?? null,
    zookeeperTimeout: 10.0,
    labels,
    diskimages,
    providers: raw.providers.map((p, pi) => provider(p, pi, raw, ctx)),
    staticProviders: [],
    webapp: { port: 8005, listenAddress: '127.0.0.1' },
    elementsDir: raw['elements-dir'] ?? null,
    imagesDir: raw['images-dir'] ?? null,
    buildLogDir: '/var/log/nodepool/builds',
    buildLogRetention: 7,
    imageRemovalGrace: 600,
    maxHoldAge: Infinity,
    tenantResourceLimits: [],
    cron,
    deleteInterval: DELETE_INTERVAL_SECONDS,
    readyScriptEnv: raw['ready-script-env'] ?? null,
  };
}

function provider(p: RawClassicProvider, pi: number, raw: RawClassic, ctx: NormalizeContext): ProviderConfig {
  const { source, origins, problems } = ctx;
  const base = ['providers', pi];
  if (p.cloud === undefined) {
    problems.push(problemAt(source, base, false,
      `provider '${p.name}' has no cloud (expected cloud: naming a clouds.yaml entry; inline credentials are not used)`));
  }
  const imagePath = (ii: number, key: string): ConfigPath => [...base, 'images', ii, key];

  const diskimages: ProviderDiskImageConfig[] = [];
  const cloudImages: CloudImageConfig[] = [];
  p.images.forEach((img, ii) => {
    if (img.diskimage !== undefined) {
      if (diskimages.some((d) => d.name === img.diskimage)) return;
      const out = { name: img.diskimage, pause: img.pause, meta: {}, configDrive: img['config-drive'] ?? null, connectionType: 'ssh', connectionPort: 22 };
      origins.set(out, source, [...base, 'images', ii], { name: imagePath(ii, 'diskimage') });
      diskimages.push(out);
    } else {
      // No diskimage: an image that already exists in the cloud under this name.
      const out = { name: img.name, configDrive: img['config-drive'] ?? null, connectionType: 'ssh', connectionPort: 22,
        imageId: null, imageName: img.name, username: img.username, pythonPath: 'auto', shellType: null };
      origins.set(out, source, [...base, 'images', ii]);
      cloudImages.push(out);
    }
  });

  const labels: PoolLabelConfig[] = [];
  raw.labels.forEach((label, li) => label.providers.forEach((lp, k) => {
    if (lp.name !== p.name) return;
    const ii = p.images.findIndex((img) => img.name === label.image);
    if (ii < 0) {
      problems.push(problemAt(source, ['labels', li, 'image'], false,
        `image '${label.image}' is not defined by provider '${p.name}' (expected one of its images: ${p.images.map((i) => i.name).join(', ') || 'none'})`));
      return;
    }
    const img = p.images[ii];
    const readyScriptFromLabel = label['ready-script'] !== undefined;
    const out: PoolLabelConfig = {
      name: label.name,
      diskimage: img.diskimage ?? null,
      cloudImage: img.diskimage === undefined ? img.name : null,
      minRam: img['min-ram'] ?? null,
      flavorName: null,
      nameFilter: img['name-filter'] ?? null,
      keyName: p.keypair ?? null,
      consoleLog: false,
      bootFromVolume: false,
      volumeSize: 50,
      instanceProperties: img.meta,
      dynamicInstanceProperties: {},
      userdata: null,
      networks: null,
      hostKeyChecking: null,
      username: img.username,
      privateKey: img['private-key'] ?? null,
      readyScript: label['ready-script'] ?? img['ready-script'] ?? null,
      configDrive: img['config-drive'] ?? null,
    };
    origins.set(out, source, ['labels', li, 'providers', k], {
      name: ['labels', li, 'name'],
      diskimage: imagePath(ii, 'diskimage'),
      'min-ram': imagePath(ii, 'min-ram'),
      'private-key': imagePath(ii, 'private-key'),
      'ready-script': readyScriptFromLabel ? ['labels', li, 'ready-script'] : imagePath(ii, 'ready-script'),
    });
    labels.push(out);
  }));

  const pool = {
    name: 'main',
    maxServers: orInfinity(p['max-servers']),
    maxCores: Infinity, maxRam: Infinity, maxVolumes: Infinity, maxVolumeGb: Infinity,
    ignoreProviderQuota: false,
    availabilityZones: p['availability-zones'],
    networks: p.networks.map((n) => ('name' in n ? n.name : 'net-id' in n ? n['net-id'] : n['net-label'])),
    securityGroups: [], autoFloatingIp: true, hostKeyChecking: true, nodeAttributes: {}, priority: 100,
    labels,
  };
  origins.set(pool, source, base, { 'max-servers': [...base, 'max-servers'] });
  const out: ProviderConfig = {
    name: p.name, driver: 'openstack', cloud: p.cloud ?? '', regionName: p['region-name'] ?? null,
    maxConcurrency: -1, priority: 100, bootTimeout: p['boot-timeout'], launchTimeout: p['launch-timeout'],
    launchRetries: 3, rate: p.rate, imageUploadTimeout: 3600, imageNameFormat: '{image_name}-{timestamp}',
    cleanFloatingIps: p['clean-floating-ips'], portCleanupInterval: 600, postUploadHook: null,
    imageType: p['image-type'] ?? null, diskimages, cloudImages, pools: [pool],
  };
  origins.set(out, source, base);
  return out;
}

/** Croner's check plus our own: five fields, or six with seconds first. */
export function cronProblem(expr: string): string | null {
  const fields = expr.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) return `'${expr}' has ${fields} fields (expected a cron schedule of 5 fields, or 6 with seconds first)`;
  try {
    new Cron(expr, { paused: true });
    return null;
  } catch (err) {
    return `'${expr}' is not a valid cron schedule: ${(err as Error).message} (expected e.g. '*/15 * * * *')`;
  }
}

/**
 * One warning naming every key present that means nothing here (Jenkins, gearman, MySQL, inline
 * credentials), one naming 0.3's snapshot-image keys, and one per key whose feature is lost,
 * saying what is lost.
 */
function warnIgnoredKeys(input: unknown, ctx: NormalizeContext): void {
  if (!isRecord(input)) return;
  const found: ConfigPath[] = [];
  const old03: ConfigPath[] = [];
  const scan = (obj: unknown, base: ConfigPath, keys: readonly string[], into = found) => {
    if (isRecord(obj)) for (const k of keys) if (k in obj) into.push([...base, k]);
  };
  const lost = (obj: unknown, base: ConfigPath, keys: Record<string, string>) => {
    if (!isRecord(obj)) return;
    for (const [k, what] of Object.entries(keys)) {
      if (k in obj) ctx.problems.push(problemAt(ctx.source, [...base, k], true, `ignored '${k}': ${what}`, 'warning'));
    }
  };
  const each = (list: unknown, base: ConfigPath, fn: (item: unknown, path: ConfigPath) => void) => {
    if (Array.isArray(list)) list.forEach((item, i) => fn(item, [...base, i]));
  };
  scan(input, [], CLASSIC_IGNORED_KEYS.top);
  scan(input, [], CLASSIC_03_KEYS.top, old03);
  scan(input.cron, ['cron'], CLASSIC_03_KEYS.cron, old03);
  each(input.providers, ['providers'], (p, pp) => {
    scan(p, pp, CLASSIC_IGNORED_KEYS.provider);
    lost(p, pp, CLASSIC_LOST_KEYS.provider);
    if (!isRecord(p)) return;
    each(p.networks, [...pp, 'networks'], (n, np) => scan(n, np, CLASSIC_IGNORED_KEYS.network));
    each(p.images, [...pp, 'images'], (img, ip) => {
      scan(img, ip, CLASSIC_IGNORED_KEYS.image);
      scan(img, ip, CLASSIC_03_KEYS.image, old03);
    });
  });
  each(input.labels, ['labels'], (l, lp) => lost(l, lp, CLASSIC_LOST_KEYS.label));
  if (found.length > 0) {
    ctx.problems.push(problemAt(ctx.source, found[0], true,
      `ignored ${found.length} classic key${found.length === 1 ? '' : 's'} with no meaning here: ${found.map(formatPath).join(', ')} ` +
        '(no Jenkins, gearman or database; credentials come from clouds.yaml)', 'warning'));
  }
  if (old03.length > 0) {
    ctx.problems.push(problemAt(ctx.source, old03[0], true,
      `ignored ${old03.length} nodepool 0.3 snapshot-image key${old03.length === 1 ? '' : 's'}: ${old03.map(formatPath).join(', ')} ` +
        '(no image is booted from base-image and snapshotted after a setup script; images are built by diskimage-builder from diskimages)', 'warning'));
  }
}
