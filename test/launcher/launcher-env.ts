// A launcher on real ZooKeeper (this file's chroot) and the OpenStack simulator, plus a second
// ZooKeeper session that plays Zuul. Config goes through the real loader from YAML.
// By default the launcher and the simulator run on a ManualClock that `until` drives (time moves
// only while no ZooKeeper request or cloud call is in flight), so boot timeouts, retries and pass
// intervals are decided on clock time however loaded the machine is. Tests that spawn a daemon
// process pass `clock: 'system'`: a process cannot share our clock.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type RunningSimulator } from '../../src/cloud/sim/server.ts';
import type { SimulatorConfigInput } from '../../src/cloud/sim/config.ts';
import { OpenStackProvider, type OpenStackProviderOptions } from '../../src/cloud/openstack/provider.ts';
import { loadClouds } from '../../src/config/clouds/load-clouds.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { CloudConfig, NodepoolConfig, ProviderConfig } from '../../src/config/model.ts';
import type { CloudProvider } from '../../src/cloud/provider.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { ManualClock, systemClock, type Clock } from '../../src/util/clock.ts';
import { createCloudAgent } from '../../src/cloud/openstack/agent.ts';
import { ClockDriver, type UntilOptions } from '../harness/clock-driver.ts';
import { CountingDispatcher } from '../harness/counting-dispatcher.ts';
import { waitFor } from '../helpers/wait.ts';
import { silentLogger, createLogger, type Logger } from '../../src/util/logger.ts';
import { Launcher } from '../../src/launcher/launcher.ts';
import type { StaticProvidersOptions } from '../../src/launcher/static/static-providers.ts';
import { NodepoolMetrics } from '../../src/stats/metrics.ts';
import type { LauncherDeps } from '../../src/launcher/deps.ts';
import { testZk, type TestZk } from '../harness/zk.ts';
import type { ZooKeeperClient } from '../../src/zk/client.ts';
import { openStackDrivers } from '../../src/launcher/driver/openstack-driver.ts';

export interface EnvOptions {
  name: string;
  sim?: SimulatorConfigInput;
  /** The providers/labels part of nodepool.yaml (zookeeper-servers and webapp are added). */
  yaml: string;
  /** 'manual' (default): launcher and simulator on a driven ManualClock; 'system' for tests
   *  that spawn a launcher process. */
  clock?: 'manual' | 'system';
}

export interface LauncherEnv {
  zk: TestZk;
  sim: RunningSimulator;
  dir: string;
  configPath: string;
  cloudsPath: string;
  config: NodepoolConfig;
  cloud: CloudConfig;
  /** The launcher's own store and session. */
  store: ZkStore;
  client: ZooKeeperClient;
  /** A separate session acting as Zuul. */
  zuul: ZkStore;
  zuulClient: ZooKeeperClient;
  logger: Logger;
  /** What the launchers this env started emitted. */
  metrics: NodepoolMetrics;
  /** The clock of the launchers, their store and the simulator. */
  clock: Clock;
  /** Waits for a condition: on the manual clock it drives time (withinMs is clock time); on the
   *  system clock it polls (withinMs is a wall-clock deadline, default 30 s). */
  until<T>(condition: () => T | Promise<T>, options?: UntilOptions): Promise<NonNullable<T>>;
  /** Awaits work that may sleep on the clock (a launcher's start()), driving a manual clock. */
  drive<T>(work: Promise<T>): Promise<T>;
  /** Moves a manual clock `ms` at once (hours of age for a cleanup pass, no loop running). */
  jump(ms: number): Promise<void>;
  newLauncher(options?: { hostname?: string; store?: ZkStore; client?: ZooKeeperClient; staticHosts?: StaticProvidersOptions }): Promise<Launcher>;
  /** A started provider on the env's clock whose cloud calls the clock driver waits for
   *  (stopped by close()). */
  newProvider(config?: ProviderConfig, extra?: Partial<OpenStackProviderOptions>): Promise<OpenStackProvider>;
  /** Another ZooKeeper session with its own store (a second launcher). */
  newSession(): Promise<{ client: ZooKeeperClient; store: ZkStore }>;
  /** The full nodepool.yaml text for a spawned launcher process. */
  fullYaml: string;
  close(): Promise<void>;
}

