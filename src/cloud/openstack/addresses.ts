// Server address derivation (public_v4, private_v4, public_v6, interface_ip), following
// openstacksdk's cloud/meta.py rules that Nodepool relies on. Pure.
import { isIP } from 'node:net';
import type { ServerAddresses } from '../provider.ts';

export interface NovaAddress {
  addr: string;
  version: number;
  'OS-EXT-IPS:type'?: string;
  'OS-EXT-IPS-MAC:mac_addr'?: string;
}
/** Nova's `addresses`: network name → addresses on it. */
export type NovaAddresses = Record<string, NovaAddress[]>;

export interface AddressSource {
  addresses?: NovaAddresses;
  accessIPv4?: string;
  accessIPv6?: string;
}

export interface AddressContext {
  /** Names of router:external networks when Neutron is present; null: no Neutron (nova-network rules). */
  externalNetworkNames: string[] | null;
  /** Networks openstacksdk counts as internal (not external, no provider:physical_network). */
  internalNetworkNames?: string[];
  /** Floating IPs Neutron has on the server's ports; Nova's cache may not list them yet. */
  floatingIps?: { address: string; fixedAddress: string | null }[];
  /** Connect over IPv6 when the server has a public one (openstacksdk: local IPv6 and not force_ipv4). */
  preferIpv6?: boolean;
  /**
   * Deviation from openstacksdk (which leaves interface_ip empty): when a server has no public
   * address, connect to its private one. Needed for loopback lab networks without floating IPs.
   */
  fallbackToPrivate?: boolean;
}

interface Filter { extTag?: string; network?: string; version: number; mac?: string }

function interfaces(addresses: NovaAddresses, f: Filter): NovaAddress[] {
  const out: NovaAddress[] = [];
  for (const [net, list] of Object.entries(addresses)) {
    if (f.network !== undefined && net !== f.network) continue;
    for (const a of list ?? []) {
      if (f.extTag !== undefined && a['OS-EXT-IPS:type'] !== f.extTag) continue;
      if (f.mac !== undefined && a['OS-EXT-IPS-MAC:mac_addr'] !== f.mac) continue;
      if (Number(a.version) === f.version) out.push(a);
    }
  }
  return out;
}

/** Floating addresses first, then fixed ones (openstacksdk find_nova_addresses); the first wins. */
function firstAddress(addresses: NovaAddresses, f: Filter): string | null {
  const found = interfaces(addresses, f);
  const floating = found.filter((a) => a['OS-EXT-IPS:type'] === 'floating');
  const fixed = found.filter((a) => a['OS-EXT-IPS:type'] !== 'floating');
  return [...floating, ...fixed][0]?.addr ?? null;
}

/** Adds Neutron floating IPs that Nova does not show yet, on the network of their fixed address. */
export function withSupplementalFloatingIps(addresses: NovaAddresses, fips: AddressContext['floatingIps']): NovaAddresses {
  const fixedToNetwork = new Map<string, string>();
  for (const [net, list] of Object.entries(addresses)) {
    for (const a of list ?? []) {
      if (Number(a.version) === 6) continue;
      if (a['OS-EXT-IPS:type'] === 'floating') return addresses;
      fixedToNetwork.set(a.addr, net);
    }
  }
  if (!fips || fips.length === 0) return addresses;
  const out: NovaAddresses = Object.fromEntries(Object.entries(addresses).map(([k, v]) => [k, [...(v ?? [])]]));
  for (const fip of fips) {
    const net = fip.fixedAddress ? fixedToNetwork.get(fip.fixedAddress) : undefined;
    if (net === undefined) continue;
    out[net].push({ addr: fip.address, version: 4, 'OS-EXT-IPS:type': 'floating' });
  }
  return out;
}

/** Python's ipaddress is_private for IPv4: RFC 1918, loopback, link-local, documentation, reserved. */
export function isPrivateIpv4(addr: string): boolean {
  if (isIP(addr) !== 4) return false;
  const [a, b, c] = addr.split('.').map(Number);
  return a === 0 || a === 10 || a === 127 || a >= 240 ||
    (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) ||
    (a === 192 && b === 0 && (c === 0 || c === 2)) || (a === 198 && (b === 18 || b === 19)) ||
    (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113);
}

function externalIpv4(src: AddressSource, addresses: NovaAddresses, ctx: AddressContext): string | null {
  if (src.accessIPv4) return src.accessIPv4;
  if (ctx.externalNetworkNames !== null) {
    // Neutron: a fixed address on an external network, else a floating IP, else nothing.
    for (const net of ctx.externalNetworkNames) {
      const ip = firstAddress(addresses, { network: net, version: 4 });
      if (ip) return ip;
    }
    return firstAddress(addresses, { extTag: 'floating', version: 4 });
  }
  const floating = firstAddress(addresses, { extTag: 'floating', version: 4 });
  if (floating) return floating;
  const onPublic = firstAddress(addresses, { network: 'public', version: 4 });
  if (onPublic) return onPublic;
  for (const list of Object.values(addresses)) {
    for (const a of list ?? []) {
      if (isIP(a.addr) === 4 && !isPrivateIpv4(a.addr)) return a.addr;
    }
  }
  return null;
}

function externalIpv6(src: AddressSource, addresses: NovaAddresses): string | null {
  if (src.accessIPv6) return src.accessIPv6;
  const v6 = interfaces(addresses, { version: 6 }).map((a) => a.addr).filter((a) => !/^fe[89ab]/i.test(a));
  return v6[0] ?? null;
}

function internalIpv4(addresses: NovaAddresses, ctx: AddressContext): string | null {
  // With a floating IP, the private address is the fixed one behind it (same MAC).
  const fipMac = interfaces(addresses, { extTag: 'floating', version: 4 })[0]?.['OS-EXT-IPS-MAC:mac_addr'];
  const internal = ctx.internalNetworkNames ?? [];
  for (const extTag of ['fixed', undefined]) {
    for (const network of internal) {
      const ip = firstAddress(addresses, { network, extTag, version: 4, mac: fipMac });
      if (ip) return ip;
    }
  }
  return firstAddress(addresses, { network: 'private', extTag: 'fixed', version: 4, mac: fipMac }) ??
    firstAddress(addresses, { network: 'private', version: 4 });
}

export function deriveAddresses(src: AddressSource, ctx: AddressContext): ServerAddresses {
  const addresses = withSupplementalFloatingIps(src.addresses ?? {}, ctx.floatingIps);
  const publicIpv4 = externalIpv4(src, addresses, ctx);
  const publicIpv6 = externalIpv6(src, addresses);
  // Nodepool: "private_ipv4 = private_v4 or public_v4" for backwards compatibility.
  const privateIpv4 = internalIpv4(addresses, ctx) ?? publicIpv4;
  let interfaceIp = ctx.preferIpv6 && publicIpv6 ? publicIpv6 : publicIpv4;
  if (!interfaceIp && ctx.fallbackToPrivate) interfaceIp = privateIpv4 ?? firstAddress(addresses, { extTag: 'fixed', version: 4 }) ?? firstAddress(addresses, { version: 4 });
  return { publicIpv4, privateIpv4, publicIpv6, interfaceIp: interfaceIp ?? null };
}
