// The OpenStack provider of the current format (upstream's driver/openstack/config.py): provider,
// its diskimages, cloud-images, pools and pool labels, with upstream's code defaults.
import { z } from 'zod';
import { limit, metadataMap, name, strictMap, stringList } from './common.ts';

const connection = {
  'config-drive': z.boolean().optional(),
  'connection-type': z.string().optional(),
  'connection-port': z.number().int().min(1).max(65535).optional(),
};

export const providerDiskimageSchema = strictMap({
  name,
  pause: z.boolean().default(false),
  meta: metadataMap.default({}),
  ...connection,
});

export const cloudImageSchema = strictMap({
  name,
  ...connection,
  'image-id': z.string().optional(),
  'image-name': z.string().optional(),
  username: z.string().optional(),
  'python-path': z.string().default('auto'),
  'shell-type': z.string().optional(),
}).superRefine((img, ctx) => {
  if (img['image-id'] !== undefined && img['image-name'] !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['image-name'],
      message: 'both image-id and image-name are set (expected at most one of them)',
    });
  }
});

export const poolLabelSchema = strictMap({
  name,
  diskimage: z.string().optional(),
  'cloud-image': z.string().optional(),
  'min-ram': z.number().int().min(0).optional(),
  'flavor-name': z.string().optional(),
  'key-name': z.string().optional(),
  'console-log': z.boolean().default(false),
  'boot-from-volume': z.boolean().default(false),
  'volume-size': z.number().int().min(1).default(50),
  'instance-properties': metadataMap.default({}),
  'dynamic-instance-properties': metadataMap.default({}),
  userdata: z.string().optional(),
  networks: stringList.optional(),
  'host-key-checking': z.boolean().optional(),
}).superRefine((label, ctx) => {
  const hasDisk = label.diskimage !== undefined;
  const hasCloud = label['cloud-image'] !== undefined;
  if (hasDisk === hasCloud) {
    ctx.addIssue({
      code: 'custom',
      path: hasDisk ? ['cloud-image'] : [],
      message: hasDisk
        ? 'both diskimage and cloud-image are set (expected exactly one of them)'
        : 'neither diskimage nor cloud-image is set (expected exactly one of them)',
    });
  }
  // "At least one of min-ram/flavor-name" is checked on the model (both formats).
});

export const poolSchema = strictMap({
  name,
  'max-servers': limit,
  'max-cores': limit,
  'max-ram': limit,
  'max-volumes': limit,
  'max-volume-gb': limit,
  'ignore-provider-quota': z.boolean().default(false),
  'availability-zones': stringList.default([]),
  networks: stringList.default([]),
  'security-groups': stringList.default([]),
  'auto-floating-ip': z.boolean().default(true),
  'host-key-checking': z.boolean().default(true),
  'node-attributes': z.record(z.string(), z.unknown()).default({}),
  priority: z.number().int().optional(),
  labels: z.array(poolLabelSchema).default([]),
});

export const openstackProviderSchema = strictMap({
  name,
  driver: z
    .string()
    .default('openstack')
    .refine((d) => d === 'openstack', { message: 'unsupported driver (expected openstack)' }),
  'max-concurrency': z.number().int().min(-1).default(-1),
  priority: z.number().int().default(100),
  cloud: z.string().min(1),
  'region-name': z.string().optional(),
  'boot-timeout': z.number().positive().default(60),
  'launch-timeout': z.number().positive().default(3600),
  // 0 is accepted as upstream accepts it (one attempt, as 1).
  'launch-retries': z.number().int().min(0).default(3),
  // Seconds between API calls; 0 = no rate limit.
  rate: z.number().min(0).default(1.0),
  'image-upload-timeout': z.number().positive().default(3600),
  'image-name-format': z.string().default('{image_name}-{timestamp}'),
  // The docs say nothing; upstream's code default None means "do not clean".
  'clean-floating-ips': z.boolean().default(false),
  'port-cleanup-interval': z.number().int().min(0).default(600),
  'post-upload-hook': z.string().optional(),
  // Deprecated upstream: accepted and ignored.
  'nodepool-id': z.string().optional(),
  diskimages: z.array(providerDiskimageSchema).default([]),
  'cloud-images': z.array(cloudImageSchema).default([]),
  pools: z.array(poolSchema).default([]),
});

export type RawProvider = z.output<typeof openstackProviderSchema>;
export type RawPool = z.output<typeof poolSchema>;
export type RawPoolLabel = z.output<typeof poolLabelSchema>;
