// The kazoo-compatible lock recipe against the real server, over plain TCP and TLS.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZooKeeperClient } from '../../src/zk/client.ts';
import { BadVersionError, ConnectionLossError, ErrorCode } from '../../src/zk/errors.ts';
import { acquireLock, lockContenders, sortContenders } from '../../src/zk/lock.ts';
import { CreateMode, type ZkClient } from '../../src/zk/types.ts';
import { waitFor } from '../helpers/wait.ts';
import { testZk, ZK_TRANSPORTS } from '../harness/zk.ts';

describe('sortContenders', () => {
  it('orders by the sequence after __lock__ and ignores other names', () => {
    expect(sortContenders(['bbb__lock__0000000003', 'lease', 'aaa__lock__0000000010', 'ccc__lock__0000000001', 'x__rlock__0000000000']))
      .toEqual(['ccc__lock__0000000001', 'bbb__lock__0000000003', 'aaa__lock__0000000010']);
  });
});

describe.each(ZK_TRANSPORTS)('kazoo lock over %s', (transport) => {
  const zk = testZk({ transport, name: `lock-${transport}` });
  let a: ZooKeeperClient;
  let b: ZooKeeperClient;
  beforeAll(async () => {
    [a, b] = await Promise.all([zk.connect(), zk.connect()]);
  });
  afterAll(() => zk.closeAll());

  it('creates the kazoo node name with our identifier and releases idempotently', async () => {
    const lock = (await acquireLock(a, '/l1/lock', { identifier: 'launcher-1' }))!;
    expect(lock.nodePath).toMatch(/^\/l1\/lock\/[0-9a-f]{32}__lock__\d{10}$/);
    expect(lock.isHeld()).toBe(true);
    const contenders = await lockContenders(b, '/l1/lock');
    expect(contenders).toEqual([expect.objectContaining({ path: lock.nodePath, identifier: 'launcher-1' })]);
    expect(await acquireLock(b, '/l1/lock', { blocking: false })).toBeNull();
    expect((await b.getChildren('/l1/lock')).children).toHaveLength(1); // the loser cleaned up
    await lock.release();
    await lock.release();
    expect(lock.isHeld()).toBe(false);
    expect(lock.lostSignal.aborted).toBe(false);
    expect(await lockContenders(b, '/l1/lock')).toEqual([]);
  });

  it('blocking acquire waits for the holder, times out, and honours abort', async () => {
    const held = (await acquireLock(a, '/l2'))!;
    expect(await acquireLock(b, '/l2', { timeoutMs: 200 })).toBeNull();
    const controller = new AbortController();
    const aborted = acquireLock(b, '/l2', { signal: controller.signal });
    controller.abort(new Error('shutting down'));
    await expect(aborted).rejects.toThrow('shutting down');
    const waiting = acquireLock(b, '/l2');
    await waitFor(async () => (await lockContenders(a, '/l2')).length === 2, { message: 'waiter queued' });
    await held.release();
    const got = (await waiting)!;
    expect(got.isHeld()).toBe(true);
    expect((await lockContenders(a, '/l2')).map((c) => c.path)).toEqual([got.nodePath]);
    await got.release();
  });

  it('interoperates with a kazoo contender created by hand', async () => {
    await a.mkdirp('/l3');
    const kazooNode = await a.create(`/l3/${randomUUID().replaceAll('-', '')}__lock__`, 'zuul', CreateMode.EPHEMERAL_SEQUENTIAL);
    expect(await acquireLock(b, '/l3', { blocking: false })).toBeNull();
    const ours = acquireLock(b, '/l3');
    // A kazoo client would now see our contender behind its own and itself as holder.
    const names = await waitFor(async () => {
      const sorted = sortContenders((await a.getChildren('/l3')).children);
      return sorted.length === 2 ? sorted : null;
    }, { message: 'our contender queued' });
    expect(`/l3/${names[0]}`).toBe(kazooNode);
    await a.delete(kazooNode);
    const got = (await ours)!;
    // Now a hand-made kazoo contender sorts after ours: it would have to wait.
    const later = await a.create(`/l3/${randomUUID().replaceAll('-', '')}__lock__`, '', CreateMode.EPHEMERAL_SEQUENTIAL);
    const order = sortContenders((await a.getChildren('/l3')).children).map((n) => `/l3/${n}`);
    expect(order).toEqual([got.nodePath, later]);
    await got.release();
    await a.delete(later);
  });

  it('finds its own node when the create reply was lost', async () => {
    let failedOnce = false;
    // The real create runs; only its reply is turned into a connection loss once.
    const lossy = new Proxy(a, {
      get(target, prop, receiver) {
        if (prop === 'create') {
          return async (...args: Parameters<ZkClient['create']>) => {
            const made = await target.create(...args);
            if (!failedOnce) {
              failedOnce = true;
              throw new ConnectionLossError(ErrorCode.CONNECTION_LOSS, 'reply lost', args[0]);
            }
            return made;
          };
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }) as ZkClient;
    await a.mkdirp('/l4');
    const lock = (await acquireLock(lossy, '/l4'))!;
    expect(failedOnce).toBe(true);
    expect((await a.getChildren('/l4')).children).toEqual([lock.nodePath.slice(4)]);
    await lock.release();
  });

  it('leaves no contender behind when it gives up before finding a create whose reply was lost', async () => {
    // The create lands, its reply is lost and the connection stays down (as the client reports
    // it) until the acquire times out: the contender it never saw must not outlive the attempt,
    // or it would block the lock for as long as the session lives.
    let down = false;
    const lossy = new Proxy(a, {
      get(target, prop, receiver) {
        if (prop === 'state') return down ? 'suspended' : target.state;
        if (prop === 'create') {
          return async (...args: Parameters<ZkClient['create']>) => {
            await target.create(...args);
            down = true;
            throw new ConnectionLossError(ErrorCode.CONNECTION_LOSS, 'reply lost', args[0]);
          };
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }) as ZkClient;
    await a.mkdirp('/l9/lock');
    expect(await acquireLock(lossy, '/l9/lock', { timeoutMs: 300 })).toBeNull();
    await waitFor(async () => (await a.getChildren('/l9/lock')).children.length === 0, { timeoutMs: 5_000, message: 'the unseen contender removed' });
    // And the lock is free for someone else.
    const lock = await acquireLock(b, '/l9/lock', { blocking: false });
    expect(lock?.isHeld()).toBe(true);
    await lock!.release();
  });

  it('creates a missing lock dir with the contender in one request, and holds it at once', async () => {
    await a.mkdirp('/l7');
    const calls: string[] = [];
    const counting = new Proxy(a, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => { calls.push(String(prop)); return v.apply(target, args); };
      },
    }) as ZkClient;
    const lock = (await acquireLock(counting, '/l7/rec/lock', { dirLikelyMissing: true, blocking: false }))!;
    expect(lock).not.toBeNull();
    expect(lock.nodePath).toMatch(/^\/l7\/rec\/lock\/[0-9a-f]{32}__lock__0000000000$/);
    // The parent (/l7/rec) was missing: the multi failed, mkdirp made it, the multi ran again.
    expect(calls.filter((c) => c !== 'exists' && c !== 'on' && c !== 'off')).toEqual(['multi', 'mkdirp', 'multi']);
    expect(await acquireLock(b, '/l7/rec/lock', { blocking: false })).toBeNull();
    calls.length = 0;
    await lock.release();
    const again = (await acquireLock(counting, '/l7/rec/lock', { dirLikelyMissing: true, blocking: false }))!;
    // The dir exists now: the multi fails with NodeExists and the plain contender create follows.
    expect(calls.filter((c) => c !== 'exists' && c !== 'on' && c !== 'off')).toEqual(['delete', 'multi', 'create', 'getChildren']);
    await again.release();
  });

  it('with parentMustExist resolves null and creates nothing when the parent is gone', async () => {
    expect(await acquireLock(a, '/l6/rec/lock', { parentMustExist: true })).toBeNull();
    expect(await a.exists('/l6')).toBeNull();
    await a.mkdirp('/l6/rec');
    const lock = (await acquireLock(a, '/l6/rec/lock', { parentMustExist: true }))!;
    expect(lock.isHeld()).toBe(true);
    expect((await b.getChildren('/l6/rec/lock')).children).toHaveLength(1);
    await lock.release();
  });

  it('never has two holders in 1,000 contended acquire/release cycles', async () => {
    await a.create('/counter', '0');
    let holders = 0;
    let maxHolders = 0;
    const worker = async (client: ZooKeeperClient, cycles: number): Promise<void> => {
      for (let i = 0; i < cycles; i++) {
        const lock = (await acquireLock(client, '/l5'))!;
        holders++;
        maxHolders = Math.max(maxHolders, holders);
        // Versioned read-modify-write: a second holder would make one of them fail.
        const { data, stat } = await client.getData('/counter');
        await client.setData('/counter', String(Number(data) + 1), stat.version);
        holders--;
        await lock.release();
      }
    };
    await Promise.all([worker(a, 500), worker(b, 500)]);
    expect(maxHolders).toBe(1);
    expect((await a.getData('/counter')).data.toString()).toBe('1000');
    expect((await a.getChildren('/l5')).children).toEqual([]);
  });

  it('a versioned write by a non-holder would be caught (the check can fail)', async () => {
    await a.create('/counter2', '0');
    const { stat } = await a.getData('/counter2');
    await b.setData('/counter2', '1', stat.version);
    await expect(a.setData('/counter2', '1', stat.version)).rejects.toBeInstanceOf(BadVersionError);
  });
});
