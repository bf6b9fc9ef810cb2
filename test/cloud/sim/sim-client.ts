// Plain-fetch helpers for the simulator tests: token issue and JSON requests, nothing clever.
import type { RunningSimulator } from '../../../src/cloud/sim/server.ts';

export const PASSWORD_AUTH = {
  auth: {
    identity: { methods: ['password'], password: { user: { name: 'demo', domain: { name: 'Default' }, password: 'sim-demo-pw' } } },
    scope: { project: { name: 'demo', domain: { name: 'Default' } } },
  },
};

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** What these helpers need of a simulator: its URL (in this process or its own). */
export type SimEndpoint = Pick<RunningSimulator, 'url'>;

export async function issueToken(sim: SimEndpoint, body: unknown = PASSWORD_AUTH): Promise<ApiResponse & { token: string | null }> {
  const res = await fetch(`${sim.url}/identity/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : null, token: res.headers.get('x-subject-token') };
}

export class SimApi {
  readonly sim: SimEndpoint;
  token: string;
  constructor(sim: SimEndpoint, token: string) {
    this.sim = sim;
    this.token = token;
  }

  static async login(sim: SimEndpoint): Promise<SimApi> {
    const t = await issueToken(sim);
    if (t.status !== 201 || !t.token) throw new Error(`login failed: ${t.status} ${t.text}`);
    return new SimApi(sim, t.token);
  }

  async call<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const url = path.startsWith('http') ? path : `${this.sim.url}${path}`;
    const res = await fetch(url, {
      method,
      headers: { 'x-auth-token': this.token, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = null;
    if (text && (res.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  async networkId(name: string): Promise<string> {
    const r = await this.call('GET', `/network/v2.0/networks?name=${encodeURIComponent(name)}`);
    if (r.body.networks.length !== 1) throw new Error(`network ${name} not found`);
    return r.body.networks[0].id;
  }

  /** Creates and uploads a small active image; returns its id. */
  async activeImage(name = 'test-image', data: Buffer = Buffer.from('image-bytes')): Promise<string> {
    const created = await this.call('POST', '/image/v2/images', { name, disk_format: 'qcow2', container_format: 'bare', visibility: 'private' });
    if (created.status !== 201) throw new Error(`image create failed: ${created.text}`);
    const res = await fetch(`${this.sim.url}/image/v2/images/${created.body.id}/file`, {
      method: 'PUT',
      headers: { 'x-auth-token': this.token, 'content-type': 'application/octet-stream' },
      body: data,
    });
    if (res.status !== 204) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
    return created.body.id;
  }

  async createServer(name: string, imageId: string, extra: Record<string, unknown> = {}): Promise<ApiResponse> {
    const networks = extra.networks ?? [{ uuid: await this.networkId('private') }];
    return this.call('POST', '/compute/v2.1/servers', { server: { name, imageRef: imageId, flavorRef: '1', ...extra, networks } });
  }
}
