// Sends the figures to statsd over UDP with hot-shots (no prefix: keys are already "nodepool.…").
import { StatsD } from 'hot-shots';
import type { Logger } from '../util/logger.ts';
import type { MetricsSink, StatsdTarget } from './metrics.ts';

export function createStatsdSink(target: StatsdTarget, logger?: Logger): MetricsSink {
  const client = new StatsD({
    host: target.host,
    port: target.port,
    protocol: 'udp',
    // A lost metric must never disturb the daemon: log and go on.
    errorHandler: (err) => logger?.warn({ err: err.message, statsd: `${target.host}:${target.port}` }, 'statsd send failed'),
  });
  let closed = false;
  return {
    increment: (key, value = 1) => client.increment(key, value),
    timing: (key, ms) => client.timing(key, Math.round(ms)),
    gauge: (key, value) => client.gauge(key, value),
    close: () =>
      new Promise<void>((resolve) => {
        if (closed) return resolve();
        closed = true;
        client.close(() => resolve());
      }),
  };
}
