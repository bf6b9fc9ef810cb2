// An upload that fails or is aborted (image-upload-timeout, daemon stop, lost lock) may leave an
// image in Glance that nothing refers to: the abort can land after Glance created the image but
// before its id reached us, or the create may still be in flight when we give up. Such an image
// carries the metadata the uploader gave it (nodepool_provider_name, nodepool_build_id,
// nodepool_upload_id), so the uploader finds it by that metadata and deletes it on its next pass.
import type { CloudImage, CloudProvider } from '../cloud/provider.ts';
import { NotFoundError } from '../cloud/errors.ts';
import type { Store } from '../store/types.ts';
import type { Logger } from '../util/logger.ts';

/** A failed upload's image is looked for on this many sweeps before it is taken as never created. */
export const SWEEPS_PER_FAILED_UPLOAD = 3;

/** `${build_id}/${upload_id}`: what an image's metadata says it belongs to. */
export function failedUploadKey(buildId: string, uploadId: string): string {
  return `${buildId}/${uploadId}`;
}

/** Images of `provider` whose upload (build id + upload id from metadata) is one of `failed`. Pure. */
export function halfMadeImages(images: readonly CloudImage[], provider: string, failed: ReadonlySet<string>): CloudImage[] {
  return images.filter((image) => {
    const m = image.metadata;
    if (m.nodepool_provider_name !== provider || !m.nodepool_build_id || !m.nodepool_upload_id) return false;
    return failed.has(failedUploadKey(m.nodepool_build_id, m.nodepool_upload_id));
  });
}

/**
 * One provider's sweep. Failed uploads of this process are remembered in memory and looked for
 * on the next few sweeps (a create still in flight may land late); the first sweep after start
 * also takes the uploads a previous process gave up: recorded `failed` (it was stopped), or left
 * `uploading` with nobody holding their lock (it was killed).
 */
export class HalfMadeImageSweeper {
  private readonly providerName: string;
  private readonly store: Store;
  private readonly logger: Logger;
  /** key -> sweeps left */
  private readonly pending = new Map<string, number>();
  private startupSweepDone = false;

  constructor(providerName: string, store: Store, logger: Logger) {
    this.providerName = providerName;
    this.store = store;
    this.logger = logger;
  }

  remember(buildId: string, uploadId: string): void {
    this.pending.set(failedUploadKey(buildId, uploadId), SWEEPS_PER_FAILED_UPLOAD);
  }

  /** True when a sweep has something to look for. */
  get due(): boolean {
    return !this.startupSweepDone || this.pending.size > 0;
  }

  /** `images` are the diskimage names this provider uploads (where its failed records live). */
  async sweep(provider: CloudProvider, images: readonly string[]): Promise<void> {
    const failed = new Set(this.pending.keys());
    if (!this.startupSweepDone) {
      for (const key of await this.failedRecords(images)) failed.add(key);
    }
    if (failed.size > 0) {
      const doomed = halfMadeImages(await provider.listImages(), this.providerName, failed);
      for (const image of doomed) {
        const key = failedUploadKey(image.metadata.nodepool_build_id, image.metadata.nodepool_upload_id);
        try {
          await provider.deleteImage(image.id);
          this.logger.info({ provider: this.providerName, id: image.id, name: image.name, upload: image.metadata.nodepool_upload_id }, 'deleted the image of a failed upload');
        } catch (err) {
          if (!(err instanceof NotFoundError)) {
            this.logger.warn({ err, provider: this.providerName, id: image.id }, 'deleting the image of a failed upload failed; will retry');
            this.pending.set(key, SWEEPS_PER_FAILED_UPLOAD);
            continue;
          }
        }
        this.pending.delete(key);
      }
    }
    this.startupSweepDone = true;
    for (const [key, left] of [...this.pending]) {
      if (left <= 1) this.pending.delete(key);
      else this.pending.set(key, left - 1);
    }
  }

  private async failedRecords(images: readonly string[]): Promise<string[]> {
    const keys: string[] = [];
    for (const image of images) {
      for (const build of await this.store.listBuilds(image)) {
        const uploads = await this.store.listUploads(image, build.id, this.providerName);
        for (const u of uploads) if (u.state === 'failed') keys.push(failedUploadKey(u.build_id, u.id));
        const uploading = uploads.filter((u) => u.state === 'uploading');
        // This uploader has no upload in flight while it sweeps, so a free lock means a dead uploader.
        if (uploading.length > 0 && (await this.uploadLockFree(image, build.id))) {
          for (const u of uploading) keys.push(failedUploadKey(u.build_id, u.id));
        }
      }
    }
    return keys;
  }

  private async uploadLockFree(image: string, buildId: string): Promise<boolean> {
    const lock = await this.store.lockUploads(image, buildId, this.providerName, { blocking: false });
    if (!lock) return false;
    await lock.release();
    return true;
  }
}
