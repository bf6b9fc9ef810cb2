// The launcher as operators run it: the compiled `nodepool-launcher` at its defaults, ZooKeeper,
// the OpenStack simulator and a Zuul-playing requestor each in a process of its own (nothing of
// the launcher runs in this process). Workload: 200 requests of 1-3 nodes, two labels,
// max-servers 100, 0.1 s simulated boot, `rate: 0.0001` (the figure upstream was measured with).
// Run: npm run build && npx tsx bench/launcher/shipped.ts [--requests 200] [--sequential 20]
//        [--rounds 2] [--boot-ms 100] [--idle-s 30] [--launcher-env NAME=VALUE ...]
// Every --launcher-env is a non-default knob and is printed as such.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, startZkServer } from '../../test/harness/zk-server.ts';
import { cpuSeconds, startSimProcess } from '../upload/sim-process.ts';
import { load, requireBuild, root, startShippedLauncher, uploadCloudImage, waitFor } from './shipped-daemon.ts';

const { values } = parseArgs({ options: {
  requests: { type: 'string', default: '200' },
  sequential: { type: 'string', default: '20' },
  rounds: { type: 'string', default: '2' },
  'boot-ms': { type: 'string', default: '100' },
  'idle-s': { type: 'string', default: '30' },
  'launcher-env': { type: 'string', multiple: true, default: [] },
  keep: { type: 'boolean', default: false },
} });
const REQUESTS = Number(values.requests);
const SEQUENTIAL = Number(values.sequential);
const ROUNDS = Number(values.rounds);
const BOOT_MS = Number(values['boot-ms']);
const IDLE_S = Number(values['idle-s']);
const launcherEnv = Object.fromEntries((values['launcher-env'] ?? []).map((kv) => {
  const i = kv.indexOf('=');
  if (i < 1) throw new Error(`--launcher-env takes NAME=VALUE, not ${kv}`);
  return [kv.slice(0, i), kv.slice(i + 1)];
}));

requireBuild();

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const f1 = (x: number) => x.toFixed(1);

/** ZooKeeper's own counters (the `mntr` four-letter word). */
function mntr(host: string, port: number): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port }, () => s.write('mntr'));
    let text = '';
    s.on('data', (d) => { text += d; });
    s.on('error', reject);
    s.on('close', () => resolve(Object.fromEntries(text.trim().split('\n').map((l) => l.split('\t') as [string, string]))));
  });
}

async function simCalls(url: string): Promise<Map<string, number>> {
  const body = (await (await fetch(`${url}/_admin/api-calls`)).json()) as { calls: Record<string, number> };
  return new Map(Object.entries(body.calls));
}

function diffCalls(a: Map<string, number>, b: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of b) if (v - (a.get(k) ?? 0) > 0) out.set(k, v - (a.get(k) ?? 0));
  return out;
}
const total = (m: Map<string, number>) => [...m.values()].reduce((x, y) => x + y, 0);
const callsLine = (m: Map<string, number>, per: number) =>
  [...m].sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${(v / per).toFixed(2)}`).join(', ');

/** The launcher's own count of ZooKeeper requests, from its Prometheus /metrics (null if it
 *  exports none). The figure is refreshed with the stats pass (every 5 s), so wait that long
 *  after the work before reading it. */
const STATS_INTERVAL_MS = 5000;
async function launcherZkRequests(port: number): Promise<Map<string, number> | null> {
  await new Promise((r) => setTimeout(r, STATS_INTERVAL_MS + 500));
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^nodepool_launcher_zk_requests\{hostname="[^"]*",op="([^"]+)"\} (\d+)/gm)) out.set(m[1], Number(m[2]));
  return out.size ? out : null;
}

const dir = mkdtempSync(join(tmpdir(), 'np-bench-shipped-'));
const zk = await startZkServer();
const sim = await startSimProcess(dir, { buildDelayMs: BOOT_MS, deleteDelayMs: 20, quotas: { instances: 1000, cores: 4000, ram: 10_000_000 } });
const children: ChildProcess[] = [];
try {
  const webPort = await freePort();
  const configPath = join(dir, 'nodepool.yaml');
  writeFileSync(configPath, `
zookeeper-servers:
  - host: ${zk.host}
    port: ${zk.plainPort}
    chroot: /bench
