// Retry schedule for failed uploads. Upstream retries every 10 s forever; a broken cloud then
// gets hammered with multi-GiB uploads, so we back off exponentially instead (visible table:
// 10 s, 20 s, 40 s ... capped at 10 min).

export const UPLOAD_RETRY_BASE_MS = 10_000;
export const UPLOAD_RETRY_CAP_MS = 600_000;

/** Delay before the next attempt after `failures` consecutive failures (>= 1). */
export function uploadRetryDelayMs(failures: number, baseMs = UPLOAD_RETRY_BASE_MS, capMs = UPLOAD_RETRY_CAP_MS): number {
  if (failures <= 0) return 0;
  // 2**exp overflows nothing at these sizes, but keep the exponent bounded anyway.
  const exp = Math.min(failures - 1, 30);
  return Math.min(baseMs * 2 ** exp, capMs);
}

export interface UploadFailureRecord {
  failures: number;
  /** Epoch ms before which no new attempt is made. */
  nextAttemptMs: number;
  buildId: string;
}

/** Pure bookkeeping: the record after one more failure at `nowMs`. A new build restarts the count. */
export function recordUploadFailure(prev: UploadFailureRecord | undefined, buildId: string, nowMs: number,
  baseMs = UPLOAD_RETRY_BASE_MS, capMs = UPLOAD_RETRY_CAP_MS): UploadFailureRecord {
  const failures = prev && prev.buildId === buildId ? prev.failures + 1 : 1;
  return { failures, buildId, nextAttemptMs: nowMs + uploadRetryDelayMs(failures, baseMs, capMs) };
}

/** 0 when an attempt may be made now, else ms to wait. Forced uploads are not held back. */
export function uploadWaitMs(rec: UploadFailureRecord | undefined, buildId: string, nowMs: number, forced: boolean): number {
  if (forced || !rec || rec.buildId !== buildId) return 0;
  return Math.max(0, rec.nextAttemptMs - nowMs);
}
