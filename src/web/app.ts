// The launcher's read-only status web app (upstream nodepool/webapp.py) on node:http, plus
// /metrics in Prometheus text format. Binds 127.0.0.1 unless the config says otherwise.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import type { MetricsExporter } from '../stats/metrics.ts';
import { collectListing, type ListingName, type StatusStore } from '../status/collect.ts';
import type { StatusTable } from '../status/listings.ts';
import {
  renderStatusJson, renderStatusText, NODE_DETAIL_COLUMNS, IMAGE_COLUMNS, DIB_IMAGE_COLUMNS, REQUEST_COLUMNS,
  IMAGE_STATUS_COLUMNS, LABEL_COLUMNS, type StatusColumn,
} from '../status/listings.ts';
import { chooseFormat } from './negotiate.ts';
import { ResponseCache } from './response-cache.ts';

export interface WebAppOptions {
  store: StatusStore;
  /** nodepool.yaml `webapp`: port (0 = any free port) and listen address. */
  config: { port: number; listenAddress?: string | null };
  /** True once the launcher's main loop has completed a pass (/ready). */
  isReady(): boolean;
  metrics?: MetricsExporter;
  clock?: Clock;
  logger?: Logger;
  /** Listing cache lifetime; upstream: 1 s. */
  cacheTtlMs?: number;
}

export interface WebApp {
  /** The address it listens on (127.0.0.1 unless configured). */
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

const LISTINGS: ReadonlySet<string> = new Set(['node-list', 'image-list', 'dib-image-list', 'request-list', 'image-status', 'label-list']);
const CACHE_SECONDS = 1;

function send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=UTF-8',
    'Content-Length': String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
}

const COLUMNS: Record<ListingName, readonly StatusColumn[]> = {
  'node-list': NODE_DETAIL_COLUMNS, 'image-list': IMAGE_COLUMNS, 'dib-image-list': DIB_IMAGE_COLUMNS,
  'request-list': REQUEST_COLUMNS, 'image-status': IMAGE_STATUS_COLUMNS, 'label-list': LABEL_COLUMNS,
};

/** The parameters that change a listing, normalised: what else a query carries cannot make a new entry. */
export interface ListingQuery {
  nodeId: string | null;
  /** Known column keys in column order; null when all (JSON ignores ?fields= as upstream does). */
  fields: string[] | null;
}

export function normaliseQuery(name: ListingName, params: URLSearchParams, format: string): ListingQuery {
  const nodeId = name === 'node-list' ? params.get('node_id') || null : null;
  const asked = format === 'json' ? null : params.get('fields')?.split(',').map((f) => f.trim()).filter(Boolean) ?? null;
  const fields = asked && asked.length > 0 ? COLUMNS[name].map((c) => c.key).filter((k) => asked.includes(k)) : null;
  return { nodeId, fields };
}

function cacheKey(name: ListingName, query: ListingQuery, format: string): string {
  return JSON.stringify([name, format, query.nodeId, query.fields]);
}

export async function startWebApp(options: WebAppOptions): Promise<WebApp> {
  const clock = options.clock ?? systemClock;
  const ttlMs = options.cacheTtlMs ?? CACHE_SECONDS * 1000;
  const cache = new ResponseCache(clock, ttlMs);
  // One ZooKeeper sweep per listing (and node id) and TTL serves every format and field list.
  const tables = new ResponseCache<StatusTable>(clock, ttlMs, { maxEntries: 16, maxBytes: 16 });
  const log = options.logger?.child({ component: 'webapp' });

  async function serveListing(req: http.IncomingMessage, res: http.ServerResponse, name: ListingName, params: URLSearchParams): Promise<void> {
    const format = chooseFormat(req.headers.accept);
    const query = normaliseQuery(name, params, format);
    const entry = await cache.get(cacheKey(name, query, format), async () => {
      const { body: table } = await tables.get(JSON.stringify([name, query.nodeId]),
        () => collectListing(options.store, name, { nodeId: query.nodeId }));
      // Upstream ignores ?fields= for JSON and returns every key.
      return format === 'json' ? renderStatusJson(table) : renderStatusText(table, clock.now(), query.fields) + '\n';
    });
    const lastModified = Math.floor(entry.renderedAt / 1000) * 1000;
    const since = Date.parse(req.headers['if-modified-since'] ?? '');
    const headers = {
      'Content-Type': format === 'json' ? 'application/json; charset=UTF-8' : 'text/plain; charset=UTF-8',
      'Access-Control-Allow-Origin': '*',
      'Cache-Control': `public, max-age=${CACHE_SECONDS}`,
      'Last-Modified': new Date(lastModified).toUTCString(),
      Expires: new Date(lastModified + CACHE_SECONDS * 1000).toUTCString(),
    };
    if (Number.isFinite(since) && since >= lastModified) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    send(res, 200, entry.body, headers);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, 'Method not allowed: the web app is read-only\n', { Allow: 'GET, HEAD' });
    }
    const name = url.pathname.replace(/^\//, '');
    if (name === 'ready') {
      return options.isReady() ? send(res, 200, 'OK') : send(res, 503, 'Not ready');
    }
    if (name === 'metrics' && options.metrics) {
      return send(res, 200, options.metrics.prometheusText(), { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
    }
    if (LISTINGS.has(name)) return serveListing(req, res, name as ListingName, url.searchParams);
    send(res, 404, 'Not found\n');
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      log?.error({ err: err.message, path: req.url }, 'web request failed');
      if (!res.headersSent) send(res, 500, 'Internal error: the status could not be read\n');
      else res.destroy();
    });
  });
  const host = options.config.listenAddress || '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.config.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  // After listen, an error (EMFILE on accept, a broken client socket) is about one connection:
  // logged, never an uncaught 'error' event that would end the launcher.
  server.on('error', (err: NodeJS.ErrnoException) => {
    log?.warn({ err: err.message, code: err.code, syscall: err.syscall }, 'web server error; still serving');
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    log?.debug({ err: err.message, code: err.code }, 'web client error');
    socket.destroy();
  });
  log?.info({ host, port }, 'web app listening');

  let closing: Promise<void> | null = null;
  return {
    host,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
