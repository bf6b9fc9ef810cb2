// The packstack scenario end to end: a classic-format config (like etc/packstack/nodepool.yaml)
// pointing at the OpenStack simulator and this file's ZooKeeper chroot, the real launcher
// process, the real CLI. The node is ready only after run_packstack.sh succeeded on it;
// `nodepool delete` brings a fresh one; a node whose SSH dies is replaced by the check cron.
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/cloud/sim/server.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import type { Node } from '../../src/model/types.ts';
import { systemClock } from '../../src/util/clock.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { testZk, type TestZk } from '../harness/zk.ts';
import { runEntry, spawnEntry } from '../helpers/spawn.ts';
import { waitFor } from '../helpers/wait.ts';
import { SimApi } from '../cloud/sim/sim-client.ts';
import { registerKeypair } from '../launcher/care/care-env.ts';

/** Classic images have no connection-port: nodepool connects to 22 (we run as root, as CI does). */
const SSH_PORT = 22;
const CHECK_PERIOD_S = 2;
/** Where the ready-script output goes by default: beside the classic build-log-dir. */
const READY_LOG_DIR = '/var/log/nodepool/ready-script';

const STAND_IN = `#!/bin/bash
# Stand-in for run_packstack.sh on the simulator: same contract (hostname argument,
# /etc/nodepool/node, NODEPOOL_PROVIDER), no packstack. NODEPOOL_SANDBOX is the simulated node's root.
set -euo pipefail
HOSTNAME_ARG=\${1:?usage: run_packstack.sh HOSTNAME}
NODE_IP=$(cat "\${NODEPOOL_SANDBOX:-}/etc/nodepool/node")
echo "installing packstack on $HOSTNAME_ARG ($NODE_IP)"
date +%s.%N > "\${NODEPOOL_SANDBOX:-$HOME}/packstack-marker"
echo "packstack ready on $HOSTNAME_ARG ($NODE_IP), provider $NODEPOOL_PROVIDER"
`;

/** A watch may coalesce quick changes (init is often skipped), but ready comes once, last. */
function expectLaunchHistory(states: string[]): void {
  expect(states.at(-1)).toBe('ready');
  expect(states.slice(0, -1).every((s) => s === 'init' || s === 'building')).toBe(true);
  expect(states).toContain('building');
}

function classicConfig(zk: TestZk, keyPath: string): string {
  return `# The packstack example on the simulator (written by test/e2e/packstack.test.ts).
cron:
  cleanup: '*/10 * * * * *'
  check: '*/${CHECK_PERIOD_S} * * * * *'
zookeeper-servers:
  - host: ${zk.servers[0].host}
    port: ${zk.servers[0].port}
    chroot: ${zk.chroot}
providers:
  - name: default
    cloud: le-cloud
    keypair: nodepool
    images:
      - name: rdo-ocata
        username: jenkins
        min-ram: 1024
        name-filter: m1.small
        private-key: ${keyPath}
    networks:
      - name: private
    max-servers: 2
    boot-timeout: 30
    launch-timeout: 60
    clean-floating-ips: true
    rate: 0.01
labels:
  - name: rdo-ocata
    image: rdo-ocata
    min-ready: 1
    ready-script: run_packstack.sh
    providers:
      - name: default
`;
}

