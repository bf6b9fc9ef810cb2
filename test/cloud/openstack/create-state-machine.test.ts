// Create state machine decisions that the simulator cannot provoke: an ambiguous create failure
// (adopt, don't boot a twin) and a lab Neutron whose floating IPs stay DOWN (Nova shows them).
import { describe, expect, it } from 'vitest';
import { TransientError } from '../../../src/cloud/errors.ts';
import { OpenStackCreateStateMachine, type CreateContext } from '../../../src/cloud/openstack/create-state-machine.ts';
import type { NeutronFloatingIp } from '../../../src/cloud/openstack/neutron.ts';
import type { NovaServer } from '../../../src/cloud/openstack/nova.ts';
import { toServerInfo } from '../../../src/cloud/openstack/server-info.ts';
import { silentLogger } from '../../../src/util/logger.ts';
import { makeLabel, makePool, serverSpec } from '../contract/fixtures.ts';
import { InstantClock } from './helpers.ts';

function context(servers: NovaServer[], overrides: Partial<CreateContext> & { nova?: unknown; neutron?: unknown }): CreateContext {
  const clock = new InstantClock();
  const ctx = {
    clock,
    logger: silentLogger(),
    servers: async () => ({ data: servers, fetchedAt: clock.now() }),
    flavorFor: async () => ({ id: '1', name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1 }),
    imageFor: async () => 'img',
    networkIds: async () => ['net-1'],
    addressContext: async () => ({ externalNetworkNames: ['public'], internalNetworkNames: ['lab-loopback'], floatingNetworkId: 'ext-1', fallbackToPrivate: true }),
    toInfo: async (s: NovaServer, fips: NeutronFloatingIp[]) => toServerInfo(s, {
      externalNetworkNames: ['public'], internalNetworkNames: ['lab-loopback'], fallbackToPrivate: true,
      floatingIps: fips.map((f) => ({ address: f.floating_ip_address, fixedAddress: f.fixed_ip_address })),
    }, new Map(), null),
    invalidateCaches: () => undefined,
    floatingIpAttached: () => undefined,
    findByName: async (name: string) => servers.find((s) => s.name === name) ?? null,
    launchTimeoutMs: 3_600_000,
    ...overrides,
  };
  return ctx as CreateContext;
}

const active = (id: string, name: string, addresses: NovaServer['addresses'] = { 'lab-loopback': [{ addr: '127.42.0.5', version: 4, 'OS-EXT-IPS:type': 'fixed' }] }): NovaServer =>
  ({ id, name, status: 'ACTIVE', addresses, metadata: {}, flavor: { vcpus: 1, ram: 512 } });

describe('OpenStackCreateStateMachine', () => {
  it('after a create that failed ambiguously, adopts the server Nova made instead of booting a twin', async () => {
    const servers: NovaServer[] = [];
    const creates: string[] = [];
    const nova = {
      createServer: async (r: { name: string }) => {
        creates.push(r.name);
        // Nova made the server, but the answer was lost (gateway timeout).
        servers.push(active('s-1', r.name));
        throw new TransientError('compute POST /servers: 504 Gateway Timeout', { status: 504 });
      },
      getServer: async (id: string) => servers.find((s) => s.id === id) ?? null,
    };
    const sm = new OpenStackCreateStateMachine(serverSpec('np0000000007', makeLabel(), makePool(), 'img'), context(servers, { nova: nova as never }));
    await expect(sm.advance()).rejects.toBeInstanceOf(TransientError);
    expect(sm.state).toBe('start');
    await sm.advance();
    expect(sm.externalId).toBe('s-1');
    const info = await sm.advance();
    expect(creates).toEqual(['np0000000007']);
    expect(info).toMatchObject({ externalId: 's-1', status: 'ACTIVE', privateIpv4: '127.42.0.5', interfaceIp: '127.42.0.5' });
  });

  it('completes a floating IP that stays DOWN once Nova lists it on the server (Neutron without L3 agent)', async () => {
    const server = active('s-2', 'np0000000008');
    const fip: NeutronFloatingIp = { id: 'f-1', floating_ip_address: '203.0.113.7', floating_network_id: 'ext-1', port_id: 'p-1', fixed_ip_address: '127.42.0.5', status: 'DOWN' };
    const created: string[] = [];
    const neutron = {
      listPorts: async () => [{ id: 'p-1', network_id: 'n', device_id: 's-2', device_owner: 'compute:nova', status: 'ACTIVE', fixed_ips: [{ ip_address: '127.42.0.5' }] }],
      createFloatingIp: async (net: string, port: string) => {
        created.push(`${net}/${port}`);
        return fip;
      },
      getFloatingIp: async () => fip,
    };
    const nova = { createServer: async () => 's-2', getServer: async () => server };
    const sm = new OpenStackCreateStateMachine(
      serverSpec('np0000000008', makeLabel(), makePool({ autoFloatingIp: true }), 'img'),
      context([server], { nova: nova as never, neutron: neutron as never }),
    );
    await sm.advance(); // submit
    expect(await sm.advance()).toBeNull(); // ACTIVE, no public address: FIP created
    expect(created).toEqual(['ext-1/p-1']);
    expect(sm.state).toBe('creating floating ip');
    expect(await sm.advance()).toBeNull(); // DOWN and not yet on the server
    server.addresses!['lab-loopback'].push({ addr: '203.0.113.7', version: 4, 'OS-EXT-IPS:type': 'floating' });
    const info = await sm.advance();
    expect(sm.complete).toBe(true);
    expect(info).toMatchObject({ publicIpv4: '203.0.113.7', privateIpv4: '127.42.0.5', interfaceIp: '203.0.113.7' });
  });
});
