// `nodepool hold ID`: lock the node (5 s), set it to hold, print its row.
import { collectNodeList } from '../../status/collect.ts';
import { printListing } from '../output.ts';
import { lockExistingNode } from './node-lock.ts';
import type { CliContext } from '../context.ts';

export async function runHold(ctx: CliContext, rawId: string, options: { json?: boolean }): Promise<void> {
  const { node, lock } = await lockExistingNode(ctx, rawId);
  try {
    node.state = 'hold';
    node.state_time = ctx.clock.now() / 1000;
    await ctx.store.storeNode(node);
  } finally {
    await lock.release();
  }
  printListing(ctx, await collectNodeList(ctx.store, { nodeId: node.id }), options);
}
