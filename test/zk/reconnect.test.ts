// What a reconnect must keep and what it must give up, on the shared server with the client
// behind a relay that can stall, cut and re-point its connections: a lock's own-node watch whose
// request died with the connection, a session given up on the client side before the server
// expires it (fencing), a member behind the session's zxid refused, and a tree cache that
// re-reads only what changed while it was disconnected.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/zk/lock.ts';
import { TreeCache } from '../../src/zk/tree-cache.ts';
import type { ZooKeeperClient } from '../../src/zk/client.ts';
import type { ConnectionState, ReadOp, WatchListener } from '../../src/zk/types.ts';
import { startZkServer, testZk } from '../harness/zk.ts';
import { startStallProxy, type StallProxy } from '../helpers/stall-proxy.ts';
import { waitFor } from '../helpers/wait.ts';

const zk = testZk({ name: 'reconnect' });
afterAll(() => zk.closeAll());

let proxies: StallProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  proxies = [];
});
async function relay(): Promise<StallProxy> {
  const p = await startStallProxy(zk.servers[0]);
  proxies.push(p);
  return p;
}

/** The same client, with some methods replaced (a JS Proxy: the client's own fields stay on it). */
function intercept(client: ZooKeeperClient, overrides: Partial<Record<keyof ZooKeeperClient, unknown>>): ZooKeeperClient {
  return new Proxy(client, {
    get(target, key) {
      if (key in overrides) return overrides[key as keyof ZooKeeperClient];
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function statesOf(client: ZooKeeperClient): ConnectionState[] {
  const seen: ConnectionState[] = [];
  client.on('state', (s) => seen.push(s));
  return seen;
}

describe('reconnect semantics', () => {
  it("a lock's own-node watch whose request died with the connection is set again: a forced unlock is noticed", async () => {
    const proxy = await relay();
    const holder = await zk.connect({ servers: [proxy] });
    const admin = await zk.connect();
    let cut = false;
    // The holder's watch on its own node goes out right after the lock is taken: cut the
    // connection under that request, as a member dying at that moment would.
    const cutting = intercept(holder, {
      exists: (path: string, watch?: WatchListener) => {
        if (cut || !path.includes('__lock__')) return holder.exists(path, watch);
        cut = true;
        proxy.stall();
        const reply = holder.exists(path, watch);
        setImmediate(() => { proxy.dropConnections(); proxy.resume(); });
        return reply;
      },
    });
    const sessionId = holder.sessionId;
    const lock = await acquireLock(cutting, '/own-node-lock');
    expect(lock).not.toBeNull();
    await waitFor(() => cut && holder.state === 'connected', { message: 'holder reconnected after the cut' });
    expect(holder.sessionId).toBe(sessionId);
    expect(lock!.isHeld()).toBe(true);

    await admin.delete(lock!.nodePath); // nodepool's force-unlock
    await waitFor(() => !lock!.isHeld(), { timeoutMs: 5000, message: 'holder noticed its lock node deleted' });
    expect(lock!.lostSignal.aborted).toBe(true);
  });

  it('a partitioned client gives its session and lock up before another client can take the lock (fencing)', async () => {
    const proxy = await relay();
    const a = await zk.connect({ servers: [proxy], sessionTimeoutMs: 2000 });
    const b = await zk.connect({ sessionTimeoutMs: 2000 });
    await a.create('/fence', 'nobody');
    const aStates = statesOf(a);
    const oldSession = a.sessionId;
    const lockA = (await acquireLock(a, '/fenced-lock'))!;
    let aLostAt = 0;
    lockA.lostSignal.addEventListener('abort', () => { aLostAt = Date.now(); });
    // A writes the fenced node for as long as it believes it holds the lock.
    const aWrites: bigint[] = [];
    const aWriter = (async () => {
      while (lockA.isHeld()) {
        try {
          aWrites.push((await a.setData('/fence', 'a')).mzxid);
        } catch {
          // partitioned: the write failed; the loop asks the lock again
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await waitFor(() => aWrites.length >= 3, { message: 'A writing under its lock' });

    proxy.stall(); // A hears nothing from here on; B and the server carry on
    const lockB = await acquireLock(b, '/fenced-lock', { timeoutMs: 20_000 });
    const bAcquiredAt = Date.now();
    expect(lockB).not.toBeNull();
    const bWrite = await b.setData('/fence', 'b');
    expect(aLostAt, 'A still believed it held the lock when B got it').toBeGreaterThan(0);
    expect(aLostAt).toBeLessThanOrEqual(bAcquiredAt);
    expect(aStates).toContain('lost');

    proxy.resume(); // the partition heals: A must come back on a NEW session, not write again
    await waitFor(() => a.state === 'connected', { message: 'A reconnected' });
    await aWriter;
    expect(a.sessionId).not.toBe(oldSession);
    expect(aWrites.every((z) => z < bWrite.mzxid)).toBe(true);
    expect((await b.getData('/fence')).data.toString()).toBe('b');
    expect(lockB!.isHeld()).toBe(true);
    await lockB!.release();
  });

  it('a member behind the zxid the session has seen is refused; the session resumes on a current one', async () => {
    const fresh = await startZkServer();
    try {
      const proxy = await relay();
      const c = await zk.connect({ servers: [proxy], sessionTimeoutMs: 20_000 });
      for (let i = 0; i < 5; i++) await c.create(`/behind-${i}`, 'x');
      const states = statesOf(c);
      const sessionId = c.sessionId;
      proxy.retarget({ host: fresh.host, port: fresh.plainPort });
      const before = proxy.accepted;
      proxy.dropConnections();
      await waitFor(() => proxy.accepted >= before + 3, { message: 'three connection attempts on the stale member' });
      await waitFor(() => readFileSync(`${fresh.dir}/server.log`, 'utf8').includes('has seen zxid'),
        { message: 'the stale member logged its refusal' });
      expect(c.state).toBe('suspended');
      expect(states).not.toContain('lost');
      expect(states).not.toContain('connected');

      proxy.retarget(zk.servers[0]);
      proxy.dropConnections();
      await waitFor(() => c.state === 'connected', { message: 'resumed on the current member' });
      expect(c.sessionId).toBe(sessionId);
      expect((await c.getChildren('/')).children).toContain('behind-4');
    } finally {
      await fresh.stop();
    }
  });

  it('a tree cache re-reads only what changed while it was disconnected', async () => {
    const proxy = await relay();
    const admin = await zk.connect();
    const c = await zk.connect({ servers: [proxy] });
    await admin.mkdirp('/tc');
    const N = 200;
    for (let i = 0; i < N; i += 50) {
      await admin.multi(Array.from({ length: 50 }, (_, k) => [
        { op: 'create' as const, path: `/tc/n${i + k}`, data: `v${i + k}` },
        { op: 'create' as const, path: `/tc/n${i + k}/lock` },
      ]).flat());
    }
    let readOps = 0;
    const counting = intercept(c, {
      getData: (p: string) => { readOps++; return c.getData(p); },
      getChildren: (p: string) => { readOps++; return c.getChildren(p); },
      multiRead: (ops: readonly ReadOp[]) => { readOps += ops.length; return c.multiRead(ops); },
    });
    const cache = new TreeCache(counting, '/tc', { dataDepth: 1 });
    await cache.ready;
    expect(cache.children('/tc')).toHaveLength(N);

    proxy.stall(); // changes below are made while the cache hears nothing
    await admin.setData('/tc/n1', 'changed');
    await admin.deleteRecursive('/tc/n2');
    await admin.create('/tc/new', 'fresh');
    await admin.create('/tc/new/lock');
    await admin.create('/tc/n3/lock/contender');
    readOps = 0;
    proxy.dropConnections();
    proxy.resume();

    await waitFor(() => cache.get('/tc/n1')?.data.toString() === 'changed' && !cache.get('/tc/n2') &&
      cache.get('/tc/new')?.data.toString() === 'fresh' && cache.children('/tc/new').includes('lock') &&
      cache.children('/tc/n3/lock').includes('contender'), { message: 'cache caught up' });
    // The whole cache equals the server's tree.
    const expected = new Set<string>(['/tc']);
    for (const name of (await admin.getChildren('/tc')).children) {
      expected.add(`/tc/${name}`).add(`/tc/${name}/lock`);
      for (const k of (await admin.getChildren(`/tc/${name}/lock`)).children) expected.add(`/tc/${name}/lock/${k}`);
    }
    expect(new Set(cache.paths())).toEqual(expected);
    // A full re-read would be ~2 ops per node (800 here); the catch-up reads the changes only.
    expect(readOps).toBeLessThanOrEqual(15);
    await cache.close();
  });
});
