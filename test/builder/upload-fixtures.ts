// Shared by the upload tests: a config with one diskimage, a ready build with its file on disk
// (as if this builder had just built it), and the builder view over given providers.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuilderView } from '../../src/builder/builder-context.ts';
import type { CloudProvider } from '../../src/cloud/provider.ts';
import type { NodepoolConfig, ProviderConfig } from '../../src/config/model.ts';
import type { ImageBuild } from '../../src/model/types.ts';
import type { BuilderTestEnv } from './builder-env.ts';
import { diskimage, nodepoolConfig } from './config-fixtures.ts';
import { FAKE_DIB } from './fake-dib.ts';

export function uploadConfig(env: BuilderTestEnv, providers: ProviderConfig[], over: Partial<NodepoolConfig> = {}): NodepoolConfig {
  return nodepoolConfig({
    imagesDir: env.imagesDir, buildLogDir: env.logDir, providers,
    diskimages: [diskimage({ name: 'img', dibCmd: FAKE_DIB })],
    ...over,
  });
}

/** A ready build of `img` with its qcow2 (and .md5) on disk. */
export async function seedBuild(env: BuilderTestEnv, bytes = 32 * 1024): Promise<{ build: ImageBuild; file: string; md5: string }> {
  const build = await env.store.createBuild({
    image: 'img', state: 'ready', state_time: Date.now() / 1000, builder: 'nb-test', builder_id: 'test-builder-id',
    formats: ['qcow2'], username: 'zuul', python_path: 'auto', shell_type: null,
  });
  mkdirSync(env.imagesDir, { recursive: true });
  const file = join(env.imagesDir, `img-${build.id}.qcow2`);
  const data = Buffer.alloc(bytes, build.id);
  writeFileSync(file, data);
  const md5 = createHash('md5').update(data).digest('hex');
  writeFileSync(`${file}.md5`, `${md5}  ${file}\n`);
  return { build, file, md5 };
}

export function uploadView(env: BuilderTestEnv, cfg: NodepoolConfig, providers: CloudProvider[]): BuilderView {
  return {
    config: cfg, imagesDir: env.imagesDir,
    formats: new Map(providers.map((p) => [p.name, p.imageFormat()])),
    providers: new Map(providers.map((p) => [p.name, p])),
  };
}
