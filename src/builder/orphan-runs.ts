// A DIB run outlives a builder killed with -9 (it runs in its own process group, often under
// sudo). Each run leaves a run file beside its log (`<log>.run`: the process, its start time and
// the builder that owns it); at start the builder finds runs whose owner is gone but whose
// processes live on, reports them and kills their trees.
import { readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../util/logger.ts';
import { listProcesses, ProcessTree, type ProcInfo } from './process-tree.ts';

const RUN_SUFFIX = '.run';
/** How long a SIGKILLed tree may take to leave the process table. */
const KILL_SETTLE_MS = 2000;

export interface RunRecord {
  pid: number;
  startTime: number;
  command: string;
  ownerPid: number;
  ownerStartTime: number;
}

const startTimeOf = (procs: readonly ProcInfo[], pid: number) => procs.find((p) => p.pid === pid)?.startTime;

export function recordRun(logPath: string, pid: number, command: string): void {
  const procs = listProcesses();
  const record: RunRecord = {
    pid, command, startTime: startTimeOf(procs, pid) ?? -1,
    ownerPid: process.pid, ownerStartTime: startTimeOf(procs, process.pid) ?? -1,
  };
  try {
    writeFileSync(`${logPath}${RUN_SUFFIX}`, JSON.stringify(record), { mode: 0o600 });
  } catch {
    // Without the file only the orphan check after a crash is lost, not the build.
  }
}

export function forgetRun(logPath: string): void {
  try {
    unlinkSync(`${logPath}${RUN_SUFFIX}`);
  } catch {
    // already gone
  }
}

/** Pure: what a run file means now. */
export function classifyRun(record: RunRecord, procs: readonly ProcInfo[]): 'owned' | 'orphan' | 'finished' {
  if (startTimeOf(procs, record.ownerPid) === record.ownerStartTime) return 'owned';
  const rootAlive = startTimeOf(procs, record.pid) === record.startTime;
  // The run's group (pgid = its pid) outliving the root: members started no earlier than it.
  // (The pid itself, reused by a new process, is not such a member.)
  const groupAlive = procs.some((p) => p.pgrp === record.pid && p.pid !== record.pid && p.startTime >= record.startTime);
  return rootAlive || groupAlive ? 'orphan' : 'finished';
}

function readRecord(path: string): RunRecord | null {
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as RunRecord;
    return [r.pid, r.startTime, r.ownerPid, r.ownerStartTime].every(Number.isInteger) ? r : null;
  } catch {
    return null;
  }
}

/** Finds orphaned runs in the build log dir, reports and kills them; removes stale run files. */
export async function cleanOrphanRuns(logDir: string, logger: Logger, graceMs = 5000): Promise<number> {
  let names: string[];
  try {
    names = readdirSync(logDir).filter((n) => n.endsWith(RUN_SUFFIX));
  } catch {
    return 0;
  }
  let orphans = 0;
  for (const name of names) {
    const path = join(logDir, name);
    const record = readRecord(path);
    if (!record) {
      logger.warn({ file: path }, 'unreadable run file left alone');
      continue;
    }
    const state = classifyRun(record, listProcesses());
    if (state === 'owned') continue;
    if (state === 'orphan') {
      orphans++;
      const tree = new ProcessTree(record.pid);
      logger.error({ file: path, pid: record.pid, command: record.command, processes: tree.alive() },
        'orphaned diskimage-builder run found (its builder died); killing its process tree');
      tree.signal('SIGTERM');
      await waitUntilGone(tree, graceMs);
      const result = tree.signal('SIGKILL');
      // SIGKILL is delivered asynchronously: a process can still be listed for a moment after it.
      await waitUntilGone(tree, KILL_SETTLE_MS);
      const left = tree.alive();
      if (left.length > 0) {
        logger.error({ pid: record.pid, survivors: left, unreachable: result.unreachable }, 'orphaned run could not be killed; its run file is kept');
        continue;
      }
      try {
        appendNote(path.slice(0, -RUN_SUFFIX.length), `Build process tree ${record.pid} killed by the next builder start (its builder had died)`);
      } catch {
        // the log may be gone
      }
    }
    forgetRun(path.slice(0, -RUN_SUFFIX.length));
  }
  return orphans;
}

async function waitUntilGone(tree: ProcessTree, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (tree.alive().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

function appendNote(logPath: string, line: string): void {
  writeFileSync(logPath, `${line}\n`, { flag: 'a' });
}
