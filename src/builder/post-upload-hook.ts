// provider post-upload-hook: `<hook> <provider> <external_id> <local file>`; non-zero exit means
// the upload is unusable (the caller deletes the cloud image and marks the upload failed).
// Upstream waits for the hook without a limit, so a hung hook stopped that provider's uploads
// for good; here it runs in its own process group and is killed, group and all, after
// POST_UPLOAD_HOOK_TIMEOUT_MS (generous: any hook that finishes at all within an hour behaves
// as upstream), which counts as a failed hook.
import { spawn } from 'node:child_process';
import { splitShellWords } from './shell-words.ts';

export interface HookResult {
  ok: boolean;
  code: number | null;
  /** Last few KiB of stdout+stderr, for the log. */
  output: string;
  timedOut?: boolean;
}

const OUTPUT_CAP = 8192;
export const POST_UPLOAD_HOOK_TIMEOUT_MS = 60 * 60 * 1000;
/** SIGTERM first, SIGKILL this long after. */
const KILL_GRACE_MS = 10_000;

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // gone
  }
}

export function runPostUploadHook(hook: string, provider: string, externalId: string, file: string,
  signal?: AbortSignal, timeoutMs = POST_UPLOAD_HOOK_TIMEOUT_MS, killGraceMs = KILL_GRACE_MS): Promise<HookResult> {
  const [command, ...prefix] = splitShellWords(hook);
  return new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    const keep = (d: Buffer) => {
      output = (output + d.toString('utf8')).slice(-OUTPUT_CAP);
    };
    const child = spawn(command, [...prefix, provider, externalId, file], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const timers: NodeJS.Timeout[] = [];
    const stopGroup = () => {
      if (child.pid === undefined) return;
      killGroup(child.pid, 'SIGTERM');
      const force = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), killGraceMs);
      force.unref();
      timers.push(force);
    };
    timers.push(setTimeout(() => {
      timedOut = true;
      stopGroup();
    }, Math.min(timeoutMs, 2 ** 31 - 1)));
    const onAbort = () => stopGroup();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const finish = (r: HookResult) => {
      for (const t of timers) clearTimeout(t);
      signal?.removeEventListener('abort', onAbort);
      // Whatever the hook left running in its group goes with it.
      if (child.pid !== undefined && (timedOut || signal?.aborted)) killGroup(child.pid, 'SIGKILL');
      resolve(r);
    };
    child.once('error', (err) => finish({ ok: false, code: null, output: `${output}${err.message}` }));
    child.once('close', (code) => finish(timedOut
      ? { ok: false, code, timedOut, output: `${output}\npost-upload-hook timed out after ${Math.round(timeoutMs / 1000)} s and was killed` }
      : { ok: code === 0, code, output }));
  });
}
