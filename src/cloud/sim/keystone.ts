// Keystone v3: token issue (password, application_credential, token), validation, discovery, catalog.
import { randomBytes } from 'node:crypto';
import type { SimCloud } from './cloud.ts';
import { HttpError, readJson, requireObject, sendEmpty, sendJson, type RequestContext } from './http.ts';
import { route, type Route } from './router.ts';
import type { SimUser, TokenRecord } from './types.ts';

const AUTH_FAILED = 'The request you have made requires authentication.';

export function keystoneRoutes(sim: SimCloud): Route[] {
  return [
    route('GET', '', (ctx) => sendJson(ctx, 300, { versions: { values: [versionDoc(ctx)] } })),
    route('GET', '/v3', (ctx) => sendJson(ctx, 200, { version: versionDoc(ctx) })),
    route('POST', '/v3/auth/tokens', (ctx) => issueToken(sim, ctx)),
    route('GET', '/v3/auth/tokens', (ctx) => validateToken(sim, ctx)),
    route('DELETE', '/v3/auth/tokens', (ctx) => revokeToken(sim, ctx)),
    route('GET', '/v3/auth/catalog', (ctx) => {
      const token = requireCallerToken(sim, ctx);
      sendJson(ctx, 200, { catalog: catalog(sim, ctx.rootUrl, token.projectId), links: { self: `${ctx.baseUrl}/v3/auth/catalog` } });
    }),
    route('GET', '/v3/auth/projects', (ctx) => {
      requireCallerToken(sim, ctx);
      sendJson(ctx, 200, { projects: [projectDoc(sim)], links: { self: `${ctx.baseUrl}/v3/auth/projects`, next: null, previous: null } });
    }),
  ];
}

