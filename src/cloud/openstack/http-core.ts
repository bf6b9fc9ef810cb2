// One HTTP call to an OpenStack service: rate limit, timeout, retry table, typed errors.
// Knows nothing about tokens or endpoints (session.ts adds those); never logs headers.
import type { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import type { Clock } from '../../util/clock.ts';
import type { Logger } from '../../util/logger.ts';
import {
  CloudError, CloudTimeoutError, NotFoundError, QuotaError, TerminalError, TransientError,
  type CloudErrorDetails,
} from '../errors.ts';
import { errorMessageFromBody } from './error-body.ts';
import { isQuotaResponse } from './quota-errors.ts';
import { RateLimiter } from './rate-limiter.ts';
import { decideRetry, jitterDelay, parseRetryAfter, type CallFailure } from './retry-policy.ts';

export const DEFAULT_TIMEOUT_MS = 60_000;
/** Error bodies are read up to this size; the rest is discarded. */
const MAX_ERROR_BODY = 64 * 1024;
/**
 * A successful body larger than this is refused (a misbehaving endpoint must not exhaust the
 * daemon's memory). Generous: a server list of 5,000 servers is about 20 MB.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

const TLS_TRUST_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export interface HttpRequest {
  /** Service type for errors and logs: identity, compute, image, network. */
  service: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  json?: unknown;
  /** A body produced per attempt (e.g. a file stream); with `retry: false` it is made once. */
  body?: () => Readable | Buffer | string;
  /** Per attempt, from sending to the end of the response body. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** false: never retried (one-shot streams). */
  retry?: boolean;
  /** A POST without side effects (token issue, console output): retried like a GET. */
  safeToRepeat?: boolean;
  /** Refuse a successful body larger than this (default: the core's maxResponseBytes). */
  maxBodyBytes?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or the text when the body was not JSON, or null when empty. */
  body: unknown;
  requestId: string | null;
}

export interface HttpCoreOptions {
  dispatcher: Dispatcher;
  clock: Clock;
  logger: Logger;
  /** Nodepool `rate`: seconds between calls (0 = unlimited). */
  rateSeconds?: number;
  defaultTimeoutMs?: number;
  /** Told about every attempt (status null: no response), for the nodepool.task.* timers. */
  onCall?: (call: { service: string; method: string; url: string; status: number | null; ms: number }) => void;
  /** Successful bodies above this size are refused (default DEFAULT_MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
  /** [0, 1) source for retry jitter; tests pass a constant. */
  random?: () => number;
}

export class HttpCore {
  private readonly dispatcher: Dispatcher;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly limiter: RateLimiter;
  private readonly defaultTimeoutMs: number;
  private readonly onCall: HttpCoreOptions['onCall'];
  private readonly maxResponseBytes: number;
  private readonly random: () => number;

