// The session: which server we talk to, reconnecting with backoff, resuming the session (id +
// password) on any member, re-registering watches, failing requests when a connection drops,
// refusing read-only members, giving the session up once the server may have expired it
// (session-deadline.ts), and starting a new session when it is gone.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { Connection, type TlsMaterial } from './connection.ts';
import { MAX_FRAME_BYTES } from './framing.ts';
import { ConnectionLossError, ErrorCode, ProtocolError, SessionExpiredError } from './errors.ts';
import { Fifo } from './fifo.ts';
import { JuteReader, protocolError } from './jute.ts';
import { Chroot } from './paths.ts';
import { decodeWatchEventType, header, OpCode, writer, Xid, type ConnectResult } from './protocol.ts';
import { SessionDeadline } from './session-deadline.ts';
import type { ConnectionState, WatchCatchUp, ZkClientOptions, ZkServer } from './types.ts';
import { WatchRegistry } from './watches.ts';
import { WatchSync } from './watch-sync.ts';

export type ReplyHandler<T> = (err: number, reader: JuteReader) => T;

interface Pending {
  xid: number;
  path: string;
  frame: Buffer | undefined;
  handle: ReplyHandler<unknown>;
  /** Set for replies that may exceed MAX_FRAME_BYTES (multiRead). */
  maxReplyBytes: number | undefined;
  /** When it was written to a connection (0 while waiting). */
  sentAt: number;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

type Logger = NonNullable<ZkClientOptions['logger']>;
const SILENT: Logger = { warn() {}, info() {} };
const MAX_BACKOFF_MS = 2000;

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function loss(message: string, path?: string): ConnectionLossError {
  return new ConnectionLossError(ErrorCode.CONNECTION_LOSS, message, path);
}

/** Opcode → name, for the request counters. */
const OP_NAMES = new Map<number, string>(Object.entries(OpCode).map(([name, code]) => [code, name]));

export class ZkSession extends EventEmitter {
  state: ConnectionState = 'connecting';
  sessionId = 0n;
  /** The session password; with sessionId it lets another client resume the session. */
  sessionPassword: Buffer = Buffer.alloc(16);
  /** Session timeout the server granted (ms); 0 before the first session. */
  negotiatedTimeoutMs = 0;
  protected readonly chroot: Chroot;
  protected readonly watches = new WatchRegistry();
  protected readonly log: Logger;
  private readonly servers: ZkServer[];
  private readonly tlsMaterial: TlsMaterial | undefined;
  private readonly requestedTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  /** The newest zxid any reply carried; sent on connect, so no member behind it accepts us
   *  (kept across sessions: a new session must not see an older state either). */
  private lastZxid = 0n;
  private readonly watchSync: WatchSync;
  private readonly deadline = new SessionDeadline(() => this.giveUpSession());
  private xid = 0;
  private serverIndex = 0;
  private failures = 0;
  private conn: Connection | null = null;
  private connReady = false;
  private readonly pending = new Fifo<Pending>();
  private waiting: Pending[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private started: Promise<void> | undefined;
  private abortConnect: ((err: Error) => void) | undefined;
  /** Why the latest connection ended, for the message when connect() gives up. */
  private lastError: Error | undefined;
  private closing: Promise<void> | undefined;

  /** Requests this client submitted, by operation (pings and watch re-registration excluded):
   *  the launcher's own ZooKeeper cost, exported as a metric and read by bench/launcher. */
  readonly requestsByOp = new Map<string, number>();

  /** Requests sent and awaiting a reply plus those waiting for a connection (a stats gauge). */
  get queuedRequests(): number {
    return this.pending.length + this.waiting.length;
  }

  constructor(options: ZkClientOptions) {
    super();
    this.setMaxListeners(0); // every held lock listens for 'lost'
    if (!Array.isArray(options.servers) || options.servers.length === 0) throw new TypeError('zookeeper: at least one server is required');
    for (const s of options.servers) {
      if (!s || typeof s.host !== 'string' || !Number.isInteger(s.port) || s.port <= 0 || s.port > 65535) {
        throw new TypeError(`zookeeper: bad server ${JSON.stringify(s)}`);
      }
    }
    this.servers = shuffled(options.servers);
    this.chroot = new Chroot(options.chroot);
    this.log = options.logger ?? SILENT;
    this.watchSync = new WatchSync(this.watches, this.log);
    this.requestedTimeoutMs = options.sessionTimeoutMs ?? 10_000;
    // As the Java client: a member that does not answer the handshake within its share of the
    // session timeout is skipped, so a stalled member leaves time to reach another.
    this.connectTimeoutMs = Math.min(Math.floor((this.requestedTimeoutMs * 2) / 3),
      Math.max(1000, Math.floor(this.requestedTimeoutMs / this.servers.length)));
    if (options.tls) this.tlsMaterial = readTls(options.tls);
    if (options.sessionId !== undefined) {
      this.sessionId = options.sessionId;
      this.sessionPassword = options.sessionPassword ?? Buffer.alloc(16);
    }
  }

  /** Resolves once a session is established; rejects (and closes) after connectTimeoutMs. */
  connect(timeoutMs = 15_000): Promise<void> {
    if (this.closing) return Promise.reject(loss('client closed'));
    this.started ??= new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('connected', onConnected);
        const last = this.lastError ? ` (last error: ${this.lastError.message})` : '';
        reject(loss(`could not connect to any of ${this.servers.map((s) => `${s.host}:${s.port}`).join(', ')} within ${timeoutMs} ms${last}`));
        void this.close();
      }, timeoutMs);
      const onConnected = (): void => {
        clearTimeout(timer);
        this.abortConnect = undefined;
        resolve();
      };
      this.abortConnect = (err) => {
        clearTimeout(timer);
        this.off('connected', onConnected);
        reject(err);
      };
      this.once('connected', onConnected);
      this.openNext();
    });
    return this.started;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** host:port of the member the session talks to now; undefined while disconnected. */
  get currentServer(): string | undefined {
    return this.conn && this.connReady ? `${this.conn.server.host}:${this.conn.server.port}` : undefined;
  }

  /** See WatchCatchUp (types.ts). */
  addCatchUp(source: WatchCatchUp): () => void {
    return this.watchSync.addSource(source);
  }

  private async shutdown(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.deadline.disarm();
    this.abortConnect?.(loss('client closed before connecting'));
    if (this.conn && this.connReady) {
      const xid = this.nextXid();
      const bye = this.submit(xid, header(writer, xid, OpCode.closeSession).frame(), '/', () => undefined);
      const timeout = new Promise((r) => setTimeout(r, 2000).unref());
      await Promise.race([bye.catch(() => undefined), timeout]);
    }
    const conn = this.conn;
    this.conn = null;
    conn?.close();
    this.failAll('client closed');
    this.setState('closed');
  }

  protected nextXid(): number {
    this.xid = this.xid >= 0x7fffffff ? 1 : this.xid + 1;
    return this.xid;
  }

  /** Sends a request; the handler turns (error code, reply body) into the result or throws. */
  protected submit<T>(xid: number, frame: Buffer, path: string, handle: ReplyHandler<T>, maxReplyBytes?: number): Promise<T> {
    if (this.state === 'closed') return Promise.reject(loss('client closed', path));
    const op = OP_NAMES.get(frame.readInt32BE(8)) ?? 'other';
    this.requestsByOp.set(op, (this.requestsByOp.get(op) ?? 0) + 1);
    return new Promise<T>((resolve, reject) => {
      const p: Pending = { xid, path, frame, handle, maxReplyBytes, sentAt: 0, resolve: resolve as (v: unknown) => void, reject };
      if (this.conn && this.connReady) {
        p.frame = undefined;
        p.sentAt = Date.now();
        this.pending.push(p);
        this.conn.write(frame);
      } else {
        this.waiting.push(p);
      }
    });
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
    this.emit(state);
  }

  private openNext(): void {
    if (this.closing || this.conn) return;
    const server = this.servers[this.serverIndex++ % this.servers.length];
    const params = { lastZxid: this.lastZxid, timeoutMs: this.requestedTimeoutMs, sessionId: this.sessionId, password: this.sessionPassword };
    const conn: Connection = new Connection(server, this.tlsMaterial, params, this.connectTimeoutMs, {
      onEstablished: (result) => this.onEstablished(conn, result),
      onFrame: (frame) => this.onFrame(frame),
      // Replies come in request order, so the oldest request says how large the next may be.
      maxReplyBytes: () => this.pending.peek()?.maxReplyBytes ?? MAX_FRAME_BYTES,
      onClosed: (error) => this.onClosed(conn, error),
    });
    this.conn = conn;
    this.connReady = false;
  }

  private onEstablished(conn: Connection, result: ConnectResult): void {
    const server = `${conn.server.host}:${conn.server.port}`;
    if (result.readOnly) {
      // We ask for a read-write session; a member that lost the quorum must not serve us.
      this.log.warn({ server }, 'zookeeper member is read-only; trying another');
      conn.close(new Error(`${server} is read-only`));
      return;
    }
    if (result.timeoutMs <= 0) {
      // The server refused to resume: everything tied to the old session is gone.
      this.log.info({ sessionId: `0x${this.sessionId.toString(16)}`, server }, 'zookeeper session expired');
      // Detach first, so requests that 'lost' listeners make wait for the new session.
      this.detach();
      conn.close();
      this.endSession('session expired');
      this.openNext();
      return;
    }
    this.deadline.disarm();
    this.deadline.answered(conn.helloSentAt);
    if (result.sessionId !== this.sessionId || this.negotiatedTimeoutMs === 0) {
      this.log.info({ sessionId: `0x${result.sessionId.toString(16)}`, server, requestedTimeoutMs: this.requestedTimeoutMs,
        negotiatedTimeoutMs: result.timeoutMs }, 'zookeeper session established');
    } else if (this.state === 'suspended') {
      this.log.info({ sessionId: `0x${result.sessionId.toString(16)}`, server }, 'zookeeper session resumed');
    }
    this.sessionId = result.sessionId;
    this.sessionPassword = result.password;
    this.negotiatedTimeoutMs = result.timeoutMs;
    this.failures = 0;
    this.connReady = true;
    for (const frame of this.watchSync.begin((p) => this.chroot.toServer(p))) conn.write(frame);
    const waiting = this.waiting;
    this.waiting = [];
    const now = Date.now();
    for (const p of waiting) {
      const frame = p.frame!;
      p.frame = undefined;
      p.sentAt = now;
      this.pending.push(p);
      conn.write(frame);
    }
    this.setState('connected');
  }

  /** Forgets the current connection; what it had synced of the watches is kept. */
  private detach(): void {
    this.watchSync.connectionEnded(this.lastZxid);
    this.conn = null;
    this.connReady = false;
  }

  /** The session is gone (server said so, or we gave it up): one-shot watches and waiting
   *  requests go with it, 'lost' tells locks and ephemeral owners. */
  private endSession(reason: string): void {
    this.deadline.disarm();
    this.sessionId = 0n;
    this.sessionPassword = Buffer.alloc(16);
    this.watches.dropOneShot();
    const waiting = this.waiting;
    this.waiting = [];
    for (const p of waiting) p.reject(new SessionExpiredError(ErrorCode.SESSION_EXPIRED, reason, p.path));
    this.setState('lost');
  }

  /** No member answered for the session timeout: the server may have expired the session, so
   *  stop believing in it (locks, ephemerals) and make a new one rather than resume it. */
  private giveUpSession(): void {
    if (this.closing || this.state !== 'suspended') return;
    this.log.warn({ sessionId: `0x${this.sessionId.toString(16)}`, timeoutMs: this.negotiatedTimeoutMs },
      'zookeeper session given up: no member answered within the session timeout; starting a new session');
    clearTimeout(this.retryTimer);
    const conn = this.conn;
    this.detach();
    conn?.close();
    this.endSession('session timed out on the client side');
    this.openNext();
  }

  private onClosed(conn: Connection, error: Error | undefined): void {
    if (conn !== this.conn) return;
    this.detach();
    if (error) this.lastError = error;
    if (error instanceof ProtocolError) {
      this.log.warn({ server: `${conn.server.host}:${conn.server.port}`, err: error.message }, 'zookeeper protocol error; reconnecting');
      this.emit('protocolError', error);
    } else if (error) {
      this.log.info({ server: `${conn.server.host}:${conn.server.port}`, err: error.message }, 'zookeeper connection ended');
    }
    this.failAll(error ? `connection loss (${error.message})` : 'connection loss');
    if (this.closing) return;
    if (this.state === 'connected') {
      this.deadline.arm(this.negotiatedTimeoutMs);
      this.setState('suspended');
    }
    this.failures++;
    const delay = this.failures <= this.servers.length ? 0 : Math.min(MAX_BACKOFF_MS, 50 * 2 ** Math.min(6, this.failures - this.servers.length));
    this.retryTimer = setTimeout(() => this.openNext(), delay * (0.5 + Math.random() / 2));
  }

  /** Fails every request in flight and every request waiting for a connection. */
  private failAll(message: string): void {
    const victims = [...this.pending.drain(), ...this.waiting];
    this.waiting = [];
    for (const p of victims) p.reject(loss(message, p.path));
  }

  private onFrame(frame: Buffer): void {
    const r = new JuteReader(frame);
    const xid = r.int();
    const zxid = r.long();
    const err = r.int();
    if (zxid > this.lastZxid) this.lastZxid = zxid;
    if (xid === Xid.notification) return this.onNotification(r);
    if (xid === Xid.ping) {
      this.deadline.answered(this.conn?.takePingSentAt() ?? 0);
      return;
    }
    if (xid === Xid.setWatches) {
      if (err !== 0) this.log.warn({ err }, 'zookeeper setWatches2 failed');
      this.watchSync.replied();
      return;
    }
    const p = this.pending.shift();
    if (p) this.deadline.answered(p.sentAt);
    if (!p || p.xid !== xid) {
      const err = protocolError(`reply xid ${xid} does not match the oldest request (${p ? p.xid : 'none'})`);
      p?.reject(err);
      throw err;
    }
    let value: unknown;
    try {
      value = p.handle(err, r);
    } catch (e) {
      p.reject(e);
      if (e instanceof ProtocolError) throw e; // the stream is no longer trustworthy
      return;
    }
    p.resolve(value);
  }

  private onNotification(r: JuteReader): void {
    const type = decodeWatchEventType(r.int());
    r.int(); // keeper state: always SyncConnected for node events
    const serverPath = r.string();
    if (type === null) return;
    const path = this.chroot.toClient(serverPath);
    if (path === null) return;
    const event = { type, path };
    for (const listener of this.watches.listenersFor(event)) {
      try {
        listener(event);
      } catch (e) {
        this.log.warn({ path, err: String(e) }, 'zookeeper watch listener threw');
      }
    }
    this.watchSync.notify(event);
  }
}

function readTls(tls: NonNullable<ZkClientOptions['tls']>): TlsMaterial {
  const read = (what: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new Error(`zookeeper-tls ${what}: cannot read ${file}: ${(e as Error).message}`);
    }
  };
  return { ca: read('ca', tls.ca), cert: read('cert', tls.cert), key: read('key', tls.key) };
}
