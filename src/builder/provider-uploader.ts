// Uploads for ONE provider (upstream's UploadWorker._checkProviderImageUpload). Each provider
// has its own loop, so a slow or broken cloud never holds up the others. A failed upload is
// retried with exponential backoff (upload-backoff.ts) instead of upstream's fixed 10 s.
import type { CloudProvider } from '../cloud/provider.ts';
import type { DiskImageConfig, ProviderConfig, ProviderDiskImageConfig } from '../config/model.ts';
import type { ImageBuild, ImageUpload } from '../model/types.ts';
import { epochSeconds } from '../util/clock.ts';
import type { BuilderContext } from './builder-context.ts';
import { newestReadyBuild } from './build-decision.ts';
import { readChecksums } from './checksums.ts';
import { HalfMadeImageSweeper } from './half-made-images.ts';
import { formatImageName } from './image-name.ts';
import { hasLocalImageFile, imageFilePath } from './local-files.ts';
import { runPostUploadHook } from './post-upload-hook.ts';
import { MAX_TIMER_MS } from './run-logged.ts';
import { recordUploadFailure, uploadWaitMs, type UploadFailureRecord } from './upload-backoff.ts';

export interface UploaderOptions {
  intervalMs?: number;
  retryBaseMs?: number;
  retryCapMs?: number;
}

export interface UploadOutcome {
  image: string;
  provider: string;
  buildId: string;
  uploadId: string;
  state: 'ready' | 'failed';
  externalId: string | null;
  durationMs: number;
  error?: string;
}

export class ProviderUploader {
  private readonly ctx: BuilderContext;
  readonly providerName: string;
  private readonly opts: UploaderOptions;
  /** Backoff per image (in memory: a restart retries at once, which is what an operator expects). */
  private readonly failures = new Map<string, UploadFailureRecord>();
  private readonly sweeper: HalfMadeImageSweeper;
  onUploadFinished: ((o: UploadOutcome) => void) | null = null;
  /** Per image after each look: idle, uploading or paused (the upload.state gauge). */
  onUploadState: ((image: string, state: 'idle' | 'uploading' | 'paused') => void) | null = null;

  constructor(ctx: BuilderContext, providerName: string, opts: UploaderOptions = {}) {
    this.ctx = ctx;
    this.providerName = providerName;
    this.opts = opts;
    this.sweeper = new HalfMadeImageSweeper(providerName, ctx.store, ctx.logger);
  }

  failureRecord(image: string): UploadFailureRecord | undefined {
    return this.failures.get(image);
  }

  async pass(signal: AbortSignal): Promise<number> {
    const view = this.ctx.view();
    const providerConfig = view.config.providers.find((p) => p.name === this.providerName);
    const provider = view.providers.get(this.providerName);
    let next = this.opts.intervalMs ?? 10_000;
    if (!providerConfig || !provider) return next;
    for (const pdi of providerConfig.diskimages) {
      if (signal.aborted) break;
      try {
        const wait = await this.checkImage(providerConfig, pdi, provider, signal);
        if (wait > 0) next = Math.min(next, wait);
      } catch (err) {
        this.ctx.logger.error({ err, image: pdi.name, provider: this.providerName }, 'upload check failed');
      }
    }
    // Not while stopping: the failed record stays, and the next process's first pass sweeps it.
    if (!signal.aborted && this.sweeper.due) {
      try {
        await this.sweeper.sweep(provider, providerConfig.diskimages.map((d) => d.name));
      } catch (err) {
        this.ctx.logger.error({ err, provider: this.providerName }, 'looking for images of failed uploads failed');
      }
    }
    return next;
  }

  /** Returns ms until a backed-off retry is due (0 when nothing is waiting). */
  private async checkImage(pc: ProviderConfig, pdi: ProviderDiskImageConfig, provider: CloudProvider, signal: AbortSignal): Promise<number> {
    const { store, clock } = this.ctx;
    const { config, imagesDir } = this.ctx.view();
    const diskimage = config.diskimages.find((d) => d.name === pdi.name);
    if (!diskimage) return 0;
    if (pdi.pause || diskimage.pause) {
      this.onUploadState?.(pdi.name, 'paused');
      if (pdi.pause) return 0;
    } else {
      this.onUploadState?.(pdi.name, 'idle');
    }
    const format = provider.imageFormat();
    const build = newestReadyBuild(await store.listBuilds(pdi.name));
    // Only the builder holding the files uploads them.
    if (!build || !build.formats.includes(format) || !hasLocalImageFile(imagesDir, pdi.name, build.id, format)) return 0;
    // `nodepool image-upload PROVIDER IMAGE` asks for an upload now.
    const forced = (await store.listUploadRequests(pdi.name)).includes(pc.name);
    const uploads = await store.listUploads(pdi.name, build.id, pc.name);
    if (!forced && uploads.some((u) => u.state === 'ready')) return 0;
    const wait = uploadWaitMs(this.failures.get(pdi.name), build.id, clock.now(), forced);
    if (wait > 0) return wait;
    this.onUploadState?.(pdi.name, 'uploading');
    try {
      await this.upload(pc, pdi, diskimage, provider, build, format, forced, signal);
    } finally {
      this.onUploadState?.(pdi.name, 'idle');
    }
    return 0;
  }

