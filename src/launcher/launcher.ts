// The launcher daemon's core: shared caches and registries, one PoolWorker per provider-pool,
// the delete worker, min-ready and the crons, with an explicit lifecycle
// (starting → running → stopping → stopped) and reactions to ZooKeeper suspension and loss.
import { setMaxListeners } from 'node:events';
import type { CloudProvider } from '../cloud/provider.ts';
import type { ComponentRegistration } from '../store/types.ts';
import type { LauncherComponent } from '../model/types.ts';
import type { ConnectionState } from '../zk/types.ts';
import { retryThroughConnectionLoss } from '../zk/retry-connection-loss.ts';
import type { LauncherDeps } from './deps.ts';
import type { LauncherShared } from './launcher-shared.ts';
import { loadWorkers } from './worker-loader.ts';
import { ProviderContext } from './provider-context.ts';
import { ComponentDirectory } from './component-directory.ts';
import { ImageAvailability } from './image-availability.ts';
import { ExplanationRecorder } from './explanations.ts';
import { WakeSignal } from './wake-signal.ts';
import { PoolWorker } from './pool-worker.ts';
import { DeleteWorker } from './delete-worker.ts';
import { MinReadyWorker } from './min-ready.ts';
import { CronRunner } from './crons.ts';
import { poolKey } from './launcher-id.ts';
import { reportLauncherStats } from './stats-reporter.ts';
import { StaticProviders, type StaticProvidersOptions } from './static/static-providers.ts';

/** Upstream's StatsWorker interval. */
const STATS_INTERVAL_MS = 5000;

export type LauncherState = 'starting' | 'running' | 'stopping' | 'stopped';

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
  /** Builds providers for providers added by a config reload. */
  providerFactory?: (name: string) => Promise<CloudProvider>;
  /** First poll interval of cloud state machines (ms): about half the server-list cache age. */
  cloudPollMs?: number;
  /** Background refresh of image availability and pool components (ms). */
  refreshIntervalMs?: number;
  /** Static providers' registration and liveness cadence (tests shorten it). */
  staticHosts?: StaticProvidersOptions;
}

export class Launcher {
  state: LauncherState = 'stopped';
  private readonly opts: LauncherOptions;
  private readonly deps: LauncherDeps;
  private readonly providers: Map<string, CloudProvider>;
  private readonly providerContexts = new Map<string, ProviderContext>();
  private readonly pools = new Map<string, PoolWorker>();
  private readonly stopController = new AbortController();
  private shared: LauncherShared | null = null;
  private deleteWorker: DeleteWorker | null = null;
  private minReady: MinReadyWorker | null = null;
  private staticProviders: StaticProviders | null = null;
  private crons: CronRunner | null = null;
  private registration: ComponentRegistration<LauncherComponent> | null = null;
  private timers: NodeJS.Timeout[] = [];
  private zkUsable = true;
  private sessionLost = false;
  private ready = false;
  private stopping: Promise<void> | null = null;
  private readonly onConnectionState = (state: ConnectionState) => this.connectionChanged(state);

  constructor(opts: LauncherOptions) {
    this.opts = opts;
    // Every launch and every waiting loop listens on the stop signal; hundreds is normal.
    setMaxListeners(0, this.stopController.signal);
    this.providers = new Map(opts.deps.providers);
    // Workers see the live provider map, so providers added by a reload reach them.
    this.deps = { ...opts.deps, providers: this.providers };
  }

  /** True once every pool worker is running and the first passes were made (/ready). */
  isReady(): boolean {
    return this.ready && this.state === 'running';
  }

  poolWorkers(): PoolWorker[] {
    return [...this.pools.values()];
  }

  /** The static providers' runtime (drivers and pool workers); null before start. */
  staticHosts(): StaticProviders | null {
    return this.staticProviders;
  }

