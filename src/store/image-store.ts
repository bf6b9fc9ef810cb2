// Images, builds and uploads under /nodepool/images/<image>, upstream's layout.
import type { ImageBuild, ImageUpload } from '../model/types.ts';
import { decodeImageBuild, encodeImageBuild } from '../model/image-build.ts';
import { decodeImageUpload, encodeImageUpload } from '../model/image-upload.ts';
import { uuidHex } from '../model/factories.ts';
import { CreateMode, type LockHandle, type LockOptions } from '../zk/types.ts';
import { ErrorCode, NoNodeError } from '../zk/errors.ts';
import { decodeOrSkip, type StoreContext } from './context.ts';
import type { UnreadableRecord } from './unreadable-records.ts';
import * as P from './paths.ts';
import { childrenOrEmpty, createIfMissing, createWithParents, deleteIfExists, getDataOrNull, mapPipelined } from './zk-helpers.ts';
import { lockBelowExisting } from './locking.ts';

type BuildFields = Omit<ImageBuild, 'id' | 'version'> & { id?: string };
type UploadFields = Omit<ImageUpload, 'id' | 'version'>;

const notLock = (name: string) => name !== P.LOCK;

export class ImageStore {
  private readonly ctx: StoreContext;
  constructor(ctx: StoreContext) {
    this.ctx = ctx;
  }

  async listImageNames(): Promise<string[]> {
    return (await childrenOrEmpty(this.ctx.client, P.IMAGE_ROOT)).sort();
  }

  async isImagePaused(image: string): Promise<boolean> {
    return (await this.ctx.client.exists(P.imagePausePath(image))) !== null;
  }

  async setImagePaused(image: string, paused: boolean): Promise<void> {
    if (paused) await createIfMissing(this.ctx.client, P.imagePausePath(image));
    else await deleteIfExists(this.ctx.client, P.imagePausePath(image));
  }

  /** What `nodepool image-build` does: an empty request-build znode the builder deletes when it starts. */
  async requestImageBuild(image: string): Promise<void> {
    await createIfMissing(this.ctx.client, P.imageBuildRequestPath(image));
  }

  async hasBuildRequest(image: string): Promise<boolean> {
    return (await this.ctx.client.exists(P.imageBuildRequestPath(image))) !== null;
  }

  async clearBuildRequest(image: string): Promise<void> {
    await deleteIfExists(this.ctx.client, P.imageBuildRequestPath(image));
  }

  async lockImageBuilds(image: string, options?: LockOptions): Promise<LockHandle | null> {
    return this.ctx.lock(P.buildsLockPath(image), options);
  }

  async createBuild(fields: BuildFields): Promise<ImageBuild> {
    const { id = uuidHex(), ...rest } = fields;
    const build: ImageBuild = { ...rest, id };
    const created = await createWithParents(
      this.ctx.client, P.buildPath(build.image, id), encodeImageBuild(build), CreateMode.PERSISTENT,
    );
    build.version = created.stat.version;
    return build;
  }

  async getBuild(image: string, buildId: string, sink?: UnreadableRecord[]): Promise<ImageBuild | null> {
    const path = P.buildPath(image, buildId);
    const found = await getDataOrNull(this.ctx.client, path);
    if (!found) {
      this.ctx.unreadable.forget(path);
      return null;
    }
    const { data, stat } = found;
    return decodeOrSkip(this.ctx, { kind: 'build', path, data, version: stat.version, image, buildId },
      () => decodeImageBuild(buildId, data, { image, path, version: stat.version }), sink);
  }

  /** True when the build znode exists, readable or not. */
  async buildExists(image: string, buildId: string): Promise<boolean> {
    return (await this.ctx.client.exists(P.buildPath(image, buildId))) !== null;
  }

  async listBuildIds(image: string): Promise<string[]> {
    return (await childrenOrEmpty(this.ctx.client, P.buildsPath(image))).filter(notLock);
  }

  /** Newest state_time first (upstream's getMostRecentBuilds order). */
  async listBuilds(image: string, unreadable?: UnreadableRecord[]): Promise<ImageBuild[]> {
    const ids = await this.listBuildIds(image);
    const sink: UnreadableRecord[] = [];
    const builds = (await mapPipelined(ids, (id) => this.getBuild(image, id, sink)))
      .filter((build): build is ImageBuild => build !== null);
    this.ctx.unreadable.reconcileDir(P.buildsPath(image), new Set(sink.map((r) => r.path)));
    unreadable?.push(...sink);
    return builds.sort((a, b) => b.state_time - a.state_time);
  }

  async storeBuild(build: ImageBuild): Promise<void> {
    const stat = await this.ctx.client.setData(P.buildPath(build.image, build.id), encodeImageBuild(build), -1);
    build.version = stat.version;
  }

  /** False (and nothing deleted) while upload records still exist below the build, as upstream. */
  async deleteBuild(image: string, buildId: string): Promise<boolean> {
    const providers = await childrenOrEmpty(this.ctx.client, P.buildProvidersPath(image, buildId));
    const uploads = await mapPipelined(providers, async (provider) =>
      (await childrenOrEmpty(this.ctx.client, P.uploadsPath(image, buildId, provider))).filter(notLock));
    if (uploads.some((ids) => ids.length > 0)) return false;
    await this.ctx.client.deleteRecursive(P.buildPath(image, buildId));
    return true;
  }

