// The one metrics interface the launcher, builder and web app use. Keys are upstream's statsd
// names in full ("nodepool.launch.ready"), so Graphite dashboards keep working. Every figure is
// always recorded in an in-memory registry (served at /metrics); statsd is an optional extra sink.
import type { Logger } from '../util/logger.ts';
import { MetricsRegistry } from './registry.ts';
import { renderPrometheus } from './prometheus.ts';

export interface Metrics {
  /** Counter; statsd `key:value|c`. */
  increment(key: string, value?: number): void;
  /** Timer in milliseconds; statsd `key:ms|ms`. */
  timing(key: string, ms: number): void;
  /** Gauge; statsd `key:value|g`. */
  gauge(key: string, value: number): void;
}

/** What the web app needs to serve /metrics. */
export interface MetricsExporter {
  prometheusText(): string;
}

export interface StatsdTarget {
  host: string;
  port: number;
}

/** A destination for the same figures (the statsd client); the registry is not one of these. */
export interface MetricsSink extends Metrics {
  close(): Promise<void>;
}

/**
 * STATSD_HOST / STATSD_PORT as upstream reads them. Call it from an entry point with process.env
 * and pass the result on; nothing else reads the environment.
 */
export function statsdTargetFromEnv(env: Record<string, string | undefined>): StatsdTarget | null {
  const host = env.STATSD_HOST?.trim();
  if (!host) return null;
  const port = env.STATSD_PORT ? Number(env.STATSD_PORT) : 8125;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`STATSD_PORT must be a port number, got "${env.STATSD_PORT}"`);
  }
  return { host, port };
}

/** Characters statsd's line format cannot carry in a name become "_". */
export function sanitizeKey(key: string): string {
  return key.replace(/[:|@\s]/g, '_');
}

export class NodepoolMetrics implements Metrics, MetricsExporter {
  readonly registry: MetricsRegistry;
  private readonly sinks: MetricsSink[];

  constructor(registry: MetricsRegistry = new MetricsRegistry(), sinks: MetricsSink[] = []) {
    this.registry = registry;
    this.sinks = sinks;
  }

  increment(key: string, value = 1): void {
    const k = sanitizeKey(key);
    this.registry.increment(k, value);
    for (const s of this.sinks) s.increment(k, value);
  }

  timing(key: string, ms: number): void {
    const k = sanitizeKey(key);
    this.registry.timing(k, ms);
    for (const s of this.sinks) s.timing(k, ms);
  }

  gauge(key: string, value: number): void {
    const k = sanitizeKey(key);
    this.registry.gauge(k, value);
    for (const s of this.sinks) s.gauge(k, value);
  }

  prometheusText(): string {
    return renderPrometheus(this.registry);
  }

  /** Flushes and closes the statsd socket; idempotent. */
  async close(): Promise<void> {
    const sinks = this.sinks.splice(0);
    await Promise.allSettled(sinks.map((s) => s.close()));
  }
}

export interface CreateMetricsOptions {
  /** From statsdTargetFromEnv(process.env) at the entry point; null: registry only. */
  statsd?: StatsdTarget | null;
  logger?: Logger;
}

/** The metrics object a daemon creates once and hands to every worker. */
export async function createMetrics(options: CreateMetricsOptions = {}): Promise<NodepoolMetrics> {
  const sinks: MetricsSink[] = [];
  if (options.statsd) {
    // Loaded only when statsd is configured, so the CLI and tests do not pay for it.
    const { createStatsdSink } = await import('./statsd-sink.ts');
    sinks.push(createStatsdSink(options.statsd, options.logger));
  }
  return new NodepoolMetrics(new MetricsRegistry(), sinks);
}
