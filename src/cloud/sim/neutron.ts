// Neutron v2.0: networks, subnets, ports, floating IPs, security groups.
import { randomUUID } from 'node:crypto';
import type { SimCloud } from './cloud.ts';
import { HttpError, isoTime, readJson, requireObject, sendEmpty, sendJson, type RequestContext } from './http.ts';
import { route, type Route } from './router.ts';
import { allocateAddress } from './state.ts';
import type { FloatingIpRecord, NetworkRecord, PortRecord } from './types.ts';

export function neutronRoutes(sim: SimCloud): Route[] {
  return [
    route('GET', '', (ctx) => sendJson(ctx, 200, { versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ rel: 'self', href: `${ctx.rootUrl}/network/v2.0/` }] }] })),
    route('GET', '/v2.0', (ctx) => sendJson(ctx, 200, { resources: ['networks', 'subnets', 'ports', 'floatingips'].map((n) => ({ name: n.replace(/s$/, ''), collection: n, links: [{ rel: 'self', href: `${ctx.baseUrl}/v2.0/${n}` }] })) })),
    route('GET', '/v2.0/extensions', (ctx) => sendJson(ctx, 200, { extensions: ['router', 'external-net', 'binding', 'security-group', 'port-security', 'standard-attr-tag'].map((alias) => ({ alias, name: alias, description: '', links: [], updated: '2013-01-01T00:00:00-00:00' })) })),
    route('GET', '/v2.0/networks', (ctx) => sendJson(ctx, 200, { networks: filtered(Object.values(sim.data.networks).map((n) => networkView(sim, n)), ctx) })),
    route('GET', '/v2.0/networks/:id', (ctx, [id]) => sendJson(ctx, 200, { network: networkView(sim, findNetwork(sim, id)) })),
    route('GET', '/v2.0/subnets', (ctx) => sendJson(ctx, 200, { subnets: filtered(Object.values(sim.data.networks).map((n) => subnetView(sim, n)), ctx) })),
    route('GET', '/v2.0/ports', (ctx) => sendJson(ctx, 200, { ports: filtered(Object.values(sim.data.ports).map((p) => portView(sim, p)), ctx) })),
    route('POST', '/v2.0/ports', (ctx) => createPort(sim, ctx)),
    route('GET', '/v2.0/ports/:id', (ctx, [id]) => sendJson(ctx, 200, { port: portView(sim, findPort(sim, id)) })),
    route('DELETE', '/v2.0/ports/:id', (ctx, [id]) => deletePort(sim, ctx, id)),
    route('GET', '/v2.0/floatingips', (ctx) => sendJson(ctx, 200, { floatingips: filtered(Object.values(sim.data.floatingIps).map((f) => fipView(sim, f)), ctx) })),
    route('POST', '/v2.0/floatingips', (ctx) => createFloatingIp(sim, ctx)),
    route('GET', '/v2.0/floatingips/:id', (ctx, [id]) => sendJson(ctx, 200, { floatingip: fipView(sim, findFip(sim, id)) })),
    route('PUT', '/v2.0/floatingips/:id', (ctx, [id]) => updateFloatingIp(sim, ctx, id)),
    route('DELETE', '/v2.0/floatingips/:id', (ctx, [id]) => deleteFloatingIp(sim, ctx, id)),
    route('GET', '/v2.0/security-groups', (ctx) => sendJson(ctx, 200, { security_groups: filtered([defaultSecurityGroup(sim)], ctx) })),
  ];
}

/** Neutron filters: every query key is an attribute; repeated keys OR together. */
function filtered<T extends Record<string, unknown>>(items: T[], ctx: RequestContext): T[] {
  const keys = new Set([...ctx.query.keys()].filter((k) => !['fields', 'limit', 'marker', 'sort_key', 'sort_dir', 'page_reverse'].includes(k)));
  return items.filter((item) =>
    [...keys].every((key) => {
      const wanted = ctx.query.getAll(key);
      if (key === 'fixed_ips') {
        const ips = (item.fixed_ips as { ip_address: string; subnet_id: string }[]) ?? [];
        return wanted.every((w) => {
          const [k, v] = w.split('=');
          return ips.some((ip) => (k === 'ip_address' ? ip.ip_address === v : ip.subnet_id === v));
        });
      }
      const actual = item[key];
      return wanted.some((w) => String(actual) === w || (actual === null && w === ''));
    }),
  );
}

