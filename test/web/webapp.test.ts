// The web app over real HTTP on loopback, reading a real ZooKeeper through the store.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { testZk, type TestZk } from '../harness/zk.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { startWebApp, type WebApp } from '../../src/web/app.ts';
import { ManualClock } from '../../src/util/clock.ts';
import { createMetrics, type NodepoolMetrics } from '../../src/stats/metrics.ts';
import { reportLaunch } from '../../src/stats/launcher-metrics.ts';
import { makeNode, makeRequest, makeBuild, makeUpload, makePool } from './status-fixtures.ts';

let zk: TestZk;
let store: ZkStore;
let app: WebApp;
let ready = false;
let metrics: NodepoolMetrics;
const clock = new ManualClock(Date.UTC(2026, 10, 23, 9, 0, 0));
const nowS = () => clock.now() / 1000;

const url = (path: string) => `http://127.0.0.1:${app.port}${path}`;
const get = (path: string, headers: Record<string, string> = {}) => fetch(url(path), { headers });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();

beforeAll(async () => {
  zk = testZk({ name: 'webapp' });
  store = new ZkStore(await zk.connect());
  await store.init();
  const { id: _a, ...n0 } = makeNode({ id: 'x', provider: 'cloud-a', pool: 'main', type: ['small'], external_id: 'srv-0', public_ipv4: '203.0.113.10', private_ipv4: '10.0.0.1', az: 'nova', state: 'ready', state_time: nowS() - 125, launcher: 'nl01' });
  const { id: _b, ...n1 } = makeNode({ id: 'x', provider: 'cloud-a', pool: 'main', type: ['big'], state: 'building', state_time: nowS() - 5 });
  await store.createNode(n0);
  await store.createNode(n1);
  const build = await store.createBuild(makeBuild({ id: 'cab10ab84d024b29b13e598e325c047b', image: 'fake-dib-image', builder: 'localhost', formats: ['qcow2'], state_time: nowS() - 31 }));
  await store.createBuild(makeBuild({ id: '0d1c2a', image: 'multi-format', builder: 'localhost', formats: ['vhd', 'qcow2', 'raw'], state_time: nowS() - 40 }));
  const { id: _u, ...upload } = makeUpload({ id: 'x', image: 'fake-dib-image', build_id: build.id, provider: 'cloud-a', external_id: 'img', external_name: 'fake-dib-image-1', state_time: nowS() - 20 });
  await store.createUpload(upload);
  await store.registerComponent(makePool({ id: 'nl01-PoolWorker.cloud-a-main-1', provider_name: 'cloud-a', supported_labels: ['small', 'big'] }));
  metrics = await createMetrics();
  app = await startWebApp({ store, config: { port: 0 }, isReady: () => ready, metrics, clock });
});
afterAll(async () => {
  await app?.close();
  await zk?.closeAll();
});

