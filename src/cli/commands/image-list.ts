// `nodepool image-list [--json]`: every upload of every build.
import { collectImageList } from '../../status/collect.ts';
import { printListing } from '../output.ts';
import type { CliContext } from '../context.ts';

export async function runImageList(ctx: CliContext, options: { json?: boolean }): Promise<void> {
  printListing(ctx, await collectImageList(ctx.store), options);
}
