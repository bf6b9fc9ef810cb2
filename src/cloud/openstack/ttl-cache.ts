// A value fetched at most once per `ttlMs`; concurrent readers share one fetch.
import type { Clock } from '../../util/clock.ts';

export class TtlCache<T> {
  private value: { data: T; fetchedAt: number } | null = null;
  private pending: Promise<{ data: T; fetchedAt: number }> | null = null;
  private readonly ttlMs: number;
  private readonly clock: Clock;
  private readonly fetch: () => Promise<T>;

  constructor(ttlMs: number, clock: Clock, fetch: () => Promise<T>) {
    this.ttlMs = ttlMs;
    this.clock = clock;
    this.fetch = fetch;
  }

  async get(): Promise<T> {
    return (await this.getWithTime()).data;
  }

  /** The value and when it was fetched (callers that need data newer than some event check it). */
  async getWithTime(): Promise<{ data: T; fetchedAt: number }> {
    const v = this.value;
    if (v && this.clock.now() - v.fetchedAt < this.ttlMs) return v;
    if (!this.pending) {
      const startedAt = this.clock.now();
      this.pending = this.fetch()
        .then((data) => (this.value = { data, fetchedAt: startedAt }))
        .finally(() => {
          this.pending = null;
        });
    }
    return this.pending;
  }

  invalidate(): void {
    this.value = null;
  }
}
