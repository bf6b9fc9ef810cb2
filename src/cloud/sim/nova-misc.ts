// Nova's smaller resources: version documents, flavors, availability zones, limits, keypairs.
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import type { SimCloud } from './cloud.ts';
import { HttpError, readJson, requireObject, sendEmpty, sendJson, paginate, isoTime, type RequestContext } from './http.ts';
import { route, type Route } from './router.ts';
import { atLeast, flavorDetail, parseMicroversion, selfLinks, versionHeaders } from './nova-views.ts';
import { generateEd25519KeyPair } from '../../util/ssh-keypair.ts';

export function computeVersionDoc(sim: SimCloud, ctx: RequestContext) {
  return {
    id: 'v2.1',
    status: 'CURRENT',
    version: sim.config.maxComputeMicroversion,
    min_version: '2.1',
    updated: '2013-07-23T11:33:21Z',
    links: [{ rel: 'self', href: `${ctx.rootUrl}/compute/v2.1/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
  };
}

export function novaMiscRoutes(sim: SimCloud): Route[] {
  return [
    route('GET', '', (ctx) => sendJson(ctx, 200, { version: computeVersionDoc(sim, ctx) })),
    route('GET', '/flavors/detail', (ctx) => listFlavors(sim, ctx, true)),
    route('GET', '/flavors', (ctx) => listFlavors(sim, ctx, false)),
    route('GET', '/flavors/:id', (ctx, [id]) => {
      const f = sim.config.flavors.find((x) => x.id === id);
      if (!f) throw new HttpError(404, `Flavor ${id} could not be found.`);
      sendJson(ctx, 200, { flavor: flavorDetail(ctx, f) });
    }),
    route('GET', '/flavors/:id/os-extra_specs', (ctx) => sendJson(ctx, 200, { extra_specs: {} })),
    route('GET', '/os-availability-zone', (ctx) =>
      sendJson(ctx, 200, { availabilityZoneInfo: sim.config.availabilityZones.map((zoneName) => ({ zoneName, zoneState: { available: true }, hosts: null })) }),
    ),
    route('GET', '/limits', (ctx) => limits(sim, ctx)),
    route('GET', '/os-keypairs', (ctx) => {
      const v = parseMicroversion(sim, ctx);
      const keypairs = Object.values(sim.data.keypairs)
        .filter((k) => k.userId === ctx.token!.userId)
        .map((k) => ({ keypair: { name: k.name, public_key: k.publicKey, fingerprint: k.fingerprint, ...(atLeast(v, 2) ? { type: k.type } : {}) } }));
      sendJson(ctx, 200, { keypairs }, versionHeaders(v));
    }),
    route('POST', '/os-keypairs', (ctx) => createKeypair(sim, ctx)),
    route('GET', '/os-keypairs/:name', (ctx, [name]) => {
      const k = sim.data.keypairs[name];
      if (!k || k.userId !== ctx.token!.userId) throw new HttpError(404, `Keypair ${name} not found for user ${ctx.token!.userId}`);
      sendJson(ctx, 200, { keypair: { name: k.name, public_key: k.publicKey, fingerprint: k.fingerprint, type: k.type, user_id: k.userId, created_at: isoTime(k.createdAt), deleted: false, id: 1 } });
    }),
    route('DELETE', '/os-keypairs/:name', (ctx, [name]) => {
      const k = sim.data.keypairs[name];
      if (!k || k.userId !== ctx.token!.userId) throw new HttpError(404, `Keypair ${name} not found for user ${ctx.token!.userId}`);
      delete sim.data.keypairs[name];
      sim.changed();
      sendEmpty(ctx, 202);
    }),
  ];
}

function listFlavors(sim: SimCloud, ctx: RequestContext, detail: boolean): void {
  // Nova sorts flavors by flavorid by default; openstacksdk re-sorts by ram and name itself.
  const flavors = [...sim.config.flavors].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const { page, full } = paginate(flavors, (f) => f.id, ctx.query, sim.config.maxPageSize, (m) => new HttpError(400, `marker [${m}] not found`));
  const body: Record<string, unknown> = {
    flavors: page.map((f) => (detail ? flavorDetail(ctx, f) : { id: f.id, name: f.name, links: selfLinks(ctx, 'flavors', f.id) })),
  };
  if (full) {
    const next = new URLSearchParams(ctx.query);
    next.set('marker', page[page.length - 1].id);
    body.flavors_links = [{ rel: 'next', href: `${ctx.baseUrl}/flavors${detail ? '/detail' : ''}?${next.toString()}` }];
  }
  sendJson(ctx, 200, body);
}

function limits(sim: SimCloud, ctx: RequestContext): void {
  const v = parseMicroversion(sim, ctx);
  const used = sim.usage(ctx.token!.projectId);
  const q = sim.quotas;
  const absolute: Record<string, number> = {
    maxServerMeta: 128,
    maxImageMeta: 128,
    maxTotalKeypairs: 100,
    maxServerGroups: 10,
    maxServerGroupMembers: 10,
    maxTotalCores: q.cores,
    maxTotalInstances: q.instances,
    maxTotalRAMSize: q.ram,
    totalCoresUsed: used.cores,
    totalInstancesUsed: used.instances,
    totalRAMUsed: used.ram,
    totalServerGroupsUsed: 0,
  };
  if (!atLeast(v, 36)) {
    Object.assign(absolute, { maxSecurityGroups: 10, maxSecurityGroupRules: 20, maxTotalFloatingIps: 10, totalFloatingIpsUsed: 0, totalSecurityGroupsUsed: 0 });
  }
  if (!atLeast(v, 57)) Object.assign(absolute, { maxPersonality: 5, maxPersonalitySize: 10240 });
  sendJson(ctx, 200, { limits: { rate: [], absolute } }, versionHeaders(v));
}

/** Nova's fingerprint of an OpenSSH public key: MD5 of the key blob, colon-separated hex. */
export function keyFingerprint(publicKey: string): string {
  const blob = publicKey.trim().split(/\s+/)[1];
  if (!blob) throw new HttpError(400, 'Keypair data is invalid: failed to generate fingerprint');
  const hex = createHash('md5').update(Buffer.from(blob, 'base64')).digest('hex');
  return hex.match(/../g)!.join(':');
}

async function createKeypair(sim: SimCloud, ctx: RequestContext): Promise<void> {
  const v = parseMicroversion(sim, ctx);
  const body = await readJson(ctx);
  const kp = requireObject(body.keypair, 'keypair');
  const name = kp.name;
  if (typeof name !== 'string' || !/^[\w .@-]{1,255}$/.test(name)) throw new HttpError(400, 'Keypair data is invalid: Keypair name contains unsafe characters');
  if (sim.data.keypairs[name]) throw new HttpError(409, `Key pair '${name}' already exists.`);
  let publicKey = typeof kp.public_key === 'string' ? kp.public_key.trim() : '';
  let privateKey: string | undefined;
  if (!publicKey) {
    if (atLeast(v, 92)) throw new HttpError(400, "Invalid input for field/attribute keypair. 'public_key' is a required property");
    const pair = generateEd25519KeyPair({ comment: name });
    publicKey = pair.public.trim();
    privateKey = pair.private;
  } else if (ssh2.utils.parseKey(publicKey) instanceof Error) {
    throw new HttpError(400, 'Keypair data is invalid: failed to generate fingerprint');
  }
  const record = {
    name,
    publicKey,
    fingerprint: keyFingerprint(publicKey),
    type: typeof kp.type === 'string' ? kp.type : 'ssh',
    userId: ctx.token!.userId,
    createdAt: sim.now(),
  };
  sim.data.keypairs[name] = record;
  sim.changed();
  const out: Record<string, unknown> = { name, public_key: publicKey, fingerprint: record.fingerprint, user_id: record.userId };
  if (atLeast(v, 2)) out.type = record.type;
  if (privateKey) out.private_key = privateKey;
  sendJson(ctx, atLeast(v, 2) ? 201 : 200, { keypair: out }, versionHeaders(v));
}
