import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNode } from '../../src/model/node.ts';
import { newNode } from '../../src/model/factories.ts';
import { CreateMode } from '../../src/zk/types.ts';
import { fileZk, openStore, type StoreEnv } from './helpers.ts';

const fixture = (name: string) => readFileSync(new URL(`../model/fixtures/${name}`, import.meta.url), 'utf8');

describe('ZkStore nodes (real ZooKeeper)', () => {
  const zk = fileZk('store-nodes');
  let env: StoreEnv;
  beforeAll(async () => {
    env = await openStore(zk);
  });
  afterAll(() => zk.closeAll());

  it('creates /nodepool/nodes/<seq10> from 0000000000 and reads back the reference node field for field', async () => {
    const text = fixture('reference-node.json');
    const { id: _id, version: _v, ...fields } = decodeNode('x', Buffer.from(text));
    const created = await env.store.createNode(fields);
    expect(created.id).toBe('0000000000');
    const read = await env.store.getNode(created.id);
    const expected = JSON.parse(text);
    delete expected.ssh_port;
    // created_time is stamped from state_time on creation, as upstream's storeNode does.
    expected.created_time = expected.state_time;
    const { id, version, extra, ...readFields } = read!;
    expect(id).toBe('0000000000');
    expect(version).toBe(0);
    expect(extra).toEqual({});
    expect(readFields).toEqual(expected);
    // The znode holds upstream's bytes: the doc's example (wrapping undone), created_time aside.
    const { data } = await env.client.getData('/nodepool/nodes/0000000000');
    expect(data.toString('utf8')).toBe(
      text.trimEnd().replace(/\n /g, ' ').replace('"created_time": 1726588800.5', '"created_time": 1726589000.123'),
    );
    // A later write keeps whatever created_time the record has: now the example, byte for byte.
    read!.created_time = 1726588800.5;
    await env.store.storeNode(read!);
    const again = await env.store.getNode(created.id);
    const { id: _i, version: _w, extra: _e, ...againFields } = again!;
    expect(againFields).toEqual({ ...expected, created_time: 1726588800.5 });
    const stored = await env.client.getData('/nodepool/nodes/0000000000');
    expect(stored.data.toString('utf8')).toBe(text.trimEnd().replace(/\n /g, ' '));
  });

  it('stores the bytes upstream wrote for an observed node, key order included', async () => {
    const upstreamBytes = fixture('observed-node-0000000000.upstream-bytes.json');
    const node = decodeNode('x', fixture('observed-node-0000000000.json'));
    const created = await env.store.createNode({ ...node, created_time: null });
    created.created_time = node.created_time;
    await env.store.storeNode(created);
    const { data, stat } = await env.client.getData(`/nodepool/nodes/${created.id}`);
    expect(data.toString('utf8')).toBe(upstreamBytes);
    expect(stat.dataLength).toBe(947);
  });

  it('keeps a key Zuul adds ("id") through read-modify-write', async () => {
    const node = await env.store.createNode(newNode({ state: 'ready', provider: 'p', type: ['small'] }, env.clock.now()));
    const path = `/nodepool/nodes/${node.id}`;
    const zuulView = JSON.parse((await env.client.getData(path)).data.toString('utf8'));
    zuulView.state = 'in-use';
    zuulView.id = node.id;
    zuulView.user_data = { zuul_system: 'sys', project_name: 'x/y' };
    await env.client.setData(path, JSON.stringify(zuulView));

    const read = (await env.store.getNode(node.id))!;
    expect(read.state).toBe('in-use');
    expect(read.extra).toEqual({ id: node.id });
    read.state = 'used';
    await env.store.storeNode(read);
    const stored = JSON.parse((await env.client.getData(path)).data.toString('utf8'));
    expect(stored.id).toBe(node.id);
    expect(stored.state).toBe('used');
    expect(stored.user_data).toEqual({ zuul_system: 'sys', project_name: 'x/y' });
    expect(read.version).toBe(2);
  });

  it('logs one line for an undecodable node and listNodes skips it', async () => {
    const good = await env.store.createNode(newNode({ state: 'ready' }, env.clock.now()));
    const bad = await env.client.create('/nodepool/nodes/', '{"state": "ready", broken', CreateMode.PERSISTENT_SEQUENTIAL);
    const badId = bad.split('/').pop()!;
    const before = env.log.lines.length;
    const nodes = await env.store.listNodes();
    const ids = nodes.map((n) => n.id);
    expect(ids).toContain(good.id);
    expect(ids).not.toContain(badId);
    const logged = env.log.lines.slice(before);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ path: `/nodepool/nodes/${badId}`, msg: expect.stringMatching(/^skipping undecodable record/) });
    expect(String(logged[0].reason)).toMatch(/invalid JSON/);
    expect(await env.store.getNode(badId)).toBeNull();
    await env.store.deleteNodeZnode(badId);
  });

  it('deleteNode writes state deleted, then removes the znode and its lock dir', async () => {
    const node = await env.store.createNode(newNode({ state: 'used' }, env.clock.now()));
    await env.client.mkdirp(`/nodepool/nodes/${node.id}/lock`);
    const seen: string[] = [];
    await env.client.getData(`/nodepool/nodes/${node.id}`, (event) => seen.push(event.type));
    await env.store.deleteNode(node);
    expect(seen).toEqual(['dataChanged']);
    expect(node.state).toBe('deleted');
    expect(await env.client.exists(`/nodepool/nodes/${node.id}`)).toBeNull();
    expect(await env.store.getNode(node.id)).toBeNull();
  });

  it('lists thousands of nodes with pipelined reads', async () => {
    const before = new Set(await env.store.listNodeIds());
    const created = await Promise.all(
      Array.from({ length: 2000 }, (_, i) => env.store.createNode(newNode({ state: 'ready', hostname: `h${i}` }, env.clock.now()))),
    );
    const nodes = await env.store.listNodes();
    const newIds = nodes.map((n) => n.id).filter((id) => !before.has(id));
    expect(newIds.sort()).toEqual(created.map((n) => n.id).sort());
    expect(nodes.map((n) => n.id)).toEqual([...nodes.map((n) => n.id)].sort());
  });
});
