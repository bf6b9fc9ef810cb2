// A fake ZooKeeper on loopback that sends broken frames: the client must turn each into a typed
// ProtocolError and one log line, drop that connection and reconnect, and never crash.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createZkClient, type ZooKeeperClient } from '../../src/zk/client.ts';
import { ConnectionLossError, ProtocolError } from '../../src/zk/errors.ts';
import { waitFor } from '../helpers/wait.ts';

function frame(body: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeInt32BE(body.length);
  return Buffer.concat([len, body]);
}

function connectResponse(): Buffer {
  const b = Buffer.alloc(4 + 4 + 8 + 4 + 16);
  b.writeInt32BE(0, 0); // protocol version
  b.writeInt32BE(6000, 4); // timeout
  b.writeBigInt64BE(0x1234n, 8); // session id
  b.writeInt32BE(16, 16); // password length (zero bytes follow)
  return frame(b);
}

/** Reply header for the first request (xid 1) followed by `body`. */
function reply(xid: number, body: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32BE(xid, 0);
  h.writeBigInt64BE(1n, 4);
  h.writeInt32BE(0, 12);
  return frame(Buffer.concat([h, body]));
}

type Behaviour = (socket: net.Socket, request: Buffer) => void;

/** Answers the handshake per `onConnect`, then each request frame per `onRequest`. */
async function fakeServer(onConnect: (s: net.Socket) => void, onRequest?: Behaviour): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    let handshook = false;
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        const body = buffered.subarray(4, 4 + buffered.readInt32BE(0));
        buffered = buffered.subarray(4 + body.length);
        if (!handshook) {
          handshook = true;
          onConnect(socket);
        } else {
          onRequest?.(socket, body);
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

function loggingClient(port: number): { client: ZooKeeperClient; warnings: string[]; errors: ProtocolError[] } {
  const warnings: string[] = [];
  const errors: ProtocolError[] = [];
  const client = createZkClient({
    servers: [{ host: '127.0.0.1', port }],
    sessionTimeoutMs: 6000,
    logger: { warn: (obj, msg) => warnings.push(`${msg} ${JSON.stringify(obj)}`), info: () => undefined },
  });
  client.on('protocolError', (e: ProtocolError) => errors.push(e));
  return { client, warnings, errors };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('malformed frames from the server', () => {
  const handshakeFaults: [string, (s: net.Socket) => void, RegExp][] = [
    ['an oversized length prefix', (s) => s.write(Buffer.from([0x7f, 0xff, 0xff, 0xff])), /exceeds 4194304 bytes/],
    ['a negative length prefix', (s) => s.write(Buffer.from([0xff, 0xff, 0xff, 0xf0])), /below the minimum/],
    ['a frame shorter than any reply', (s) => s.write(frame(Buffer.alloc(3))), /below the minimum/],
    ['a password length past the frame end', (s) => {
      const b = Buffer.alloc(20);
      b.writeInt32BE(6000, 4);
      b.writeInt32BE(999, 16);
      s.write(frame(b));
    }, /buffer length 999 exceeds frame/],
    ['a truncated frame followed by close', (s) => s.end(connectResponse().subarray(0, 10)), /closed inside a frame/],
  ];

  it.each(handshakeFaults)('handshake with %s: ProtocolError, one log line, reconnect', async (_name, fault, message) => {
    const server = await fakeServer(fault);
    const { client, warnings, errors } = loggingClient(server.port);
    cleanups.push(() => client.close(), server.close);
    const connecting = client.connect(60_000);
    connecting.catch(() => undefined);
    await waitFor(() => errors.length >= 1 && server.connections() >= 2, { message: 'a fault and a reconnect' });
    expect(errors[0]).toBeInstanceOf(ProtocolError);
    expect(errors[0].message).toMatch(message);
    // One log line per fault, each naming it.
    expect(warnings.length).toBe(errors.length);
    expect(warnings[0]).toContain('zookeeper protocol error');
    expect(client.state).toBe('connecting');
  });

  it('a reply body that lies about its length fails that request with ProtocolError, others with ConnectionLoss', async () => {
    let requests = 0;
    const server = await fakeServer((s) => s.write(connectResponse()), (s, req) => {
      requests++;
      const xid = req.readInt32BE(0);
      if (xid === 1) {
        const body = Buffer.alloc(8);
        body.writeInt32BE(1 << 20, 0); // data length 1 MiB, but only 4 bytes follow
        s.write(reply(xid, body));
      }
    });
    const { client, warnings, errors } = loggingClient(server.port);
    cleanups.push(() => client.close(), server.close);
    await client.connect(10_000);
    const first = client.getData('/a');
    const second = client.getData('/b');
    await expect(first).rejects.toBeInstanceOf(ProtocolError);
    await expect(second).rejects.toBeInstanceOf(ConnectionLossError);
    expect(errors).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(requests).toBe(2);
    await waitFor(() => client.state === 'connected' && server.connections() === 2, { message: 'reconnected' });
  });

  it('a reply for an unknown xid is a ProtocolError', async () => {
    const server = await fakeServer((s) => s.write(connectResponse()), (s) => s.write(reply(77, Buffer.alloc(0))));
    const { client, errors } = loggingClient(server.port);
    cleanups.push(() => client.close(), server.close);
    await client.connect(10_000);
    const err = await client.sync('/').catch((e) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toMatch(/reply xid 77/);
    expect(errors).toEqual([err]);
  });
});

describe('a member answering in read-only mode', () => {
  it('is dropped and never used; the client takes a read-write member', async () => {
    const readOnly = await fakeServer((s) => s.write(frame(Buffer.concat([connectResponse().subarray(4), Buffer.from([1])]))));
    const readWrite = await fakeServer((s) => s.write(connectResponse()));
    cleanups.push(readOnly.close, readWrite.close);
    const warnings: string[] = [];
    const logger = { warn: (obj: object, msg?: string) => warnings.push(`${msg} ${JSON.stringify(obj)}`), info: () => undefined };
    const alone = createZkClient({ servers: [{ host: '127.0.0.1', port: readOnly.port }], sessionTimeoutMs: 6000, logger });
    cleanups.push(() => alone.close());
    await expect(alone.connect(1500)).rejects.toBeInstanceOf(ConnectionLossError);
    expect(readOnly.connections()).toBeGreaterThanOrEqual(1);
    expect(warnings.some((w) => w.includes('read-only'))).toBe(true);

    const both = createZkClient({ servers: [{ host: '127.0.0.1', port: readOnly.port }, { host: '127.0.0.1', port: readWrite.port }], sessionTimeoutMs: 6000, logger });
    cleanups.push(() => both.close());
    await both.connect(5000);
    expect(both.currentServer).toBe(`127.0.0.1:${readWrite.port}`);
  });
});
