// nodepool-launcher -c nodepool.yaml [-s secure.yaml] [--debug] [--no-webapp]
// SIGTERM/SIGINT: stop taking work, hand back in-flight requests, release locks, exit 0.
// SIGHUP (and a changed config file): reload; an invalid new config is logged and the old kept.
import { createHash } from 'node:crypto';
import { homedir, hostname as osHostname } from 'node:os';
import { Command } from 'commander';
import { ConfigError, formatProblem } from '../config/errors.ts';
import { loadConfig } from '../config/load.ts';
import { loadClouds } from '../config/clouds/load-clouds.ts';
import { ConfigWatcher } from '../config/watcher.ts';
import type { CloudConfig, NodepoolConfig, ProviderConfig } from '../config/model.ts';
import { OpenStackProvider } from '../cloud/openstack/provider.ts';
import type { DriverFactory } from './driver/driver.ts';
import { OpenStackDriver } from './driver/openstack-driver.ts';
import { ZkStore } from '../store/zk-store.ts';
import { createMetrics, statsdTargetFromEnv } from '../stats/metrics.ts';
import { startWebApp, type WebApp } from '../web/app.ts';
import { systemClock } from '../util/clock.ts';
import { createLogger, type Logger } from '../util/logger.ts';
import { connectZkClient, type ZooKeeperClient } from '../zk/client.ts';
import { Launcher } from './launcher.ts';
import { exitWith, runUntilStopped } from '../util/daemon-lifecycle.ts';

interface CliOptions { config: string; secure?: string; debug?: boolean; webapp: boolean }

/** A graceful stop that takes longer than this is reported and the process exits 1. */
const STOP_DEADLINE_MS = 60_000;

function parseArgs(argv: string[]): CliOptions {
  return new Command('nodepool-launcher')
    .description('Serves node requests from ZooKeeper by launching and deleting cloud servers')
    .option('-c, --config <file>', 'nodepool.yaml', '/etc/nodepool/nodepool.yaml')
    .option('-s, --secure <file>', 'secure file (ZooKeeper credentials)')
    .option('--debug', 'debug logging')
    .option('--no-webapp', 'do not serve the status web app')
    .allowExcessArguments(false)
    .parse(argv)
    .opts<CliOptions>();
}

async function load(opts: CliOptions): Promise<NodepoolConfig> {
  const { config, warnings } = await loadConfig(opts.config, { secure: opts.secure, env: process.env });
  for (const w of warnings) process.stderr.write(`warning: ${formatProblem(w)}\n`);
  return config;
}

