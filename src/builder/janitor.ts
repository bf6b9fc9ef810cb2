// The janitor (upstream CleanupWorker, every 60 s): retention of builds and uploads, crashed
// records, local files, delete-after-upload, and leaked cloud images. Each task and each image
// is isolated: one failure is logged and the sweep goes on.
import type { CloudProvider } from '../cloud/provider.ts';
import { NotFoundError } from '../cloud/errors.ts';
import type { ImageBuild, ImageUpload } from '../model/types.ts';
import type { UnreadableRecord } from '../store/unreadable-records.ts';
import { epochSeconds } from '../util/clock.ts';
import type { BuilderContext } from './builder-context.ts';
import {
  formatsToDeleteAfterUpload, localFilesToDelete, planImageCleanup, uploadKey, type BuildWithUploads,
} from './cleanup-plan.ts';
import { providersUsingImage } from './image-types.ts';
import { findLeakedImages } from './leaked-images.ts';
import { DEFAULT_IMAGE_REMOVAL_GRACE_SECONDS, removalGrace } from './removal-grace.ts';
import { deleteFormatFiles, hasLocalImageFile, listLocalBuildFiles, removePath } from './local-files.ts';

export interface JanitorOptions {
  intervalMs?: number;
}

export class Janitor {
  private readonly ctx: BuilderContext;
  private readonly opts: JanitorOptions;
  /** Per provider: image ids seen leaked on the previous pass. */
  private readonly leakSuspects = new Map<string, Set<string>>();
  /** Diskimages and (image, provider) pairs missing from the config: since when (ms). */
  private readonly missingSince = new Map<string, number>();

  constructor(ctx: BuilderContext, opts: JanitorOptions = {}) {
    this.ctx = ctx;
    this.opts = opts;
  }

  async pass(signal: AbortSignal): Promise<number> {
    const tasks: [string, () => Promise<void>][] = [
      ['builds and uploads', () => this.cleanupImages(signal)],
      ['local files', () => this.cleanupLocalFiles()],
      ['leaked images', () => this.cleanupLeakedImages(signal)],
    ];
    for (const [name, task] of tasks) {
      if (signal.aborted) break;
      try {
        await task();
      } catch (err) {
        this.ctx.logger.error({ err, task: name }, 'janitor task failed');
      }
    }
    return this.opts.intervalMs ?? 60_000;
  }

  /** Readable builds with their readable uploads; `unreadable` collects what could not be read. */
  private async loadImage(image: string, unreadable: UnreadableRecord[]): Promise<BuildWithUploads[]> {
    const { store } = this.ctx;
    const builds = await store.listBuilds(image, unreadable);
    return Promise.all(builds.map(async (build) => ({ build, uploads: await store.listUploads(image, build.id, undefined, unreadable) })));
  }

  /** Probes whether the image's build lock is held, without keeping it. */
  private async buildLockHeld(image: string): Promise<boolean> {
    const lock = await this.ctx.store.lockImageBuilds(image, { blocking: false });
    if (!lock) return true;
    await lock.release();
    return false;
  }

  private async liveUploads(data: BuildWithUploads[]): Promise<Set<string>> {
    const live = new Set<string>();
    for (const { build, uploads } of data) {
      const providers = new Set(uploads.filter((u) => u.state === 'uploading').map((u) => u.provider));
      for (const provider of providers) {
        const lock = await this.ctx.store.lockUploads(build.image, build.id, provider, { blocking: false });
        if (lock) await lock.release();
        else for (const u of uploads) if (u.provider === provider && u.state === 'uploading') live.add(uploadKey(u));
      }
    }
    return live;
  }

  private async cleanupImages(signal: AbortSignal): Promise<void> {
    const { store, logger } = this.ctx;
    const { config } = this.ctx.view();
    const names = new Set([...(await store.listImageNames()), ...config.diskimages.map((d) => d.name)]);
    for (const image of names) {
      if (signal.aborted) return;
      try {
        await this.cleanupImage(image);
      } catch (err) {
        logger.error({ err, image }, 'image cleanup failed');
      }
    }
  }

