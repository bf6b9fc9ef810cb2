import { describe, expect, it } from 'vitest';
import { ImageLookupCache } from '../../../src/cloud/openstack/image-lookup-cache.ts';
import { ManualClock } from '../../../src/util/clock.ts';

describe('ImageLookupCache', () => {
  const setup = () => {
    const clock = new ManualClock();
    const images = new Map<string, string>([['boot', 'id-1']]);
    const asked: string[] = [];
    const cache = new ImageLookupCache<string>(clock, async (name) => { asked.push(name); return images.get(name) ?? null; }, { foundMs: 300_000, missingMs: 60_000 });
    return { clock, images, asked, cache };
  };

  it('shares one lookup among concurrent callers and keeps a found image for foundMs', async () => {
    const { clock, images, asked, cache } = setup();
    expect(await Promise.all([cache.get('boot'), cache.get('boot'), cache.get('boot')])).toEqual(['id-1', 'id-1', 'id-1']);
    expect(asked).toEqual(['boot']);
    images.set('boot', 'id-2');
    await clock.advance(299_999);
    expect(await cache.get('boot')).toBe('id-1');
    await clock.advance(1);
    expect(await cache.get('boot')).toBe('id-2');
    expect(asked).toEqual(['boot', 'boot']);
  });

  it('asks again for a missing image after missingMs, and for anything after invalidate', async () => {
    const { clock, images, asked, cache } = setup();
    expect(await cache.get('new')).toBeNull();
    images.set('new', 'id-n');
    await clock.advance(59_999);
    expect(await cache.get('new')).toBeNull();
    await clock.advance(1);
    expect(await cache.get('new')).toBe('id-n');
    cache.invalidate();
    expect(await cache.get('new')).toBe('id-n');
    expect(asked).toEqual(['new', 'new', 'new']);
  });

  it('a failed lookup is not remembered', async () => {
    const clock = new ManualClock();
    let fail = true;
    const cache = new ImageLookupCache<string>(clock, async () => { if (fail) throw new Error('glance down'); return 'id'; }, { foundMs: 1000, missingMs: 1000 });
    await expect(cache.get('x')).rejects.toThrow('glance down');
    fail = false;
    expect(await cache.get('x')).toBe('id');
  });
});
