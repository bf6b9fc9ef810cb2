import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../src/cloud/sim/server.ts';
import { SimApi } from './sim-client.ts';

// The benchmark reads cloud API calls per node from these counters: they must count each
// answered call once, by route (not by id), and leave the admin back door out.
describe('simulator API-call counters', () => {
  let sim: RunningSimulator;
  let api: SimApi;
  beforeAll(async () => {
    sim = await startSimulator({ config: { buildDelayMs: 0, deleteDelayMs: 0, ssh: { enabled: false } } });
    api = await SimApi.login(sim);
  });
  afterAll(() => sim.close());

  it('counts answered calls by method and route template', async () => {
    const before = ((await (await fetch(`${sim.url}/_admin/api-calls`)).json()) as { calls: Record<string, number> }).calls;
    await api.call('GET', '/compute/v2.1/flavors');
    await api.call('GET', '/compute/v2.1/flavors');
    const list = await api.call('GET', '/compute/v2.1/servers/detail');
    expect(list.status).toBe(200);
    await api.call('GET', '/compute/v2.1/servers/no-such-server');
    await fetch(`${sim.url}/_admin/state`);
    const after = ((await (await fetch(`${sim.url}/_admin/api-calls`)).json()) as { calls: Record<string, number> }).calls;
    const delta = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
    expect(delta('GET /compute/v2.1/flavors')).toBe(2);
    expect(delta('GET /compute/v2.1/servers/detail')).toBe(1);
    // A 404 from a handler still reached the cloud's API: counted under its route.
    expect(delta('GET /compute/v2.1/servers/:id')).toBe(1);
    expect(Object.keys(after).some((k) => k.includes('_admin'))).toBe(false);
    // Token issue happened at login: Keystone calls are counted too.
    expect(after['POST /identity/v3/auth/tokens']).toBeGreaterThanOrEqual(1);
  });
});
