// The launcher daemon's core, in one place: shared caches, the drivers, one PoolWorker per
// provider-pool, the delete worker, min-ready and the crons, all driven by one LauncherLoop
// (see README.md for the map of its passes). Lifecycle: new → starting → running → stopping →
// stopped; start() runs once, stop() is idempotent and also ends a start() in progress.
import { setMaxListeners } from 'node:events';
import type { ProviderConfig } from '../config/model.ts';
import type { ComponentRegistration } from '../store/types.ts';
import type { LauncherComponent } from '../model/types.ts';
import type { ConnectionState } from '../zk/types.ts';
import { retryThroughConnectionLoss } from '../zk/retry-connection-loss.ts';
import type { LauncherDeps } from './deps.ts';
import type { LauncherShared } from './launcher-shared.ts';
import type { DriverFactory, NodeDriver } from './driver/driver.ts';
import { CleanupWorker } from './cleanup/cleanup-worker.ts';
import { ReadyNodeChecker } from './check/ready-node-checker.ts';
import { DriverRegistry } from './driver-registry.ts';
import { ComponentDirectory } from './component-directory.ts';
import { ImageAvailability } from './image-availability.ts';
import { ExplanationRecorder } from './explanations.ts';
import { WakeSignal } from './wake-signal.ts';
import { PoolWorker } from './pool-worker.ts';
import { DeleteWorker } from './delete-worker.ts';
import { MinReadyWorker } from './min-ready.ts';
import { LauncherLoop, type LoopPass } from './launcher-loop.ts';
import { CronPass } from './cron-pass.ts';
import { poolKey } from './launcher-id.ts';
import { reportLauncherStats } from './stats-reporter.ts';
import { reportZkStats } from './zk-stats.ts';
import { StaticProviders, STATIC_POOLS_PASS, STATIC_SYNC_PASS, type StaticProvidersOptions } from './static/static-providers.ts';

/** Upstream's StatsWorker interval. */
const STATS_INTERVAL_MS = 5000;
/** Pools look at requests at least this often even when no watch fired (upstream: 1 s). */
const POOL_PASS_MS = 1000;
/** min-ready is re-checked this often (upstream: every second). */
const MIN_READY_PASS_MS = 1000;
/** Drivers with a sync hook are synced at least this often. */
const DRIVER_SYNC_MS = 5000;
/** Drivers are checked for changed credentials this often (and at every reload). */
const PROVIDER_PASS_MS = 30_000;

/** Resolves as `work` does, or rejects as soon as the signal aborts (a stop during start). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export type LauncherState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/** The ZooKeeper connection events the launcher reacts to. */
export interface ConnectionEvents {
  on(event: 'state', listener: (state: ConnectionState) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
}

export interface LauncherOptions {
  deps: LauncherDeps;
  /** Connection state of the store's client (suspension/loss handling); optional in tests. */
  connection?: ConnectionEvents;
  version?: string;
  /** Builds (and starts) the driver of a provider that has none yet (at start, after a
   *  failure, after a reload added it) or whose fingerprint changed. */
  driverFactory?: DriverFactory;
  /** What a driver is built from; a change rebuilds the driver (see DriverRegistry). */
  driverFingerprint?: (provider: ProviderConfig) => string;
  /** Background refresh of image availability and pool components (ms). */
  refreshIntervalMs?: number;
  /** Static providers' registration and liveness cadence (tests shorten it). */
  staticHosts?: StaticProvidersOptions;
}

export class Launcher {
  state: LauncherState = 'new';
  private readonly opts: LauncherOptions;
  private readonly deps: LauncherDeps;
  private readonly drivers: Map<string, NodeDriver>;
  private readonly pools = new Map<string, PoolWorker>();
  private readonly stopController = new AbortController();
  private registry: DriverRegistry | null = null;
  private shared: LauncherShared | null = null;
  private deleteWorker: DeleteWorker | null = null;
  private minReady: MinReadyWorker | null = null;
  private loop: LauncherLoop | null = null;
  /** `driver: static` providers (config.staticProviders), run as two passes of the loop. */
  private staticProviders: StaticProviders | null = null;
  private registration: ComponentRegistration<LauncherComponent> | null = null;
  private caches: { close(): Promise<void> }[] = [];
  private zkUsable = true;
  private sessionLost = false;
  private ready = false;
  private starting: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private reconfiguring: Promise<void> = Promise.resolve();
  private readonly onConnectionState = (state: ConnectionState) => this.connectionChanged(state);

