// The build loop: one pass looks at every diskimage, builds what decideBuild() says, one image
// at a time, holding /nodepool/images/<image>/builds/lock so no other builder builds it too.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import type { DiskImageConfig } from '../config/model.ts';
import type { ImageBuild } from '../model/types.ts';
import { epochSeconds } from '../util/clock.ts';
import type { BuilderContext } from './builder-context.ts';
import { decideBuild, newestReadyBuild, type BuildDecision } from './build-decision.ts';
import { buildLogPath, pruneBuildLogs } from './build-logs.ts';
import { dibInvocation } from './dib-command.ts';
import { imageTypesFor } from './image-types.ts';
import { deleteBuildFiles, imageFilePath } from './local-files.ts';
import { runLogged } from './run-logged.ts';

export interface BuildWorkerOptions {
  /** Pass interval (upstream build_interval: 10 s). */
  intervalMs?: number;
  /** SIGTERM -> SIGKILL grace when a build is killed. */
  killGraceMs?: number;
  projectDir: string;
  projectElementsDir: string;
  /** The environment DIB inherits (upstream: the builder's own os.environ). */
  baseEnv: Readonly<Record<string, string | undefined>>;
}

export interface BuildOutcome {
  image: string;
  buildId: string;
  state: 'ready' | 'failed';
  rc: number;
  timedOut: boolean;
  logPath: string;
  /** Wall time of the diskimage-builder run. */
  durationMs: number;
  /** Allocated bytes (st_blocks * 512: images are sparse) per format, for ready builds. */
  sizes: Record<string, number>;
}

export class BuildWorker {
  private readonly ctx: BuilderContext;
  private readonly opts: BuildWorkerOptions;
  /** Called after every finished build (tests, stats). */
  onBuildFinished: ((o: BuildOutcome) => void) | null = null;
  /** Per image after each look: idle, building or paused (the build.state gauge). */
  onImageState: ((image: string, state: 'idle' | 'building' | 'paused') => void) | null = null;
  /** After each pass: pending manual build requests per image (the image_build_requests gauges). */
  onBuildRequests: ((perImage: Record<string, number>) => void) | null = null;
  private requestsSeen: Record<string, number> = {};

  constructor(ctx: BuilderContext, opts: BuildWorkerOptions) {
    this.ctx = ctx;
    this.opts = opts;
  }

  /** One reconcile pass; returns ms until the next look. */
  async pass(signal: AbortSignal): Promise<number> {
    const { config } = this.ctx.view();
    this.requestsSeen = {};
    for (const diskimage of config.diskimages) {
      if (signal.aborted) break;
      try {
        await this.checkImage(diskimage, signal);
      } catch (err) {
        // One image's trouble never stops the others.
        this.ctx.logger.error({ err, image: diskimage.name }, 'build check failed');
      }
    }
    if (!signal.aborted) this.onBuildRequests?.(this.requestsSeen);
    return this.opts.intervalMs ?? 10_000;
  }

  private async decide(diskimage: DiskImageConfig, imageTypes: string[]): Promise<{ decision: BuildDecision; newest: ImageBuild | null }> {
    const { store, clock } = this.ctx;
    const [zkPaused, buildRequested, builds] = await Promise.all([
      store.isImagePaused(diskimage.name),
      store.hasBuildRequest(diskimage.name),
      store.listBuilds(diskimage.name),
    ]);
    const newest = newestReadyBuild(builds);
    const decision = decideBuild({ diskimage, imageTypes, zkPaused, buildRequested, newestReady: newest, nowMs: clock.now() });
    if (!diskimage.abstract) this.requestsSeen[diskimage.name] = buildRequested ? 1 : 0;
    return { decision, newest };
  }

