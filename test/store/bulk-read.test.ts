// Bulk listings (multiRead batches) give exactly what one getNode + nodeIsLocked per node gives,
// across batch boundaries, with empty, undecodable and lock-dir-only nodes; and the same again
// through a client without multiRead (pipelined single reads).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newNode } from '../../src/model/factories.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { BULK_READ_BATCH_OPS } from '../../src/store/bulk-read.ts';
import { CreateMode, type ZkClient } from '../../src/zk/types.ts';
import type { LockHandle } from '../../src/zk/types.ts';
import type { UnreadableRecord } from '../../src/store/unreadable-records.ts';
import { fileZk, openStore, type StoreEnv } from './helpers.ts';

/** The same real client, minus multiRead (as a ZkClient implementation without it would be). */
function withoutMultiRead(client: ZkClient): ZkClient {
  return new Proxy(client, {
    get: (target, key) => (key === 'multiRead' ? undefined : Reflect.get(target, key, target)),
  });
}

describe('bulk node listings (real ZooKeeper)', () => {
  const zk = fileZk('store-bulk-read');
  let env: StoreEnv;
  const held: LockHandle[] = [];
  let emptyId = '';
  let badId = '';
  // More nodes than one multiRead batch holds (two ops per node), so batches and their order matter.
  const COUNT = Math.ceil((BULK_READ_BATCH_OPS / 2) * 2.5);

  beforeAll(async () => {
    env = await openStore(zk);
    const nodes = await Promise.all(Array.from({ length: COUNT }, (_, i) =>
      env.store.createNode(newNode({ state: i % 3 === 0 ? 'in-use' : 'ready', hostname: `h${i}` }, env.clock.now()))));
    for (const node of nodes.filter((_, i) => i % 7 === 0)) held.push((await env.store.lockNode(node.id))!);
    // A released lock leaves its lock dir behind, empty: unlocked.
    const released = await env.store.lockNode(nodes[1].id);
    await released!.release();
    emptyId = (await env.client.create('/nodepool/nodes/', undefined, CreateMode.PERSISTENT_SEQUENTIAL)).split('/').pop()!;
    badId = (await env.client.create('/nodepool/nodes/', '{"state": "nonsense"}', CreateMode.PERSISTENT_SEQUENTIAL)).split('/').pop()!;
  });
  afterAll(async () => {
    await Promise.all(held.map((h) => h.release()));
    await zk.closeAll();
  });

  /** What one read per node says, the reference for the bulk listing. */
  async function oneByOne(store: ZkStore): Promise<[string, string, number | undefined, boolean][]> {
    const out: [string, string, number | undefined, boolean][] = [];
    for (const id of await store.listNodeIds()) {
      const node = await store.getNode(id);
      if (node) out.push([node.id, node.state, node.version, await store.nodeIsLocked(id)]);
    }
    return out;
  }

  it.each([
    ['multiRead batches', (c: ZkClient) => c],
    ['pipelined single reads', withoutMultiRead],
  ])('listNodesWithLockState through %s equals a read per node', async (_name, wrap) => {
    const store = new ZkStore(wrap(env.client), { logger: env.log.logger, clock: env.clock });
    const before = env.log.lines.length;
    const expected = await oneByOne(store);
    expect(expected).toHaveLength(COUNT);
    expect(expected.filter((r) => r[3])).toHaveLength(held.length);
    const unreadable: { record: UnreadableRecord; locked: boolean }[] = [];
    const rows = await store.listNodesWithLockState(unreadable);
    expect(rows.map((r) => [r.node.id, r.node.state, r.node.version, r.locked])).toEqual(expected);
    // The undecodable node is left out of the rows and handed back on the side list, its unknown
    // state verbatim; it is logged once per store however often it is read; the empty one silently.
    expect(unreadable.map((u) => [u.record.path, u.record.state, u.locked])).toEqual([[`/nodepool/nodes/${badId}`, 'nonsense', false]]);
    const logged = env.log.lines.slice(before);
    expect(logged.map((l) => l.path)).toEqual([`/nodepool/nodes/${badId}`]);
    expect(rows.some((r) => r.node.id === emptyId || r.node.id === badId)).toBe(false);
    expect(store.unreadableRecords().map((r) => r.path)).toEqual([`/nodepool/nodes/${badId}`]);
    expect((await store.listNodes()).map((n) => [n.id, n.state, n.version])).toEqual(expected.map((r) => r.slice(0, 3)));
  });

  it('leaves out a node deleted between the id listing and its read, without failing', async () => {
    const gone = await env.store.createNode(newNode({ state: 'ready' }, env.clock.now()));
    const client = env.client;
    // Delete the node right after the store has listed the ids (its getChildren reply).
    const racing: ZkClient = new Proxy(client, {
      get: (target, key) => {
        if (key !== 'getChildren') return Reflect.get(target, key, target);
        return async (path: string) => {
          const result = await target.getChildren(path);
          if (path === '/nodepool/nodes') await target.delete(`/nodepool/nodes/${gone.id}`);
          return result;
        };
      },
    });
    const rows = await new ZkStore(racing).listNodesWithLockState();
    expect(rows).toHaveLength(COUNT);
    expect(rows.some((r) => r.node.id === gone.id)).toBe(false);
  });
});
