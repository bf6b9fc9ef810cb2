// The listing commands against records written through the store on a real ZooKeeper. The CLI
// runs on a ManualClock, so the ages it prints are exact whatever the machine's load.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { ManualClock } from '../../src/util/clock.ts';
import { cliHarness, type CliHarness } from './cli-harness.ts';
import { makeNode, makeRequest, makeBuild, makeUpload } from '../web/status-fixtures.ts';

let h: CliHarness;
const clock = new ManualClock(Date.now());
const now = () => clock.now() / 1000;

beforeAll(async () => {
  h = await cliHarness('cli-listings', { clock });
  const { id: _a, ...n0 } = makeNode({ id: 'x', provider: 'cloud-a', type: ['small'], external_id: 'srv-0', public_ipv4: '203.0.113.10', state: 'ready', state_time: now() - 125 });
  const { id: _b, ...n1 } = makeNode({ id: 'x', provider: 'cloud-a', type: ['small'], external_id: 'srv-1', public_ipv4: '203.0.113.11', state: 'in-use', state_time: now() - 3725 });
  await h.store.createNode(n0);
  await h.store.createNode(n1);
  const { id: _c, ...r } = makeRequest({ id: 'x', node_types: ['small'], requestor: 'zuul01', state: 'requested', event_id: 'ev1' });
  await h.store.submitRequest(r, '200', false);
  const build = await h.store.createBuild({ ...makeBuild({ id: 'f0d7b5a2c0e64c1bb2a5e6e0f0a1b2c3', image: 'ubuntu-jammy', builder: 'nb01', formats: ['qcow2'], state_time: now() - 100 }) });
  await h.store.createUpload({ ...makeUpload({ id: '', image: 'ubuntu-jammy', build_id: build.id, provider: 'cloud-a', external_id: 'img-1', external_name: 'ubuntu-jammy-1', state_time: now() - 50 }) } as never);
});
afterAll(() => h?.close());

function rows(text: string): string[][] {
  return text.split('\n').filter((l) => l.startsWith('| ')).slice(1).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
}

describe('nodepool listings', () => {
  it('list shows nodes in id order with ages and lock state', async () => {
    const r = await h.run(['list']);
    expect(r.code).toBe(0);
    const table = rows(r.stdout);
    expect(table.map((row) => row[0])).toEqual(['0000000000', '0000000001']);
    expect(table[0]).toEqual(['0000000000', 'cloud-a', 'small', 'srv-0', '203.0.113.10', '', 'ready', '00:00:02:05', 'unlocked']);
    expect(table[1][6]).toBe('in-use');
    expect(r.stdout.split('\n')[0]).toMatch(/^\+-+\+/);
  });

  it('list --detail has 21 columns; --json has the web app shape', async () => {
    const detail = await h.run(['list', '--detail']);
    expect(rows(detail.stdout)[0]).toHaveLength(21);
    const json = JSON.parse((await h.run(['list', '--json'])).stdout);
    expect(Object.keys(json[0])).toEqual([
      'id', 'provider', 'label', 'server_id', 'public_ipv4', 'ipv6', 'state', 'age', 'locked', 'pool', 'hostname',
      'private_ipv4', 'AZ', 'username', 'connection_port', 'launcher', 'allocated_to', 'hold_job', 'comment', 'user_data', 'driver_data',
    ]);
    expect(json[0].label).toEqual(['small']);
    expect(Number.isInteger(json[0].age)).toBe(true);
  });

  it('image-list, dib-image-list, request-list and image-status print their tables', async () => {
    const images = rows((await h.run(['image-list'])).stdout);
    expect(images).toEqual([['f0d7b5a2c0e64c1bb2a5e6e0f0a1b2c3', '0000000001', 'cloud-a', 'ubuntu-jammy', 'ubuntu-jammy-1', 'img-1', 'ready', '00:00:00:50']]);
    const dib = rows((await h.run(['dib-image-list'])).stdout);
    expect(dib[0].slice(0, 5)).toEqual(['ubuntu-jammy-f0d7b5a2c0e64c1bb2a5e6e0f0a1b2c3', 'ubuntu-jammy', 'nb01', 'qcow2', 'ready']);
    const reqs = rows((await h.run(['request-list'])).stdout);
    expect(reqs[0]).toEqual([expect.stringMatching(/^200-\d{10}$/), '0', 'requested', 'zuul01', 'small', '', '', 'ev1']);
    await h.run(['image-build', 'ubuntu-jammy']);
    // The request's age comes from its znode's ctime (ZooKeeper's clock): read it, then pin ours 7 s on.
    const { stat } = await h.zk.connectRoot().then((root) => root.getData(`${h.zk.chroot}/nodepool/images/ubuntu-jammy/request-build`));
    await clock.advance(stat.ctime + 7000 - clock.now());
    const status = rows((await h.run(['image-status'])).stdout);
    expect(status[0]).toEqual(['ubuntu-jammy', 'False', 'pending', '00:00:00:07']);
    await h.run(['image-pause', 'ubuntu-jammy']);
    expect(rows((await h.run(['dib-image-list'])).stdout)[0][4]).toBe('paused');
    await h.run(['image-unpause', 'ubuntu-jammy']);
    expect(rows((await h.run(['dib-image-list'])).stdout)[0][4]).toBe('ready');
  });

  it('request-list --explain and why say what blocks a request', async () => {
    const [req] = await h.store.listRequests();
    await h.store.recordExplanation({ request_id: req.id, pool_id: 'nl01-PoolWorker.cloud-a-main-1', provider: 'cloud-a', pool: 'main', reason: 'declined: image not uploaded (images are not available)', time: now() - 3 });
    const explained = await h.run(['request-list', '--explain']);
    expect(explained.stdout).toContain(`Request ${req.id} (small; requestor zuul01; priority 200, relative 0) is requested`);
    expect(explained.stdout).toContain('no launcher pool is registered in ZooKeeper');
    expect(explained.stdout).toContain('declined: image not uploaded');
    const why = await h.run(['why', req.id]);
    expect(why.code).toBe(0);
    expect(why.stdout).toContain('pool cloud-a/main (nl01-PoolWorker.cloud-a-main-1)');
  });

  it('info prints the provider\'s records; export writes a 0600 file', async () => {
    const info = await h.run(['info', 'cloud-a']);
    expect(info.stdout).toContain('ZooKeeper data for provider cloud-a\n');
    expect(info.stdout).toContain('| ubuntu-jammy | f0d7b5a2c0e64c1bb2a5e6e0f0a1b2c3 | 0000000001 |');
    expect(info.stdout).toContain('| 0000000000 | srv-0     |');
    const file = `${h.dir}/export.json`;
    expect((await h.run(['export-image-data', file])).code).toBe(0);
    const { statSync, readFileSync } = await import('node:fs');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const data = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(data).some((k) => k.endsWith('/builds/f0d7b5a2c0e64c1bb2a5e6e0f0a1b2c3'))).toBe(true);
  });
});