  constructor(opts: LauncherOptions) {
    this.opts = opts;
    // Every launch and every waiting call listens on the stop signal; hundreds is normal.
    setMaxListeners(0, this.stopController.signal);
    this.drivers = new Map(opts.deps.drivers);
    // Workers see the live driver map, so drivers built later reach them.
    this.deps = { ...opts.deps, drivers: this.drivers };
  }

  /** True once running and the first passes were made (/ready). */
  isReady(): boolean {
    // Not while ZooKeeper is unusable (suspended, or the quorum gone): no work is taken then.
    return this.ready && this.state === 'running' && this.zkUsable;
  }

  poolWorkers(): PoolWorker[] {
    return [...this.pools.values()];
  }

  /** Starts once; a second call is refused. A stop() during start ends it early. */
  start(): Promise<void> {
    if (this.state !== 'new') return Promise.reject(new Error(`launcher is ${this.state}; it starts only once`));
    this.state = 'starting';
    this.starting = this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    const { deps } = this;
    const signal = this.stopController.signal;
    const stopped = () => { if (signal.aborted) throw new Error('launcher stopped while starting'); };
    // ZooKeeper may be frozen or restarting while we start: each step waits it out.
    await retryThroughConnectionLoss('create the root znodes', () => deps.store.init(), { clock: deps.clock, logger: deps.logger, signal });
    const nodeCache = deps.store.nodeCache();
    const requestCache = deps.store.requestCache();
    this.caches = [nodeCache, requestCache];
    await untilAborted(Promise.all([nodeCache.ready, requestCache.ready]), signal);
    stopped();
    this.registry = new DriverRegistry({
      drivers: this.drivers, factory: this.opts.driverFactory, fingerprint: this.opts.driverFingerprint,
      clock: deps.clock, logger: deps.logger, nodes: nodeCache,
    });
    const quotaWake = new WakeSignal();
    nodeCache.on('changed', () => quotaWake.notify());
    this.shared = {
      deps, providerContexts: this.registry.contexts, nodeCache, requestCache,
      directory: new ComponentDirectory(deps.store, deps.logger),
      images: new ImageAvailability(deps.store, this.drivers, deps.logger),
      explanations: new ExplanationRecorder(deps.store, deps.clock, deps.logger),
      quotaWake, stopSignal: signal, zkUsable: () => this.zkUsable,
      version: this.opts.version ?? '0.1.0',
      poolIdentities: () => [...this.pools.values()].map((p) => p.identity()),
      wakePools: () => this.loop?.poke('pools'),
    };
    this.opts.connection?.on('state', this.onConnectionState);
    await this.registry.sync(deps.getConfig());
    stopped();
    await this.shared.images.refresh(deps.getConfig());
    this.registration = await deps.store.registerComponent<LauncherComponent>({
      kind: 'launcher', hostname: deps.hostname, model_api: 0, state: 'running', version: this.shared.version,
    }, signal);
    stopped();
    this.staticProviders = new StaticProviders(this.shared, this.opts.staticHosts);
    await this.syncPools();
    stopped();
    this.deleteWorker = new DeleteWorker(this.shared);
    this.deleteWorker.start();
    this.minReady = new MinReadyWorker(this.shared);
    this.loop = new LauncherLoop(this.passes(), deps.clock, deps.logger);
    this.staticProviders.poke = (name) => this.loop?.poke(name);
    this.loop.start();
    this.state = 'running';
    this.ready = true;
    deps.logger.info({ pools: [...this.pools.keys()] }, 'launcher running');
  }