export async function startEnv(opts: EnvOptions): Promise<LauncherEnv> {
  const logger = process.env.NODEPOOL_TEST_LOG ? createLogger('test', { level: 'debug' }) : silentLogger();
  const zk = testZk({ name: opts.name });
  const manual = (opts.clock ?? 'manual') === 'manual' ? new ManualClock(Date.now()) : null;
  const clock: Clock = manual ?? systemClock;
  const dispatchers: CountingDispatcher[] = [];
  const driver = manual
    ? new ClockDriver({ clock: manual, busy: () => zk.requestsInFlight() + dispatchers.reduce((n, d) => n + d.inFlight, 0) })
    : null;
  const client = await zk.connect();
  const store = new ZkStore(client, { logger, clock });
  await store.init();
  const zuulClient = await zk.connect();
  const zuul = new ZkStore(zuulClient, { logger, clock: systemClock });
  const sim = await startSimulator({
    clock,
    config: { buildDelayMs: 100, deleteDelayMs: 20, quotas: { instances: 100, cores: 400, ram: 1_000_000 }, ssh: { enabled: false }, ...opts.sim },
  });
  const dir = mkdtempSync(join(tmpdir(), `np-launcher-${opts.name}-`));
  const cloudsPath = join(dir, 'clouds.yaml');
  writeFileSync(cloudsPath, sim.cloudsYaml('sim'));
  const cloud = loadClouds({ env: { OS_CLIENT_CONFIG_FILE: cloudsPath }, home: dir, cwd: dir, systemDir: dir }).clouds.sim;
  const server = zk.servers[0];
  const fullYaml = [
    'zookeeper-servers:',
    `  - host: ${server.host}`,
    `    port: ${server.port}`,
    `    chroot: ${zk.chroot}`,
    'webapp:',
    '  port: 0',
    '  listen_address: 127.0.0.1',
    opts.yaml,
  ].join('\n');
  const configPath = join(dir, 'nodepool.yaml');
  writeFileSync(configPath, fullYaml);
  const { config } = await loadConfig(configPath, { env: {} });

  // Cloud images the config names must exist in the simulator.
  const setup = new OpenStackProvider(config.providers[0], cloud, { clock: systemClock, logger });
  await setup.start();
  const imageFile = join(dir, 'image.qcow2');
  writeFileSync(imageFile, Buffer.alloc(1024, 7));
  for (const ci of config.providers[0].cloudImages) {
    await setup.uploadImage({ name: ci.imageName ?? ci.name, filePath: imageFile, format: 'qcow2', metadata: {} });
  }
  await setup.stop();

  const launchers: Launcher[] = [];
  const providers: CloudProvider[] = [];
  const sessions: ZooKeeperClient[] = [];
  const metrics = new NodepoolMetrics();
  const env: LauncherEnv = {
    zk, sim, dir, configPath, cloudsPath, config, cloud, store, client, zuul, zuulClient, logger, fullYaml, metrics, clock,
    until(condition, options = {}) {
      if (driver) return driver.until(condition, options);
      return waitFor(condition, { timeoutMs: options.withinMs ?? 30_000, message: options.message });
    },
    drive(work) {
      return driver ? driver.settle(work) : work;
    },
    async jump(ms) {
      if (!manual) throw new Error('jump needs the manual clock');
      await manual.advance(ms);
    },
    async newSession() {
      const c = await zk.connect();
      sessions.push(c);
      return { client: c, store: new ZkStore(c, { logger, clock }) };
    },
    async newProvider(p = env.config.providers[0], extra = {}) {
      const dispatcher = new CountingDispatcher(createCloudAgent(cloud));
      dispatchers.push(dispatcher);
      const provider = new OpenStackProvider(p, cloud, { clock, logger, serverListTtlMs: 20, dispatcher, ...extra });
      providers.push(provider);
      await provider.start();
      return provider;
    },
    async newLauncher(o = {}) {
      const map = new Map<string, CloudProvider>();
      for (const p of config.providers) map.set(p.name, await env.newProvider(p));
      const deps: LauncherDeps = {
        store: o.store ?? store, getConfig: () => env.config, drivers: openStackDrivers(map, { getConfig: () => env.config, clock, logger, pollMs: 10 }), clock, logger,
        hostname: o.hostname ?? 'test-host', metrics,
      };
      const launcher = new Launcher({ deps, connection: o.client ?? client, refreshIntervalMs: 200, staticHosts: o.staticHosts });
      launchers.push(launcher);
      await env.drive(launcher.start());
      return launcher;
    },
    async close() {
      // Stopping may wait out a sleep that is not tied to the stop (a cloud call's retry): the
      // clock keeps moving meanwhile, as real time would.
      for (const l of launchers) await env.drive(l.stop()).catch(() => {});
      for (const p of providers) await p.stop().catch(() => {});
      for (const d of dispatchers) await d.close().catch(() => {});
      await zk.closeAll();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return env;
}

/** As Zuul does with a fulfilled request: delete it, then lock each node, set it used, unlock. */
export async function returnNodes(zuul: ZkStore, request: { id: string; nodes: string[] }): Promise<void> {
  await zuul.deleteRequest(request.id);
  for (const id of request.nodes) {
    const lock = (await zuul.lockNode(id, { blocking: true, timeoutMs: 10_000 }))!;
    const node = (await zuul.getNode(id))!;
    node.state = 'used';
    await zuul.storeNode(node);
    await lock.release();
  }
}

/** The standard one-provider config; tweak with the parameters. */
export function simpleYaml(o: {
  maxServers?: number; minReady?: number; hostKeyChecking?: boolean; bootTimeout?: number; launchTimeout?: number;
  launchRetries?: number; labels?: string[]; connectionPort?: number;
} = {}): string {
  const labels = o.labels ?? ['small'];
  return [
    'labels:',
    ...labels.map((l) => `  - name: ${l}\n    min-ready: ${o.minReady ?? 0}`),
    'providers:',
    '  - name: sim',
    '    cloud: sim',
    '    rate: 0.001',
    `    boot-timeout: ${o.bootTimeout ?? 5}`,
    `    launch-timeout: ${o.launchTimeout ?? 20}`,
    `    launch-retries: ${o.launchRetries ?? 3}`,
    '    cloud-images:',
    '      - name: cirros',
    '        image-name: cirros',
    '        username: cirros',
    `        connection-port: ${o.connectionPort ?? 22}`,
    '    pools:',
    '      - name: main',
    `        max-servers: ${o.maxServers ?? 10}`,
    '        auto-floating-ip: false',
    '        networks: [private]',
    `        host-key-checking: ${o.hostKeyChecking ?? false}`,
    '        labels:',
    ...labels.map((l) => `          - name: ${l}\n            cloud-image: cirros\n            flavor-name: m1.tiny`),
  ].join('\n');
}
