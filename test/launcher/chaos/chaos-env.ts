// The chaos stage: a PRIVATE ZooKeeper server (so freezing it hurts no other test file), the
// OpenStack simulator with injected faults, and launcher PROCESSES started from source.
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { startSimulator, type RunningSimulator } from '../../../src/cloud/sim/server.ts';
import type { FaultConfig } from '../../../src/cloud/sim/types.ts';
import { OpenStackProvider } from '../../../src/cloud/openstack/provider.ts';
import { loadClouds } from '../../../src/config/clouds/load-clouds.ts';
import { loadConfig } from '../../../src/config/load.ts';
import type { CloudConfig, NodepoolConfig } from '../../../src/config/model.ts';
import { ZkStore } from '../../../src/store/zk-store.ts';
import { systemClock } from '../../../src/util/clock.ts';
import { silentLogger, createLogger, type Logger } from '../../../src/util/logger.ts';
import type { ZooKeeperClient } from '../../../src/zk/client.ts';
import { startZkServer, testZk, type TestZk, type ZkServerHandle } from '../../harness/zk.ts';
import { spawnEntry } from '../../helpers/spawn.ts';

export interface LauncherProcess {
  name: string;
  proc: ChildProcess;
  logPath: string;
  exited: Promise<void>;
}

export interface ChaosEnv {
  server: ZkServerHandle;
  zk: TestZk;
  sim: RunningSimulator;
  dir: string;
  configPath: string;
  cloudsPath: string;
  config: NodepoolConfig;
  cloud: CloudConfig;
  logger: Logger;
  /** The session playing Zuul: a long session timeout so it outlives the ZooKeeper freeze. */
  zuul: ZkStore;
  zuulClient: ZooKeeperClient;
  startLauncher(name: string): LauncherProcess;
  launchers: LauncherProcess[];
  /** The last lines of every launcher log, for failure messages. */
  logTail(lines?: number): string;
  close(): Promise<void>;
}

export interface ChaosOptions {
  faults: FaultConfig;
  /** The labels/providers part of nodepool.yaml. */
  yaml: string;
  zookeeperTimeoutSeconds: number;
}

export async function startChaosEnv(opts: ChaosOptions): Promise<ChaosEnv> {
  const logger = process.env.NODEPOOL_TEST_LOG ? createLogger('chaos-test', { level: 'debug' }) : silentLogger();
  const server = await startZkServer();
  const zk = testZk({ server, name: 'chaos' });
  const zuulClient = await zk.connect({ sessionTimeoutMs: 40_000 });
  const zuul = new ZkStore(zuulClient, { logger, clock: systemClock });
  await zuul.init();
  const sim = await startSimulator({
    config: { buildDelayMs: 200, deleteDelayMs: 50, quotas: { instances: 200, cores: 800, ram: 2_000_000 }, ssh: { enabled: false }, seed: 7 },
  });
  const dir = mkdtempSync(join(tmpdir(), 'np-chaos-'));
  const cloudsPath = join(dir, 'clouds.yaml');
  writeFileSync(cloudsPath, sim.cloudsYaml('sim'));
  const cloud = loadClouds({ env: { OS_CLIENT_CONFIG_FILE: cloudsPath }, home: dir, cwd: dir, systemDir: dir }).clouds.sim;
  const configPath = join(dir, 'nodepool.yaml');
  writeFileSync(configPath, [
    'zookeeper-servers:',
    `  - host: ${zk.servers[0].host}`,
    `    port: ${zk.servers[0].port}`,
    `    chroot: ${zk.chroot}`,
    `zookeeper-timeout: ${opts.zookeeperTimeoutSeconds}`,
    opts.yaml,
  ].join('\n'));
  const { config } = await loadConfig(configPath, { env: {} });

  // The cloud image the config names, uploaded before the faults are switched on.
  const setup = new OpenStackProvider(config.providers[0], cloud, { clock: systemClock, logger });
  await setup.start();
  const imageFile = join(dir, 'image.qcow2');
  writeFileSync(imageFile, Buffer.alloc(1024, 7));
  for (const ci of config.providers[0].cloudImages) {
    await setup.uploadImage({ name: ci.imageName ?? ci.name, filePath: imageFile, format: 'qcow2', metadata: {} });
  }
  await setup.stop();
  sim.admin.setFaults(opts.faults);

  const launchers: LauncherProcess[] = [];
  const streams: WriteStream[] = [];
  const env: ChaosEnv = {
    server, zk, sim, dir, configPath, cloudsPath, config, cloud, logger, zuul, zuulClient, launchers,
    startLauncher(name) {
      const logPath = join(dir, `${name}-${launchers.filter((l) => l.name === name).length}.log`);
      const log = createWriteStream(logPath);
      streams.push(log);
      const proc = spawnEntry('launcher/main.ts', ['-c', configPath, '--no-webapp'], {
        env: { OS_CLIENT_CONFIG_FILE: cloudsPath, NODEPOOL_SERVER_LIST_TTL_MS: '100' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      proc.stdout!.pipe(log, { end: false });
      proc.stderr!.pipe(log, { end: false });
      const exited = proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : once(proc, 'exit').then(() => undefined);
      const l = { name, proc, logPath, exited };
      launchers.push(l);
      return l;
    },
    logTail(lines = 30) {
      return launchers.map((l) => {
        let text = '';
        try { text = readFileSync(l.logPath, 'utf8'); } catch { /* not written yet */ }
        return `--- ${l.logPath}\n${text.split('\n').slice(-lines).join('\n')}`;
      }).join('\n');
    },
    async close() {
      server.thaw();
      for (const l of launchers) {
        if (l.proc.exitCode === null && l.proc.signalCode === null) l.proc.kill('SIGKILL');
        await l.exited;
      }
      for (const s of streams) s.end();
      await zk.closeAll().catch(() => undefined);
      await server.stop();
      await sim.close();
      if (!process.env.NODEPOOL_KEEP_CHAOS_DIR) rmSync(dir, { recursive: true, force: true });
    },
  };
  return env;
}
