// `nodepool erase PROVIDER [--force]`: delete a provider's upload records and node records from
// ZooKeeper (not its cloud resources), after a confirmation unless --force.
import { mapConcurrent } from '../../status/collect.ts';
import { requireName } from '../validate.ts';
import { readProviderData } from './provider-data.ts';
import type { CliContext } from '../context.ts';

export async function runErase(ctx: CliContext, provider: string, options: { force?: boolean }): Promise<void> {
  requireName('provider', provider);
  const data = await readProviderData(ctx, provider);
  if (!options.force) {
    ctx.io.out('\nWARNING! This action is not reversible!');
    const answer = await ctx.io.prompt(`Erase ZooKeeper data for provider ${provider}? [N/y] `);
    if (answer.trim().toLowerCase() !== 'y') {
      ctx.io.out('Aborting. No data erased.');
      return;
    }
  }
  ctx.io.out(`Erasing build data for ${provider}...`);
  await mapConcurrent(data.builds.flatMap((b) => b.uploads), 64, (u) => ctx.store.deleteUpload(u));
  ctx.io.out(`Erasing node data for ${provider}...`);
  await mapConcurrent(data.nodes, 64, (n) => ctx.store.deleteNode(n));
}
