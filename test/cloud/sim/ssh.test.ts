import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import { startSimulator, type RunningSimulator } from '../../../src/cloud/sim/server.ts';
import { rewriteSandboxPaths } from '../../../src/cloud/sim/ssh-exec.ts';
import { waitFor } from '../../helpers/wait.ts';
import { SimApi } from './sim-client.ts';
import { generateEd25519KeyPair } from '../../../src/util/ssh-keypair.ts';

const { Client, utils } = ssh2;

interface Target { host: string; port: number }

function connect(target: Target, privateKey: string | undefined, extra: Partial<ssh2.ConnectConfig> = {}): Promise<ssh2.Client> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    c.on('ready', () => resolve(c));
    c.on('error', reject);
    c.connect({ host: target.host, port: target.port, username: 'zuul', privateKey, readyTimeout: 20_000, ...extra });
  });
}

function exec(c: ssh2.Client, command: string, stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    c.exec(command, (err, stream) => {
      if (err) return reject(err);
      let stdout = '';
      let stderr = '';
      let code = -1;
      stream.on('data', (d: Buffer) => (stdout += d));
      stream.stderr.on('data', (d: Buffer) => (stderr += d));
      stream.on('exit', (c: number) => (code = c));
      stream.on('close', () => resolve({ code, stdout, stderr }));
      if (stdin !== undefined) stream.end(stdin);
      else stream.end();
    });
  });
}

