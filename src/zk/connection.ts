// One TCP or TLS connection to one server: the ConnectRequest handshake, frame splitting,
// batched writes, pings and the read timeout. It knows nothing about requests or watches; the
// session (client.ts) decides what to do when the connection ends.
import net from 'node:net';
import tls from 'node:tls';
import { FrameDecoder, MAX_FRAME_BYTES } from './framing.ts';
import { protocolError } from './jute.ts';
import { decodeConnect, encodeConnect, header, REPLY_HEADER_BYTES, writer, Xid, OpCode, type ConnectParams, type ConnectResult } from './protocol.ts';
import type { ZkServer } from './types.ts';

export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export interface ConnectionHandlers {
  /** The handshake finished; frames may now be written. */
  onEstablished(result: ConnectResult): void;
  onFrame(frame: Buffer): void;
  /** Largest reply frame acceptable next (after the handshake); default MAX_FRAME_BYTES. */
  maxReplyBytes?(): number;
  /** Called exactly once; error is set when the connection failed rather than being closed. */
  onClosed(error: Error | undefined): void;
}

const PING_FRAME = (() => header(writer, Xid.ping, OpCode.ping).frame())();

export class Connection {
  readonly server: ZkServer;
  private readonly socket: net.Socket;
  private readonly decoder: FrameDecoder;
  private readonly handlers: ConnectionHandlers;
  private established = false;
  private closed = false;
  private readTimeoutMs: number;
  private pingIntervalMs = 0;
  private lastReceived = Date.now();
  private lastSent = Date.now();
  private timer: NodeJS.Timeout;
  private outbox: Buffer[] = [];
  private flushScheduled = false;
  /** When the handshake was sent (0 before). */
  helloSentAt = 0;
  /** Send times of pings not yet answered (replies come in order). */
  private readonly pingsSentAt: number[] = [];

  constructor(server: ZkServer, tlsMaterial: TlsMaterial | undefined, params: ConnectParams, connectTimeoutMs: number, handlers: ConnectionHandlers) {
    this.server = server;
    this.handlers = handlers;
    this.readTimeoutMs = connectTimeoutMs;
    this.decoder = new FrameDecoder(
      REPLY_HEADER_BYTES,
      (frame) => this.onFrame(frame),
      () => (this.established && handlers.maxReplyBytes ? handlers.maxReplyBytes() : MAX_FRAME_BYTES),
    );
    const hello = encodeConnect(params);
    if (tlsMaterial) {
      this.socket = tls.connect({
        host: server.host,
        port: server.port,
        ca: tlsMaterial.ca,
        cert: tlsMaterial.cert,
        key: tlsMaterial.key,
        // SNI must not be an IP address; certificate checks still use the host.
        servername: net.isIP(server.host) ? undefined : server.host,
      });
      this.socket.once('secureConnect', () => { this.helloSentAt = Date.now(); this.write(hello); });
    } else {
      this.socket = net.connect({ host: server.host, port: server.port });
      this.socket.once('connect', () => { this.helloSentAt = Date.now(); this.write(hello); });
    }
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.shutdown(err));
    this.socket.on('close', () => {
      const partial = this.decoder.pendingBytes;
      // Ending mid-frame means the stream was cut or corrupt, not an orderly close.
      this.shutdown(partial > 0 ? protocolError(`connection closed inside a frame (${partial} bytes pending)`) : new Error('connection closed by server'));
    });
    this.timer = setInterval(() => this.tick(), Math.max(20, Math.floor(connectTimeoutMs / 4)));
  }

  /** Queues a frame; frames queued in the same tick go out in one writev. */
  write(frame: Buffer): void {
    if (this.closed) return;
    this.outbox.push(frame);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.closed || this.outbox.length === 0) return;
    const frames = this.outbox;
    this.outbox = [];
    if (frames.length === 1) {
      this.socket.write(frames[0]);
    } else {
      this.socket.cork();
      for (const f of frames) this.socket.write(f);
      this.socket.uncork();
    }
    this.lastSent = Date.now();
  }

  /** Send time of the oldest unanswered ping, for its reply. */
  takePingSentAt(): number | undefined {
    return this.pingsSentAt.shift();
  }

  /** Ends the connection; handlers.onClosed gets `error` (undefined for a deliberate close). */
  close(error?: Error): void {
    this.shutdown(error, true);
  }

  private shutdown(error: Error | undefined, deliberate = false): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.outbox = [];
    this.socket.destroy();
    this.handlers.onClosed(deliberate ? error : (error ?? new Error('connection closed')));
  }

  private onData(chunk: Buffer): void {
    this.lastReceived = Date.now();
    try {
      this.decoder.push(chunk);
    } catch (err) {
      this.shutdown(err as Error);
    }
  }

  private onFrame(frame: Buffer): void {
    if (this.closed) return;
    if (this.established) {
      this.handlers.onFrame(frame);
      return;
    }
    const result = decodeConnect(frame);
    this.established = true;
    if (result.timeoutMs > 0) {
      this.readTimeoutMs = Math.floor((result.timeoutMs * 2) / 3);
      this.pingIntervalMs = Math.floor(result.timeoutMs / 3);
      clearInterval(this.timer);
      this.timer = setInterval(() => this.tick(), Math.max(20, Math.floor(this.pingIntervalMs / 4)));
    }
    this.handlers.onEstablished(result);
  }

  private tick(): void {
    const now = Date.now();
    if (now - this.lastReceived > this.readTimeoutMs) {
      const phase = this.established ? 'read' : 'connect';
      this.shutdown(new Error(`${phase} timeout: nothing received from ${this.server.host}:${this.server.port} for ${now - this.lastReceived} ms`));
      return;
    }
    // Ping whenever we have been quiet, so the server keeps the session and answers us.
    if (this.established && this.pingIntervalMs > 0 && now - this.lastSent >= this.pingIntervalMs) {
      this.pingsSentAt.push(now);
      this.write(PING_FRAME);
    }
  }
}
