// Runs a command in its own process group with stdout+stderr going straight to a log file
// (the OS writes it: no JavaScript in the data path), bounded by a timeout that kills the
// whole tree, sudo children included (upstream kills only the direct child; process-tree.ts).
// The log is not world-readable: DIB runs with -x and secret env-vars. A run file beside the
// log names the process, so a builder that died (kill -9) has its orphan found at next start.
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, fchmodSync, openSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Clock } from '../util/clock.ts';
import { ProcessTree } from './process-tree.ts';
import { forgetRun, recordRun } from './orphan-runs.ts';

/** Build logs: owner and group only. */
export const BUILD_LOG_MODE = 0o640;

export interface RunLoggedOptions {
  command: string;
  args: readonly string[];
  env: Record<string, string>;
  logPath: string;
  /** Kill the process group after this long. */
  timeoutMs: number;
  /** SIGTERM first; SIGKILL this long after. */
  killGraceMs?: number;
  clock: Clock;
  /** Aborting (daemon stop) kills the tree like a timeout does. */
  signal?: AbortSignal;
  cwd?: string;
  /** Called with the child's pid right after spawn (tests, logging). */
  onSpawn?: (pid: number) => void;
}

export interface RunLoggedResult {
  /** What `Exit code:` says: the exit status, 128+signal when killed, 127 when it could not start. */
  rc: number;
  timedOut: boolean;
  aborted: boolean;
}

const DEFAULT_GRACE_MS = 10_000;
const TREE_WATCH_MS = 1000;
/** setTimeout fires at once for delays above 2^31-1 ms (24.8 days); such a timeout means "never" in practice. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

function signalNumber(sig: NodeJS.Signals | null): number {
  return sig ? (osConstants.signals[sig] ?? 0) : 0;
}

export async function runLogged(o: RunLoggedOptions): Promise<RunLoggedResult> {
  const fd = openSync(o.logPath, 'w', BUILD_LOG_MODE);
  // An existing file keeps its old mode on open.
  fchmodSync(fd, BUILD_LOG_MODE);
  const child = (() => {
    try {
      return spawn(o.command, [...o.args], { detached: true, stdio: ['ignore', fd, fd], env: o.env, cwd: o.cwd });
    } finally {
      // The child has its own copy of the descriptor.
      closeSync(fd);
    }
  })();
  const exited = new Promise<{ code: number | null; sig: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, sig: null, error }));
    child.once('exit', (code, sig) => resolve({ code, sig }));
  });
  const pid = child.pid;
  if (pid !== undefined) o.onSpawn?.(pid);
  const tree = pid !== undefined ? new ProcessTree(pid) : null;
  if (pid !== undefined) recordRun(o.logPath, pid, o.command);
  // Learn the tree as it grows, so a child re-parented away (its parent exited) is still known.
  const watchTree = setInterval(() => tree?.alive(), TREE_WATCH_MS);
  watchTree.unref();
  const unreachable = new Set<number>();
  const signalTree = (sig: NodeJS.Signals) => {
    for (const p of tree?.signal(sig).unreachable ?? []) unreachable.add(p);
  };

  const stop = new AbortController();
  let timedOut = false;
  let aborted = false;
  const killTree = async (why: 'timeout' | 'abort') => {
    if (!tree) return;
    if (why === 'timeout') timedOut = true;
    else aborted = true;
    signalTree('SIGTERM');
    const grace = o.killGraceMs ?? DEFAULT_GRACE_MS;
    // Wait for the whole tree (not just the direct child) to leave, then force it.
    const deadline = Date.now() + grace;
    while (tree.alive().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    signalTree('SIGKILL');
  };
  let killing: Promise<void> | null = null;
  const startKill = (why: 'timeout' | 'abort') => {
    killing ??= killTree(why);
  };
  const onAbort = () => startKill('abort');
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) onAbort();
  o.clock.sleep(Math.min(o.timeoutMs, MAX_TIMER_MS), stop.signal).then(() => startKill('timeout'), () => undefined);

  const result = await exited;
  stop.abort();
  clearInterval(watchTree);
  // Anything the direct child left behind must not outlive the build.
  if (killing) await killing;
  if (tree && (timedOut || aborted)) {
    const deadline = Date.now() + 5_000;
    while (tree.alive().length > 0 && Date.now() < deadline) {
      signalTree('SIGKILL');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  o.signal?.removeEventListener('abort', onAbort);

  let rc: number;
  const notes: string[] = [];
  if (result.error) {
    rc = 127;
    notes.push(`Failed to run ${o.command}: ${result.error.message}`);
  } else if (result.code !== null) {
    rc = result.code;
  } else {
    rc = 128 + signalNumber(result.sig);
  }
  if (timedOut) notes.push(`Build timed out after ${Math.round(o.timeoutMs / 1000)} s: process group ${pid} killed`);
  if (aborted) notes.push(`Build aborted (builder stopping): process group ${pid} killed`);
  const survivors = tree && (timedOut || aborted) ? tree.alive() : [];
  if (survivors.length > 0) {
    const denied = survivors.filter((p) => unreachable.has(p));
    notes.push(`Could not kill processes ${survivors.join(' ')}${denied.length > 0 ? ' (not permitted, and sudo -n kill was refused)' : ''}: they may still be running`);
  }
  if (pid !== undefined && survivors.length === 0) forgetRun(o.logPath);
  if ((timedOut || aborted) && rc === 0) rc = 1;
  appendFileSync(o.logPath, [...notes, `Exit code: ${rc}`].map((l) => `${l}\n`).join(''));
  return { rc, timedOut, aborted };
}
