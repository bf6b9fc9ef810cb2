// The tree cache's full load in multiRead batches holds exactly what the one-read-per-node walk
// holds, over several batches and levels (real server, both transports).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZooKeeperClient } from '../../src/zk/client.ts';
import { TreeCache } from '../../src/zk/tree-cache.ts';
import type { ZkClient } from '../../src/zk/types.ts';
import { testZk, ZK_TRANSPORTS } from '../harness/zk.ts';

/** The same real client, minus multiRead (as a ZkClient implementation without it would be). */
function withoutMultiRead(client: ZkClient): ZkClient {
  return new Proxy(client, {
    get: (target, key) => (key === 'multiRead' ? undefined : Reflect.get(target, key, target)),
  });
}

function snapshot(cache: TreeCache): [string, string, number, string[]][] {
  return [...cache.paths()].sort().map((p) => {
    const node = cache.get(p)!;
    return [p, node.data.toString(), node.stat.version, cache.children(p)];
  });
}

describe.each(ZK_TRANSPORTS)('tree cache full load over %s', (transport) => {
  const zk = testZk({ transport, name: `cache-load-${transport}` });
  let client: ZooKeeperClient;
  const NODES = 450;
  beforeAll(async () => {
    client = await zk.connect();
    await client.mkdirp('/root/nodes');
    await Promise.all(Array.from({ length: NODES }, (_, i) => client.create(`/root/nodes/n${i}`, `data ${i}`)));
    await Promise.all(Array.from({ length: NODES / 3 }, (_, i) => client.create(`/root/nodes/n${i * 3}/lock`)));
    await Promise.all(Array.from({ length: NODES / 9 }, (_, i) => client.create(`/root/nodes/n${i * 9}/lock/c__lock__000000000${i % 10}`, 'holder')));
    await client.setData('/root/nodes/n7', 'changed');
  });
  afterAll(() => zk.closeAll());

  it('loads every level in batches, the same as single reads', async () => {
    const batched = new TreeCache(client, '/root');
    const single = new TreeCache(withoutMultiRead(client), '/root');
    await Promise.all([batched.ready, single.ready]);
    const got = snapshot(batched);
    // root + nodes dir + nodes + lock dirs + contenders
    expect(got).toHaveLength(2 + NODES + NODES / 3 + NODES / 9);
    expect(got).toEqual(snapshot(single));
    expect(batched.get('/root/nodes/n7')!.data.toString()).toBe('changed');
    expect(batched.get('/root/nodes/n7')!.stat.version).toBe(1);
    expect(batched.children('/root/nodes/n9/lock')).toEqual(['c__lock__0000000001']);
    await Promise.all([batched.close(), single.close()]);
  });
});
