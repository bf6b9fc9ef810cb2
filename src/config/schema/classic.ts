// The classic standalone format (upstream tag 0.4.0's config_validator.py). Keys that mean nothing
// without Jenkins/gearman/MySQL or inline credentials are accepted here and reported once as a
// warning by ../normalize-classic.ts (see CLASSIC_IGNORED_KEYS).
import { z } from 'zod';
import {
  limit,
  metadataMap,
  name,
  strictMap,
  stringish,
  stringList,
  stringMap,
  zookeeperTls,
} from './common.ts';

const anything = z.unknown().optional();

// 0.4 connected in plain text to 2181 by default (the current format's default is TLS on 2281).
const classicZookeeperServer = strictMap({
  host: name,
  port: z.number().int().min(1).max(65535).default(2181),
  chroot: z.string().optional(),
});

const classicNetwork = z.union(
  [
    strictMap({ name, public: anything }),
    strictMap({ 'net-id': name }),
    strictMap({ 'net-label': name }),
  ],
  { error: 'unrecognised network (expected {name}, {net-id} or {net-label})' },
);

export const classicImageSchema = strictMap({
  name,
  pause: z.boolean().default(false),
  'min-ram': z.number().int().min(0).optional(),
  'name-filter': z.string().optional(),
  diskimage: z.string().optional(),
  meta: metadataMap.default({}),
  // 0.4's default login for the ready-script and the check cron.
  username: z.string().default('jenkins'),
  'user-home': anything,
  'private-key': z.string().optional(),
  'config-drive': z.boolean().optional(),
  // Some posts put it on the image; treated like the label's.
  'ready-script': z.string().optional(),
  // 0.3's snapshot images: a booted base image plus a setup script (see CLASSIC_03_KEYS).
  'base-image': anything,
  setup: anything,
});

export const classicProviderSchema = strictMap({
  name,
  'region-name': z.string().optional(),
  'service-type': anything,
  'service-name': anything,
  'availability-zones': stringList.default([]),
  keypair: z.string().optional(),
  cloud: z.string().min(1, 'empty cloud name (expected a clouds.yaml entry)').optional(),
  username: anything,
  password: anything,
  'auth-url': anything,
  'project-id': anything,
  'project-name': anything,
  'max-servers': limit,
  pool: anything,
  'image-type': z.string().optional(),
  networks: z.array(classicNetwork).default([]),
  'ipv6-preferred': anything,
  'boot-timeout': z.number().positive().default(60),
  'api-timeout': anything,
  'launch-timeout': z.number().positive().default(3600),
  rate: z.number().min(0).default(1.0),
  images: z.array(classicImageSchema).default([]),
  'template-hostname': anything,
  'clean-floating-ips': z.boolean().default(false),
});

export const classicLabelSchema = strictMap({
  name,
  image: z.string(),
  // 0.4's default (upstream tag 0.4.0); the current format's default is 0.
  'min-ready': z.number().int().default(2),
  'ready-script': z.string().optional(),
  subnodes: anything,
  providers: z.array(strictMap({ name })).default([]),
});

export const classicDiskimageSchema = strictMap({
  name,
  pause: z.boolean().default(false),
  elements: stringList.default([]),
  release: stringish.optional(),
  'rebuild-age': z.number().int().default(86400),
  'env-vars': stringMap.default({}),
});

export const classicSchema = strictMap({
  'elements-dir': z.string().optional(),
  'images-dir': z.string().optional(),
  dburi: anything,
  'zmq-publishers': anything,
  'gearman-servers': anything,
  'zookeeper-servers': z.array(classicZookeeperServer).default([]),
  // Not in 0.4; accepted so a classic file can reach a TLS-only ZooKeeper (or use the secure file).
  'zookeeper-tls': zookeeperTls.optional(),
  cron: strictMap({ check: z.string().optional(), cleanup: z.string().optional(), 'image-update': anything }).default({}),
  'script-dir': anything,
  providers: z.array(classicProviderSchema).default([]),
  labels: z.array(classicLabelSchema).default([]),
  targets: anything,
  diskimages: z.array(classicDiskimageSchema).default([]),
  // Not in 0.4: narrows the NODEPOOL_* variables forwarded to ready-scripts to this list.
  'ready-script-env': z.array(z.string().refine((v) => /^NODEPOOL_[A-Za-z0-9_]*$/.test(v),
    { message: 'not a ready-script variable (expected a NODEPOOL_* variable name)' })).optional(),
});

export type RawClassic = z.output<typeof classicSchema>;
export type RawClassicProvider = z.output<typeof classicProviderSchema>;
export type RawClassicImage = z.output<typeof classicImageSchema>;

/**
 * 0.3's snapshot images (boot `base-image`, run the `setup` script from `script-dir`, snapshot,
 * on the `cron.image-update` schedule): accepted and named in one warning; images here are
 * built with diskimage-builder from `diskimages` only.
 */
export const CLASSIC_03_KEYS = {
  top: ['script-dir'],
  cron: ['image-update'],
  image: ['base-image', 'setup'],
} as const;

/** Keys accepted whose feature is gone, each with what an operator loses. */
export const CLASSIC_LOST_KEYS = {
  provider: { 'template-hostname': 'server names are <label>-<provider>-<node id> as upstream names them; the template is not used' },
  label: { subnodes: 'each node is launched alone; multi-node sets come from Zuul nodesets, and no subnodes are launched or wired to the primary node' },
} as const;

/** Keys accepted for compatibility that have no meaning in this daemon. */
export const CLASSIC_IGNORED_KEYS = {
  top: ['dburi', 'zmq-publishers', 'gearman-servers', 'targets'],
  provider: [
    'service-type', 'service-name', 'username', 'password', 'auth-url', 'project-id',
    'project-name', 'pool', 'ipv6-preferred', 'api-timeout',
  ],
  network: ['public'],
  image: ['user-home'],
  label: [],
} as const;