webapp:
  port: ${webPort}
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
`);
  // The cloud image the labels boot, uploaded before any counter is read.
  await uploadCloudImage(configPath, sim.cloud, dir, 'cirros');

  console.log(`launcher bench (shipped daemon): Node ${process.version}, ${cpus().length} cores, load ${load()}`);
  console.log(`compiled nodepool-launcher, simulated boot ${BOOT_MS} ms, rate 0.0001, max-servers 100, host-key-checking off`);
  console.log(Object.keys(launcherEnv).length ? `NON-DEFAULT launcher knobs: ${Object.entries(launcherEnv).map(([k, v]) => `${k}=${v}`).join(' ')}` : 'launcher at its defaults (no knob set)');

  // Start-up: cloud calls until min-ready... there is none here, so until the pool is ready to serve.
  const calls0 = await simCalls(sim.url);
  const launcher = startShippedLauncher({ dir, configPath, logFile: join(dir, 'launcher.log'), env: launcherEnv });
  children.push(launcher);
  const startMs = await waitFor('the launcher /ready', async () => (await fetch(`http://127.0.0.1:${webPort}/ready`)).status === 200, 60_000);
  const startCalls = diffCalls(calls0, await simCalls(sim.url));
  console.log(`start-up: /ready after ${f1(startMs)} ms; cloud calls ${total(startCalls)} (${callsLine(startCalls, 1)})`);

  const requestor = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/launcher/zuul-process.ts'), '--zk', `${zk.host}:${zk.plainPort}`, '--chroot', '/bench'], {
    cwd: root, stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(requestor);
  const replies = createInterface({ input: requestor.stdout! })[Symbol.asyncIterator]();
  const ask = async (o: Record<string, unknown>): Promise<any> => {
    if (o.cmd) requestor.stdin!.write(`${JSON.stringify(o)}\n`);
    const r = await replies.next();
    if (r.done) throw new Error('the requestor exited');
    return JSON.parse(r.value);
  };
  await ask({});

  const pids = { launcher: launcher.pid!, ZooKeeper: zk.pid, simulator: sim.pid, requestor: requestor.pid! };
  const cpuNow = () => Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuSeconds(p)])) as Record<keyof typeof pids, number>;

  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`\nround ${round} of ${ROUNDS}${round === 1 ? ' (ZooKeeper JVM cold)' : ''}, load ${load()}`);
    const seq = await ask({ cmd: 'sequential', n: SEQUENTIAL, bootMs: BOOT_MS });
    console.log(`sequential (${SEQUENTIAL} single-node requests): request→fulfilled minus boot p50 ${f1(pct(seq.overheadsMs, 50))} ms, p95 ${f1(pct(seq.overheadsMs, 95))} ms${seq.failed ? `, FAILED ${seq.failed}` : ''}`);
    await ask({ cmd: 'drain' });

    const lz0 = await launcherZkRequests(webPort);
    const cpu0 = cpuNow();
    const mntr0 = await mntr(zk.host, zk.plainPort);
    const sim0 = await simCalls(sim.url);
    const b = await ask({ cmd: 'burst', n: REQUESTS });
    const drained = await ask({ cmd: 'drain' });
    const cpu1 = cpuNow();
    const mntr1 = await mntr(zk.host, zk.plainPort);
    const burstCalls = diffCalls(sim0, await simCalls(sim.url));
    const lz1 = await launcherZkRequests(webPort); // includes ~5 s of idle requests after the drain
    const nodes = b.nodes as number;
    console.log(`burst: ${REQUESTS} requests, ${nodes} nodes; failed ${b.failed}${b.errors.length ? `; errors: ${b.errors.slice(0, 3).join('; ')}` : ''}`);
    console.log(`  nodes/s (to last fulfilment): ${f1(nodes / (b.wallMs / 1000))}  (wall ${(b.wallMs / 1000).toFixed(2)} s; all returned ${(b.returnedMs / 1000).toFixed(2)} s; all deleted ${(drained.drainedMs / 1000).toFixed(2)} s later)`);
    console.log(`  fulfil (submit→fulfilled): p50 ${(pct(b.fulfilMs, 50) / 1000).toFixed(2)} s, p95 ${(pct(b.fulfilMs, 95) / 1000).toFixed(2)} s`);
    console.log(`  cloud API calls per node: ${(total(burstCalls) / nodes).toFixed(2)} (${callsLine(burstCalls, nodes)})`);
    const received = Number(mntr1.zk_packets_received) - Number(mntr0.zk_packets_received);
    const requestorOps = Object.values(b.ops as Record<string, number>).reduce((x, y) => x + y, 0);
    console.log(`  ZooKeeper: server received ${(received / nodes).toFixed(1)} packets per node (all clients, pings included); requestor sent ${(requestorOps / nodes).toFixed(1)} requests per node`);
    if (lz0 && lz1) {
      const sent = diffCalls(lz0, lz1);
      console.log(`  ZooKeeper requests sent by the launcher (its own count): ${(total(sent) / nodes).toFixed(1)} per node (${callsLine(sent, nodes)})`);
    } else {
      console.log('  ZooKeeper requests sent by the launcher: not exported by this build (no nodepool_launcher_zk_requests in /metrics)');
    }
    console.log(`  CPU seconds during the burst: ${Object.keys(pids).map((k) => `${k} ${f1(cpu1[k as keyof typeof pids] - cpu0[k as keyof typeof pids])}`).join(', ')} (2 cores shared)`);
  }

  // Idle: what the launcher asks the cloud for when there is nothing to do.
  if (IDLE_S > 0) {
    const idle0 = await simCalls(sim.url);
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    const idleCalls = diffCalls(idle0, await simCalls(sim.url));
    console.log(`\nidle ${IDLE_S} s: ${f1(total(idleCalls) * 60 / IDLE_S)} cloud calls per minute (${callsLine(idleCalls, IDLE_S / 60)} per minute)`);
  }
  await ask({ cmd: 'exit' }).catch(() => undefined);
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await sim.stop();
  await zk.stop();
  if (values.keep) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
