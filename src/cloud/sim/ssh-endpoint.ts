// A real SSH endpoint per simulated server (ssh2 Server), so keyscan, ready-scripts and checks run for real.
// Each server listens on its own fixed IP (a 127.x loopback address) and, when attached, its floating IP.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { Connection, ServerChannel } from 'ssh2';
import type { SimCloud, SshHost } from './cloud.ts';
import type { ServerRecord } from './types.ts';
import { runSandboxedCommand } from './ssh-exec.ts';
import { serveSftp } from './ssh-sftp.ts';
import { generateEd25519KeyPair } from '../../util/ssh-keypair.ts';

const { Server: SshServer, utils } = ssh2;

interface Endpoint {
  ssh: InstanceType<typeof SshServer>;
  port: number;
  listeners: Map<string, NetServer>;
  clients: Set<Connection>;
}

export class SshEndpoints implements SshHost {
  private readonly sim: SimCloud;
  private readonly endpoints = new Map<string, Endpoint>();
  private hostKeys: string[] | null = null;

  constructor(sim: SimCloud) {
    this.sim = sim;
  }

  /** One set of host keys per simulator, kept in the state dir so a restart keeps them. */
  private keys(): string[] {
    if (this.hostKeys) return this.hostKeys;
    const dir = join(this.sim.store.dir, 'ssh');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const specs: [string, () => { private: string }][] = [
      ['ssh_host_ed25519_key', () => generateEd25519KeyPair()],
      ['ssh_host_ecdsa_key', () => utils.generateKeyPairSync('ecdsa', { bits: 256 })],
      ['ssh_host_rsa_key', () => utils.generateKeyPairSync('rsa', { bits: 2048 })],
    ];
    this.hostKeys = specs.map(([file, make]) => {
      const path = join(dir, file);
      if (!existsSync(path)) writeFileSync(path, make().private, { mode: 0o600 });
      return readFileSync(path, 'utf8');
    });
    return this.hostKeys;
  }

  /** The public host keys ("type base64"), as a keyscan should find them. */
  publicHostKeys(): string[] {
    return this.keys().map((k) => {
      const parsed = utils.parseKey(k);
      if (parsed instanceof Error) throw parsed;
      return `${parsed.type} ${parsed.getPublicSSH().toString('base64')}`;
    });
  }

  async start(server: ServerRecord): Promise<number | null> {
    if (!this.sim.config.ssh.enabled || server.nics.length === 0 || server.sshKilled) return null;
    await this.stop(server.id);
    this.seedSandbox(server.id);
    const ssh = new SshServer({ hostKeys: this.keys() }, (client) => this.onClient(server.id, client));
    const endpoint: Endpoint = { ssh, port: 0, listeners: new Map(), clients: new Set() };
    this.endpoints.set(server.id, endpoint);
    const wanted = this.sim.config.ssh.port || server.sshPort || 0;
    try {
      endpoint.port = await this.listen(server.id, endpoint, server.nics[0].ip, wanted).catch((err: unknown) => {
        if (wanted === 0 || this.sim.config.ssh.port) throw err;
        // The previous run's port is taken now: take any.
        return this.listen(server.id, endpoint, server.nics[0].ip, 0);
      });
    } catch (err) {
      this.endpoints.delete(server.id);
      throw err;
    }
    for (const fip of this.sim.floatingIpsOf(server)) await this.addAddress(server.id, fip.address);
    return endpoint.port;
  }

  /** The guest's disk as the image would have it: the configured directories exist. */
  private seedSandbox(serverId: string): void {
    const sandbox = this.sim.store.sandboxPath(serverId);
    for (const dir of this.sim.config.ssh.sandboxDirs) {
      const path = join(sandbox, dir);
      mkdirSync(path, { recursive: true });
      chmodSync(path, 0o777);
    }
  }

