import { describe, expect, it } from 'vitest';
import {
  formatsToDeleteAfterUpload, localFilesToDelete, parseLocalBuildFile, planImageCleanup, uploadKey, type ImageCleanupInput,
} from '../../src/builder/cleanup-plan.ts';
import { logsToPrune } from '../../src/builder/build-logs.ts';
import { build, upload } from './config-fixtures.ts';

const id = (n: number) => String(n).padStart(32, '0');

function input(over: Partial<ImageCleanupInput>): ImageCleanupInput {
  return { inConfig: true, providersListing: new Set(['p1']), builds: [], buildInProgress: false, liveUploads: new Set(), ...over };
}

describe('planImageCleanup', () => {
  it('keeps the two newest ready builds and retires older ones once their uploads are gone', () => {
    const b = [1, 2, 3].map((n) => build({ id: id(n), state_time: n * 100 }));
    const plan = planImageCleanup(input({
      builds: b.map((x) => ({ build: x, uploads: [upload({ id: '0000000001', build_id: x.id, provider: 'p1', state_time: x.state_time + 1 })] })),
    }));
    expect(plan.keptBuildIds.sort()).toEqual([id(2), id(3)]);
    expect(plan.deleteUploads.map(uploadKey)).toEqual([`${id(1)}/p1/0000000001`]);
    expect(plan.retireBuilds.map((x) => x.id)).toEqual([id(1)]);
  });

  it('keeps an old build while its upload is still one of the two newest for a provider', () => {
    // The newest build never made it to p1, so p1 still boots from the oldest build's upload.
    const b1 = build({ id: id(1), state_time: 100 });
    const b2 = build({ id: id(2), state_time: 200 });
    const b3 = build({ id: id(3), state_time: 300 });
    const plan = planImageCleanup(input({
      builds: [
        { build: b1, uploads: [upload({ id: '0000000001', build_id: b1.id, provider: 'p1', state_time: 101 })] },
        { build: b2, uploads: [upload({ id: '0000000001', build_id: b2.id, provider: 'p1', state_time: 201 })] },
        { build: b3, uploads: [upload({ id: '0000000001', build_id: b3.id, provider: 'p1', state: 'failed', state_time: 301 })] },
      ],
    }));
    expect(plan.deleteUploads.map(uploadKey)).toEqual([`${id(3)}/p1/0000000001`]);
    expect(plan.retireBuilds).toEqual([]);
  });

  it('keeps only the two newest ready uploads per provider even inside kept builds', () => {
    const b = build({ id: id(5), state_time: 500 });
    const ups = [1, 2, 3].map((n) => upload({ id: `000000000${n}`, build_id: b.id, provider: 'p1', state_time: 500 + n }));
    const plan = planImageCleanup(input({ builds: [{ build: b, uploads: ups }] }));
    expect(plan.deleteUploads.map((u) => u.id)).toEqual(['0000000001']);
  });

  it('deletes failed, deleting and crashed uploading records, but not a live upload', () => {
    const b = build({ id: id(1) });
    const crashed = upload({ id: '0000000001', build_id: b.id, provider: 'p1', state: 'uploading' });
    const failed = upload({ id: '0000000002', build_id: b.id, provider: 'p1', state: 'failed' });
    const deleting = upload({ id: '0000000003', build_id: b.id, provider: 'p1', state: 'deleting' });
    const live = upload({ id: '0000000004', build_id: b.id, provider: 'p1', state: 'uploading' });
    const plan = planImageCleanup(input({ builds: [{ build: b, uploads: [crashed, failed, deleting, live] }], liveUploads: new Set([uploadKey(live)]) }));
    expect(plan.deleteUploads.map((u) => u.id)).toEqual(['0000000001', '0000000002', '0000000003']);
  });

  it('deletes uploads to providers that no longer list the image', () => {
    const b = build({ id: id(1) });
    const plan = planImageCleanup(input({
      builds: [{ build: b, uploads: [upload({ id: '0000000001', build_id: b.id, provider: 'p1' }), upload({ id: '0000000001', build_id: b.id, provider: 'gone' })] }],
    }));
    expect(plan.deleteUploads.map(uploadKey)).toEqual([`${id(1)}/gone/0000000001`]);
  });

  it('retires failed builds and stale building records, but not a build in progress', () => {
    const failed = build({ id: id(1), state: 'failed' });
    const building = build({ id: id(2), state: 'building' });
    const ready = build({ id: id(3) });
    const all = [failed, building, ready].map((x) => ({ build: x, uploads: [] }));
    expect(planImageCleanup(input({ builds: all, buildInProgress: false })).retireBuilds.map((x) => x.id)).toEqual([id(1), id(2)]);
    expect(planImageCleanup(input({ builds: all, buildInProgress: true })).retireBuilds.map((x) => x.id)).toEqual([id(1)]);
  });

  it('keeps nothing once the diskimage left the config', () => {
    const b = build({ id: id(1) });
    const plan = planImageCleanup(input({ inConfig: false, builds: [{ build: b, uploads: [upload({ id: '0000000001', build_id: b.id, provider: 'p1' })] }] }));
    expect(plan.deleteUploads).toHaveLength(1);
    expect(plan.retireBuilds.map((x) => x.id)).toEqual([id(1)]);
  });
});

