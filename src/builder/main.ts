// nodepool-builder [-c nodepool.yaml] [-s secure.yaml] [-d] [-f] [-p pidfile] [-l logging.conf]
//   [--build-workers N] [--upload-workers N] [--build-only|--upload-only] (see src/util/daemon-args.ts)
// SIGTERM/SIGINT: graceful stop (builds killed and recorded failed, locks released, exit 0).
// SIGHUP (and a changed config file): reload.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { ConfigError, formatProblem } from '../config/errors.ts';
import { loadConfig } from '../config/load.ts';
import { loadClouds } from '../config/clouds/load-clouds.ts';
import { ConfigWatcher } from '../config/watcher.ts';
import type { CloudsConfig, NodepoolConfig, ProviderConfig } from '../config/model.ts';
import { OpenStackProvider } from '../cloud/openstack/provider.ts';
import type { CloudProvider } from '../cloud/provider.ts';
import { connectFromConfig, describeZkServers } from '../store/connect.ts';
import { ZkStore } from '../store/zk-store.ts';
import { createMetrics, statsdTargetFromEnv, type Metrics, type NodepoolMetrics } from '../stats/metrics.ts';
import { systemClock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import type { ZooKeeperClient } from '../zk/client.ts';
import { parseBuilderArgs, type BuilderArgs } from '../util/daemon-args.ts';
import { parseListen, startMetricsEndpoint } from '../web/metrics-endpoint.ts';
import { openDaemonLogger } from '../util/daemon-logger.ts';
import { NodepoolBuilder, type BuilderMode } from './nodepool-builder.ts';
import { exitWith, installDaemonSignals, startThenRun } from '../util/daemon-lifecycle.ts';
import { installProcessPolicy } from '../util/process-policy.ts';
import { warnTlsWeakenings } from '../config/tls-weakenings.ts';
import { cleanOrphanRuns } from './orphan-runs.ts';

type CliOptions = BuilderArgs;

async function load(opts: CliOptions): Promise<NodepoolConfig> {
  const { config, warnings } = await loadConfig(opts.config, { secure: opts.secure, env: process.env });
  for (const w of warnings) process.stderr.write(`warning: ${formatProblem(w)}\n`);
  return config;
}

// clouds.yaml is read whenever a provider is (re)created or a reload compares it, so a reload
// sees its changes (rotated credentials) without a restart.
function readClouds(): CloudsConfig {
  return loadClouds({ env: process.env, home: process.env.HOME ?? homedir(), cwd: process.cwd() });
}

/** The provider's clouds.yaml entry, hashed (it holds credentials): a change rebuilds the provider. */
function cloudFingerprint(p: ProviderConfig): string {
  return createHash('sha256').update(JSON.stringify(readClouds().clouds[p.cloud] ?? null)).digest('hex');
}

function makeProviderFactory(logger: Logger, metrics: Metrics): (p: ProviderConfig) => CloudProvider {
  return (p) => {
    const cloud = readClouds().clouds[p.cloud];
    if (!cloud) throw new Error(`provider ${p.name}: cloud ${p.cloud} is not in clouds.yaml`);
    return new OpenStackProvider(p, cloud, { clock: systemClock, logger, metrics });
  };
}

/** What start-up has built so far (null until then): the shutdown steps stop what exists. */
interface DaemonParts {
  client: ZooKeeperClient | null;
  metrics: NodepoolMetrics | null;
  builder: NodepoolBuilder | null;
  watcher: ConfigWatcher | null;
  metricsEndpoint: { close(): Promise<void> } | null;
}

async function main(): Promise<number> {
  const parsed = parseBuilderArgs(process.argv);
  if (parsed.kind === 'exit') return parsed.code;
  const opts = parsed.args;
  const logging = openDaemonLogger('nodepool-builder', opts);
  if (!logging) return 1;
  const { logger, warnings: logWarnings } = logging;
  installProcessPolicy('nodepool-builder', logger);
  for (const w of logWarnings) logger.warn(w);
  if (opts.buildWorkers !== 1 || opts.uploadWorkers !== 4) {
    // Accepted so upstream's command lines work; our loops run one build at a time and one
    // upload per provider at a time.
    logger.info({ buildWorkers: opts.buildWorkers, uploadWorkers: opts.uploadWorkers }, 'worker counts accepted; builds run one at a time and uploads one per provider at a time');
  }
  if (opts.pidfile) writeFileSync(opts.pidfile, `${process.pid}\n`);
  const parts: DaemonParts = { client: null, metrics: null, builder: null, watcher: null, metricsEndpoint: null };
  const reload = async (next?: NodepoolConfig) => {
    if (!parts.builder) return;
    try {
      await parts.builder.reload(next ?? (await load(opts)));
    } catch (err) {
      logger.error({ err: err instanceof ConfigError ? err.message : err }, 'reload failed; keeping the running configuration');
    }
  };
  // Signal handlers come before start-up: a stop while ZooKeeper or a cloud holds it up is graceful.
  const signals = installDaemonSignals({
    logger,
    shutdownSteps: [
      async () => parts.watcher?.close(), async () => parts.builder?.stop(),
      async () => parts.metricsEndpoint?.close(), async () => parts.metrics?.close(), async () => parts.client?.close(),
    ],
    onReload: () => void reload(),
  });
  return startThenRun(signals, () => startBuilder(opts, logger, parts, reload, () => signals.stopping));
}

/** null once running; an exit code when start-up cannot go on. */
async function startBuilder(opts: CliOptions, logger: Logger, parts: DaemonParts,
  reload: (next?: NodepoolConfig) => Promise<void>, stopping: () => boolean): Promise<number | null> {
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
  if (config.zookeeperServers.length === 0) {
    process.stderr.write(`${config.configFile}: zookeeper-servers is required\n`);
    return 1;
  }
  let client: ZooKeeperClient;
  try {
    client = await connectFromConfig(config, { logger });
  } catch (err) {
    // systemd restarts us; a clear line beats a stack trace.
    process.stderr.write(`nodepool-builder: cannot connect to ZooKeeper ${describeZkServers(config)}: ${(err as Error).message}\n`);
    return 1;
  }
  parts.client = client;
  const metrics = await createMetrics({ statsd: statsdTargetFromEnv(process.env), logger });
  const store = new ZkStore(client, { logger, clock: systemClock, metrics });
  parts.metrics = metrics;
  if (stopping()) return null;
  const listen = opts.metricsListen ? parseListen(opts.metricsListen) : null;
  const metricsEndpoint = listen ? await startMetricsEndpoint({ ...listen, metrics, logger }) : null;
  parts.metricsEndpoint = metricsEndpoint;
  const mode: BuilderMode = opts.buildOnly ? 'build-only' : opts.uploadOnly ? 'upload-only' : 'all';
  const builder = new NodepoolBuilder({
    config, store, clock: systemClock, logger, mode, metrics,
    providerFactory: makeProviderFactory(logger, metrics),
    providerSourceFingerprint: cloudFingerprint,
    ...intervalOverrides(),
  });
  parts.builder = builder;
  await builder.start();
  let sessionLost = false;
  client.on('state', (state) => {
    if (state === 'lost') sessionLost = true;
    if (state === 'connected' && sessionLost) {
      sessionLost = false;
      builder.sessionRestored().catch((err) => logger.error({ err }, 're-registering the builder component failed'));
    }
  });

  const watcher = new ConfigWatcher({
    path: opts.config, secure: opts.secure, env: process.env, clock: systemClock, initial: config,
    onChange: (c) => void reload(c),
    onInvalid: (problems) => logger.error({ problems: problems.map(formatProblem) }, 'changed configuration is invalid; keeping the running one'),
  });
  parts.watcher = watcher;
  watcher.start();
  return null;
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
