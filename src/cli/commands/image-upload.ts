// `nodepool image-upload PROVIDER IMAGE` (the classic command): ask the builder to upload the
// newest ready build of IMAGE to PROVIDER now, through an upload request in ZooKeeper.
import { CliError } from '../errors.ts';
import { requireName } from '../validate.ts';
import type { CliContext } from '../context.ts';

export async function runImageUpload(ctx: CliContext, providerName: string, image: string): Promise<void> {
  requireName('provider', providerName);
  requireName('image', image);
  const provider = ctx.config.providers.find((p) => p.name === providerName);
  if (!provider) throw new CliError(`provider ${providerName} is not defined in ${ctx.config.configFile}`);
  if (!provider.diskimages.some((d) => d.name === image)) {
    throw new CliError(`provider ${providerName} has no diskimage ${image} in ${ctx.config.configFile}`);
  }
  const builds = await ctx.store.listBuilds(image);
  if (!builds.some((b) => b.state === 'ready')) throw new CliError(`image ${image} has no ready build to upload; run image-build first`);
  await ctx.store.requestImageUpload(image, providerName);
}
