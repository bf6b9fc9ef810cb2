// What ZooKeeper holds for one provider (info and erase): its uploads per build, and its nodes.
import type { ImageUpload, Node } from '../../model/types.ts';
import { mapConcurrent } from '../../status/collect.ts';
import type { CliContext } from '../context.ts';

export interface ProviderBuildData {
  image: string;
  buildId: string;
  uploads: ImageUpload[];
}

export interface ProviderData {
  builds: ProviderBuildData[];
  nodes: Node[];
}

export async function readProviderData(ctx: CliContext, provider: string): Promise<ProviderData> {
  const images = (await ctx.store.listImageNames()).sort();
  const builds = (await mapConcurrent(images, 64, (i) => ctx.store.listBuilds(i))).flat();
  const uploads = await mapConcurrent(builds, 64, (b) => ctx.store.listUploads(b.image, b.id, provider));
  const perBuild = builds
    .map((b, i) => ({ image: b.image, buildId: b.id, uploads: [...uploads[i]].sort((x, y) => (x.id < y.id ? -1 : 1)) }))
    .filter((b) => b.uploads.length > 0);
  const nodes = (await ctx.store.listNodes()).filter((n) => n.provider === provider).sort((a, b) => (a.id < b.id ? -1 : 1));
  return { builds: perBuild, nodes };
}
