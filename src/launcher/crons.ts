// The classic crons (§ classic-0.4 "Crons"): cleanup and check, run with croner in UTC,
// never overlapping themselves (protect), each run given the launcher's stop signal.
import { Cron } from 'croner';
import type { Logger } from '../util/logger.ts';
import type { PeriodicWorker } from './worker-contracts.ts';

export class CronRunner {
  private readonly jobs: Cron[] = [];
  private readonly logger: Logger;
  private readonly signal: AbortSignal;

  constructor(logger: Logger, signal: AbortSignal) {
    this.logger = logger;
    this.signal = signal;
  }

  schedule(name: string, pattern: string, worker: PeriodicWorker): void {
    try {
      const job = new Cron(pattern, { protect: true, timezone: 'UTC', name: `nodepool-${name}-${this.jobs.length}` }, async () => {
        const started = Date.now();
        try {
          await worker.runOnce(this.signal);
          this.logger.debug({ cron: name, ms: Date.now() - started }, 'cron run finished');
        } catch (err) {
          if (!this.signal.aborted) this.logger.error({ cron: name, err: String(err) }, 'cron run failed');
        }
      });
      this.jobs.push(job);
      this.logger.info({ cron: name, pattern, next: job.nextRun()?.toISOString() ?? null }, 'cron scheduled');
    } catch (err) {
      this.logger.error({ cron: name, pattern, err: String(err) }, 'invalid cron pattern; job not scheduled');
    }
  }

  stop(): void {
    for (const job of this.jobs.splice(0)) job.stop();
  }
}
