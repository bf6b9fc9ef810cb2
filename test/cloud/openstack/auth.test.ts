// Keystone v3: request bodies, catalog selection, renewal before expiry, one re-auth on 401.
import { afterEach, describe, expect, it } from 'vitest';
import type { CloudAuth } from '../../../src/config/model.ts';
import { TerminalError } from '../../../src/cloud/errors.ts';
import { authRequestBody, KeystoneAuth } from '../../../src/cloud/openstack/auth.ts';
import { identityV3Root, selectEndpoint, withVersion } from '../../../src/cloud/openstack/catalog.ts';
import { HttpCore } from '../../../src/cloud/openstack/http-core.ts';
import { OpenStackSession } from '../../../src/cloud/openstack/session.ts';
import { captureLogger, catalog, GLANCE, InstantClock, KEYSTONE, mockAgent, NEUTRON, NOVA, tokenBody } from './helpers.ts';

const password: CloudAuth = {
  type: 'password', authUrl: `${KEYSTONE}/v3`, username: 'demo', password: 'pw-secret',
  userDomainName: 'Default', projectName: 'demo', projectDomainId: 'default',
};

describe('authRequestBody', () => {
  it('scopes a password login to a project by name and domain', () => {
    expect(authRequestBody(password)).toEqual({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'demo', domain: { name: 'Default' }, password: 'pw-secret' } } },
        scope: { project: { name: 'demo', domain: { id: 'default' } } },
      },
    });
  });

  it('uses ids when given', () => {
    const body = authRequestBody({ type: 'password', authUrl: 'x', userId: 'u1', password: 'p', projectId: 'p1' }) as any;
    expect(body.auth.identity.password.user).toEqual({ id: 'u1', password: 'p' });
    expect(body.auth.scope).toEqual({ project: { id: 'p1' } });
  });

  it('builds application credentials by id, or by name plus user', () => {
    expect(authRequestBody({ type: 'v3applicationcredential', authUrl: 'x', applicationCredentialId: 'ac1', applicationCredentialSecret: 's' }))
      .toEqual({ auth: { identity: { methods: ['application_credential'], application_credential: { id: 'ac1', secret: 's' } } } });
    const byName = authRequestBody({ type: 'v3applicationcredential', authUrl: 'x', applicationCredentialName: 'np', applicationCredentialSecret: 's', username: 'demo', userDomainName: 'Default' }) as any;
    expect(byName.auth.identity.application_credential).toEqual({ name: 'np', secret: 's', user: { name: 'demo', domain: { name: 'Default' } } });
    expect(byName.auth.scope).toBeUndefined();
    expect(() => authRequestBody({ type: 'v3applicationcredential', authUrl: 'x', applicationCredentialName: 'np', applicationCredentialSecret: 's' })).toThrow(TerminalError);
  });
});

describe('catalog', () => {
  it('selects by type, interface and region and adds version paths', () => {
    expect(selectEndpoint(catalog(), 'compute', 'public', 'RegionOne')).toBe(`${NOVA}/v2.1`);
    expect(selectEndpoint(catalog(), 'image', 'public', null)).toBe(`${GLANCE}/v2`);
    expect(selectEndpoint(catalog(), 'network', 'internal', 'RegionOne')).toBe(`${NEUTRON.replace('.test', '-internal.test')}/v2.0`);
    expect(() => selectEndpoint(catalog(), 'compute', 'public', 'RegionTwo')).toThrow(/no public endpoint for service compute in region RegionTwo/);
    expect(withVersion('network', 'http://n/v2.0/')).toBe('http://n/v2.0');
    expect(identityV3Root('http://k:5000')).toBe('http://k:5000/v3');
    expect(identityV3Root('http://k:5000/v3/')).toBe('http://k:5000/v3');
  });
});

