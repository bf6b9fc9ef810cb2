// Launcher throughput and latency against real ZooKeeper and the simulator (own process):
// 200 requests of 1-3 nodes (two labels, max-servers 100, 0.1 s simulated boot,
// host-key-checking off) played as Zuul does (lock nodes, delete request, in-use, used, unlock).
// Run: npx tsx bench/launcher/run.ts [--requests 200] [--server-list-ttl-ms 10] [--sequential 20] [--rounds 3] [--ops-detail]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startZkServer } from '../../test/harness/zk-server.ts';
import { cpuSeconds, startSimProcess } from '../upload/sim-process.ts';
import { connectZkClient } from '../../src/zk/client.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { loadConfig } from '../../src/config/load.ts';
import { OpenStackProvider } from '../../src/cloud/openstack/provider.ts';
import type { CloudProvider } from '../../src/cloud/provider.ts';
import { Launcher } from '../../src/launcher/launcher.ts';
import { newRequest } from '../../src/model/factories.ts';
import { systemClock } from '../../src/util/clock.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { ZuulPlayer } from './zuul-player.ts';
import { openStackDrivers } from '../../src/launcher/driver/openstack-driver.ts';

const { values } = parseArgs({ options: {
  requests: { type: 'string', default: '200' },
  'server-list-ttl-ms': { type: 'string', default: '10' },
  sequential: { type: 'string', default: '20' },
  'boot-ms': { type: 'string', default: '100' },
  'ops-detail': { type: 'boolean', default: false },
  rounds: { type: 'string', default: '3' },
} });
const ROUNDS = Number(values.rounds);
const DETAIL = values['ops-detail'];
const REQUESTS = Number(values.requests);
const TTL = Number(values['server-list-ttl-ms']);
const SEQUENTIAL = Number(values.sequential);
const BOOT_MS = Number(values['boot-ms']);

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (x: number) => `${x.toFixed(1)} ms`;

