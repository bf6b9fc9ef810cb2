// `nodepool dib-image-delete <image>-<build_id>`: mark one build deleting (the id splits on its last "-").
import { CliError } from '../errors.ts';
import { requireName } from '../validate.ts';
import type { CliContext } from '../context.ts';
import { deleteUnreadableBuild, findUnreadable } from './unreadable-delete.ts';

export async function runDibImageDelete(ctx: CliContext, id: string): Promise<void> {
  const cut = id.lastIndexOf('-');
  if (cut <= 0 || cut === id.length - 1) throw new CliError(`invalid build id "${id}" (expected <image>-<build id> as dib-image-list shows)`);
  const image = id.slice(0, cut);
  const buildId = id.slice(cut + 1);
  requireName('image', image);
  requireName('build id', buildId);
  const build = await ctx.store.getBuild(image, buildId);
  if (!build) {
    const unreadable = findUnreadable(ctx, 'build', (r) => r.image === image && r.id === buildId);
    if (unreadable) return deleteUnreadableBuild(ctx, unreadable);
    throw new CliError(`build ${id} not found`);
  }
  if (build.state === 'building') throw new CliError(`build ${id} is in progress; refusing to delete it`);
  build.state = 'deleting';
  build.state_time = ctx.clock.now() / 1000;
  await ctx.store.storeBuild(build);
}