  private async checkImage(diskimage: DiskImageConfig, signal: AbortSignal): Promise<void> {
    const { store, logger } = this.ctx;
    const view = this.ctx.view();
    const imageTypes = imageTypesFor(diskimage, view.config.providers, view.formats);
    const first = await this.decide(diskimage, imageTypes);
    if (first.decision.action === 'skip') {
      if (first.decision.why !== 'abstract') this.onImageState?.(diskimage.name, first.decision.why === 'paused' ? 'paused' : 'idle');
      return;
    }

    const lock = await store.lockImageBuilds(diskimage.name, { blocking: false });
    if (!lock) return; // another builder is on it
    try {
      // Re-check under the lock: another builder may have finished a build meanwhile.
      const again = await this.decide(diskimage, imageTypes);
      if (again.decision.action === 'skip' || again.newest?.id !== first.newest?.id) return;
      logger.info({ image: diskimage.name, reason: again.decision.reason, formats: imageTypes }, 'building image');
      this.onImageState?.(diskimage.name, 'building');
      let outcome: BuildOutcome;
      try {
        outcome = await this.build(diskimage, imageTypes, lock.lostSignal, signal);
      } finally {
        this.onImageState?.(diskimage.name, 'idle');
      }
      if (outcome.state === 'ready' && again.decision.manual) await store.clearBuildRequest(diskimage.name);
    } finally {
      await lock.release().catch((err) => logger.warn({ err, image: diskimage.name }, 'releasing build lock failed'));
    }
  }

  private async build(diskimage: DiskImageConfig, imageTypes: string[], lockLost: AbortSignal, stop: AbortSignal): Promise<BuildOutcome> {
    const { store, clock, logger, hostname, builderId } = this.ctx;
    const { config, imagesDir } = this.ctx.view();
    const record: Omit<ImageBuild, 'id' | 'version'> = {
      image: diskimage.name,
      state: 'building',
      state_time: epochSeconds(clock),
      builder: hostname,
      builder_id: builderId,
      formats: imageTypes,
      username: diskimage.username,
      python_path: diskimage.pythonPath,
      shell_type: diskimage.shellType,
    };
    const build = await store.createBuild(record);
    const inv = dibInvocation({
      diskimage,
      imageTypes,
      buildId: build.id,
      imagesDir,
      elementsDir: config.elementsDir,
      projectElementsDir: this.opts.projectElementsDir,
      projectDir: this.opts.projectDir,
      baseEnv: this.opts.baseEnv,
    });
    mkdirSync(imagesDir, { recursive: true });
    mkdirSync(config.buildLogDir, { recursive: true });
    const logPath = buildLogPath(config.buildLogDir, diskimage.name, build.id);
    logger.info({ image: diskimage.name, build: build.id, command: [inv.command, ...inv.args].join(' '), log: logPath }, 'running diskimage-builder');

    // A stop of the daemon or a lost ZooKeeper session both end the build.
    const signal = AbortSignal.any([stop, lockLost]);
    const startedMs = clock.now();
    const run = await runLogged({
      command: inv.command,
      args: inv.args,
      env: inv.env,
      logPath,
      timeoutMs: diskimage.buildTimeout * 1000,
      killGraceMs: this.opts.killGraceMs,
      clock,
      signal,
    });
    pruneBuildLogs(config.buildLogDir, diskimage.name, config.buildLogRetention);

    const missing = run.rc === 0 ? imageTypes.filter((t) => !existsSync(imageFilePath(imagesDir, diskimage.name, build.id, t))) : [];
    const ok = run.rc === 0 && !run.timedOut && !run.aborted && !lockLost.aborted && missing.length === 0;
    if (missing.length) logger.error({ image: diskimage.name, build: build.id, missing }, 'diskimage-builder succeeded but outputs are missing');
    const state: 'ready' | 'failed' = ok ? 'ready' : 'failed';

    const current = await store.getBuild(diskimage.name, build.id);
    if (!current) {
      // Someone removed the record meanwhile (lost session, cleanup): the files are orphans.
      deleteBuildFiles(imagesDir, diskimage.name, build.id);
      logger.warn({ image: diskimage.name, build: build.id }, 'build record vanished during the build');
    } else {
      await store.storeBuild({ ...current, ...record, state, state_time: epochSeconds(clock), formats: ok ? imageTypes : current.formats });
    }
    const sizes: Record<string, number> = {};
    if (ok) for (const t of imageTypes) sizes[t] = statSync(imageFilePath(imagesDir, diskimage.name, build.id, t)).blocks * 512;
    const outcome: BuildOutcome = {
      image: diskimage.name, buildId: build.id, state: current ? state : 'failed', rc: run.rc, timedOut: run.timedOut, logPath,
      durationMs: clock.now() - startedMs, sizes,
    };
    logger.info({ ...outcome }, state === 'ready' ? 'image built' : 'image build failed');
    this.onBuildFinished?.(outcome);
    return outcome;
  }
}
