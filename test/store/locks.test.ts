import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newImageBuild, newImageUpload, newNode, newRequest } from '../../src/model/factories.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { CreateMode } from '../../src/zk/types.ts';
import { fileZk, openStore, type StoreEnv } from './helpers.ts';
import { waitFor } from '../helpers/wait.ts';

const CONTENDER = /^[0-9a-f]{32}__lock__\d{10}$/;

describe('ZkStore locks (kazoo recipe, real ZooKeeper)', () => {
  const zk = fileZk('store-locks');
  let env: StoreEnv;
  let other: ZkStore;
  beforeAll(async () => {
    env = await openStore(zk);
    other = new ZkStore(await zk.connect());
  });
  afterAll(() => zk.closeAll());

  it('node lock: one holder, contender at <id>/lock, non-blocking second attempt gets null', async () => {
    const node = await env.store.createNode(newNode({ state: 'ready' }, env.clock.now()));
    const lock = await env.store.lockNode(node.id, { blocking: false });
    expect(lock).not.toBeNull();
    expect(lock!.lockDir).toBe(`/nodepool/nodes/${node.id}/lock`);
    const { children } = await env.client.getChildren(`/nodepool/nodes/${node.id}/lock`);
    expect(children).toHaveLength(1);
    expect(children[0]).toMatch(CONTENDER);
    expect(await other.nodeIsLocked(node.id)).toBe(true);
    expect(await other.lockNode(node.id, { blocking: false })).toBeNull();
    expect((await env.client.getChildren(`/nodepool/nodes/${node.id}/lock`)).children).toHaveLength(1);
    await lock!.release();
    expect(await other.nodeIsLocked(node.id)).toBe(false);
    expect(await other.nodesLocked([node.id])).toEqual(new Map([[node.id, false]]));
    const second = await other.lockNode(node.id, { blocking: false });
    expect(second).not.toBeNull();
    await second!.release();
  });

  it('respects a contender another kazoo client (Zuul) created, and never resurrects a deleted node', async () => {
    const node = await env.store.createNode(newNode({ state: 'ready' }, env.clock.now()));
    const zuulClient = await zk.connect();
    await zuulClient.mkdirp(`/nodepool/nodes/${node.id}/lock`);
    const zuulNode = await zuulClient.create(`/nodepool/nodes/${node.id}/lock/0123456789abcdef0123456789abcdef__lock__`, '', CreateMode.EPHEMERAL_SEQUENTIAL);
    expect(await env.store.lockNode(node.id, { blocking: false })).toBeNull();
    expect(await env.store.lockNode(node.id, { blocking: true, timeoutMs: 200 })).toBeNull();
    await zuulClient.delete(zuulNode);

    await env.store.deleteNode(node);
    expect(await env.store.lockNode(node.id, { blocking: false })).toBeNull();
    expect(await env.client.exists(`/nodepool/nodes/${node.id}`)).toBeNull();
  });

  it('deleteNode with the held lock removes record, lock dir and contender; a waiting contender goes with the whole tree in one multi', async () => {
    const node = await env.store.createNode(newNode({ state: 'used' }, env.clock.now()));
    const lock = (await env.store.lockNode(node.id, { blocking: false, dirLikelyMissing: true }))!;
    expect(lock).not.toBeNull();
    await env.store.deleteNode(node, lock);
    expect(await env.client.exists(`/nodepool/nodes/${node.id}`)).toBeNull();
    await waitFor(() => !lock.isHeld(), { message: 'lock noticed its contender is gone' });

    const busy = await env.store.createNode(newNode({ state: 'used' }, env.clock.now()));
    const held = (await env.store.lockNode(busy.id, { blocking: false }))!;
    const waiting = other.lockNode(busy.id, { blocking: true, timeoutMs: 5000 });
    await waitFor(async () => (await env.client.getChildren(`/nodepool/nodes/${busy.id}/lock`)).children.length === 2, { message: 'second contender' });
    await env.store.deleteNode(busy, held);
    expect(await env.client.exists(`/nodepool/nodes/${busy.id}`)).toBeNull();
    // The waiter's node went with the tree; it must not get a lock on a deleted record.
    expect(await waiting).toBeNull();
    expect(await env.client.exists(`/nodepool/nodes/${busy.id}`)).toBeNull();
  });

  it('forceUnlockNode removes the holder so the waiter gets the lock', async () => {
    const node = await env.store.createNode(newNode({ state: 'hold' }, env.clock.now()));
    const stuck = await other.lockNode(node.id);
    const waiting = env.store.lockNode(node.id, { timeoutMs: 10_000 });
    await expect.poll(async () => (await env.client.getChildren(`/nodepool/nodes/${node.id}/lock`)).children.length).toBe(2);
    await env.store.forceUnlockNode(node.id);
    const mine = await waiting;
    expect(mine).not.toBeNull();
    await expect.poll(() => stuck!.isHeld()).toBe(false);
    await mine!.release();
  });

  it('request lock lives at /nodepool/requests-lock/<id> and outlives the request', async () => {
    const request = await env.store.submitRequest(newRequest({ node_types: ['small'] }, env.clock.now()), '100', true);
    const lock = await env.store.lockRequest(request.id, { blocking: false });
    expect(lock!.lockDir).toBe(`/nodepool/requests-lock/${request.id}`);
    expect(await other.lockRequest(request.id, { blocking: false })).toBeNull();
    const contender = await env.client.exists(lock!.nodePath);
    const listed = (await env.store.listRequestLocks()).find((l) => l.id === request.id)!;
    expect(listed.mtime).toBe(contender!.ctime);
    await env.store.deleteRequest(request.id);
    expect(lock!.isHeld()).toBe(true);
    await lock!.release();
    expect(await env.client.exists(`/nodepool/requests-lock/${request.id}`)).not.toBeNull();
  });

  it('image locks: builds lock, build lock (not below a missing build), upload locks', async () => {
    const buildsLock = await env.store.lockImageBuilds('img', { blocking: false });
    expect(buildsLock!.lockDir).toBe('/nodepool/images/img/builds/lock');
    expect(await other.lockImageBuilds('img', { blocking: false })).toBeNull();
    expect(await other.getBuildRequest('img')).toBeNull();
    await env.store.requestImageBuild('img');
    expect((await other.getBuildRequest('img'))!.state).toBe('building');

    const build = await env.store.createBuild(newImageBuild({ image: 'img' }, env.clock.now()));
    expect(await env.store.lockBuild('img', 'missing', { blocking: false })).toBeNull();
    expect(await env.client.exists('/nodepool/images/img/builds/missing')).toBeNull();
    const buildLock = await env.store.lockBuild('img', build.id, { blocking: false });
    expect(buildLock!.lockDir).toBe(`/nodepool/images/img/builds/${build.id}/lock`);

    const uploadsLock = await env.store.lockUploads('img', build.id, 'cloud', { blocking: false });
    expect(uploadsLock!.lockDir).toBe(`/nodepool/images/img/builds/${build.id}/providers/cloud/images/lock`);
    const upload = await env.store.createUpload(newImageUpload({ image: 'img', build_id: build.id, provider: 'cloud' }, env.clock.now()));
    expect(upload.id).toBe('0000000001');
    const uploadLock = await env.store.lockUpload(upload, { blocking: false });
    expect(uploadLock!.lockDir).toBe(`/nodepool/images/img/builds/${build.id}/providers/cloud/images/0000000001/lock`);
    expect(await other.lockUpload(upload, { blocking: false })).toBeNull();
    // Listing uploads ignores the lock dir.
    expect((await env.store.listUploads('img', build.id)).map((u) => u.id)).toEqual(['0000000001']);
    for (const held of [uploadLock, uploadsLock, buildLock, buildsLock]) await held!.release();
  });
});

