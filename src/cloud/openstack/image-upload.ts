// Upload = create the Glance record, stream the file, wait for active; undo the record on failure.
import type { Logger } from '../../util/logger.ts';
import { CloudTimeoutError } from '../errors.ts';
import type { UploadImageSpec } from '../provider.ts';
import type { GlanceClient, GlanceImage } from './glance.ts';

export async function uploadImageFile(
  glance: GlanceClient,
  spec: UploadImageSpec,
  options: { timeoutMs: number; logger: Logger },
): Promise<GlanceImage> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = spec.signal ? AbortSignal.any([spec.signal, deadline]) : deadline;
  const image = await glance.createImage(
    { name: spec.name, diskFormat: spec.format, properties: spec.metadata, md5: spec.md5, sha256: spec.sha256 },
    signal,
  );
  const log = options.logger.child({ imageId: image.id, imageName: spec.name });
  try {
    log.info({ file: spec.filePath, format: spec.format }, 'uploading image data');
    await glance.uploadData(image.id, spec.filePath, { signal, timeoutMs: options.timeoutMs });
    const active = await glance.waitForActive(image.id, signal);
    log.info('image active');
    return active;
  } catch (err) {
    // The half-made image is removed so nothing is left behind; the builder retries later.
    await glance.deleteImage(image.id).catch((deleteErr: unknown) =>
      log.warn({ err: (deleteErr as Error).message }, 'could not delete the failed image'),
    );
    if (deadline.aborted && !(err instanceof CloudTimeoutError)) {
      throw new CloudTimeoutError(`image upload ${spec.name} exceeded ${options.timeoutMs} ms`, { service: 'image' }, { cause: err });
    }
    throw err;
  }
}
