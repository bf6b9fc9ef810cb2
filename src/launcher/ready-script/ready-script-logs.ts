// Ready-script logs (`<log dir>/<node id>.log`) are bounded like build logs: each file stops
// growing at a size cap (a script printing forever cannot fill the disk), and only the newest
// files are kept (pruned whenever a new log is opened).
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Per node log, all attempts together. */
export const READY_SCRIPT_LOG_MAX_BYTES = 1024 * 1024;
/** How many node logs are kept in the directory. */
export const READY_SCRIPT_LOG_RETENTION = 200;

const NODE_LOG = /^\d+\.log$/;

/** Pure: which node logs to delete, keeping the `retention` newest (by mtime) and `keep`. */
export function readyLogsToPrune(files: readonly { name: string; mtimeMs: number }[], retention: number, keep: string): string[] {
  const logs = files.filter((f) => NODE_LOG.test(f.name) && f.name !== keep)
    .sort((a, b) => b.mtimeMs - a.mtimeMs || (a.name < b.name ? 1 : -1));
  return logs.slice(Math.max(0, retention - 1)).map((f) => f.name);
}

/** Deletes old node logs in `dir` (never `keep`); single-file errors are skipped. Returns the names deleted. */
export function pruneReadyScriptLogs(dir: string, keep: string, retention = READY_SCRIPT_LOG_RETENTION): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const files: { name: string; mtimeMs: number }[] = [];
  for (const name of names) {
    if (!NODE_LOG.test(name)) continue;
    try {
      files.push({ name, mtimeMs: statSync(join(dir, name)).mtimeMs });
    } catch {
      // vanished meanwhile
    }
  }
  const deleted: string[] = [];
  for (const name of readyLogsToPrune(files, retention, keep)) {
    try {
      unlinkSync(join(dir, name));
      deleted.push(name);
    } catch {
      // already gone
    }
  }
  return deleted;
}

/** Passes output on until the file holds `maxBytes`, then writes one marker line and drops the rest. */
export class CappedLogWriter {
  private size: number;
  private truncated = false;
  private readonly maxBytes: number;
  private readonly sink: (chunk: Buffer | string) => void;

  constructor(sink: (chunk: Buffer | string) => void, startSize: number, maxBytes = READY_SCRIPT_LOG_MAX_BYTES) {
    this.sink = sink;
    this.size = startSize;
    this.maxBytes = maxBytes;
  }

  /** Bytes dropped since the cap was reached are not counted; the marker says it happened. */
  write(chunk: Buffer | string): void {
    if (this.truncated) return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const room = this.maxBytes - this.size;
    if (bytes.length <= room) {
      this.size += bytes.length;
      this.sink(bytes);
      return;
    }
    if (room > 0) this.sink(bytes.subarray(0, room));
    this.size = this.maxBytes;
    this.truncated = true;
    this.sink(`\n=== log truncated at ${this.maxBytes} bytes: further output dropped\n`);
  }

  /** Lines of our own (start, exit, failure): written even past the cap, they are short. */
  note(line: string): void {
    this.sink(line);
  }
}
