// The janitor never deletes because of a record it cannot read: an upload in a state a newer
// version wrote, a build record that is not JSON, a build whose formats would leave images-dir.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Janitor } from '../../src/builder/janitor.ts';
import type { BuilderView } from '../../src/builder/builder-context.ts';
import type { CloudProvider } from '../../src/cloud/provider.ts';
import type { NodepoolConfig, ProviderConfig } from '../../src/config/model.ts';
import { deleteFormatFiles, imageFilePath, removePath, UnsafePathError } from '../../src/builder/local-files.ts';
import { CreateMode } from '../../src/zk/types.ts';
import { systemClock } from '../../src/util/clock.ts';
import { builderTestEnv, directContext, type BuilderTestEnv } from './builder-env.ts';
import { diskimage, nodepoolConfig, provider, providerDiskimage } from './config-fixtures.ts';
import { FAKE_DIB } from './fake-dib.ts';

let env: BuilderTestEnv;
beforeEach(async () => {
  env = await builderTestEnv('foreign-janitor', ['sim-a']);
});
afterEach(async () => {
  await env.close();
});

function config(providers: ProviderConfig[]): NodepoolConfig {
  return nodepoolConfig({
    imagesDir: env.imagesDir, buildLogDir: env.logDir, providers,
    diskimages: [diskimage({ name: 'img', dibCmd: FAKE_DIB })],
  });
}

function view(cfg: NodepoolConfig, providers: CloudProvider[]): BuilderView {
  return {
    config: cfg, imagesDir: env.imagesDir,
    formats: new Map(providers.map((p) => [p.name, p.imageFormat()])),
    providers: new Map(providers.map((p) => [p.name, p])),
  };
}

function localFiles(buildId: string): string[] {
  mkdirSync(env.imagesDir, { recursive: true });
  const file = join(env.imagesDir, `img-${buildId}.qcow2`);
  writeFileSync(file, Buffer.alloc(1024, 1));
  writeFileSync(`${file}.md5`, 'x\n');
  return [file, `${file}.md5`];
}

describe('janitor and unreadable records', { timeout: 240_000 }, () => {
  it('keeps the cloud image and files of an unknown-state upload and of an unreadable build over three passes', async () => {
    const pc = provider({ name: 'sim-a', diskimages: [providerDiskimage('img')] });
    const cloud = env.provider(pc);
    await cloud.start();
    const tiny = join(env.dir, 'tiny.qcow2');
    writeFileSync(tiny, Buffer.alloc(1024, 7));
    const up = (name: string, buildId: string, uploadId: string) => cloud.uploadImage({
      name, filePath: tiny, format: 'qcow2',
      metadata: { nodepool_build_id: buildId, nodepool_upload_id: uploadId, nodepool_provider_name: 'sim-a' },
    });
    const t0 = Date.now() / 1000;
    const files: string[] = [];
    const mkBuild = async (age: number) => {
      const build = await env.store.createBuild({
        image: 'img', state: 'ready', state_time: t0 - age, builder: 'nb-test', builder_id: 'test-builder-id',
        formats: ['qcow2'], username: 'zuul', python_path: 'auto', shell_type: null,
      });
      files.push(...localFiles(build.id));
      return build;
    };
    // Three ready builds: only the two newest are kept by retention, so the oldest is retired
    // unless its upload in an unknown state keeps it.
    const oldest = await mkBuild(300);
    const builds = [await mkBuild(200), await mkBuild(100)];
    const imageIds: string[] = [];
    for (const build of builds) {
      const upload = await env.store.createUpload({
        image: 'img', build_id: build.id, provider: 'sim-a', state: 'ready', state_time: t0 - 50,
        external_id: null, external_name: null, format: 'qcow2', username: 'zuul', python_path: 'auto', shell_type: null,
      });
      const image = await up(`img-${build.id}`, build.id, upload.id);
      await env.store.storeUpload({ ...upload, external_id: image.id });
      imageIds.push(image.id);
    }
    const uploadsDir = `/nodepool/images/img/builds/${oldest.id}/providers/sim-a/images`;
    await env.client.mkdirp(`${uploadsDir}/lock`);
    const foreignPath = await env.client.create(`${uploadsDir}/`, '{"state": "verifying"}', CreateMode.PERSISTENT_SEQUENTIAL);
    const foreignUploadId = foreignPath.split('/').pop()!;
    const foreignImage = await up('img-foreign', oldest.id, foreignUploadId);
    await env.client.setData(foreignPath, Buffer.from(JSON.stringify({ state: 'verifying', external_id: foreignImage.id })), -1);
    imageIds.push(foreignImage.id);
    // A build record that is not JSON at all, with its files and an image that names it.
    const brokenBuild = 'b'.repeat(32);
    await env.client.create(`/nodepool/images/img/builds/${brokenBuild}`, '{"state": "ready", "formats": "qcow2,d/../../x"');
    files.push(...localFiles(brokenBuild));
    imageIds.push((await up('img-broken', brokenBuild, '0000000001')).id);

    const janitor = new Janitor(directContext(env, view(config([pc]), [cloud]), systemClock));
    for (let pass = 0; pass < 3; pass++) await janitor.pass(new AbortController().signal);

    const inCloud = (await env.sims.get('sim-a')!.admin.state()).images.map((i) => i.id);
    expect(inCloud.filter((id) => imageIds.includes(id as string)).sort()).toEqual([...imageIds].sort());
    expect(files.filter((f) => !existsSync(f))).toEqual([]);
    expect(await env.client.exists(foreignPath)).not.toBeNull();
    expect(env.store.unreadableRecords().map((r) => r.path).sort()).toEqual([
      `/nodepool/images/img/builds/${brokenBuild}`, foreignPath,
    ].sort());
  });

  it('paths built from record data stay inside images-dir', () => {
    const outside = join(env.dir, 'x');
    writeFileSync(outside, 'keep');
    mkdirSync(join(env.imagesDir, `img-${'a'.repeat(32)}.d`), { recursive: true });
    expect(() => deleteFormatFiles(env.imagesDir, 'img', 'a'.repeat(32), 'd/../../x')).toThrow(UnsafePathError);
    expect(() => imageFilePath(env.imagesDir, 'img', 'a'.repeat(32), '../x')).toThrow(UnsafePathError);
    expect(() => removePath(env.imagesDir, '../x')).toThrow(UnsafePathError);
    expect(() => removePath(env.imagesDir, '..')).toThrow(UnsafePathError);
    expect(() => imageFilePath(env.imagesDir, '../img', 'a'.repeat(32), 'qcow2')).toThrow(UnsafePathError);
    expect(existsSync(outside)).toBe(true);
    expect(imageFilePath(env.imagesDir, 'img', 'a'.repeat(32), 'qcow2')).toBe(join(env.imagesDir, `img-${'a'.repeat(32)}.qcow2`));
  });
});
