// Every command's error path, run as a real process against a real ZooKeeper: one line on
// stderr, exit status 1, and nothing changed in ZooKeeper.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { cliHarness, type CliHarness } from './cli-harness.ts';
import { makeNode, makeBuild, makeUpload } from '../web/status-fixtures.ts';
import { runEntry } from '../helpers/spawn.ts';

let h: CliHarness;
let snapshot: () => Promise<string>;

beforeAll(async () => {
  h = await cliHarness('cli-errors');
  const { id: _n, ...node } = makeNode({ id: 'x', provider: 'cloud-a', type: ['small'], state: 'ready', state_time: 1 });
  await h.store.createNode(node);
  const { id: _g, ...gone } = makeNode({ id: 'x', provider: 'cloud-gone', type: ['small'], external_id: 'srv-gone', state: 'ready', state_time: 1 });
  await h.store.createNode(gone);
  const { id: _s, ...withServer } = makeNode({ id: 'x', provider: 'cloud-a', type: ['small'], external_id: 'srv-a', state: 'ready', state_time: 1 });
  await h.store.createNode(withServer);
  await h.store.createBuild(makeBuild({ id: 'b1', image: 'ubuntu-jammy', state: 'building', state_time: 1 }));
  await h.store.createBuild(makeBuild({ id: 'b2', image: 'ubuntu-jammy', state: 'ready', state_time: 2 }));
  const { id: _u, ...upload } = makeUpload({ id: 'x', image: 'ubuntu-jammy', build_id: 'b2', provider: 'cloud-a', state: 'uploading', state_time: 3 });
  await h.store.createUpload(upload);
  // Everything a command could change, to compare before and after.
  snapshot = async () => JSON.stringify({
    nodes: await h.store.listNodes(),
    builds: await h.store.listBuilds('ubuntu-jammy'),
    uploads: await h.store.listUploads('ubuntu-jammy', 'b2'),
    images: await h.store.listImageNames(),
    paused: await h.store.isImagePaused('ubuntu-jammy'),
    buildRequest: await h.store.hasBuildRequest('ubuntu-jammy'),
    requests: await h.store.listRequests(),
  });
});
afterAll(() => h?.close());

async function expectFailure(args: string[], message: RegExp, input?: string) {
  const before = await snapshot();
  const r = await h.spawn(args, input);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(await snapshot()).toBe(before);
  return r;
}

