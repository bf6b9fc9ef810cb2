// Runs a reconcile pass again and again: each pass returns "look again in N ms"; the wait is
// on the injected clock and ends early when the loop is stopped or poked.
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';

export type ReconcilePass = (signal: AbortSignal) => Promise<number>;

export class ReconcileLoop {
  readonly name: string;
  private readonly pass: ReconcilePass;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly stopper = new AbortController();
  private wake: AbortController | null = null;
  private running: Promise<void> | null = null;
  /** Completed passes (tests wait on this). */
  passes = 0;

  constructor(name: string, pass: ReconcilePass, clock: Clock, logger: Logger) {
    this.name = name;
    this.pass = pass;
    this.clock = clock;
    this.logger = logger;
  }

  /** Started and not stopped. */
  get active(): boolean {
    return this.running !== null && !this.stopper.signal.aborted;
  }

  get signal(): AbortSignal {
    return this.stopper.signal;
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Ends the current wait so the next pass starts now. */
  poke(): void {
    this.wake?.abort();
  }

  private async run(): Promise<void> {
    const signal = this.stopper.signal;
    while (!signal.aborted) {
      let delay: number;
      try {
        delay = await this.pass(signal);
      } catch (err) {
        this.logger.error({ err, loop: this.name }, 'reconcile pass failed');
        delay = 10_000;
      }
      this.passes++;
      if (signal.aborted) break;
      this.wake = new AbortController();
      try {
        await this.clock.sleep(Math.max(0, delay), AbortSignal.any([signal, this.wake.signal]));
      } catch {
        // stopped or poked
      }
    }
  }

  /** Aborts the pass in flight (its work sees the signal) and waits for it to return. */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.running;
  }
}
