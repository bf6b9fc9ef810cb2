// Launcher memory with many nodes in ZooKeeper: creates N READY node records (default 10,000),
// starts the launcher as its own process (from source through tsx) and samples its RSS once it
// has loaded its caches and registered, compared with the same launcher on an empty tree.
// --compiled builds src with tsc into node_modules/.cache/nodepool-bench-dist (never dist/, which
// bin/ would pick up) and runs plain node on it, as a deployment would; default runs through tsx.
// Run: npx tsx bench/launcher/rss.ts [--nodes 10000] [--compiled]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startZkServer } from '../../test/harness/zk-server.ts';
import { rssMiB, startSimProcess } from '../upload/sim-process.ts';
import { connectZkClient } from '../../src/zk/client.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { newNode } from '../../src/model/factories.ts';
import { systemClock } from '../../src/util/clock.ts';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '10000' }, compiled: { type: 'boolean', default: false } } });
const NODES = Number(values.nodes);
const root = fileURLToPath(new URL('../../', import.meta.url));
const compiledDir = join(root, 'node_modules/.cache/nodepool-bench-dist');
if (values.compiled) {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', compiledDir], { stdio: 'inherit' });
}
const launcherArgs = values.compiled ? [join(compiledDir, 'launcher/main.js')] : ['--import', 'tsx', join(root, 'src/launcher/main.ts')];

async function measure(label: string, configPath: string, cloudsPath: string, store: ZkStore): Promise<void> {
  const child: ChildProcess = spawn(process.execPath, [...launcherArgs, '-c', configPath, '--no-webapp'], {
    cwd: root, env: { ...process.env, OS_CLIENT_CONFIG_FILE: cloudsPath, NODEPOOL_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const started = performance.now();
    while ((await store.listComponents('pool')).length === 0) {
      if (child.exitCode !== null) throw new Error(`launcher exited with ${child.exitCode}`);
      if (performance.now() - started > 120_000) throw new Error('launcher did not register');
      await new Promise((r) => setTimeout(r, 100));
    }
    const readyIn = performance.now() - started;
    let peak = 0;
    const samples: number[] = [];
    for (let i = 0; i < 20; i++) {
      const rss = rssMiB(child.pid!);
      samples.push(rss);
      peak = Math.max(peak, rss);
      await new Promise((r) => setTimeout(r, 250));
    }
    console.log(`${label} (${values.compiled ? 'compiled' : 'tsx'}): registered after ${(readyIn / 1000).toFixed(1)} s; RSS over the next 5 s: last ${samples.at(-1)!.toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    while ((await store.listComponents('pool')).length > 0) await new Promise((r) => setTimeout(r, 100));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'np-bench-rss-'));
const zkServer = await startZkServer();
const sim = await startSimProcess(dir, {});
try {
  const admin = await connectZkClient({ servers: [{ host: zkServer.host, port: zkServer.plainPort }] });
  await admin.mkdirp('/rss');
  await admin.close();
  const client = await connectZkClient({ servers: [{ host: zkServer.host, port: zkServer.plainPort }], chroot: '/rss' });
  const store = new ZkStore(client, { clock: systemClock });
  await store.init();
  const configPath = join(dir, 'nodepool.yaml');
  writeFileSync(configPath, `
zookeeper-servers:
  - host: ${zkServer.host}
    port: ${zkServer.plainPort}
    chroot: /rss
labels:
  - name: small
providers:
  - name: sim
    cloud: sim
    rate: 0.001
    cloud-images:
      - name: cirros
        image-name: cirros
    pools:
      - name: main
        max-servers: 20000
        auto-floating-ip: false
        networks: [private]
        labels:
          - name: small
            cloud-image: cirros
            flavor-name: m1.tiny
`);
  const cloudsPath = join(dir, 'clouds.yaml');
  await measure('empty tree', configPath, cloudsPath, store);

  const t0 = performance.now();
  const template = (i: number) => newNode({
    state: i % 10 === 0 ? 'in-use' : 'ready', provider: 'sim', pool: 'main', cloud: 'sim', region: 'RegionOne', az: 'nova',
    type: ['small'], launcher: 'bench-PoolWorker.sim-main-00000000000000000000000000000000',
    external_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, image_id: 'cirros', username: 'zuul',
    connection_type: 'ssh', python_path: 'auto', public_ipv4: `127.1.${(i >> 8) & 255}.${i & 255}`, private_ipv4: `127.0.${(i >> 8) & 255}.${i & 255}`,
    interface_ip: `127.1.${(i >> 8) & 255}.${i & 255}`, host_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBenchBenchBenchBenchBenchBenchBenchBench'],
    resources: { cores: 1, instances: 1, ram: 512 }, allocated_to: i % 10 === 0 ? `200-${String(i).padStart(10, '0')}` : null,
    user_data: i % 10 === 0 ? { zuul_system: 'bench', project_name: 'org/project' } : null,
  }, Date.now());
  for (let i = 0; i < NODES; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, NODES - i) }, (_, j) => store.createNode(template(i + j))));
  }
  console.log(`created ${NODES} node records in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await measure(`${NODES} nodes`, configPath, cloudsPath, store);
  await client.close();
} finally {
  await sim.stop();
  await zkServer.stop();
  rmSync(dir, { recursive: true, force: true });
}