describe('argument errors', () => {
  it('no command prints help and fails', async () => {
    const r = await runEntry('cli/main.ts', []);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Usage: nodepool');
  });
  it('unknown command', () => expectFailure(['lsit'], /unknown command 'lsit'/));
  it('missing argument', () => expectFailure(['hold'], /missing required argument 'id'/));
  it('image-delete without its required options', () => expectFailure(['image-delete', '--provider', 'cloud-a'], /required option '--image <name>' not specified/));
  it('--version prints the version', async () => {
    const r = await h.spawn(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('environment errors', () => {
  it('a missing config file', async () => {
    const r = await runEntry('cli/main.ts', ['-c', `${h.dir}/nope.yaml`, 'list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nope\.yaml: .*cannot read the file: ENOENT/);
  });
  it('an unreachable ZooKeeper', async () => {
    const cfg = `${h.dir}/unreachable.yaml`;
    writeFileSync(cfg, 'zookeeper-servers:\n  - host: 127.0.0.1\n    port: 1\nzookeeper-timeout: 2\nlabels: []\nproviders: []\n');
    const r = await runEntry('cli/main.ts', ['-c', cfg, 'list']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^nodepool: cannot connect to ZooKeeper at 127\.0\.0\.1:1/);
  });
  it('config-validate on a broken file', async () => {
    const cfg = `${h.dir}/broken.yaml`;
    writeFileSync(cfg, 'labels:\n  - name: x\n    min-ready: -5\n    bogus: 1\n');
    const r = await runEntry('cli/main.ts', ['-c', cfg, 'config-validate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('broken.yaml');
  });
});

describe('command errors change nothing', () => {
  it('list over a bad node filter is not a thing, but request ids are checked', () => expectFailure(['why', 'abc'], /invalid request id "abc"/));
  it('why: unknown request', () => expectFailure(['why', '200-0000009999'], /request 200-0000009999 not found/));
  it('hold: bad id', () => expectFailure(['hold', 'abc'], /invalid node id "abc"/));
  it('hold: unknown id', () => expectFailure(['hold', '0000000999'], /node 0000000999 not found/));
  it('delete: unknown id', () => expectFailure(['delete', '999'], /node 0000000999 not found/));
  it('delete --now: unknown id', () => expectFailure(['delete', '--now', '0000000999'], /node 0000000999 not found/));
  it('delete --now: the node\'s provider is not configured', () =>
    expectFailure(['delete', '--now', '0000000001'], /provider cloud-gone of node 0000000001 is not defined/));
  it('delete --now: the cloud is not in clouds.yaml', async () => {
    const before = await snapshot();
    const r = await h.spawn(['delete', '--now', '0000000002'], undefined, { HOME: h.dir, OS_CLIENT_CONFIG_FILE: `${h.dir}/no-clouds.yaml` });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^nodepool: cloud lab of provider cloud-a is not in clouds\.yaml$/);
    expect(await snapshot()).toBe(before);
  });
  it('image-build: not a diskimage', () => expectFailure(['image-build', 'centos'], /centos is not a diskimage/));
  it('image-build: paused in the config', () => expectFailure(['image-build', 'paused-image'], /diskimage paused-image is paused/));
  it('image-upload: unknown provider', () => expectFailure(['image-upload', 'cloud-z', 'ubuntu-jammy'], /provider cloud-z is not defined/));
  it('image-upload: image not on the provider', () => expectFailure(['image-upload', 'cloud-a', 'paused-image'], /provider cloud-a has no diskimage paused-image/));
  it('image-delete: unknown upload', () =>
    expectFailure(['image-delete', '--provider', 'cloud-a', '--image', 'ubuntu-jammy', '--build-id', 'b2', '--upload-id', '0000000077'], /image upload .* not found/));
  it('image-delete: still uploading', () =>
    expectFailure(['image-delete', '--provider', 'cloud-a', '--image', 'ubuntu-jammy', '--build-id', 'b2', '--upload-id', '0000000001'], /still uploading; refusing/));
  it('dib-image-delete: malformed id', () => expectFailure(['dib-image-delete', 'nodash'], /invalid build id "nodash"/));
  it('dib-image-delete: unknown build', () => expectFailure(['dib-image-delete', 'ubuntu-jammy-zzz'], /build ubuntu-jammy-zzz not found/));
  it('dib-image-delete: build in progress', () => expectFailure(['dib-image-delete', 'ubuntu-jammy-b1'], /in progress; refusing/));
  it('image-pause: unknown image', () => expectFailure(['image-pause', 'nope'], /unknown image nope/));
  it('image-unpause: unknown image', () => expectFailure(['image-unpause', 'nope'], /unknown image nope/));
  it('alien-image-list: unknown provider', () => expectFailure(['alien-image-list', 'cloud-z'], /provider cloud-z is not defined/));
  it('info: invalid provider name', () => expectFailure(['info', 'a/b'], /invalid provider "a\/b"/));
  it('erase: invalid provider name', () => expectFailure(['erase', 'a/b', '--force'], /invalid provider "a\/b"/));
  it('export-image-data: unwritable path', () => expectFailure(['export-image-data', '/nonexistent-dir/x.json'], /cannot write \/nonexistent-dir\/x\.json: ENOENT/));
  it('import-image-data: missing file', () => expectFailure(['import-image-data', `/nonexistent-dir/x.json`], /cannot read .*: ENOENT/));
  it('import-image-data: not JSON', () => {
    writeFileSync(`${h.dir}/bad.json`, '{nope');
    return expectFailure(['import-image-data', `${h.dir}/bad.json`], /bad\.json is not JSON/);
  });
  it('import-image-data: not image paths', () => {
    writeFileSync(`${h.dir}/odd.json`, '{"/nodepool/nodes/0000000001": "{}"}');
    return expectFailure(['import-image-data', `${h.dir}/odd.json`], /is not an image data path/);
  });
  it('erase without confirmation erases nothing', async () => {
    const before = await snapshot();
    const r = await h.spawn(['erase', 'cloud-a'], 'n\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Erase ZooKeeper data for provider cloud-a? [N/y] ');
    expect(r.stdout).toContain('Aborting. No data erased.');
    expect(await snapshot()).toBe(before);
  });
});
