// HTTP plumbing shared by the service handlers: request context, JSON bodies, error shapes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { SimService, TokenRecord } from './types.ts';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** Path below the service prefix, without the query string, e.g. "/servers/detail". */
  path: string;
  query: URLSearchParams;
  /** Scheme + host + service prefix, for links, e.g. "http://127.0.0.1:8080/compute/v2.1". */
  baseUrl: string;
  /** Scheme + host of the simulator. */
  rootUrl: string;
  requestId: string;
  service: SimService | 'admin';
  /** Set by the auth check for services other than identity and admin. */
  token: TokenRecord | null;
  /** Runs before any response is written: the request's state changes reach disk first. */
  beforeRespond: () => void;
}

/** Thrown by handlers; turned into the service's error body. */
export class HttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** Neutron's error type (e.g. "PortNotFound"). */
  readonly kind: string | undefined;
  constructor(status: number, message: string, options: { headers?: Record<string, string>; kind?: string } = {}) {
    super(message);
    this.status = status;
    this.headers = options.headers ?? {};
    this.kind = options.kind;
  }
}

const MAX_JSON_BYTES = 16 * 1024 * 1024;

export async function readJson(ctx: RequestContext): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BYTES) throw new HttpError(413, 'Request entity too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Malformed request body');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'Malformed request body: expected a JSON object');
  return body as Record<string, unknown>;
}

/** Drains a body nobody reads so keep-alive connections stay usable. */
export async function drain(ctx: RequestContext): Promise<void> {
  for await (const _ of ctx.req) void _;
}

export function sendJson(ctx: RequestContext, status: number, body: unknown, headers: Record<string, string> = {}): void {
  ctx.beforeRespond();
  const text = JSON.stringify(body);
  ctx.res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...requestIdHeaders(ctx),
    ...headers,
  });
  ctx.res.end(text);
}

export function sendEmpty(ctx: RequestContext, status: number, headers: Record<string, string> = {}): void {
  ctx.beforeRespond();
  ctx.res.writeHead(status, { 'Content-Length': 0, ...requestIdHeaders(ctx), ...headers });
  ctx.res.end();
}

function requestIdHeaders(ctx: RequestContext): Record<string, string> {
  const h: Record<string, string> = { 'x-openstack-request-id': ctx.requestId };
  if (ctx.service === 'compute') h['x-compute-request-id'] = ctx.requestId;
  return h;
}

export function newRequestId(): string {
  return `req-${randomUUID()}`;
}

// Each service formats its errors differently; clients parse these shapes.
const NOVA_ERROR_KEYS: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  429: 'overLimit',
  500: 'computeFault',
  503: 'serviceUnavailable',
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function sendError(ctx: RequestContext, err: HttpError): void {
  if (ctx.res.headersSent) {
    ctx.res.destroy();
    return;
  }
  const status = err.status;
  const title = TITLES[status] ?? 'Error';
  // Keystone-style errors also come from keystonemiddleware when a token is rejected.
  if (ctx.service === 'identity' || (status === 401 && ctx.service !== 'admin')) {
    const headers = status === 401 ? { 'WWW-Authenticate': `Keystone uri="${ctx.rootUrl}/identity"`, ...err.headers } : err.headers;
    sendJson(ctx, status, { error: { code: status, title, message: err.message } }, headers);
    return;
  }
  switch (ctx.service) {
    case 'compute':
    case 'volume': {
      const key = NOVA_ERROR_KEYS[status] ?? 'computeFault';
      sendJson(ctx, status, { [key]: { code: status, message: err.message } }, err.headers);
      return;
    }
    case 'network':
      sendJson(ctx, status, { NeutronError: { type: err.kind ?? title.replace(/ /g, ''), message: err.message, detail: '' } }, err.headers);
      return;
    case 'image': {
      ctx.beforeRespond();
      // Glance answers errors as webob plain text.
      const text = `${status} ${title}\n\n${err.message}\n\n   `;
      ctx.res.writeHead(status, { 'Content-Type': 'text/plain; charset=UTF-8', 'Content-Length': Buffer.byteLength(text), ...requestIdHeaders(ctx), ...err.headers });
      ctx.res.end(text);
      return;
    }
    default:
      sendJson(ctx, status, { error: { code: status, message: err.message } }, err.headers);
  }
}

export function isoTime(ms: number): string {
  // Nova and Neutron print seconds without fractions and with Z.
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function requireObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, `Invalid input: '${what}' must be an object`);
  return value as Record<string, unknown>;
}

export function optionalString(obj: Record<string, unknown>, key: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new HttpError(400, `Invalid input for field/attribute ${key}. Value: ${JSON.stringify(v)}. ${JSON.stringify(v)} is not of type 'string'`);
  return v;
}

/**
 * limit + marker pagination over an already-sorted list. Like Nova and Glance, `full` (a next link is
 * due) is true whenever the page is exactly full, so a client may fetch one last empty page.
 */
export function paginate<T>(items: T[], idOf: (t: T) => string, query: URLSearchParams, maxPage: number, notFound: (marker: string) => HttpError): { page: T[]; full: boolean } {
  const limitText = query.get('limit');
  let limit = maxPage;
  if (limitText !== null) {
    const n = Number(limitText);
    if (!Number.isInteger(n) || n < 0) throw new HttpError(400, 'limit param must be an integer');
    limit = Math.min(n, maxPage);
  }
  let start = 0;
  const marker = query.get('marker');
  if (marker) {
    const index = items.findIndex((t) => idOf(t) === marker);
    if (index < 0) throw notFound(marker);
    start = index + 1;
  }
  const page = items.slice(start, start + limit);
  return { page, full: limit > 0 && page.length === limit };
}