  constructor(options: HttpCoreOptions) {
    this.onCall = options.onCall;
    this.dispatcher = options.dispatcher;
    this.clock = options.clock;
    this.logger = options.logger;
    this.limiter = new RateLimiter(options.rateSeconds ?? 0, options.clock);
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.random = options.random ?? Math.random;
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const method = req.method.toUpperCase();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(req, method);
      } catch (err) {
        const failure = (err as { failure?: CallFailure }).failure;
        if (!failure || req.signal?.aborted) throw err;
        const decision = decideRetry(method, attempt, failure, req.retry !== false, req.safeToRepeat === true);
        if (!decision.retry) throw err;
        const hinted = failure.kind === 'status' && failure.retryAfterMs !== null && decision.rule === 'throttled';
        const delayMs = jitterDelay(decision.delayMs, hinted, this.random());
        this.logger.warn(
          { service: req.service, method, path: pathOf(req.url), attempt, delayMs, rule: decision.rule, err: (err as Error).message },
          'openstack call failed, retrying',
        );
        await this.clock.sleep(delayMs, req.signal);
      }
    }
  }

  private async attempt(req: HttpRequest, method: string): Promise<HttpResponse> {
    await this.limiter.acquire(req.signal);
    const timeoutMs = req.timeoutMs ?? this.defaultTimeoutMs;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout.signal]) : timeout.signal;
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    let body: Readable | Buffer | string | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] ??= 'application/json';
    } else if (req.body) {
      body = req.body();
    }
    const details: CloudErrorDetails = { service: req.service, method, url: stripQuery(req.url) };
    const started = performance.now();
    try {
      let res: Dispatcher.ResponseData;
      try {
        res = await request(req.url, {
          dispatcher: this.dispatcher, method: method as Dispatcher.HttpMethod, headers, body, signal,
          headersTimeout: timeoutMs, bodyTimeout: timeoutMs,
        });
      } catch (err) {
        this.tell(req, method, null, started);
        throw this.transportError(err, details, timeout.signal.aborted, req.signal, timeoutMs);
      }
      const requestId = requestIdOf(res.headers);
      details.requestId = requestId ?? undefined;
      details.status = res.statusCode;
      let text: string;
      try {
        const limit = req.maxBodyBytes ?? this.maxResponseBytes;
        // A declared length over the limit is refused before a byte is read.
        if (res.statusCode < 400 && Number(res.headers['content-length']) > limit) {
          res.body.destroy();
          throw new BodyTooLargeError(limit);
        }
        text = res.statusCode >= 400 ? await readLimited(res.body, MAX_ERROR_BODY) : await readBounded(res.body, limit);
      } catch (err) {
        if (err instanceof BodyTooLargeError) {
          throw new TerminalError(`${details.service} ${method} ${pathOf(req.url)}: response body larger than ${err.limit} bytes, refused`, details);
        }
        throw this.transportError(err, details, timeout.signal.aborted, req.signal, timeoutMs);
      }
      const ms = this.tell(req, method, res.statusCode, started);
      this.logger.debug({ service: req.service, method, path: pathOf(req.url), status: res.statusCode, ms, requestId }, 'openstack call');
      if (res.statusCode >= 400) throw this.statusError(res.statusCode, res.headers, text, details);
      return { status: res.statusCode, headers: res.headers, body: parseBody(text), requestId };
    } finally {
      clearTimeout(timer);
    }
  }

  private tell(req: HttpRequest, method: string, status: number | null, started: number): number {
    const ms = Math.round(performance.now() - started);
    try {
      this.onCall?.({ service: req.service, method, url: stripQuery(req.url), status, ms });
    } catch {
      // A metrics failure never fails a cloud call.
    }
    return ms;
  }

  private statusError(status: number, headers: HttpResponse['headers'], text: string, details: CloudErrorDetails): CloudError {
    const message = errorMessageFromBody(text) ?? `HTTP ${status}`;
    const summary = `${details.service} ${details.method} ${pathOf(details.url ?? '')}: ${status} ${message}`;
    const quota = isQuotaResponse(status, message);
    let err: CloudError;
    if (quota) err = new QuotaError(summary, details);
    else if (status === 404) err = new NotFoundError(summary, details);
    else if (status === 429 || status === 413 || status === 408 || status >= 500) err = new TransientError(summary, details);
    else err = new TerminalError(summary, details);
    const retryAfterMs = parseRetryAfter(headers['retry-after'], this.clock.now());
    return withFailure(err, { kind: 'status', status, quota, retryAfterMs });
  }

  private transportError(err: unknown, details: CloudErrorDetails, timedOut: boolean, callerSignal: AbortSignal | undefined, timeoutMs: number): CloudError {
    if (callerSignal?.aborted) {
      const reason = callerSignal.reason as Error | undefined;
      if (reason?.name === 'TimeoutError') return new CloudTimeoutError(`${details.service} ${details.method}: deadline passed`, details, { cause: reason });
      return new TransientError(`${details.service} ${details.method}: aborted`, details, { cause: reason ?? err });
    }
    const code = (err as { code?: string }).code ?? '';
    if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
      const e = new CloudTimeoutError(`${details.service} ${details.method} ${pathOf(details.url ?? '')}: timed out after ${timeoutMs} ms`, details, { cause: err });
      return withFailure(e, { kind: 'timeout' });
    }
    const what = `${details.service} ${details.method} ${pathOf(details.url ?? '')}`;
    // A certificate the cloud's clouds.yaml does not trust will not become trusted by retrying.
    if (TLS_TRUST_ERRORS.has(code)) return new TerminalError(`${what}: TLS: ${(err as Error).message} (check cacert/verify in clouds.yaml)`, details, { cause: err });
    const e = new TransientError(`${what}: ${code || (err as Error).message}`, details, { cause: err });
    return withFailure(e, { kind: 'connection', refused: code === 'ECONNREFUSED' });
  }
}

function withFailure<T extends CloudError>(err: T, failure: CallFailure): T {
  Object.defineProperty(err, 'failure', { value: failure, enumerable: false });
  return err;
}

export function requestIdOf(headers: HttpResponse['headers']): string | null {
  const v = headers['x-openstack-request-id'] ?? headers['x-compute-request-id'];
  return (Array.isArray(v) ? v[0] : v) ?? null;
}

function parseBody(text: string): unknown {
  if (text === '') return null;
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

class BodyTooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`body larger than ${limit} bytes`);
    this.limit = limit;
  }
}

/** The whole body, or BodyTooLargeError as soon as it passes `limit` (the rest is not read). */
async function readBounded(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      body.destroy();
      throw new BodyTooLargeError(limit);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readLimited(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < limit) chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

function stripQuery(url: string): string {
  const i = url.indexOf('?');
  return i === -1 ? url : url.slice(0, i);
}
