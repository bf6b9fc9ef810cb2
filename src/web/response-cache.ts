// Upstream caches each rendered listing for 1 s per (path, parameters, format), so a dashboard
// polling every second costs one ZooKeeper sweep, not one per viewer. Bounded: at most
// `maxEntries` bodies and `maxBytes` of them are kept, least recently used first out, so a
// client inventing query strings cannot grow the daemon (keys are normalised by the caller).
import type { Clock } from '../util/clock.ts';

export interface CachedBody<V = string> {
  /** When it was rendered (ms): Last-Modified and Expires derive from it. */
  renderedAt: number;
  body: V;
}

export interface ResponseCacheLimits<V = string> {
  maxEntries: number;
  /** Sum of sizeOf() over the entries (for strings: length, close enough to bytes for a bound). */
  maxBytes: number;
  sizeOf?: (value: V) => number;
}

export const DEFAULT_CACHE_LIMITS: ResponseCacheLimits = { maxEntries: 32, maxBytes: 4 * 1024 * 1024 };

export class ResponseCache<V = string> {
  /** Map order is recency order: the first key is the least recently used. */
  private readonly entries = new Map<string, CachedBody<V>>();
  private readonly inFlight = new Map<string, Promise<CachedBody<V>>>();
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly limits: ResponseCacheLimits<V>;
  private readonly sizeOf: (value: V) => number;
  private bytes = 0;

  constructor(clock: Clock, ttlMs: number, limits: ResponseCacheLimits<V> = DEFAULT_CACHE_LIMITS as ResponseCacheLimits<V>) {
    this.clock = clock;
    this.ttlMs = ttlMs;
    this.limits = limits;
    this.sizeOf = limits.sizeOf ?? ((value) => (typeof value === 'string' ? value.length : 1));
  }

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  /** A fresh entry, or render() once for all concurrent callers of the same key. */
  async get(key: string, render: () => Promise<V>): Promise<CachedBody<V>> {
    const now = this.clock.now();
    const hit = this.entries.get(key);
    if (hit && now <= hit.renderedAt + this.ttlMs) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    if (hit) this.remove(key);
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const p = render()
      .then((body) => {
        const entry = { renderedAt: this.clock.now(), body };
        this.store(key, entry);
        return entry;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
    return p;
  }

  private store(key: string, entry: CachedBody<V>): void {
    this.remove(key);
    const size = this.sizeOf(entry.body);
    // A body larger than the whole budget is served but not kept.
    if (size > this.limits.maxBytes) return;
    this.entries.set(key, entry);
    this.bytes += size;
    for (const [oldest, old] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries && this.bytes <= this.limits.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= this.sizeOf(old.body);
    }
  }

  private remove(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.bytes -= this.sizeOf(old.body);
  }
}
