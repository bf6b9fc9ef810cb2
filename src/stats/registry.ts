// In-memory record of every metric emitted, keyed by the statsd name; the source of /metrics.

export interface TimerSummary {
  count: number;
  sumMs: number;
  lastMs: number;
}

export class MetricsRegistry {
  readonly counters = new Map<string, number>();
  readonly gauges = new Map<string, number>();
  readonly timers = new Map<string, TimerSummary>();

  increment(key: string, value = 1): void {
    this.counters.set(key, (this.counters.get(key) ?? 0) + value);
  }

  gauge(key: string, value: number): void {
    this.gauges.set(key, value);
  }

  timing(key: string, ms: number): void {
    const t = this.timers.get(key);
    if (t) {
      t.count += 1;
      t.sumMs += ms;
      t.lastMs = ms;
    } else {
      this.timers.set(key, { count: 1, sumMs: ms, lastMs: ms });
    }
  }
}
