// Successful cloud responses and console logs are read with a size limit, and every retry
// delay is jittered (a Retry-After only ever lengthened).
import { afterEach, describe, expect, it } from 'vitest';
import { TerminalError } from '../../../src/cloud/errors.ts';
import { HttpCore } from '../../../src/cloud/openstack/http-core.ts';
import { JITTER, RETRY_POLICY, jitterDelay } from '../../../src/cloud/openstack/retry-policy.ts';
import { captureLogger, InstantClock, mockAgent, NOVA } from './helpers.ts';

describe('bounded response bodies', () => {
  const agent = mockAgent();
  const pool = agent.get(NOVA);
  afterEach(() => agent.assertNoPendingInterceptors());
  const core = (opts: { maxResponseBytes?: number; random?: () => number } = {}) => {
    const clock = new InstantClock();
    return { clock, http: new HttpCore({ dispatcher: agent, clock, logger: captureLogger().logger, ...opts }) };
  };

  it('refuses a successful body over the limit (streamed, no length declared)', async () => {
    const big = JSON.stringify({ servers: Array.from({ length: 200 }, (_, i) => ({ id: `s-${i}`, name: 'x'.repeat(50) })) });
    pool.intercept({ path: '/v2.1/servers/detail', method: 'GET' }).reply(200, () => big);
    const err = await core({ maxResponseBytes: 4096 }).http.send({ service: 'compute', method: 'GET', url: `${NOVA}/v2.1/servers/detail` }).catch((e) => e);
    expect(err).toBeInstanceOf(TerminalError);
    expect(err.message).toMatch(/response body larger than 4096 bytes/);
  });

  it('refuses a body whose declared length is over the limit', async () => {
    pool.intercept({ path: '/v2.1/flavors', method: 'GET' }).reply(200, 'y'.repeat(10_000), { headers: { 'content-length': '10000' } });
    await expect(core({ maxResponseBytes: 1000 }).http.send({ service: 'compute', method: 'GET', url: `${NOVA}/v2.1/flavors` }))
      .rejects.toThrow(/larger than 1000 bytes/);
  });

  it('a per-request limit (console logs) overrides the default; bodies under it pass', async () => {
    pool.intercept({ path: '/v2.1/servers/s1/action', method: 'POST' }).reply(200, { output: 'z'.repeat(3000) });
    const { http } = core();
    await expect(http.send({ service: 'compute', method: 'POST', url: `${NOVA}/v2.1/servers/s1/action`, json: {}, maxBodyBytes: 2000 }))
      .rejects.toThrow(/larger than 2000 bytes/);
    pool.intercept({ path: '/v2.1/servers/s1/action', method: 'POST' }).reply(200, { output: 'fine' });
    const ok = await http.send({ service: 'compute', method: 'POST', url: `${NOVA}/v2.1/servers/s1/action`, json: {}, maxBodyBytes: 2000 });
    expect(ok.body).toEqual({ output: 'fine' });
  });
});

describe('retry jitter', () => {
  const agent = mockAgent();
  const pool = agent.get(NOVA);
  afterEach(() => agent.assertNoPendingInterceptors());

  it('shortens our own backoff by up to half and only lengthens a server hint', () => {
    expect(jitterDelay(1000, false, 0)).toBe(1000);
    expect(jitterDelay(1000, false, 0.999)).toBe(Math.round(1000 * (1 - JITTER.backoffShare * 0.999)));
    expect(jitterDelay(3000, true, 0)).toBe(3000);
    expect(jitterDelay(3000, true, 0.5)).toBe(3300);
  });

  it('the HTTP core sleeps the jittered delay on every retry', async () => {
    pool.intercept({ path: '/v2.1/limits', method: 'GET' }).reply(503, 'busy').times(2);
    pool.intercept({ path: '/v2.1/limits', method: 'GET' }).reply(200, { limits: {} });
    const clock = new InstantClock();
    const draws = [0.5, 0.9];
    const http = new HttpCore({ dispatcher: agent, clock, logger: captureLogger().logger, random: () => draws.shift()! });
    await http.send({ service: 'compute', method: 'GET', url: `${NOVA}/v2.1/limits` });
    const base = RETRY_POLICY.serverError.baseDelayMs;
    expect(clock.sleeps).toEqual([Math.round(base * 0.75), Math.round(base * 2 * 0.55)]);
  });
});
