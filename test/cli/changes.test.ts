// Commands that change ZooKeeper, run in-process against a real server.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { cliHarness, type CliHarness } from './cli-harness.ts';
import { makeNode, makeBuild, makeUpload } from '../web/status-fixtures.ts';
import type { Node } from '../../src/model/types.ts';

let h: CliHarness;

async function newNode(fields: Partial<Node> = {}): Promise<Node> {
  const { id: _i, ...n } = makeNode({ id: 'x', provider: 'cloud-a', type: ['small'], state: 'ready', state_time: Date.now() / 1000, ...fields });
  return h.store.createNode(n);
}

beforeAll(async () => {
  h = await cliHarness('cli-changes');
});
afterAll(() => h?.close());

describe('node commands', () => {
  it('hold sets the state under the lock and prints the row', async () => {
    const node = await newNode();
    const r = await h.run(['hold', String(Number(node.id))]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`\\| ${node.id} \\| cloud-a .*\\| hold  .*\\| unlocked \\|`));
    expect((await h.store.getNode(node.id))!.state).toBe('hold');
    expect(await h.store.nodeIsLocked(node.id)).toBe(false);
  });

  it('delete marks the node deleting for the launcher', async () => {
    const node = await newNode();
    const r = await h.run(['delete', node.id]);
    expect(r.code).toBe(0);
    expect((await h.store.getNode(node.id))!.state).toBe('deleting');
  });

  it('delete --now of a node without a server removes its record', async () => {
    const node = await newNode({ external_id: null });
    const r = await h.run(['delete', '--now', node.id]);
    expect(r.code, r.stderr).toBe(0);
    expect(await h.store.getNode(node.id)).toBeNull();
  });

  it('hold and delete refuse a node someone else holds, after 5 s, changing nothing', async () => {
    const node = await newNode();
    const lock = await h.store.lockNode(node.id, { blocking: false });
    expect(lock).not.toBeNull();
    try {
      const started = Date.now();
      const r = await h.spawn(['hold', node.id]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(`nodepool: node ${node.id} is locked by another process (waited 5 s); nothing changed`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(5000);
      const d = await h.spawn(['delete', node.id]);
      expect(d.code).toBe(1);
      expect(d.stderr).toContain('is locked by another process');
      expect((await h.store.getNode(node.id))!.state).toBe('ready');
    } finally {
      await lock!.release();
    }
  });
});

describe('image commands', () => {
  it('image-delete marks a ready upload deleting; dib-image-delete a ready build', async () => {
    const build = await h.store.createBuild(makeBuild({ id: 'b1', image: 'ubuntu-jammy', state: 'ready', state_time: 1 }));
    const { id: _u, ...u } = makeUpload({ id: 'x', image: 'ubuntu-jammy', build_id: build.id, provider: 'cloud-a', state: 'ready', state_time: 1 });
    const upload = await h.store.createUpload(u);
    const r = await h.run(['image-delete', '--provider', 'cloud-a', '--image', 'ubuntu-jammy', '--build-id', 'b1', '--upload-id', upload.id]);
    expect(r.code, r.stderr).toBe(0);
    expect((await h.store.getUpload('ubuntu-jammy', 'b1', 'cloud-a', upload.id))!.state).toBe('deleting');
    expect((await h.run(['dib-image-delete', 'ubuntu-jammy-b1'])).code).toBe(0);
    expect((await h.store.getBuild('ubuntu-jammy', 'b1'))!.state).toBe('deleting');
  });

  it('image-build and image-upload create the requests the builder watches', async () => {
    expect((await h.run(['image-build', 'ubuntu-jammy'])).code).toBe(0);
    expect(await h.store.hasBuildRequest('ubuntu-jammy')).toBe(true);
    const noReady = await h.run(['image-upload', 'cloud-a', 'ubuntu-jammy']);
    expect(noReady.code).toBe(1);
    expect(noReady.stderr).toContain('has no ready build');
    await h.store.createBuild(makeBuild({ id: 'b2', image: 'ubuntu-jammy', state: 'ready', state_time: 2 }));
    expect((await h.run(['image-upload', 'cloud-a', 'ubuntu-jammy'])).code).toBe(0);
    expect(await h.store.listUploadRequests('ubuntu-jammy')).toEqual(['cloud-a']);
  });

  it('export-image-data then import-image-data restores into an empty tree', async () => {
    await h.run(['image-pause', 'ubuntu-jammy']);
    const file = `${h.dir}/images.json`;
    expect((await h.run(['export-image-data', file])).code).toBe(0);
    const other = await cliHarness('cli-import');
    try {
      const r = await other.run(['import-image-data', file]);
      expect(r.code, r.stderr).toBe(0);
      expect(await other.store.isImagePaused('ubuntu-jammy')).toBe(true);
      expect((await other.store.listBuilds('ubuntu-jammy')).map((b) => b.id).sort()).toEqual(['b1', 'b2']);
    } finally {
      await other.close();
    }
  });

  it('erase --force removes the provider\'s uploads and nodes, and nothing of others', async () => {
    const mine = await newNode({ provider: 'cloud-x' });
    const theirs = await newNode({ provider: 'cloud-a' });
    await h.store.createBuild(makeBuild({ id: 'b3', image: 'ubuntu-jammy', state: 'ready', state_time: 3 }));
    const { id: _u, ...u } = makeUpload({ id: 'x', image: 'ubuntu-jammy', build_id: 'b3', provider: 'cloud-x', state: 'ready', state_time: 1 });
    await h.store.createUpload(u);
    const info = await h.run(['info', 'cloud-x']);
    expect(info.stdout).toContain('| ubuntu-jammy | b3       | 0000000001 |');
    const r = await h.run(['erase', 'cloud-x'], ['y']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Erasing build data for cloud-x...\nErasing node data for cloud-x...\n');
    expect(await h.store.getNode(mine.id)).toBeNull();
    expect(await h.store.getNode(theirs.id)).not.toBeNull();
    expect(await h.store.listUploads('ubuntu-jammy', 'b3', 'cloud-x')).toEqual([]);
  });
});
