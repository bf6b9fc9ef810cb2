// An authenticated OpenStack session: endpoint from the catalog, X-Auth-Token, compute
// microversion, and one re-authentication when a service answers 401.
import type { Readable } from 'node:stream';
import { CloudError } from '../errors.ts';
import type { KeystoneAuth } from './auth.ts';
import { selectEndpoint } from './catalog.ts';
import type { HttpCore, HttpResponse } from './http-core.ts';
import { collectPages, nextLink, type Page } from './pagination.ts';

export type ServiceType = 'compute' | 'image' | 'network' | 'block-storage';

/** Compute microversion sent unless clouds.yaml gives compute_api_version "2.x". 2.47+ embeds the flavor in servers. */
export const DEFAULT_COMPUTE_MICROVERSION = '2.53';

export interface SessionOptions {
  http: HttpCore;
  auth: KeystoneAuth;
  interface: string;
  region: string | null;
  /** clouds.yaml compute_api_version; only a "2.x" value is used as the microversion. */
  computeApiVersion?: string | null;
}

export interface CallOptions {
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  headers?: Record<string, string>;
  body?: () => Readable | Buffer | string;
  timeoutMs?: number;
  signal?: AbortSignal;
  retry?: boolean;
  safeToRepeat?: boolean;
  maxBodyBytes?: number;
}

export class OpenStackSession {
  readonly computeMicroversion: string;
  private readonly http: HttpCore;
  private readonly auth: KeystoneAuth;
  private readonly iface: string;
  private readonly region: string | null;

  constructor(options: SessionOptions) {
    this.http = options.http;
    this.auth = options.auth;
    this.iface = options.interface;
    this.region = options.region;
    const v = options.computeApiVersion ?? '';
    this.computeMicroversion = /^2\.\d+$/.test(v) ? v : DEFAULT_COMPUTE_MICROVERSION;
  }

  async endpoint(service: ServiceType, signal?: AbortSignal): Promise<string> {
    const token = await this.auth.token(signal);
    return selectEndpoint(token.catalog, service, this.iface, this.region);
  }

  /** `path` is relative to the service endpoint, or an absolute URL (a next link). */
  async call(service: ServiceType, method: string, path: string, options: CallOptions = {}): Promise<HttpResponse> {
    for (let authAttempt = 1; ; authAttempt++) {
      const token = await this.auth.token(options.signal);
      const base = selectEndpoint(token.catalog, service, this.iface, this.region);
      const url = buildUrl(base, path, options.query);
      const headers: Record<string, string> = { ...options.headers, 'x-auth-token': token.value };
      if (service === 'compute') {
        headers['openstack-api-version'] = `compute ${this.computeMicroversion}`;
        headers['x-openstack-nova-api-version'] = this.computeMicroversion;
      }
      try {
        return await this.http.send({
          service, method, url, headers, json: options.json, body: options.body,
          timeoutMs: options.timeoutMs, signal: options.signal, retry: options.retry, safeToRepeat: options.safeToRepeat,
          maxBodyBytes: options.maxBodyBytes,
        });
      } catch (err) {
        // A token can be revoked or expire early; one fresh token is worth one more try.
        if (err instanceof CloudError && err.details.status === 401 && authAttempt === 1) {
          this.auth.invalidate(token.value);
          continue;
        }
        throw err;
      }
    }
  }

  /** GET every page of a Nova/Neutron collection (`key` and `key_links`). */
  async listAll<T>(service: ServiceType, path: string, key: string, query: CallOptions['query'] = {}, maxPages?: number): Promise<T[]> {
    const base = await this.endpoint(service);
    return collectPages<T>(
      buildUrl(base, path, query),
      async (url): Promise<Page<T>> => {
        const res = await this.call(service, 'GET', url);
        const body = (res.body ?? {}) as Record<string, unknown>;
        const items = Array.isArray(body[key]) ? (body[key] as T[]) : [];
        // Glance puts the link in `next`; Nova and Neutron in `<key>_links`.
        const next = typeof body.next === 'string' ? body.next : nextLink(body[`${key}_links`]);
        return { items, next };
      },
      { maxPages, what: `${service} ${path}` },
    );
  }
}

export function buildUrl(base: string, path: string, query: CallOptions['query'] = {}): string {
  const url = /^https?:\/\//.test(path) ? new URL(path) : new URL(`${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`);
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined) url.searchParams.set(k, String(v));
  }
  return url.toString();
}
