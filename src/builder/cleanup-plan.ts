// What the janitor removes (upstream's builder CleanupWorker retention rules). Pure.
import type { ImageBuild, ImageUpload } from '../model/types.ts';

/** Ready builds kept per image, and ready uploads kept per (image, provider). */
export const KEEP_BUILDS = 2;
export const KEEP_UPLOADS = 2;

export interface BuildWithUploads {
  build: ImageBuild;
  uploads: ImageUpload[];
}

export interface ImageCleanupInput {
  /** The diskimage is still in the config (else no build is kept). */
  inConfig: boolean;
  /** Providers whose `diskimages` list this image. */
  providersListing: ReadonlySet<string>;
  builds: readonly BuildWithUploads[];
  /** Someone holds /nodepool/images/<image>/builds/lock: `building` records are live. */
  buildInProgress: boolean;
  /** `${build_id}/${provider}/${upload_id}` of `uploading` records whose upload is locked (live). */
  liveUploads: ReadonlySet<string>;
  /** Builds with an upload record we cannot read: never retired (its cloud image and files stay). */
  buildsWithUnreadableUploads?: ReadonlySet<string>;
}

export interface ImageCleanupPlan {
  /** Set `deleting`, delete in the cloud, then delete the znode. */
  deleteUploads: ImageUpload[];
  /** Builds to retire: mark `deleting`, and once no upload znode remains delete files + znode. */
  retireBuilds: ImageBuild[];
  /** Build ids kept (for logging and tests). */
  keptBuildIds: string[];
}

export function uploadKey(u: Pick<ImageUpload, 'build_id' | 'provider' | 'id'>): string {
  return `${u.build_id}/${u.provider}/${u.id}`;
}

function newestFirst<T extends { state_time: number; id: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => b.state_time - a.state_time || (a.id < b.id ? 1 : -1));
}

export function planImageCleanup(input: ImageCleanupInput): ImageCleanupPlan {
  const readyBuilds = newestFirst(input.builds.map((b) => b.build).filter((b) => b.state === 'ready'));
  const kept = new Set(input.inConfig ? readyBuilds.slice(0, KEEP_BUILDS).map((b) => b.id) : []);
  const readyBuildIds = new Set(readyBuilds.map((b) => b.id));

  // The newest ready uploads per provider across ready builds: what launchers boot from.
  const recent = new Set<string>();
  const byProvider = new Map<string, ImageUpload[]>();
  for (const { build, uploads } of input.builds) {
    if (!readyBuildIds.has(build.id)) continue;
    for (const u of uploads) {
      if (u.state !== 'ready') continue;
      const list = byProvider.get(u.provider) ?? [];
      list.push(u);
      byProvider.set(u.provider, list);
    }
  }
  if (input.inConfig) {
    for (const list of byProvider.values()) for (const u of newestFirst(list).slice(0, KEEP_UPLOADS)) recent.add(uploadKey(u));
  }

  const deleteUploads: ImageUpload[] = [];
  const retireBuilds: ImageBuild[] = [];
  for (const { build, uploads } of input.builds) {
    const inProgress = build.state === 'building' && input.buildInProgress;
    if (inProgress) continue;
    const isKept = kept.has(build.id);
    let survivors = 0;
    for (const u of uploads) {
      const live = u.state === 'uploading' && input.liveUploads.has(uploadKey(u));
      if (live) {
        // Never pull an image out from under a running upload; the next pass decides.
        survivors++;
        continue;
      }
      const obsolete = !input.providersListing.has(u.provider);
      const doomed =
        obsolete ||
        u.state === 'uploading' || // not live: its uploader crashed
        u.state === 'failed' ||
        u.state === 'deleting' ||
        (u.state === 'ready' && !recent.has(uploadKey(u)));
      if (doomed) deleteUploads.push(u);
      else survivors++;
    }
    if (input.buildsWithUnreadableUploads?.has(build.id)) survivors++;
    if (!isKept && survivors === 0) retireBuilds.push(build);
  }
  return { deleteUploads, retireBuilds, keptBuildIds: [...kept] };
}

export interface LocalBuildFile {
  /** File or directory name in images-dir. */
  name: string;
  image: string;
  buildId: string;
  /** ".qcow2", ".qcow2.md5", ".d", ... */
  suffix: string;
}

/** Parses `<image>-<build_id><suffix>`; null for anything else (builder_id.txt, logs, strangers). */
export function parseLocalBuildFile(name: string): LocalBuildFile | null {
  const m = /^(.+)-([0-9a-f]{32}|\d{10})(\..+)$/.exec(name);
  if (!m || m[3] === '.log') return null;
  return { name, image: m[1], buildId: m[2], suffix: m[3] };
}

/**
 * Local files whose build znode is gone or `deleting`. `buildState(image, id)` is null when the
 * znode is missing and 'unreadable' when it exists but cannot be read (its files stay).
 */
export function localFilesToDelete(
  files: readonly LocalBuildFile[],
  buildState: (image: string, buildId: string) => ImageBuild['state'] | 'unreadable' | null,
): LocalBuildFile[] {
  return files.filter((f) => {
    const state = buildState(f.image, f.buildId);
    return state === null || state === 'deleting';
  });
}

export interface DeleteAfterUploadInput {
  build: ImageBuild;
  uploads: readonly ImageUpload[];
  keepFormats: readonly string[];
  /** (provider name, the format it uploads) for providers listing the image. */
  providerFormats: readonly { provider: string; format: string }[];
}

/** delete-after-upload: formats of a ready build uploaded READY everywhere they are needed. */
export function formatsToDeleteAfterUpload(input: DeleteAfterUploadInput): string[] {
  if (input.build.state !== 'ready') return [];
  return input.build.formats.filter((fmt) => {
    if (input.keepFormats.includes(fmt)) return false;
    return input.providerFormats
      .filter((p) => p.format === fmt)
      .every((p) => input.uploads.some((u) => u.provider === p.provider && u.state === 'ready'));
  });
}