  private async cleanupImage(image: string): Promise<void> {
    const { store, logger } = this.ctx;
    const { config, imagesDir, formats } = this.ctx.view();
    const diskimage = config.diskimages.find((d) => d.name === image && !d.abstract);
    const listing = providersUsingImage(image, config.providers);
    const unreadable: UnreadableRecord[] = [];
    const data = await this.loadImage(image, unreadable);
    if (data.length === 0) return;
    const { inConfig, providersListing } = this.withRemovalGrace(image, !!diskimage, new Set(listing.map((p) => p.name)), data);
    const buildInProgress = data.some((d) => d.build.state === 'building') ? await this.buildLockHeld(image) : false;
    const plan = planImageCleanup({
      inConfig,
      providersListing,
      builds: data,
      buildInProgress,
      liveUploads: await this.liveUploads(data),
      buildsWithUnreadableUploads: new Set(unreadable.filter((r) => r.kind === 'upload').map((r) => r.buildId ?? '')),
    });
    for (const upload of plan.deleteUploads) {
      try {
        await this.deleteUpload(upload);
      } catch (err) {
        logger.warn({ err, image, build: upload.build_id, upload: upload.id, provider: upload.provider }, 'upload delete failed; will retry');
      }
    }
    for (const build of plan.retireBuilds) {
      try {
        await this.retireBuild(build);
      } catch (err) {
        logger.warn({ err, image, build: build.id }, 'build delete failed; will retry');
      }
    }
    if (diskimage?.deleteAfterUpload) {
      for (const { build, uploads } of data) {
        if (!plan.keptBuildIds.includes(build.id)) continue;
        const doomed = formatsToDeleteAfterUpload({
          build, uploads, keepFormats: diskimage.keepFormats,
          providerFormats: listing.map((p) => ({ provider: p.name, format: formats.get(p.name) ?? p.imageType ?? 'qcow2' })),
        });
        for (const fmt of doomed) {
          if (!hasLocalImageFile(imagesDir, image, build.id, fmt)) continue;
          deleteFormatFiles(imagesDir, image, build.id, fmt);
          logger.info({ image, build: build.id, format: fmt }, 'deleted uploaded format (delete-after-upload)');
        }
      }
    }
  }

  /**
   * A diskimage or provider that left the config is treated as still there until it has stayed
   * away for the grace period; the first pass that sees it gone logs what will go and when.
   */
  private withRemovalGrace(image: string, diskimageInConfig: boolean, listing: Set<string>, data: BuildWithUploads[]):
    { inConfig: boolean; providersListing: Set<string> } {
    const { config } = this.ctx.view();
    const graceMs = (config.imageRemovalGrace ?? DEFAULT_IMAGE_REMOVAL_GRACE_SECONDS) * 1000;
    const now = this.ctx.clock.now();
    const uploads = data.flatMap((d) => d.uploads);
    const image_ = removalGrace(this.missingSince, `diskimage:${image}`, diskimageInConfig, now, graceMs);
    if (image_.newlyMissing && image_.waiting) {
      this.ctx.logger.warn({
        image, builds: data.map((d) => d.build.id), uploads: uploads.length, deleteAfter: new Date(image_.deleteAfterMs!).toISOString(),
      }, 'diskimage is no longer in the config: its builds and uploads will be deleted after the grace period unless it comes back');
    }
    const providersListing = new Set(listing);
    for (const provider of new Set(uploads.map((u) => u.provider))) {
      const verdict = removalGrace(this.missingSince, `upload:${image}/${provider}`, listing.has(provider), now, graceMs);
      if (!verdict.waiting) continue;
      providersListing.add(provider);
      if (verdict.newlyMissing) {
        this.ctx.logger.warn({
          image, provider, uploads: uploads.filter((u) => u.provider === provider).map((u) => `${u.build_id}/${u.id}`),
          deleteAfter: new Date(verdict.deleteAfterMs!).toISOString(),
        }, 'provider no longer lists this diskimage: its uploads will be deleted after the grace period unless it comes back');
      }
    }
    return { inConfig: diskimageInConfig || image_.waiting, providersListing };
  }

  /** deleting (under the upload's lock) -> cloud delete -> znode delete. */
  private async deleteUpload(upload: ImageUpload): Promise<void> {
    const { store, clock, logger } = this.ctx;
    const lock = await store.lockUpload(upload, { blocking: false });
    if (!lock) return;
    try {
      const current = await store.getUpload(upload.image, upload.build_id, upload.provider, upload.id);
      if (!current) return;
      if (current.state !== 'deleting') {
        await store.storeUpload({ ...current, state: 'deleting', state_time: epochSeconds(clock) });
      }
      if (current.external_id) {
        const provider = this.ctx.view().providers.get(upload.provider);
        if (!provider) {
          // Without a provider object (unknown provider or --build-only) the cloud image cannot be
          // deleted; leave the record `deleting` so a builder that has it finishes the job.
          return;
        }
        try {
          await provider.deleteImage(current.external_id);
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
        }
      }
    } finally {
      await lock.release().catch(() => undefined);
    }
    await store.deleteUpload(upload);
    logger.info({ image: upload.image, build: upload.build_id, upload: upload.id, provider: upload.provider, id: upload.external_id }, 'deleted upload');
  }

