import { describe, expect, it } from 'vitest';
import { decideBuild, newestReadyBuild, type BuildFacts } from '../../src/builder/build-decision.ts';
import { imageTypesFor } from '../../src/builder/image-types.ts';
import { build, diskimage, provider, providerDiskimage } from './config-fixtures.ts';

const NOW = 1_800_000_000_000;
const nowS = NOW / 1000;

function facts(over: Partial<BuildFacts> = {}): BuildFacts {
  return {
    diskimage: diskimage({ name: 'img', rebuildAge: 86400 }),
    imageTypes: ['qcow2'],
    zkPaused: false,
    buildRequested: false,
    newestReady: { id: 'a'.repeat(32), state_time: nowS - 60, formats: ['qcow2'] },
    nowMs: NOW,
    ...over,
  };
}

describe('decideBuild', () => {
  const cases: [string, Partial<BuildFacts>, ReturnType<typeof decideBuild>][] = [
    ['fresh ready build: nothing to do', {}, { action: 'skip', why: 'up-to-date' }],
    ['no ready build', { newestReady: null }, { action: 'build', reason: 'no-ready-build', manual: false }],
    ['rebuild-age reached exactly', { newestReady: { id: 'x', state_time: nowS - 86400, formats: ['qcow2'] } },
      { action: 'build', reason: 'rebuild-age', manual: false }],
    ['one second before rebuild-age', { newestReady: { id: 'x', state_time: nowS - 86399, formats: ['qcow2'] } },
      { action: 'skip', why: 'up-to-date' }],
    ['a provider now needs raw too', { imageTypes: ['qcow2', 'raw'] },
      { action: 'build', reason: 'missing-formats', manual: false }],
    ['ready build has more formats than needed', { imageTypes: ['raw'], newestReady: { id: 'x', state_time: nowS, formats: ['qcow2', 'raw'] } },
      { action: 'skip', why: 'up-to-date' }],
    ['manual request beats a fresh build', { buildRequested: true }, { action: 'build', reason: 'manual-request', manual: true }],
    ['config pause', { diskimage: diskimage({ name: 'img', pause: true }), newestReady: null }, { action: 'skip', why: 'paused' }],
    ['ZooKeeper pause', { zkPaused: true, newestReady: null }, { action: 'skip', why: 'paused' }],
    ['pause beats a manual request', { zkPaused: true, buildRequested: true }, { action: 'skip', why: 'paused' }],
    ['no provider uses it and no formats', { imageTypes: [], newestReady: null }, { action: 'skip', why: 'no-formats' }],
    ['no formats beats a manual request', { imageTypes: [], buildRequested: true }, { action: 'skip', why: 'no-formats' }],
    ['abstract diskimages are never built', { diskimage: diskimage({ name: 'img', abstract: true }), newestReady: null },
      { action: 'skip', why: 'abstract' }],
  ];
  it.each(cases)('%s', (_name, over, expected) => {
    expect(decideBuild(facts(over))).toEqual(expected);
  });
});

describe('newestReadyBuild', () => {
  it('picks the newest READY by state_time and ignores other states', () => {
    const builds = [
      build({ id: '1', state: 'ready', state_time: 10 }),
      build({ id: '2', state: 'building', state_time: 30 }),
      build({ id: '3', state: 'ready', state_time: 20 }),
      build({ id: '4', state: 'failed', state_time: 40 }),
    ];
    expect(newestReadyBuild(builds)?.id).toBe('3');
    expect(newestReadyBuild([build({ id: '5', state: 'failed' })])).toBeNull();
  });
});

describe('imageTypesFor', () => {
  it('unions the formats of the providers listing the image with its own formats, de-duplicated', () => {
    const providers = [
      provider({ name: 'a', diskimages: [providerDiskimage('img')] }),
      provider({ name: 'b', diskimages: [providerDiskimage('other')] }),
      provider({ name: 'c', diskimages: [providerDiskimage('img')] }),
      provider({ name: 'd', diskimages: [providerDiskimage('img')] }),
    ];
    const formats = new Map([['a', 'qcow2'], ['b', 'vhd'], ['c', 'raw'], ['d', 'qcow2']]);
    expect(imageTypesFor(diskimage({ name: 'img', formats: ['tar', 'raw'] }), providers, formats)).toEqual(['qcow2', 'raw', 'tar']);
    expect(imageTypesFor(diskimage({ name: 'unused' }), providers, formats)).toEqual([]);
  });
});
