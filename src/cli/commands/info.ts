// `nodepool info PROVIDER`: the ZooKeeper records of a provider (also one no longer configured).
import { renderTable } from '../../status/table.ts';
import { requireName } from '../validate.ts';
import { readProviderData } from './provider-data.ts';
import type { CliContext } from '../context.ts';

export async function runInfo(ctx: CliContext, provider: string, options: { json?: boolean }): Promise<void> {
  requireName('provider', provider);
  const data = await readProviderData(ctx, provider);
  if (options.json) {
    ctx.io.out(JSON.stringify({
      provider,
      builds: data.builds.map((b) => ({ image: b.image, build_id: b.buildId, upload_ids: b.uploads.map((u) => u.id) })),
      nodes: data.nodes.map((n) => ({ id: n.id, server_id: n.external_id })),
    }));
    return;
  }
  ctx.io.out(`ZooKeeper data for provider ${provider}\n`);
  ctx.io.out('Image data:');
  ctx.io.out(renderTable(['Image Name', 'Build ID', 'Upload IDs'], data.builds.map((b) => [b.image, b.buildId, b.uploads.map((u) => u.id)])));
  ctx.io.out('\nNodes:');
  ctx.io.out(renderTable(['ID', 'Server ID'], data.nodes.map((n) => [n.id, n.external_id])));
}
