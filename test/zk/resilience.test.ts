// Freezing, restarting and expiring sessions, against a PRIVATE server so other test files
// running in parallel on the shared server are not disturbed.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createZkClient, type ZooKeeperClient } from '../../src/zk/client.ts';
import { acquireLock } from '../../src/zk/lock.ts';
import { TreeCache } from '../../src/zk/tree-cache.ts';
import { CreateMode, type ConnectionState, type WatchEvent } from '../../src/zk/types.ts';
import { waitFor } from '../helpers/wait.ts';
import { startZkServer, testZk, ZK_TRANSPORTS, type TestZk, type ZkServerHandle } from '../harness/zk.ts';

const SESSION_MS = 6000; // read timeout 4 s, pings every 2 s

function processState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

function recordStates(client: ZooKeeperClient): ConnectionState[] {
  const states: ConnectionState[] = [];
  client.on('state', (s) => states.push(s));
  return states;
}

/** Ends a client's session from outside: another connection resumes it and closes it. */
/**
 * Expires the victim's session: another client resumes it and closes it. The victim reconnects
 * as soon as its connection is taken, and when it gets back in before the close arrives the
 * thief's close goes nowhere (the server dropped the thief's connection): then steal it again,
 * until an ephemeral marker of the session is gone on the server.
 */
async function expireSession(zk: TestZk, victim: ZooKeeperClient): Promise<void> {
  const session = victim.sessionId;
  const marker = await victim.create('/expiry-marker-', '', CreateMode.EPHEMERAL_SEQUENTIAL);
  const observer = await zk.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      const thief = createZkClient({
        servers: zk.servers,
        tls: zk.transport === 'tls' ? zk.tls : undefined,
        sessionId: session,
        sessionPassword: victim.sessionPassword,
        sessionTimeoutMs: SESSION_MS,
      });
      await thief.connect();
      expect(thief.sessionId).toBe(session);
      await thief.close();
      const gone = await waitFor(async () => (await observer.exists(marker)) === null, { timeoutMs: 3000, message: 'session closed' })
        .then(() => true, () => false);
      if (gone) return;
      if (attempt === 3) throw new Error(`session ${session} still alive after ${attempt} steal-and-close attempts`);
    }
  } finally {
    await observer.close();
  }
}

let server: ZkServerHandle;
beforeAll(async () => {
  server = await startZkServer();
});
afterAll(async () => {
  await server?.stop();
});

