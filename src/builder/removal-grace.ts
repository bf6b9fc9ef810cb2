// Removing a diskimage or a provider from the config deletes its builds and uploads only after
// it has stayed removed for a grace period: a reload of a truncated-but-valid file must not
// delete images. What was first seen missing when lives in memory: a restart starts the wait
// again, which only ever delays a deletion. Pure.

export const DEFAULT_IMAGE_REMOVAL_GRACE_SECONDS = 600;

export interface GraceVerdict {
  /** Still within the grace period: treat it as if it were in the config. */
  waiting: boolean;
  /** When the deletion may happen (ms); null when it is present. */
  deleteAfterMs: number | null;
  /** True the first time it is seen missing (log what will be deleted and when, once). */
  newlyMissing: boolean;
}

/**
 * Updates `firstMissing` for `key` and says whether its deletion must still wait. A key that is
 * present again is forgotten, so a later removal waits the full period again.
 */
export function removalGrace(firstMissing: Map<string, number>, key: string, present: boolean, nowMs: number, graceMs: number): GraceVerdict {
  if (present) {
    firstMissing.delete(key);
    return { waiting: false, deleteAfterMs: null, newlyMissing: false };
  }
  const since = firstMissing.get(key);
  const newlyMissing = since === undefined;
  const start = since ?? nowMs;
  if (newlyMissing) firstMissing.set(key, start);
  const deleteAfterMs = start + graceMs;
  return { waiting: nowMs < deleteAfterMs, deleteAfterMs, newlyMissing };
}
