// Keystone v3 tokens: password (project-scoped) or application credential; re-auth before expiry.
import type { CloudAuth } from '../../config/model.ts';
import type { Clock } from '../../util/clock.ts';
import type { Logger } from '../../util/logger.ts';
import { CloudError, TerminalError } from '../errors.ts';
import { identityV3Root, type CatalogEntry } from './catalog.ts';
import type { HttpCore } from './http-core.ts';
import { jitterDelay } from './retry-policy.ts';

/**
 * After a failed login, no new attempt before this backoff (doubling per consecutive failure,
 * jittered): every caller re-posting a bad password could lock the account.
 */
export const AUTH_BACKOFF = { baseDelayMs: 10_000, maxDelayMs: 300_000 } as const;

/** Pure: how long to wait after the `failures`-th consecutive failed login. */
export function authBackoffMs(failures: number, random: number): number {
  const raw = Math.min(AUTH_BACKOFF.baseDelayMs * 2 ** Math.max(0, failures - 1), AUTH_BACKOFF.maxDelayMs);
  return jitterDelay(raw, false, random);
}

/** Waits for a shared promise, or rejects when this caller's signal aborts (the promise runs on). */
function untilAborted<T>(shared: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    shared.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e: unknown) => { signal.removeEventListener('abort', onAbort); reject(e); },
    );
  });
}

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
  private readonly random: () => number;
  private current: KeystoneToken | null = null;
  private pending: Promise<KeystoneToken> | null = null;
  private failed: { error: unknown; count: number; retryAt: number } | null = null;

  constructor(http: HttpCore, auth: CloudAuth, clock: Clock, logger: Logger, random: () => number = Math.random) {
    this.http = http;
    this.auth = auth;
    this.clock = clock;
    this.logger = logger;
    this.random = random;
  }

  /**
   * A valid token, fetching a new one when none is held or it is about to expire. One login is
   * in flight at a time and every caller shares it; a caller's abort only stops its own wait.
   * After a failed login, callers get that failure until the backoff has passed.
   */
  async token(signal?: AbortSignal): Promise<KeystoneToken> {
    const t = this.current;
    if (t && this.clock.now() < t.expiresAt - renewMarginMs(t)) return t;
    signal?.throwIfAborted();
    if (!this.pending) {
      const f = this.failed;
      if (f && this.clock.now() < f.retryAt) throw backedOff(f.error, f.retryAt - this.clock.now());
      const attempt = this.authenticate().then(
        (token) => {
          this.failed = null;
          return token;
        },
        (err: unknown) => {
          const count = (this.failed?.count ?? 0) + 1;
          const waitMs = authBackoffMs(count, this.random());
          this.failed = { error: err, count, retryAt: this.clock.now() + waitMs };
          this.logger.warn({ failures: count, retryInMs: waitMs, err: (err as Error)?.message }, 'keystone login failed; backing off');
          throw err;
        },
      ).finally(() => {
        this.pending = null;
      });
      // Every caller may have stopped waiting; the outcome is recorded above either way.
      attempt.catch(() => undefined);
      this.pending = attempt;
    }
    return signal ? untilAborted(this.pending, signal) : this.pending;
  }

  /** Forget `value` (the cloud answered 401 with it) so the next token() re-authenticates. */
  invalidate(value: string): void {
    if (this.current?.value === value) this.current = null;
  }

  /** Not tied to any caller's signal: the login is shared (the HTTP core's timeout bounds it). */
  private async authenticate(): Promise<KeystoneToken> {
    const res = await this.http.send({
      service: 'identity',
      method: 'POST',
      url: `${identityV3Root(this.auth.authUrl)}/auth/tokens`,
      json: authRequestBody(this.auth),
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

/** The last login failure, said again to a caller arriving during the backoff, same class. */
function backedOff(error: unknown, remainingMs: number): Error {
  const note = `(Keystone login backed off after a failure: next attempt in ${Math.ceil(remainingMs / 1000)} s)`;
  if (error instanceof CloudError) {
    const Kind = error.constructor as new (message: string, details: CloudError['details'], options?: { cause?: unknown }) => CloudError;
    return new Kind(`${error.message} ${note}`, error.details, { cause: error });
  }
  return new TerminalError(`${(error as Error)?.message ?? String(error)} ${note}`, { service: 'identity' }, { cause: error });
}
