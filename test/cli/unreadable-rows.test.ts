// Records the CLI cannot read are rows marked `unreadable` in every listing (never a failed
// listing), an operator can delete them by id, and ZooKeeper strings cannot drive the terminal.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { CreateMode } from '../../src/zk/types.ts';
import { cliHarness, type CliHarness } from './cli-harness.ts';
import { makeNode, makeBuild, makeUpload } from '../web/status-fixtures.ts';

let h: CliHarness;
const now = () => Date.now() / 1000;
let goodNode = '';
let badNode = '';
let badRequest = '';
const BUILD = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const BAD_BUILD = '0f0e0d0c0b0a09080706050403020100';

function rows(text: string): string[][] {
  return text.split('\n').filter((l) => l.startsWith('| ')).slice(1).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
}

beforeAll(async () => {
  h = await cliHarness('cli-unreadable');
  const c = h.store.client;
  const { id: _a, ...n0 } = makeNode({ id: 'x', provider: 'cloud-a', type: ['small'], external_id: 'srv-0', state: 'ready', state_time: now() - 5,
    comment: 'evil \x1b]2;owned\x07\x1b[31mred' });
  goodNode = (await h.store.createNode(n0)).id;
  badNode = (await c.create('/nodepool/nodes/', '{"state": {"toString": 1}}', CreateMode.PERSISTENT_SEQUENTIAL)).split('/').pop()!;
  badRequest = (await c.create('/nodepool/requests/100-', '{"state": "some-future-state"}', CreateMode.PERSISTENT_SEQUENTIAL)).split('/').pop()!;
  await h.store.createBuild({ ...makeBuild({ id: BUILD, image: 'ubuntu-jammy', builder: 'nb01', formats: ['qcow2'], state_time: now() - 100 }) });
  await h.store.createUpload({ ...makeUpload({ id: '', image: 'ubuntu-jammy', build_id: BUILD, provider: 'cloud-a', external_id: 'img-1', state_time: now() - 50 }) } as never);
  // An upload in a state a newer version may add, beside the ready one.
  await c.create(`/nodepool/images/ubuntu-jammy/builds/${BUILD}/providers/cloud-a/images/`, '{"state": "verifying", "external_id": "img-2"}', CreateMode.PERSISTENT_SEQUENTIAL);
  await c.mkdirp(`/nodepool/images/ubuntu-jammy/builds`);
  await c.create(`/nodepool/images/ubuntu-jammy/builds/${BAD_BUILD}`, '{"state": "ready", "formats": "qcow2,d/../../x"}');
});
afterAll(() => h?.close());

describe('unreadable records in the CLI', () => {
  it('list shows the unreadable node as a row, escaped strings, and exits 0', async () => {
    const r = await h.run(['list']);
    expect(r.code).toBe(0);
    const table = rows(r.stdout);
    expect(table.map((row) => [row[0], row[6]])).toEqual([[goodNode, 'ready'], [badNode, 'unreadable']]);
    const json = JSON.parse((await h.run(['list', '--json'])).stdout);
    expect(json.find((n: { id: string }) => n.id === badNode).unreadable).toMatch(/field "state"/);
    const detail = await h.run(['list', '--detail']);
    expect(detail.stdout).not.toContain('\x1b');
    expect(detail.stdout).toContain('evil \\x1b]2;owned\\x07\\x1b[31mred');
  });

  it('request-list, image-list and dib-image-list mark their unreadable rows', async () => {
    const reqs = rows((await h.run(['request-list'])).stdout);
    expect(reqs.find((row) => row[0] === badRequest)?.[2]).toBe('unreadable');
    const images = rows((await h.run(['image-list'])).stdout);
    expect(images.map((row) => [row[1], row[6]])).toEqual([['0000000001', 'ready'], ['0000000002', 'unreadable']]);
    const dib = rows((await h.run(['dib-image-list'])).stdout);
    expect(dib.map((row) => [row[0], row[4]]).sort()).toEqual([
      [`ubuntu-jammy-${BAD_BUILD}`, 'unreadable'], [`ubuntu-jammy-${BUILD}`, 'ready'],
    ]);
  });

  it('delete and dib-image-delete remove an unreadable record on request', async () => {
    const del = await h.run(['delete', badNode]);
    expect(del.code).toBe(0);
    expect(del.stdout).toContain(`Removed unreadable node record ${badNode}`);
    expect(await h.store.client.exists(`/nodepool/nodes/${badNode}`)).toBeNull();
    expect(await h.store.client.exists(`/nodepool/nodes/${goodNode}`)).not.toBeNull();
    const dib = await h.run(['dib-image-delete', `ubuntu-jammy-${BAD_BUILD}`]);
    expect(dib.code).toBe(0);
    expect(await h.store.client.exists(`/nodepool/images/ubuntu-jammy/builds/${BAD_BUILD}`)).toBeNull();
    const missing = await h.run(['delete', '0000009999']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('not found');
  });
});
