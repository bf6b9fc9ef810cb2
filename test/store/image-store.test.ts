import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newImageBuild, newImageUpload } from '../../src/model/factories.ts';
import { NoNodeError } from '../../src/zk/errors.ts';
import type { ZkClient } from '../../src/zk/types.ts';
import { fileZk, openStore, type StoreEnv } from './helpers.ts';

const IMAGE = 'fake-dib-image';
const PROVIDER = 'fake-provider';

/** Every path below `root` with its child count, like the capture's tree listing. */
async function tree(client: ZkClient, root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (path: string) => {
    const { children } = await client.getChildren(path);
    out.push(`${path} [${children.length}]`);
    for (const child of children.sort()) await walk(`${path}/${child}`);
  };
  await walk(root);
  return out;
}

describe('ZkStore images (real ZooKeeper)', () => {
  const zk = fileZk('store-images');
  let env: StoreEnv;
  beforeAll(async () => {
    env = await openStore(zk);
  });
  afterAll(() => zk.closeAll());

  it('manual build request, pause flag', async () => {
    await env.store.requestImageBuild(IMAGE);
    expect(await env.store.hasBuildRequest(IMAGE)).toBe(true);
    const stat = await env.client.exists(`/nodepool/images/${IMAGE}/request-build`);
    expect(stat!.dataLength).toBe(0);
    expect(await env.store.getBuildRequest(IMAGE)).toEqual({ state: 'pending', time: stat!.ctime / 1000 });
    await env.store.clearBuildRequest(IMAGE);
    expect(await env.store.hasBuildRequest(IMAGE)).toBe(false);
    expect(await env.store.getBuildRequest(IMAGE)).toBeNull();

    expect(await env.store.isImagePaused(IMAGE)).toBe(false);
    await env.store.setImagePaused(IMAGE, true);
    await env.store.setImagePaused(IMAGE, true);
    expect(await env.store.isImagePaused(IMAGE)).toBe(true);
    await env.store.setImagePaused(IMAGE, false);
    expect(await env.store.isImagePaused(IMAGE)).toBe(false);
    expect(await env.store.listImageNames()).toEqual([IMAGE]);
  });

  it('build and upload life cycle lands at upstream\'s paths, first upload 0000000001', async () => {
    const building = await env.store.createBuild(newImageBuild({ image: IMAGE, builder: 'localhost', builder_id: '0973d95d-9475-4060-adec-64c89f2b4762' }, env.clock.now()));
    expect(building.id).toMatch(/^[0-9a-f]{32}$/);
    building.state = 'ready';
    building.formats = ['qcow2'];
    await env.store.storeBuild(building);
    expect(building.version).toBe(1);
    const { data } = await env.client.getData(`/nodepool/images/${IMAGE}/builds/${building.id}`);
    expect(JSON.parse(data.toString())).toMatchObject({ state: 'ready', formats: 'qcow2', builder: 'localhost' });

    const upload = await env.store.createUpload(newImageUpload({ image: IMAGE, build_id: building.id, provider: PROVIDER, format: 'qcow2' }, env.clock.now()));
    expect(upload.id).toBe('0000000001');
    const path = env.store.uploadPath(upload);
    expect(path).toBe(`/nodepool/images/${IMAGE}/builds/${building.id}/providers/${PROVIDER}/images/0000000001`);
    upload.state = 'ready';
    upload.external_id = '89e9a9a19ea64659996686b0d49ef6ce';
    upload.external_name = 'fake-dib-image-1795419901';
    await env.store.storeUpload(upload);

    const imagesDir = await env.client.exists(`/nodepool/images/${IMAGE}/builds/${building.id}/providers/${PROVIDER}/images`);
    expect(imagesDir!.cversion).toBe(2);
    const b = `/nodepool/images/${IMAGE}/builds/${building.id}`;
    expect(await tree(env.client, `/nodepool/images/${IMAGE}`)).toEqual([
      `/nodepool/images/${IMAGE} [1]`,
      `/nodepool/images/${IMAGE}/builds [1]`,
      `${b} [1]`,
      `${b}/providers [1]`,
      `${b}/providers/${PROVIDER} [1]`,
      `${b}/providers/${PROVIDER}/images [2]`,
      `${b}/providers/${PROVIDER}/images/0000000001 [0]`,
      `${b}/providers/${PROVIDER}/images/lock [0]`,
    ]);

    expect(await env.store.listUploads(IMAGE, building.id)).toEqual([upload]);
    expect(await env.store.getUpload(IMAGE, building.id, PROVIDER, '0000000001')).toEqual(upload);
    expect(await env.store.latestReadyUpload(IMAGE, PROVIDER)).toEqual(upload);
    expect(await env.store.latestReadyUpload(IMAGE, 'other')).toBeNull();
    expect((await env.store.listBuilds(IMAGE)).map((x) => x.id)).toEqual([building.id]);
  });

  it('picks the newest ready upload across builds and lists builds newest first', async () => {
    await env.clock.advance(60_000);
    const newer = await env.store.createBuild(newImageBuild({ image: IMAGE, state: 'ready', formats: ['qcow2'] }, env.clock.now()));
    const upload = await env.store.createUpload(newImageUpload({ image: IMAGE, build_id: newer.id, provider: PROVIDER, state: 'ready', external_id: 'img-newer' }, env.clock.now()));
    expect(upload.id).toBe('0000000001');
    expect((await env.store.latestReadyUpload(IMAGE, PROVIDER))!.build_id).toBe(newer.id);
    expect((await env.store.listBuilds(IMAGE))[0].id).toBe(newer.id);
  });

  it('skips a newer READY upload that names no cloud image (another writer\'s record): nothing to boot from', async () => {
    const image = 'imageless-upload';
    const usable = await env.store.createBuild(newImageBuild({ image, state: 'ready', formats: ['qcow2'] }, env.clock.now()));
    await env.store.createUpload(newImageUpload({ image, build_id: usable.id, provider: PROVIDER, state: 'ready', external_id: 'img-usable' }, env.clock.now()));
    await env.clock.advance(60_000);
    const foreign = await env.store.createBuild(newImageBuild({ image, state: 'ready', formats: ['qcow2'] }, env.clock.now()));
    await env.store.createUpload(newImageUpload({ image, build_id: foreign.id, provider: PROVIDER, state: 'ready' }, env.clock.now()));
    expect((await env.store.latestReadyUpload(image, PROVIDER))?.build_id).toBe(usable.id);
  });

  it('refuses uploads for a missing build instead of creating an empty build znode', async () => {
    await expect(env.store.createUpload(newImageUpload({ image: IMAGE, build_id: 'nope', provider: PROVIDER }, 0))).rejects.toBeInstanceOf(NoNodeError);
    expect(await env.client.exists(`/nodepool/images/${IMAGE}/builds/nope`)).toBeNull();
  });

  it('deleteBuild keeps a build while it has uploads', async () => {
    const build = (await env.store.listBuilds(IMAGE))[0];
    expect(await env.store.deleteBuild(IMAGE, build.id)).toBe(false);
    for (const upload of await env.store.listUploads(IMAGE, build.id)) await env.store.deleteUpload(upload);
    expect(await env.store.deleteBuild(IMAGE, build.id)).toBe(true);
    expect(await env.store.getBuild(IMAGE, build.id)).toBeNull();
  });

  it('skips an undecodable build with one log line', async () => {
    await env.client.create(`/nodepool/images/${IMAGE}/builds/deadbeef`, 'not json');
    const before = env.log.lines.length;
    const builds = await env.store.listBuilds(IMAGE);
    expect(builds.map((x) => x.id)).not.toContain('deadbeef');
    expect(env.log.lines.slice(before)).toEqual([expect.objectContaining({ path: `/nodepool/images/${IMAGE}/builds/deadbeef` })]);
    await env.client.delete(`/nodepool/images/${IMAGE}/builds/deadbeef`);
  });

  it('upload requests (classic image-upload)', async () => {
    await env.store.requestImageUpload(IMAGE, PROVIDER);
    expect(await env.store.listUploadRequests(IMAGE)).toEqual([PROVIDER]);
    await env.store.clearUploadRequest(IMAGE, PROVIDER);
    expect(await env.store.listUploadRequests(IMAGE)).toEqual([]);
  });
});