  private async upload(pc: ProviderConfig, pdi: ProviderDiskImageConfig, diskimage: DiskImageConfig, provider: CloudProvider,
    build: ImageBuild, format: string, forced: boolean, stop: AbortSignal): Promise<void> {
    const { store, clock, logger } = this.ctx;
    const { imagesDir } = this.ctx.view();
    const lock = await store.lockUploads(pdi.name, build.id, pc.name, { blocking: false });
    if (!lock) return;
    let upload: ImageUpload | null = null;
    const startMs = clock.now();
    try {
      // Re-check under the lock.
      const current = await store.getBuild(pdi.name, build.id);
      if (!current || current.state !== 'ready') return;
      const uploads = await store.listUploads(pdi.name, build.id, pc.name);
      if (!forced && uploads.some((u) => u.state === 'ready')) return;

      upload = await store.createUpload({
        image: pdi.name, build_id: build.id, provider: pc.name, state: 'uploading', state_time: startMs / 1000,
        external_id: null, external_name: null, format,
        username: diskimage.username, python_path: diskimage.pythonPath, shell_type: diskimage.shellType,
      });
      const name = formatImageName(pc.imageNameFormat, { image_name: pdi.name, timestamp: startMs / 1000, upload_id: upload.id });
      const file = imageFilePath(imagesDir, pdi.name, build.id, format);
      const metadata: Record<string, string> = {
        ...diskimage.metadata,
        ...pdi.meta,
        nodepool_build_id: build.id,
        nodepool_upload_id: upload.id,
        nodepool_provider_name: pc.name,
      };
      logger.info({ image: pdi.name, build: build.id, upload: upload.id, provider: pc.name, name, file, forced }, 'uploading image');
      // A forced request is used up once its upload starts; if that upload fails, the normal
      // backoff applies instead of retrying at every pass.
      if (forced) await store.clearUploadRequest(pdi.name, pc.name);

      // image-upload-timeout bounds the transfer; stopping the daemon or losing the lock ends it too.
      const timeout = new AbortController();
      const done = new AbortController();
      clock.sleep(Math.min(pc.imageUploadTimeout * 1000, MAX_TIMER_MS), done.signal).then(
        () => timeout.abort(new Error(`upload timed out after ${pc.imageUploadTimeout} s`)),
        () => undefined,
      );
      const signal = AbortSignal.any([stop, lock.lostSignal, timeout.signal]);
      let image;
      try {
        image = await provider.uploadImage({ name, filePath: file, format, metadata, ...readChecksums(file), signal });
        signal.throwIfAborted();
      } finally {
        done.abort();
      }
      if (pc.postUploadHook) {
        const hook = await runPostUploadHook(pc.postUploadHook, pc.name, image.id, file, stop);
        if (!hook.ok) {
          await provider.deleteImage(image.id).catch((err) => logger.warn({ err, provider: pc.name, id: image.id }, 'deleting image after failed hook failed'));
          throw new Error(`post-upload-hook exited ${hook.code}: ${hook.output.trim().slice(-500)}`);
        }
      }
      const latest = (await store.getUpload(pdi.name, build.id, pc.name, upload.id)) ?? upload;
      await store.storeUpload({ ...latest, state: 'ready', state_time: epochSeconds(clock), external_id: image.id, external_name: name, format });
      this.failures.delete(pdi.name);
      logger.info({ image: pdi.name, build: build.id, upload: upload.id, provider: pc.name, id: image.id }, 'image uploaded');
      this.onUploadFinished?.({ image: pdi.name, provider: pc.name, buildId: build.id, uploadId: upload.id, state: 'ready', externalId: image.id, durationMs: clock.now() - startMs });
    } catch (err) {
      const rec = recordUploadFailure(this.failures.get(pdi.name), build.id, clock.now(), this.opts.retryBaseMs, this.opts.retryCapMs);
      this.failures.set(pdi.name, rec);
      logger.error({ err, image: pdi.name, build: build.id, provider: pc.name, failures: rec.failures, retryInMs: rec.nextAttemptMs - clock.now() }, 'image upload failed');
      if (upload) {
        // Its image may exist even when no id came back; this pass's sweep looks for it.
        this.sweeper.remember(build.id, upload.id);
        const latest = await store.getUpload(pdi.name, build.id, pc.name, upload.id).catch(() => null);
        if (latest) await store.storeUpload({ ...latest, state: 'failed', state_time: epochSeconds(clock) }).catch(() => undefined);
        this.onUploadFinished?.({ image: pdi.name, provider: pc.name, buildId: build.id, uploadId: upload.id, state: 'failed', externalId: null, durationMs: clock.now() - startMs, error: String((err as Error)?.message ?? err) });
      }
    } finally {
      await lock.release().catch(() => undefined);
    }
  }
}
