import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/util/clock.ts';
import { startSimulator, type RunningSimulator } from '../../../src/cloud/sim/server.ts';
import { SimApi } from './sim-client.ts';

describe('simulator fault injection', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 8, 0, 0));
  let sim: RunningSimulator;
  let api: SimApi;
  let imageId: string;
  beforeAll(async () => {
    sim = await startSimulator({ clock, config: { buildDelayMs: 1000, deleteDelayMs: 0, tokenTtlSeconds: 864_000, ssh: { enabled: false } } });
    api = await SimApi.login(sim);
    imageId = await api.activeImage();
  });
  afterAll(() => sim.close());

  const statusOf = async (id: string) => (await api.call('GET', `/compute/v2.1/servers/${id}`)).body.server;

  it('adds latency to every request', async () => {
    sim.admin.setFaults({ latencyMs: 150 });
    const started = performance.now();
    await api.call('GET', '/compute/v2.1/flavors');
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    sim.admin.clearFaults();
  });

  it('fails a seeded, reproducible fraction of requests per service with 503', async () => {
    const outcomes = async () => {
      const s = await startSimulator({ config: { seed: 7, ssh: { enabled: false }, faults: { errorRate: { compute: 0.3 } } } });
      const a = await SimApi.login(s);
      const seq: number[] = [];
      for (let i = 0; i < 60; i++) seq.push((await a.call('GET', '/compute/v2.1/flavors')).status);
      // Other services are untouched.
      const image = await a.call('GET', '/image/v2/images');
      await s.close();
      return { seq, image: image.status };
    };
    const first = await outcomes();
    const second = await outcomes();
    expect(first.seq).toEqual(second.seq);
    const failures = first.seq.filter((s) => s === 503).length;
    expect(failures).toBeGreaterThan(5);
    expect(failures).toBeLessThan(35);
    expect(first.seq.every((s) => s === 503 || s === 200)).toBe(true);
    expect(first.image).toBe(200);
  });

  it('answers 429 with Retry-After for the next N requests', async () => {
    sim.admin.setFaults({ rateLimit: { count: 2, retryAfterSeconds: 3, service: 'compute' } });
    const a = await api.call('GET', '/compute/v2.1/servers');
    const b = await api.call('GET', '/compute/v2.1/servers');
    const c = await api.call('GET', '/compute/v2.1/servers');
    expect([a.status, b.status, c.status]).toEqual([429, 429, 200]);
    expect(a.headers.get('retry-after')).toBe('3');
  });

  it('fails the next N creates with the quota fault', async () => {
    sim.admin.setFaults({ quotaFailNextCreates: 1 });
    const r = await api.createServer('q', imageId);
    expect(r.status).toBe(403);
    expect(r.body.forbidden.message).toBe('Quota exceeded for instances: Requested 1, but already used 10 of 10 instances');
    expect((await api.createServer('ok', imageId)).status).toBe(202);
  });

  it('ends servers in ERROR with a fault, plain or quota-flavoured', async () => {
    sim.admin.setFaults({ errorServers: { count: 1 } });
    const plain = (await api.createServer('err', imageId)).body.server.id;
    sim.admin.setFaults({ errorServers: { count: 1, quota: true } });
    const quota = (await api.createServer('errq', imageId)).body.server.id;
    expect((await statusOf(plain)).status).toBe('BUILD');
    await clock.advance(1000);
    const p = await statusOf(plain);
    expect(p.status).toBe('ERROR');
    expect(p.fault).toMatchObject({ code: 500, message: 'No valid host was found. ' });
    const q = await statusOf(quota);
    expect(q.fault.message).toMatch(/exceeds.*quota/);
    const console = await api.call('POST', `/compute/v2.1/servers/${plain}/action`, { 'os-getConsoleOutput': {} });
    expect(console.status).toBe(409);
    expect(console.body.conflictingRequest.message).toBe(`Instance ${plain} is not ready`);
  });

  it('keeps stuck servers in BUILD and undeletable servers listed', async () => {
    sim.admin.setFaults({ stuckServers: 1, undeletableServers: 1 });
    const stuck = (await api.createServer('stuck', imageId)).body.server.id;
    await clock.advance(3_600_000);
    expect((await statusOf(stuck)).status).toBe('BUILD');
    expect((await api.call('DELETE', `/compute/v2.1/servers/${stuck}`)).status).toBe(204);
    await clock.advance(3_600_000);
    expect((await statusOf(stuck))['OS-EXT-STS:task_state']).toBe('deleting');
  });

  it('creates the server but loses the response when asked', async () => {
    sim.admin.setFaults({ lostCreateResponses: 1 });
    const r = await api.createServer('np-lost', imageId);
    expect(r.status).toBe(503);
    const found = (await api.call('GET', '/compute/v2.1/servers/detail?name=^np-lost$')).body.servers;
    expect(found).toHaveLength(1);
    expect((await api.createServer('np-after', imageId)).status).toBe(202);
  });

  it('throttles uploads to the configured rate', async () => {
    sim.admin.setFaults({ uploadBytesPerSecond: 1_000_000 });
    const started = performance.now();
    await api.activeImage('slow', Buffer.alloc(500_000));
    expect(performance.now() - started).toBeGreaterThanOrEqual(450);
    sim.admin.clearFaults();
  });

  it('expires all tokens on demand', async () => {
    const other = await SimApi.login(sim);
    expect(sim.admin.expireTokens()).toBeGreaterThan(0);
    expect((await other.call('GET', '/compute/v2.1/servers')).status).toBe(401);
    api = await SimApi.login(sim);
  });

  it('injects leaked servers and kills servers', async () => {
    const leaked = await sim.admin.injectServer({ name: 'np0000099999', metadata: { nodepool_provider_name: 'sim', nodepool_node_id: '0000099999' } });
    const listed = (await api.call('GET', '/compute/v2.1/servers/detail?name=np0000099999')).body.servers;
    expect(listed).toHaveLength(1);
    expect(listed[0].metadata).toMatchObject({ nodepool_node_id: '0000099999' });
    await clock.advance(1000);
    const killed = await sim.admin.killServer(leaked.id);
    expect(killed.status).toBe('SHUTOFF');
    expect((await statusOf(leaked.id)).status).toBe('SHUTOFF');
  });

  it('takes faults over the admin REST endpoint and rejects bad ones', async () => {
    const post = await fetch(`${sim.url}/_admin/faults`, { method: 'POST', body: JSON.stringify({ quotaFailNextCreates: 2 }) });
    expect(post.status).toBe(200);
    expect(((await post.json()) as any).faults.quotaFailNextCreates).toBe(2);
    const bad = await fetch(`${sim.url}/_admin/faults`, { method: 'POST', body: JSON.stringify({ errorRate: { compute: 2 }, typo: 1 }) });
    expect(bad.status).toBe(400);
    const text = await bad.text();
    expect(text).toContain('errorRate.compute must be between 0 and 1');
    expect(text).toContain('unknown fault typo');
    expect((await fetch(`${sim.url}/_admin/faults`, { method: 'DELETE' })).status).toBe(200);
    const state = (await (await fetch(`${sim.url}/_admin/state`)).json()) as any;
    expect(state.faults).toEqual({});
    expect(state.servers.length).toBeGreaterThan(0);
    expect(Object.keys(state)).toEqual(expect.arrayContaining(['servers', 'images', 'ports', 'floatingIps', 'quotas', 'usage']));
  });
});
