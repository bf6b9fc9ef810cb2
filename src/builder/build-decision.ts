// When does the builder build an image? As upstream's
// BuildWorker._checkImageForScheduledImageUpdates decides.
// Pure: the build worker gathers the facts, this decides.
import type { DiskImageConfig } from '../config/model.ts';
import type { ImageBuild } from '../model/types.ts';

export interface BuildFacts {
  diskimage: DiskImageConfig;
  /** imageTypesFor(): formats the providers and the diskimage need. */
  imageTypes: readonly string[];
  /** /nodepool/images/<image>/pause exists. */
  zkPaused: boolean;
  /** /nodepool/images/<image>/request-build exists. */
  buildRequested: boolean;
  /** Newest READY build (by state_time), or null. */
  newestReady: Pick<ImageBuild, 'id' | 'state_time' | 'formats'> | null;
  nowMs: number;
}

export type BuildReason = 'manual-request' | 'no-ready-build' | 'rebuild-age' | 'missing-formats';

export type BuildDecision =
  | { action: 'skip'; why: 'abstract' | 'paused' | 'no-formats' | 'up-to-date' }
  | { action: 'build'; reason: BuildReason; manual: boolean };

export function decideBuild(f: BuildFacts): BuildDecision {
  const d = f.diskimage;
  if (d.abstract) return { action: 'skip', why: 'abstract' };
  if (d.pause || f.zkPaused) return { action: 'skip', why: 'paused' };
  // A diskimage no provider uses and without its own formats is never built (upstream).
  if (f.imageTypes.length === 0) return { action: 'skip', why: 'no-formats' };
  if (f.buildRequested) return { action: 'build', reason: 'manual-request', manual: true };
  const ready = f.newestReady;
  if (!ready) return { action: 'build', reason: 'no-ready-build', manual: false };
  if (f.nowMs / 1000 - ready.state_time >= d.rebuildAge) {
    return { action: 'build', reason: 'rebuild-age', manual: false };
  }
  if (!f.imageTypes.every((t) => ready.formats.includes(t))) {
    return { action: 'build', reason: 'missing-formats', manual: false };
  }
  return { action: 'skip', why: 'up-to-date' };
}

/** Newest READY build by state_time (listBuilds is already newest first, but do not rely on it). */
export function newestReadyBuild<B extends Pick<ImageBuild, 'state' | 'state_time'>>(builds: readonly B[]): B | null {
  let best: B | null = null;
  for (const b of builds) if (b.state === 'ready' && (!best || b.state_time > best.state_time)) best = b;
  return best;
}
