// Nova (compute v2.1) servers: create, list with filters and pagination, show, delete, actions.
import type { SimCloud } from './cloud.ts';
import { HttpError, readJson, requireObject, sendEmpty, sendJson, paginate, optionalString, type RequestContext } from './http.ts';
import { route, type Route } from './router.ts';
import { parseMicroversion, serverDetail, selfLinks, versionHeaders, atLeast, type Microversion } from './nova-views.ts';
import { novaMiscRoutes } from './nova-misc.ts';
import type { NetworkRecord, PortRecord, ServerRecord } from './types.ts';

export function novaRoutes(sim: SimCloud): Route[] {
  return [
    route('POST', '/servers', (ctx) => createServer(sim, ctx)),
    route('GET', '/servers/detail', (ctx) => listServers(sim, ctx, true)),
    route('GET', '/servers', (ctx) => listServers(sim, ctx, false)),
    route('GET', '/servers/:id', (ctx, [id]) => {
      const v = parseMicroversion(sim, ctx);
      sendJson(ctx, 200, { server: serverDetail(sim, ctx, findServer(sim, ctx, id), v) }, versionHeaders(v));
    }),
    route('DELETE', '/servers/:id', (ctx, [id]) => {
      const v = parseMicroversion(sim, ctx);
      findServer(sim, ctx, id);
      sim.deleteServer(id);
      sendEmpty(ctx, 204, versionHeaders(v));
    }),
    route('POST', '/servers/:id/action', (ctx, [id]) => serverAction(sim, ctx, id)),
    route('GET', '/servers/:id/metadata', (ctx, [id]) => sendJson(ctx, 200, { metadata: findServer(sim, ctx, id).metadata })),
    ...novaMiscRoutes(sim),
  ];
}

function findServer(sim: SimCloud, ctx: RequestContext, id: string): ServerRecord {
  const s = sim.data.servers[id];
  if (!s || s.projectId !== ctx.token!.projectId) throw new HttpError(404, `Instance ${id} could not be found.`);
  return s;
}

function refId(ref: string): string {
  // Nova accepts a bare id or a link whose last segment is the id.
  return ref.includes('/') ? ref.slice(ref.lastIndexOf('/') + 1) : ref;
}

