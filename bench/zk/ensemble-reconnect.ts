// Two figures on a real three-member ensemble (Debian's ZooKeeper, three JVMs on loopback):
// 1. reconnect time after a leader SIGKILL: from the kill until the client's session is usable
//    again (state 'connected' after 'suspended'), over KILLS kills;
// 2. what a reconnect costs a TreeCache holding 2,000 node records (data + a lock dir each, like
//    the launcher's node cache): the cache's own read requests and read ops, and the packets the
//    member received (mntr zk_packets_received, which also counts pings and setWatches2), with
//    nothing changed meanwhile and with 20 records changed meanwhile.
// Usage: npx tsx bench/zk/ensemble-reconnect.ts [kills=10]
import { createZkClient, type ZooKeeperClient } from '../../src/zk/client.ts';
import { TreeCache } from '../../src/zk/tree-cache.ts';
import type { ReadOp } from '../../src/zk/types.ts';
import { startZkEnsemble } from '../../test/harness/zk-ensemble.ts';
import { startStallProxy } from '../../test/helpers/stall-proxy.ts';

const KILLS = Number(process.argv[2] ?? 10);
const NODES = 2000;

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))];

const ensemble = await startZkEnsemble();
try {
  const servers = ensemble.servers('plain');
  const client = createZkClient({ servers, sessionTimeoutMs: 10_000 });
  await client.connect();
  const times: number[] = [];
  for (let i = 0; i < KILLS; i++) {
    const leader = await ensemble.leader();
    let suspended = false;
    const onSuspended = (): void => { suspended = true; };
    client.on('suspended', onSuspended);
    const t0 = Date.now();
    await leader.kill();
    await until('reconnect', async () => {
      if (!suspended || client.state !== 'connected') return false;
      await client.exists('/'); // usable, not only handshaken
      return true;
    });
    times.push(Date.now() - t0);
    client.off('suspended', onSuspended);
    await leader.start();
    await ensemble.waitServing();
  }
  console.log(`reconnect after leader SIGKILL over ${KILLS} kills: p50 ${pct(times, 0.5)} ms, max ${Math.max(...times)} ms (all: ${times.join(' ')})`);
  await client.close();

  // The cache's client talks to one member through a relay we can cut.
  const member = (await ensemble.followers())[0];
  const proxy = await startStallProxy({ host: member.host, port: member.plainPort });
  const admin = createZkClient({ servers: [{ host: member.host, port: member.plainPort }] });
  await admin.connect();
  await admin.mkdirp('/bench/nodes');
  for (let i = 0; i < NODES; i += 100) {
    await admin.multi(Array.from({ length: 100 }, (_, k) => [
      { op: 'create' as const, path: `/bench/nodes/${String(i + k).padStart(10, '0')}`, data: JSON.stringify({ state: 'ready', i: i + k, pad: 'x'.repeat(400) }) },
      { op: 'create' as const, path: `/bench/nodes/${String(i + k).padStart(10, '0')}/lock` },
    ]).flat());
  }
  const c: ZooKeeperClient = createZkClient({ servers: [{ host: proxy.host, port: proxy.port }], sessionTimeoutMs: 10_000 });
  await c.connect();
  const counts = { requests: 0, ops: 0 };
  const counting = new Proxy(c, {
    get(target, key) {
      if (key === 'getData' || key === 'getChildren') return (p: string) => { counts.requests++; counts.ops++; return (target[key] as (p: string) => Promise<unknown>).call(target, p); };
      if (key === 'multiRead') return (ops: readonly ReadOp[]) => { counts.requests++; counts.ops += ops.length; return target.multiRead(ops); };
      const v = Reflect.get(target, key, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const cache = new TreeCache(counting, '/bench/nodes', { dataDepth: 1 });
  await cache.ready;
  const packets = async (): Promise<number> => Number((await member.mntr()).get('zk_packets_received'));

  for (const changed of [0, 20]) {
    proxy.stall();
    for (let i = 0; i < changed; i++) await admin.setData(`/bench/nodes/${String(i * 7).padStart(10, '0')}`, JSON.stringify({ state: 'used', i }));
    counts.requests = 0;
    counts.ops = 0;
    let resynced = false;
    cache.once('resynced', () => { resynced = true; });
    const p0 = await packets();
    const t0 = Date.now();
    proxy.dropConnections();
    proxy.resume();
    await until('cache caught up', () => resynced);
    const ms = Date.now() - t0;
    const p1 = await packets();
    for (let i = 0; i < changed; i++) {
      const got = cache.get(`/bench/nodes/${String(i * 7).padStart(10, '0')}`)?.data.toString() ?? '';
      if (!got.includes('used')) throw new Error(`cache missed a change: ${got}`);
    }
    // p1 - p0 includes the one mntr connection's own packets (none: 4lw are not counted) and pings.
    console.log(`reconnect with ${NODES} records cached, ${changed} changed meanwhile: cache read requests ${counts.requests}, ` +
      `read ops ${counts.ops}, member packets received ${p1 - p0}, caught up in ${ms} ms`);
  }
  await cache.close();
  await c.close();
  await admin.deleteRecursive('/bench');
  await admin.close();
  await proxy.close();
} finally {
  await ensemble.stop();
}
