// DIB is killed as a whole tree: a descendant that left the process group (setsid, as sudo
// with use_pty does) is killed too, EPERM goes through sudo -n kill, survivors are reported;
// an orphaned run found at builder start is killed; build logs are not world-readable.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifyRun, cleanOrphanRuns, recordRun } from '../../src/builder/orphan-runs.ts';
import { ProcessTree, treeMembers, type KillEffects, type ProcInfo } from '../../src/builder/process-tree.ts';
import { runLogged } from '../../src/builder/run-logged.ts';
import { ManualClock } from '../../src/util/clock.ts';
import { waitFor } from '../helpers/wait.ts';
import { processAlive, readPid } from './fake-dib.ts';

let dir: string;
const cleanup: number[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-tree-'));
});
afterEach(() => {
  for (const pid of cleanup.splice(0)) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
});

const proc = (pid: number, ppid: number, pgrp: number, startTime = 100): ProcInfo => ({ pid, ppid, pgrp, state: 'S', startTime });

describe('process tree', () => {
  it('finds descendants across a group change and the group members of a dead root', () => {
    const procs = [proc(1, 0, 1), proc(10, 1, 10), proc(11, 10, 10), proc(12, 11, 12), proc(13, 12, 12), proc(20, 1, 20)];
    expect(treeMembers(procs, 10)).toEqual([10, 11, 12, 13]);
    // Root and 11 gone: 12 was re-parented to init, still found through what was known of it.
    const later = [proc(1, 0, 1), proc(12, 1, 12), proc(13, 12, 12), proc(30, 1, 10)];
    expect(treeMembers(later, 10, [12])).toEqual([12, 13, 30]);
    expect(treeMembers(later, 10)).toEqual([30]);
  });

  it('escalates EPERM to sudo -n kill, and reports what it could not kill', () => {
    const procs = [proc(10, 1, 10), proc(11, 10, 11)];
    const calls: string[] = [];
    const fx = (sudoWorks: boolean): KillEffects => ({
      list: () => procs,
      kill: (pid, sig) => {
        calls.push(`kill ${pid} ${sig}`);
        if (pid === 11) throw Object.assign(new Error('EPERM'), { code: 'EPERM' });
      },
      sudoKill: (pids, sig) => { calls.push(`sudo kill ${pids.join(',')} ${sig}`); return sudoWorks; },
    });
    expect(new ProcessTree(10, fx(true)).signal('SIGTERM')).toEqual({ signalled: [10, 11], unreachable: [] });
    expect(calls).toEqual(['kill 10 SIGTERM', 'kill 11 SIGTERM', 'sudo kill 11 SIGTERM']);
    expect(new ProcessTree(10, fx(false)).signal('SIGKILL')).toEqual({ signalled: [10], unreachable: [11] });
  });

  it('a timeout kills a descendant that left the process group (setsid), TERM-ignoring', async () => {
    const pidFile = join(dir, 'escaped.pid');
    const logPath = join(dir, 'build.log');
    writeFileSync(logPath, 'old\n', { mode: 0o666 });
    const clock = new ManualClock();
    const script = `setsid sh -c 'trap "" TERM; echo $$ > ${pidFile}; while :; do sleep 1; done' & wait`;
    const running = runLogged({ command: 'sh', args: ['-c', script], env: { PATH: process.env.PATH ?? '' }, logPath, timeoutMs: 60_000, killGraceMs: 300, clock,
      onSpawn: (p) => cleanup.push(p) });
    const escaped = await waitFor(() => readPid(pidFile), { message: 'escaped pid' });
    cleanup.push(escaped);
    // Really outside the build's group, as sudo's command is.
    expect(readFileSync(`/proc/${escaped}/stat`, 'utf8').split(') ')[1].split(' ')[2]).toBe(String(escaped));
    expect(existsSync(`${logPath}.run`)).toBe(true);
    await clock.advance(60_000);
    const r = await running;
    expect(r.timedOut).toBe(true);
    await waitFor(() => !processAlive(escaped), { timeoutMs: 5000, message: 'escaped process killed' });
    expect(statSync(logPath).mode & 0o777).toBe(0o640);
    expect(existsSync(`${logPath}.run`)).toBe(false);
  });
});

describe('orphaned runs', () => {
  it('a run whose builder died is reported and its tree killed at start; an owned run is left alone', async () => {
    const orphan = spawn('sh', ['-c', 'trap "" TERM; while :; do sleep 1; done'], { detached: true, stdio: 'ignore' });
    cleanup.push(orphan.pid!);
    await waitFor(() => processAlive(orphan.pid!), { message: 'orphan started' });
    const orphanLog = join(dir, 'img-0000000001.log');
    writeFileSync(orphanLog, 'building\n');
    recordRun(orphanLog, orphan.pid!, 'disk-image-create');
    // The builder that recorded it is gone: rewrite the owner as a process that no longer exists.
    const record = JSON.parse(readFileSync(`${orphanLog}.run`, 'utf8'));
    writeFileSync(`${orphanLog}.run`, JSON.stringify({ ...record, ownerStartTime: -7 }));
    const ownedLog = join(dir, 'img-0000000002.log');
    const owned = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    cleanup.push(owned.pid!);
    await waitFor(() => processAlive(owned.pid!), { message: 'owned started' });
    recordRun(ownedLog, owned.pid!, 'disk-image-create');

    const lines: string[] = [];
    const logger = pino({}, new Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } }));
    expect(await cleanOrphanRuns(dir, logger, 300)).toBe(1);
    await waitFor(() => !processAlive(orphan.pid!), { timeoutMs: 5000, message: 'orphan killed' });
    expect(lines.join('')).toContain('orphaned diskimage-builder run found');
    expect(existsSync(`${orphanLog}.run`)).toBe(false);
    expect(readFileSync(orphanLog, 'utf8')).toContain('killed by the next builder start');
    expect(processAlive(owned.pid!)).toBe(true);
    expect(existsSync(`${ownedLog}.run`)).toBe(true);
  });

  it('classifies finished runs (nothing left) so their files are just removed', () => {
    const rec = { pid: 50, startTime: 100, command: 'x', ownerPid: 60, ownerStartTime: 5 };
    expect(classifyRun(rec, [proc(60, 1, 60, 5)])).toBe('owned');
    expect(classifyRun(rec, [proc(50, 1, 50, 100)])).toBe('orphan');
    expect(classifyRun(rec, [proc(50, 1, 50, 999)])).toBe('finished'); // pid reused
    expect(classifyRun(rec, [proc(77, 1, 50, 120)])).toBe('orphan'); // root gone, group lives
    expect(classifyRun(rec, [])).toBe('finished');
  });
});