describe('listNodesWithLockState', () => {
  const zk = fileZk('store-lock-listing');
  afterAll(() => zk.closeAll());

  it('reports each node with whether its lock has a contender', async () => {
    const env = await openStore(zk);
    const a = await env.store.createNode(newNode({ state: 'ready' }, env.clock.now()));
    const b = await env.store.createNode(newNode({ state: 'in-use' }, env.clock.now()));
    const lock = await env.store.lockNode(b.id);
    const rows = await env.store.listNodesWithLockState();
    expect(rows.map((r) => [r.node.id, r.node.state, r.locked])).toEqual([[a.id, 'ready', false], [b.id, 'in-use', true]]);
    await lock!.release();
  });
});

describe('lockMinReady', () => {
  const zk = fileZk('store-min-ready-lock');
  afterAll(() => zk.closeAll());

  it('lets one launcher at a time decide min-ready', async () => {
    const a = await openStore(zk);
    const b = new ZkStore(await zk.connect());
    const held = await a.store.lockMinReady({ blocking: false });
    expect(held!.lockDir).toBe('/nodepool/elections/min-ready');
    expect(await b.lockMinReady({ blocking: false })).toBeNull();
    await held!.release();
    const next = await b.lockMinReady({ blocking: false });
    expect(next).not.toBeNull();
    await next!.release();
  });
});
