// Lets a waiting loop sleep until "something relevant changed" or a timeout, whichever
// comes first, so loops react to cache events at once but still re-check periodically.
import type { Clock } from '../util/clock.ts';

export class WakeSignal {
  private waiters = new Set<() => void>();

  notify(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Resolves on notify(), after timeoutMs, or when the signal aborts (never rejects). */
  wait(clock: Clock, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const stop = new AbortController();
      const done = () => {
        this.waiters.delete(done);
        stop.abort();
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
      clock.sleep(timeoutMs, stop.signal).then(done, () => {});
    });
  }
}

/** Poll delays for cloud state machines: `baseMs` at first (about half the provider's
 *  server-list cache age, so a finished boot is seen promptly), then backing off to `capMs`
 *  so a real 60 s boot costs few API calls. */
export function pollDelay(pollsSoFar: number, baseMs = 100, capMs = 1000): number {
  if (pollsSoFar < 30) return baseMs;
  return Math.min(Math.max(capMs, baseMs), baseMs * 1.25 ** (pollsSoFar - 30));
}
