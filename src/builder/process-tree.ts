// Killing a whole process tree, not only a process group: diskimage-builder runs much of its
// work under sudo, and sudo (with use_pty, the default on current distributions) puts the
// command in a new session and group, so kill(-pgid) misses it; and when the builder is not
// root, signalling root-owned processes fails with EPERM. The tree is found through parent
// links in /proc; what we may not signal goes through `sudo -n kill` (the builder has sudo for
// DIB anyway), and what still survives is reported, never ignored.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  state: string;
  /** Clock ticks since boot when it started (identifies the process across pid reuse). */
  startTime: number;
}

/** Parses /proc/<pid>/stat ("pid (comm) state ppid pgrp session ... starttime(22) ..."). */
export function parseStat(text: string): ProcInfo | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const pid = Number(text.slice(0, text.indexOf(' ')));
  const rest = text.slice(close + 2).split(' ');
  const info = { pid, state: rest[0], ppid: Number(rest[1]), pgrp: Number(rest[2]), startTime: Number(rest[19]) };
  return Number.isInteger(info.pid) && Number.isInteger(info.ppid) ? info : null;
}

/** Every live process (empty where /proc is missing). */
export function listProcesses(): ProcInfo[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: ProcInfo[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const info = parseStat(readFileSync(`/proc/${e}/stat`, 'utf8'));
      if (info && info.state !== 'Z' && info.state !== 'X') out.push(info);
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/**
 * Pure: the root, its descendants (through any session or group change), its group's members,
 * and the descendants of `known` processes (tree members seen earlier whose parent has exited,
 * so they were re-parented away from the root).
 */
export function treeMembers(processes: readonly ProcInfo[], root: number, known: readonly number[] = []): number[] {
  const children = new Map<number, number[]>();
  for (const p of processes) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const live = new Set(processes.map((p) => p.pid));
  const found = new Set<number>();
  const visit = (pid: number) => {
    if (found.has(pid) || !live.has(pid)) return;
    found.add(pid);
    for (const c of children.get(pid) ?? []) visit(c);
  };
  visit(root);
  for (const pid of known) visit(pid);
  for (const p of processes) if (p.pgrp === root) visit(p.pid);
  return [...found].sort((a, b) => a - b);
}

export interface KillEffects {
  list(): ProcInfo[];
  /** process.kill semantics: throws with `code` EPERM / ESRCH. */
  kill(pid: number, sig: NodeJS.Signals): void;
  /** Signals pids as root; true when it worked. */
  sudoKill(pids: readonly number[], sig: NodeJS.Signals): boolean;
}

export const realKillEffects: KillEffects = {
  list: listProcesses,
  kill: (pid, sig) => process.kill(pid, sig),
  sudoKill: (pids, sig) => {
    const r = spawnSync('sudo', ['-n', 'kill', `-${sig.replace(/^SIG/, '')}`, '--', ...pids.map(String)], { stdio: 'ignore', timeout: 10_000 });
    return r.status === 0;
  },
};

export interface TreeKillResult {
  signalled: number[];
  /** Processes we could not signal at all (EPERM and sudo refused). */
  unreachable: number[];
}

/** Follows one process tree across signals: members are remembered (pid and start time). */
export class ProcessTree {
  private readonly root: number;
  private readonly fx: KillEffects;
  private readonly known = new Map<number, number>();

  constructor(root: number, fx: KillEffects = realKillEffects) {
    this.root = root;
    this.fx = fx;
  }

  /** The members alive now (a remembered pid reused by another process is not one). */
  alive(): number[] {
    const procs = this.fx.list();
    const start = new Map(procs.map((p) => [p.pid, p.startTime]));
    const stillKnown = [...this.known].filter(([pid, t]) => start.get(pid) === t).map(([pid]) => pid);
    const members = treeMembers(procs, this.root, stillKnown);
    for (const pid of members) if (!this.known.has(pid)) this.known.set(pid, start.get(pid)!);
    return members;
  }

  /** Sends `sig` to every member, escalating EPERM to `sudo -n kill`. */
  signal(sig: NodeJS.Signals): TreeKillResult {
    const signalled: number[] = [];
    const denied: number[] = [];
    for (const pid of this.alive()) {
      try {
        this.fx.kill(pid, sig);
        signalled.push(pid);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EPERM') denied.push(pid);
        // ESRCH: gone already.
      }
    }
    if (denied.length === 0) return { signalled, unreachable: [] };
    if (this.fx.sudoKill(denied, sig)) return { signalled: [...signalled, ...denied], unreachable: [] };
    return { signalled, unreachable: denied };
  }
}
