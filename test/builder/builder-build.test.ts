// The build side of nodepool-builder against the real ZooKeeper and the simulator, with the fake
// dib-cmd standing in for diskimage-builder.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodepoolConfig } from '../../src/config/model.ts';
import type { ImageBuild } from '../../src/model/types.ts';
import { NodepoolMetrics } from '../../src/stats/metrics.ts';
import { builderTestEnv, type BuilderTestEnv, waitLong } from './builder-env.ts';
import { diskimage, nodepoolConfig, provider, providerDiskimage } from './config-fixtures.ts';
import { FAKE_DIB, processAlive, readPid } from './fake-dib.ts';

let env: BuilderTestEnv;
let control: string;
beforeEach(async () => {
  env = await builderTestEnv('build', ['sim-a']);
  control = join(env.dir, 'fake-dib.control');
});
afterEach(async () => {
  await env.close();
});

function steer(lines: Record<string, string>): void {
  writeFileSync(control, Object.entries(lines).map(([k, v]) => `${k}=${v}\n`).join(''));
}

function config(over: { image?: Partial<Parameters<typeof diskimage>[0]>; root?: Partial<NodepoolConfig> } = {}): NodepoolConfig {
  return nodepoolConfig({
    imagesDir: env.imagesDir,
    buildLogDir: env.logDir,
    diskimages: [diskimage({
      name: 'img', dibCmd: FAKE_DIB, release: 'bookworm', elements: ['debian-minimal', 'nodepool-minimal'],
      envVars: {
        FAKE_DIB_CONTROL: control, FAKE_DIB_CALLS: join(env.dir, 'calls'), FAKE_DIB_EXPECT_RELEASE: 'bookworm',
        FAKE_DIB_EXPECT_ELEMENTS: 'debian-minimal nodepool-minimal', FAKE_DIB_EXPECT_ENV: 'CUSTOM_VAR=from-env-vars',
        CUSTOM_VAR: 'from-env-vars',
      },
      metadata: { os_distro: 'debian' },
      ...over.image,
    })],
    providers: [provider({ name: 'sim-a', diskimages: [providerDiskimage('img', { meta: { hw_disk_bus: 'virtio' } })] })],
    ...over.root,
  });
}

const builds = (state?: ImageBuild['state']) => env.store.listBuilds('img').then((b) => (state ? b.filter((x) => x.state === state) : b));