describe('simulator SSH endpoints', () => {
  let sim: RunningSimulator;
  let api: SimApi;
  let imageId: string;
  const key = generateEd25519KeyPair();
  let server: { id: string; target: Target; sandbox: string };

  beforeAll(async () => {
    sim = await startSimulator({ config: { buildDelayMs: 0 } });
    api = await SimApi.login(sim);
    imageId = await api.activeImage();
    await api.call('POST', '/compute/v2.1/os-keypairs', { keypair: { name: 'nodepool', public_key: key.public } });
    const id = (await api.createServer('np-ssh', imageId, { key_name: 'nodepool' })).body.server.id;
    const detail = (await api.call('GET', `/compute/v2.1/servers/${id}`)).body.server;
    const port = Number(detail.metadata.sim_ssh_port);
    expect(detail['OS-EXT-SIM:ssh_port']).toBe(port);
    const host = detail.addresses.private[0].addr;
    const admin = (await sim.admin.listServers()).find((s) => s.id === id)!;
    expect(admin).toMatchObject({ sshHost: host, sshPort: port });
    server = { id, target: { host, port }, sandbox: admin.sandboxDir };
  });
  afterAll(() => sim.close());

  it('runs exec commands in the sandbox with the configured prefixes rewritten', async () => {
    const c = await connect(server.target, key.private);
    try {
      // The image's elements made these; the classic launcher checks for /etc/nodepool first.
      expect((await exec(c, 'test -d /etc/nodepool && test -d /opt/nodepool-scripts')).code).toBe(0);
      const r = await exec(c, 'mkdir -p /etc/nodepool && echo primary > /etc/nodepool/role && cat /etc/nodepool/role && echo "$NODEPOOL_SANDBOX" && pwd');
      expect(r.code).toBe(0);
      const [role, sandbox, cwd] = r.stdout.trim().split('\n');
      expect(role).toBe('primary');
      expect(sandbox).toBe(server.sandbox);
      expect(cwd).toBe(server.sandbox);
      expect(readFileSync(join(server.sandbox, 'etc/nodepool/role'), 'utf8')).toBe('primary\n');
      const withStdin = await exec(c, 'mkdir -p /opt/nodepool-scripts && cat > /opt/nodepool-scripts/ready.sh && chmod +x /opt/nodepool-scripts/ready.sh', '#!/bin/sh\necho ready "$1"\n');
      expect(withStdin.code).toBe(0);
      const ran = await exec(c, 'cd /opt/nodepool-scripts && NODEPOOL_PROVIDER=sim ./ready.sh np1');
      expect(ran).toMatchObject({ code: 0, stdout: 'ready np1\n' });
      const failed = await exec(c, 'echo oops >&2; exit 3');
      expect(failed).toMatchObject({ code: 3, stderr: 'oops\n' });
    } finally {
      c.end();
    }
  });

  it('serves SFTP confined to the sandbox', async () => {
    const c = await connect(server.target, key.private);
    try {
      const sftp = await new Promise<ssh2.SFTPWrapper>((resolve, reject) => c.sftp((err, s) => (err ? reject(err) : resolve(s))));
      for (const dir of ['/var', '/var/log', '/var/log/nodepool']) {
        await new Promise<void>((resolve, reject) => sftp.mkdir(dir, (err) => (err ? reject(err) : resolve())));
      }
      const missing = await new Promise<Error | undefined>((resolve) => sftp.mkdir('/no/such/parent', (err) => resolve(err ?? undefined)));
      expect(String(missing)).toContain('ENOENT');
      expect(String(missing)).not.toContain(server.sandbox);
      await new Promise<void>((resolve, reject) => sftp.writeFile('/../../var/log/nodepool/x.txt', 'hello sftp', (err) => (err ? reject(err) : resolve())));
      const back = await new Promise<string>((resolve, reject) => sftp.readFile('/var/log/nodepool/x.txt', (err, d) => (err ? reject(err) : resolve(d.toString()))));
      expect(back).toBe('hello sftp');
      expect(readFileSync(join(server.sandbox, 'var/log/nodepool/x.txt'), 'utf8')).toBe('hello sftp');
      const names = await new Promise<string[]>((resolve, reject) => sftp.readdir('/var/log/nodepool', (err, l) => (err ? reject(err) : resolve(l.map((e) => e.filename)))));
      expect(names).toEqual(['x.txt']);
    } finally {
      c.end();
    }
  });

  it('presents the simulator host keys to a keyscan, one per algorithm', async () => {
    const found: string[] = [];
    for (const alg of ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'rsa-sha2-512'] as const) {
      await connect(server.target, undefined, {
        algorithms: { serverHostKey: [alg] },
        hostVerifier: (buf: Buffer) => {
          const parsed = utils.parseKey(buf);
          if (!(parsed instanceof Error)) found.push(`${parsed.type} ${buf.toString('base64')}`);
          return false;
        },
      }).catch(() => undefined);
    }
    expect(found.sort()).toEqual([...sim.admin.sshHostKeys()].sort());
    expect(found).toHaveLength(3);
  });

  it('rejects keys other than the server keypair', async () => {
    const other = generateEd25519KeyPair();
    await expect(connect(server.target, other.private)).rejects.toThrow(/authentication/i);
  });

  it('answers on an attached floating IP too', async () => {
    const port = (await api.call('GET', `/network/v2.0/ports?device_id=${server.id}`)).body.ports[0];
    const fip = (await api.call('POST', '/network/v2.0/floatingips', { floatingip: { floating_network_id: await api.networkId('public'), port_id: port.id } })).body.floatingip;
    const c = await connect({ host: fip.floating_ip_address, port: server.target.port }, key.private);
    expect((await exec(c, 'echo via-fip')).stdout).toBe('via-fip\n');
    c.end();
  });

  it('does not answer for a server still in BUILD', async () => {
    sim.admin.setFaults({ stuckServers: 1 });
    const id = (await api.createServer('np-stuck', imageId, { key_name: 'nodepool' })).body.server.id;
    const stuck = (await sim.admin.listServers()).find((s) => s.id === id)!;
    expect(stuck.status).toBe('BUILD');
    // Stuck servers get no endpoint at all; the port is not listening.
    expect(stuck.sshPort).toBeNull();
  });

  it('stops answering while the server is stopped (os-stop) and answers again after os-start', async () => {
    const id = (await api.createServer('np-stop', imageId, { key_name: 'nodepool' })).body.server.id;
    const s = (await sim.admin.listServers()).find((x) => x.id === id)!;
    (await connect({ host: s.sshHost!, port: s.sshPort! }, key.private)).end();
    expect((await api.call('POST', `/compute/v2.1/servers/${id}/action`, { 'os-stop': null })).status).toBe(202);
    expect((await api.call('GET', `/compute/v2.1/servers/${id}`)).body.server.status).toBe('SHUTOFF');
    await expect(connect({ host: s.sshHost!, port: s.sshPort! }, key.private)).rejects.toThrow();
    expect((await api.call('POST', `/compute/v2.1/servers/${id}/action`, { 'os-start': null })).status).toBe(202);
    const again = (await sim.admin.listServers()).find((x) => x.id === id)!;
    expect(again.status).toBe('ACTIVE');
    const c = await connect({ host: again.sshHost!, port: again.sshPort! }, key.private);
    expect((await exec(c, 'echo back')).stdout).toBe('back\n');
    c.end();
  });

  it('stops answering once the server is killed', async () => {
    const killed = await sim.admin.killServer(server.id);
    expect(killed.status).toBe('SHUTOFF');
    await expect(connect(server.target, key.private)).rejects.toThrow();
    expect(existsSync(server.sandbox)).toBe(true);
  });

  it('kills only the SSH endpoint over the admin REST API, leaving the server ACTIVE', async () => {
    const injected = await fetch(`${sim.url}/_admin/servers`, { method: 'POST', body: JSON.stringify({ name: 'np-check', keyName: 'nodepool' }) });
    expect(injected.status).toBe(201);
    const s = ((await injected.json()) as any).server;
    const target = { host: s.sshHost, port: s.sshPort };
    (await connect(target, key.private)).end();
    const r = await fetch(`${sim.url}/_admin/servers/${s.id}/kill`, { method: 'POST', body: JSON.stringify({ status: null }) });
    expect(((await r.json()) as any).server.status).toBe('ACTIVE');
    await expect(connect(target, key.private)).rejects.toThrow();
    expect((await api.call('GET', `/compute/v2.1/servers/${s.id}`)).body.server.status).toBe('ACTIVE');
  });

  it('stops the endpoint when the server is deleted', async () => {
    const id = (await api.createServer('np-del', imageId, { key_name: 'nodepool' })).body.server.id;
    const s = (await sim.admin.listServers()).find((x) => x.id === id)!;
    const target = { host: s.sshHost!, port: s.sshPort! };
    const c = await connect(target, key.private);
    c.end();
    await api.call('DELETE', `/compute/v2.1/servers/${id}`);
    await waitFor(async () => (await api.call('GET', `/compute/v2.1/servers/${id}`)).status === 404, { message: 'server gone' });
    await expect(connect(target, key.private)).rejects.toThrow();
  });
});

