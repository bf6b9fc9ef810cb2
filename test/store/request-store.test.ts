import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRequest } from '../../src/model/factories.ts';
import { compareRequestPriority } from '../../src/model/ids.ts';
import { BadVersionError, NoNodeError } from '../../src/zk/errors.ts';
import { fileZk, openStore, type StoreEnv } from './helpers.ts';

const fixture = (name: string) => readFileSync(new URL(`../model/fixtures/${name}`, import.meta.url), 'utf8');

describe('ZkStore requests (real ZooKeeper)', () => {
  const zk = fileZk('store-requests');
  let env: StoreEnv;
  beforeAll(async () => {
    env = await openStore(zk);
  });
  afterAll(() => zk.closeAll());

  it('submits at /nodepool/requests/<PPP>-<seq10>, ephemeral or persistent', async () => {
    const minReady = await env.store.submitRequest(
      newRequest({ node_types: ['small'], requestor: 'NodePool:min-ready', reuse: false }, env.clock.now()), '900', true,
    );
    expect(minReady.id).toBe('900-0000000000');
    expect(minReady.event_id).toMatch(/^[0-9a-f]{32}$/);
    const zuul = await env.store.submitRequest(newRequest({ node_types: ['small', 'small'] }, env.clock.now()), '200', false);
    expect(zuul.id).toBe('200-0000000001');
    const ephemeral = await env.client.exists('/nodepool/requests/900-0000000000');
    const persistent = await env.client.exists('/nodepool/requests/200-0000000001');
    expect(ephemeral!.ephemeralOwner).toBe(env.client.sessionId);
    expect(persistent!.ephemeralOwner).toBe(0n);
  });

  it('writes upstream bytes and reads what a requestor wrote', async () => {
    const request = await env.store.submitRequest(
      { ...(await import('../../src/model/request.ts')).decodeRequest('x', fixture('observed-request.json')) }, '200', true,
    );
    const { data } = await env.client.getData(`/nodepool/requests/${request.id}`);
    expect(data.toString('utf8')).toBe(fixture('observed-request.upstream-bytes.json'));
    expect((await env.store.getRequest(request.id))).toMatchObject({ requestor: 'zk-dump', requestor_data: { capture: true }, version: 0 });
  });

  it('lists requests in id order and sorts by upstream priority', async () => {
    const requests = await env.store.listRequests();
    expect(requests.map((r) => r.id)).toEqual(['200-0000000001', '200-0000000002', '900-0000000000']);
    expect(await env.store.listRequestIds()).toEqual(requests.map((r) => r.id));
    expect([...requests].sort(compareRequestPriority)[0].id).toBe('200-0000000001');
  });

  it('stores with the read version and refuses a stale one', async () => {
    const mine = (await env.store.getRequest('200-0000000001'))!;
    const theirs = (await env.store.getRequest('200-0000000001'))!;
    mine.state = 'pending';
    await env.store.storeRequest(mine);
    expect(mine.version).toBe(1);
    theirs.relative_priority = 3;
    await expect(env.store.storeRequest(theirs)).rejects.toBeInstanceOf(BadVersionError);
    await expect(env.store.storeRequest({ ...mine, id: '200-0000099999' })).rejects.toBeInstanceOf(NoNodeError);
  });

  it('deleteRequest removes the request and its explanations, leaving the lock dir', async () => {
    const id = '200-0000000002';
    await env.client.mkdirp(`/nodepool/requests-lock/${id}`);
    await env.store.recordExplanation({ request_id: id, pool_id: 'nl01-PoolWorker.cloud-main-abc', provider: 'cloud', pool: 'main', reason: 'declined: images are not available', time: 1 });
    expect(await env.store.listExplanations(id)).toHaveLength(1);
    await env.store.deleteRequest(id);
    expect(await env.store.getRequest(id)).toBeNull();
    expect(await env.store.listExplanations(id)).toEqual([]);
    expect(await env.client.exists(`/nodepool/explanations/${id}`)).toBeNull();
    expect(await env.client.exists(`/nodepool/requests-lock/${id}`)).not.toBeNull();
    await env.store.deleteRequest(id);
  });

  it('lists request lock dirs with their newest mtime and deletes them', async () => {
    const locks = await env.store.listRequestLocks();
    const lock = locks.find((l) => l.id === '200-0000000002')!;
    const stat = await env.client.exists('/nodepool/requests-lock/200-0000000002');
    expect(lock.mtime).toBe(stat!.mtime);
    await env.store.deleteRequestLock('200-0000000002');
    expect((await env.store.listRequestLocks()).map((l) => l.id)).not.toContain('200-0000000002');
  });

  it('records one explanation per pool (overwriting) and prunes those of vanished requests', async () => {
    const id = '200-0000000001';
    const base = { request_id: id, provider: 'cloud', pool: 'main', time: 10 };
    await env.store.recordExplanation({ ...base, pool_id: 'pool/a', reason: 'deferred: max-servers reached' });
    await env.store.recordExplanation({ ...base, pool_id: 'pool/a', reason: 'declined: label not supported' });
    await env.store.recordExplanation({ ...base, pool_id: 'pool-b', reason: 'deferred: quota' });
    const explanations = await env.store.listExplanations(id);
    expect(explanations.map((e) => [e.pool_id, e.reason])).toEqual([
      ['pool-b', 'deferred: quota'],
      ['pool/a', 'declined: label not supported'],
    ]);
    await env.store.recordExplanation({ ...base, request_id: '200-0000000077', pool_id: 'x', reason: 'r' });
    expect(await env.store.pruneExplanations()).toBe(1);
    expect(await env.store.listExplanations('200-0000000077')).toEqual([]);
    expect(await env.store.listExplanations(id)).toHaveLength(2);
  });
});
