// GET /metrics alone, for the builder (the launcher serves it from its web app). Prometheus text
// from the same registry the statsd figures go through; loopback unless told otherwise.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsExporter } from '../stats/metrics.ts';
import type { Logger } from '../util/logger.ts';

export interface MetricsEndpoint { host: string; port: number; close(): Promise<void> }

export async function startMetricsEndpoint(options: { host?: string; port: number; metrics: MetricsExporter; logger?: Logger }): Promise<MetricsEndpoint> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : options.metrics.prometheusText());
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    }
  });
  const host = options.host || '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as AddressInfo).port;
  options.logger?.info({ host, port }, 'metrics endpoint listening');
  let closing: Promise<void> | undefined;
  return {
    host, port,
    close: () => (closing ??= new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); })),
  };
}

/** `--metrics-listen`: "PORT" or "HOST:PORT" ("[::1]:PORT" for IPv6). */
export function parseListen(value: string): { host: string; port: number } | null {
  const m = /^(?:(\[[^\]]+\]|[^:]+):)?(\d{1,5})$/.exec(value.trim());
  if (!m) return null;
  const port = Number(m[2]);
  if (port > 65535) return null;
  return { host: m[1] ? m[1].replace(/^\[|\]$/g, '') : '127.0.0.1', port };
}