describe.each(ZK_TRANSPORTS)('resilience over %s', (transport) => {
  let zk: TestZk;
  beforeAll(() => {
    zk = testZk({ transport, server, name: `resilience-${transport}` });
  });
  afterAll(() => zk.closeAll());

  it('SIGSTOP: suspended within the read timeout; SIGCONT: same session, watches still fire', async () => {
    // Thawed right after the suspension, the server must answer within the last third of the
    // session timeout, or the client gives the session up (session-deadline.ts): a loaded
    // machine needs the longer session here.
    const FROZEN_SESSION_MS = 2 * SESSION_MS;
    const c = await zk.connect({ sessionTimeoutMs: FROZEN_SESSION_MS });
    const states = recordStates(c);
    const session = c.sessionId;
    await c.create('/frozen', 'a');
    const oneShot: WatchEvent[] = [];
    const recursive: WatchEvent[] = [];
    await c.getData('/frozen', (e) => oneShot.push(e));
    await c.addWatch('/frozen', 'persistentRecursive', (e) => recursive.push(e));
    const lock = (await acquireLock(c, '/frozen-lock'))!;

    const frozenAt = Date.now();
    server.freeze();
    try {
      // Only once the JVM is really stopped is a request certain to stay unanswered.
      await waitFor(() => processState(server.pid) === 'T', { message: 'server stopped' });
      const pending = c.getData('/frozen').catch((e) => e);
      await waitFor(() => c.state === 'suspended', { timeoutMs: 10_000, message: 'suspended' });
      const took = Date.now() - frozenAt;
      // Read timeout is 2/3 of the session (8 s) counted from the last reply, which came just
      // before the freeze; it must not fire early, and must fire before the session could end.
      expect(took).toBeGreaterThanOrEqual(FROZEN_SESSION_MS / 2);
      expect(took).toBeLessThan(FROZEN_SESSION_MS);
      expect((await pending).name).toBe('ConnectionLossError');
    } finally {
      server.thaw();
    }
    await waitFor(() => c.state === 'connected', { timeoutMs: 15_000, message: 'reconnected' });
    expect(c.sessionId).toBe(session);
    expect(states).toEqual(['suspended', 'connected']);
    // A suspension is not a loss: the lock is still ours.
    expect(lock.isHeld()).toBe(true);
    expect(lock.lostSignal.aborted).toBe(false);
    expect((await c.getChildren('/frozen-lock')).children).toEqual([lock.nodePath.slice('/frozen-lock/'.length)]);
    await lock.release();

    const other = await zk.connect();
    await other.setData('/frozen', 'b');
    await other.create('/frozen/kid');
    await waitFor(() => oneShot.length === 1 && recursive.length === 2, { message: 'watch events after thaw' });
    expect(oneShot).toEqual([{ type: 'dataChanged', path: '/frozen' }]);
    expect(recursive).toEqual([{ type: 'dataChanged', path: '/frozen' }, { type: 'created', path: '/frozen/kid' }]);
  });

  it('server restart: reconnects, resumes the session (ephemerals stay), watches fire', async () => {
    // A long session timeout: a JVM restart on a loaded 2-core machine can take 20 s and more,
    // and a client that hears nothing for the session timeout gives the session up.
    const c = await zk.connect({ sessionTimeoutMs: 60_000 });
    const states = recordStates(c);
    const session = c.sessionId;
    await c.create('/restart', 'a');
    await c.create('/restart/eph', 'mine', CreateMode.EPHEMERAL);
    const exists: WatchEvent[] = [];
    await c.exists('/restart/later', (e) => exists.push(e));
    const cache = new TreeCache(c, '/restart');
    await cache.ready;

    await server.restart();
    await waitFor(() => c.state === 'connected' && states.includes('suspended'), { timeoutMs: 30_000, message: 'reconnected after restart' });
    expect(c.sessionId).toBe(session);
    expect((await c.exists('/restart/eph'))?.ephemeralOwner).toBe(session);

    const other = await zk.connect();
    await other.create('/restart/later', 'new');
    await other.setData('/restart', 'b');
    await waitFor(() => exists.length === 1 && cache.get('/restart/later')?.data.toString() === 'new'
      && cache.get('/restart')?.data.toString() === 'b', { message: 'events after restart' });
    expect(exists).toEqual([{ type: 'created', path: '/restart/later' }]);
    await cache.close();
  });

  it('session expiry: lost, ephemerals gone, held locks lost, new session connected', async () => {
    const c = await zk.connect({ sessionTimeoutMs: SESSION_MS });
    const observer = await zk.connect();
    const states = recordStates(c);
    const oldSession = c.sessionId;
    await c.create('/exp', '');
    await c.create('/exp/eph', '', CreateMode.EPHEMERAL);
    const lock = (await acquireLock(c, '/exp-lock'))!;
    const cache = new TreeCache(c, '/exp');
    await cache.ready;
    expect(cache.get('/exp/eph')).toBeDefined();
    const persistentEvents: WatchEvent[] = [];
    await c.create('/exp2', '');
    await c.addWatch('/exp2', 'persistent', (e) => persistentEvents.push(e));
    let lostSeen = false;
    let reregistered: Promise<string> | undefined;
    c.on('lost', () => {
      lostSeen = true;
      // What a daemon does: re-register its ephemeral component node right away.
      reregistered = c.create('/exp/component', 'me', CreateMode.EPHEMERAL);
    });

    await expireSession(zk, c);
    await waitFor(() => lostSeen && c.state === 'connected', { timeoutMs: 20_000, message: 'lost then connected again' });
    expect(states).toContain('lost');
    expect(states.at(-1)).toBe('connected');
    expect(c.sessionId).not.toBe(oldSession);
    expect(await reregistered).toBe('/exp/component');
    expect((await observer.exists('/exp/component'))?.ephemeralOwner).toBe(c.sessionId);
    expect(lock.isHeld()).toBe(false);
    expect(lock.lostSignal.aborted).toBe(true);
    await lock.release(); // idempotent, no error after loss
    expect(await observer.exists('/exp/eph')).toBeNull();
    expect(await observer.getChildren('/exp-lock')).toEqual(expect.objectContaining({ children: [] }));
    // The cache re-read the tree in the new session: the dead ephemeral is gone from it.
    await waitFor(() => cache.get('/exp/eph') === undefined, { message: 'cache dropped the expired ephemeral' });
    // Persistent watches carry over into the new session.
    await observer.create('/exp/after');
    await observer.create('/exp2/after');
    await waitFor(() => persistentEvents.some((e) => e.type === 'childrenChanged'), { message: 'persistent watch in new session' });
    await waitFor(() => cache.get('/exp/after') !== undefined, { message: 'cache follows in new session' });
    // And the client is usable: a new lock can be taken.
    const again = (await acquireLock(c, '/exp-lock', { blocking: false }))!;
    expect(again.isHeld()).toBe(true);
    await again.release();
    await cache.close();
  });
});
