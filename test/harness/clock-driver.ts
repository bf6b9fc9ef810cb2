// Drives a ManualClock for a daemon that also does real I/O (ZooKeeper, the simulator's HTTP):
// time moves only while nothing is on the wire, and then straight to the next sleeper, so what
// the daemon decides on time (boot timeouts, retries, pass intervals) never depends on how fast
// this machine answers. A test waits for a condition measured in the daemon's time, not ours.
import type { ManualClock } from '../../src/util/clock.ts';
import { checkCondition } from '../helpers/wait.ts';

export interface ClockDriverOptions {
  clock: ManualClock;
  /** Work in flight that must finish before time moves (ZooKeeper requests, HTTP calls). */
  busy: () => number;
  /** The longest single move (ms of clock time): keeps steps fine when nothing sleeps. */
  maxStepMs?: number;
}

export interface UntilOptions {
  /** Clock time (not wall time) the condition may take before the wait fails. */
  withinMs?: number;
  message?: string;
}

/** Lets callbacks already queued (I/O replies, timers at 0, immediates) run. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A real pause for I/O to arrive; the only wall-clock wait, and it decides nothing. */
function pauseForIo(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1));
}

export class ClockDriver {
  private readonly clock: ManualClock;
  private readonly busy: () => number;
  private readonly maxStepMs: number;

  constructor(options: ClockDriverOptions) {
    this.clock = options.clock;
    this.busy = options.busy;
    this.maxStepMs = options.maxStepMs ?? 1_000;
  }

  /** Quiet: nothing on the wire across a few event-loop turns (chained calls start within them). */
  private async quiet(): Promise<boolean> {
    for (let i = 0; i < 3; i++) {
      if (this.busy() > 0) return false;
      await turn();
    }
    return this.busy() === 0;
  }

  /**
   * Resolves with the condition's first truthy value. Between checks, time moves to the next
   * sleeper (at most maxStepMs) once nothing is in flight; fails when `withinMs` of clock time
   * pass first. An exception from the condition counts as "not yet" until the end.
   */
  async until<T>(condition: () => T | Promise<T>, options: UntilOptions = {}): Promise<NonNullable<T>> {
    const withinMs = options.withinMs ?? 300_000;
    const deadline = this.clock.now() + withinMs;
    let lastError: unknown;
    for (;;) {
      const check = await checkCondition(condition);
      if (check.value) return check.value;
      if ('error' in check) lastError = check.error;
      if (this.clock.now() >= deadline) {
        const why = lastError ? `: ${String(lastError)}` : '';
        throw new Error(`not within ${withinMs} ms of clock time: ${options.message ?? 'condition'}${why}`);
      }
      if (!(await this.quiet())) {
        await pauseForIo();
        continue;
      }
      const now = this.clock.now();
      const next = this.clock.nextDeadline();
      const target = Math.min(next ?? now + this.maxStepMs, now + this.maxStepMs, deadline);
      if (target > now) await this.clock.advance(target - now);
      else await this.clock.advance(0);
      // Nothing slept and nothing was in flight: give arriving I/O (a watch event) a moment.
      if (next === null) await pauseForIo();
    }
  }

  /** Awaits work that sleeps on the clock (a daemon's start or stop, one pass), driving it meanwhile. */
  async settle<T>(work: Promise<T>, message = 'work on the clock'): Promise<T> {
    let settled = false;
    void work.then(() => { settled = true; }, () => { settled = true; });
    await this.until(() => settled, { message });
    return work;
  }
}