function common(sim: SimCloud, createdAt: number) {
  const p = sim.config.project.id;
  return { tenant_id: p, project_id: p, description: '', tags: [], created_at: isoTime(createdAt), updated_at: isoTime(createdAt), revision_number: 1 };
}

function networkView(sim: SimCloud, n: NetworkRecord) {
  return {
    ...common(sim, 0),
    id: n.id,
    name: n.name,
    admin_state_up: true,
    status: 'ACTIVE',
    mtu: 1450,
    subnets: [n.subnetId],
    shared: n.shared,
    'router:external': n.external,
    availability_zone_hints: [],
    availability_zones: ['nova'],
    port_security_enabled: true,
    is_default: false,
    ipv4_address_scope: null,
    ipv6_address_scope: null,
    'provider:network_type': n.external ? 'flat' : 'vxlan',
  };
}

function subnetView(sim: SimCloud, n: NetworkRecord) {
  return {
    ...common(sim, 0),
    id: n.subnetId,
    name: `${n.name}-subnet`,
    network_id: n.id,
    ip_version: 4,
    cidr: n.cidr,
    gateway_ip: `${n.prefix}.0.1`,
    enable_dhcp: false,
    allocation_pools: [{ start: `${n.prefix}.0.2`, end: `${n.prefix}.255.254` }],
    dns_nameservers: [],
    host_routes: [],
  };
}

export function portView(sim: SimCloud, p: PortRecord) {
  const net = sim.data.networks[p.networkId];
  return {
    ...common(sim, p.createdAt),
    id: p.id,
    name: p.name,
    network_id: p.networkId,
    mac_address: p.mac,
    admin_state_up: true,
    status: p.status,
    device_id: p.deviceId,
    device_owner: p.deviceOwner,
    fixed_ips: [{ subnet_id: net?.subnetId ?? '', ip_address: p.ip }],
    allowed_address_pairs: [],
    extra_dhcp_opts: [],
    security_groups: p.deviceOwner.startsWith('compute:') ? [defaultSecurityGroup(sim).id] : [],
    'binding:vnic_type': 'normal',
    'binding:vif_type': p.deviceId ? 'ovs' : 'unbound',
    port_security_enabled: true,
  };
}

export function fipView(sim: SimCloud, f: FloatingIpRecord) {
  return {
    ...common(sim, f.createdAt),
    updated_at: isoTime(f.updatedAt),
    id: f.id,
    floating_ip_address: f.address,
    floating_network_id: f.networkId,
    router_id: f.portId ? routerId(sim) : null,
    port_id: f.portId,
    fixed_ip_address: f.fixedIp,
    status: f.portId ? 'ACTIVE' : 'DOWN',
    port_details: null,
    dns_domain: '',
    dns_name: '',
  };
}

function routerId(sim: SimCloud): string {
  return `${sim.config.project.id.slice(0, 8)}-0000-4000-8000-000000000001`;
}

function defaultSecurityGroup(sim: SimCloud) {
  return { ...common(sim, 0), id: `${sim.config.project.id.slice(0, 8)}-0000-4000-8000-00000000005e`, name: 'default', security_group_rules: [], stateful: true };
}

function findNetwork(sim: SimCloud, id: string): NetworkRecord {
  const n = sim.data.networks[id];
  if (!n) throw new HttpError(404, `Network ${id} could not be found.`, { kind: 'NetworkNotFound' });
  return n;
}

function findPort(sim: SimCloud, id: string): PortRecord {
  const p = sim.data.ports[id];
  if (!p) throw new HttpError(404, `Port ${id} could not be found.`, { kind: 'PortNotFound' });
  return p;
}

function findFip(sim: SimCloud, id: string): FloatingIpRecord {
  const f = sim.data.floatingIps[id];
  if (!f) throw new HttpError(404, `Floating IP ${id} could not be found`, { kind: 'FloatingIPNotFound' });
  return f;
}

async function createPort(sim: SimCloud, ctx: RequestContext): Promise<void> {
  const body = requireObject((await readJson(ctx)).port, 'port');
  const net = findNetwork(sim, String(body.network_id ?? ''));
  const port = sim.createPort(net, {
    deviceId: typeof body.device_id === 'string' ? body.device_id : '',
    deviceOwner: typeof body.device_owner === 'string' ? body.device_owner : '',
    status: 'DOWN',
    name: typeof body.name === 'string' ? body.name : '',
  });
  sendJson(ctx, 201, { port: portView(sim, port) });
}

