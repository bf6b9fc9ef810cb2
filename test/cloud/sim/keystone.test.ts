import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ManualClock } from '../../../src/util/clock.ts';
import { startSimulator, type RunningSimulator } from '../../../src/cloud/sim/server.ts';
import { issueToken, PASSWORD_AUTH, SimApi } from './sim-client.ts';

describe('simulator Keystone v3', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 8, 0, 0));
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ clock, config: { tokenTtlSeconds: 600, ssh: { enabled: false } } });
  });
  afterAll(() => sim.close());

  it('issues a project-scoped token for a password login by name and domain, with a catalog pointing at itself', async () => {
    const r = await issueToken(sim);
    expect(r.status).toBe(201);
    expect(r.token).toMatch(/^gAAAAA/);
    const token = r.body.token;
    expect(token.methods).toEqual(['password']);
    expect(token.project).toMatchObject({ name: 'demo', domain: { name: 'Default' } });
    expect(token.expires_at).toBe('2026-11-23T08:10:00.000000Z');
    const types = token.catalog.map((e: { type: string }) => e.type).sort();
    expect(types).toEqual(['block-storage', 'compute', 'identity', 'image', 'network', 'volumev3']);
    const compute = token.catalog.find((e: { type: string }) => e.type === 'compute');
    const pub = compute.endpoints.find((e: { interface: string }) => e.interface === 'public');
    expect(pub).toMatchObject({ region: 'RegionOne', region_id: 'RegionOne', url: `${sim.url}/compute/v2.1` });
    expect(compute.endpoints.map((e: { interface: string }) => e.interface).sort()).toEqual(['admin', 'internal', 'public']);
  });

  it('accepts user id and project id', async () => {
    const first = await issueToken(sim);
    const userId = first.body.token.user.id;
    const projectId = first.body.token.project.id;
    const r = await issueToken(sim, {
      auth: { identity: { methods: ['password'], password: { user: { id: userId, password: 'sim-demo-pw' } } }, scope: { project: { id: projectId } } },
    });
    expect(r.status).toBe(201);
    expect(r.body.token.project.id).toBe(projectId);
  });

  it('accepts an application credential by id and by name + user', async () => {
    const byId = await issueToken(sim, {
      auth: { identity: { methods: ['application_credential'], application_credential: { id: 'a1b2c3d4e5f64789a0b1c2d3e4f5a6b7', secret: 'sim-app-cred-secret' } } },
    });
    expect(byId.status).toBe(201);
    expect(byId.body.token.application_credential).toMatchObject({ name: 'nodepool', restricted: true });
    expect(byId.body.token.catalog.length).toBeGreaterThan(0);
    const byName = await issueToken(sim, {
      auth: {
        identity: {
          methods: ['application_credential'],
          application_credential: { name: 'nodepool', secret: 'sim-app-cred-secret', user: { name: 'demo', domain: { id: 'default' } } },
        },
      },
    });
    expect(byName.status).toBe(201);
  });

  it('answers 401 for wrong credentials, unknown users and foreign projects', async () => {
    const wrongPassword = structuredClone(PASSWORD_AUTH);
    wrongPassword.auth.identity.password.user.password = 'nope';
    const r1 = await issueToken(sim, wrongPassword);
    expect(r1.status).toBe(401);
    expect(r1.body.error).toMatchObject({ code: 401, title: 'Unauthorized' });
    expect(r1.token).toBeNull();
    const otherProject = structuredClone(PASSWORD_AUTH);
    otherProject.auth.scope.project.name = 'admin';
    expect((await issueToken(sim, otherProject)).status).toBe(401);
    const badSecret = await issueToken(sim, {
      auth: { identity: { methods: ['application_credential'], application_credential: { id: 'a1b2c3d4e5f64789a0b1c2d3e4f5a6b7', secret: 'x' } } },
    });
    expect(badSecret.status).toBe(401);
  });

  it('answers 400 for a user name without a domain', async () => {
    const r = await issueToken(sim, { auth: { identity: { methods: ['password'], password: { user: { name: 'demo', password: 'sim-demo-pw' } } } } });
    expect(r.status).toBe(400);
  });

  it('rejects expired tokens with 401 on use, and a re-issued token works', async () => {
    const api = await SimApi.login(sim);
    expect((await api.call('GET', '/compute/v2.1/flavors')).status).toBe(200);
    await clock.advance(600_001);
    const expired = await api.call('GET', '/compute/v2.1/flavors');
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('Keystone uri=');
    const fresh = await SimApi.login(sim);
    expect((await fresh.call('GET', '/compute/v2.1/flavors')).status).toBe(200);
  });

  it('requires a token on service APIs but not on version discovery', async () => {
    const noToken = await fetch(`${sim.url}/compute/v2.1/servers/detail`);
    expect(noToken.status).toBe(401);
    const v3 = await fetch(`${sim.url}/identity/v3`);
    expect(v3.status).toBe(200);
    expect(((await v3.json()) as any).version).toMatchObject({ id: 'v3.14', status: 'stable' });
    const compute = await fetch(`${sim.url}/compute/v2.1`);
    expect(((await compute.json()) as any).version).toMatchObject({ id: 'v2.1', min_version: '2.1', version: '2.93' });
    const image = await fetch(`${sim.url}/image/`);
    expect(image.status).toBe(300);
  });

  it('issues unscoped tokens without a catalog, and re-scopes them with the token method', async () => {
    const unscoped = await issueToken(sim, { auth: { identity: PASSWORD_AUTH.auth.identity } });
    expect(unscoped.status).toBe(201);
    expect(unscoped.body.token.catalog).toBeUndefined();
    expect((await new SimApi(sim, unscoped.token!).call('GET', '/compute/v2.1/flavors')).status).toBe(401);
    const projects = await new SimApi(sim, unscoped.token!).call('GET', '/identity/v3/auth/projects');
    expect(projects.body.projects.map((p: { name: string }) => p.name)).toEqual(['demo']);
    const rescoped = await issueToken(sim, {
      auth: { identity: { methods: ['token'], token: { id: unscoped.token } }, scope: { project: { id: projects.body.projects[0].id } } },
    });
    expect(rescoped.status).toBe(201);
    expect(rescoped.body.token.methods).toEqual(['token']);
    expect((await new SimApi(sim, rescoped.token!).call('GET', '/compute/v2.1/flavors')).status).toBe(200);
  });

  it('validates and revokes tokens', async () => {
    const a = await SimApi.login(sim);
    const b = await issueToken(sim);
    const validate = await a.call('GET', '/identity/v3/auth/tokens', undefined, { 'x-subject-token': b.token! });
    expect(validate.status).toBe(200);
    expect((await a.call('DELETE', '/identity/v3/auth/tokens', undefined, { 'x-subject-token': b.token! })).status).toBe(204);
    const revoked = new SimApi(sim, b.token!);
    expect((await revoked.call('GET', '/compute/v2.1/flavors')).status).toBe(401);
  });

  it('writes a clouds.yaml for password and application-credential auth', () => {
    const pw = parseYaml(sim.cloudsYaml('simcloud')).clouds.simcloud;
    expect(pw.auth).toMatchObject({ auth_url: `${sim.url}/identity/v3`, username: 'demo', project_name: 'demo', user_domain_name: 'Default' });
    expect(pw.region_name).toBe('RegionOne');
    const ac = parseYaml(sim.cloudsYaml('simcloud', { auth: 'application_credential' })).clouds.simcloud;
    expect(ac.auth_type).toBe('v3applicationcredential');
    expect(ac.auth.application_credential_id).toBe('a1b2c3d4e5f64789a0b1c2d3e4f5a6b7');
  });
});
