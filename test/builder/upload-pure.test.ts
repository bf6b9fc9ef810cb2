import { describe, expect, it } from 'vitest';
import { formatImageName } from '../../src/builder/image-name.ts';
import { recordUploadFailure, uploadRetryDelayMs, uploadWaitMs } from '../../src/builder/upload-backoff.ts';
import { findLeakedImages } from '../../src/builder/leaked-images.ts';
import type { CloudImage } from '../../src/cloud/provider.ts';

describe('uploadRetryDelayMs', () => {
  it.each([
    [0, 0], [1, 10_000], [2, 20_000], [3, 40_000], [4, 80_000], [5, 160_000], [6, 320_000], [7, 600_000], [8, 600_000], [100, 600_000],
  ])('after %i failures waits %i ms', (failures, ms) => {
    expect(uploadRetryDelayMs(failures)).toBe(ms);
  });
  it('honours a custom base and cap', () => {
    expect([1, 2, 3, 4].map((n) => uploadRetryDelayMs(n, 100, 350))).toEqual([100, 200, 350, 350]);
  });
});

describe('upload failure bookkeeping', () => {
  it('counts consecutive failures of one build and restarts for a new build', () => {
    const r1 = recordUploadFailure(undefined, 'b1', 1000);
    expect(r1).toEqual({ failures: 1, buildId: 'b1', nextAttemptMs: 11_000 });
    const r2 = recordUploadFailure(r1, 'b1', 11_000);
    expect(r2).toEqual({ failures: 2, buildId: 'b1', nextAttemptMs: 31_000 });
    expect(recordUploadFailure(r2, 'b2', 12_000)).toEqual({ failures: 1, buildId: 'b2', nextAttemptMs: 22_000 });
  });
  it('waits until the next attempt, except for a forced upload or a different build', () => {
    const rec = { failures: 2, buildId: 'b1', nextAttemptMs: 31_000 };
    expect(uploadWaitMs(rec, 'b1', 20_000, false)).toBe(11_000);
    expect(uploadWaitMs(rec, 'b1', 31_000, false)).toBe(0);
    expect(uploadWaitMs(rec, 'b1', 20_000, true)).toBe(0);
    expect(uploadWaitMs(rec, 'b2', 20_000, false)).toBe(0);
    expect(uploadWaitMs(undefined, 'b1', 20_000, false)).toBe(0);
  });
});

describe('formatImageName', () => {
  const fields = { image_name: 'debian', timestamp: 1726580400.75, upload_id: '0000000003' };
  it.each([
    ['{image_name}-{timestamp}', 'debian-1726580400'],
    ['{image_name}-{upload_id}', 'debian-0000000003'],
    ['np-{{literal}}-{image_name}', 'np-{literal}-debian'],
  ])('%s', (format, name) => {
    expect(formatImageName(format, fields)).toBe(name);
  });
  it.each([['{nope}', /unknown field \{nope\}/], ['{image_name', /unclosed/], ['a}b', /single/]])('rejects %s', (format, err) => {
    expect(() => formatImageName(format, fields)).toThrow(err);
  });
});

describe('findLeakedImages', () => {
  const img = (id: string, metadata: Record<string, string>): CloudImage => ({ id, name: id, status: 'active', metadata });
  const ours = (id: string, build: string, upload: string) =>
    img(id, { nodepool_build_id: build, nodepool_upload_id: upload, nodepool_provider_name: 'p1' });
  const known = { externalIds: new Set(['known-ext']), buildUploadIds: new Set(['b1/0000000002']) };
  const images = [
    ours('known-ext', 'b1', '0000000001'),
    ours('recorded-no-ext', 'b1', '0000000002'), // upload record exists, external_id not yet stored
    ours('leak', 'b9', '0000000001'),
    img('other-provider', { nodepool_build_id: 'b9', nodepool_upload_id: '1', nodepool_provider_name: 'p2' }),
    img('not-nodepool', { os_distro: 'debian' }),
  ];

  it('suspects on the first sighting and deletes only on the second', () => {
    const first = findLeakedImages(images, 'p1', known, new Set());
    expect([...first.suspects]).toEqual(['leak']);
    expect(first.toDelete).toEqual([]);
    const second = findLeakedImages(images, 'p1', known, first.suspects);
    expect(second.toDelete.map((i) => i.id)).toEqual(['leak']);
  });

  it('forgets a suspect that got recorded meanwhile', () => {
    const later = { externalIds: new Set([...known.externalIds, 'leak']), buildUploadIds: known.buildUploadIds };
    const verdict = findLeakedImages(images, 'p1', later, new Set(['leak']));
    expect(verdict.toDelete).toEqual([]);
    expect(verdict.suspects.size).toBe(0);
  });
});
