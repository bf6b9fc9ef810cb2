// Reload: polls the config (and secure) file's mtime and size on the injected Clock and hands
// a newly valid config to the daemon. An invalid new file is reported and the running config
// is kept, as upstream does when a reload fails.
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
  /** The config running now, if already loaded (otherwise nothing is "current" until a change). */
  initial?: NodepoolConfig;
  onChange: (config: NodepoolConfig, warnings: ConfigProblem[]) => void;
  onInvalid: (problems: ConfigProblem[]) => void;
}

export class ConfigWatcher {
  private readonly opts: ConfigWatcherOptions;
  private readonly files: string[];
  private fingerprint: string;
  private running: NodepoolConfig | null;
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
        await this.checkNow();
      }
    })();
  }

  /** Looks once; true when a new valid config was delivered. */
  async checkNow(): Promise<boolean> {
    const now = this.currentFingerprint();
    if (now === this.fingerprint) return false;
    this.fingerprint = now;
    const result = await validateConfig(this.opts.path, {
      secure: this.opts.secure, env: this.opts.env, cwd: this.opts.cwd, files: this.opts.files,
    });
    if (!result.config) {
      this.opts.onInvalid([...result.errors, ...result.warnings]);
      return false;
    }
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
