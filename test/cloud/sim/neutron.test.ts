import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../src/cloud/sim/server.ts';
import { SimApi } from './sim-client.ts';

describe('simulator Neutron v2.0', () => {
  let sim: RunningSimulator;
  let api: SimApi;
  let imageId: string;
  beforeAll(async () => {
    sim = await startSimulator({ config: { buildDelayMs: 0, deleteDelayMs: 0, ssh: { enabled: false } } });
    api = await SimApi.login(sim);
    imageId = await api.activeImage();
  });
  afterAll(() => sim.close());

  it('has private, lab-loopback and an external public network', async () => {
    const all = (await api.call('GET', '/network/v2.0/networks')).body.networks;
    expect(all.map((n: { name: string }) => n.name).sort()).toEqual(['lab-loopback', 'private', 'public']);
    const external = (await api.call('GET', '/network/v2.0/networks?router:external=true')).body.networks;
    expect(external).toHaveLength(1);
    expect(external[0]).toMatchObject({ name: 'public', 'router:external': true, status: 'ACTIVE' });
    const subnets = (await api.call('GET', '/network/v2.0/subnets')).body.subnets;
    expect(subnets.every((s: { cidr: string }) => s.cidr.startsWith('127.'))).toBe(true);
  });

  it('gives each server an ACTIVE port, and a floating IP that shows up in its addresses', async () => {
    const server = (await api.createServer('fip-test', imageId, { networks: [{ uuid: await api.networkId('lab-loopback') }] })).body.server;
    const ports = (await api.call('GET', `/network/v2.0/ports?device_id=${server.id}`)).body.ports;
    expect(ports).toHaveLength(1);
    expect(ports[0]).toMatchObject({ status: 'ACTIVE', device_owner: 'compute:nova', device_id: server.id });
    const publicNet = await api.networkId('public');
    const created = await api.call('POST', '/network/v2.0/floatingips', { floatingip: { floating_network_id: publicNet, port_id: ports[0].id } });
    expect(created.status).toBe(201);
    const fip = created.body.floatingip;
    expect(fip).toMatchObject({ status: 'ACTIVE', port_id: ports[0].id, fixed_ip_address: ports[0].fixed_ips[0].ip_address });
    expect(fip.floating_ip_address).toMatch(/^127\./);
    const shown = (await api.call('GET', `/compute/v2.1/servers/${server.id}`)).body.server;
    const addrs = shown.addresses['lab-loopback'];
    expect(addrs.map((a: Record<string, string>) => a['OS-EXT-IPS:type'])).toEqual(['fixed', 'floating']);
    expect(addrs[1].addr).toBe(fip.floating_ip_address);
    const byAddress = (await api.call('GET', `/network/v2.0/floatingips?floating_ip_address=${fip.floating_ip_address}`)).body.floatingips;
    expect(byAddress.map((f: { id: string }) => f.id)).toEqual([fip.id]);

    const detached = await api.call('PUT', `/network/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: null } });
    expect(detached.body.floatingip).toMatchObject({ port_id: null, status: 'DOWN' });
    const reattached = await api.call('PUT', `/network/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: ports[0].id } });
    expect(reattached.body.floatingip.status).toBe('ACTIVE');
    // Deleting the server leaves the FIP, now unattached, as Neutron does.
    await api.call('DELETE', `/compute/v2.1/servers/${server.id}`);
    const after = (await api.call('GET', `/network/v2.0/floatingips/${fip.id}`)).body.floatingip;
    expect(after.port_id).toBeNull();
    expect((await api.call('DELETE', `/network/v2.0/floatingips/${fip.id}`)).status).toBe(204);
    const missing = await api.call('GET', `/network/v2.0/floatingips/${fip.id}`);
    expect(missing.status).toBe(404);
    expect(missing.body.NeutronError.type).toBe('FloatingIPNotFound');
  });

  it('lists injected DOWN ports and unattached floating IPs for leak cleanup, and deletes them', async () => {
    const port = sim.admin.createDownPort({ deviceOwner: 'compute:nova' });
    const fip = await sim.admin.createFloatingIp();
    const down = (await api.call('GET', '/network/v2.0/ports?status=DOWN')).body.ports;
    expect(down.map((p: { id: string }) => p.id)).toContain(port.id);
    const unattached = (await api.call('GET', '/network/v2.0/floatingips')).body.floatingips.filter((f: { port_id: string | null }) => f.port_id === null);
    expect(unattached.map((f: { id: string }) => f.id)).toContain(fip.id);
    expect((await api.call('DELETE', `/network/v2.0/ports/${port.id}`)).status).toBe(204);
    expect((await api.call('DELETE', `/network/v2.0/floatingips/${fip.id}`)).status).toBe(204);
    const state = await sim.admin.state();
    expect(state.ports.find((p) => p.id === port.id)).toBeUndefined();
    expect(state.floatingIps.find((f) => f.id === fip.id)).toBeUndefined();
  });

  it('refuses a floating IP on a non-external network', async () => {
    const r = await api.call('POST', '/network/v2.0/floatingips', { floatingip: { floating_network_id: await api.networkId('private') } });
    expect(r.status).toBe(400);
    expect(r.body.NeutronError.message).toContain('is not a valid external network');
  });
});
