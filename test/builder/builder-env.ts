// Everything a builder test needs for real: a ZooKeeper chroot (test harness), one or more
// OpenStack simulators with providers talking to them over loopback HTTP, and temp dirs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuilderContext, BuilderView } from '../../src/builder/builder-context.ts';
import { NodepoolBuilder, type NodepoolBuilderOptions } from '../../src/builder/nodepool-builder.ts';
import { loadClouds } from '../../src/config/clouds/load-clouds.ts';
import type { CloudConfig, NodepoolConfig, ProviderConfig } from '../../src/config/model.ts';
import { OpenStackProvider } from '../../src/cloud/openstack/provider.ts';
import { startSimulator, type RunningSimulator } from '../../src/cloud/sim/server.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { systemClock, type Clock } from '../../src/util/clock.ts';
import { silentLogger, type Logger } from '../../src/util/logger.ts';
import type { ZooKeeperClient } from '../../src/zk/client.ts';
import { testZk, type TestZk } from '../harness/zk.ts';
import { waitFor } from '../helpers/wait.ts';

export interface BuilderTestEnv {
  dir: string;
  imagesDir: string;
  logDir: string;
  zk: TestZk;
  client: ZooKeeperClient;
  store: ZkStore;
  sims: Map<string, RunningSimulator>;
  clouds: Map<string, CloudConfig>;
  logger: Logger;
  /** A provider object for a provider config, against that provider's simulator. */
  provider(pc: ProviderConfig, clock?: Clock): OpenStackProvider;
  /** A builder with fast loops; stopped by close(). */
  builder(config: NodepoolConfig, over?: Partial<NodepoolBuilderOptions>): NodepoolBuilder;
  close(): Promise<void>;
}

/** One simulator per provider name. */
export async function builderTestEnv(name: string, providerNames: string[]): Promise<BuilderTestEnv> {
  const dir = mkdtempSync(join(tmpdir(), `np-builder-${name}-`));
  const zk = testZk({ name: `builder-${name}` });
  const client = await zk.connect();
  const logger = process.env.NODEPOOL_TEST_LOG ? (await import('../../src/util/logger.ts')).createLogger('test', { level: 'debug' }) : silentLogger();
  const store = new ZkStore(client, { logger, clock: systemClock });
  await store.init();
  const sims = new Map<string, RunningSimulator>();
  const clouds = new Map<string, CloudConfig>();
  for (const p of providerNames) {
    const sim = await startSimulator({ config: { ssh: { enabled: false } } });
    sims.set(p, sim);
    const file = join(dir, `clouds-${p}.yaml`);
    writeFileSync(file, sim.cloudsYaml(p));
    const cloud = loadClouds({ env: { OS_CLIENT_CONFIG_FILE: file }, home: dir, cwd: dir, systemDir: dir }).clouds[p];
    if (!cloud) throw new Error(`no cloud ${p}`);
    clouds.set(p, cloud);
  }
  const builders: NodepoolBuilder[] = [];
  const providers: OpenStackProvider[] = [];
  const env: BuilderTestEnv = {
    dir, imagesDir: join(dir, 'images'), logDir: join(dir, 'logs'), zk, client, store, sims, clouds, logger,
    provider(pc, clock = systemClock) {
      const cloud = clouds.get(pc.name);
      if (!cloud) throw new Error(`no simulator for provider ${pc.name}`);
      const p = new OpenStackProvider(pc, cloud, { clock, logger, imagePollIntervalMs: 20 });
      providers.push(p);
      return p;
    },
    builder(config, over = {}) {
      const b = new NodepoolBuilder({
        config, store, clock: systemClock, logger, hostname: 'nb-test',
        providerFactory: (pc) => env.provider(pc),
        buildIntervalMs: 50, uploadIntervalMs: 50, cleanupIntervalMs: 100, killGraceMs: 300,
        uploadRetryBaseMs: 100, uploadRetryCapMs: 400,
        baseEnv: { PATH: process.env.PATH },
        ...over,
      });
      builders.push(b);
      return b;
    },
    async close() {
      await Promise.allSettled(builders.map((b) => b.stop()));
      await Promise.allSettled(providers.map((p) => p.stop()));
      await Promise.allSettled([...sims.values()].map((s) => s.close()));
      await zk.closeAll();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return env;
}

/** A BuilderContext for driving one worker directly (no loops). */
export function directContext(env: BuilderTestEnv, view: BuilderView, clock: Clock = systemClock): BuilderContext {
  return { store: env.store, clock, logger: env.logger, hostname: 'nb-test', builderId: 'test-builder-id', view: () => view };
}

/** waitFor with a deadline generous enough for a loaded CI machine (2 cores, parallel test files). */
export function waitLong<T>(condition: () => T | Promise<T>, options: { timeoutMs?: number; message?: string } = {}) {
  return waitFor(condition, { timeoutMs: 45_000, ...options });
}
