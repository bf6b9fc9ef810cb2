// HTTP core against undici MockAgent: retry table, Retry-After, typed errors, request ids, timeouts, redaction.
import { afterEach, describe, expect, it } from 'vitest';
import { CloudTimeoutError, NotFoundError, QuotaError, TerminalError, TransientError } from '../../../src/cloud/errors.ts';
import { HttpCore } from '../../../src/cloud/openstack/http-core.ts';
import { RETRY_POLICY } from '../../../src/cloud/openstack/retry-policy.ts';
import { captureLogger, InstantClock, mockAgent, NOVA } from './helpers.ts';

describe('HttpCore', () => {
  const agent = mockAgent();
  const pool = agent.get(NOVA);
  afterEach(() => agent.assertNoPendingInterceptors());

  function core(clock = new InstantClock(), rateSeconds = 0) {
    const { logger, lines } = captureLogger();
    // No jitter here: the table's delays are checked exactly (jitter has its own tests).
    return { http: new HttpCore({ dispatcher: agent, clock, logger, rateSeconds, random: () => 0 }), clock, lines };
  }

  it('returns parsed JSON and the request id', async () => {
    pool.intercept({ path: '/v2.1/flavors', method: 'GET' }).reply(200, { flavors: [] }, { headers: { 'x-openstack-request-id': 'req-1' } });
    const { http } = core();
    const res = await http.send({ service: 'compute', method: 'GET', url: `${NOVA}/v2.1/flavors` });
    expect(res.body).toEqual({ flavors: [] });
    expect(res.requestId).toBe('req-1');
  });

  it('retries an idempotent GET on 503 with doubling backoff, then succeeds', async () => {
    pool.intercept({ path: '/v2.1/limits', method: 'GET' }).reply(503, 'busy').times(2);
    pool.intercept({ path: '/v2.1/limits', method: 'GET' }).reply(200, { limits: {} });
    const { http, clock } = core();
    await http.send({ service: 'compute', method: 'GET', url: `${NOVA}/v2.1/limits` });
    expect(clock.sleeps).toEqual([RETRY_POLICY.serverError.baseDelayMs, RETRY_POLICY.serverError.baseDelayMs * 2]);
  });

  it('gives up after the table\'s attempts with a TransientError carrying the compute request id', async () => {
    pool.intercept({ path: '/v2.1/limits', method: 'GET' })
      .reply(500, { computeFault: { message: 'boom', code: 500 } }, { headers: { 'x-compute-request-id': 'req-c' } })
      .times(RETRY_POLICY.serverError.attempts);
    const { http, clock } = core();
    const err = await http.send({ service: 'compute', method: 'GET', url: `${NOVA}/v2.1/limits` }).catch((e) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(err.details).toMatchObject({ requestId: 'req-c', status: 500, service: 'compute', method: 'GET' });
    expect(err.message).toContain('boom');
    expect(clock.sleeps).toHaveLength(RETRY_POLICY.serverError.attempts - 1);
  });

  it('does not retry a POST on 503', async () => {
    pool.intercept({ path: '/v2.1/servers', method: 'POST' }).reply(503, 'busy');
    const { http, clock } = core();
    await expect(http.send({ service: 'compute', method: 'POST', url: `${NOVA}/v2.1/servers`, json: {} })).rejects.toBeInstanceOf(TransientError);
    expect(clock.sleeps).toEqual([]);
  });

  it('honours Retry-After on 429, also for POST (the request was refused unprocessed)', async () => {
    pool.intercept({ path: '/v2.1/servers', method: 'POST' }).reply(429, { overLimit: { message: 'slow down' } }, { headers: { 'retry-after': '3' } });
    pool.intercept({ path: '/v2.1/servers', method: 'POST' }).reply(202, { server: { id: 's1' } });
    const { http, clock } = core();
    const res = await http.send({ service: 'compute', method: 'POST', url: `${NOVA}/v2.1/servers`, json: {} });
    expect(res.status).toBe(202);
    expect(clock.sleeps).toEqual([3000]);
  });

  it('caps a huge Retry-After at the table cap', async () => {
    pool.intercept({ path: '/v2.1/limits', method: 'GET' }).reply(429, 'no', { headers: { 'retry-after': '3600' } });
    pool.intercept({ path: '/v2.1/limits', method: 'GET' }).reply(200, {});
    const { http, clock } = core();
    await http.send({ service: 'compute', method: 'GET', url: `${NOVA}/v2.1/limits` });
    expect(clock.sleeps).toEqual([RETRY_POLICY.throttled.maxDelayMs]);
  });

  it('maps Nova quota faults (403 and 413) to QuotaError without retrying', async () => {
    pool.intercept({ path: '/v2.1/servers', method: 'POST' }).reply(403, { forbidden: { code: 403, message: 'Quota exceeded for cores: Requested 4, but already used 20 of 20 cores' } });
    pool.intercept({ path: '/v2.1/servers', method: 'POST' }).reply(413, { overLimit: { code: 413, message: 'Quota exceeded for instances' } }, { headers: { 'retry-after': '0' } });
    const { http, clock } = core();
    await expect(http.send({ service: 'compute', method: 'POST', url: `${NOVA}/v2.1/servers`, json: {} })).rejects.toBeInstanceOf(QuotaError);
    await expect(http.send({ service: 'compute', method: 'POST', url: `${NOVA}/v2.1/servers`, json: {} })).rejects.toBeInstanceOf(QuotaError);
    expect(clock.sleeps).toEqual([]);
  });

  it('maps 404 to NotFoundError and other 4xx to TerminalError', async () => {
    pool.intercept({ path: '/v2.1/servers/x', method: 'GET' }).reply(404, { itemNotFound: { message: 'Instance x could not be found.' } });
    pool.intercept({ path: '/v2.1/servers', method: 'POST' }).reply(400, { badRequest: { message: 'Invalid flavorRef' } });
    const { http } = core();
    await expect(http.send({ service: 'compute', method: 'GET', url: `${NOVA}/v2.1/servers/x` })).rejects.toBeInstanceOf(NotFoundError);
    const err = await http.send({ service: 'compute', method: 'POST', url: `${NOVA}/v2.1/servers`, json: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(TerminalError);
    expect(err).not.toBeInstanceOf(NotFoundError);
    expect(err.message).toContain('Invalid flavorRef');
  });

  it('retries GET on a connection error, not POST', async () => {
    pool.intercept({ path: '/v2.1/limits', method: 'GET' }).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    pool.intercept({ path: '/v2.1/limits', method: 'GET' }).reply(200, {});
    pool.intercept({ path: '/v2.1/servers', method: 'POST' }).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const { http, clock } = core();
    await http.send({ service: 'compute', method: 'GET', url: `${NOVA}/v2.1/limits` });
    expect(clock.sleeps).toHaveLength(1);
    await expect(http.send({ service: 'compute', method: 'POST', url: `${NOVA}/v2.1/servers`, json: {} })).rejects.toBeInstanceOf(TransientError);
    expect(clock.sleeps).toHaveLength(1);
  });

  it('times out a slow call with CloudTimeoutError', async () => {
    // Without the timeout the reply would come (200) after 500 ms and the call succeed.
    pool.intercept({ path: '/v2.1/servers', method: 'POST' }).reply(200, {}).delay(500);
    const { http } = core();
    await expect(http.send({ service: 'compute', method: 'POST', url: `${NOVA}/v2.1/servers`, json: {}, timeoutMs: 50 })).rejects.toBeInstanceOf(CloudTimeoutError);
  });

  it('spaces calls by the provider rate', async () => {
    pool.intercept({ path: '/v2.1/limits', method: 'GET' }).reply(200, {}).times(3);
    const clock = new InstantClock();
    const { http } = core(clock, 0.5);
    for (let i = 0; i < 3; i++) await http.send({ service: 'compute', method: 'GET', url: `${NOVA}/v2.1/limits` });
    expect(clock.sleeps).toEqual([500, 500]);
  });

  it('never logs the X-Auth-Token, even at debug level and on retries', async () => {
    pool.intercept({ path: '/v2.1/limits', method: 'GET' }).reply(503, 'no').times(2);
    pool.intercept({ path: '/v2.1/limits', method: 'GET' }).reply(200, {});
    const { http, lines } = core();
    const secret = 'gAAAAA-very-secret-token-value';
    await http.send({ service: 'compute', method: 'GET', url: `${NOVA}/v2.1/limits`, headers: { 'x-auth-token': secret } });
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.join('\n')).not.toContain(secret);
  });
});

describe('HttpCore safeToRepeat', () => {
  const agent = mockAgent();
  afterEach(() => agent.assertNoPendingInterceptors());

  it('retries a side-effect-free POST (token issue) on 503', async () => {
    const pool = agent.get(NOVA);
    pool.intercept({ path: '/v3/auth/tokens', method: 'POST' }).reply(503, 'busy');
    pool.intercept({ path: '/v3/auth/tokens', method: 'POST' }).reply(201, {});
    const clock = new InstantClock();
    const http = new HttpCore({ dispatcher: agent, clock, logger: captureLogger().logger, random: () => 0 });
    const res = await http.send({ service: 'identity', method: 'POST', url: `${NOVA}/v3/auth/tokens`, json: {}, safeToRepeat: true });
    expect(res.status).toBe(201);
    expect(clock.sleeps).toEqual([RETRY_POLICY.serverError.baseDelayMs]);
  });
});