describe('nodepool-builder builds', { timeout: 240_000 }, () => {
  it('builds, records building -> ready as upstream does, uploads with name and metadata, registers a component', async () => {
    const release = join(env.dir, 'release');
    steer({ FAKE_DIB_MODE: 'wait', FAKE_DIB_WAIT_FILE: release });
    const metrics = new NodepoolMetrics();
    const b = env.builder(config(), { metrics });
    await b.start();

    const building = await waitLong(async () => (await builds('building'))[0], { message: 'building record' });
    expect(building).toMatchObject({ builder: 'nb-test', builder_id: b.builderId, formats: ['qcow2'], username: 'zuul' });
    expect(b.builderId).toBe(readFileSync(join(env.imagesDir, 'builder_id.txt'), 'utf8').trim());
    expect((await env.store.listComponents('builder')).map((c) => c.hostname)).toContain('nb-test');

    writeFileSync(release, '');
    const ready = await waitLong(async () => (await builds('ready'))[0], { message: 'ready build' });
    expect(ready.id).toBe(building.id);
    const raw = JSON.parse((await env.client.getData(`/nodepool/images/img/builds/${ready.id}`)).data.toString());
    expect(raw).toMatchObject({ state: 'ready', builder: 'nb-test', builder_id: b.builderId, formats: 'qcow2', username: 'zuul', python_path: 'auto', shell_type: null });

    const log = readFileSync(join(env.logDir, `img-${ready.id}.log`), 'utf8');
    expect(log.trimEnd().split('\n').at(-1)).toBe('Exit code: 0');
    const base = join(env.imagesDir, `img-${ready.id}`);
    for (const f of ['.qcow2', '.qcow2.md5', '.qcow2.sha256', '.d']) expect(existsSync(base + f)).toBe(true);

    const upload = await waitLong(async () => (await env.store.listUploads('img', ready.id, 'sim-a')).find((u) => u.state === 'ready'), { message: 'ready upload' });
    expect(upload.external_name).toMatch(/^img-\d{10}$/);
    expect(upload.format).toBe('qcow2');
    const image = (await env.sims.get('sim-a')!.admin.state()).images.find((i) => i.id === upload.external_id)!;
    expect(image).toMatchObject({
      name: upload.external_name, disk_format: 'qcow2', status: 'active',
      os_distro: 'debian', hw_disk_bus: 'virtio',
      nodepool_build_id: ready.id, nodepool_upload_id: upload.id, nodepool_provider_name: 'sim-a',
      checksum: createHash('md5').update(readFileSync(`${base}.qcow2`)).digest('hex'),
    });
    await b.stop();
    expect(await env.store.listComponents('builder')).toEqual([]);
    // Upstream's statsd names: allocated size of the image (the fake writes 64 KiB), rc, upload counter.
    expect(metrics.registry.gauges.get('nodepool.dib_image_build.img.qcow2.size')).toBeGreaterThanOrEqual(65536);
    expect(metrics.registry.gauges.get('nodepool.dib_image_build.img.status.rc')).toBe(0);
    expect(metrics.registry.counters.get('nodepool.image_update.img.sim-a')).toBe(1);
  });

  it('does not rebuild a fresh image, and a manual request builds again and is cleared only on success', async () => {
    steer({ FAKE_DIB_MODE: 'ok' });
    const b = env.builder(config());
    await b.start();
    const first = await waitLong(async () => (await builds('ready'))[0], { message: 'first build' });
    const passes = b.loops().build!.passes;
    await waitLong(() => b.loops().build!.passes >= passes + 5, { message: 'more build passes' });
    expect(readFileSync(join(env.dir, 'calls'), 'utf8').trim().split('\n')).toHaveLength(1);

    steer({ FAKE_DIB_MODE: 'fail' });
    await env.store.requestImageBuild('img');
    await waitLong(async () => (await builds()).some((x) => x.state === 'failed') || readFileSync(join(env.dir, 'calls'), 'utf8').trim().split('\n').length >= 3,
      { message: 'a failed manual build' });
    expect(await env.store.hasBuildRequest('img')).toBe(true);

    steer({ FAKE_DIB_MODE: 'ok' });
    const second = await waitLong(async () => (await builds('ready')).find((x) => x.id !== first.id), { message: 'second ready build' });
    expect(second.state_time).toBeGreaterThan(first.state_time);
    await waitLong(async () => !(await env.store.hasBuildRequest('img')), { message: 'request cleared' });
    // The janitor removes the failed builds; their logs stay (build-log-retention governs those).
    await waitLong(async () => (await builds()).every((x) => x.state !== 'failed'), { message: 'failed builds cleaned' });
  });

  it('honours pause in ZooKeeper and in the config', async () => {
    steer({ FAKE_DIB_MODE: 'ok' });
    await env.store.setImagePaused('img', true);
    const b = env.builder(config());
    await b.start();
    await waitLong(() => b.loops().build!.passes >= 5, { message: 'build passes' });
    expect(await builds()).toEqual([]);
    await b.reload(config({ image: { pause: true } }));
    await env.store.setImagePaused('img', false);
    const passes = b.loops().build!.passes;
    await waitLong(() => b.loops().build!.passes >= passes + 5, { message: 'more build passes' });
    expect(await builds()).toEqual([]);
    await b.reload(config());
    await waitLong(async () => (await builds('ready')).length === 1, { message: 'build after unpause' });
  });

  it('build-timeout kills the whole DIB process tree and records the build failed', async () => {
    const pidFile = join(env.dir, 'grandchild.pid');
    steer({ FAKE_DIB_MODE: 'stubborn', FAKE_DIB_PID_FILE: pidFile });
    const b = env.builder(config({ image: { buildTimeout: 1 } }));
    const outcomes: { state: string; timedOut: boolean; logPath: string }[] = [];
    b.onBuildFinished = (o) => outcomes.push(o);
    await b.start();
    const grandchild = await waitLong(() => readPid(pidFile), { message: 'grandchild started' });
    expect(processAlive(grandchild)).toBe(true);
    await waitLong(() => outcomes.length > 0, { message: 'build finished' });
    expect(outcomes[0]).toMatchObject({ state: 'failed', timedOut: true });
    expect(processAlive(grandchild)).toBe(false);
    expect(readFileSync(outcomes[0].logPath, 'utf8')).toMatch(/Build timed out after 1 s.*\nExit code: \d+\n$/);
    await b.stop();
  });

  it('keeps two ready builds, deletes older ones with files, uploads (cloud and ZooKeeper) and logs beyond retention', async () => {
    steer({ FAKE_DIB_MODE: 'ok' });
    const b = env.builder(config({ root: { buildLogRetention: 2 } }));
    await b.start();
    const ids: string[] = [];
    const externalIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      if (i > 0) await env.store.requestImageBuild('img');
      const next = await waitLong(async () => (await builds('ready')).find((x) => !ids.includes(x.id)), { message: `build ${i + 1}` });
      ids.push(next.id);
      // Remember the cloud id now: once the third upload is ready the janitor may already have removed the first.
      const upload = await waitLong(async () => (await env.store.listUploads('img', next.id, 'sim-a')).find((u) => u.state === 'ready'), { message: `upload ${i + 1}` });
      externalIds.push(upload.external_id!);
    }
    expect(externalIds[0]).toBeTruthy();
    await waitLong(async () => (await env.store.getBuild('img', ids[0])) === null, { message: 'oldest build deleted' });
    expect((await builds('ready')).map((x) => x.id).sort()).toEqual([ids[1], ids[2]].sort());
    expect(readdirSync(env.imagesDir).filter((f) => f.includes(ids[0]))).toEqual([]);
    expect(readdirSync(env.imagesDir).filter((f) => f.includes(ids[2]))).not.toEqual([]);
    const cloudIds = (await env.sims.get('sim-a')!.admin.state()).images.map((i) => i.id);
    expect(cloudIds).not.toContain(externalIds[0]);
    expect(cloudIds).toHaveLength(2);
    expect(readdirSync(env.logDir).sort()).toEqual([`img-${ids[1]}.log`, `img-${ids[2]}.log`].sort());
  });

  it('two builders never build the same image at once, and the second does not rebuild a fresh one', async () => {
    const release = join(env.dir, 'release');
    steer({ FAKE_DIB_MODE: 'wait', FAKE_DIB_WAIT_FILE: release });
    const calls = join(env.dir, 'calls');
    const first = env.builder(config());
    const second = env.builder(config({ root: { imagesDir: join(env.dir, 'images-2'), buildLogDir: join(env.dir, 'logs-2') } }), { hostname: 'nb-other' });
    await first.start();
    await second.start();
    expect(second.builderId).not.toBe(first.builderId);
    await waitLong(() => existsSync(calls), { message: 'a build started' });
    const passes = second.loops().build!.passes + first.loops().build!.passes;
    await waitLong(() => second.loops().build!.passes + first.loops().build!.passes >= passes + 10, { message: 'both builders kept looking' });
    expect(readFileSync(calls, 'utf8').trim().split('\n')).toHaveLength(1);
    writeFileSync(release, '');
    await waitLong(async () => (await builds('ready')).length === 1, { message: 'one ready build' });
    const after = second.loops().build!.passes;
    await waitLong(() => second.loops().build!.passes >= after + 5, { message: 'more passes' });
    expect(readFileSync(calls, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(await builds()).toHaveLength(1);
  });

  it('--build-only builds but never uploads', async () => {
    steer({ FAKE_DIB_MODE: 'ok' });
    const b = env.builder(config(), { mode: 'build-only' });
    await b.start();
    const ready = await waitLong(async () => (await builds('ready'))[0], { message: 'ready build' });
    const passes = b.loops().janitor!.passes;
    await waitLong(() => b.loops().janitor!.passes >= passes + 3, { message: 'janitor passes' });
    expect(await env.store.listUploads('img', ready.id)).toEqual([]);
    expect([...b.loops().uploads.values()].every((l) => l === null)).toBe(true);
    expect((await env.sims.get('sim-a')!.admin.state()).images).toEqual([]);
  });

  it('delete-after-upload removes uploaded formats but keeps keep-formats', async () => {
    steer({ FAKE_DIB_MODE: 'ok' });
    const b = env.builder(config({ image: { formats: ['raw'], deleteAfterUpload: true, keepFormats: ['raw'] } }));
    await b.start();
    const ready = await waitLong(async () => (await builds('ready'))[0], { message: 'ready build' });
    expect(ready.formats).toEqual(['qcow2', 'raw']);
    const base = join(env.imagesDir, `img-${ready.id}`);
    await waitLong(async () => (await env.store.listUploads('img', ready.id, 'sim-a')).some((u) => u.state === 'ready'), { message: 'upload' });
    await waitLong(() => !existsSync(`${base}.qcow2`), { message: 'qcow2 deleted after upload' });
    expect(existsSync(`${base}.qcow2.md5`)).toBe(false);
    expect(existsSync(`${base}.raw`)).toBe(true);
    expect((await env.store.getBuild('img', ready.id))?.state).toBe('ready');
  });
});
