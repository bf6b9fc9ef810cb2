// The delete worker unallocates a READY node whose request vanished. A request that is there but
// cannot be read (a foreign or newer writer's) has not vanished: its node stays allocated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodepoolConfig } from '../../src/config/model.ts';
import { DeleteWorker } from '../../src/launcher/delete-worker.ts';
import type { LauncherShared } from '../../src/launcher/launcher-shared.ts';
import { newNode } from '../../src/model/factories.ts';
import type { Node, NodeRequest } from '../../src/model/types.ts';
import type { RecordCache } from '../../src/store/types.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { systemClock } from '../../src/util/clock.ts';
import { silentLogger } from '../../src/util/logger.ts';
import type { ZooKeeperClient } from '../../src/zk/client.ts';
import { CreateMode } from '../../src/zk/types.ts';
import { testZk, type TestZk } from '../harness/zk.ts';
import { waitFor } from '../helpers/wait.ts';
import { provider } from './config-fixtures.ts';

describe('delete worker and an unreadable request', () => {
  let zk: TestZk;
  let client: ZooKeeperClient;
  let store: ZkStore;
  let nodeCache: RecordCache<Node>;
  let requestCache: RecordCache<NodeRequest>;

  beforeAll(async () => {
    zk = testZk({ name: 'unreadable-request-not-gone' });
    client = await zk.connect();
    store = new ZkStore(client, { logger: silentLogger(), clock: systemClock });
    await store.init();
    nodeCache = store.nodeCache();
    requestCache = store.requestCache();
    await Promise.all([nodeCache.ready, requestCache.ready]);
  });

  afterAll(async () => {
    await nodeCache?.close();
    await requestCache?.close();
    await zk?.closeAll();
  });

  function worker(): DeleteWorker {
    const config = { providers: [provider({ name: 'cloud1' })] } as unknown as NodepoolConfig;
    const shared = {
      deps: { store, getConfig: () => config, drivers: new Map(), clock: systemClock, logger: silentLogger(), hostname: 'test' },
      nodeCache, requestCache, stopSignal: new AbortController().signal,
      zkUsable: () => true, poolIdentities: () => [],
    } as unknown as LauncherShared;
    return new DeleteWorker(shared);
  }

  async function readyNodeFor(requestId: string): Promise<Node> {
    const node = await store.createNode(newNode({ state: 'ready', provider: 'cloud1', pool: 'main', type: ['small'], allocated_to: requestId, external_id: 'server-1' }, Date.now()));
    await waitFor(() => nodeCache.get(node.id), { message: `node ${node.id} cached` });
    return node;
  }

  it('keeps the allocation to a request whose znode exists but does not decode', async () => {
    const id = '200-0000000001';
    await client.create(`/nodepool/requests/${id}`, Buffer.from('{"state": {"toString": 1}}'), CreateMode.PERSISTENT);
    const kept = await readyNodeFor(id);
    // The control: a node allocated to a request that really is gone loses its allocation in the same sweep.
    const freed = await readyNodeFor('200-0000000099');
    const w = worker();
    await w.sweep();
    await w.stop();
    expect((await store.getNode(freed.id))?.allocated_to).toBeNull();
    expect((await store.getNode(kept.id))?.allocated_to).toBe(id);
  });
});
