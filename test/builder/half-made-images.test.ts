// The pure choice of a failed upload's images, and the sweeper's bookkeeping (which uploads it
// keeps looking for, and for how long) against an in-memory provider.
import { describe, expect, it } from 'vitest';
import { HalfMadeImageSweeper, SWEEPS_PER_FAILED_UPLOAD, halfMadeImages } from '../../src/builder/half-made-images.ts';
import type { CloudImage, CloudProvider } from '../../src/cloud/provider.ts';
import type { Store } from '../../src/store/types.ts';
import { silentLogger } from '../../src/util/logger.ts';

const img = (id: string, metadata: Record<string, string>): CloudImage => ({ id, name: id, status: 'queued', metadata });
const ours = (id: string, build: string, upload: string, provider = 'p1') =>
  img(id, { nodepool_provider_name: provider, nodepool_build_id: build, nodepool_upload_id: upload });

describe('halfMadeImages', () => {
  it('picks only this provider\'s images whose build and upload ids are among the failed ones', () => {
    const images = [
      ours('a', 'b1', '0000000001'),
      ours('b', 'b1', '0000000002'),
      ours('c', 'b1', '0000000001', 'p2'),
      img('d', { nodepool_build_id: 'b1', nodepool_upload_id: '0000000001' }),
      img('e', { os_distro: 'debian' }),
    ];
    expect(halfMadeImages(images, 'p1', new Set(['b1/0000000001'])).map((i) => i.id)).toEqual(['a']);
    expect(halfMadeImages(images, 'p1', new Set())).toEqual([]);
  });
});

/** A provider holding images in memory; `lands` adds images on the given listing (a late create). */
function memoryProvider(initial: CloudImage[], lands: Map<number, CloudImage> = new Map()) {
  const images = new Map(initial.map((i) => [i.id, i]));
  let listings = 0;
  const provider = {
    name: 'p1',
    async listImages() {
      listings++;
      const late = lands.get(listings);
      if (late) images.set(late.id, late);
      return [...images.values()];
    },
    async deleteImage(id: string) {
      images.delete(id);
    },
  } as unknown as CloudProvider;
  return { provider, images, listings: () => listings };
}

const emptyStore = { listBuilds: async () => [], listUploads: async () => [] } as unknown as Store;

describe('HalfMadeImageSweeper', () => {
  it('keeps looking for a failed upload\'s image for a few sweeps, so a create that lands late is still deleted', async () => {
    const late = ours('late', 'b1', '0000000007');
    const { provider, images, listings } = memoryProvider([], new Map([[SWEEPS_PER_FAILED_UPLOAD, late]]));
    const sweeper = new HalfMadeImageSweeper('p1', emptyStore, silentLogger());
    sweeper.remember('b1', '0000000007');
    for (let i = 0; i < SWEEPS_PER_FAILED_UPLOAD; i++) {
      expect(sweeper.due).toBe(true);
      await sweeper.sweep(provider, ['img']);
    }
    expect(images.has('late')).toBe(false);
    expect(sweeper.due).toBe(false);
    expect(listings()).toBe(SWEEPS_PER_FAILED_UPLOAD);
  });

  it('gives up on an upload whose image never appears, and then stops listing images', async () => {
    const { provider, listings } = memoryProvider([]);
    const sweeper = new HalfMadeImageSweeper('p1', emptyStore, silentLogger());
    await sweeper.sweep(provider, ['img']); // the startup sweep: nothing failed, nothing listed
    expect(listings()).toBe(0);
    sweeper.remember('b1', '0000000001');
    for (let i = 0; i < SWEEPS_PER_FAILED_UPLOAD; i++) await sweeper.sweep(provider, ['img']);
    expect(sweeper.due).toBe(false);
    expect(listings()).toBe(SWEEPS_PER_FAILED_UPLOAD);
  });

  it('on its first sweep takes the uploads ZooKeeper records as failed (a previous process stopped mid-upload)', async () => {
    const store = {
      listBuilds: async () => [{ id: 'b1' }],
      listUploads: async () => [
        { build_id: 'b1', id: '0000000001', state: 'failed' },
        { build_id: 'b1', id: '0000000002', state: 'ready' },
      ],
    } as unknown as Store;
    const { provider, images } = memoryProvider([ours('failed', 'b1', '0000000001'), ours('ready', 'b1', '0000000002')]);
    const sweeper = new HalfMadeImageSweeper('p1', store, silentLogger());
    await sweeper.sweep(provider, ['img']);
    expect([...images.keys()]).toEqual(['ready']);
    expect(sweeper.due).toBe(false);
  });
});
