// Build logs: <build-log-dir>/<image>-<build_id>.log, pruned to build-log-retention per image.
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

export function buildLogPath(logDir: string, image: string, buildId: string): string {
  return join(logDir, `${image}-${buildId}.log`);
}

/** Build ids are uuid4 hex (current) or ten digits (legacy). */
export const BUILD_ID_PATTERN = '(?:[0-9a-f]{32}|\\d{10})';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Which of `names` are logs of `image` to delete, keeping the `retention` newest (by mtime). Pure. */
export function logsToPrune(
  image: string,
  files: readonly { name: string; mtimeMs: number }[],
  retention: number,
): string[] {
  if (retention < 0) return [];
  // Exact match, so image "debian" never prunes "debian-bookworm"'s logs.
  const re = new RegExp(`^${escapeRegExp(image)}-${BUILD_ID_PATTERN}\\.log$`);
  const mine = files.filter((f) => re.test(f.name)).sort((a, b) => b.mtimeMs - a.mtimeMs || (a.name < b.name ? 1 : -1));
  return mine.slice(Math.max(retention, 1)).map((f) => f.name);
}

/** Deletes old logs of one image; returns the names deleted. Errors on single files are skipped. */
export function pruneBuildLogs(logDir: string, image: string, retention: number): string[] {
  let names: string[];
  try {
    names = readdirSync(logDir);
  } catch {
    return [];
  }
  const files: { name: string; mtimeMs: number }[] = [];
  for (const name of names) {
    try {
      files.push({ name, mtimeMs: statSync(join(logDir, name)).mtimeMs });
    } catch {
      // vanished meanwhile
    }
  }
  const doomed = logsToPrune(image, files, retention);
  const deleted: string[] = [];
  for (const name of doomed) {
    try {
      unlinkSync(join(logDir, name));
      deleted.push(name);
    } catch {
      // already gone
    }
  }
  return deleted;
}
