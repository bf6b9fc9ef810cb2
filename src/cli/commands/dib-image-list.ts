// `nodepool dib-image-list [--json]`: every build (state `paused` while the image is paused).
import { collectDibImageList } from '../../status/collect.ts';
import { printListing } from '../output.ts';
import type { CliContext } from '../context.ts';

export async function runDibImageList(ctx: CliContext, options: { json?: boolean }): Promise<void> {
  printListing(ctx, await collectDibImageList(ctx.store), options);
}
