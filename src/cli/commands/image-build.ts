// `nodepool image-build IMAGE`: ask the builders for a build now (…/request-build).
import { CliError } from '../errors.ts';
import { requireName } from '../validate.ts';
import type { CliContext } from '../context.ts';

export async function runImageBuild(ctx: CliContext, image: string): Promise<void> {
  requireName('image', image);
  const diskimage = ctx.config.diskimages.find((d) => d.name === image && !d.abstract);
  if (!diskimage) throw new CliError(`${image} is not a diskimage in ${ctx.config.configFile}; only diskimages can be built`);
  if (diskimage.pause) throw new CliError(`diskimage ${image} is paused in ${ctx.config.configFile}; nothing requested`);
  await ctx.store.requestImageBuild(image);
}