const dir = mkdtempSync(join(tmpdir(), 'np-bench-launcher-'));
const zkServer = await startZkServer();
const sim = await startSimProcess(dir, {
  buildDelayMs: BOOT_MS, deleteDelayMs: 20, quotas: { instances: 1000, cores: 4000, ram: 10_000_000 },
});
try {
  const yaml = `
zookeeper-servers:
  - host: ${zkServer.host}
    port: ${zkServer.plainPort}
    chroot: /bench-launcher
labels:
  - name: small
  - name: medium
providers:
  - name: sim
    cloud: sim
    rate: 0.0001
    boot-timeout: 30
    launch-timeout: 60
    cloud-images:
      - name: cirros
        image-name: cirros
    pools:
      - name: main
        max-servers: 100
        auto-floating-ip: false
        host-key-checking: false
        networks: [private]
        labels:
          - name: small
            cloud-image: cirros
            flavor-name: m1.tiny
          - name: medium
            cloud-image: cirros
            flavor-name: m1.small
`;
  const configPath = join(dir, 'nodepool.yaml');
  writeFileSync(configPath, yaml);
  const { config } = await loadConfig(configPath, { env: {} });
  const provider = new OpenStackProvider(config.providers[0], sim.cloud, { clock: systemClock, logger: silentLogger(), serverListTtlMs: TTL });
  await provider.start();
  const imageFile = join(dir, 'cirros.qcow2');
  writeFileSync(imageFile, Buffer.alloc(1024, 1));
  await provider.uploadImage({ name: 'cirros', filePath: imageFile, format: 'qcow2', metadata: {} });

  const root = await connectZkClient({ servers: [{ host: zkServer.host, port: zkServer.plainPort }] });
  await root.mkdirp('/bench-launcher');
  await root.close();
  const zkOpts = { servers: [{ host: zkServer.host, port: zkServer.plainPort }], chroot: '/bench-launcher' };
  const launcherClient = await connectZkClient(zkOpts);
  const zuulClient = await connectZkClient(zkOpts);
  // Requests each side sends to ZooKeeper, by operation: the server's CPU follows these.
  const opCounts = { launcher: new Map<string, number>(), zuul: new Map<string, number>() };
  const countOps = (client: object, counts: Map<string, number>) => {
    const c = client as Record<string, unknown>;
    for (const op of ['create', 'create2', 'delete', 'exists', 'getData', 'setData', 'getChildren', 'multi', 'multiRead', 'sync']) {
      const real = c[op] as (...a: unknown[]) => unknown;
      c[op] = (...a: unknown[]) => {
        const key = DETAIL && typeof a[0] === 'string' ? `${op} ${a[0].replace(/\d{10}/g, 'N').replace(/[0-9a-f]{32}/g, 'U').replace(/\/(small|medium)-\d+/, '/L')}` : op;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        return real.apply(client, a);
      };
    }
  };
  countOps(launcherClient, opCounts.launcher);
  countOps(zuulClient, opCounts.zuul);
  const store = new ZkStore(launcherClient, { clock: systemClock });
  const zuulStore = new ZkStore(zuulClient, { clock: systemClock });
  await store.init();

  const launcher = new Launcher({
    deps: { store, getConfig: () => config, clock: systemClock, logger: silentLogger(), hostname: 'bench',
      drivers: openStackDrivers(new Map<string, CloudProvider>([['sim', provider]]), { getConfig: () => config, clock: systemClock, pollMs: Math.max(5, Math.round(TTL / 2)) }) },
    connection: launcherClient,
  });
  await launcher.start();

  const player = new ZuulPlayer(zuulStore);
  await player.start();
  const make = (labels: string[]) => newRequest({ node_types: labels, requestor: 'bench', reuse: true }, Date.now());

  console.log(`launcher bench: Node ${process.version}, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`simulated boot ${BOOT_MS} ms, server-list cache ${TTL} ms, max-servers 100, host-key-checking off`);

  // Each round: the sequential phase, then the burst. ZooKeeper is a JVM: the first round also
  // pays for its JIT warm-up, which a long-running ensemble has behind it, so every round is shown.
  for (let round = 1; round <= ROUNDS; round++) {
  console.log(`\nround ${round} of ${ROUNDS}${round === 1 ? ' (ZooKeeper and Node cold)' : ''}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  player.timings.clear();
  player.nodeLaunchMs.length = 0;
    // Phase 1: one request at a time with free capacity: the pure control-plane latency.
    const seqOverheads: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const id = await player.submit(['small'], performance.now(), make);
      await player.allDone();
      const t = player.timings.get(id)!;
      seqOverheads.push(t.fulfilledAt! - t.submittedAt - BOOT_MS);
    }
    // Where the sequential latency goes, from the records' own timestamps (medians).
    const seqWall = [...player.timings.values()].map((t) => t.wall!).filter((w) => w.pending && w.created && w.ready && w.fulfilled);
    const med = (f: (w: NonNullable<(typeof seqWall)[number]>) => number) => pct(seqWall.map(f), 50);
    const breakdown = `submit→pending ${ms(med((w) => w.pending! - w.submitted))}, pending→node created ${ms(med((w) => w.created! - w.pending!))}, ` +
      `created→ready minus boot ${ms(med((w) => w.ready! - w.created! - BOOT_MS))}, ready→fulfilled ${ms(med((w) => w.fulfilled! - w.ready!))}`;
    // Let the used nodes drain before the load phase.
    const drainStart = performance.now();
    while ((await zuulStore.listNodeIds()).length > 0 && performance.now() - drainStart < 30_000) await new Promise((r) => setTimeout(r, 50));

    // Phase 2: the burst.
    player.timings.clear();
    player.nodeLaunchMs.length = 0;
    for (const m of Object.values(opCounts)) m.clear();
    const cpu0 = process.cpuUsage();
    const simCpu0 = cpuSeconds(sim.pid);
    const zkCpu0 = zkServer.pid ? cpuSeconds(zkServer.pid) : 0;
    const started = performance.now();
    let totalNodes = 0;
    for (let i = 0; i < REQUESTS; i++) {
      const size = 1 + (i % 3);
      const label = i % 2 === 0 ? 'small' : 'medium';
      totalNodes += size;
      await player.submit(Array(size).fill(label), performance.now(), make);
    }
    const submittedIn = performance.now() - started;
    await player.allDone();
    const lastFulfilled = Math.max(...[...player.timings.values()].map((t) => t.fulfilledAt ?? 0));
    const wall = lastFulfilled - started;
    const returned = performance.now() - started;
    const cpu = process.cpuUsage(cpu0);
    const opsPerNode = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(v / n).toFixed(2)}`).join(DETAIL ? '\n    ' : ', ');
    const opsLine = (n: number) => `launcher: ${opsPerNode(opCounts.launcher, n)}; Zuul player: ${opsPerNode(opCounts.zuul, n)}`;
    const simCpu = cpuSeconds(sim.pid) - simCpu0;
    const zkCpu = zkServer.pid ? cpuSeconds(zkServer.pid) - zkCpu0 : NaN;
    const timings = [...player.timings.values()];
    const failed = timings.filter((t) => t.failed).length;
    const fulfil = timings.filter((t) => t.fulfilledAt).map((t) => t.fulfilledAt! - t.submittedAt);
    const launchOverhead = player.nodeLaunchMs.map((x) => x - BOOT_MS);
    const drain0 = performance.now();
    while ((await zuulStore.listNodeIds()).length > 0 && performance.now() - drain0 < 60_000) await new Promise((r) => setTimeout(r, 50));
    const drained = performance.now() - drain0;

    console.log(`sequential (${SEQUENTIAL} single-node requests, idle pool): request→fulfilled minus boot p50 ${ms(pct(seqOverheads, 50))}, p95 ${ms(pct(seqOverheads, 95))}`);
    console.log(`  breakdown (medians): ${breakdown}`);
    console.log(`burst: ${REQUESTS} requests, ${totalNodes} nodes (submitted in ${ms(submittedIn)}), failed requests: ${failed}${player.errors.length ? `, errors: ${player.errors.slice(0, 3).join('; ')}` : ''}`);
    console.log(`  wall time to last fulfilment: ${(wall / 1000).toFixed(2)} s  → ${(totalNodes / (wall / 1000)).toFixed(1)} nodes/s`);
    console.log(`  all nodes returned by "Zuul": ${(returned / 1000).toFixed(2)} s; all deleted ${(drained / 1000).toFixed(2)} s later`);
    console.log(`  time to fulfil (submit→fulfilled, includes waiting for max-servers): p50 ${ms(pct(fulfil, 50))}, p95 ${ms(pct(fulfil, 95))}`);
    console.log(`  per-node launch overhead (node created_time→ready state_time minus boot): p50 ${ms(pct(launchOverhead, 50))}, p95 ${ms(pct(launchOverhead, 95))}`);
    console.log(`  bench process CPU (launcher + Zuul player): ${((cpu.user + cpu.system) / 1000 / totalNodes).toFixed(2)} ms/node; RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
    console.log(`  ZooKeeper requests per node during the burst: ${opsLine(totalNodes)}`);
    console.log(`  CPU during the burst: simulator ${simCpu.toFixed(1)} s, ZooKeeper ${zkCpu.toFixed(1)} s, bench process ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (2 cores shared)`);

  }

  await launcher.stop();
  await provider.stop();
  await launcherClient.close();
  await zuulClient.close();
} finally {
  await sim.stop();
  await zkServer.stop();
  rmSync(dir, { recursive: true, force: true });
}
