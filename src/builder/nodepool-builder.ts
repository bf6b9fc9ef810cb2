// The nodepool-builder daemon: a build loop, one upload loop per provider and a janitor, all
// reconcile passes over ZooKeeper state, like upstream's builder threads.
import { hostname as osHostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { CloudProvider } from '../cloud/provider.ts';
import type { NodepoolConfig, ProviderConfig } from '../config/model.ts';
import type { BuilderComponent } from '../model/types.ts';
import type { ComponentRegistration, Store } from '../store/types.ts';
import type { Metrics } from '../stats/metrics.ts';
import { reportBuild, reportBuildRequests, reportBuildState, reportUpload, reportUploadState } from '../stats/builder-metrics.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import type { BuilderContext, BuilderView } from './builder-context.ts';
import { readOrCreateBuilderId } from './builder-id.ts';
import { BuildWorker, type BuildOutcome } from './build-worker.ts';
import { Janitor } from './janitor.ts';
import { ProviderUploader, type UploadOutcome } from './provider-uploader.ts';
import { ReconcileLoop } from './reconcile-loop.ts';
import { retryThroughConnectionLoss } from '../zk/retry-connection-loss.ts';

export const PROJECT_DIR = fileURLToPath(new URL('../../', import.meta.url));
export const PROJECT_ELEMENTS_DIR = fileURLToPath(new URL('../../elements', import.meta.url));
export const BUILDER_VERSION = '0.1.0';

export type BuilderMode = 'all' | 'build-only' | 'upload-only';
export type BuilderLifecycle = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface NodepoolBuilderOptions {
  config: NodepoolConfig;
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Makes the provider object for a provider config (OpenStackProvider in production). */
  providerFactory: (provider: ProviderConfig) => CloudProvider;
  /**
   * What a provider object depends on outside nodepool.yaml (its clouds.yaml entry), read at start
   * and at each reload: when it changes, the provider is rebuilt (credential rotation without a
   * restart). Default: nothing.
   */
  providerSourceFingerprint?: (provider: ProviderConfig) => string;
  mode?: BuilderMode;
  hostname?: string;
  /** The environment diskimage-builder inherits (default: process.env). */
  baseEnv?: Readonly<Record<string, string | undefined>>;
  buildIntervalMs?: number;
  uploadIntervalMs?: number;
  cleanupIntervalMs?: number;
  killGraceMs?: number;
  uploadRetryBaseMs?: number;
  uploadRetryCapMs?: number;
  /** Upstream's statsd figures (nodepool.dib_image_build.*, nodepool.image_update.*). */
  metrics?: Metrics;
  /** Override for tests; default <repo>/elements. */
  projectElementsDir?: string;
}

interface ProviderSlot {
  config: ProviderConfig;
  /** The config and its source fingerprint the provider was made from. */
  identity: string;
  provider: CloudProvider;
  uploader: ProviderUploader;
  loop: ReconcileLoop | null;
}

export class NodepoolBuilder {
  private readonly opts: NodepoolBuilderOptions;
  private readonly mode: BuilderMode;
  private view: BuilderView;
  private readonly slots = new Map<string, ProviderSlot>();
  private buildLoop: ReconcileLoop | null = null;
  private janitorLoop: ReconcileLoop | null = null;
  private registration: ComponentRegistration<BuilderComponent> | null = null;
  /** Ends a start that is still waiting for ZooKeeper when stop() is called. */
  private readonly startAbort = new AbortController();
  private starting: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  /** Reloads run one after another (SIGHUP and the file watcher may ask at once). */
  private reloads: Promise<void> = Promise.resolve();
  readonly ctx: BuilderContext;
  readonly buildWorker: BuildWorker;
  readonly janitor: Janitor;
  state: BuilderLifecycle = 'created';
  /** Hooks for tests and stats. */
  onBuildFinished: ((o: BuildOutcome) => void) | null = null;
  onUploadFinished: ((o: UploadOutcome) => void) | null = null;

  constructor(opts: NodepoolBuilderOptions) {
    this.opts = opts;
    this.mode = opts.mode ?? 'all';
    const imagesDir = requireImagesDir(opts.config);
    this.view = { config: opts.config, imagesDir, formats: new Map(), providers: new Map() };
    this.ctx = {
      store: opts.store,
      clock: opts.clock,
      logger: opts.logger,
      hostname: opts.hostname ?? osHostname(),
      builderId: readOrCreateBuilderId(imagesDir),
      view: () => this.view,
    };
    this.buildWorker = new BuildWorker(this.ctx, {
      intervalMs: opts.buildIntervalMs,
      killGraceMs: opts.killGraceMs,
      projectDir: PROJECT_DIR,
      projectElementsDir: opts.projectElementsDir ?? PROJECT_ELEMENTS_DIR,
      baseEnv: opts.baseEnv ?? process.env,
    });
    this.buildWorker.onBuildFinished = (o) => {
      if (opts.metrics) {
        reportBuild(opts.metrics, { image: o.image, durationMs: o.durationMs, rc: o.rc, finishedAt: opts.clock.now() / 1000, sizes: o.sizes });
      }
      this.onBuildFinished?.(o);
    };
    const metrics = opts.metrics;
    if (metrics) {
      this.buildWorker.onImageState = (image, state) => reportBuildState(metrics, this.ctx.hostname, image, state);
      this.buildWorker.onBuildRequests = (perImage) => reportBuildRequests(metrics, perImage);
    }
    this.janitor = new Janitor(this.ctx, { intervalMs: opts.cleanupIntervalMs });
  }

  get builderId(): string {
    return this.ctx.builderId;
  }

  uploader(provider: string): ProviderUploader | undefined {
    return this.slots.get(provider)?.uploader;
  }

  /** One start per builder: a second start, or a start after stop, is refused. */
  async start(): Promise<void> {
    if (this.state !== 'created') throw new Error(`cannot start a builder that is ${this.state}`);
    this.state = 'starting';
    this.starting = this.doStart();
    await this.starting;
  }

  private async doStart(): Promise<void> {
    const { store, clock, logger } = this.ctx;
    // ZooKeeper may be frozen or restarting while we start: these steps wait it out. A stop()
    // meanwhile aborts them, and every step checks it, so nothing starts after the stop.
    const signal = this.startAbort.signal;
    await retryThroughConnectionLoss('create the root znodes', () => store.init(), { clock, logger, signal });
    signal.throwIfAborted();
    await this.applyProviders(this.opts.config);
    signal.throwIfAborted();
    this.registration = await store.registerComponent<BuilderComponent>({
      kind: 'builder', hostname: this.ctx.hostname, model_api: 0, state: 'running', version: BUILDER_VERSION,
    }, signal);
    signal.throwIfAborted();
    if (this.mode !== 'upload-only') {
      this.buildLoop = new ReconcileLoop('build', (s) => this.buildWorker.pass(s), clock, logger);
      this.buildLoop.start();
    }
    this.janitorLoop = new ReconcileLoop('janitor', (s) => this.janitor.pass(s), clock, logger);
    this.janitorLoop.start();
    this.state = 'running';
    logger.info({ builderId: this.builderId, mode: this.mode, imagesDir: this.view.imagesDir }, 'builder started');
  }

  /**
   * Applies a new configuration (SIGHUP, changed file): new, changed and removed providers are
   * handled, and a provider whose clouds.yaml entry changed is rebuilt. Reloads are queued, so
   * two never interleave; one asked for while stopping is dropped.
   */
  reload(config: NodepoolConfig): Promise<void> {
    const run = this.reloads.then(async () => {
      if (this.state !== 'running') return;
      requireImagesDir(config);
      await this.applyProviders(config);
      this.ctx.logger.info({ file: config.configFile }, 'configuration reloaded');
      this.buildLoop?.poke();
    });
    this.reloads = run.catch(() => undefined);
    return run;
  }

  private providerIdentity(pc: ProviderConfig, previous: string | undefined): string {
    let source = '';
    try {
      source = this.opts.providerSourceFingerprint?.(pc) ?? '';
    } catch (err) {
      // An unreadable clouds.yaml must not tear down a working provider: keep what it was made from.
      this.ctx.logger.error({ err, provider: pc.name }, 'cannot read the provider\'s cloud settings; keeping the running provider');
      if (previous !== undefined) return previous;
    }
    return `${JSON.stringify(pc)}\n${source}`;
  }

  private async applyProviders(config: NodepoolConfig): Promise<void> {
    const { logger, clock } = this.ctx;
    const wanted = new Map(config.providers.map((p) => [p.name, p]));
    const identities = new Map<string, string>();
    for (const [name, slot] of [...this.slots]) {
      const next = wanted.get(name);
      if (next) {
        const identity = this.providerIdentity(next, slot.identity);
        identities.set(name, identity);
        if (identity === slot.identity) continue;
        logger.info({ provider: name }, 'provider settings changed; rebuilding the provider');
      }
      await slot.loop?.stop();
      await slot.provider.stop().catch((err) => logger.warn({ err, provider: name }, 'provider stop failed'));
      this.slots.delete(name);
    }
    for (const pc of config.providers) {
      if (this.slots.has(pc.name)) continue;
      let provider: CloudProvider;
      try {
        provider = this.opts.providerFactory(pc);
      } catch (err) {
        // e.g. its cloud is missing from clouds.yaml: the others go on; a reload retries it.
        logger.error({ err, provider: pc.name }, 'cannot create provider');
        continue;
      }
      const uploader = new ProviderUploader(this.ctx, pc.name, {
        intervalMs: this.opts.uploadIntervalMs, retryBaseMs: this.opts.uploadRetryBaseMs, retryCapMs: this.opts.uploadRetryCapMs,
      });
      const metrics = this.opts.metrics;
      if (metrics) uploader.onUploadState = (image, state) => reportUploadState(metrics, this.ctx.hostname, image, pc.name, state);
      uploader.onUploadFinished = (o) => {
        if (o.state === 'ready' && this.opts.metrics) reportUpload(this.opts.metrics, o.image, o.provider, o.durationMs);
        this.onUploadFinished?.(o);
      };
      const identity = identities.get(pc.name) ?? this.providerIdentity(pc, undefined);
      const slot: ProviderSlot = { config: pc, identity, provider, uploader, loop: null };
      if (this.mode !== 'build-only') {
        try {
          await provider.start();
        } catch (err) {
          // A cloud that is down at start must not stop the builder; its loop keeps trying.
          logger.error({ err, provider: pc.name }, 'provider start failed');
        }
        slot.loop = new ReconcileLoop(`upload-${pc.name}`, (s) => uploader.pass(s), clock, logger);
      }
      this.slots.set(pc.name, slot);
    }
    const formats = new Map<string, string>();
    const providers = new Map<string, CloudProvider>();
    for (const [name, slot] of this.slots) {
      formats.set(name, slot.provider.imageFormat());
      if (this.mode !== 'build-only') providers.set(name, slot.provider);
    }
    this.view = { config, imagesDir: requireImagesDir(config), formats, providers };
    if (this.startAbort.signal.aborted) return; // stopping: stop() ends what was built here
    for (const slot of this.slots.values()) slot.loop?.start();
  }

  /** After a ZooKeeper session expired and a new one began: the ephemeral component is gone. */
  async sessionRestored(): Promise<void> {
    if (this.state !== 'running' || !this.registration) return;
    await this.registration.reregister();
    this.ctx.logger.info('builder component re-registered after session loss');
  }

  /**
   * Graceful stop: running builds are killed and recorded failed, uploads aborted, locks
   * released. Idempotent: every call resolves when the one stop has finished.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const wasStarting = this.state === 'starting';
    this.state = 'stopping';
    this.startAbort.abort(new Error('builder stopped while starting'));
    const { logger } = this.ctx;
    // Let a start or reload in flight settle first, so what it built is stopped below.
    if (wasStarting) await this.starting?.catch(() => undefined);
    await this.reloads;
    const settle = async (name: string, step: () => Promise<void> | undefined) => {
      try {
        await step();
      } catch (err) {
        logger.warn({ err, step: name }, 'stop step failed');
      }
    };
    // Loops first (their in-flight work is aborted and recorded), then providers, then the component.
    await Promise.all([
      settle('build loop', () => this.buildLoop?.stop()),
      settle('janitor', () => this.janitorLoop?.stop()),
      ...[...this.slots.values()].map((s) => settle(`uploader ${s.config.name}`, () => s.loop?.stop())),
    ]);
    await Promise.all([...this.slots.values()].map((s) => settle(`provider ${s.config.name}`, () => s.provider.stop())));
    await settle('component', () => this.registration?.unregister());
    this.state = 'stopped';
    logger.info('builder stopped');
  }

  /** Loops, for tests that wait on pass counts. */
  loops(): { build: ReconcileLoop | null; janitor: ReconcileLoop | null; uploads: Map<string, ReconcileLoop | null> } {
    return {
      build: this.buildLoop,
      janitor: this.janitorLoop,
      uploads: new Map([...this.slots].map(([n, s]) => [n, s.loop])),
    };
  }
}

function requireImagesDir(config: NodepoolConfig): string {
  if (!config.imagesDir) throw new Error(`${config.configFile}: images-dir is required for nodepool-builder`);
  return config.imagesDir;
}
