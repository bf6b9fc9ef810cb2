// Keystone v3 tokens: password (project-scoped) or application credential; re-auth before expiry.
import type { CloudAuth } from '../../config/model.ts';
import type { Clock } from '../../util/clock.ts';
import type { Logger } from '../../util/logger.ts';
import { TerminalError } from '../errors.ts';
import { identityV3Root, type CatalogEntry } from './catalog.ts';
import type { HttpCore } from './http-core.ts';

export interface KeystoneToken {
  /** The X-Subject-Token value: a secret, never logged. */
  value: string;
  /** Epoch ms. */
  expiresAt: number;
  issuedAt: number;
  catalog: CatalogEntry[];
  projectId: string | null;
  userId: string | null;
}

/** Renew when this close to expiry: a minute, or half the lifetime for short-lived tokens. */
export function renewMarginMs(token: Pick<KeystoneToken, 'issuedAt' | 'expiresAt'>): number {
  return Math.min(60_000, Math.max(0, (token.expiresAt - token.issuedAt) / 2));
}

function domainRef(id: string | undefined, name: string | undefined): { id: string } | { name: string } {
  if (id) return { id };
  if (name) return { name };
  return { id: 'default' };
}

/** The POST /v3/auth/tokens body for a clouds.yaml auth section (pure). */
export function authRequestBody(auth: CloudAuth): unknown {
  if (auth.type === 'password') {
    const user: Record<string, unknown> = auth.userId
      ? { id: auth.userId, password: auth.password }
      : { name: auth.username, domain: domainRef(auth.userDomainId, auth.userDomainName), password: auth.password };
    if (!auth.userId && !auth.username) throw new TerminalError('clouds.yaml auth needs username or user_id', { service: 'identity' });
    let scope: unknown;
    if (auth.projectId) scope = { project: { id: auth.projectId } };
    else if (auth.projectName) {
      scope = { project: { name: auth.projectName, domain: domainRef(auth.projectDomainId, auth.projectDomainName) } };
    }
    return { auth: { identity: { methods: ['password'], password: { user } }, ...(scope ? { scope } : {}) } };
  }
  let credential: Record<string, unknown>;
  if (auth.applicationCredentialId) {
    credential = { id: auth.applicationCredentialId, secret: auth.applicationCredentialSecret };
  } else if (auth.applicationCredentialName && auth.username) {
    credential = {
      name: auth.applicationCredentialName,
      secret: auth.applicationCredentialSecret,
      user: { name: auth.username, domain: domainRef(undefined, auth.userDomainName) },
    };
  } else {
    throw new TerminalError('application credential needs application_credential_id, or its name plus username', { service: 'identity' });
  }
  return { auth: { identity: { methods: ['application_credential'], application_credential: credential } } };
}

export class KeystoneAuth {
  private readonly http: HttpCore;
  private readonly auth: CloudAuth;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private current: KeystoneToken | null = null;
  private pending: Promise<KeystoneToken> | null = null;

  constructor(http: HttpCore, auth: CloudAuth, clock: Clock, logger: Logger) {
    this.http = http;
    this.auth = auth;
    this.clock = clock;
    this.logger = logger;
  }

  /** A valid token, fetching a new one when none is held or it is about to expire. */
  async token(signal?: AbortSignal): Promise<KeystoneToken> {
    const t = this.current;
    if (t && this.clock.now() < t.expiresAt - renewMarginMs(t)) return t;
    // One authentication at a time; concurrent callers share it.
    this.pending ??= this.authenticate(signal).finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  /** Forget `value` (the cloud answered 401 with it) so the next token() re-authenticates. */
  invalidate(value: string): void {
    if (this.current?.value === value) this.current = null;
  }

  private async authenticate(signal?: AbortSignal): Promise<KeystoneToken> {
    const res = await this.http.send({
      service: 'identity',
      method: 'POST',
      url: `${identityV3Root(this.auth.authUrl)}/auth/tokens`,
      json: authRequestBody(this.auth),
      signal,
      safeToRepeat: true,
    });
    const header = res.headers['x-subject-token'];
    const value = Array.isArray(header) ? header[0] : header;
    const body = res.body as { token?: { expires_at?: string; issued_at?: string; catalog?: CatalogEntry[]; project?: { id?: string }; user?: { id?: string } } } | null;
    if (!value || !body?.token) throw new TerminalError('Keystone answered without X-Subject-Token or token body', { service: 'identity', requestId: res.requestId ?? undefined });
    const now = this.clock.now();
    const expiresAt = body.token.expires_at ? Date.parse(body.token.expires_at) : NaN;
    const issuedAt = body.token.issued_at ? Date.parse(body.token.issued_at) : now;
    const token: KeystoneToken = {
      value,
      // A token without a parseable expiry is treated as valid for an hour, like keystoneauth.
      expiresAt: Number.isNaN(expiresAt) ? now + 3_600_000 : expiresAt,
      issuedAt: Number.isNaN(issuedAt) ? now : Math.min(issuedAt, now),
      catalog: body.token.catalog ?? [],
      projectId: body.token.project?.id ?? null,
      userId: body.token.user?.id ?? null,
    };
    this.logger.debug({ expiresAt: new Date(token.expiresAt).toISOString(), projectId: token.projectId }, 'keystone token issued');
    this.current = token;
    return token;
  }
}
