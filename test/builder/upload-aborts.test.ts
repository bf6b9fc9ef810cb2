// An upload aborted at any moment (image-upload-timeout, daemon stop, lost lock) is recorded
// failed and leaves no image in Glance once the uploader's next pass is done, also when the abort
// lands before Glance has told us the image id. The simulator pins where the abort lands: a slow
// transfer (id known) or a create that is never answered (id unknown); time is a ManualClock.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderUploader } from '../../src/builder/provider-uploader.ts';
import type { ProviderConfig } from '../../src/config/model.ts';
import { uploadsLockPath } from '../../src/store/paths.ts';
import { ManualClock } from '../../src/util/clock.ts';
import { builderTestEnv, directContext, type BuilderTestEnv, waitLong } from './builder-env.ts';
import { provider, providerDiskimage } from './config-fixtures.ts';
import { seedBuild, uploadConfig, uploadView } from './upload-fixtures.ts';

let env: BuilderTestEnv;
beforeEach(async () => {
  env = await builderTestEnv('upload-aborts', ['sim-a']);
});
afterEach(async () => {
  await env.close();
});

const simImages = async () => (await env.sims.get('sim-a')!.admin.state()).images as { id: string; status: string }[];
const uploadStates = async (buildId: string) => (await env.store.listUploads('img', buildId, 'sim-a')).map((u) => u.state);

async function setUp(clock: ManualClock, faults: Record<string, number>, bytes = 32 * 1024) {
  const pc: ProviderConfig = provider({ name: 'sim-a', diskimages: [providerDiskimage('img')], imageUploadTimeout: 30 });
  const cfg = uploadConfig(env, [pc]);
  const cloud = env.provider(pc);
  await cloud.start();
  const { build } = await seedBuild(env, bytes);
  env.sims.get('sim-a')!.admin.setFaults(faults);
  const newUploader = () => new ProviderUploader(directContext(env, uploadView(env, cfg, [cloud]), clock), 'sim-a');
  return { build, newUploader };
}

/** Glance holds an image in `status`: the uploader is inside provider.uploadImage, its timeout armed. */
const imageIn = (status: string) => waitLong(async () => (await simImages()).some((i) => i.status === status), { message: `an image ${status}` });

describe('aborted uploads leave no image', { timeout: 120_000 }, () => {
  it('image-upload-timeout aborts a stalled upload and records it failed', async () => {
    const clock = new ManualClock();
    const { build, newUploader } = await setUp(clock, { uploadBytesPerSecond: 4096 }, 256 * 1024);
    const pass = newUploader().pass(new AbortController().signal);
    await imageIn('saving');
    await clock.advance(30_000);
    await pass;
    expect(await uploadStates(build.id)).toEqual(['failed']);
    expect(await simImages()).toEqual([]);
  });

  it('a timeout before Glance answered the create: the image is found by its metadata and deleted in the same pass', async () => {
    const clock = new ManualClock();
    const { build, newUploader } = await setUp(clock, { stalledImageCreates: 1 });
    const pass = newUploader().pass(new AbortController().signal);
    await imageIn('queued');
    await clock.advance(30_000);
    await pass;
    expect(await uploadStates(build.id)).toEqual(['failed']);
    expect(await simImages()).toEqual([]);
  });

  it('a stop before Glance answered the create: the next process deletes the image on its first pass', async () => {
    const clock = new ManualClock();
    const { build, newUploader } = await setUp(clock, { stalledImageCreates: 1 });
    const stop = new AbortController();
    const pass = newUploader().pass(stop.signal);
    await imageIn('queued');
    const [halfMade] = await simImages();
    stop.abort(new Error('builder stopping'));
    await pass;
    expect(await uploadStates(build.id)).toEqual(['failed']);

    // A new uploader, as after a restart: it sweeps the failed upload's image and uploads afresh.
    await newUploader().pass(new AbortController().signal);
    const images = await simImages();
    expect(images.map((i) => i.id)).not.toContain(halfMade.id);
    const ready = (await env.store.listUploads('img', build.id, 'sim-a')).filter((u) => u.state === 'ready');
    expect(ready).toHaveLength(1);
    expect(images.map((i) => i.id)).toEqual([ready[0].external_id]);
  });

  it('an uploader killed mid-upload (record uploading, lock free): the next process deletes its image on its first pass', async () => {
    const clock = new ManualClock();
    const { build, newUploader } = await setUp(clock, {});
    const dead = await env.store.createUpload({
      image: 'img', build_id: build.id, provider: 'sim-a', state: 'uploading', state_time: clock.now() / 1000,
      external_id: null, external_name: null, format: 'qcow2', username: 'zuul', python_path: 'auto', shell_type: null,
    });
    const cloud = env.provider(provider({ name: 'sim-a' }));
    await cloud.start();
    const orphan = await cloud.uploadImage({
      name: 'img-orphan', filePath: `${env.imagesDir}/img-${build.id}.qcow2`, format: 'qcow2',
      metadata: { nodepool_build_id: build.id, nodepool_upload_id: dead.id, nodepool_provider_name: 'sim-a' },
    });
    await newUploader().pass(new AbortController().signal);
    const ids = (await simImages()).map((i) => i.id);
    expect(ids).not.toContain(orphan.id);
    const ready = (await env.store.listUploads('img', build.id, 'sim-a')).filter((u) => u.state === 'ready');
    expect(ids).toEqual([ready[0].external_id]);
  });

  it('a lost upload lock before Glance answered the create: recorded failed, no image left', async () => {
    const clock = new ManualClock();
    const { build, newUploader } = await setUp(clock, { stalledImageCreates: 1 });
    const pass = newUploader().pass(new AbortController().signal);
    await imageIn('queued');
    // As an operator or a session expiry would: the uploader's lock node goes away.
    const lockDir = uploadsLockPath('img', build.id, 'sim-a');
    for (const child of (await env.client.getChildren(lockDir)).children) await env.client.delete(`${lockDir}/${child}`);
    await pass;
    expect(await uploadStates(build.id)).toEqual(['failed']);
    expect(await simImages()).toEqual([]);
  });
});
