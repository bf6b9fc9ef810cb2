// Reload: polls the config (and secure) file's mtime and size on the injected Clock and hands
// a newly valid config to the daemon. An invalid new file is reported and the running config
// is kept, as upstream does when a reload fails.
// A change is applied only once the files have stayed unchanged for `settleMs` and two parses
// on successive polls gave the same config: an editor or a deploy tool writing the file in
// place passes through truncated-but-valid states, and applying one would make the janitor
// delete the images of every diskimage missing from it.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Clock } from '../util/clock.ts';
import type { Env } from './env-substitute.ts';
import type { ConfigProblem } from './errors.ts';
import type { FileProbe } from './file-checks.ts';
import { validateConfig } from './load.ts';
import type { NodepoolConfig } from './model.ts';

export interface ConfigWatcherOptions {
  path: string;
  secure?: string;
  env: Env;
  cwd?: string;
  files?: FileProbe;
  clock: Clock;
  /** Poll interval; upstream re-reads on every loop, about once a second. */
  intervalMs?: number;
  /** How long the files must stay unchanged before a change is parsed (default 2 s). */
  settleMs?: number;
  /** The config running now, if already loaded (otherwise nothing is "current" until a change). */
  initial?: NodepoolConfig;
  onChange: (config: NodepoolConfig, warnings: ConfigProblem[]) => void;
  onInvalid: (problems: ConfigProblem[]) => void;
}

export const DEFAULT_SETTLE_MS = 2000;

/** A change seen but not applied yet. */
interface PendingChange {
  fingerprint: string;
  /** When this fingerprint was first seen (injected clock). */
  since: number;
  /** Digest of the first parse of it, to compare with the second. */
  firstParse?: string;
}

/** A digest of the config's content, so two parses can be compared without keeping a copy. */
function configDigest(config: NodepoolConfig): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex');
}

export class ConfigWatcher {
  private readonly opts: ConfigWatcherOptions;
  private readonly files: string[];
  private fingerprint: string;
  private running: NodepoolConfig | null;
  private pending: PendingChange | null = null;
  private abort: AbortController | null = null;
  private loop: Promise<void> | null = null;

  constructor(opts: ConfigWatcherOptions) {
    this.opts = opts;
    const cwd = opts.cwd ?? process.cwd();
    this.files = [resolve(cwd, opts.path), ...(opts.secure ? [resolve(cwd, opts.secure)] : [])];
    this.fingerprint = this.currentFingerprint();
    this.running = opts.initial ?? null;
  }

  /** The last valid config seen (the initial one until a valid change arrives). */
  get config(): NodepoolConfig | null {
    return this.running;
  }

  start(): void {
    if (this.loop) return;
    const abort = new AbortController();
    this.abort = abort;
    this.loop = (async () => {
      while (!abort.signal.aborted) {
        try {
          await this.opts.clock.sleep(this.opts.intervalMs ?? 1000, abort.signal);
        } catch {
          return; // aborted
        }
        // One failed look (a disk error, a throwing callback) must not end reloading for good.
        try {
          await this.checkNow();
        } catch (err) {
          this.pending = null;
          this.opts.onInvalid([{
            severity: 'error', file: this.files[0], line: 0, col: 0, path: '(file)',
            message: `checking the configuration for changes failed: ${(err as Error)?.message ?? String(err)}`,
          }]);
        }
      }
    })();
  }

  /** Looks once; true when a new valid config was delivered. */
  async checkNow(): Promise<boolean> {
    const seen = this.currentFingerprint();
    if (seen === this.fingerprint) {
      this.pending = null;
      return false;
    }
    const now = this.opts.clock.now();
    if (!this.pending || this.pending.fingerprint !== seen) {
      this.pending = { fingerprint: seen, since: now };
      return false;
    }
    if (now - this.pending.since < (this.opts.settleMs ?? DEFAULT_SETTLE_MS)) return false;
    const result = await validateConfig(this.opts.path, {
      secure: this.opts.secure, env: this.opts.env, cwd: this.opts.cwd, files: this.opts.files,
    });
    // Written to while we read: start over from the new state.
    if (this.currentFingerprint() !== seen) return false;
    if (!result.config) {
      this.fingerprint = seen;
      this.pending = null;
      this.opts.onInvalid([...result.errors, ...result.warnings]);
      return false;
    }
    const digest = configDigest(result.config);
    if (this.pending.firstParse !== digest) {
      // First parse (or one that differs from the first): parse again on the next poll.
      this.pending.firstParse = digest;
      return false;
    }
    this.fingerprint = seen;
    this.pending = null;
    this.running = result.config;
    this.opts.onChange(result.config, result.warnings);
    return true;
  }

  async close(): Promise<void> {
    this.abort?.abort(new Error('config watcher closed'));
    await this.loop;
    this.loop = null;
  }

  private currentFingerprint(): string {
    return this.files
      .map((f) => {
        try {
          const st = statSync(f);
          return `${st.mtimeMs}:${st.size}:${st.ino}`;
        } catch {
          return 'missing';
        }
      })
      .join('|');
  }
}
