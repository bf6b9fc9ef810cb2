// The launcher's one scheduler: a list of passes, each doing one kind of work and returning
// "run me again in N ms". Between passes the loop sleeps on the injected clock until the next
// pass is due or something pokes it (a ZooKeeper watch, a finished launch). The loop is the only
// place launcher logic waits for time; passes never sleep.
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';

export interface LoopPass {
  readonly name: string;
  /** One round of this pass's work; resolves with the ms until it wants to run again. */
  run(signal: AbortSignal): Promise<number>;
}

/** A pass that threw runs again after this long. */
const FAILED_PASS_RETRY_MS = 5000;

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
  /** Completed rounds over all due passes (tests wait on this). */
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
        if (signal.aborted) break;
        if ((this.due.get(pass.name) ?? 0) > this.clock.now()) continue;
        // A poke while the pass runs sets it due again (0), and it runs again this round trip.
        this.due.set(pass.name, Number.POSITIVE_INFINITY);
        let delay: number;
        try {
          delay = await pass.run(signal);
        } catch (err) {
          if (!signal.aborted) this.logger.error({ pass: pass.name, err: String(err) }, 'launcher pass failed');
          delay = FAILED_PASS_RETRY_MS;
        }
        if (this.due.get(pass.name) !== 0) this.due.set(pass.name, this.clock.now() + Math.max(0, delay));
      }
      this.rounds++;
      if (signal.aborted) break;
      const next = Math.min(...this.due.values()) - this.clock.now();
      if (next <= 0) continue;
      this.wake = new AbortController();
      try {
        await this.clock.sleep(next, AbortSignal.any([signal, this.wake.signal]));
      } catch {
        // poked or stopped
      }
    }
  }

  /** Aborts the pass in flight and background work (they see the signal) and waits for them. */
  async stop(): Promise<void> {
    this.stopper.abort(new Error('launcher stopping'));
    this.wake?.abort();
    await this.running;
    await Promise.allSettled([...this.background]);
  }
}
