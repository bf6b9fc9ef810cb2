import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newNode, newRequest } from '../../src/model/factories.ts';
import type { Node, NodeRequest } from '../../src/model/types.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { CreateMode } from '../../src/zk/types.ts';
import { waitFor } from '../helpers/wait.ts';
import { fileZk, openStore, type StoreEnv } from './helpers.ts';

describe('node and request caches (real ZooKeeper)', () => {
  const zk = fileZk('store-caches');
  let env: StoreEnv;
  beforeAll(async () => {
    env = await openStore(zk);
  });
  afterAll(() => zk.closeAll());

  it('node cache loads, follows creates, updates, locks and deletes', async () => {
    const existing = await env.store.createNode(newNode({ state: 'ready', type: ['small'] }, env.clock.now()));
    const cache = env.store.nodeCache();
    const events: [string, string | undefined][] = [];
    cache.on('changed', (id, node) => events.push([id, node?.state]));
    await cache.ready;
    expect(cache.get(existing.id)).toMatchObject({ state: 'ready', type: ['small'], version: 0 });

    const added = await env.store.createNode(newNode({ state: 'building' }, env.clock.now()));
    await waitFor(() => cache.get(added.id)?.state === 'building', { message: 'created node in cache' });
    added.state = 'ready';
    await env.store.storeNode(added);
    await waitFor(() => cache.get(added.id)?.version === 1, { message: 'updated node in cache' });
    expect(cache.get(added.id)!.state).toBe('ready');

    expect(cache.isLocked(added.id)).toBe(false);
    const lock = await env.store.lockNode(added.id);
    await waitFor(() => cache.isLocked(added.id), { message: 'lock seen' });
    // A lock contender appearing is not a change of the node record.
    expect(events.filter(([id]) => id.includes('/'))).toEqual([]);
    await lock!.release();
    await waitFor(() => !cache.isLocked(added.id), { message: 'unlock seen' });

    await env.store.deleteNode(added);
    await waitFor(() => cache.get(added.id) === undefined, { message: 'deleted node gone' });
    expect(events).toContainEqual([added.id, undefined]);
    expect(cache.values().map((n: Node) => n.id)).toEqual([existing.id]);
    await cache.close();
  });

  it('node cache skips an undecodable node with a log line and recovers when it is fixed', async () => {
    const cache = env.store.nodeCache();
    await cache.ready;
    const path = await env.client.create('/nodepool/nodes/', 'garbage', CreateMode.PERSISTENT_SEQUENTIAL);
    const id = path.split('/').pop()!;
    await waitFor(() => env.log.lines.some((l) => l.path === path), { message: 'decode failure logged' });
    expect(cache.get(id)).toBeUndefined();
    await env.client.setData(path, '{"state": "ready"}');
    await waitFor(() => cache.get(id)?.state === 'ready', { message: 'fixed node cached' });
    await env.store.deleteNodeZnode(id);
    await cache.close();
  });

  it('request cache follows submissions, state changes and ephemeral requests vanishing', async () => {
    const cache = env.store.requestCache();
    await cache.ready;
    const requestorClient = await zk.connect();
    const requestor = new ZkStore(requestorClient);
    const request = await requestor.submitRequest(newRequest({ node_types: ['small'] }, env.clock.now()), '200', true);
    await waitFor(() => cache.get(request.id), { message: 'request cached' });
    const mine = (await env.store.getRequest(request.id))!;
    mine.state = 'pending';
    await env.store.storeRequest(mine);
    await waitFor(() => cache.get(request.id)?.state === 'pending', { message: 'pending seen' });
    await requestorClient.close();
    await waitFor(() => cache.get(request.id) === undefined, { message: 'ephemeral request gone with its session' });
    expect(cache.values().map((r: NodeRequest) => r.id)).not.toContain(request.id);
    await cache.close();
  });
});
