// Uploads, retries with backoff, forced uploads, the post-upload hook and leaked-image cleanup,
// against the real ZooKeeper and simulators (aborted uploads: upload-aborts.test.ts). The
// uploader and janitor are driven pass by pass on a ManualClock where the schedule matters.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Janitor } from '../../src/builder/janitor.ts';
import { ProviderUploader } from '../../src/builder/provider-uploader.ts';
import type { CloudProvider } from '../../src/cloud/provider.ts';
import type { NodepoolConfig, ProviderConfig } from '../../src/config/model.ts';
import { ManualClock, systemClock } from '../../src/util/clock.ts';
import { builderTestEnv, directContext, type BuilderTestEnv, waitLong } from './builder-env.ts';
import { provider, providerDiskimage } from './config-fixtures.ts';
import { seedBuild as seedBuildIn, uploadConfig, uploadView } from './upload-fixtures.ts';

let env: BuilderTestEnv;
beforeEach(async () => {
  env = await builderTestEnv('uploads', ['sim-a', 'sim-b']);
});
afterEach(async () => {
  await env.close();
});

const config = (providers: ProviderConfig[], over: Partial<NodepoolConfig> = {}) => uploadConfig(env, providers, over);
const seedBuild = (bytes?: number) => seedBuildIn(env, bytes);
const view = (cfg: NodepoolConfig, providers: CloudProvider[]) => uploadView(env, cfg, providers);
const uploadsOf = (buildId: string, p: string) => env.store.listUploads('img', buildId, p);
const simImages = async (p: string) => (await env.sims.get(p)!.admin.state()).images;

describe('uploads', { timeout: 240_000 }, () => {
  it('retries a failing provider with exponential backoff on the injected clock, then succeeds', async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    const pc = provider({ name: 'sim-b', diskimages: [providerDiskimage('img')] });
    const cfg = config([pc]);
    const cloud = env.provider(pc);
    await cloud.start();
    const { build, md5 } = await seedBuild();
    const uploader = new ProviderUploader(directContext(env, view(cfg, [cloud]), clock), 'sim-b');
    env.sims.get('sim-b')!.admin.setFaults({ errorRate: { image: 1 } });
    const signal = new AbortController().signal;

    await uploader.pass(signal);
    expect((await uploadsOf(build.id, 'sim-b')).map((u) => u.state)).toEqual(['failed']);
    expect(uploader.failureRecord('img')?.failures).toBe(1);

    // Attempt n+1 waits 10 s * 2^(n-1): nothing happens a millisecond early, the attempt happens on time.
    let attempts = 1;
    for (const delay of [10_000, 20_000, 40_000]) {
      await clock.advance(delay - 1);
      expect(await uploader.pass(signal)).toBe(1);
      expect(await uploadsOf(build.id, 'sim-b')).toHaveLength(attempts);
      await clock.advance(1);
      await uploader.pass(signal);
      attempts++;
      expect(await uploadsOf(build.id, 'sim-b')).toHaveLength(attempts);
      expect(uploader.failureRecord('img')?.failures).toBe(attempts);
    }

    env.sims.get('sim-b')!.admin.clearFaults();
    await clock.advance(80_000);
    await uploader.pass(signal);
    const ready = (await uploadsOf(build.id, 'sim-b')).filter((u) => u.state === 'ready');
    expect(ready).toHaveLength(1);
    expect(uploader.failureRecord('img')).toBeUndefined();
    const image = (await simImages('sim-b')).find((i) => i.id === ready[0].external_id);
    expect(image?.checksum).toBe(md5);
  });

  it('a failing provider and a stalled one never hold up a healthy one', async () => {
    const pa = provider({ name: 'sim-a', diskimages: [providerDiskimage('img')] });
    const pb = provider({ name: 'sim-b', diskimages: [providerDiskimage('img')] });
    env.sims.get('sim-b')!.admin.setFaults({ errorRate: { image: 1 } });
    const b = env.builder(config([pa, pb]), { mode: 'upload-only' });
    const { build } = await seedBuild();
    await b.start();
    await waitLong(async () => (await uploadsOf(build.id, 'sim-a')).some((u) => u.state === 'ready'), { message: 'sim-a upload' });
    await waitLong(() => (b.uploader('sim-b')?.failureRecord('img')?.failures ?? 0) >= 2, { message: 'sim-b failing' });
    expect((await uploadsOf(build.id, 'sim-b')).every((u) => u.state !== 'ready')).toBe(true);

    // Now sim-b accepts but crawls (1 KiB/s for 32 KiB): a forced re-upload to sim-a still completes.
    env.sims.get('sim-b')!.admin.setFaults({ uploadBytesPerSecond: 1024 });
    await waitLong(async () => (await simImages('sim-b')).some((i) => i.status === 'saving' || i.status === 'queued'), { message: 'sim-b upload started' });
    await env.store.requestImageUpload('img', 'sim-a');
    await waitLong(async () => (await uploadsOf(build.id, 'sim-a')).filter((u) => u.state === 'ready').length === 2, { message: 'forced upload to sim-a' });
    expect((await uploadsOf(build.id, 'sim-b')).some((u) => u.state === 'uploading')).toBe(true);
    expect(await env.store.listUploadRequests('img')).toEqual([]);
  });

  it('names the image by image-name-format and runs the post-upload hook; a failing hook deletes the image', async () => {
    const hook = join(env.dir, 'hook.sh');
    const record = join(env.dir, 'hook.args');
    writeFileSync(hook, `#!/bin/sh\necho "$@" >> ${record}\nexit $(cat ${join(env.dir, 'hook.rc')})\n`);
    chmodSync(hook, 0o755);
    writeFileSync(join(env.dir, 'hook.rc'), '1');
    const pc = provider({ name: 'sim-a', diskimages: [providerDiskimage('img')], postUploadHook: hook, imageNameFormat: 'np-{image_name}-{upload_id}' });
    const cfg = config([pc]);
    const cloud = env.provider(pc);
    await cloud.start();
    const { build, file } = await seedBuild();
    const uploader = new ProviderUploader(directContext(env, view(cfg, [cloud])), 'sim-a');
    const signal = new AbortController().signal;

    await uploader.pass(signal);
    const [failed] = await uploadsOf(build.id, 'sim-a');
    expect(failed.state).toBe('failed');
    const [args1] = readFileSync(record, 'utf8').trim().split('\n');
    const [hookProvider, hookImageId, hookFile] = args1.split(' ');
    expect([hookProvider, hookFile]).toEqual(['sim-a', file]);
    expect((await simImages('sim-a')).map((i) => i.id)).not.toContain(hookImageId);

    writeFileSync(join(env.dir, 'hook.rc'), '0');
    await uploader.pass(new AbortController().signal); // still backing off: no attempt
    expect(await uploadsOf(build.id, 'sim-a')).toHaveLength(1);
    await env.store.requestImageUpload('img', 'sim-a'); // a forced upload skips the backoff
    await uploader.pass(signal);
    const ready = (await uploadsOf(build.id, 'sim-a')).find((u) => u.state === 'ready')!;
    expect(ready.external_name).toBe(`np-img-${ready.id}`);
    expect(readFileSync(record, 'utf8').trim().split('\n')[1]).toBe(`sim-a ${ready.external_id} ${file}`);
  });

  it('a paused provider diskimage is not uploaded', async () => {
    const pc = provider({ name: 'sim-a', diskimages: [providerDiskimage('img', { pause: true })] });
    const cloud = env.provider(pc);
    await cloud.start();
    const { build } = await seedBuild();
    const uploader = new ProviderUploader(directContext(env, view(config([pc]), [cloud])), 'sim-a');
    await uploader.pass(new AbortController().signal);
    expect(await uploadsOf(build.id, 'sim-a')).toEqual([]);
    const unpaused = provider({ name: 'sim-a', diskimages: [providerDiskimage('img')] });
    await new ProviderUploader(directContext(env, view(config([unpaused]), [cloud])), 'sim-a').pass(new AbortController().signal);
    expect((await uploadsOf(build.id, 'sim-a')).map((u) => u.state)).toEqual(['ready']);
  });
});

