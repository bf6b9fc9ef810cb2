// Figures for the launcher's care workers on the simulator and a local ZooKeeper:
// host-key scan latency, one ReadyNodeChecker pass over N ready nodes (port probe, then SSH
// login), one CleanupWorker pass over N servers with their nodes (plus a few leaked).
// Run: npx tsx bench/care/run.ts [--nodes 100]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startZkServer } from '../../test/harness/zk-server.ts';
import { startSimulator } from '../../src/cloud/sim/server.ts';
import { OpenStackProvider } from '../../src/cloud/openstack/provider.ts';
import { loadClouds } from '../../src/config/clouds/load-clouds.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { NodepoolConfig } from '../../src/config/model.ts';
import { connectZkClient } from '../../src/zk/client.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { systemClock } from '../../src/util/clock.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { hostKeyScanner } from '../../src/launcher/nodescan-ssh/scan-host-keys.ts';
import { ReadyNodeChecker } from '../../src/launcher/check/ready-node-checker.ts';
import { CleanupWorker } from '../../src/launcher/cleanup/cleanup-worker.ts';
import type { LauncherDeps } from '../../src/launcher/deps.ts';
import { openStackDrivers } from '../../src/launcher/driver/openstack-driver.ts';
import { registerKeypair } from '../../test/launcher/care/care-env.ts';
import { injectLeakedServers, makeReadyNodes } from './ready-nodes.ts';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '100' } } });
const N = Number(values.nodes);
const logger = silentLogger();
const dir = mkdtempSync(join(tmpdir(), 'np-bench-care-'));
const zk = await startZkServer();
const sim = await startSimulator({ config: { buildDelayMs: 0, deleteDelayMs: 0, quotas: { instances: -1, cores: -1, ram: -1 }, ssh: { enabled: true, port: 0 } } });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t: number) => `${(performance.now() - t).toFixed(0)} ms`;

try {
  writeFileSync(join(dir, 'clouds.yaml'), sim.cloudsYaml('sim'));
  writeFileSync(join(dir, 'nodepool.yaml'), `zookeeper-servers:\n  - host: 127.0.0.1\n    port: ${zk.plainPort}\nlabels:\n  - name: small\nproviders:\n  - name: sim\n    cloud: sim\n    rate: 0.001\n    cloud-images:\n      - name: cirros\n    pools:\n      - name: main\n        networks: [private]\n        labels:\n          - name: small\n            cloud-image: cirros\n            flavor-name: m1.tiny\n`);
  const { config: loaded } = await loadConfig(join(dir, 'nodepool.yaml'), { env: {} });
  let config: NodepoolConfig = loaded;
  const cloud = loadClouds({ env: { OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') }, home: dir, cwd: dir, systemDir: dir }).clouds.sim;
  const provider = new OpenStackProvider(config.providers[0], cloud, { clock: systemClock, logger, serverListTtlMs: 0 });
  await provider.start();
  const client = await connectZkClient({ servers: [{ host: '127.0.0.1', port: zk.plainPort }], logger });
  const store = new ZkStore(client, { logger, clock: systemClock });
  await store.init();
  const deps: LauncherDeps = { store, getConfig: () => config, drivers: openStackDrivers(new Map([['sim', provider]]), { getConfig: () => config, clock: systemClock, logger }), clock: systemClock, logger, hostname: 'bench' };

  // A keypair every server accepts, for the SSH-login variant of the check.
  const keyFile = await registerKeypair(sim, dir, 'bench');

  let t = performance.now();
  await makeReadyNodes(store, sim.admin, { count: N, provider: 'sim', pool: 'main', label: 'small', keyName: 'bench' });
  const servers = await sim.admin.listServers();
  console.log(`setup: ${N} ready nodes on ${N} simulator servers with SSH endpoints in ${ms(t)}`);

  const target = servers[0];
  const scans: number[] = [];
  for (let i = 0; i < 10; i++) {
    t = performance.now();
    const keys = await hostKeyScanner(systemClock)(target.sshHost!, target.sshPort!, 10_000, new AbortController().signal);
    scans.push(performance.now() - t);
    if (keys.length !== 3) throw new Error(`expected 3 keys, got ${keys.length}`);
  }
  console.log(`scanHostKeys (3 algorithms, one connection each): median ${median(scans).toFixed(1)} ms, max ${Math.max(...scans).toFixed(1)} ms (10 scans)`);

  const checker = new ReadyNodeChecker(deps);
  t = performance.now();
  await checker.runOnce();
  console.log(`ReadyNodeChecker pass, ${N} nodes, port probe: ${ms(t)}`);
  config = structuredClone(config);
  Object.assign(config.providers[0].pools[0].labels[0], { username: 'zuul', privateKey: keyFile });
  t = performance.now();
  await checker.runOnce();
  const ready = (await store.listNodes()).filter((n) => n.state === 'ready').length;
  console.log(`ReadyNodeChecker pass, ${N} nodes, SSH login: ${ms(t)} (${ready}/${N} still ready)`);

  await injectLeakedServers(sim.admin, 'sim', 5);
  const cleanup = new CleanupWorker(deps);
  t = performance.now();
  const first = await cleanup.pass();
  console.log(`CleanupWorker pass 1, ${N + 5} servers (5 leaked, remembered): ${ms(t)} ${JSON.stringify(first.tasks)}`);
  t = performance.now();
  const second = await cleanup.pass();
  console.log(`CleanupWorker pass 2 (deletes the 5): ${ms(t)} ${JSON.stringify(second.tasks)}`);
  await provider.stop();
  await client.close();
} finally {
  await sim.close();
  await zk.stop();
  rmSync(dir, { recursive: true, force: true });
}
