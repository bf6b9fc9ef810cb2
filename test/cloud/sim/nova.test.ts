import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/util/clock.ts';
import { startSimulator, type RunningSimulator } from '../../../src/cloud/sim/server.ts';
import { SimApi } from './sim-client.ts';

describe('simulator Nova', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 8, 0, 0));
  let sim: RunningSimulator;
  let api: SimApi;
  let imageId: string;
  beforeAll(async () => {
    sim = await startSimulator({ clock, config: { buildDelayMs: 5000, deleteDelayMs: 1000, ssh: { enabled: false }, quotas: { instances: 3, cores: 100, ram: 100000 } } });
    api = await SimApi.login(sim);
    imageId = await api.activeImage();
  });
  afterAll(() => sim.close());

  async function deleteAll() {
    for (const s of (await api.call('GET', '/compute/v2.1/servers')).body.servers) await api.call('DELETE', `/compute/v2.1/servers/${s.id}`);
    await clock.advance(1001);
  }
  afterEach(deleteAll);

  it('creates a server that goes BUILD then ACTIVE after the build delay, with loopback fixed addresses', async () => {
    const created = await api.createServer('np0000000001', imageId, {
      metadata: { nodepool_node_id: '0000000001', nodepool_provider_name: 'sim' },
      availability_zone: 'nova',
      security_groups: [{ name: 'default' }],
      user_data: Buffer.from('#!/bin/sh\n').toString('base64'),
      config_drive: true,
    });
    expect(created.status).toBe(202);
    expect(created.headers.get('location')).toBe(`${sim.url}/compute/v2.1/servers/${created.body.server.id}`);
    const id = created.body.server.id;
    const show = async () => (await api.call('GET', `/compute/v2.1/servers/${id}`, undefined, { 'OpenStack-API-Version': 'compute 2.53' })).body.server;
    const building = await show();
    expect(building.status).toBe('BUILD');
    expect(building['OS-EXT-STS:task_state']).toBe('spawning');
    await clock.advance(5000);
    const active = await show();
    expect(active.status).toBe('ACTIVE');
    expect(active['OS-EXT-AZ:availability_zone']).toBe('nova');
    expect(active.metadata).toEqual({ nodepool_node_id: '0000000001', nodepool_provider_name: 'sim' });
    expect(active.config_drive).toBe('True');
    expect(active.hostId).toMatch(/^[0-9a-f]{56}$/);
    const [addr] = active.addresses.private;
    expect(addr['OS-EXT-IPS:type']).toBe('fixed');
    expect(addr.addr).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(active.flavor).toMatchObject({ original_name: 'm1.tiny', vcpus: 1, ram: 512 });
    const detail = await api.call('GET', '/compute/v2.1/servers/detail', undefined, { 'OpenStack-API-Version': 'compute 2.53' });
    expect(detail.headers.get('openstack-api-version')).toBe('compute 2.53');
  });

  it('refuses with Nova\'s exact quota fault text when instances run out', async () => {
    for (let i = 0; i < 3; i++) expect((await api.createServer(`q${i}`, imageId)).status).toBe(202);
    const r = await api.createServer('q3', imageId);
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ forbidden: { code: 403, message: 'Quota exceeded for instances: Requested 1, but already used 3 of 3 instances' } });
    const limits = (await api.call('GET', '/compute/v2.1/limits')).body.limits.absolute;
    expect(limits).toMatchObject({ maxTotalInstances: 3, totalInstancesUsed: 3, totalCoresUsed: 3, totalRAMUsed: 1536, maxTotalCores: 100 });
  });

  it('names every resource over quota, as Nova does', async () => {
    sim.admin.setQuotas({ instances: 10, cores: 1, ram: 600 });
    const r = await api.call('POST', '/compute/v2.1/servers', { server: { name: 'big', imageRef: imageId, flavorRef: '3', networks: [{ uuid: await api.networkId('private') }] } });
    expect(r.status).toBe(403);
    expect(r.body.forbidden.message).toBe('Quota exceeded for cores, ram: Requested 2, 4096, but already used 0, 0 of 1, 600 cores, ram');
    sim.admin.setQuotas({ instances: 3, cores: 100, ram: 100000 });
  });

  it('deletes: the server stays listed as deleting, then is gone with its ports', async () => {
    const id = (await api.createServer('del', imageId)).body.server.id;
    expect((await api.call('DELETE', `/compute/v2.1/servers/${id}`)).status).toBe(204);
    const during = await api.call('GET', `/compute/v2.1/servers/${id}`);
    expect(during.body.server['OS-EXT-STS:task_state']).toBe('deleting');
    await clock.advance(1000);
    const after = await api.call('GET', `/compute/v2.1/servers/${id}`);
    expect(after.status).toBe(404);
    expect(after.body.itemNotFound.message).toBe(`Instance ${id} could not be found.`);
    const ports = await api.call('GET', `/network/v2.0/ports?device_id=${id}`);
    expect(ports.body.ports).toEqual([]);
  });

  it('filters the server list by name regex and status', async () => {
    await api.createServer('alpha-1', imageId);
    await clock.advance(5000);
    await api.createServer('alpha-2', imageId);
    await api.createServer('beta-1', imageId);
    const names = async (q: string) => (await api.call('GET', `/compute/v2.1/servers/detail?${q}`)).body.servers.map((s: { name: string }) => s.name).sort();
    expect(await names('name=^alpha')).toEqual(['alpha-1', 'alpha-2']);
    expect(await names('status=ACTIVE')).toEqual(['alpha-1']);
    expect(await names('status=BUILD&name=beta')).toEqual(['beta-1']);
  });

  it('rejects bad requests with Nova\'s error shapes', async () => {
    expect((await api.call('POST', '/compute/v2.1/servers', { server: { name: 'x', imageRef: imageId, flavorRef: '999', networks: 'none' } })).body.badRequest.message).toBe('Flavor 999 could not be found.');
    expect((await api.createServer('x', 'no-such-image')).status).toBe(400);
    expect((await api.createServer('x', imageId, { key_name: 'missing' })).body.badRequest.message).toBe('Invalid key_name provided.');
    const ambiguous = await api.call('POST', '/compute/v2.1/servers', { server: { name: 'x', imageRef: imageId, flavorRef: '1' } });
    expect(ambiguous.status).toBe(409);
    const tooNew = await api.call('GET', '/compute/v2.1/servers', undefined, { 'OpenStack-API-Version': 'compute 2.999' });
    expect(tooNew.status).toBe(406);
    expect((await api.call('GET', '/compute/v2.1/servers/nope')).status).toBe(404);
  });

  it('lists flavors, availability zones and console output, and imports keypairs', async () => {
    const flavors = (await api.call('GET', '/compute/v2.1/flavors/detail')).body.flavors;
    expect(flavors.find((f: { name: string }) => f.name === 'm1.small')).toMatchObject({ ram: 2048, vcpus: 1, disk: 20 });
    const az = (await api.call('GET', '/compute/v2.1/os-availability-zone')).body;
    expect(az.availabilityZoneInfo).toEqual([{ zoneName: 'nova', zoneState: { available: true }, hosts: null }]);
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBw8qAYd1Q0m8l5zF4ZpFJ8f0H9b2oQ2E3nUq1mY0v2R test';
    const kp = await api.call('POST', '/compute/v2.1/os-keypairs', { keypair: { name: 'nodepool', public_key: key } }, { 'OpenStack-API-Version': 'compute 2.2' });
    expect(kp.status).toBe(201);
    expect(kp.body.keypair.fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    expect((await api.call('POST', '/compute/v2.1/os-keypairs', { keypair: { name: 'nodepool', public_key: key } })).status).toBe(409);
    const list = (await api.call('GET', '/compute/v2.1/os-keypairs')).body.keypairs;
    expect(list.map((k: { keypair: { name: string } }) => k.keypair.name)).toEqual(['nodepool']);
    const id = (await api.createServer('console', imageId, { key_name: 'nodepool' })).body.server.id;
    const out = await api.call('POST', `/compute/v2.1/servers/${id}/action`, { 'os-getConsoleOutput': { length: 1 } });
    expect(out.status).toBe(200);
    expect(out.body.output).toBe('login: ');
  });

  it('paginates 10,000 servers with limit/marker and servers_links', async () => {
    sim.admin.setQuotas({ instances: -1, cores: -1, ram: -1 });
    for (let i = 0; i < 10_000; i++) await sim.admin.injectServer({ name: `bulk-${i}`, metadata: { nodepool_node_id: String(i) } });
    const seen = new Set<string>();
    let url: string | null = `/compute/v2.1/servers/detail?limit=1000`;
    let pages = 0;
    while (url && pages < 20) {
      const r: { body: { servers: { id: string }[]; servers_links?: { rel: string; href: string }[] } } = await api.call('GET', url);
      for (const s of r.body.servers) seen.add(s.id);
      pages++;
      url = r.body.servers_links?.find((l) => l.rel === 'next')?.href ?? null;
    }
    expect(seen.size).toBe(10_000);
    // Like Nova, a full last page still carries a next link, whose page is empty.
    expect(pages).toBe(11);
    const defaultPage = await api.call('GET', '/compute/v2.1/servers/detail');
    expect(defaultPage.body.servers.length).toBe(1000);
    const badMarker = await api.call('GET', '/compute/v2.1/servers/detail?marker=nope');
    expect(badMarker.status).toBe(400);
  }, 120_000);
});
