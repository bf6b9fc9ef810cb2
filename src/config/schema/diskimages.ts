// Top-level `diskimages[]` of the current format (upstream's validator schema). Defaults are NOT
// applied here: a child inherits its parent's value when it does not set one, so defaults come
// after the parent chain is resolved (see ../diskimage-inheritance.ts).
import { z } from 'zod';
import { metadataMap, name, strictMap, stringish, stringList, stringMap } from './common.ts';

export const diskimageSchema = strictMap({
  name,
  abstract: z.boolean().optional(),
  parent: z.string().optional(),
  'dib-cmd': z.string().optional(),
  pause: z.boolean().optional(),
  elements: stringList.optional(),
  formats: stringList.optional(),
  'keep-formats': stringList.optional(),
  'delete-after-upload': z.boolean().optional(),
  release: stringish.optional(),
  'rebuild-age': z.number().int().optional(),
  'build-timeout': z.number().int().optional(),
  'env-vars': stringMap.optional(),
  username: z.string().optional(),
  'python-path': z.string().optional(),
  'shell-type': z.string().optional(),
  metadata: metadataMap.optional(),
});

export type RawDiskimage = z.output<typeof diskimageSchema>;

/** Upstream's code defaults for a diskimage (nodepool/config.py). */
export const DISKIMAGE_DEFAULTS = {
  dibCmd: 'disk-image-create',
  rebuildAge: 86400,
  buildTimeout: 28800,
  username: 'zuul',
  pythonPath: 'auto',
} as const;
