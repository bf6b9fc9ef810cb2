// nodepool-builder -c nodepool.yaml [-s secure.yaml] [--build-only|--upload-only]
// SIGTERM/SIGINT: graceful stop (builds killed and recorded failed, locks released, exit 0).
// SIGHUP (and a changed config file): reload.
import { writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { Command } from 'commander';
import { ConfigError, formatProblem } from '../config/errors.ts';
import { loadConfig } from '../config/load.ts';
import { loadClouds } from '../config/clouds/load-clouds.ts';
import { ConfigWatcher } from '../config/watcher.ts';
import type { CloudsConfig, NodepoolConfig, ProviderConfig } from '../config/model.ts';
import { OpenStackProvider } from '../cloud/openstack/provider.ts';
import type { CloudProvider } from '../cloud/provider.ts';
import { ZkStore } from '../store/zk-store.ts';
import { createMetrics, statsdTargetFromEnv } from '../stats/metrics.ts';
import { systemClock } from '../util/clock.ts';
import { createLogger, type Logger } from '../util/logger.ts';
import { connectZkClient } from '../zk/client.ts';
import { NodepoolBuilder, type BuilderMode } from './nodepool-builder.ts';
import { exitWith, runUntilStopped } from '../util/daemon-lifecycle.ts';
import { installProcessPolicy } from '../util/process-policy.ts';
import { warnTlsWeakenings } from '../config/tls-weakenings.ts';
import { cleanOrphanRuns } from './orphan-runs.ts';

interface CliOptions {
  config: string;
  secure?: string;
  buildOnly?: boolean;
  uploadOnly?: boolean;
  debug?: boolean;
  pidfile?: string;
}

function parseArgs(argv: string[]): CliOptions {
  const program = new Command('nodepool-builder')
    .description('Builds diskimages with diskimage-builder and uploads them to the providers')
    .option('-c, --config <file>', 'nodepool.yaml', '/etc/nodepool/nodepool.yaml')
    .option('-s, --secure <file>', 'secure file (ZooKeeper credentials, diskimage env-vars)')
    .option('--build-only', 'only build images (no uploads)')
    .option('--upload-only', 'only upload images (no builds)')
    // Upstream's daemon flags, so existing unit files and scripts keep working. We never fork.
    .option('-d, --debug', 'debug logging (upstream: also stay in the foreground)')
    .option('-f, --foreground', 'stay in the foreground (always the case)')
    .option('-p, --pidfile <file>', 'write the process id to this file')
    .allowExcessArguments(false);
  program.parse(argv);
  const opts = program.opts<CliOptions>();
  if (opts.buildOnly && opts.uploadOnly) program.error('--build-only and --upload-only exclude each other');
  return opts;
}

async function load(opts: CliOptions): Promise<NodepoolConfig> {
  const { config, warnings } = await loadConfig(opts.config, { secure: opts.secure, env: process.env });
  for (const w of warnings) process.stderr.write(`warning: ${formatProblem(w)}\n`);
  return config;
}

function makeProviderFactory(logger: Logger): (p: ProviderConfig) => CloudProvider {
  return (p) => {
    // clouds.yaml is read whenever a provider is (re)created, so a reload sees its changes.
    const clouds: CloudsConfig = loadClouds({ env: process.env, home: process.env.HOME ?? homedir(), cwd: process.cwd() });
    const cloud = clouds.clouds[p.cloud];
    if (!cloud) throw new Error(`provider ${p.name}: cloud ${p.cloud} is not in clouds.yaml`);
    return new OpenStackProvider(p, cloud, { clock: systemClock, logger });
  };
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv);
  const logger = createLogger('nodepool-builder', opts.debug ? { level: 'debug' } : {});
  installProcessPolicy('nodepool-builder', logger);
  if (opts.pidfile) writeFileSync(opts.pidfile, `${process.pid}\n`);
  let config: NodepoolConfig;
  try {
    config = await load(opts);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
  warnTlsWeakenings(logger, config);
  await cleanOrphanRuns(config.buildLogDir, logger);
  if (!config.imagesDir) {
    process.stderr.write(`${config.configFile}: images-dir is required for nodepool-builder\n`);
    return 1;
  }
  const zk = config.zookeeperServers;
  if (zk.length === 0) {
    process.stderr.write(`${config.configFile}: zookeeper-servers is required\n`);
    return 1;
  }
  let client: Awaited<ReturnType<typeof connectZkClient>>;
  try {
    client = await connectZkClient({
      servers: zk.map((s) => ({ host: s.host, port: s.port })),
      chroot: zk[0].chroot ?? undefined,
      tls: config.zookeeperTls ?? undefined,
      sessionTimeoutMs: Math.round(config.zookeeperTimeout * 1000),
      logger,
    }, Math.max(10_000, Math.round(config.zookeeperTimeout * 1000)));
  } catch (err) {
    // systemd restarts us; a clear line beats a stack trace.
    process.stderr.write(`nodepool-builder: cannot connect to ZooKeeper ${zk.map((s) => `${s.host}:${s.port}`).join(',')}: ${(err as Error).message}\n`);
    return 1;
  }
  const store = new ZkStore(client, { logger, clock: systemClock });
  const metrics = await createMetrics({ statsd: statsdTargetFromEnv(process.env), logger });
  const mode: BuilderMode = opts.buildOnly ? 'build-only' : opts.uploadOnly ? 'upload-only' : 'all';
  const builder = new NodepoolBuilder({
    config, store, clock: systemClock, logger, mode, metrics,
    providerFactory: makeProviderFactory(logger),
    ...intervalOverrides(),
  });
  await builder.start();
  let sessionLost = false;
  client.on('state', (state) => {
    if (state === 'lost') sessionLost = true;
    if (state === 'connected' && sessionLost) {
      sessionLost = false;
      builder.sessionRestored().catch((err) => logger.error({ err }, 're-registering the builder component failed'));
    }
  });

  const reload = async (next?: NodepoolConfig) => {
    try {
      await builder.reload(next ?? (await load(opts)));
    } catch (err) {
      logger.error({ err: err instanceof ConfigError ? err.message : err }, 'reload failed; keeping the running configuration');
    }
  };
  const watcher = new ConfigWatcher({
    path: opts.config, secure: opts.secure, env: process.env, clock: systemClock, initial: config,
    onChange: (c) => void reload(c),
    onInvalid: (problems) => logger.error({ problems: problems.map(formatProblem) }, 'changed configuration is invalid; keeping the running one'),
  });
  watcher.start();

  return runUntilStopped({
    logger,
    shutdownSteps: [() => watcher.close(), () => builder.stop(), () => metrics.close(), () => client.close()],
    onReload: () => void reload(),
  });
}

/** Test and demo knobs: shorter loop intervals (ms) through the environment, read only here. */
function intervalOverrides() {
  const num = (name: string) => {
    const v = process.env[name];
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  return {
    buildIntervalMs: num('NODEPOOL_BUILDER_BUILD_INTERVAL_MS'),
    uploadIntervalMs: num('NODEPOOL_BUILDER_UPLOAD_INTERVAL_MS'),
    cleanupIntervalMs: num('NODEPOOL_BUILDER_CLEANUP_INTERVAL_MS'),
    killGraceMs: num('NODEPOOL_BUILDER_KILL_GRACE_MS'),
  };
}

exitWith('nodepool-builder', main);