async function createServer(sim: SimCloud, ctx: RequestContext): Promise<void> {
  const v = parseMicroversion(sim, ctx);
  const body = await readJson(ctx);
  const spec = requireObject(body.server, 'server');
  const name = optionalString(spec, 'name');
  if (!name || name.length > 255) throw new HttpError(400, "Invalid input for field/attribute name. Value: None. None is not of type 'string'");
  const token = ctx.token!;

  const flavorRef = spec.flavorRef;
  if (typeof flavorRef !== 'string' && typeof flavorRef !== 'number') throw new HttpError(400, "Invalid input for field/attribute flavorRef. 'flavorRef' is a required property");
  const flavor = sim.config.flavors.find((f) => f.id === refId(String(flavorRef)));
  if (!flavor) throw new HttpError(400, `Flavor ${String(flavorRef)} could not be found.`);

  const bdm = Array.isArray(spec.block_device_mapping_v2) ? (spec.block_device_mapping_v2 as unknown[]) : null;
  let imageRef = typeof spec.imageRef === 'string' ? refId(spec.imageRef) : '';
  const bootImage = imageRef || bootImageFromBdm(bdm);
  if (!bootImage) throw new HttpError(400, 'Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.');
  const image = sim.data.images[bootImage];
  if (!image || image.status === 'deleted') throw new HttpError(400, `Image ${bootImage} could not be found.`);
  if (image.status !== 'active') throw new HttpError(400, `Image ${bootImage} is not active.`);

  const keyName = optionalString(spec, 'key_name') ?? null;
  if (keyName !== null && !sim.data.keypairs[keyName]) throw new HttpError(400, 'Invalid key_name provided.');

  const az = optionalString(spec, 'availability_zone') ?? sim.config.availabilityZones[0];
  if (!sim.config.availabilityZones.includes(az.split(':')[0])) throw new HttpError(400, 'The requested availability zone is not available');

  const { networks, ports } = resolveNetworks(sim, spec.networks, v);
  const metadata = parseMetadata(spec.metadata);
  const securityGroups = Array.isArray(spec.security_groups)
    ? spec.security_groups.map((g) => String(requireObject(g, 'security_groups').name ?? 'default'))
    : ['default'];
  const userData = optionalString(spec, 'user_data') ?? null;
  if (userData !== null && !/^[A-Za-z0-9+/=\s]*$/.test(userData)) throw new HttpError(400, 'Invalid input for field/attribute user_data. Value: (not shown). It is not base64');

  const f = sim.faults;
  if (f.quotaFailNextCreates && f.quotaFailNextCreates > 0) {
    f.quotaFailNextCreates -= 1;
    sim.changed();
    const limit = sim.quotas.instances;
    throw new HttpError(403, `Quota exceeded for instances: Requested 1, but already used ${limit} of ${limit} instances`, { headers: { 'Retry-After': '0' } });
  }
  sim.checkQuota(token.projectId, flavor);

  const server = await sim.createServer({
    name,
    imageRef,
    flavor,
    networks,
    ports,
    keyName,
    az: az.split(':')[0],
    securityGroups,
    userData,
    configDrive: spec.config_drive === true || spec.config_drive === 'true' || spec.config_drive === 'True',
    metadata,
    blockDeviceMapping: bdm,
    projectId: token.projectId,
    userId: token.userId,
  });
  if (f.lostCreateResponses && f.lostCreateResponses > 0) {
    f.lostCreateResponses -= 1;
    sim.changed();
    throw new HttpError(503, 'The server is currently unavailable. Please try again at a later time.');
  }
  const location = `${ctx.baseUrl}/servers/${server.id}`;
  sendJson(
    ctx,
    202,
    { server: { id: server.id, links: selfLinks(ctx, 'servers', server.id), 'OS-DCF:diskConfig': 'MANUAL', security_groups: securityGroups.map((n) => ({ name: n })), adminPass: 'SimAdminPass0' } },
    { Location: location, ...versionHeaders(v) },
  );
}

function bootImageFromBdm(bdm: unknown[] | null): string {
  if (!bdm) return '';
  for (const entry of bdm) {
    const e = requireObject(entry, 'block_device_mapping_v2');
    if (String(e.boot_index) === '0' && e.source_type === 'image' && typeof e.uuid === 'string') return e.uuid;
  }
  return '';
}

function parseMetadata(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  const m = requireObject(value, 'metadata');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== 'string') throw new HttpError(400, `Invalid input for field/attribute metadata. Value: ${JSON.stringify(m)}. ${JSON.stringify(v)} is not of type 'string'`);
    if (k.length > 255 || v.length > 255) throw new HttpError(400, 'Invalid input for field/attribute metadata. Keys and values must be at most 255 characters');
    out[k] = v;
  }
  if (Object.keys(out).length > 128) throw new HttpError(403, 'Quota exceeded for metadata_items: Requested 129, but already used 0 of 128 metadata_items');
  return out;
}

function resolveNetworks(sim: SimCloud, value: unknown, v: Microversion): { networks: NetworkRecord[]; ports: PortRecord[] } {
  if (value === 'none') return { networks: [], ports: [] };
  const tenantNetworks = Object.values(sim.data.networks).filter((n) => !n.external);
  if (value === undefined || value === 'auto') {
    if (value === undefined && atLeast(v, 37)) throw new HttpError(400, "Invalid input for field/attribute networks. 'networks' is a required property");
    if (tenantNetworks.length !== 1) throw new HttpError(409, 'Multiple possible networks found, use a Network ID to be more specific.');
    return { networks: tenantNetworks, ports: [] };
  }
  if (!Array.isArray(value)) throw new HttpError(400, 'Invalid input for field/attribute networks.');
  const networks: NetworkRecord[] = [];
  const ports: PortRecord[] = [];
  for (const item of value) {
    const n = requireObject(item, 'networks');
    if (typeof n.port === 'string') {
      const port = sim.data.ports[n.port];
      if (!port) throw new HttpError(400, `Port id ${n.port} could not be found.`);
      if (port.deviceId) throw new HttpError(409, `Port ${n.port} is still in use.`);
      ports.push(port);
      continue;
    }
    const uuid = typeof n.uuid === 'string' ? n.uuid : undefined;
    const net = uuid ? sim.data.networks[uuid] : undefined;
    if (!net) throw new HttpError(400, `Network ${uuid ?? '(none)'} could not be found.`);
    networks.push(net);
  }
  return { networks, ports };
}

