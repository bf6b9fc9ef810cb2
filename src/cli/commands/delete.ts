// `nodepool delete ID [--now]`: lock the node (5 s); by default mark it deleting for the
// launcher; with --now delete the server through the provider here and remove the record.
import { collectNodeList } from '../../status/collect.ts';
import { CliError } from '../errors.ts';
import { printListing } from '../output.ts';
import { lockExistingNode } from './node-lock.ts';
import type { CliContext } from '../context.ts';
import { normaliseNodeId } from '../validate.ts';
import { deleteUnreadableNode, findUnreadable } from './unreadable-delete.ts';

const POLL_MS = 1000;

export async function runDelete(ctx: CliContext, rawId: string, options: { now?: boolean; json?: boolean }): Promise<void> {
  const id = normaliseNodeId(rawId);
  if (!(await ctx.store.getNode(id))) {
    const unreadable = findUnreadable(ctx, 'node', (r) => r.id === id);
    if (unreadable) return deleteUnreadableNode(ctx, unreadable);
  }
  const { node, lock } = await lockExistingNode(ctx, rawId);
  try {
    // A static host is not ours to delete: --now only removes its record (the launcher registers it again).
    const isStatic = ctx.config.staticProviders.some((p) => p.name === node.provider);
    if (options.now && node.provider && !isStatic && !ctx.config.providers.some((p) => p.name === node.provider)) {
      throw new CliError(`provider ${node.provider} of node ${node.id} is not defined in ${ctx.config.configFile}; nothing changed`);
    }
    // Reach the cloud before changing anything, so a bad clouds.yaml leaves the node as it was.
    const provider = options.now && !isStatic && node.external_id && node.provider ? await ctx.openProvider(node.provider) : null;
    node.state = 'deleting';
    node.state_time = ctx.clock.now() / 1000;
    await ctx.store.storeNode(node);
    if (options.now) {
      if (provider && node.external_id) {
        const deletion = provider.deleteServer(node.external_id);
        for (;;) {
          await deletion.advance();
          if (deletion.complete) break;
          await ctx.clock.sleep(POLL_MS);
        }
      }
      await ctx.store.deleteNode(node);
    }
  } finally {
    await lock.release();
  }
  printListing(ctx, await collectNodeList(ctx.store, { nodeId: node.id }), options);
}
