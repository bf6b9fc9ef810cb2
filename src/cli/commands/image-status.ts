// `nodepool image-status [--json]`: per image, paused and any manual build request.
import { collectImageStatus } from '../../status/collect.ts';
import { printListing } from '../output.ts';
import type { CliContext } from '../context.ts';

export async function runImageStatus(ctx: CliContext, options: { json?: boolean }): Promise<void> {
  printListing(ctx, await collectImageStatus(ctx.store), options);
}