function listServers(sim: SimCloud, ctx: RequestContext, detail: boolean): void {
  const v = parseMicroversion(sim, ctx);
  const q = ctx.query;
  let servers = sim.liveServers(ctx.token!.projectId);
  const name = q.get('name');
  if (name) {
    let re: RegExp;
    try {
      re = new RegExp(name);
    } catch {
      throw new HttpError(400, `Invalid filter value for name: ${name}`);
    }
    servers = servers.filter((s) => re.test(s.name));
  }
  const status = q.get('status');
  if (status) servers = servers.filter((s) => sim.view(s).status === status.toUpperCase());
  const changesSince = q.get('changes-since');
  if (changesSince) {
    const t = Date.parse(changesSince);
    if (Number.isNaN(t)) throw new HttpError(400, `Invalid filter value for changes-since: ${changesSince}`);
    servers = servers.filter((s) => s.updatedAt >= t);
  }
  // Nova's default order: newest first, ties broken by id.
  servers.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const { page, full } = paginate(servers, (s) => s.id, q, sim.config.maxPageSize, (m) => new HttpError(400, `marker [${m}] not found`));
  const body: Record<string, unknown> = {
    servers: page.map((s) => (detail ? serverDetail(sim, ctx, s, v) : { id: s.id, name: s.name, links: selfLinks(ctx, 'servers', s.id) })),
  };
  if (full) {
    const next = new URLSearchParams(q);
    next.set('marker', page[page.length - 1].id);
    body.servers_links = [{ rel: 'next', href: `${ctx.baseUrl}/servers${detail ? '/detail' : ''}?${next.toString()}` }];
  }
  sendJson(ctx, 200, body, versionHeaders(v));
}

async function serverAction(sim: SimCloud, ctx: RequestContext, id: string): Promise<void> {
  const v = parseMicroversion(sim, ctx);
  const s = findServer(sim, ctx, id);
  const body = await readJson(ctx);
  const action = Object.keys(body)[0];
  switch (action) {
    case 'os-getConsoleOutput': {
      // Nova needs a host for the console: a server that never got one (NoValidHost) is "not ready".
      if (s.deletedAt !== null) throw new HttpError(409, `Cannot 'get_console_output' instance ${id} while it is in task_state deleting`);
      if (sim.view(s).status === 'ERROR' && s.forcedStatus === null) throw new HttpError(409, `Instance ${id} is not ready`);
      const args = requireObject(body[action] ?? {}, action);
      let lines = sim.config.consoleOutput.split('\n');
      if (args.length !== undefined && args.length !== null) {
        const n = Number(args.length);
        if (!Number.isInteger(n)) throw new HttpError(400, 'Invalid input for field/attribute length.');
        if (n >= 0) lines = lines.slice(-n);
      }
      sendJson(ctx, 200, { output: lines.join('\n') }, versionHeaders(v));
      return;
    }
    case 'os-stop':
      // A stopped guest runs no sshd.
      s.forcedStatus = 'SHUTOFF';
      s.sshKilled = true;
      await sim.ssh?.stop(s.id);
      break;
    case 'os-start':
      if (s.forcedStatus !== 'SHUTOFF') throw new HttpError(409, `Cannot 'start' instance ${id} while it is in vm_state ${sim.view(s).vmState}`);
      s.forcedStatus = null;
      if (s.sshKilled && sim.config.ssh.enabled && s.outcome === 'ACTIVE' && s.nics.length > 0) {
        s.sshKilled = false;
        s.sshPort = (await sim.ssh?.start(s)) ?? null;
      }
      break;
    case 'reboot':
      break;
    default:
      throw new HttpError(400, `There is no such action: ${action ?? '(none)'}`);
  }
  s.updatedAt = sim.now();
  sim.changed();
  sendEmpty(ctx, 202, versionHeaders(v));
}