  /** The loop's passes, in the order one round runs them. */
  private passes(): LoopPass[] {
    const shared = this.shared!;
    const { deps } = this;
    const every = this.opts.refreshIntervalMs ?? 5000;
    const pass = (name: string, run: (signal: AbortSignal) => Promise<number>): LoopPass => ({ name, run });
    const track = (work: Promise<void>) => { this.loop!.track(work); };
    const crons: LoopPass[] = [
      new CronPass({ name: 'cleanup', pattern: () => deps.getConfig().cron.cleanup, worker: new CleanupWorker(deps), clock: deps.clock, logger: deps.logger, track }),
      new CronPass({ name: 'check', pattern: () => deps.getConfig().cron.check, worker: new ReadyNodeChecker(deps), clock: deps.clock, logger: deps.logger, track }),
    ];
    return [
      pass('providers', async () => {
        const retryIn = await this.registry!.sync(deps.getConfig());
        if (retryIn !== null || this.pools.size < this.wantedPoolCount()) await this.syncPools();
        return Math.min(PROVIDER_PASS_MS, retryIn ?? PROVIDER_PASS_MS);
      }),
      pass('images', async () => { if (this.zkUsable) await shared.images.refresh(deps.getConfig()); return every; }),
      pass('directory', async () => { if (this.zkUsable) await shared.directory.refresh(); return Math.min(every, 1000); }),
      pass('driver-sync', (signal) => this.syncDrivers(signal)),
      pass(STATIC_SYNC_PASS, (signal) => this.staticProviders!.syncPass(signal)),
      pass(STATIC_POOLS_PASS, (signal) => this.staticProviders!.poolPass(signal)),
      pass('pools', async (signal) => {
        for (const pool of this.pools.values()) if (!signal.aborted) await pool.runPass(signal);
        return POOL_PASS_MS;
      }),
      pass('deletes', async () => {
        await this.deleteWorker!.sweep();
        return Math.max(100, deps.getConfig().deleteInterval * 1000);
      }),
      pass('min-ready', async () => { await this.minReady!.runOnce(); return MIN_READY_PASS_MS; }),
      ...crons,
      pass('stats', async () => { this.reportStats(); return STATS_INTERVAL_MS; }),
    ];
  }

  /** Runs the sync hook of drivers that have one (a static driver registers its nodes there). */
  private async syncDrivers(signal: AbortSignal): Promise<number> {
    const { deps } = this;
    let next = DRIVER_SYNC_MS;
    for (const provider of deps.getConfig().providers) {
      const driver = this.drivers.get(provider.name);
      if (!driver?.sync || signal.aborted || !this.zkUsable) continue;
      try {
        const nodes = this.shared!.nodeCache.values().filter((n) => n.provider === provider.name);
        const wanted = await driver.sync({ provider, nodes, store: deps.store, clock: deps.clock, logger: deps.logger, signal });
        if (wanted !== null) next = Math.min(next, Math.max(0, wanted));
      } catch (err) {
        if (!signal.aborted) deps.logger.warn({ provider: provider.name, err: String(err) }, 'driver sync failed; retried next pass');
      }
    }
    return next;
  }

  private wantedPoolCount(): number {
    return this.deps.getConfig().providers.reduce((n, p) => n + p.pools.length, 0);
  }

  private reportStats(): void {
    try {
      if (this.shared) reportLauncherStats(this.shared, [...this.pools.values()]);
      if (this.shared && this.deps.metrics) {
        reportZkStats(this.deps.metrics, this.deps.hostname, this.opts.connection, { node: this.shared.nodeCache, request: this.shared.requestCache });
      }
    } catch (err) {
      this.deps.logger.warn({ err: String(err) }, 'stats report failed');
    }
  }

