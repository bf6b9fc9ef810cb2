// `nodepool image-pause IMAGE`: builders skip the image until it is unpaused.
import { CliError } from '../errors.ts';
import { requireName } from '../validate.ts';
import type { CliContext } from '../context.ts';

/** Known = a diskimage in the config or an image with records in ZooKeeper. */
export async function requireKnownImage(ctx: CliContext, image: string): Promise<void> {
  requireName('image', image);
  if (ctx.config.diskimages.some((d) => d.name === image)) return;
  if ((await ctx.store.listImageNames()).includes(image)) return;
  throw new CliError(`unknown image ${image}: not a diskimage in ${ctx.config.configFile} and not in ZooKeeper`);
}

export async function runImagePause(ctx: CliContext, image: string): Promise<void> {
  await requireKnownImage(ctx, image);
  await ctx.store.setImagePaused(image, true);
}