describe('local files', () => {
  it('parses build files and ignores everything else', () => {
    expect(parseLocalBuildFile(`my-image-${id(7)}.qcow2.md5`)).toEqual({ name: `my-image-${id(7)}.qcow2.md5`, image: 'my-image', buildId: id(7), suffix: '.qcow2.md5' });
    expect(parseLocalBuildFile('debian-0000000004.d')).toMatchObject({ image: 'debian', buildId: '0000000004', suffix: '.d' });
    expect(parseLocalBuildFile('builder_id.txt')).toBeNull();
    expect(parseLocalBuildFile(`debian-${id(1)}.log`)).toBeNull();
    expect(parseLocalBuildFile('notes.txt')).toBeNull();
  });
  it('deletes files of missing or deleting builds only', () => {
    const files = [`a-${id(1)}.qcow2`, `a-${id(2)}.qcow2`, `a-${id(3)}.d`].map((n) => parseLocalBuildFile(n)!);
    const states: Record<string, 'ready' | 'deleting'> = { [id(1)]: 'ready', [id(2)]: 'deleting' };
    expect(localFilesToDelete(files, (_i, b) => states[b] ?? null).map((f) => f.name)).toEqual([`a-${id(2)}.qcow2`, `a-${id(3)}.d`]);
  });
});

describe('formatsToDeleteAfterUpload', () => {
  const b = build({ id: id(1), formats: ['qcow2', 'raw', 'tar'] });
  const providerFormats = [{ provider: 'p1', format: 'qcow2' }, { provider: 'p2', format: 'raw' }];
  it('deletes a format once every provider using it has a ready upload, honouring keep-formats', () => {
    const ups = [upload({ id: '1', build_id: b.id, provider: 'p1' }), upload({ id: '1', build_id: b.id, provider: 'p2', state: 'uploading' })];
    expect(formatsToDeleteAfterUpload({ build: b, uploads: ups, keepFormats: [], providerFormats })).toEqual(['qcow2', 'tar']);
    expect(formatsToDeleteAfterUpload({ build: b, uploads: ups, keepFormats: ['tar'], providerFormats })).toEqual(['qcow2']);
    expect(formatsToDeleteAfterUpload({ build: { ...b, state: 'failed' }, uploads: ups, keepFormats: [], providerFormats })).toEqual([]);
  });
});

describe('logsToPrune', () => {
  it('keeps the N newest logs of exactly this image', () => {
    const files = [
      { name: `deb-${id(1)}.log`, mtimeMs: 1 },
      { name: `deb-${id(2)}.log`, mtimeMs: 2 },
      { name: `deb-${id(3)}.log`, mtimeMs: 3 },
      { name: `deb-bookworm-${id(4)}.log`, mtimeMs: 0 },
      { name: 'deb-notes.log', mtimeMs: 0 },
    ];
    expect(logsToPrune('deb', files, 2)).toEqual([`deb-${id(1)}.log`]);
    expect(logsToPrune('deb', files, 1)).toEqual([`deb-${id(2)}.log`, `deb-${id(1)}.log`]);
    expect(logsToPrune('deb', files, -1)).toEqual([]);
    expect(logsToPrune('deb-bookworm', files, 1)).toEqual([]);
  });
});
