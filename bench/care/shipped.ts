// The care passes (the classic `check` and `cleanup` crons) as the compiled `nodepool-launcher`
// runs and times them: ZooKeeper, the simulator (an SSH endpoint per server) and the daemon each
// in a process of their own; N READY nodes on N servers, and a few leaked servers for cleanup.
// Each phase starts the daemon with both crons once a year; once it runs, nodepool.yaml is
// rewritten so the one cron measured runs every few seconds (the daemon follows a changed file
// without a restart). Pass times are the daemon's own ("cron run finished", with its duration);
// its CPU and RSS are read from /proc while the pass runs.
// Run: npm run build && npx tsx bench/care/shipped.ts [--nodes 1000] [--leaked 5] [--every-s 15]
//        [--port-passes 3] [--ssh-passes 1] [--cleanup-passes 3] [--keep]
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startZkServer } from '../../test/harness/zk-server.ts';
import { registerKeypair } from '../../test/launcher/care/care-env.ts';
import { cpuSeconds, rssMiB, startSimProcess } from '../upload/sim-process.ts';
import { load, requireBuild, startShippedLauncher, uploadCloudImage, waitFor } from '../launcher/shipped-daemon.ts';
import { injectLeakedServers, makeReadyNodes, simServersOverHttp } from './ready-nodes.ts';
import { connectZkClient } from '../../src/zk/client.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { systemClock } from '../../src/util/clock.ts';

const { values } = parseArgs({ options: {
  nodes: { type: 'string', default: '1000' },
  leaked: { type: 'string', default: '5' },
  'every-s': { type: 'string', default: '15' },
  'port-passes': { type: 'string', default: '3' },
  'ssh-passes': { type: 'string', default: '1' },
  'cleanup-passes': { type: 'string', default: '3' },
  keep: { type: 'boolean', default: false },
} });
const N = Number(values.nodes);
const LEAKED = Number(values.leaked);
const EVERY_S = Number(values['every-s']);
if (!Number.isInteger(EVERY_S) || EVERY_S < 1 || 60 % EVERY_S !== 0) throw new Error('--every-s must divide 60');
const ACTIVE = `*/${EVERY_S} * * * * *`;
const IDLE = '0 0 1 1 *'; // once a year: the cron not measured in a phase stays out of its way
/** One pass may take this long before the bench gives up (an SSH-login pass at 1,000 nodes on a busy machine takes minutes). */
const PASS_LIMIT_MS = 15 * 60_000;

requireBuild();

interface LogLine { time: string; level: number; msg: string; cron?: string; ms?: number; tasks?: Record<string, unknown> }
interface Sample { t: number; launcher: number; simulator: number; zk: number; rss: number }

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const peakRssMiB = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

function configYaml(zkPort: number, cron: { check: string; cleanup: string }, privateKey: string | null): string {
  return `zookeeper-servers:
  - host: 127.0.0.1
    port: ${zkPort}
cron:
  check: '${cron.check}'
  cleanup: '${cron.cleanup}'
providers:
  - name: sim
    cloud: sim
    rate: 0.001
    max-servers: ${N + LEAKED + 10}
    networks:
      - name: private
    images:
      - name: cirros
        min-ram: 512
        username: zuul
${privateKey ? `        private-key: ${privateKey}\n` : ''}labels:
  - name: small
    image: cirros
    min-ready: 0
    providers:
      - name: sim
`;
}

const dir = mkdtempSync(join(tmpdir(), 'np-bench-care-shipped-'));
const configPath = join(dir, 'nodepool.yaml');
const zk = await startZkServer();
const sim = await startSimProcess(dir, { buildDelayMs: 0, deleteDelayMs: 0, quotas: { instances: -1, cores: -1, ram: -1 }, ssh: { enabled: true, port: 0 } });
const simServers = simServersOverHttp(sim.url);
let daemon: ChildProcess | null = null;
const killDaemon = () => daemon?.kill('SIGTERM');
process.once('exit', killDaemon);

