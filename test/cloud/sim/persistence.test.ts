import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import ssh2 from 'ssh2';
import { startSimulator } from '../../../src/cloud/sim/server.ts';
import { spawnEntry } from '../../helpers/spawn.ts';
import { waitFor } from '../../helpers/wait.ts';
import { SimApi } from './sim-client.ts';
import { generateEd25519KeyPair } from '../../../src/util/ssh-keypair.ts';

const dirs: string[] = [];
// Every simulator process a test spawns, so a failing assertion cannot leave one running.
const children: ChildProcess[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sim-persist-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('simulator persistence', () => {
  it('keeps servers, images, keypairs, floating IPs, tokens and SSH endpoints across a restart', async () => {
    const stateDir = tempDir();
    const key = generateEd25519KeyPair();
    const first = await startSimulator({ stateDir, config: { buildDelayMs: 0 } });
    const api = await SimApi.login(first);
    const imageId = await api.activeImage('persisted', Buffer.from('persisted-bytes'));
    await api.call('POST', '/compute/v2.1/os-keypairs', { keypair: { name: 'k', public_key: key.public } });
    const serverId = (await api.createServer('np-keep', imageId, { key_name: 'k', metadata: { nodepool_node_id: '42' } })).body.server.id;
    const port = (await api.call('GET', `/network/v2.0/ports?device_id=${serverId}`)).body.ports[0];
    const fip = (await api.call('POST', '/network/v2.0/floatingips', { floatingip: { floating_network_id: await api.networkId('public'), port_id: port.id } })).body.floatingip;
    first.admin.setFaults({ quotaFailNextCreates: 5 });
    const before = await first.admin.state();
    await first.close();

    const second = await startSimulator({ stateDir });
    try {
      const again = new SimApi(second, api.token);
      const server = (await again.call('GET', `/compute/v2.1/servers/${serverId}`)).body.server;
      expect(server).toMatchObject({ status: 'ACTIVE', name: 'np-keep', key_name: 'k' });
      expect(server.metadata.nodepool_node_id).toBe('42');
      expect(server.addresses.private.map((a: { addr: string }) => a.addr)).toEqual([port.fixed_ips[0].ip_address, fip.floating_ip_address]);
      const img = (await again.call('GET', `/image/v2/images/${imageId}`)).body;
      expect(img).toMatchObject({ status: 'active', size: 15 });
      const file = await fetch(`${second.url}/image/v2/images/${imageId}/file`, { headers: { 'x-auth-token': api.token } });
      expect(await file.text()).toBe('persisted-bytes');
      const after = await second.admin.state();
      expect(after.faults).toEqual(before.faults);
      expect(after.keypairs).toEqual(['k']);
      expect(after.floatingIps.map((f) => f.id)).toEqual([fip.id]);
      // The SSH endpoint is back, with the same host keys.
      expect(second.admin.sshHostKeys()).toEqual(first.admin.sshHostKeys());
      const s = after.servers[0];
      const client = await new Promise<ssh2.Client>((resolve, reject) => {
        const c = new ssh2.Client();
        c.on('ready', () => resolve(c)).on('error', reject);
        c.connect({ host: s.sshHost!, port: s.sshPort!, username: 'zuul', privateKey: key.private, readyTimeout: 20_000 });
      });
      client.end();
    } finally {
      await second.close();
    }
  });

  it('runs as nodepool-cloud-sim, prints a usable clouds.yaml, and survives kill -9', async () => {
    const stateDir = tempDir();
    const start = async () => {
      const child = spawnEntry('cloud/sim/main.ts', ['--listen', '127.0.0.1:0', '--state-dir', stateDir, '--cloud-name', 'simtest'], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      let err = '';
      child.stderr!.on('data', (d) => (err += d));
      await waitFor(() => out.includes('identity_api_version'), { timeoutMs: 30_000, message: `clouds.yaml on stdout (stderr: ${err})` });
      const cloud = parseYaml(out).clouds.simtest;
      return { child, cloud };
    };
    const { child, cloud } = await start();
    expect(cloud.auth.auth_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/identity\/v3$/);
    expect(existsSync(join(stateDir, 'clouds.yaml'))).toBe(true);
    const rootUrl = cloud.auth.auth_url.replace(/\/identity\/v3$/, '');
    const sim = { url: rootUrl } as Parameters<typeof SimApi.login>[0];
    const api = await SimApi.login(sim);
    const imageId = await api.activeImage('crash-test');
    // Small states are written before the response, so the kill comes right after the last call.
    expect(JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')).images[imageId].status).toBe('active');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const restarted = await start();
    try {
      const url2 = restarted.cloud.auth.auth_url.replace(/\/identity\/v3$/, '');
      const api2 = await SimApi.login({ url: url2 } as Parameters<typeof SimApi.login>[0]);
      const img = await api2.call('GET', `/image/v2/images/${imageId}`);
      expect(img.body.status).toBe('active');
    } finally {
      restarted.child.kill('SIGTERM');
      const code = await new Promise((r) => restarted.child.once('exit', r));
      expect(code).toBe(0);
    }
  });

  it('puts an upload cut short by a crash back to queued on restart', async () => {
    const stateDir = tempDir();
    const first = await startSimulator({ stateDir, config: { ssh: { enabled: false } } });
    const api = await SimApi.login(first);
    const id = (await api.call('POST', '/image/v2/images', { name: 'cut', disk_format: 'raw', container_format: 'bare' })).body.id;
    await first.close();
    // What a kill -9 in the middle of PUT /file leaves behind: status saving and a partial file.
    const statePath = join(stateDir, 'state.json');
    const data = JSON.parse(readFileSync(statePath, 'utf8'));
    data.images[id].status = 'saving';
    writeFileSync(statePath, JSON.stringify(data));
    writeFileSync(join(stateDir, 'images', `${id}.partial`), 'half');
    const second = await startSimulator({ stateDir });
    try {
      const img = await new SimApi(second, api.token).call('GET', `/image/v2/images/${id}`);
      expect(img.body.status).toBe('queued');
      expect(existsSync(join(stateDir, 'images', `${id}.partial`))).toBe(false);
    } finally {
      await second.close();
    }
  });

  it('refuses to listen anywhere but loopback, and reports bad arguments clearly', async () => {
    await expect(startSimulator({ host: '0.0.0.0' })).rejects.toThrow(/loopback only/);
    const { runEntry } = await import('../../helpers/spawn.ts');
    const r = await runEntry('cloud/sim/main.ts', ['--listen', 'nonsense']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--listen must be HOST:PORT');
    const badConfig = join(tempDir(), 'bad.yaml');
    writeFileSync(badConfig, 'buildDelayMs: -5\n');
    const r2 = await runEntry('cloud/sim/main.ts', ['--config', badConfig]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('buildDelayMs must be >= 0');
    await expect(startSimulator({ config: { buildDelay: 5 } as never })).rejects.toThrow(/unknown key buildDelay/);
  });
});
