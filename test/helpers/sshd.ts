// Real OpenSSH servers for tests: Debian's /usr/sbin/sshd (openssh-server), each on its own
// 127.x address and port with its own ed25519 host key and config in a temporary directory,
// in the foreground (-D) so the test owns the process. The system's ssh service is never used.
// Run as root, sshd is started as `nobody`: it then needs no privilege-separation directory.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait.ts';

export const SSHD_PATH = '/usr/sbin/sshd';
const UNPRIVILEGED = 65534;

export interface TestSshdOptions {
  /** A loopback address (127.0.0.0/8), one per host so hostnames differ. */
  address: string;
}

/** A free TCP port on `address` (bound and released). */
export async function freePortOn(address: string): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => { probe.once('error', reject); probe.listen(0, address, () => resolve()); });
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => { s.destroy(); resolve(false); });
  });
}

export class TestSshd {
  readonly address: string;
  readonly port: number;
  /** "ssh-ed25519 AAAA..." as ssh-keyscan and the node's host_keys spell it. */
  readonly hostKey: string;
  private readonly dir: string;
  private child: ChildProcess | null = null;
  private output = '';

  private constructor(address: string, port: number, dir: string, hostKey: string) {
    this.address = address;
    this.port = port;
    this.dir = dir;
    this.hostKey = hostKey;
  }

  static async start(opts: TestSshdOptions): Promise<TestSshd> {
    const dir = mkdtempSync(join(tmpdir(), 'nodepool-sshd-'));
    const keyFile = join(dir, 'host_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', keyFile]);
    const hostKey = readFileSync(`${keyFile}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
    const port = await freePortOn(opts.address);
    writeFileSync(join(dir, 'sshd_config'), [
      `ListenAddress ${opts.address}`, `Port ${port}`, `HostKey ${keyFile}`,
      'PidFile none', 'UsePAM no', 'StrictModes no', 'PasswordAuthentication no',
      'KbdInteractiveAuthentication no', 'LogLevel ERROR', '',
    ].join('\n'));
    if (process.getuid?.() === 0) for (const f of [dir, keyFile, `${keyFile}.pub`, join(dir, 'sshd_config')]) chownSync(f, UNPRIVILEGED, UNPRIVILEGED);
    const sshd = new TestSshd(opts.address, port, dir, hostKey);
    await sshd.resume();
    return sshd;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Starts sshd (again) on the same address, port and host key; resolves once it accepts. */
  async resume(): Promise<void> {
    if (this.child) return;
    const root = process.getuid?.() === 0;
    const child = spawn(SSHD_PATH, ['-D', '-e', '-f', join(this.dir, 'sshd_config')], {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(root ? { uid: UNPRIVILEGED, gid: UNPRIVILEGED } : {}),
    });
    child.stderr!.on('data', (d) => { this.output += String(d); });
    child.once('exit', () => { if (this.child === child) this.child = null; });
    this.child = child;
    await waitFor(async () => {
      if (this.child !== child) throw new Error(`sshd exited: ${this.output.trim()}`);
      return accepts(this.address, this.port);
    }, { timeoutMs: 10_000, message: `sshd on ${this.address}:${this.port}` });
  }

  /** Stops sshd (SIGTERM) and waits for the process to be gone; the port then refuses. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
    this.child = null;
  }

  /** Stops sshd and removes its directory. */
  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
