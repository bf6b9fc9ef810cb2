// `nodepool alien-image-list [PROVIDER]`: cloud images tagged by nodepool (nodepool_build_id)
// whose id no upload record in ZooKeeper holds.
import { renderTable } from '../../status/table.ts';
import { CliError } from '../errors.ts';
import type { CliContext } from '../context.ts';

export async function runAlienImageList(ctx: CliContext, providerName: string | undefined, options: { json?: boolean }): Promise<void> {
  if (providerName && !ctx.config.providers.some((p) => p.name === providerName)) {
    throw new CliError(`provider ${providerName} is not defined in ${ctx.config.configFile}`);
  }
  const rows: { provider: string; name: string; id: string }[] = [];
  for (const provider of ctx.config.providers) {
    if (providerName && provider.name !== providerName) continue;
    let images;
    try {
      images = (await (await ctx.openProvider(provider.name)).listImages()).filter((i) => 'nodepool_build_id' in i.metadata);
    } catch (err) {
      ctx.io.err(`warning: cannot list images of ${provider.name}: ${(err as Error).message}`);
      continue;
    }
    const known = new Set<string>();
    for (const d of provider.diskimages) {
      for (const build of await ctx.store.listBuilds(d.name)) {
        for (const u of await ctx.store.listUploads(d.name, build.id, provider.name)) if (u.external_id) known.add(u.external_id);
      }
    }
    for (const image of images) if (!known.has(image.id)) rows.push({ provider: provider.name, name: image.name, id: image.id });
  }
  ctx.io.out(options.json ? JSON.stringify(rows) : renderTable(['Provider', 'Name', 'Image ID'], rows.map((r) => [r.provider, r.name, r.id])));
}