function versionDoc(ctx: RequestContext) {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${ctx.rootUrl}/identity/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

function projectDoc(sim: SimCloud) {
  const { project, domain } = sim.config;
  return { id: project.id, name: project.name, domain_id: domain.id, enabled: true, is_domain: false, parent_id: domain.id };
}

function unauthorized(message = AUTH_FAILED): HttpError {
  return new HttpError(401, message);
}

function findUser(sim: SimCloud, ref: Record<string, unknown>): SimUser | undefined {
  if (typeof ref.id === 'string') return sim.config.users.find((u) => u.id === ref.id);
  if (typeof ref.name !== 'string') throw new HttpError(400, "Invalid input for field 'identity/password/user': expected 'id' or 'name'");
  const domain = ref.domain === undefined ? undefined : requireObject(ref.domain, 'user/domain');
  if (!domain) throw new HttpError(400, 'Expecting to find domain in user. The server could not comply with the request since it is either malformed or otherwise incorrect.');
  if (!domainMatches(sim, domain)) return undefined;
  return sim.config.users.find((u) => u.name === ref.name);
}

function domainMatches(sim: SimCloud, domain: Record<string, unknown>): boolean {
  const d = sim.config.domain;
  return domain.id === d.id || domain.name === d.name;
}

/** Resolves the requested project scope; undefined when the request is unscoped. */
function resolveScope(sim: SimCloud, scope: unknown): string | undefined {
  if (scope === undefined || scope === null) return undefined;
  const s = requireObject(scope, 'auth/scope');
  if (s.project === undefined) throw new HttpError(400, 'Only project scope is supported by the simulator');
  const p = requireObject(s.project, 'scope/project');
  const { project } = sim.config;
  if (typeof p.id === 'string') {
    if (p.id !== project.id) throw unauthorized();
    return project.id;
  }
  if (typeof p.name !== 'string') throw new HttpError(400, "Invalid input for field 'scope/project': expected 'id' or 'name'");
  if (p.domain === undefined) throw new HttpError(400, 'Expecting to find domain in project. The server could not comply with the request since it is either malformed or otherwise incorrect.');
  if (p.name !== project.name || !domainMatches(sim, requireObject(p.domain, 'project/domain'))) throw unauthorized();
  return project.id;
}

async function issueToken(sim: SimCloud, ctx: RequestContext): Promise<void> {
  const body = await readJson(ctx);
  const auth = requireObject(body.auth, 'auth');
  const identity = requireObject(auth.identity, 'auth/identity');
  const methods = identity.methods;
  if (!Array.isArray(methods) || methods.length === 0) throw new HttpError(400, "Invalid input for field 'identity/methods'");
  const method = String(methods[0]);
  let user: SimUser | undefined;
  let projectId: string | undefined;
  let appCred: { id: string; name: string } | undefined;
  if (method === 'password') {
    const pw = requireObject(identity.password, 'identity/password');
    const userRef = requireObject(pw.user, 'password/user');
    user = findUser(sim, userRef);
    if (!user || userRef.password !== user.password) throw unauthorized();
    projectId = resolveScope(sim, auth.scope);
  } else if (method === 'application_credential') {
    if (auth.scope !== undefined) throw unauthorized('Application credentials cannot request a scope.');
    const ac = requireObject(identity.application_credential, 'identity/application_credential');
    let cred = sim.config.applicationCredentials.find((c) => typeof ac.id === 'string' && c.id === ac.id);
    if (!cred && typeof ac.name === 'string') {
      const owner = ac.user === undefined ? undefined : findUser(sim, requireObject(ac.user, 'application_credential/user'));
      if (!owner) throw unauthorized();
      cred = sim.config.applicationCredentials.find((c) => c.name === ac.name && c.userId === owner.id);
    }
    if (!cred || ac.secret !== cred.secret) throw unauthorized();
    user = sim.config.users.find((u) => u.id === cred!.userId);
    if (!user) throw unauthorized();
    projectId = user.projectId;
    appCred = { id: cred.id, name: cred.name };
  } else if (method === 'token') {
    const t = requireObject(identity.token, 'identity/token');
    const old = typeof t.id === 'string' ? liveToken(sim, t.id) : undefined;
    if (!old) throw unauthorized();
    user = sim.config.users.find((u) => u.id === old.userId);
    if (!user) throw unauthorized();
    projectId = resolveScope(sim, auth.scope) ?? (old.projectId || undefined);
  } else {
    throw unauthorized(`Attempted to authenticate with an unsupported method.`);
  }
  if (projectId !== undefined && projectId !== user.projectId) throw unauthorized();
  const now = sim.now();
  const token: TokenRecord = {
    id: 'gAAAAAB' + randomBytes(120).toString('base64url'),
    userId: user.id,
    projectId: projectId ?? '',
    methods: [method],
    issuedAt: now,
    expiresAt: now + sim.config.tokenTtlSeconds * 1000,
  };
  pruneTokens(sim);
  sim.data.tokens[token.id] = token;
  sim.changed();
  sendJson(ctx, 201, { token: tokenBody(sim, ctx, token, appCred) }, { 'X-Subject-Token': token.id });
}

function pruneTokens(sim: SimCloud): void {
  const now = sim.now();
  for (const [id, t] of Object.entries(sim.data.tokens)) if (t.expiresAt < now - 3600_000) delete sim.data.tokens[id];
}

function keystoneTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

function tokenBody(sim: SimCloud, ctx: RequestContext, token: TokenRecord, appCred?: { id: string; name: string }) {
  const user = sim.config.users.find((u) => u.id === token.userId)!;
  const { domain } = sim.config;
  const body: Record<string, unknown> = {
    methods: token.methods,
    user: { domain: { id: domain.id, name: domain.name }, id: user.id, name: user.name, password_expires_at: null },
    audit_ids: [randomBytes(16).toString('base64url').slice(0, 22)],
    expires_at: keystoneTime(token.expiresAt),
    issued_at: keystoneTime(token.issuedAt),
  };
  if (token.projectId) {
    const p = sim.config.project;
    body.project = { domain: { id: domain.id, name: domain.name }, id: p.id, name: p.name };
    body.is_domain = false;
    body.roles = [
      { id: '6c6f8e2a1b3d4c5e9f0a1b2c3d4e5f60', name: 'member' },
      { id: '7d7a9f3b2c4e4d6fa01b2c3d4e5f6a71', name: 'reader' },
    ];
    body.catalog = catalog(sim, ctx.rootUrl, token.projectId);
  }
  if (appCred) body.application_credential = { id: appCred.id, name: appCred.name, restricted: true };
  return body;
}

/** Every service points back at this simulator, under its own path prefix. */
export function catalog(sim: SimCloud, rootUrl: string, projectId: string) {
  const region = sim.config.region;
  const entry = (type: string, name: string, url: string, n: number) => ({
    type,
    name,
    id: `${n}0000000000000000000000000000000`.slice(0, 32),
    endpoints: (['public', 'internal', 'admin'] as const).map((iface, i) => ({
      id: `${n}${i}000000000000000000000000000000`.slice(0, 32),
      interface: iface,
      region,
      region_id: region,
      url,
    })),
  });
  return [
    entry('identity', 'keystone', `${rootUrl}/identity`, 1),
    entry('compute', 'nova', `${rootUrl}/compute/v2.1`, 2),
    entry('image', 'glance', `${rootUrl}/image`, 3),
    entry('network', 'neutron', `${rootUrl}/network`, 4),
    entry('volumev3', 'cinderv3', `${rootUrl}/volume/v3/${projectId}`, 5),
    entry('block-storage', 'cinder', `${rootUrl}/volume/v3/${projectId}`, 6),
  ];
}

function liveToken(sim: SimCloud, id: string): TokenRecord | undefined {
  const t = sim.data.tokens[id];
  if (!t || t.expiresAt <= sim.now()) return undefined;
  return t;
}

function requireCallerToken(sim: SimCloud, ctx: RequestContext): TokenRecord {
  const id = ctx.req.headers['x-auth-token'];
  const t = typeof id === 'string' ? liveToken(sim, id) : undefined;
  if (!t) throw unauthorized();
  return t;
}

function validateToken(sim: SimCloud, ctx: RequestContext): void {
  requireCallerToken(sim, ctx);
  const subject = ctx.req.headers['x-subject-token'];
  const t = typeof subject === 'string' ? liveToken(sim, subject) : undefined;
  if (!t) throw new HttpError(404, `Could not find token: ${typeof subject === 'string' ? subject.slice(0, 8) : ''}...`);
  sendJson(ctx, 200, { token: tokenBody(sim, ctx, t) }, { 'X-Subject-Token': t.id });
}

function revokeToken(sim: SimCloud, ctx: RequestContext): void {
  requireCallerToken(sim, ctx);
  const subject = ctx.req.headers['x-subject-token'];
  if (typeof subject !== 'string' || !sim.data.tokens[subject]) throw new HttpError(404, 'Could not find token.');
  delete sim.data.tokens[subject];
  sim.changed();
  sendEmpty(ctx, 204);
}

/** What keystonemiddleware does in front of every other service: a valid, project-scoped token. */
export function authenticate(sim: SimCloud, ctx: RequestContext): TokenRecord {
  const t = requireCallerToken(sim, ctx);
  if (!t.projectId) throw unauthorized();
  return t;
}

/** Admin: make every issued token expired, so the next use gets 401. */
export function expireAllTokens(sim: SimCloud): number {
  const now = sim.now();
  const tokens = Object.values(sim.data.tokens);
  for (const t of tokens) t.expiresAt = Math.min(t.expiresAt, now);
  sim.changed();
  return tokens.length;
}
