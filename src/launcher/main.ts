// nodepool-launcher [-c nodepool.yaml] [-s secure.yaml] [-d] [-f] [-p pidfile] [-l logging.conf] [--no-webapp]
// (upstream's command line; see src/util/daemon-args.ts)
// SIGTERM/SIGINT: stop taking work, hand back in-flight requests, release locks, exit 0.
// SIGHUP (and a changed config file): reload; an invalid new config is logged and the old kept.
import { homedir, hostname as osHostname } from 'node:os';
import { writeFileSync } from 'node:fs';
import { ConfigError, formatProblem } from '../config/errors.ts';
import { loadConfig } from '../config/load.ts';
import { loadClouds } from '../config/clouds/load-clouds.ts';
import { ConfigWatcher } from '../config/watcher.ts';
import type { NodepoolConfig } from '../config/model.ts';
import { OpenStackProvider } from '../cloud/openstack/provider.ts';
import type { CloudProvider } from '../cloud/provider.ts';
import { ZkStore } from '../store/zk-store.ts';
import { createMetrics, statsdTargetFromEnv, type Metrics } from '../stats/metrics.ts';
import { startWebApp, type WebApp } from '../web/app.ts';
import { systemClock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import { parseLauncherArgs, type LauncherArgs } from '../util/daemon-args.ts';
import { openDaemonLogger } from '../util/daemon-logger.ts';
import { connectZkClient } from '../zk/client.ts';
import { Launcher } from './launcher.ts';
import { exitWith, runUntilStopped } from '../util/daemon-lifecycle.ts';
import { installProcessPolicy } from '../util/process-policy.ts';
import { warnTlsWeakenings } from '../config/tls-weakenings.ts';

type CliOptions = LauncherArgs;

/** A graceful stop that takes longer than this is reported and the process exits 1. */
const STOP_DEADLINE_MS = 60_000;

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

function providerFactory(getConfig: () => NodepoolConfig, logger: Logger, metrics: Metrics): (name: string) => Promise<CloudProvider> {
  return async (name) => {
    const p = getConfig().providers.find((x) => x.name === name);
    if (!p) throw new Error(`provider ${name} is not configured`);
    // clouds.yaml is read whenever a provider is created, so a reload sees its changes.
    const clouds = loadClouds({ env: process.env, home: process.env.HOME ?? homedir(), cwd: process.cwd() });
    const cloud = clouds.clouds[p.cloud];
    if (!cloud) throw new Error(`provider ${p.name}: cloud ${p.cloud} is not in clouds.yaml`);
    const provider = new OpenStackProvider(p, cloud, { clock: systemClock, logger, serverListTtlMs: serverListTtlMs(), metrics });
    await provider.start();
    return provider;
  };
}

async function main(): Promise<number> {
  const parsed = parseLauncherArgs(process.argv);
  if (parsed.kind === 'exit') return parsed.code;
  const opts = parsed.args;
  const logging = openDaemonLogger('nodepool-launcher', opts);
  if (!logging) return 1;
  const { logger, warnings: logWarnings } = logging;
  installProcessPolicy('nodepool-launcher', logger);
  for (const w of logWarnings) logger.warn(w);
  if (opts.pidfile) writeFileSync(opts.pidfile, `${process.pid}\n`);
  let config: NodepoolConfig;
  try {
    config = await load(opts);
  } catch (err) {
    if (err instanceof ConfigError) { process.stderr.write(`${err.message}\n`); return 1; }
    throw err;
  }
  warnTlsWeakenings(logger, config);
  // Watch from the moment the file was read, so an edit made while starting is not missed.
  let launcher: Launcher | null = null;
  const apply = async (next: NodepoolConfig) => {
    config = next;
    await launcher?.reconfigure();
    logger.info('configuration reloaded');
  };
  const watcher = new ConfigWatcher({
    path: opts.config, secure: opts.secure, env: process.env, clock: systemClock, initial: config,
    onChange: (c) => void apply(c).catch((err) => logger.error({ err: String(err) }, 'applying the new configuration failed')),
    onInvalid: (problems) => logger.error({ problems: problems.map(formatProblem) }, 'changed configuration is invalid; keeping the running one'),
  });
  if (config.zookeeperServers.length === 0) {
    process.stderr.write(`${config.configFile}: zookeeper-servers is required\n`);
    return 1;
  }
  const getConfig = () => config;
  const metrics = await createMetrics({ statsd: statsdTargetFromEnv(process.env), logger });
  const makeProvider = providerFactory(getConfig, logger, metrics);
  const providers = new Map<string, CloudProvider>();
  for (const p of config.providers) {
    try {
      providers.set(p.name, await makeProvider(p.name));
    } catch (err) {
      logger.error({ provider: p.name, err: String(err) }, 'cannot start provider; its pools stay idle');
    }
  }
  const zk = config.zookeeperServers;
  const client = await connectZkClient({
    servers: zk.map((s) => ({ host: s.host, port: s.port })),
    chroot: zk[0].chroot ?? undefined,
    tls: config.zookeeperTls ?? undefined,
    sessionTimeoutMs: Math.round(config.zookeeperTimeout * 1000),
    logger,
  });
  const store = new ZkStore(client, { logger, clock: systemClock, metrics });
  launcher = new Launcher({
    deps: { store, getConfig, providers, clock: systemClock, logger, metrics, hostname: osHostname(), environment: process.env },
    connection: client, providerFactory: makeProvider,
    cloudPollMs: serverListTtlMs() !== undefined ? Math.max(5, Math.round(serverListTtlMs()! / 2)) : undefined,
  });
  let web: WebApp | null = null;
  if (opts.webapp) {
    web = await startWebApp({ store, config: config.webapp, isReady: () => launcher?.isReady() ?? false, metrics, logger });
    logger.info({ port: web.port }, 'web app listening');
  }
  await launcher.start();

  watcher.start();

  return runUntilStopped({
    logger,
    stopDeadlineMs: STOP_DEADLINE_MS,
    shutdownSteps: [
      () => watcher.close(),
      async () => launcher?.stop(),
      async () => web?.close(),
      () => Promise.all([...providers.values()].map((p) => p.stop().catch(() => undefined))),
      () => client.close(),
      async () => metrics.close?.(),
    ],
    onReload: () => {
      load(opts).then(apply, (err) => logger.error({ err: err instanceof ConfigError ? err.message : String(err) }, 'reload failed; keeping the running configuration'));
    },
  });
}

exitWith('nodepool-launcher', main);
