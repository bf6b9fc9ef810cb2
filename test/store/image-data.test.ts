import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newImageBuild, newImageUpload } from '../../src/model/factories.ts';
import { ImageDataError, IMPORT_SEQUENCE_BATCH, importImageData } from '../../src/store/image-data.ts';
import type { ZkClient } from '../../src/zk/types.ts';
import { fileZk, openStore, type StoreEnv } from './helpers.ts';

describe('image data export / import (real ZooKeeper)', () => {
  const source = fileZk('store-export');
  const target = fileZk('store-import');
  let from: StoreEnv;
  let to: StoreEnv;
  beforeAll(async () => {
    from = await openStore(source);
    to = await openStore(target);
  });
  afterAll(async () => {
    await source.closeAll();
    await target.closeAll();
  });

  it('round-trips pause flags, builds and uploads, and later uploads do not collide', async () => {
    await from.store.setImagePaused('paused-image', true);
    const build = await from.store.createBuild(newImageBuild({ image: 'ubuntu', state: 'ready', formats: ['qcow2', 'raw'] }, from.clock.now()));
    for (let i = 0; i < 3; i++) {
      await from.store.createUpload(newImageUpload({ image: 'ubuntu', build_id: build.id, provider: 'cloud-a', state: 'ready', external_id: `img-${i}` }, from.clock.now()));
    }
    // Older uploads were deleted: only 0000000003 is left, so the counter matters on import.
    for (const upload of (await from.store.listUploads('ubuntu', build.id)).slice(0, 2)) await from.store.deleteUpload(upload);
    // A legacy numbered build (pre-uuid upstream).
    await from.client.mkdirp('/nodepool/images/legacy/builds');
    await from.client.create('/nodepool/images/legacy/builds/0000000004', '{"state": "ready", "state_time": 1.5, "formats": "qcow2", "username": "zuul", "python_path": "auto", "shell_type": null}');

    const exported = await from.store.exportImageData();
    expect(Object.keys(exported).sort()).toEqual([
      '/nodepool/images/legacy/builds/0000000004',
      '/nodepool/images/paused-image/pause',
      `/nodepool/images/ubuntu/builds/${build.id}`,
      `/nodepool/images/ubuntu/builds/${build.id}/providers/cloud-a/images/0000000003`,
    ]);
    expect(exported['/nodepool/images/paused-image/pause']).toBe('');
    // Plain JSON object of strings, as upstream's export file is.
    const file = JSON.parse(JSON.stringify(exported));

    await to.store.importImageData(file);
    expect(await to.store.exportImageData()).toEqual(exported);
    expect(await to.store.isImagePaused('paused-image')).toBe(true);
    const next = await to.store.createUpload(newImageUpload({ image: 'ubuntu', build_id: build.id, provider: 'cloud-a' }, to.clock.now()));
    expect(Number(next.id)).toBeGreaterThan(3);
    const legacySeq = await to.client.create('/nodepool/images/legacy/builds/', undefined, 2);
    expect(Number(legacySeq.split('/').pop())).toBeGreaterThan(4);
  });

  it('rejects paths outside the image tree', async () => {
    await expect(to.store.importImageData({ '/nodepool/nodes/0000000001': '{}' })).rejects.toBeInstanceOf(ImageDataError);
    await expect(to.store.importImageData({ '/nodepool/images/x/../y': '' })).rejects.toBeInstanceOf(ImageDataError);
  });

  it('advances a high sequence counter in bounded batches, and refuses an absurd one', async () => {
    let outstanding = 0;
    let most = 0;
    const counting = new Proxy(to.client, {
      get(target, key) {
        if (key !== 'create') return Reflect.get(target, key, target);
        return async (...args: Parameters<ZkClient['create']>) => {
          most = Math.max(most, ++outstanding);
          try {
            return await target.create(...args);
          } finally {
            outstanding--;
          }
        };
      },
    }) as ZkClient;
    const upload = '/nodepool/images/big/builds/' + 'c'.repeat(32) + '/providers/p/images/0000001500';
    await importImageData(counting, {
      ['/nodepool/images/big/builds/' + 'c'.repeat(32)]: '{"state": "ready", "state_time": 1.0}',
      [upload]: '{"state": "ready", "state_time": 1.0}',
    });
    expect(most).toBeLessThanOrEqual(IMPORT_SEQUENCE_BATCH);
    expect((await to.client.getChildren(upload.slice(0, upload.lastIndexOf('/')))).children.sort()).toEqual(['0000001500']);
    await expect(importImageData(counting, { '/nodepool/images/big/builds/9999999999': '{"state": "ready"}' }))
      .rejects.toThrow(ImageDataError);
  });
});
