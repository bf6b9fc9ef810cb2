// Address derivation: openstacksdk's public_v4 / private_v4 / public_v6 / interface_ip rules.
import { describe, expect, it } from 'vitest';
import { deriveAddresses, isPrivateIpv4, type NovaAddresses } from '../../../src/cloud/openstack/addresses.ts';

const fixed = (addr: string, mac = 'fa:16:3e:00:00:01') => ({ addr, version: addr.includes(':') ? 6 : 4, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': mac });
const floating = (addr: string, mac = 'fa:16:3e:00:00:01') => ({ addr, version: 4, 'OS-EXT-IPS:type': 'floating', 'OS-EXT-IPS-MAC:mac_addr': mac });
const neutron = { externalNetworkNames: ['public'], internalNetworkNames: ['private', 'lab-loopback'] };

describe('deriveAddresses', () => {
  it('tenant network plus floating IP: public is the FIP, private the fixed address behind it', () => {
    const addresses: NovaAddresses = { private: [fixed('10.0.0.5'), floating('203.0.113.10')] };
    expect(deriveAddresses({ addresses }, neutron)).toEqual({
      publicIpv4: '203.0.113.10', privateIpv4: '10.0.0.5', publicIpv6: null, interfaceIp: '203.0.113.10',
    });
  });

  it('a fixed address on an external network is public', () => {
    const addresses: NovaAddresses = { public: [fixed('198.51.100.7')], private: [fixed('10.0.0.9')] };
    expect(deriveAddresses({ addresses }, neutron)).toMatchObject({ publicIpv4: '198.51.100.7', privateIpv4: '10.0.0.9', interfaceIp: '198.51.100.7' });
  });

  it('with Neutron, a routable fixed address on a tenant network is not public (openstacksdk)', () => {
    const addresses: NovaAddresses = { private: [fixed('8.8.4.4')] };
    expect(deriveAddresses({ addresses }, neutron).publicIpv4).toBeNull();
  });

  it('without Neutron: floating, then a network named public, then any globally routable IPv4', () => {
    expect(deriveAddresses({ addresses: { net: [fixed('10.1.1.1'), fixed('8.8.8.8')] } }, { externalNetworkNames: null }).publicIpv4).toBe('8.8.8.8');
    expect(deriveAddresses({ addresses: { public: [{ addr: '10.9.9.9', version: 4 }] } }, { externalNetworkNames: null }).publicIpv4).toBe('10.9.9.9');
    expect(deriveAddresses({ addresses: { net: [fixed('10.1.1.1')] } }, { externalNetworkNames: null }).publicIpv4).toBeNull();
  });

  it('adds a Neutron floating IP Nova does not show yet', () => {
    const addresses: NovaAddresses = { 'lab-loopback': [fixed('127.42.0.5')] };
    const r = deriveAddresses({ addresses }, { ...neutron, floatingIps: [{ address: '203.0.113.20', fixedAddress: '127.42.0.5' }] });
    expect(r).toMatchObject({ publicIpv4: '203.0.113.20', privateIpv4: '127.42.0.5', interfaceIp: '203.0.113.20' });
  });

  it('accessIPv4/v6 win when set', () => {
    const r = deriveAddresses({ addresses: { private: [fixed('10.0.0.5')] }, accessIPv4: '192.0.2.50', accessIPv6: '2001:db8::5' }, neutron);
    expect(r).toMatchObject({ publicIpv4: '192.0.2.50', publicIpv6: '2001:db8::5' });
  });

  it('public_v6 skips link-local addresses; interface_ip prefers it only when asked', () => {
    const addresses: NovaAddresses = { public: [fixed('fe80::1'), fixed('2001:db8::7'), fixed('198.51.100.8')] };
    expect(deriveAddresses({ addresses }, neutron)).toMatchObject({ publicIpv6: '2001:db8::7', interfaceIp: '198.51.100.8' });
    expect(deriveAddresses({ addresses }, { ...neutron, preferIpv6: true }).interfaceIp).toBe('2001:db8::7');
  });

  it('no public address: private_v4 falls back into public per nodepool, interface_ip only with the fallback', () => {
    const addresses: NovaAddresses = { 'lab-loopback': [fixed('127.42.0.9')] };
    expect(deriveAddresses({ addresses }, neutron)).toEqual({ publicIpv4: null, privateIpv4: '127.42.0.9', publicIpv6: null, interfaceIp: null });
    expect(deriveAddresses({ addresses }, { ...neutron, fallbackToPrivate: true }).interfaceIp).toBe('127.42.0.9');
  });

  it('old nova-network records without type tags still work on the private network', () => {
    const r = deriveAddresses({ addresses: { private: [{ addr: '10.2.2.2', version: 4 }], public: [{ addr: '203.0.113.3', version: 4 }] } }, { externalNetworkNames: null });
    expect(r).toMatchObject({ privateIpv4: '10.2.2.2', publicIpv4: '203.0.113.3' });
  });

  it('no addresses at all', () => {
    expect(deriveAddresses({}, { ...neutron, fallbackToPrivate: true })).toEqual({ publicIpv4: null, privateIpv4: null, publicIpv6: null, interfaceIp: null });
  });
});

describe('isPrivateIpv4', () => {
  it('matches Python ipaddress.is_private for the common ranges', () => {
    for (const a of ['10.0.0.1', '127.42.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.1.1', '192.0.2.1', '203.0.113.9', '198.51.100.1']) expect(isPrivateIpv4(a)).toBe(true);
    for (const a of ['8.8.8.8', '172.32.0.1', '203.0.114.1', '192.0.3.1', '100.64.0.1']) expect(isPrivateIpv4(a)).toBe(false);
  });
});