async function deletePort(sim: SimCloud, ctx: RequestContext, id: string): Promise<void> {
  const port = findPort(sim, id);
  for (const f of Object.values(sim.data.floatingIps)) {
    if (f.portId === id) await associate(sim, f, null);
  }
  const server = sim.data.servers[port.deviceId];
  if (server) server.nics = server.nics.filter((n) => n.portId !== id);
  delete sim.data.ports[id];
  sim.changed();
  sendEmpty(ctx, 204);
}

/** Moves a floating IP to a port (or detaches it), keeping the SSH endpoint's addresses in step. */
export async function associate(sim: SimCloud, fip: FloatingIpRecord, portId: string | null): Promise<void> {
  const before = fip.portId ? sim.serverOfPort(fip.portId) : undefined;
  if (before) await sim.ssh?.removeAddress(before.id, fip.address);
  if (portId === null) {
    fip.portId = null;
    fip.fixedIp = null;
  } else {
    const port = findPort(sim, portId);
    const taken = Object.values(sim.data.floatingIps).find((f) => f.portId === portId && f.id !== fip.id);
    if (taken) throw new HttpError(409, `Cannot associate floating IP ${fip.address} (${fip.id}) with port ${portId} using fixed IP ${port.ip}, as that fixed IP already has a floating IP on external network ${fip.networkId}.`, { kind: 'FloatingIPPortAlreadyAssociated' });
    fip.portId = portId;
    fip.fixedIp = port.ip;
    const after = sim.serverOfPort(portId);
    if (after) await sim.ssh?.addAddress(after.id, fip.address);
  }
  fip.updatedAt = sim.now();
  sim.changed();
}

export async function allocateFloatingIp(sim: SimCloud, networkId: string, portId: string | null): Promise<FloatingIpRecord> {
  const net = sim.data.networks[networkId];
  if (!net) throw new HttpError(404, `Network ${networkId} could not be found.`, { kind: 'NetworkNotFound' });
  if (!net.external) throw new HttpError(400, `Bad floatingip request: Network ${networkId} is not a valid external network.`, { kind: 'BadRequest' });
  const now = sim.now();
  const fip: FloatingIpRecord = { id: randomUUID(), address: allocateAddress(net), networkId, portId: null, fixedIp: null, createdAt: now, updatedAt: now };
  sim.data.floatingIps[fip.id] = fip;
  if (portId) {
    try {
      await associate(sim, fip, portId);
    } catch (err) {
      delete sim.data.floatingIps[fip.id];
      throw err;
    }
  }
  sim.changed();
  return fip;
}

async function createFloatingIp(sim: SimCloud, ctx: RequestContext): Promise<void> {
  const body = requireObject((await readJson(ctx)).floatingip, 'floatingip');
  if (typeof body.floating_network_id !== 'string') throw new HttpError(400, "Invalid input for floating_network_id. Reason: '' is not a valid UUID.", { kind: 'HTTPBadRequest' });
  const portId = typeof body.port_id === 'string' ? body.port_id : null;
  const fip = await allocateFloatingIp(sim, body.floating_network_id, portId);
  sendJson(ctx, 201, { floatingip: fipView(sim, fip) });
}

async function updateFloatingIp(sim: SimCloud, ctx: RequestContext, id: string): Promise<void> {
  const fip = findFip(sim, id);
  const body = requireObject((await readJson(ctx)).floatingip, 'floatingip');
  if ('port_id' in body) {
    if (body.port_id !== null && typeof body.port_id !== 'string') throw new HttpError(400, 'Invalid input for port_id.', { kind: 'HTTPBadRequest' });
    await associate(sim, fip, body.port_id as string | null);
  }
  sendJson(ctx, 200, { floatingip: fipView(sim, fip) });
}

async function deleteFloatingIp(sim: SimCloud, ctx: RequestContext, id: string): Promise<void> {
  const fip = findFip(sim, id);
  if (fip.portId) await associate(sim, fip, null);
  delete sim.data.floatingIps[id];
  sim.changed();
  sendEmpty(ctx, 204);
}
