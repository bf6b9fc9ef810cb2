// A small promise-based SSH client for talking to nodes (ready-script, ready-node check):
// log in with a private key, run a command with its output streamed, write files over SFTP.
// The private key is only ever handed to ssh2; it never appears in an error or a log line.
import { connect as netConnect } from 'node:net';
import ssh2 from 'ssh2';
import type { Client as SshClient, SFTPWrapper } from 'ssh2';
import { formatHostKey } from './scan-host-keys.ts';

const { Client } = ssh2;

export interface SshLogin {
  host: string;
  port: number;
  username: string;
  /** The key's text (not its path). */
  privateKey: string | Buffer;
  /** Known host keys ("type base64"); when non-empty the server must present one of them. */
  hostKeys?: readonly string[];
  readyTimeoutMs: number;
  signal: AbortSignal;
}

export class SshSession {
  private readonly client: SshClient;
  private readonly destroySocket: () => void;
  private closed = false;

  private constructor(client: SshClient, destroySocket: () => void) {
    this.client = client;
    this.destroySocket = destroySocket;
  }

  /** Logs in or throws (refused, bad key, unknown host key, timeout, abort). */
  static open(login: SshLogin): Promise<SshSession> {
    return new Promise((resolve, reject) => {
      login.signal.throwIfAborted();
      const client = new Client();
      // Our own socket, so it is certainly destroyed on every path.
      const socket = netConnect({ host: login.host, port: login.port });
      socket.on('error', () => undefined);
      const session = new SshSession(client, () => socket.destroy());
      let settled = false;
      let hostKeyMismatch = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        login.signal.removeEventListener('abort', onAbort);
        session.close();
        reject(err);
      };
      const onAbort = () => fail(login.signal.reason instanceof Error ? login.signal.reason : new Error('aborted'));
      login.signal.addEventListener('abort', onAbort, { once: true });
      client.on('error', (err) => fail(new Error(hostKeyMismatch
        ? `host key of ${login.host}:${login.port} is not among the node's scanned keys`
        : `ssh ${login.username}@${login.host}:${login.port}: ${err.message}`)));
      client.on('close', () => fail(new Error(`ssh ${login.username}@${login.host}:${login.port}: connection closed`)));
      client.on('ready', () => {
        if (settled) return;
        settled = true;
        login.signal.removeEventListener('abort', onAbort);
        // A session that outlives the signal is closed with it.
        login.signal.addEventListener('abort', () => session.close(), { once: true });
        resolve(session);
      });
      const known = login.hostKeys ?? [];
      try {
        client.connect({
          sock: socket,
          username: login.username,
          privateKey: login.privateKey,
          readyTimeout: Math.max(1, login.readyTimeoutMs),
          hostVerifier: known.length === 0 ? undefined : (blob: Buffer) => {
            const ok = known.includes(formatHostKey(blob) ?? '');
            hostKeyMismatch = !ok;
            return ok;
          },
        });
      } catch (err) {
        // ssh2 throws synchronously for an unparsable key: say so without echoing it.
        fail(new Error(`ssh ${login.username}@${login.host}:${login.port}: cannot use the private key (${(err as Error).message.replace(/-----BEGIN[\s\S]*/, '')})`));
      }
    });
  }

  /** Runs a command; stdout and stderr go to `onOutput`. Resolves with the exit code (signals: 128+). */
  exec(command: string, options: { stdin?: string | Buffer; onOutput?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void; signal?: AbortSignal } = {}): Promise<number> {
    return new Promise((resolve, reject) => {
      options.signal?.throwIfAborted();
      this.client.exec(command, (err, stream) => {
        if (err) return reject(err);
        let code: number | null = null;
        let signalName: string | null = null;
        const onAbort = () => {
          stream.close();
          reject(options.signal!.reason instanceof Error ? options.signal!.reason : new Error('aborted'));
        };
        options.signal?.addEventListener('abort', onAbort, { once: true });
        stream.on('data', (d: Buffer) => options.onOutput?.(d, 'stdout'));
        stream.stderr.on('data', (d: Buffer) => options.onOutput?.(d, 'stderr'));
        stream.on('exit', (c: number | null, sig?: string) => {
          code = c;
          signalName = sig ?? null;
        });
        stream.on('close', () => {
          options.signal?.removeEventListener('abort', onAbort);
          if (code !== null) resolve(code);
          else if (signalName) resolve(128 + (SIGNAL_NUMBERS[signalName] ?? 0));
          // Not the command itself: it carries the ready-script's environment.
          else reject(new Error('command ended without an exit status (connection lost?)'));
        });
        if (options.stdin !== undefined) stream.end(options.stdin);
        else stream.end();
      });
    });
  }

  /** Writes files over one SFTP channel (path → content, mode). */
  async writeFiles(files: readonly { path: string; content: string | Buffer; mode: number }[]): Promise<void> {
    const sftp = await new Promise<SFTPWrapper>((resolve, reject) => {
      this.client.sftp((err, s) => (err ? reject(err) : resolve(s)));
    });
    try {
      for (const f of files) {
        await new Promise<void>((resolve, reject) => {
          sftp.writeFile(f.path, f.content, { mode: f.mode }, (err) => (err ? reject(new Error(`cannot write ${f.path}: ${err.message}`)) : resolve()));
        });
        // The mode given at open applies only to a new file; an existing one keeps its own.
        await new Promise<void>((resolve, reject) => {
          sftp.chmod(f.path, f.mode, (err) => (err ? reject(new Error(`cannot chmod ${f.path}: ${err.message}`)) : resolve()));
        });
      }
    } finally {
      sftp.end();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.removeAllListeners('close');
    this.client.on('error', () => undefined);
    this.client.end();
    this.destroySocket();
  }
}

const SIGNAL_NUMBERS: Record<string, number> = { HUP: 1, INT: 2, KILL: 9, TERM: 15, PIPE: 13, ABRT: 6, SEGV: 11 };
