// The top level of the current nodepool.yaml (upstream's ConfigValidator schema) and of the
// secure file.
import { z } from 'zod';
import { name, strictMap, stringMap, zookeeperServer, zookeeperTls } from './common.ts';
import { diskimageSchema } from './diskimages.ts';
import { providerSchema } from './providers.ts';

export const labelSchema = strictMap({
  name,
  // Any int, as upstream: 0 or below asks for no ready nodes.
  'min-ready': z.number().int().default(0),
  // 0 = off.
  'max-ready-age': z.number().int().min(0).default(0),
});

const tenantLimitSchema = z
  .object({ 'tenant-name': name })
  // Any other key is a resource name with an integer limit (upstream: `str: int`).
  .catchall(z.number().int());

export const currentSchema = strictMap({
  'zookeeper-servers': z.array(zookeeperServer).default([]),
  'zookeeper-tls': zookeeperTls.optional(),
  'zookeeper-timeout': z.number().positive().default(10.0),
  labels: z.array(labelSchema).default([]),
  diskimages: z.array(diskimageSchema).default([]),
  providers: z.array(providerSchema).default([]),
  webapp: strictMap({
    port: z.number().int().min(0).max(65535).default(8005),
    // Upstream binds 0.0.0.0; a status app should not face the network unless asked to.
    listen_address: z.string().default('127.0.0.1'),
  }).default({ port: 8005, listen_address: '127.0.0.1' }),
  'elements-dir': z.string().optional(),
  'images-dir': z.string().optional(),
  'build-log-dir': z.string().default('/var/log/nodepool/builds'),
  'build-log-retention': z.number().int().min(-1).default(7),
  // Beyond upstream: seconds a diskimage or provider must stay out of the config before the
  // janitor deletes its builds and uploads (a truncated file applied by a reload deletes nothing).
  'image-removal-grace': z.number().int().min(0).default(600),
  // 0 or below (or unset) = hold forever, as upstream's setMaxHoldAge.
  'max-hold-age': z.number().int().optional(),
  'tenant-resource-limits': z.array(tenantLimitSchema).default([]),
});

export type RawCurrent = z.output<typeof currentSchema>;

/** The secure file (`-s`): connection secrets and diskimage env-vars kept out of the main file. */
export const secureSchema = strictMap({
  'zookeeper-servers': z.array(zookeeperServer).optional(),
  'zookeeper-tls': zookeeperTls.optional(),
  diskimages: z.array(strictMap({ name, 'env-vars': stringMap.default({}) })).optional(),
});

export type RawSecure = z.output<typeof secureSchema>;