describe('web app', () => {
  it('binds 127.0.0.1 by default', () => {
    expect(app.host).toBe('127.0.0.1');
  });

  it('/node-list as text: every column, upstream caching headers', async () => {
    const res = await get('/node-list');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=UTF-8');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toBe('public, max-age=1');
    const lm = Date.parse(res.headers.get('last-modified')!);
    expect(lm).toBe(Math.floor(clock.now() / 1000) * 1000);
    expect(Date.parse(res.headers.get('expires')!)).toBe(lm + 1000);
    const text = await res.text();
    const header = text.split('\n')[1].split('|').slice(1, -1).map((c) => c.trim());
    expect(header).toHaveLength(21);
    expect(text).toContain('| 0000000000 | cloud-a  | small | srv-0     | 203.0.113.10 |      | ready    | 00:00:02:05 | unlocked | main |');
  });

  it('/node-list as JSON: the reference shape; ?node_id= selects one node', async () => {
    const res = await get('/node-list', { Accept: 'application/json' });
    expect(res.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    const rows = await json(res);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual({
      id: '0000000000', provider: 'cloud-a', label: ['small'], server_id: 'srv-0', public_ipv4: '203.0.113.10', ipv6: null,
      state: 'ready', age: Math.trunc(nowS() - 125), locked: 'unlocked', pool: 'main', hostname: null, private_ipv4: '10.0.0.1',
      AZ: 'nova', username: 'zuul', connection_port: 22, launcher: 'nl01', allocated_to: null, hold_job: null, comment: null,
      user_data: null, driver_data: null,
    });
    const one = await json(get('/node-list?node_id=0000000001', { Accept: 'application/json' }));
    expect(one.map((r: { id: string }) => r.id)).toEqual(['0000000001']);
  });

  it('?fields= restricts the text columns and is ignored for JSON', async () => {
    const text = await (await get('/node-list?fields=id,state')).text();
    expect(text.split('\n')[1]).toBe('| ID         | State    |');
    const rows = await json(get('/node-list?fields=id,state', { Accept: 'application/json' }));
    expect(Object.keys(rows[0])).toHaveLength(21);
  });

  it('Accept negotiation follows upstream: */* and text/html get text', async () => {
    for (const accept of ['*/*', 'text/html', 'text/plain, application/json', 'application/json;q=0.5, text/plain']) {
      expect((await get('/label-list', { Accept: accept })).headers.get('content-type'), accept).toBe('text/plain; charset=UTF-8');
    }
    expect((await get('/label-list', { Accept: 'text/plain;q=0.1, application/json' })).headers.get('content-type')).toBe('application/json; charset=UTF-8');
  });

  it('serves the other listings', async () => {
    expect(await (await get('/label-list', { Accept: 'application/json' })).json()).toEqual([{ label: 'big' }, { label: 'small' }]);
    expect(await (await get('/image-list')).text()).toContain('| cab10ab84d024b29b13e598e325c047b | 0000000001 | cloud-a  | fake-dib-image | fake-dib-image-1    | img               | ready | 00:00:00:20 |');
    expect(await (await get('/dib-image-list')).text()).toMatch(/\| fake-dib-image-cab10ab84d024b29b13e598e325c047b +\| fake-dib-image +\| localhost \| qcow2 +\| ready \| 00:00:00:31 \|/);
    // As upstream's JSON: formats is a list (sorted here); the text table joins it.
    const dibs = (await json(get('/dib-image-list', { Accept: 'application/json' }))) as { image: string; formats: string[] }[];
    expect(dibs.find((d) => d.image === 'multi-format')?.formats).toEqual(['qcow2', 'raw', 'vhd']);
    expect(dibs.find((d) => d.image === 'fake-dib-image')?.formats).toEqual(['qcow2']);
    expect(await (await get('/dib-image-list')).text()).toMatch(/\| multi-format +\| localhost \| qcow2,raw,vhd \|/);
    expect((await json(get('/image-status', { Accept: 'application/json' })))[0]).toEqual({ image: 'fake-dib-image', paused: false, build_request: null, build_request_age: null });
    expect((await get('/request-list')).status).toBe(200);
  });

  it('caches each listing for 1 s per path, parameters and format', async () => {
    const first = await json(get('/request-list', { Accept: 'application/json' }));
    const { id: _r, ...r } = makeRequest({ id: 'x', node_types: ['small'], requestor: 'zuul', state_time: nowS() });
    await store.submitRequest(r, '200', false);
    expect(await (await get('/request-list', { Accept: 'application/json' })).json()).toEqual(first);
    await clock.advance(1001);
    const fresh = await (await get('/request-list', { Accept: 'application/json' })).json();
    expect(fresh).toHaveLength(first.length + 1);
  });

  it('answers If-Modified-Since with 304', async () => {
    const res = await get('/label-list');
    const again = await get('/label-list', { 'If-Modified-Since': res.headers.get('last-modified')! });
    expect(again.status).toBe(304);
  });

  it('/ready is 503 until the launcher is ready', async () => {
    const before = await get('/ready');
    expect(before.status).toBe(503);
    ready = true;
    const after = await get('/ready');
    expect(after.status).toBe(200);
    expect(await after.text()).toBe('OK');
  });

  it('unknown paths are 404, writes are 405', async () => {
    expect((await get('/nope')).status).toBe(404);
    expect((await get('/node-list.json')).status).toBe(404);
    const post = await fetch(url('/node-list'), { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(url('/node-list'), { method: 'DELETE' })).status).toBe(405);
  });

  it('/metrics exports the registry in Prometheus text format', async () => {
    reportLaunch(metrics, { provider: 'cloud-a', az: 'nova', requestor: null, result: 'ready', durationMs: 1500 });
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await res.text();
    expect(text).toContain('# TYPE nodepool_launch_total counter\nnodepool_launch_total{result="ready"} 1\n');
    expect(text).toContain('nodepool_launch_duration_seconds_sum{result="ready"} 1.5\n');
  });
});
