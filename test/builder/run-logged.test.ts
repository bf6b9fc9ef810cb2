// The DIB runner against real processes (the fake dib-cmd): exit codes, the log, and a timeout
// that must take the whole process tree down, a SIGTERM-ignoring grandchild included.
import { mkdtempSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dibInvocation } from '../../src/builder/dib-command.ts';
import { runLogged } from '../../src/builder/run-logged.ts';
import { ManualClock, systemClock } from '../../src/util/clock.ts';
import { waitFor } from '../helpers/wait.ts';
import { diskimage } from './config-fixtures.ts';
import { FAKE_DIB, PROJECT_ELEMENTS, processAlive, readPid } from './fake-dib.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-run-logged-'));
});
const spawned: number[] = [];
afterEach(() => {
  for (const pid of spawned.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

function invocation(envVars: Record<string, string>, types = ['qcow2', 'raw']) {
  return dibInvocation({
    diskimage: diskimage({ name: 'img', dibCmd: FAKE_DIB, release: 'bookworm', envVars: { FAKE_DIB_EXPECT_RELEASE: 'bookworm', ...envVars } }),
    imageTypes: types,
    buildId: 'ab'.repeat(16),
    imagesDir: dir,
    elementsDir: null,
    projectElementsDir: PROJECT_ELEMENTS,
    projectDir: '/nonexistent',
    baseEnv: { PATH: process.env.PATH },
  });
}

describe('runLogged', () => {
  it('streams output to the log, ends it with the exit code, and the fake DIB writes every format', async () => {
    const inv = invocation({});
    const logPath = join(dir, 'build.log');
    const r = await runLogged({ ...inv, logPath, timeoutMs: 30_000, clock: systemClock, onSpawn: (p) => spawned.push(p) });
    const log = readFileSync(logPath, 'utf8');
    expect(r).toEqual({ rc: 0, timedOut: false, aborted: false });
    expect(log).toContain('fake-dib-cmd: built');
    expect(log.trimEnd().split('\n').at(-1)).toBe('Exit code: 0');
    const files = readdirSync(dir).sort();
    expect(files).toEqual(expect.arrayContaining([
      `img-${'ab'.repeat(16)}.qcow2`, `img-${'ab'.repeat(16)}.qcow2.md5`, `img-${'ab'.repeat(16)}.qcow2.sha256`,
      `img-${'ab'.repeat(16)}.raw`, `img-${'ab'.repeat(16)}.d`,
    ]));
  });

  it('reports a failing command', async () => {
    const logPath = join(dir, 'build.log');
    const r = await runLogged({ ...invocation({ FAKE_DIB_MODE: 'fail' }), logPath, timeoutMs: 30_000, clock: systemClock });
    expect(r.rc).toBe(1);
    expect(readFileSync(logPath, 'utf8')).toMatch(/failing as asked\nExit code: 1\n$/);
  });

  it('fails the fake when the command line is wrong (it really checks)', async () => {
    const inv = invocation({});
    const logPath = join(dir, 'build.log');
    const r = await runLogged({ ...inv, args: inv.args.filter((a) => a !== '--no-tmpfs'), logPath, timeoutMs: 30_000, clock: systemClock });
    expect(r.rc).toBe(2);
    expect(readFileSync(logPath, 'utf8')).toContain('BAD INVOCATION: argument 5 must be --no-tmpfs');
  });

  it('reports a command that cannot be started with rc 127', async () => {
    const logPath = join(dir, 'build.log');
    const r = await runLogged({ command: join(dir, 'missing-dib'), args: [], env: {}, logPath, timeoutMs: 30_000, clock: systemClock });
    expect(r.rc).toBe(127);
    expect(readFileSync(logPath, 'utf8')).toMatch(/Failed to run .*missing-dib.*\nExit code: 127\n$/);
  });

  it('on timeout kills the whole process group, including a grandchild that ignores SIGTERM', async () => {
    const pidFile = join(dir, 'grandchild.pid');
    const clock = new ManualClock();
    const logPath = join(dir, 'build.log');
    let childPid = 0;
    const running = runLogged({
      ...invocation({ FAKE_DIB_MODE: 'stubborn', FAKE_DIB_PID_FILE: pidFile }),
      logPath, timeoutMs: 60_000, killGraceMs: 500, clock,
      onSpawn: (p) => {
        childPid = p;
        spawned.push(p);
      },
    });
    const grandchild = await waitFor(() => readPid(pidFile), { message: 'grandchild pid file' });
    expect(processAlive(grandchild)).toBe(true);
    await clock.advance(59_000);
    expect(processAlive(grandchild)).toBe(true); // not yet: the timeout is on the injected clock
    await clock.advance(1_000);
    const r = await running;
    expect(r.timedOut).toBe(true);
    expect(r.rc).not.toBe(0);
    expect(processAlive(childPid)).toBe(false);
    expect(processAlive(grandchild)).toBe(false);
    const log = readFileSync(logPath, 'utf8');
    expect(log).toMatch(/Build timed out after 60 s: process group \d+ killed\nExit code: \d+\n$/);
  });

  it('an abort (daemon stop) kills the tree too', async () => {
    const ac = new AbortController();
    const logPath = join(dir, 'build.log');
    const running = runLogged({ ...invocation({ FAKE_DIB_MODE: 'hang' }), logPath, timeoutMs: 600_000, killGraceMs: 2_000, clock: systemClock, signal: ac.signal, onSpawn: (p) => spawned.push(p) });
    await waitFor(() => existsSync(logPath) && readFileSync(logPath, 'utf8').includes('fake-dib-cmd:'), { message: 'fake dib started' });
    ac.abort();
    const r = await running;
    expect(r).toMatchObject({ aborted: true, timedOut: false });
    expect(readFileSync(logPath, 'utf8')).toContain('Build aborted');
  });
});