  /** Starts, stops and reconfigures pool workers to match the config and the drivers. */
  private async syncPools(): Promise<void> {
    const shared = this.shared!;
    const config = this.deps.getConfig();
    const wanted = new Set<string>();
    for (const provider of config.providers) {
      if (!this.registry!.contexts.has(provider.name)) continue; // its driver is not up (yet)
      for (const pool of provider.pools) {
        const key = poolKey(provider.name, pool.name);
        wanted.add(key);
        const existing = this.pools.get(key);
        if (existing) { await existing.reconfigured().catch((err) => this.deps.logger.warn({ pool: key, err: String(err) }, 'pool reconfigure failed')); continue; }
        const worker = new PoolWorker(shared, provider.name, pool.name);
        this.pools.set(key, worker);
        await worker.start();
      }
    }
    for (const [key, worker] of this.pools) {
      if (wanted.has(key)) continue;
      this.pools.delete(key);
      await worker.stop();
    }
    await this.staticProviders?.follow(config);
  }

  /** A new valid config is in place (deps.getConfig returns it): follow it. Reloads are
   *  serialized: one that arrives while another is applied runs after it. */
  reconfigure(): Promise<void> {
    this.reconfiguring = this.reconfiguring.then(() => this.applyConfig()).catch((err) =>
      this.deps.logger.error({ err: String(err) }, 'applying the new configuration failed'));
    return this.reconfiguring;
  }

  private async applyConfig(): Promise<void> {
    if (this.state !== 'running') return;
    await this.registry!.sync(this.deps.getConfig());
    await this.shared!.images.refresh(this.deps.getConfig());
    await this.syncPools();
    this.loop?.poke();
  }

  private connectionChanged(state: ConnectionState): void {
    const log = this.deps.logger;
    this.deps.metrics?.gauge(`nodepool.launcher.${this.deps.hostname.replace(/\./g, '_')}.zookeeper.connected`, state === 'connected' ? 1 : 0);
    if (state === 'suspended') {
      this.zkUsable = false;
      log.warn('zookeeper connection suspended: not taking new work');
    } else if (state === 'lost') {
      this.zkUsable = false;
      this.sessionLost = true;
      log.warn('zookeeper session lost: locks and registrations are gone');
    } else if (state === 'connected') {
      const wasLost = this.sessionLost;
      this.sessionLost = false;
      this.zkUsable = true;
      log.info({ newSession: wasLost }, 'zookeeper connection restored');
      if (wasLost && this.state === 'running') void this.reregister();
      this.loop?.poke('pools');
    }
  }

  private async reregister(): Promise<void> {
    try {
      await this.registration?.reregister();
      for (const pool of this.pools.values()) await pool.reregister();
      await this.staticProviders?.reregister();
      await this.shared?.directory.refresh();
    } catch (err) {
      this.deps.logger.error({ err: String(err) }, 're-registration after session loss failed');
    }
  }

  /** Stop taking work, hand back in-flight requests, release locks. Idempotent; a start()
   *  in progress is aborted and waited for first. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    if (this.state === 'new' || this.state === 'stopped') { this.state = 'stopped'; return; }
    this.state = 'stopping';
    this.ready = false;
    const log = this.deps.logger;
    const step = async (name: string, fn: () => Promise<void> | void) => {
      try { await fn(); } catch (err) { log.warn({ step: name, err: String(err) }, 'stop step failed'); }
    };
    this.stopController.abort(new Error('launcher stopping'));
    await step('start', async () => { await this.starting?.catch(() => undefined); });
    await step('min-ready', () => this.minReady?.stop());
    await step('loop', () => this.loop?.stop());
    await step('pools', async () => { await Promise.all([...this.pools.values()].map((p) => p.stop())); });
    await step('static providers', () => this.staticProviders?.stop());
    await step('delete worker', () => this.deleteWorker?.stop());
    await step('registration', () => this.registration?.unregister());
    this.opts.connection?.off('state', this.onConnectionState);
    await step('caches', async () => { for (const cache of this.caches) await cache.close(); });
    await step('drivers', () => this.registry?.stopAll());
    this.state = 'stopped';
    log.info('launcher stopped');
  }
}
