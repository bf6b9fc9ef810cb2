// The builder's statsd figures, named exactly as upstream's builder emits them
// (listed in src/stats/README.md). The builder calls these after each build and upload.
import type { Metrics } from './metrics.ts';

export interface BuildOutcome {
  image: string;
  /** Wall time of the diskimage-builder run in ms. */
  durationMs: number;
  /** diskimage-builder's exit code (non-zero for a failed build). */
  rc: number;
  /** When the build finished, epoch seconds. */
  finishedAt: number;
  /** Per produced format (file extension): size in bytes (st_blocks * 512), for successful builds. */
  sizes?: Record<string, number>;
}

/** Call once per finished build, success or failure. */
export function reportBuild(metrics: Metrics, b: BuildOutcome): void {
  const base = `nodepool.dib_image_build.${b.image}`;
  for (const [ext, bytes] of Object.entries(b.sizes ?? {})) metrics.gauge(`${base}.${ext}.size`, bytes);
  metrics.timing(`${base}.status.duration`, b.durationMs);
  metrics.gauge(`${base}.status.rc`, b.rc);
  metrics.gauge(`${base}.status.last_build`, Math.trunc(b.finishedAt));
}

/** Call once per successful upload (timer + counter, as upstream). */
export function reportUpload(metrics: Metrics, image: string, provider: string, durationMs: number): void {
  const key = `nodepool.image_update.${image}.${provider}`;
  metrics.timing(key, durationMs);
  metrics.increment(key);
}

/** Manual build requests waiting: the total and per image. */
export function reportBuildRequests(metrics: Metrics, perImage: Record<string, number>): void {
  let total = 0;
  for (const [image, n] of Object.entries(perImage)) {
    metrics.gauge(`nodepool.image.${image}.image_build_requests`, n);
    total += n;
  }
  metrics.gauge('nodepool.image_build_requests', total);
}

export const BUILD_STATE_VALUE = { idle: 0, building: 1, paused: 3 } as const;
export const UPLOAD_STATE_VALUE = { idle: 0, uploading: 2, paused: 3 } as const;

export function reportBuildState(metrics: Metrics, hostname: string, image: string, state: keyof typeof BUILD_STATE_VALUE): void {
  metrics.gauge(`nodepool.builder.${hostname}.image.${image}.build.state`, BUILD_STATE_VALUE[state]);
}

export function reportUploadState(metrics: Metrics, hostname: string, image: string, provider: string, state: keyof typeof UPLOAD_STATE_VALUE): void {
  metrics.gauge(`nodepool.builder.${hostname}.image.${image}.provider.${provider}.upload.state`, UPLOAD_STATE_VALUE[state]);
}