  private async retireBuild(build: ImageBuild): Promise<void> {
    const { store, clock, logger } = this.ctx;
    const lock = await store.lockBuild(build.image, build.id, { blocking: false });
    if (!lock) return;
    try {
      const current = await store.getBuild(build.image, build.id);
      if (!current) return;
      // The plan was made from a listing taken before the lock: a build that finished meanwhile
      // (building -> ready) is no longer the one the plan judged, so it is left for the next pass.
      if (current.state !== build.state && current.state !== 'deleting') return;
      if (current.state !== 'deleting') await store.storeBuild({ ...current, state: 'deleting', state_time: epochSeconds(clock) });
      // Unreadable upload records count: they may name a cloud image in use.
      const unreadable: UnreadableRecord[] = [];
      const remaining = await store.listUploads(build.image, build.id, undefined, unreadable);
      if (remaining.length > 0 || unreadable.length > 0) return;
    } finally {
      await lock.release().catch(() => undefined);
    }
    // Local files go with the record; other builders delete theirs when they see it gone.
    this.deleteLocalBuild(build.image, build.id);
    await store.deleteBuild(build.image, build.id);
    logger.info({ image: build.image, build: build.id, state: build.state }, 'deleted build');
  }

  private deleteLocalBuild(image: string, buildId: string): void {
    const { imagesDir } = this.ctx.view();
    for (const f of listLocalBuildFiles(imagesDir)) if (f.image === image && f.buildId === buildId) removePath(imagesDir, f.name);
  }

  private async cleanupLocalFiles(): Promise<void> {
    const { store, logger } = this.ctx;
    const { imagesDir } = this.ctx.view();
    // Files first, then ZooKeeper: a build record is always created before its files.
    const files = listLocalBuildFiles(imagesDir);
    const states = new Map<string, ImageBuild['state'] | 'unreadable' | null>();
    for (const f of files) {
      const key = `${f.image}/${f.buildId}`;
      if (states.has(key)) continue;
      const build = await store.getBuild(f.image, f.buildId);
      // A record that exists but cannot be read keeps its files; only a missing one releases them.
      const exists = build !== null || (await store.buildExists(f.image, f.buildId));
      states.set(key, build?.state ?? (exists ? 'unreadable' : null));
    }
    for (const f of localFilesToDelete(files, (image, id) => states.get(`${image}/${id}`) ?? null)) {
      removePath(imagesDir, f.name);
      logger.info({ image: f.image, build: f.buildId, file: f.name }, 'deleted local file of a deleted build');
    }
  }

  private async cleanupLeakedImages(signal: AbortSignal): Promise<void> {
    const { providers } = this.ctx.view();
    for (const provider of providers.values()) {
      if (signal.aborted) return;
      try {
        await this.cleanupLeakedImagesOf(provider);
      } catch (err) {
        this.ctx.logger.error({ err, provider: provider.name }, 'leaked image cleanup failed');
      }
    }
  }

  private async cleanupLeakedImagesOf(provider: CloudProvider): Promise<void> {
    const { store, logger } = this.ctx;
    // Cloud first, then ZooKeeper: an upload record is always created before its cloud image.
    const images = await provider.listImages();
    const externalIds = new Set<string>();
    const buildUploadIds = new Set<string>();
    const protectedBuildIds = new Set<string>();
    for (const image of await store.listImageNames()) {
      const unreadableBuilds: UnreadableRecord[] = [];
      const builds = await store.listBuilds(image, unreadableBuilds);
      // Uploads below an unreadable build are still read: their path says whose they are.
      const buildIds = [...builds.map((b) => b.id), ...unreadableBuilds.map((r) => r.id)];
      for (const r of unreadableBuilds) protectedBuildIds.add(r.id);
      for (const buildId of buildIds) {
        const unreadableUploads: UnreadableRecord[] = [];
        for (const u of await store.listUploads(image, buildId, provider.name, unreadableUploads)) {
          if (u.external_id) externalIds.add(u.external_id);
          buildUploadIds.add(`${u.build_id}/${u.id}`);
        }
        for (const r of unreadableUploads) {
          buildUploadIds.add(`${buildId}/${r.id}`);
          protectedBuildIds.add(buildId);
        }
      }
    }
    const verdict = findLeakedImages(images, provider.name, { externalIds, buildUploadIds, protectedBuildIds },
      this.leakSuspects.get(provider.name) ?? new Set());
    this.leakSuspects.set(provider.name, verdict.suspects);
    for (const image of verdict.toDelete) {
      try {
        await provider.deleteImage(image.id);
        verdict.suspects.delete(image.id);
        logger.info({ provider: provider.name, id: image.id, name: image.name, metadata: image.metadata }, 'deleted leaked image');
      } catch (err) {
        if (err instanceof NotFoundError) verdict.suspects.delete(image.id);
        else logger.warn({ err, provider: provider.name, id: image.id }, 'deleting leaked image failed');
      }
    }
  }
}
