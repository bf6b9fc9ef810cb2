// `nodepool list [--detail] [--json]`: the node table.
import { collectNodeList } from '../../status/collect.ts';
import { printListing } from '../output.ts';
import type { CliContext } from '../context.ts';

export async function runList(ctx: CliContext, options: { detail?: boolean; json?: boolean }): Promise<void> {
  printListing(ctx, await collectNodeList(ctx.store, { detail: options.detail }), options);
}