/** One phase: the daemon started idle, switched to run `cron` every EVERY_S s, `passes` runs timed, stopped. */
async function phase(title: string, cron: 'check' | 'cleanup', passes: number, privateKey: string | null): Promise<void> {
  const idle = { check: IDLE, cleanup: IDLE };
  writeFileSync(configPath, configYaml(zk.plainPort, idle, privateKey));
  const spawned = performance.now();
  const child = startShippedLauncher({ dir, configPath, logFile: join(dir, 'launcher.log'), args: ['--no-webapp'] });
  daemon = child;
  const lines: LogLine[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    try { lines.push(JSON.parse(l) as LogLine); } catch { /* not a log record */ }
  });
  const samples: Sample[] = [];
  const sample = () => {
    try {
      samples.push({ t: Date.now(), launcher: cpuSeconds(child.pid!), simulator: cpuSeconds(sim.pid), zk: cpuSeconds(zk.pid), rss: rssMiB(child.pid!) });
    } catch { /* the daemon is exiting */ }
  };
  const sampler = setInterval(sample, 100);
  const lineAfter = async (from: number, what: string, ok: (l: LogLine) => boolean, limitMs: number): Promise<number> => {
    let found = -1;
    await waitFor(what, async () => {
      found = lines.findIndex((l, i) => i >= from && ok(l));
      return found >= 0 || child.exitCode !== null;
    }, limitMs);
    if (found < 0) throw new Error(`the launcher exited with ${child.exitCode} before ${what}; see ${join(dir, 'launcher.log')} (--keep keeps it)`);
    return found;
  };
  try {
    console.log(`\n${title}`);
    const running = await lineAfter(0, 'the launcher running', (l) => l.msg === 'launcher running', 120_000);
    console.log(`  daemon up (pid ${child.pid}): "launcher running" ${f1((performance.now() - spawned) / 1000)} s after the spawn, RSS ${f1(rssMiB(child.pid!))} MiB, CPU ${f1(cpuSeconds(child.pid!))} s so far, load ${load()}`);
    writeFileSync(configPath, configYaml(zk.plainPort, { ...idle, [cron]: ACTIVE }, privateKey));
    const reloaded = await lineAfter(running, 'the reload', (l) => l.msg === 'configuration reloaded', 60_000);
    console.log(`  nodepool.yaml rewritten: cron ${cron} '${ACTIVE}', the other '${IDLE}'; reloaded by the daemon`);
    let from = reloaded + 1;
    for (let pass = 1; pass <= passes; pass++) {
      const at = await lineAfter(from, `${cron} pass ${pass}`, (l) => l.msg === 'cron run finished' && l.cron === cron, PASS_LIMIT_MS);
      const done = lines[at];
      const end = Date.parse(done.time);
      const start = end - done.ms!;
      // One sample after the end (the sampler runs every 100 ms), so the CPU window covers the pass.
      await waitFor('a sample after the pass', async () => samples.some((s) => s.t >= end + 50), 5000);
      const before = samples.filter((s) => s.t <= start).at(-1) ?? samples[0];
      const after = samples.find((s) => s.t >= end + 50)!;
      const during = samples.filter((s) => s.t >= before.t && s.t <= after.t);
      const cpu = (k: 'launcher' | 'simulator' | 'zk') => f2(after[k] - before[k]);
      const between = lines.slice(from, at);
      const count = (msg: string) => between.filter((l) => l.msg === msg).length;
      const events = [
        `dead ${count('ready node failed the check; deleting it')}`, `skipped ${count('check: node skipped this pass')}`,
        `leaked deleted ${count('deleting leaked server')}`, `runs skipped (one in flight) ${count('previous cron run still in flight; this run skipped')}`,
      ];
      const tasks = between.filter((l) => l.msg === 'cleanup pass done').map((l) => JSON.stringify(l.tasks));
      console.log(`  pass ${pass}: ${done.ms} ms (the daemon's figure); CPU s over ${f2((after.t - before.t) / 1000)} s: launcher ${cpu('launcher')}, simulator ${cpu('simulator')}, ZooKeeper ${cpu('zk')}; launcher RSS ${f1(before.rss)} MiB before, peak ${f1(Math.max(...during.map((s) => s.rss)))}; load ${load()}`);
      console.log(`    ${events.join(', ')}${cron === 'cleanup' ? `; "cleanup pass done": ${tasks.join(' ') || 'not logged (nothing acted on)'}` : ''}`);
      from = at + 1;
    }
    console.log(`  launcher peak RSS over its life (VmHWM): ${f1(peakRssMiB(child.pid!))} MiB`);
  } finally {
    clearInterval(sampler);
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    daemon = null;
  }
}

try {
  const client = await connectZkClient({ servers: [{ host: zk.host, port: zk.plainPort }] });
  const store = new ZkStore(client, { clock: systemClock });
  await store.init();
  writeFileSync(configPath, configYaml(zk.plainPort, { check: IDLE, cleanup: IDLE }, null));
  await uploadCloudImage(configPath, sim.cloud, dir, 'cirros');
  const keyFile = await registerKeypair(sim, dir, 'bench');

  console.log(`care passes through the compiled nodepool-launcher: Node ${process.version}, ${cpus().length} cores, load ${load()}`);
  console.log(`daemon at its defaults except: classic nodepool.yaml (the format with cron:) whose crons are printed per phase, --no-webapp, provider rate 0.001`);
  let t = performance.now();
  await makeReadyNodes(store, simServers, { count: N, provider: 'sim', pool: 'main', label: 'small', keyName: 'bench', hostKeys: await simServers.sshHostKeys() });
  console.log(`setup: ${N} READY nodes on ${N} simulator servers with SSH endpoints in ${f1((performance.now() - t) / 1000)} s`);
  const readyNodes = async () => (await store.listNodes()).filter((n) => n.state === 'ready').length;

  await phase(`check, port probe (no private-key; host-key-checking is on by default): ${N} nodes`, 'check', Number(values['port-passes']), null);
  console.log(`  nodes still READY: ${await readyNodes()}/${N}`);
  await phase(`check, SSH login as zuul with the image's private-key: ${N} nodes`, 'check', Number(values['ssh-passes']), keyFile);
  console.log(`  nodes still READY: ${await readyNodes()}/${N}`);

  const leaked = new Set((await injectLeakedServers(simServers, 'sim', LEAKED)).map((s) => s.id));
  await phase(`cleanup: ${N + LEAKED} servers, ${LEAKED} of them leaked (tagged sim, no node)`, 'cleanup', Number(values['cleanup-passes']), null);
  const servers = await simServers.listServers();
  console.log(`  after: ${servers.filter((s) => leaked.has(s.id)).length} of the ${LEAKED} leaked servers left, ${servers.length} servers in all; nodes still READY: ${await readyNodes()}/${N}`);
  await client.close();
} finally {
  killDaemon();
  await sim.stop();
  await zk.stop();
  if (values.keep) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
