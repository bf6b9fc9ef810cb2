// Nodepool's per-provider `rate`: at least `rate` seconds between the starts of two API calls.
import type { Clock } from '../../util/clock.ts';

export class RateLimiter {
  private readonly intervalMs: number;
  private readonly clock: Clock;
  private nextSlot = 0;

  constructor(rateSeconds: number, clock: Clock) {
    this.intervalMs = Number.isFinite(rateSeconds) && rateSeconds > 0 ? rateSeconds * 1000 : 0;
    this.clock = clock;
  }

  /** Resolves when the caller may start its call; slots are handed out in call order. */
  async acquire(signal?: AbortSignal): Promise<void> {
    if (this.intervalMs === 0) return;
    const now = this.clock.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    if (slot > now) await this.clock.sleep(slot - now, signal);
  }
}
