// `nodepool image-delete --provider P --image I --build-id B --upload-id U`: mark one upload deleting.
import { CliError } from '../errors.ts';
import { requireName } from '../validate.ts';
import type { CliContext } from '../context.ts';
import { deleteUnreadableUpload, findUnreadable } from './unreadable-delete.ts';

export interface ImageDeleteOptions { provider: string; image: string; buildId: string; uploadId: string }

export async function runImageDelete(ctx: CliContext, o: ImageDeleteOptions): Promise<void> {
  requireName('provider', o.provider);
  requireName('image', o.image);
  requireName('build id', o.buildId);
  requireName('upload id', o.uploadId);
  const upload = await ctx.store.getUpload(o.image, o.buildId, o.provider, o.uploadId);
  if (!upload) {
    const unreadable = findUnreadable(ctx, 'upload', (r) =>
      r.image === o.image && r.buildId === o.buildId && r.provider === o.provider && r.id === o.uploadId);
    if (unreadable) return deleteUnreadableUpload(ctx, unreadable);
  }
  if (!upload) throw new CliError(`image upload ${o.image} ${o.buildId} ${o.provider} ${o.uploadId} not found`);
  if (upload.state === 'uploading') throw new CliError(`image upload ${o.uploadId} is still uploading; refusing to delete it`);
  upload.state = 'deleting';
  upload.state_time = ctx.clock.now() / 1000;
  await ctx.store.storeUpload(upload);
}