describe('sandbox path rewriting', () => {
  it('rewrites only whole configured prefixes', () => {
    const out = rewriteSandboxPaths('mkdir -p /etc/nodepool && cat /etc/nodepoolx /etc/hosts "/etc/nodepool/role" x=/etc/nodepool', '/sb', ['/etc/nodepool']);
    expect(out).toBe('mkdir -p /sb/etc/nodepool && cat /etc/nodepoolx /etc/hosts "/sb/etc/nodepool/role" x=/sb/etc/nodepool');
  });
});

describe('simulator SSH endpoints on a fixed port', () => {
  it('puts every server on the same port of its own address', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const sim = await startSimulator({ config: { buildDelayMs: 0, ssh: { port, acceptAnyKey: true } } });
    try {
      const api = await SimApi.login(sim);
      const imageId = await api.activeImage();
      await api.createServer('a', imageId);
      await api.createServer('b', imageId);
      const servers = await sim.admin.listServers();
      expect(servers.map((s) => s.sshPort)).toEqual([port, port]);
      expect(new Set(servers.map((s) => s.sshHost)).size).toBe(2);
      // acceptAnyKey: a key nobody registered is accepted.
      const c = await connect({ host: servers[1].sshHost!, port }, generateEd25519KeyPair().private);
      expect((await exec(c, 'echo any-key')).stdout).toBe('any-key\n');
      c.end();
    } finally {
      await sim.close();
    }
  });
});
