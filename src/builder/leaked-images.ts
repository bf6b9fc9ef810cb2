// Cloud images carrying our upload metadata but with no ZooKeeper record are leaks (a crash
// between the cloud upload and the record write, or a record deleted by hand). One sighting is
// not enough: an upload may be between "created in the cloud" and "recorded", so an image is
// deleted only when seen leaked on two consecutive passes. Pure.
import type { CloudImage } from '../cloud/provider.ts';

export interface KnownUploads {
  /** external_id of every upload record for this provider. */
  externalIds: ReadonlySet<string>;
  /** `${build_id}/${upload_id}` of every upload record for this provider, readable or not. */
  buildUploadIds: ReadonlySet<string>;
  /** Builds whose record, or one of whose upload records, cannot be read: their images stay. */
  protectedBuildIds?: ReadonlySet<string>;
}

export interface LeakVerdict {
  /** Ids leaked on this pass: pass them back in next time. */
  suspects: Set<string>;
  /** Leaked on this pass and the previous one. */
  toDelete: CloudImage[];
}

export function isOurImage(image: CloudImage, provider: string): boolean {
  const m = image.metadata;
  return m.nodepool_provider_name === provider && !!m.nodepool_build_id && !!m.nodepool_upload_id;
}

export function findLeakedImages(
  images: readonly CloudImage[],
  provider: string,
  known: KnownUploads,
  previousSuspects: ReadonlySet<string>,
): LeakVerdict {
  const suspects = new Set<string>();
  const toDelete: CloudImage[] = [];
  for (const image of images) {
    if (!isOurImage(image, provider)) continue;
    if (known.externalIds.has(image.id)) continue;
    if (known.buildUploadIds.has(`${image.metadata.nodepool_build_id}/${image.metadata.nodepool_upload_id}`)) continue;
    if (known.protectedBuildIds?.has(image.metadata.nodepool_build_id)) continue;
    suspects.add(image.id);
    if (previousSuspects.has(image.id)) toDelete.push(image);
  }
  return { suspects, toDelete };
}
