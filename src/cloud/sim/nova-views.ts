// Nova JSON views (server detail, flavors) and microversion negotiation.
import type { SimCloud } from './cloud.ts';
import { HttpError, isoTime, type RequestContext } from './http.ts';
import type { ServerRecord, SimFlavor } from './types.ts';

/** Metadata key carrying the port of the server's SSH endpoint (on its fixed or floating IP). */
export const SSH_PORT_METADATA_KEY = 'sim_ssh_port';

export interface Microversion {
  major: number;
  minor: number;
}

export function parseMicroversion(sim: SimCloud, ctx: RequestContext): Microversion {
  const max = toVersion(sim.config.maxComputeMicroversion);
  const header = ctx.req.headers['openstack-api-version'];
  const legacy = ctx.req.headers['x-openstack-nova-api-version'];
  let requested: string | undefined;
  if (typeof header === 'string') {
    // "compute 2.53" possibly among other services: "volume 3.0, compute 2.53".
    const m = /(?:^|,)\s*compute\s+(\S+)\s*(?:,|$)/.exec(header);
    if (m) requested = m[1];
  }
  if (requested === undefined && typeof legacy === 'string') requested = legacy.trim();
  if (requested === undefined) return { major: 2, minor: 1 };
  if (requested === 'latest') return max;
  if (!/^\d+\.\d+$/.test(requested)) throw new HttpError(400, `Invalid format for API version: ${requested}`);
  const v = toVersion(requested);
  if (v.major !== 2 || v.minor < 1 || compare(v, max) > 0) {
    throw new HttpError(406, `Version ${requested} is not supported by the API. Minimum is 2.1 and maximum is ${sim.config.maxComputeMicroversion}.`);
  }
  return v;
}

function toVersion(text: string): Microversion {
  const [a, b] = text.split('.');
  return { major: Number(a), minor: Number(b) };
}

function compare(a: Microversion, b: Microversion): number {
  return a.major - b.major || a.minor - b.minor;
}

export function atLeast(v: Microversion, minor: number): boolean {
  return v.major > 2 || v.minor >= minor;
}

export function versionHeaders(v: Microversion): Record<string, string> {
  const text = `${v.major}.${v.minor}`;
  return {
    'OpenStack-API-Version': `compute ${text}`,
    'X-OpenStack-Nova-API-Version': text,
    Vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
  };
}

export function selfLinks(ctx: RequestContext, collection: string, id: string) {
  const bookmark = ctx.baseUrl.replace(/\/v2\.1$/, '');
  return [
    { rel: 'self', href: `${ctx.baseUrl}/${collection}/${id}` },
    { rel: 'bookmark', href: `${bookmark}/${collection}/${id}` },
  ];
}

export function addressesOf(sim: SimCloud, s: ServerRecord) {
  const addresses: Record<string, unknown[]> = {};
  const fips = sim.floatingIpsOf(s);
  for (const nic of s.nics) {
    const list = (addresses[nic.networkName] ??= []);
    list.push({ version: 4, addr: nic.ip, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': nic.mac });
    for (const fip of fips.filter((f) => f.portId === nic.portId)) {
      list.push({ version: 4, addr: fip.address, 'OS-EXT-IPS:type': 'floating', 'OS-EXT-IPS-MAC:mac_addr': nic.mac });
    }
  }
  return addresses;
}

export function serverDetail(sim: SimCloud, ctx: RequestContext, s: ServerRecord, v: Microversion) {
  const view = sim.view(s);
  const bootFromVolume = s.imageRef === '';
  const body: Record<string, unknown> = {
    id: s.id,
    name: s.name,
    status: view.status,
    tenant_id: s.projectId,
    user_id: s.userId,
    // The simulator's one extension: where this server's SSH endpoint listens (see README in ssh-endpoint.ts).
    metadata: s.sshPort !== null ? { ...s.metadata, [SSH_PORT_METADATA_KEY]: String(s.sshPort) } : s.metadata,
    'OS-EXT-SIM:ssh_port': s.sshPort,
    hostId: s.hostId,
    image: bootFromVolume ? '' : { id: s.imageRef, links: [{ rel: 'bookmark', href: `${ctx.rootUrl}/compute/images/${s.imageRef}` }] },
    flavor: atLeast(v, 47)
      ? { vcpus: s.flavor.vcpus, ram: s.flavor.ram, disk: s.flavor.disk, ephemeral: 0, swap: 0, original_name: s.flavor.name, extra_specs: {} }
      : { id: s.flavor.id, links: [{ rel: 'bookmark', href: `${ctx.rootUrl}/compute/flavors/${s.flavor.id}` }] },
    created: isoTime(s.createdAt),
    updated: isoTime(Math.max(s.updatedAt, view.status === 'BUILD' ? s.createdAt : s.activeAt)),
    addresses: addressesOf(sim, s),
    accessIPv4: '',
    accessIPv6: '',
    links: selfLinks(ctx, 'servers', s.id),
    'OS-DCF:diskConfig': 'MANUAL',
    progress: 0,
    'OS-EXT-AZ:availability_zone': view.status === 'BUILD' ? '' : s.az,
    config_drive: s.configDrive ? 'True' : '',
    key_name: s.keyName,
    'OS-SRV-USG:launched_at': view.status === 'ACTIVE' ? isoTime(s.activeAt).replace('Z', '.000000') : null,
    'OS-SRV-USG:terminated_at': null,
    security_groups: s.securityGroups.map((name) => ({ name })),
    'OS-EXT-STS:task_state': view.taskState,
    'OS-EXT-STS:vm_state': view.vmState,
    'OS-EXT-STS:power_state': view.powerState,
    'os-extended-volumes:volumes_attached': [],
  };
  if (s.fault && (view.status === 'ERROR' || s.forcedStatus === 'ERROR')) {
    body.fault = { code: s.fault.code, created: isoTime(s.fault.created), message: s.fault.message };
  }
  if (atLeast(v, 9)) body.locked = false;
  if (atLeast(v, 19)) body.description = null;
  if (atLeast(v, 26)) body.tags = [];
  if (atLeast(v, 63)) body.trusted_image_certificates = null;
  if (atLeast(v, 73)) body.locked_reason = null;
  if (atLeast(v, 90)) body['OS-EXT-SRV-ATTR:hostname'] = s.name;
  return body;
}

export function flavorDetail(ctx: RequestContext, f: SimFlavor) {
  return {
    id: f.id,
    name: f.name,
    ram: f.ram,
    disk: f.disk,
    vcpus: f.vcpus,
    'OS-FLV-EXT-DATA:ephemeral': 0,
    'OS-FLV-DISABLED:disabled': false,
    swap: '',
    rxtx_factor: 1.0,
    'os-flavor-access:is_public': true,
    links: selfLinks(ctx, 'flavors', f.id),
  };
}
