// `nodepool image-unpause IMAGE`: builders take the image up again.
import { requireKnownImage } from './image-pause.ts';
import type { CliContext } from '../context.ts';

export async function runImageUnpause(ctx: CliContext, image: string): Promise<void> {
  await requireKnownImage(ctx, image);
  await ctx.store.setImagePaused(image, false);
}
