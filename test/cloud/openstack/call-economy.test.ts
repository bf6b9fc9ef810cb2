// Cloud calls proportional to work (issue 13): a cloud image is looked up once for every launch
// that uses it, and a server without a floating IP is deleted without asking Neutron anything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLabel, makePool, runCreate, runDelete, serverSpec } from '../contract/fixtures.ts';
import { startHarness, type SimHarness } from './sim-harness.ts';

async function calls(h: SimHarness): Promise<Record<string, number>> {
  return ((await (await fetch(`${h.sim.url}/_admin/api-calls`)).json()) as { calls: Record<string, number> }).calls;
}
const delta = (a: Record<string, number>, b: Record<string, number>, key: (k: string) => boolean) =>
  Object.keys(b).filter(key).reduce((n, k) => n + b[k] - (a[k] ?? 0), 0);

describe('cloud calls per launch and delete', () => {
  let h: SimHarness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('looks a cloud image up once for many launches', async () => {
    const p = await h.provider();
    const before = await calls(h);
    const label = makeLabel({ flavorName: 'm1.tiny' });
    const servers = await Promise.all([1, 2, 3].map((i) =>
      runCreate(p.createServer(serverSpec(`np000000010${i}`, label, makePool({ networks: ['private'] }), null, { imageName: 'boot' })), { intervalMs: 20 })));
    expect(await p.cachedImage('boot')).not.toBeNull();
    const after = await calls(h);
    expect(delta(before, after, (k) => k.startsWith('GET /image/'))).toBe(1);
    for (const s of servers) await runDelete(p.deleteServer(s.externalId), { intervalMs: 20 });
  });

  it('remembers a missing cloud image as missing for a while', async () => {
    const p = await h.provider();
    const before = await calls(h);
    expect(await p.cachedImage('no-such-image')).toBeNull();
    expect(await p.cachedImage('no-such-image')).toBeNull();
    const after = await calls(h);
    // By name (a list), then by id (a get): one lookup, not two.
    expect(delta(before, after, (k) => k.startsWith('GET /image/'))).toBe(2);
  });

  it('deletes a server without a floating IP with no Neutron call, and one with a floating IP with its address', async () => {
    const p = await h.provider();
    const label = makeLabel({ flavorName: 'm1.tiny' });
    const plain = await runCreate(p.createServer(serverSpec('np0000000201', label, makePool({ networks: ['private'] }), h.bootImageId)), { intervalMs: 20 });
    const withFip = await runCreate(p.createServer(serverSpec('np0000000202', label, makePool({ autoFloatingIp: true, networks: ['private'] }), h.bootImageId)), { intervalMs: 20 });
    expect(withFip.publicIpv4).toBeTruthy();

    let before = await calls(h);
    await runDelete(p.deleteServer(plain.externalId), { intervalMs: 20 });
    let after = await calls(h);
    expect(delta(before, after, (k) => k.includes('/network/'))).toBe(0);

    before = await calls(h);
    await runDelete(p.deleteServer(withFip.externalId), { intervalMs: 20 });
    after = await calls(h);
    // The floating IP it attached is remembered: deleted without a lookup, even if Nova lags.
    expect(delta(before, after, (k) => k.startsWith('GET') && k.includes('/floatingips'))).toBe(0);
    expect(delta(before, after, (k) => k.startsWith('DELETE') && k.includes('/floatingips'))).toBe(1);
    expect(delta(before, after, (k) => k.includes('/ports'))).toBe(0);
    expect((await h.sim.admin.state()).floatingIps).toEqual([]);
  });

  it('after a restart, deletes a floating IP Nova shows with one lookup by its address', async () => {
    const label = makeLabel({ flavorName: 'm1.tiny' });
    const withFip = await runCreate((await h.provider()).createServer(serverSpec('np0000000203', label, makePool({ autoFloatingIp: true, networks: ['private'] }), h.bootImageId)), { intervalMs: 20 });
    expect(withFip.publicIpv4).toBeTruthy();
    const restarted = await h.provider();
    const before = await calls(h);
    await runDelete(restarted.deleteServer(withFip.externalId), { intervalMs: 20 });
    const after = await calls(h);
    expect(delta(before, after, (k) => k.startsWith('GET') && k.includes('/floatingips'))).toBe(1);
    expect(delta(before, after, (k) => k.startsWith('DELETE') && k.includes('/floatingips'))).toBe(1);
    expect(delta(before, after, (k) => k.includes('/ports'))).toBe(0);
    expect((await h.sim.admin.state()).floatingIps).toEqual([]);
});
});
