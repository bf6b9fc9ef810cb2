// The client against a real three-member ensemble (TLS to clients and between members): it
// follows the ensemble through a leader SIGKILL and a stalled (SIGSTOP) member without losing
// its session, watches or locks, and is never served by a member that lost the quorum.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/zk/lock.ts';
import { CreateMode } from '../../src/zk/types.ts';
import type { ConnectionState } from '../../src/zk/types.ts';
import type { ZooKeeperClient } from '../../src/zk/client.ts';
import { startZkEnsemble, testZk, type TestZk, type ZkEnsemble } from '../harness/zk.ts';
import { waitFor } from '../helpers/wait.ts';

let ensemble: ZkEnsemble;
let zk: TestZk;
beforeAll(async () => {
  ensemble = await startZkEnsemble({ quorumTls: true, readOnlyMode: true });
  zk = testZk({ ensemble, transport: 'tls', name: 'ensemble' });
}, 180_000);
afterAll(async () => {
  await zk?.closeAll();
  await ensemble?.stop();
});

function memberOf(client: ZooKeeperClient) {
  const at = client.currentServer;
  return ensemble.members.find((m) => `${m.host}:${m.securePort}` === at);
}

function statesOf(client: ZooKeeperClient): ConnectionState[] {
  const seen: ConnectionState[] = [];
  client.on('state', (s) => seen.push(s));
  return seen;
}

describe('client on a three-member TLS ensemble', () => {
  it('leader SIGKILL: the session moves to a serving member with its ephemerals, watches and lock watch', async () => {
    const client = await zk.connect({ sessionTimeoutMs: 10_000 });
    const admin = await zk.connect({ sessionTimeoutMs: 10_000 });
    const sessionId = client.sessionId;
    await client.create('/eph', 'mine', CreateMode.EPHEMERAL);
    await client.create('/watched', 'v0');
    const lock = (await acquireLock(client, '/leader-kill-lock'))!;
    let changed = false;
    await client.getData('/watched', () => { changed = true; });
    const states = statesOf(client);

    const leader = await ensemble.leader();
    await leader.kill();
    try {
      await waitFor(() => states.includes('suspended') && client.state === 'connected', { timeoutMs: 20_000, message: 'client back after the leader kill' });
      expect(client.sessionId).toBe(sessionId);
      expect(states).not.toContain('lost');
      expect(memberOf(client)).not.toBe(leader);
      // The admin session may have been on the leader too: a request on its dead socket gets
      // CONNECTIONLOSS (ZooKeeper's contract), so it is used once it serves from a live member.
      await waitFor(() => admin.state === 'connected' && memberOf(admin) !== leader, { timeoutMs: 20_000, message: 'admin session on a live member' });
      expect((await admin.getData('/eph')).data.toString()).toBe('mine');

      await admin.setData('/watched', 'v1');
      await waitFor(() => changed, { message: 'data watch fired after the move' });
      // The lock's own-node watch came along: a forced unlock after the reconnect is noticed.
      expect(lock.isHeld()).toBe(true);
      await admin.delete(lock.nodePath);
      await waitFor(() => !lock.isHeld(), { message: 'holder noticed the forced unlock' });
    } finally {
      // A failure above must not leave the next test a two-member ensemble.
      await leader.start();
      await ensemble.waitServing();
    }
  });

  it('a stalled (SIGSTOP) member: the client moves to another one within the session timeout, same session', async () => {
    const client = await zk.connect({ sessionTimeoutMs: 6000 });
    const sessionId = client.sessionId;
    const states = statesOf(client);
    const stalled = memberOf(client)!;
    expect(stalled).toBeDefined();
    const wasLeader = (await stalled.mode()) === 'leader';
    stalled.freeze();
    try {
      await waitFor(() => states.includes('suspended') && client.state === 'connected', { timeoutMs: 20_000, message: 'client moved off the stalled member' });
      expect(memberOf(client)).not.toBe(stalled);
      expect(client.sessionId).toBe(sessionId);
      expect(states).not.toContain('lost');
      await client.create('/after-stall', 'ok');
    } finally {
      stalled.thaw();
    }
    await ensemble.waitServing();
    console.info(`stalled member ${stalled.id} was ${wasLeader ? 'the leader' : 'a follower'}`);
  });

  it('a member that lost the quorum (read-only mode) is refused; the session waits for the quorum', async () => {
    const client = await zk.connect({ sessionTimeoutMs: 60_000 });
    const sessionId = client.sessionId;
    const states = statesOf(client);
    const leader = await ensemble.leader();
    const [keep, ...others] = ensemble.members.filter((m) => m !== leader);
    await Promise.all([leader.stop(), others[0].stop()]);
    await waitFor(async () => (await keep.mode()) === 'read-only', { timeoutMs: 60_000, message: 'the last member in read-only mode' });
    // The last member serves read-only clients, never us: the client stays suspended.
    const refusals = (): number => readFileSync(join(keep.dir, 'server.log'), 'utf8').split('Refusing session request for not-read-only client').length - 1;
    const before = refusals();
    await waitFor(() => refusals() >= before + 2, { timeoutMs: 30_000, message: 'the read-only member refused the client twice' });
    expect(client.state).toBe('suspended');
    expect(states).not.toContain('connected');

    await Promise.all([leader.start(), others[0].start()]);
    await ensemble.waitServing();
    await waitFor(() => client.state === 'connected', { timeoutMs: 30_000, message: 'client back with the quorum' });
    expect(client.sessionId).toBe(sessionId);
  }, 180_000);
});