describe('janitor: leaked images', { timeout: 240_000 }, () => {
  it('deletes our images without a ZooKeeper record on the second sighting only, and nothing else', async () => {
    const pc = provider({ name: 'sim-a', diskimages: [providerDiskimage('img')] });
    const cfg = config([pc]);
    const cloud = env.provider(pc);
    await cloud.start();
    const file = join(env.dir, 'tiny.qcow2');
    writeFileSync(file, Buffer.alloc(1024, 7));
    const up = (name: string, metadata: Record<string, string>) => cloud.uploadImage({ name, filePath: file, format: 'qcow2', metadata });
    const leaked = await up('leaked', { nodepool_build_id: 'f'.repeat(32), nodepool_upload_id: '0000000004', nodepool_provider_name: 'sim-a' });
    const foreign = await up('foreign', { os_distro: 'debian' });
    const otherProvider = await up('other', { nodepool_build_id: 'f'.repeat(32), nodepool_upload_id: '0000000004', nodepool_provider_name: 'sim-b' });
    // A recorded upload in progress (its uploader holds the lock): its image must survive.
    const { build } = await seedBuild();
    const live = await env.store.lockUploads('img', build.id, 'sim-a', { blocking: false });
    expect(live).not.toBeNull();
    const upload = await env.store.createUpload({
      image: 'img', build_id: build.id, provider: 'sim-a', state: 'uploading', state_time: Date.now() / 1000,
      external_id: null, external_name: null, format: 'qcow2', username: 'zuul', python_path: 'auto', shell_type: null,
    });
    const recorded = await up('recorded', { nodepool_build_id: build.id, nodepool_upload_id: upload.id, nodepool_provider_name: 'sim-a' });

    const janitor = new Janitor(directContext(env, view(cfg, [cloud]), systemClock));
    const ids = async () => (await simImages('sim-a')).map((i) => i.id).sort();
    await janitor.pass(new AbortController().signal);
    expect(await ids()).toContain(leaked.id);
    await janitor.pass(new AbortController().signal);
    expect(await ids()).toEqual([foreign.id, otherProvider.id, recorded.id].sort());
    // Once that upload is known to have crashed (lock gone), its record goes and the image follows.
    await live!.release();
    await janitor.pass(new AbortController().signal);
    await janitor.pass(new AbortController().signal);
    expect(await ids()).toEqual([foreign.id, otherProvider.id].sort());
  });
});
