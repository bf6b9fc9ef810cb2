// `nodepool list` over N nodes (default 10,000) on a private real ZooKeeper, timed end to end as
// a separate process: `npx tsx bench/cli/run.ts [nodes] [runs]`. Target: under 1 s wall.
// Runs the CLI as installed (bin/nodepool.js running the `npm run build` output; compiled here
// into the ignored .tmp/ with a copy of bin/ beside it, so the shared dist/ is left alone) and
// from source through tsx.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { startZkServer } from '../../test/harness/zk-server.ts';
import { createZkClient } from '../../src/zk/client.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { newNode } from '../../src/model/factories.ts';
import type { Node } from '../../src/model/types.ts';

const NODES = Number(process.argv[2] ?? 10_000);
const RUNS = Number(process.argv[3] ?? 5);
const LOCKED = 200;
const root = fileURLToPath(new URL('../../', import.meta.url));
// The layout of an installed package: <prefix>/bin/nodepool.js runs <prefix>/dist/cli/main.js.
const PREFIX = join(root, '.tmp/bench-cli');
const DIST = join(PREFIX, 'dist');
const BIN = join(PREFIX, 'bin/nodepool.js');

function node(i: number): Omit<Node, 'id' | 'version'> {
  return newNode({
    state: i % 10 === 0 ? 'in-use' : 'ready', cloud: 'mycloud', provider: 'mycloud-region1', pool: 'main',
    type: ['ubuntu-jammy'], az: 'nova', region: 'RegionOne', public_ipv4: `203.0.113.${i % 250}`,
    private_ipv4: `10.0.${i % 250}.5`, interface_ip: `203.0.113.${i % 250}`, connection_type: 'ssh',
    launcher: 'nl01.example.com-PoolWorker.mycloud-region1-main-0c3f9d4e',
    external_id: `6f3f6c7e-2c1f-4c55-9d1f-${String(i).padStart(12, '0')}`,
    host_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEKEYEXAMPLEKEYEXAMPLEKEYEXAMPLEKEY'],
    resources: { cores: 8, instances: 1, ram: 8192 }, python_path: 'auto', tenant_name: 'openstack',
  }, Date.now());
}

/** CPU time (user + system, ms) a process has used so far, from /proc (the ZooKeeper JVM's). */
function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

function timeProcess(command: string, args: string[]): Promise<{ ms: number; code: number | null; lines: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODEPOOL_FROM_SOURCE: '', NODEPOOL_CLI_TIMING: '1' } });
    let lines = 0;
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      for (const b of d) if (b === 10) lines++;
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - start, code, lines, stderr }));
  });
}

function summary(label: string, times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return `${label}: median ${median.toFixed(0)} ms, min ${sorted[0].toFixed(0)} ms, max ${sorted[sorted.length - 1].toFixed(0)} ms over ${times.length} runs`;
}

async function main(): Promise<void> {
  console.log(`compiling src/ into ${DIST} (npm run build's tsconfig) with bin/nodepool.js beside it ...`);
  rmSync(DIST, { recursive: true, force: true });
  spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', DIST], { cwd: root, stdio: 'ignore' });
  mkdirSync(join(PREFIX, 'bin'), { recursive: true });
  copyFileSync(join(root, 'bin/nodepool.js'), BIN);
  const compiled = join(DIST, 'cli/main.js');
  const server = await startZkServer();
  const dir = mkdtempSync(join(tmpdir(), 'np-bench-cli-'));
  const servers = [{ host: server.host, port: server.plainPort }];
  try {
    const admin = createZkClient({ servers });
    await admin.connect();
    await admin.mkdirp('/bench');
    const client = createZkClient({ servers, chroot: '/bench', sessionTimeoutMs: 30_000 });
    await client.connect();
    const store = new ZkStore(client);
    await store.init();
    let t = performance.now();
    for (let i = 0; i < NODES; i += 1000) {
      await Promise.all(Array.from({ length: Math.min(1000, NODES - i) }, (_, j) => store.createNode(node(i + j))));
    }
    console.log(`created ${NODES} nodes through the store in ${(performance.now() - t).toFixed(0)} ms`);
    const ids = await store.listNodeIds();
    const held = await Promise.all(ids.slice(0, LOCKED).map((id) => store.lockNode(id, { blocking: false })));
    console.log(`${held.filter(Boolean).length} nodes locked by the bench's session`);

    const config = join(dir, 'nodepool.yaml');
    writeFileSync(config, `zookeeper-servers:\n  - host: ${server.host}\n    port: ${server.plainPort}\n    chroot: /bench\nlabels: []\nproviders: []\n`);

    const variants: [string, string, string[]][] = [
      ['installed (node bin/nodepool.js -> dist/cli/main.js)', process.execPath, [...(process.env.BENCH_CLI_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CLI_PROF}`] : []), BIN, '-c', config, 'list']],
      ['source (node --import tsx src/cli/main.ts)', process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), '-c', config, 'list']],
    ];
    for (const [label, cmd, args] of variants) {
      if (label.startsWith('installed') && !existsSync(compiled)) {
        console.log('compilation produced no cli/main.js; skipping the compiled figures');
        continue;
      }
      const times: number[] = [];
      const phases: string[] = [];
      const serverCpu: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const before = processCpuMs(server.pid);
        const r = await timeProcess(cmd, args);
        serverCpu.push(processCpuMs(server.pid) - before);
        if (r.code !== 0) throw new Error(`${label}: exit ${r.code}: ${r.stderr}`);
        // Header (3 rule/title lines) + one line per node + closing rule.
        if (r.lines !== NODES + 4) throw new Error(`${label}: printed ${r.lines} lines, expected ${NODES + 4}`);
        times.push(r.ms);
        phases.push(r.stderr.trim());
      }
      console.log(summary(`nodepool list, ${NODES} nodes, ${label}`, times));
      // CPU time of the CLI process: what the wall time approaches on an idle machine.
      const cpus = phases.map((p) => Number(/cpu (\d+)/.exec(p)?.[1] ?? NaN));
      console.log(summary(`  its CPU time (user+system)`, cpus));
      console.log(summary(`  ZooKeeper server CPU during the run`, serverCpu));
      for (const p of phases) console.log(`  ${p}`);
    }
    // A baseline: what a Node process costs doing nothing, on this machine right now.
    const idle: number[] = [];
    for (let run = 0; run < RUNS; run++) idle.push((await timeProcess(process.execPath, ['-e', ''])).ms);
    console.log(summary('baseline: node -e ""', idle));
    await Promise.all(held.map((l) => l?.release()));
    await client.close();
    await admin.close();
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
