// A daemon's ZooKeeper steps (creating the roots, registering a component) must outlast a
// ZooKeeper that is frozen or restarting: a step that meets a connection loss or a session
// expiry is run again, with a growing pause, until it answers or the daemon stops.
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import { ConnectionLossError, SessionExpiredError } from './errors.ts';

export interface RetryThroughLossOptions {
  clock: Clock;
  logger: Logger;
  /** Aborting ends the waiting with the signal's reason. */
  signal?: AbortSignal;
  firstDelayMs?: number;
  maxDelayMs?: number;
}

export function isConnectionFault(err: unknown): boolean {
  return err instanceof ConnectionLossError || err instanceof SessionExpiredError;
}

/** Runs `step` until it does not fail with a connection fault; other errors are thrown. The
 *  step must be safe to run again after an attempt whose reply was lost. */
export async function retryThroughConnectionLoss<T>(what: string, step: () => Promise<T>, opts: RetryThroughLossOptions): Promise<T> {
  let delay = opts.firstDelayMs ?? 250;
  const maxDelay = opts.maxDelayMs ?? 5_000;
  for (let attempt = 1; ; attempt++) {
    opts.signal?.throwIfAborted();
    try {
      return await step();
    } catch (err) {
      if (!isConnectionFault(err)) throw err;
      opts.logger.warn({ step: what, attempt, err: String(err), retryInMs: delay }, 'zookeeper unavailable; retrying');
      await opts.clock.sleep(delay, opts.signal);
      delay = Math.min(maxDelay, delay * 2);
    }
  }
}