  async lockBuild(image: string, buildId: string, options?: LockOptions): Promise<LockHandle | null> {
    return lockBelowExisting(this.ctx, P.buildLockPath(image, buildId), options);
  }

  /** Creates the providers/<p>/images path as upstream does (through the lock dir) when missing. */
  async lockUploads(image: string, buildId: string, provider: string, options?: LockOptions): Promise<LockHandle | null> {
    await this.requireBuild(image, buildId);
    return this.ctx.lock(P.uploadsLockPath(image, buildId, provider), options);
  }

  /**
   * Sequential upload znode. The `lock` dir is created first, as upstream's uploader does by
   * locking before it creates, so the first upload is 0000000001 exactly like upstream's.
   */
  async createUpload(fields: UploadFields): Promise<ImageUpload> {
    await this.requireBuild(fields.image, fields.build_id);
    await createIfMissing(this.ctx.client, P.uploadsLockPath(fields.image, fields.build_id, fields.provider));
    const upload: ImageUpload = { ...fields, id: '' };
    const created = await createWithParents(
      this.ctx.client, `${P.uploadsPath(fields.image, fields.build_id, fields.provider)}/`,
      encodeImageUpload(upload), CreateMode.PERSISTENT_SEQUENTIAL,
    );
    upload.id = P.lastSegment(created.path);
    upload.version = created.stat.version;
    return upload;
  }

  async getUpload(image: string, buildId: string, provider: string, uploadId: string, sink?: UnreadableRecord[]): Promise<ImageUpload | null> {
    const path = P.uploadPath(image, buildId, provider, uploadId);
    const found = await getDataOrNull(this.ctx.client, path);
    if (!found) {
      this.ctx.unreadable.forget(path);
      return null;
    }
    const { data, stat } = found;
    return decodeOrSkip(this.ctx, { kind: 'upload', path, data, version: stat.version, image, buildId, provider },
      () => decodeImageUpload(uploadId, data, { image, build_id: buildId, provider, path, version: stat.version }), sink);
  }

  /** Uploads of one build (one provider's, if given); the unreadable ones go to `unreadable`. */
  async listUploads(image: string, buildId: string, provider?: string, unreadable?: UnreadableRecord[]): Promise<ImageUpload[]> {
    const providers = provider !== undefined
      ? [provider]
      : (await childrenOrEmpty(this.ctx.client, P.buildProvidersPath(image, buildId))).sort();
    const perProvider = await mapPipelined(providers, async (name) => {
      const dir = P.uploadsPath(image, buildId, name);
      const ids = (await childrenOrEmpty(this.ctx.client, dir)).filter(notLock).sort();
      const sink: UnreadableRecord[] = [];
      const uploads = await mapPipelined(ids, (id) => this.getUpload(image, buildId, name, id, sink));
      this.ctx.unreadable.reconcileDir(dir, new Set(sink.map((r) => r.path)));
      unreadable?.push(...sink);
      return uploads;
    });
    return perProvider.flat().filter((upload): upload is ImageUpload => upload !== null);
  }

  async storeUpload(upload: ImageUpload): Promise<void> {
    const path = P.uploadPath(upload.image, upload.build_id, upload.provider, upload.id);
    const stat = await this.ctx.client.setData(path, encodeImageUpload(upload), -1);
    upload.version = stat.version;
  }

  async deleteUpload(upload: ImageUpload): Promise<void> {
    await this.ctx.client.deleteRecursive(this.uploadPath(upload));
  }

  async lockUpload(upload: ImageUpload, options?: LockOptions): Promise<LockHandle | null> {
    return lockBelowExisting(this.ctx, P.uploadLockPath(upload.image, upload.build_id, upload.provider, upload.id), options);
  }

  async latestReadyUpload(image: string, provider: string): Promise<ImageUpload | null> {
    const buildIds = await this.listBuildIds(image);
    const uploads = (await mapPipelined(buildIds, (id) => this.listUploads(image, id, provider))).flat();
    let latest: ImageUpload | null = null;
    for (const upload of uploads) {
      // A READY record naming no cloud image (a foreign writer's) cannot boot anything: skipped.
      const bootable = Boolean(upload.external_id || upload.external_name);
      if (upload.state === 'ready' && bootable && (latest === null || upload.state_time > latest.state_time)) latest = upload;
    }
    return latest;
  }

  uploadPath(upload: ImageUpload): string {
    return P.uploadPath(upload.image, upload.build_id, upload.provider, upload.id);
  }

  /** Creating below a missing build would leave an empty build znode behind. */
  private async requireBuild(image: string, buildId: string): Promise<void> {
    const path = P.buildPath(image, buildId);
    if ((await this.ctx.client.exists(path)) === null) throw new NoNodeError(ErrorCode.NO_NODE, 'no such build', path);
  }
}
