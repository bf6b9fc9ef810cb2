// provider post-upload-hook: `<hook> <provider> <external_id> <local file>`; non-zero exit means
// the upload is unusable (the caller deletes the cloud image and marks the upload failed).
import { spawn } from 'node:child_process';
import { splitShellWords } from './shell-words.ts';

export interface HookResult {
  ok: boolean;
  code: number | null;
  /** Last few KiB of stdout+stderr, for the log. */
  output: string;
}

const OUTPUT_CAP = 8192;

export function runPostUploadHook(hook: string, provider: string, externalId: string, file: string,
  signal?: AbortSignal): Promise<HookResult> {
  const [command, ...prefix] = splitShellWords(hook);
  return new Promise((resolve) => {
    let output = '';
    const keep = (d: Buffer) => {
      output = (output + d.toString('utf8')).slice(-OUTPUT_CAP);
    };
    const child = spawn(command, [...prefix, provider, externalId, file], { stdio: ['ignore', 'pipe', 'pipe'], signal });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (err) => resolve({ ok: false, code: null, output: `${output}${err.message}` }));
    child.once('close', (code) => resolve({ ok: code === 0, code, output }));
  });
}
