// Upstream caches each rendered listing for 1 s per (path, parameters, format), so a dashboard
// polling every second costs one ZooKeeper sweep, not one per viewer.
import type { Clock } from '../util/clock.ts';

export interface CachedBody {
  /** When it was rendered (ms): Last-Modified and Expires derive from it. */
  renderedAt: number;
  body: string;
}

export class ResponseCache {
  private readonly entries = new Map<string, CachedBody>();
  private readonly inFlight = new Map<string, Promise<CachedBody>>();
  private readonly clock: Clock;
  private readonly ttlMs: number;

  constructor(clock: Clock, ttlMs: number) {
    this.clock = clock;
    this.ttlMs = ttlMs;
  }

  /** A fresh entry, or render() once for all concurrent callers of the same key. */
  async get(key: string, render: () => Promise<string>): Promise<CachedBody> {
    const now = this.clock.now();
    const hit = this.entries.get(key);
    if (hit && now <= hit.renderedAt + this.ttlMs) return hit;
    if (hit) this.entries.delete(key);
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const p = render()
      .then((body) => {
        const entry = { renderedAt: this.clock.now(), body };
        this.entries.set(key, entry);
        return entry;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
    return p;
  }
}
