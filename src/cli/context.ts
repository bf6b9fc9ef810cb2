// What a command runs with: the loaded config, a store on a fresh ZooKeeper session (no caches),
// the clock, and its output. Heavy modules load here, lazily, so `nodepool --help` stays fast.
import type { NodepoolConfig, ProviderConfig } from '../config/model.ts';
import type { Store } from '../store/types.ts';
import type { CloudProvider } from '../cloud/provider.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import type { ZkClient } from '../zk/types.ts';
import type { CliIo } from './io.ts';
import { CliError } from './errors.ts';

export interface GlobalOptions {
  /** -c: nodepool.yaml. */
  config: string;
  /** -s: the secure file, when given or present at the default path. */
  secure?: string;
  debug: boolean;
}

export interface CliContext {
  readonly options: GlobalOptions;
  readonly config: NodepoolConfig;
  readonly store: Store;
  readonly clock: Clock;
  readonly io: CliIo;
  readonly logger: Logger;
  /** A started provider for a configured provider name (delete --now, alien-image-list). */
  openProvider(name: string): Promise<CloudProvider>;
  close(): Promise<void>;
}

export interface ContextDeps {
  io: CliIo;
  clock: Clock;
  logger: Logger;
  env: Record<string, string | undefined>;
  cwd: string;
  home: string;
}

export async function loadCliConfig(options: GlobalOptions, deps: Pick<ContextDeps, 'env' | 'cwd' | 'logger'>): Promise<NodepoolConfig> {
  const { loadConfig } = await import('../config/load.ts');
  const { config, warnings } = await loadConfig(options.config, { secure: options.secure, env: deps.env, cwd: deps.cwd });
  if (warnings.length > 0 && options.debug) {
    const { formatProblem } = await import('../config/errors.ts');
    for (const w of warnings) deps.logger.warn(formatProblem(w));
  }
  return config;
}

/** Connects to ZooKeeper as nodepool.yaml says; a failure is a one-line CliError. */
export async function connectStore(config: NodepoolConfig, deps: Pick<ContextDeps, 'clock' | 'logger'>): Promise<{ client: ZkClient; store: Store }> {
  if (config.zookeeperServers.length === 0) throw new CliError('no zookeeper-servers in the configuration');
  const { connectFromConfig, describeZkServers } = await import('../store/connect.ts');
  let client: ZkClient;
  try {
    client = await connectFromConfig(config, { minConnectMs: 5000 });
  } catch (err) {
    throw new CliError(`cannot connect to ZooKeeper at ${describeZkServers(config)}: ${(err as Error).message}`);
  }
  const { ZkStore } = await import('../store/zk-store.ts');
  const store = new ZkStore(client, { logger: deps.logger, clock: deps.clock });
  return { client, store };
}

async function startProvider(config: NodepoolConfig, name: string, deps: ContextDeps): Promise<CloudProvider> {
  const provider: ProviderConfig | undefined = config.providers.find((p) => p.name === name);
  if (!provider) throw new CliError(`provider ${name} is not defined in ${config.configFile}`);
  const { loadClouds } = await import('../config/clouds/load-clouds.ts');
  const clouds = loadClouds({ env: deps.env, home: deps.home, cwd: deps.cwd });
  const cloud = clouds.clouds[provider.cloud];
  if (!cloud) throw new CliError(`cloud ${provider.cloud} of provider ${name} is not in clouds.yaml`);
  const { OpenStackProvider } = await import('../cloud/openstack/provider.ts');
  const p = new OpenStackProvider(provider, cloud, { clock: deps.clock, logger: deps.logger });
  await p.start();
  return p;
}

export async function openContext(options: GlobalOptions, deps: ContextDeps): Promise<CliContext> {
  // Start loading the ZooKeeper and store modules while the config is read and validated.
  const preload = Promise.all([import('../zk/client.ts'), import('../store/zk-store.ts')]);
  preload.catch(() => undefined);
  const config = await loadCliConfig(options, deps);
  await preload;
  const { client, store } = await connectStore(config, deps);
  const providers: CloudProvider[] = [];
  let closed = false;
  return {
    options,
    config,
    store,
    clock: deps.clock,
    io: deps.io,
    logger: deps.logger,
    async openProvider(name) {
      const p = await startProvider(config, name, deps);
      providers.push(p);
      return p;
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled(providers.map((p) => p.stop()));
      await client.close();
    },
  };
}