/** Test and benchmark knob read only here: the server-list cache lifetime (upstream 1 s). */
function serverListTtlMs(): number | undefined {
  const v = process.env.NODEPOOL_SERVER_LIST_TTL_MS;
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

function readCloud(p: ProviderConfig): CloudConfig {
  // clouds.yaml is read whenever a driver is built or checked, so a change is seen without restart.
  const clouds = loadClouds({ env: process.env, home: process.env.HOME ?? homedir(), cwd: process.cwd() });
  const cloud = clouds.clouds[p.cloud];
  if (!cloud) throw new Error(`provider ${p.name}: cloud ${p.cloud} is not in clouds.yaml`);
  return cloud;
}

function driverFactory(getConfig: () => NodepoolConfig, logger: Logger, pollMs: number | undefined): DriverFactory {
  return async (p) => {
    const provider = new OpenStackProvider(p, readCloud(p), { clock: systemClock, logger, serverListTtlMs: serverListTtlMs() });
    const driver = new OpenStackDriver(provider, { pollMs, config: () => getConfig().providers.find((x) => x.name === p.name), clock: systemClock, logger });
    await driver.start();
    return driver;
  };
}

/** A digest of what a driver is built from (never the secrets themselves): the provider
 *  settings OpenStackProvider reads and its clouds.yaml entry. Pools and labels are not in it:
 *  they reach the driver with each call, so changing them rebuilds nothing. */
function driverFingerprint(p: ProviderConfig): string {
  let cloud: CloudConfig | null = null;
  try {
    cloud = readCloud(p);
  } catch {
    // Rebuilding will fail the same way and keep the running driver; the error is logged then.
  }
  const settings = [p.name, p.cloud, p.regionName, p.rate, p.imageType, p.imageUploadTimeout, p.launchTimeout];
  return createHash('sha256').update(JSON.stringify([settings, cloud])).digest('hex');
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv);
  const logger = createLogger('nodepool-launcher', { level: opts.debug ? 'debug' : undefined });
  let config: NodepoolConfig;
  try {
    config = await load(opts);
  } catch (err) {
    if (err instanceof ConfigError) { process.stderr.write(`${err.message}\n`); return 1; }
    throw err;
  }
  if (config.zookeeperServers.length === 0) {
    process.stderr.write(`${config.configFile}: zookeeper-servers is required\n`);
    return 1;
  }
  // Everything below is created step by step; a stop signal may come at any point (even while
  // ZooKeeper is unreachable at start), so the handlers are installed first and each shutdown
  // step closes what exists by then.
  let launcher: Launcher | null = null;
  let web: WebApp | null = null;
  let client: ZooKeeperClient | null = null;
  let metrics: Awaited<ReturnType<typeof createMetrics>> | null = null;
  let stopRequested = false;
  // Reloads (file watcher and SIGHUP) are applied one at a time, in arrival order.
  let reloads = Promise.resolve();
  const apply = (next: NodepoolConfig) => {
    reloads = reloads.then(async () => {
      config = next;
      await launcher?.reconfigure();
      logger.info('configuration reloaded');
    }).catch((err) => logger.error({ err: String(err) }, 'applying the new configuration failed'));
  };
  const watcher = new ConfigWatcher({
    path: opts.config, secure: opts.secure, env: process.env, clock: systemClock, initial: config,
    onChange: (c) => apply(c),
    onInvalid: (problems) => logger.error({ problems: problems.map(formatProblem) }, 'changed configuration is invalid; keeping the running one'),
  });
  const stopped = runUntilStopped({
    logger,
    stopDeadlineMs: STOP_DEADLINE_MS,
    shutdownSteps: [
      async () => { stopRequested = true; },
      () => watcher.close(),
      async () => launcher?.stop(),
      async () => web?.close(),
      async () => client?.close(),
      async () => metrics?.close?.(),
    ],
    onReload: () => {
      reloads = reloads.then(() => load(opts)).then(apply, (err) =>
        logger.error({ err: err instanceof ConfigError ? err.message : String(err) }, 'reload failed; keeping the running configuration'));
    },
  });

  logger.info({ config: opts.config }, 'launcher starting');
  const getConfig = () => config;
  const ttl = serverListTtlMs();
  const startup = async (): Promise<void> => {
    const zk = config.zookeeperServers;
    client = await connectZkClient({
      servers: zk.map((s) => ({ host: s.host, port: s.port })),
      chroot: zk[0].chroot ?? undefined,
      tls: config.zookeeperTls ?? undefined,
      sessionTimeoutMs: Math.round(config.zookeeperTimeout * 1000),
      logger,
    });
    if (stopRequested) { await client.close(); return; }
    const store = new ZkStore(client, { logger, clock: systemClock });
    const statsd = statsdTargetFromEnv(process.env);
    metrics = await createMetrics({ statsd: statsd ?? undefined, logger });
    // Drivers are built by the launcher (and retried with backoff when a cloud is down at boot).
    launcher = new Launcher({
      deps: { store, getConfig, drivers: new Map(), clock: systemClock, logger, metrics, hostname: osHostname(), environment: process.env },
      connection: client,
      driverFactory: driverFactory(getConfig, logger, ttl !== undefined ? Math.max(5, Math.round(ttl / 2)) : undefined),
      driverFingerprint,
    });
    if (opts.webapp && !stopRequested) {
      const running = launcher;
      web = await startWebApp({ store, config: config.webapp, isReady: () => running.isReady(), metrics, logger });
      logger.info({ port: web.port }, 'web app listening');
    }
    if (stopRequested) return;
    try {
      await launcher.start();
    } catch (err) {
      // A stop during start ends it; anything else is a failed start.
      if (!stopRequested) throw err;
    }
    if (!stopRequested) watcher.start();
  };
  // A stop signal ends the process even while a startup step (a ZooKeeper connect) still waits.
  return Promise.race([stopped, startup().then(() => stopped)]);
}

exitWith('nodepool-launcher', main);
