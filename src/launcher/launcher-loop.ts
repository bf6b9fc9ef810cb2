// The launcher's one scheduler: a list of passes, each doing one kind of work and returning
// "run me again in N ms". The loop starts every due pass that is not already running and sleeps
// on the injected clock until the next is due, one finishes, or something pokes it (a ZooKeeper
// watch, a finished launch). The loop is the only place launcher logic waits for time.
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';

export interface LoopPass {
  readonly name: string;
  /** One round of this pass's work; resolves with the ms until it wants to run again. */
  run(signal: AbortSignal): Promise<number>;
}

/** A pass that threw runs again after this long. */
const FAILED_PASS_RETRY_MS = 5000;
/** The loop looks at its passes at least this often. */
const MAX_SLEEP_MS = 60_000;

export class LauncherLoop {
  private readonly passes: readonly LoopPass[];
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly stopper = new AbortController();
  /** Pass name → when it is due (clock ms); 0 = now. */
  private readonly due = new Map<string, number>();
  private wake: AbortController | null = null;
  private running: Promise<void> | null = null;
  private readonly background = new Set<Promise<unknown>>();
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Rounds the loop made (each starts every due pass). */
  rounds = 0;

  constructor(passes: readonly LoopPass[], clock: Clock, logger: Logger) {
    this.passes = passes;
    this.clock = clock;
    this.logger = logger;
    for (const pass of passes) this.due.set(pass.name, 0);
  }

  get signal(): AbortSignal {
    return this.stopper.signal;
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Makes the named pass (or every pass) due now and ends the loop's current wait. */
  poke(name?: string): void {
    if (name === undefined) for (const pass of this.passes) this.due.set(pass.name, 0);
    else if (this.due.has(name)) this.due.set(name, 0);
    this.wake?.abort();
  }

  /** Work a pass started but does not wait for (a cron run): stop() waits for it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.background.add(work);
    const forget = () => { this.background.delete(work); };
    work.then(forget, forget);
    return work;
  }

  private async run(): Promise<void> {
    const signal = this.stopper.signal;
    while (!signal.aborted) {
      for (const pass of this.passes) {
        if (this.inFlight.has(pass.name) || (this.due.get(pass.name) ?? 0) > this.clock.now()) continue;
        this.inFlight.set(pass.name, this.runPass(pass, signal));
      }
      this.rounds++;
      // Sleep until the next idle pass is due, a pass finishes, or something pokes the loop.
      const idle = this.passes.filter((p) => !this.inFlight.has(p.name)).map((p) => this.due.get(p.name)!);
      const next = Math.min(MAX_SLEEP_MS, ...idle.map((at) => at - this.clock.now()));
      if (next <= 0) continue;
      this.wake = new AbortController();
      try {
        await this.clock.sleep(next, AbortSignal.any([signal, this.wake.signal]));
      } catch {
        // poked, a pass finished, or stopped
      }
    }
  }

  /** One run of a pass; passes of different kinds run side by side (a ZooKeeper call hanging in
   *  one holds up no other), a pass never overlaps itself. */
  private async runPass(pass: LoopPass, signal: AbortSignal): Promise<void> {
    // A poke while the pass runs sets it due again (0), and it runs again when this one ends.
    this.due.set(pass.name, Number.POSITIVE_INFINITY);
    let delay: number;
    try {
      delay = await pass.run(signal);
    } catch (err) {
      if (!signal.aborted) this.logger.error({ pass: pass.name, err: String(err) }, 'launcher pass failed');
      delay = FAILED_PASS_RETRY_MS;
    }
    if (this.due.get(pass.name) !== 0) this.due.set(pass.name, this.clock.now() + Math.max(0, delay));
    this.inFlight.delete(pass.name);
    this.wake?.abort();
  }

  /** Aborts the pass in flight and background work (they see the signal) and waits for them. */
  async stop(): Promise<void> {
    this.stopper.abort(new Error('launcher stopping'));
    this.wake?.abort();
    await this.running;
    await Promise.allSettled([...this.inFlight.values(), ...this.background]);
  }
}
