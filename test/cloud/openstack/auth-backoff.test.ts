// Keystone login: a failed login is backed off (no re-post by every caller), one login is in
// flight per credential and shared, and one caller's abort does not cancel it for the others.
import { afterEach, describe, expect, it } from 'vitest';
import type { CloudAuth } from '../../../src/config/model.ts';
import { TerminalError } from '../../../src/cloud/errors.ts';
import { AUTH_BACKOFF, authBackoffMs, KeystoneAuth } from '../../../src/cloud/openstack/auth.ts';
import { HttpCore } from '../../../src/cloud/openstack/http-core.ts';
import { captureLogger, InstantClock, KEYSTONE, mockAgent, tokenBody } from './helpers.ts';

const password: CloudAuth = {
  type: 'password', authUrl: `${KEYSTONE}/v3`, username: 'demo', password: 'pw-secret',
  userDomainName: 'Default', projectName: 'demo', projectDomainId: 'default',
};

describe('Keystone login backoff and sharing', () => {
  const agent = mockAgent();
  afterEach(() => agent.assertNoPendingInterceptors());

  function setup() {
    const clock = new InstantClock();
    const { logger, lines } = captureLogger();
    const http = new HttpCore({ dispatcher: agent, clock, logger, random: () => 0 });
    return { clock, lines, auth: new KeystoneAuth(http, password, clock, logger, () => 0), keystone: agent.get(KEYSTONE) };
  }

  it('a rejected login is posted once for many callers and not again until the backoff has passed', async () => {
    const { clock, auth, keystone, lines } = setup();
    let posts = 0;
    keystone.intercept({ path: '/v3/auth/tokens', method: 'POST' }).reply(() => {
      posts++;
      return { statusCode: 401, data: { error: { code: 401, message: 'The request you have made requires authentication.' } } };
    });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => auth.token()));
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof TerminalError)).toBe(true);
    expect(posts).toBe(1);
    // Callers during the backoff get the failure without a new POST (no interceptor left: a POST would fail differently).
    clock.current += AUTH_BACKOFF.baseDelayMs - 1;
    const during = await auth.token().catch((e) => e);
    expect(during).toBeInstanceOf(TerminalError);
    expect(during.message).toMatch(/backed off .* next attempt in 1 s/);
    expect(posts).toBe(1);
    // Past the backoff: one new attempt, which succeeds.
    clock.current += 1;
    keystone.intercept({ path: '/v3/auth/tokens', method: 'POST' }).reply(() => {
      posts++;
      return { statusCode: 201, data: tokenBody(3_600_000, clock.now()), responseOptions: { headers: { 'x-subject-token': 'tok' } } };
    });
    expect((await auth.token()).value).toBe('tok');
    expect(posts).toBe(2);
    expect(lines.join('\n')).not.toContain('pw-secret');
  });

  it('consecutive failures double the backoff up to its cap, jittered', () => {
    expect(authBackoffMs(1, 0)).toBe(AUTH_BACKOFF.baseDelayMs);
    expect(authBackoffMs(3, 0)).toBe(AUTH_BACKOFF.baseDelayMs * 4);
    expect(authBackoffMs(30, 0)).toBe(AUTH_BACKOFF.maxDelayMs);
    const jittered = authBackoffMs(1, 0.9);
    expect(jittered).toBeLessThan(AUTH_BACKOFF.baseDelayMs);
    expect(jittered).toBeGreaterThanOrEqual(AUTH_BACKOFF.baseDelayMs / 2);
  });

  it("one caller's abort does not cancel the shared login for the others", async () => {
    const { clock, auth, keystone } = setup();
    let posts = 0;
    keystone.intercept({ path: '/v3/auth/tokens', method: 'POST' }).reply(() => {
      posts++;
      return { statusCode: 201, data: tokenBody(3_600_000, clock.now()), responseOptions: { headers: { 'x-subject-token': 'shared' } } };
    }).delay(150);
    const impatient = new AbortController();
    const first = auth.token(impatient.signal);
    const second = auth.token();
    impatient.abort(new Error('caller gave up'));
    await expect(first).rejects.toThrow('caller gave up');
    expect((await second).value).toBe('shared');
    expect(posts).toBe(1);
  });
});