describe('packstack end to end (classic config, launcher process, simulator)', () => {
  let zk: TestZk;
  let sim: RunningSimulator;
  let store: ZkStore;
  let dir: string;
  let configPath: string;
  let launcher: ChildProcess;
  let output = '';
  const history = new Map<string, { state: string; time: number }[]>();
  const cliEnv = () => ({ OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') });

  beforeAll(async () => {
    zk = testZk({ name: 'packstack-e2e' });
    store = new ZkStore(await zk.connect(), { logger: silentLogger(), clock: systemClock });
    await store.init();
    sim = await startSimulator({ config: { ssh: { port: SSH_PORT }, buildDelayMs: 300 } });
    dir = mkdtempSync(join(tmpdir(), 'np-packstack-'));
    writeFileSync(join(dir, 'clouds.yaml'), sim.cloudsYaml('le-cloud'), { mode: 0o600 });
    await (await SimApi.login(sim)).activeImage('rdo-ocata');
    const keyPath = await registerKeypair(sim, dir, 'nodepool');
    mkdirSync(join(dir, 'scripts'));
    writeFileSync(join(dir, 'scripts', 'run_packstack.sh'), STAND_IN, { mode: 0o755 });
    configPath = join(dir, 'nodepool.yaml');
    writeFileSync(configPath, classicConfig(zk, keyPath));

    const cache = store.nodeCache();
    cache.on('changed', (id, node) => {
      if (!node) return;
      const states = history.get(id) ?? [];
      if (states.at(-1)?.state !== node.state) states.push({ state: node.state, time: node.state_time });
      history.set(id, states);
    });
    await cache.ready;
    launcher = spawnEntry('launcher/main.ts', ['-c', configPath, '--no-webapp'], {
      env: { ...cliEnv(), NODEPOOL_SERVER_LIST_TTL_MS: '100', NODEPOOL_E2E_MARK: 'packstack' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    launcher.stdout!.on('data', (d) => (output += d));
    launcher.stderr!.on('data', (d) => (output += d));
  });

  afterEach((ctx) => {
    // The launcher's own account of what happened is the quickest way to a cause.
    if (ctx.task.result?.state === 'fail') console.error(`launcher output (tail):\n${output.slice(-6000)}`);
  });

  afterAll(async () => {
    if (launcher && launcher.exitCode === null) {
      launcher.kill('SIGTERM');
      await Promise.race([once(launcher, 'exit'), new Promise((r) => setTimeout(r, 15_000))]);
      if (launcher.exitCode === null) launcher.kill('SIGKILL');
    }
    await zk?.closeAll();
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A ready node whose whole state history the watch has seen (the cache may trail a direct read). */
  const readyNode = (not: string[] = []) => waitFor(async () => (await store.listNodes())
    .find((n) => n.state === 'ready' && !not.includes(n.id) && history.get(n.id)?.at(-1)?.state === 'ready'),
  { timeoutMs: 40_000, message: `a ready node (launcher output: ${output.slice(-2000)})` });
  const sandboxOf = async (node: Node) => (await sim.admin.listServers()).find((s) => s.id === node.external_id)!.sandboxDir;

  let first: Node;

  it('makes the node ready only after run_packstack.sh succeeded on it', async () => {
    first = await readyNode();
    const states = history.get(first.id)!;
    expectLaunchHistory(states.map((s) => s.state));
    const readyAt = states.at(-1)!.time;
    const sandbox = await sandboxOf(first);
    const finished = Number(readFileSync(join(sandbox, 'packstack-marker'), 'utf8'));
    expect(finished).toBeGreaterThan(0);
    expect(finished).toBeLessThanOrEqual(readyAt);
    expect(readFileSync(join(sandbox, 'etc/nodepool/node'), 'utf8')).toBe(`${first.interface_ip}\n`);
    expect(readFileSync(join(sandbox, 'etc/nodepool/provider'), 'utf8')).toContain('NODEPOOL_PROVIDER=default\nNODEPOOL_CLOUD=le-cloud\n');
    // The per-node log has this server's run, its output, and an exit 0 stamped before ready.
    const log = readFileSync(join(READY_LOG_DIR, `${first.id}.log`), 'utf8');
    const run = log.slice(log.lastIndexOf(`server ${first.external_id} at jenkins@`));
    expect(run).toContain(`packstack ready on np${first.id} (${first.interface_ip}), provider default`);
    const exit = /=== (\S+) exit 0\n/.exec(run);
    expect(exit).not.toBeNull();
    expect(Date.parse(exit![1]) / 1000).toBeLessThanOrEqual(readyAt);
  });

  it('`nodepool list` shows the node with its IP', async () => {
    const r = await runEntry('cli/main.ts', ['-c', configPath, 'list'], { env: cliEnv() });
    expect(r.code).toBe(0);
    const row = r.stdout.split('\n').find((l) => l.includes(first.id));
    expect(row).toBeDefined();
    expect(row).toContain(first.interface_ip!);
    expect(row).toContain('rdo-ocata');
    expect(row).toContain('ready');
  });

  it('`nodepool delete` removes the node and min-ready brings a fresh one', async () => {
    const r = await runEntry('cli/main.ts', ['-c', configPath, 'delete', first.id], { env: cliEnv() });
    expect(r.code).toBe(0);
    await waitFor(async () => (await store.getNode(first.id)) === null, { timeoutMs: 20_000, message: 'deleted node gone' });
    const fresh = await readyNode([first.id]);
    expect(fresh.id).not.toBe(first.id);
    expectLaunchHistory(history.get(fresh.id)!.map((s) => s.state));
    first = fresh;
  });

  it('replaces a node whose SSH endpoint dies within one check period', async () => {
    const victim = first;
    await sim.admin.killServer(victim.external_id!, { status: null });
    const killed = Date.now();
    await waitFor(async () => history.get(victim.id)?.some((s) => s.state === 'deleting'), { timeoutMs: 20_000, message: 'dead node marked deleting' });
    const noticedMs = Date.now() - killed;
    // One period until the next check, plus the check itself (a refused login, one retry after 1 s)
    // and slack for a loaded CI machine. Measured here: 1.7-2.1 s.
    expect(noticedMs).toBeLessThan(CHECK_PERIOD_S * 1000 + 4000);
    const fresh = await readyNode([victim.id]);
    expect(fresh.id).not.toBe(victim.id);
    await waitFor(async () => (await store.getNode(victim.id)) === null, { timeoutMs: 20_000, message: 'dead node deleted' });
    expect(output).toContain('ready node failed the check; deleting it');
  });
});
