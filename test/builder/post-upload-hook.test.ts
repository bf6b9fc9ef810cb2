// The post-upload hook is bounded: a hung hook is killed (with what it started) and fails.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPostUploadHook } from '../../src/builder/post-upload-hook.ts';
import { waitFor } from '../helpers/wait.ts';
import { processAlive, readPid } from './fake-dib.ts';

describe('post-upload-hook', () => {
  it('passes provider, image id and file, and reports the exit code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-hook-'));
    const hook = join(dir, 'hook.sh');
    writeFileSync(hook, '#!/bin/sh\necho "args: $*"\nexit 3\n', { mode: 0o755 });
    const r = await runPostUploadHook(hook, 'cloud1', 'img-1', '/x/y.qcow2');
    expect(r).toMatchObject({ ok: false, code: 3 });
    expect(r.output).toContain('args: cloud1 img-1 /x/y.qcow2');
  });

  it('a hung hook is killed after the timeout, with its children, and counts as failed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-hook-'));
    const pidFile = join(dir, 'child.pid');
    const hook = join(dir, 'hang.sh');
    writeFileSync(hook, `#!/bin/sh\nsleep 300 &\necho $! > ${pidFile}\nwait\n`, { mode: 0o755 });
    const started = Date.now();
    const r = await runPostUploadHook(hook, 'cloud1', 'img-1', '/f', undefined, 500, 200);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.ok).toBe(false);
    expect(r.timedOut).toBe(true);
    expect(r.output).toMatch(/timed out after \d+ s and was killed/);
    const child = readPid(pidFile)!;
    await waitFor(() => !processAlive(child), { timeoutMs: 5000, message: 'hook child killed' });
  });
});
