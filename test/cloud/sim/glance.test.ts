import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startSimulator, type RunningSimulator } from '../../../src/cloud/sim/server.ts';
import { SimApi } from './sim-client.ts';

describe('simulator Glance v2', () => {
  let sim: RunningSimulator;
  let api: SimApi;
  beforeAll(async () => {
    sim = await startSimulator({ config: { ssh: { enabled: false } } });
    api = await SimApi.login(sim);
  });
  afterAll(() => sim.close());

  it('creates a queued image, streams an upload and reports Glance checksums', async () => {
    const data = randomBytes(20 * 1024 * 1024 + 17);
    const created = await api.call('POST', '/image/v2/images', {
      name: 'ubuntu-noble-1700000000',
      disk_format: 'qcow2',
      container_format: 'bare',
      visibility: 'private',
      nodepool_build_id: '0000000001',
      nodepool_upload_id: '0000000002',
      'owner_specified.openstack.md5': 'abc',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'queued', size: null, checksum: null, nodepool_build_id: '0000000001', visibility: 'private' });
    const id = created.body.id;
    // Streamed through undici.request with an explicit Content-Length, as the client does.
    const put = await request(`${sim.url}/image/v2/images/${id}/file`, {
      method: 'PUT',
      headers: { 'x-auth-token': api.token, 'content-type': 'application/octet-stream', 'content-length': String(data.length) },
      body: data,
    });
    await put.body.dump();
    expect(put.statusCode).toBe(204);
    const shown = (await api.call('GET', `/image/v2/images/${id}`)).body;
    expect(shown.status).toBe('active');
    expect(shown.size).toBe(data.length);
    expect(shown.checksum).toBe(createHash('md5').update(data).digest('hex'));
    expect(shown.os_hash_algo).toBe('sha512');
    expect(shown.os_hash_value).toBe(createHash('sha512').update(data).digest('hex'));
    // The bytes are on disk in the state dir, identical.
    const onDisk = readFileSync(join(sim.stateDir, 'images', id));
    expect(createHash('sha256').update(onDisk).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    const again = await request(`${sim.url}/image/v2/images/${id}/file`, { method: 'PUT', headers: { 'x-auth-token': api.token }, body: 'x' });
    await again.body.dump();
    expect(again.statusCode).toBe(409);
  });

  it('reports os_hash_algo sha256 when configured like Glance\'s hashing_algorithm', async () => {
    const other = await startSimulator({ config: { imageHashAlgorithm: 'sha256', ssh: { enabled: false } } });
    try {
      const a = await SimApi.login(other);
      const data = randomBytes(100_000);
      const id = await a.activeImage('sha256-image', data);
      const shown = (await a.call('GET', `/image/v2/images/${id}`)).body;
      expect(shown.os_hash_algo).toBe('sha256');
      expect(shown.os_hash_value).toBe(createHash('sha256').update(data).digest('hex'));
      expect(shown.checksum).toBe(createHash('md5').update(data).digest('hex'));
    } finally {
      await other.close();
    }
  });

  it('filters by name, status and property, and paginates with next', async () => {
    for (let i = 0; i < 30; i++) {
      await api.call('POST', '/image/v2/images', { name: `page-${i}`, disk_format: 'raw', container_format: 'bare', group: i % 2 ? 'odd' : 'even' });
    }
    const active = await api.activeImage('findme');
    const byName = (await api.call('GET', '/image/v2/images?name=findme&status=active')).body.images;
    expect(byName.map((i: { id: string }) => i.id)).toEqual([active]);
    const odd = (await api.call('GET', '/image/v2/images?group=odd&limit=100')).body.images;
    expect(odd).toHaveLength(15);
    const ids = new Set<string>();
    let next: string | undefined = '/v2/images?limit=7';
    let pages = 0;
    while (next && pages < 20) {
      const r: { body: { images: { id: string }[]; next?: string } } = await api.call('GET', `/image${next}`);
      r.body.images.forEach((i) => ids.add(i.id));
      next = r.body.next;
      pages++;
    }
    const total = (await api.call('GET', '/image/v2/images?limit=1000')).body.images.length;
    expect(ids.size).toBe(total);
    expect(total).toBeGreaterThanOrEqual(32);
    expect((await api.call('GET', '/image/v2/images')).body.images).toHaveLength(25);
  });

  it('patches properties and deletes images with their file', async () => {
    const id = await api.activeImage('to-delete');
    const patched = await api.call('PATCH', `/image/v2/images/${id}`, [{ op: 'add', path: '/nodepool_upload_id', value: '7' }], {
      'content-type': 'application/openstack-images-v2.1-json-patch',
    });
    expect(patched.status).toBe(200);
    expect(patched.body.nodepool_upload_id).toBe('7');
    expect(existsSync(join(sim.stateDir, 'images', id))).toBe(true);
    expect((await api.call('DELETE', `/image/v2/images/${id}`)).status).toBe(204);
    const gone = await api.call('GET', `/image/v2/images/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.text).toContain(`No image found with ID ${id}`);
    expect(existsSync(join(sim.stateDir, 'images', id))).toBe(false);
  });

  it('rejects bad formats and read-only attributes', async () => {
    expect((await api.call('POST', '/image/v2/images', { name: 'x', disk_format: 'floppy' })).status).toBe(400);
    expect((await api.call('POST', '/image/v2/images', { name: 'x', status: 'active' })).status).toBe(403);
    expect((await api.call('POST', '/image/v2/images', { name: 'x', custom: 5 })).status).toBe(400);
  });

  it('puts an interrupted upload back to queued', async () => {
    const created = await api.call('POST', '/image/v2/images', { name: 'cut', disk_format: 'raw', container_format: 'bare' });
    const id = created.body.id;
    // Announce 1 MiB, send 1 KiB, then drop the connection.
    const { connect } = await import('node:net');
    const url = new URL(sim.url);
    const { waitFor } = await import('../../helpers/wait.ts');
    const sock = connect(Number(url.port), url.hostname, () => {
      sock.write(`PUT /image/v2/images/${id}/file HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${api.token}\r\nContent-Type: application/octet-stream\r\nContent-Length: 1048576\r\n\r\n`);
      sock.write(Buffer.alloc(1024));
    });
    sock.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => sock.on('close', () => resolve()));
    // Cut the connection once the simulator is receiving (saving), not after a guessed delay.
    await waitFor(async () => (await api.call('GET', `/image/v2/images/${id}`)).body.status === 'saving', { message: 'upload under way' });
    sock.destroy();
    await closed;
    await waitFor(async () => (await api.call('GET', `/image/v2/images/${id}`)).body.status === 'queued', { message: 'image back to queued' });
    expect(existsSync(join(sim.stateDir, 'images', `${id}.partial`))).toBe(false);
  });
});
