// The classic crons (cleanup, check) as passes of the launcher loop: the pattern is read from
// the current config on every pass (a reload needs no restart), the next run is computed from
// the injected clock in UTC with croner, and a run still in flight when the next is due makes
// that one skipped: two runs of one cron never overlap, and stop() waits for the one in flight.
import { Cron } from 'croner';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import type { LoopPass } from './launcher-loop.ts';
import type { PeriodicWorker } from './worker-contracts.ts';

/** When the pattern is invalid, look at the config again after this long. */
const INVALID_PATTERN_RECHECK_MS = 60_000;

export interface CronPassOptions {
  name: string;
  /** The current pattern (config.cron.<name>). */
  pattern: () => string;
  worker: PeriodicWorker;
  clock: Clock;
  logger: Logger;
  /** Runs the work in the background, tracked so the loop's stop() waits for it. */
  track: (work: Promise<void>) => void;
}

export class CronPass implements LoopPass {
  readonly name: string;
  private readonly opts: CronPassOptions;
  private schedule: { pattern: string; cron: Cron | null } | null = null;
  private nextAt: number | null = null;
  private inFlight = false;

  constructor(opts: CronPassOptions) {
    this.name = `cron:${opts.name}`;
    this.opts = opts;
  }

  private cron(): Cron | null {
    const pattern = this.opts.pattern();
    if (this.schedule?.pattern === pattern) return this.schedule.cron;
    let cron: Cron | null = null;
    try {
      cron = new Cron(pattern, { timezone: 'UTC', paused: true });
      this.opts.logger.info({ cron: this.opts.name, pattern }, 'cron scheduled');
    } catch (err) {
      this.opts.logger.error({ cron: this.opts.name, pattern, err: String(err) }, 'invalid cron pattern; job not scheduled');
    }
    this.schedule = { pattern, cron };
    this.nextAt = null;
    return cron;
  }

  async run(signal: AbortSignal): Promise<number> {
    const cron = this.cron();
    if (!cron) return INVALID_PATTERN_RECHECK_MS;
    const now = this.opts.clock.now();
    if (this.nextAt !== null && now >= this.nextAt) {
      if (this.inFlight) this.opts.logger.warn({ cron: this.opts.name }, 'previous cron run still in flight; this run skipped');
      else this.start(signal);
    }
    const next = cron.nextRun(new Date(now));
    if (!next) return INVALID_PATTERN_RECHECK_MS;
    this.nextAt = next.getTime();
    return Math.max(1, this.nextAt - now);
  }

  private start(signal: AbortSignal): void {
    const { clock, logger, worker, name } = this.opts;
    this.inFlight = true;
    const started = clock.now();
    this.opts.track((async () => {
      try {
        await worker.runOnce(signal);
        // At info, once per run: how long a pass takes is what an operator sizes its schedule by.
        logger.info({ cron: name, ms: clock.now() - started }, 'cron run finished');
      } catch (err) {
        if (!signal.aborted) logger.error({ cron: name, err: String(err) }, 'cron run failed');
      } finally {
        this.inFlight = false;
      }
    })());
  }
}