  private listen(serverId: string, endpoint: Endpoint, address: string, port: number): Promise<number> {
    const listener = createNetServer((socket) => this.onSocket(serverId, endpoint, socket));
    return new Promise((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(port, address, () => {
        listener.off('error', reject);
        endpoint.listeners.set(address, listener);
        const addr = listener.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
  }

  private onSocket(serverId: string, endpoint: Endpoint, socket: Socket): void {
    const server = this.sim.data.servers[serverId];
    // A server that is not (yet, or any more) running does not answer: close at once.
    if (!server || server.sshKilled || server.deletedAt !== null || this.sim.view(server).status !== 'ACTIVE') {
      socket.destroy();
      return;
    }
    socket.on('error', () => socket.destroy());
    endpoint.ssh.injectSocket(socket);
  }

  async addAddress(serverId: string, address: string): Promise<void> {
    const endpoint = this.endpoints.get(serverId);
    if (!endpoint || endpoint.listeners.has(address)) return;
    try {
      await this.listen(serverId, endpoint, address, endpoint.port);
    } catch {
      // The same port is taken on the floating address; the fixed IP still answers.
    }
  }

  async removeAddress(serverId: string, address: string): Promise<void> {
    const endpoint = this.endpoints.get(serverId);
    const listener = endpoint?.listeners.get(address);
    if (!endpoint || !listener) return;
    endpoint.listeners.delete(address);
    await new Promise<void>((r) => listener.close(() => r()));
  }

  async stop(serverId: string): Promise<void> {
    const endpoint = this.endpoints.get(serverId);
    if (!endpoint) return;
    this.endpoints.delete(serverId);
    for (const c of endpoint.clients) c.end();
    await Promise.all([...endpoint.listeners.values()].map((l) => new Promise<void>((r) => l.close(() => r()))));
  }

  /** After a restart: bring back the endpoints of servers that had one. */
  async restore(): Promise<void> {
    for (const s of Object.values(this.sim.data.servers)) {
      if (s.sshPort === null || s.sshKilled || s.deletedAt !== null) continue;
      try {
        s.sshPort = await this.start(s);
      } catch (err) {
        // One unusable address must not keep the whole simulator from starting.
        process.stderr.write(`nodepool-cloud-sim: SSH endpoint of server ${s.id} not restored: ${(err as Error).message}\n`);
        s.sshPort = null;
      }
    }
    this.sim.changed();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.endpoints.keys()].map((id) => this.stop(id)));
  }

  private onClient(serverId: string, client: Connection): void {
    const endpoint = this.endpoints.get(serverId);
    endpoint?.clients.add(client);
    client.on('close', () => endpoint?.clients.delete(client));
    client.on('error', () => client.end());
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      if (this.sim.config.ssh.acceptAnyKey) return ctx.accept();
      const server = this.sim.data.servers[serverId];
      const keypair = server?.keyName ? this.sim.data.keypairs[server.keyName] : undefined;
      const allowed = keypair ? utils.parseKey(keypair.publicKey) : null;
      if (!allowed || allowed instanceof Error) return ctx.reject(['publickey']);
      const allowedKey = Array.isArray(allowed) ? allowed[0] : allowed;
      if (!allowedKey.getPublicSSH().equals(ctx.key.data)) return ctx.reject(['publickey']);
      // Without a signature the client only asks whether the key would do.
      if (!ctx.signature || !ctx.blob) return ctx.accept();
      if (allowedKey.verify(ctx.blob, ctx.signature, ctx.hashAlgo)) return ctx.accept();
      ctx.reject(['publickey']);
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        const env: Record<string, string> = {};
        session.on('env', (accept, _reject, info) => {
          env[info.key] = info.val;
          accept?.();
        });
        session.on('pty', (accept) => accept?.());
        session.on('exec', (accept, _reject, info) => {
          const channel: ServerChannel = accept();
          runSandboxedCommand(this.sim, serverId, info.command, env, channel);
        });
        session.on('sftp', (accept) => serveSftp(this.sim.store.sandboxPath(serverId), accept()));
        session.on('shell', (_accept, reject) => reject());
      });
    });
  }
}