  async start(): Promise<void> {
    if (this.state !== 'stopped') throw new Error(`launcher is ${this.state}`);
    this.state = 'starting';
    const { deps } = this;
    const workers = await loadWorkers();
    for (const problem of workers.problems) deps.logger.warn({ problem }, 'optional launcher worker not available');
    // ZooKeeper may be frozen or restarting while we start: each step waits it out.
    const zkStep = <T>(what: string, step: () => Promise<T>) =>
      retryThroughConnectionLoss(what, step, { clock: deps.clock, logger: deps.logger, signal: this.stopController.signal });
    await zkStep('create the root znodes', () => deps.store.init());
    const nodeCache = deps.store.nodeCache();
    const requestCache = deps.store.requestCache();
    await Promise.all([nodeCache.ready, requestCache.ready]);
    const quotaWake = new WakeSignal();
    nodeCache.on('changed', () => quotaWake.notify());
    this.shared = {
      deps, workers, providerContexts: this.providerContexts, nodeCache, requestCache,
      directory: new ComponentDirectory(deps.store, deps.logger),
      images: new ImageAvailability(deps.store, this.providers, deps.logger),
      explanations: new ExplanationRecorder(deps.store, deps.clock, deps.logger),
      quotaWake, stopSignal: this.stopController.signal, zkUsable: () => this.zkUsable,
      version: this.opts.version ?? '0.1.0',
    };
    this.opts.connection?.on('state', this.onConnectionState);
    await this.shared.images.refresh(deps.getConfig());
    this.registration = await deps.store.registerComponent<LauncherComponent>({
      kind: 'launcher', hostname: deps.hostname, model_api: 0, state: 'running', version: this.shared.version,
    }, this.stopController.signal);
    this.staticProviders = new StaticProviders(this.shared, this.opts.staticHosts);
    await this.syncPools();
    this.deleteWorker = new DeleteWorker(this.shared);
    this.deleteWorker.start();
    this.minReady = new MinReadyWorker(this.shared);
    this.minReady.start();
    this.startCrons();
    const every = this.opts.refreshIntervalMs ?? 5000;
    this.timers.push(setInterval(() => { void this.shared?.images.refresh(deps.getConfig()); }, every));
    this.timers.push(setInterval(() => { void this.shared?.directory.refresh(); }, Math.min(every, 1000)));
    this.timers.push(setInterval(() => this.reportStats(), STATS_INTERVAL_MS));
    this.state = 'running';
    this.ready = true;
    deps.logger.info({ pools: [...this.pools.keys()] }, 'launcher running');
  }

  private reportStats(): void {
    try {
      if (this.shared) reportLauncherStats(this.shared, [...this.pools.values()]);
    } catch (err) {
      this.deps.logger.warn({ err: String(err) }, 'stats report failed');
    }
  }

  private startCrons(): void {
    const shared = this.shared!;
    const config = this.deps.getConfig();
    this.crons = new CronRunner(this.deps.logger, this.stopController.signal);
    if (shared.workers.CleanupWorker) this.crons.schedule('cleanup', config.cron.cleanup, new shared.workers.CleanupWorker(this.deps));
    if (shared.workers.ReadyNodeChecker) this.crons.schedule('check', config.cron.check, new shared.workers.ReadyNodeChecker(this.deps));
  }

  /** Starts, stops and reconfigures pool workers and providers to match the current config. */
  private async syncPools(): Promise<void> {
    const shared = this.shared!;
    const config = this.deps.getConfig();
    const wanted = new Set<string>();
    for (const provider of config.providers) {
      if (!this.providers.has(provider.name)) {
        if (!this.opts.providerFactory) { this.deps.logger.error({ provider: provider.name }, 'no cloud provider for this provider'); continue; }
        try {
          this.providers.set(provider.name, await this.opts.providerFactory(provider.name));
        } catch (err) {
          this.deps.logger.error({ provider: provider.name, err: String(err) }, 'cannot start provider');
          continue;
        }
      }
      if (!this.providerContexts.has(provider.name)) {
        const ctx = new ProviderContext(provider.name, this.providers.get(provider.name)!, this.deps.clock, this.deps.logger, shared.nodeCache);
        if (this.opts.cloudPollMs !== undefined) ctx.pollMs = this.opts.cloudPollMs;
        this.providerContexts.set(provider.name, ctx);
      }
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

  /** A new valid config is in place (deps.getConfig returns it): follow it. */
  async reconfigure(): Promise<void> {
    if (this.state !== 'running') return;
    await this.shared!.images.refresh(this.deps.getConfig());
    await this.syncPools();
    this.crons?.stop();
    this.startCrons();
  }

  private connectionChanged(state: ConnectionState): void {
    const log = this.deps.logger;
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
      for (const pool of this.pools.values()) pool.schedulePass();
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

  /** Stop taking work, hand back in-flight requests, release locks. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopping';
    this.ready = false;
    const log = this.deps.logger;
    const step = async (name: string, fn: () => Promise<void> | void) => {
      try { await fn(); } catch (err) { log.warn({ step: name, err: String(err) }, 'stop step failed'); }
    };
    for (const t of this.timers.splice(0)) clearInterval(t);
    await step('crons', () => this.crons?.stop());
    this.stopController.abort(new Error('launcher stopping'));
    await step('min-ready', () => this.minReady?.stop());
    await step('pools', async () => { await Promise.all([...this.pools.values()].map((p) => p.stop())); });
    await step('static providers', () => this.staticProviders?.stop());
    await step('delete worker', () => this.deleteWorker?.stop());
    await step('registration', () => this.registration?.unregister());
    this.opts.connection?.off('state', this.onConnectionState);
    await step('caches', async () => {
      await this.shared?.nodeCache.close();
      await this.shared?.requestCache.close();
    });
    this.state = 'stopped';
    log.info('launcher stopped');
  }
}