describe('KeystoneAuth + session', () => {
  const agent = mockAgent();
  afterEach(() => agent.assertNoPendingInterceptors());

  function setup() {
    const clock = new InstantClock();
    const { logger, lines } = captureLogger();
    const http = new HttpCore({ dispatcher: agent, clock, logger });
    const auth = new KeystoneAuth(http, password, clock, logger);
    const session = new OpenStackSession({ http, auth, interface: 'public', region: 'RegionOne', computeApiVersion: '2.60' });
    return { clock, auth, session, lines };
  }

  it('takes the token from X-Subject-Token, sends it with the microversion and renews before expiry', async () => {
    const { clock, session, lines } = setup();
    const keystone = agent.get(KEYSTONE);
    const nova = agent.get(NOVA);
    keystone.intercept({ path: '/v3/auth/tokens', method: 'POST' }).reply(201, () => tokenBody(3_600_000, clock.now()), { headers: { 'x-subject-token': 'tok-1' } });
    const seen: (string | undefined)[][] = [];
    nova.intercept({ path: '/v2.1/limits', method: 'GET' }).reply((opts) => {
      const h = opts.headers as Record<string, string>;
      seen.push([h['x-auth-token'], h['openstack-api-version']]);
      return { statusCode: 200, data: {} };
    }).times(3);
    await session.call('compute', 'GET', 'limits');
    await session.call('compute', 'GET', 'limits');
    // 59 minutes 30 s later the token is within a minute of expiry: a new one is fetched first.
    clock.current += 3_570_000;
    keystone.intercept({ path: '/v3/auth/tokens', method: 'POST' }).reply(201, () => tokenBody(3_600_000, clock.now()), { headers: { 'x-subject-token': 'tok-2' } });
    await session.call('compute', 'GET', 'limits');
    expect(seen).toEqual([['tok-1', 'compute 2.60'], ['tok-1', 'compute 2.60'], ['tok-2', 'compute 2.60']]);
    expect(lines.join('\n')).not.toMatch(/tok-1|tok-2|pw-secret/);
  });

  it('re-authenticates once on 401 and then fails with the 401', async () => {
    const { clock, session } = setup();
    const keystone = agent.get(KEYSTONE);
    const glance = agent.get(GLANCE);
    keystone.intercept({ path: '/v3/auth/tokens', method: 'POST' }).reply(201, () => tokenBody(3_600_000, clock.now()), { headers: { 'x-subject-token': 'old' } });
    keystone.intercept({ path: '/v3/auth/tokens', method: 'POST' }).reply(201, () => tokenBody(3_600_000, clock.now()), { headers: { 'x-subject-token': 'new' } });
    glance.intercept({ path: '/v2/images/i1', method: 'GET', headers: { 'x-auth-token': 'old' } }).reply(401, { error: { message: 'The request you have made requires authentication.' } });
    glance.intercept({ path: '/v2/images/i1', method: 'GET', headers: { 'x-auth-token': 'new' } }).reply(200, { id: 'i1', status: 'active' });
    const res = await session.call('image', 'GET', 'images/i1');
    expect(res.body).toMatchObject({ id: 'i1' });

    keystone.intercept({ path: '/v3/auth/tokens', method: 'POST' }).reply(201, () => tokenBody(3_600_000, clock.now()), { headers: { 'x-subject-token': 'newer' } });
    glance.intercept({ path: '/v2/images/i2', method: 'GET' }).reply(401, 'no').times(2);
    const err = await session.call('image', 'GET', 'images/i2').catch((e) => e);
    expect(err).toBeInstanceOf(TerminalError);
    expect(err.details.status).toBe(401);
  });

  it('reports bad credentials as a TerminalError without the password', async () => {
    const { session } = setup();
    agent.get(KEYSTONE).intercept({ path: '/v3/auth/tokens', method: 'POST' }).reply(401, { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
    const err = await session.call('compute', 'GET', 'limits').catch((e) => e);
    expect(err).toBeInstanceOf(TerminalError);
    expect(String(err.message)).not.toContain('pw-secret');
  });
});
