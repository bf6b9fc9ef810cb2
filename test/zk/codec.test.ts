// Pure parts of the client: jute codec, frame splitting, paths/chroot, watch dispatch, options.
import { describe, expect, it } from 'vitest';
import { createZkClient } from '../../src/zk/client.ts';
import { BadArgumentsError, ProtocolError } from '../../src/zk/errors.ts';
import { FrameDecoder, MAX_FRAME_BYTES } from '../../src/zk/framing.ts';
import { JuteReader, JuteWriter } from '../../src/zk/jute.ts';
import { Chroot, checkPath } from '../../src/zk/paths.ts';
import { WatchRegistry } from '../../src/zk/watches.ts';

describe('jute', () => {
  it('round-trips every type and grows its buffer', () => {
    const big = 'x'.repeat(100_000);
    const frame = new JuteWriter().beginFrame().int(-7).long(1n << 40n).bool(true).string('päth').string(big)
      .buffer(Buffer.from([9, 8])).buffer(null).stringVector(['a', 'b']).frame();
    expect(frame.readInt32BE(0)).toBe(frame.length - 4);
    const r = new JuteReader(frame, 4);
    expect([r.int(), r.long(), r.bool(), r.string(), r.string().length]).toEqual([-7, 1n << 40n, true, 'päth', 100_000]);
    expect([...r.buffer()]).toEqual([9, 8]);
    expect(r.buffer().length).toBe(0);
    expect(r.stringVector()).toEqual(['a', 'b']);
    expect(r.remaining).toBe(0);
  });

  it('refuses lengths that point past the frame', () => {
    const w = new JuteWriter().beginFrame().int(50).int(1);
    const r = new JuteReader(w.frame(), 4);
    expect(() => r.string()).toThrow(ProtocolError);
    expect(() => new JuteReader(Buffer.from([0, 0, 0, 1, 0]), 0).stat()).toThrow(/truncated stat/);
    expect(() => new JuteReader(Buffer.from([0x7f, 0, 0, 0]), 0).stringVector()).toThrow(/bad vector length/);
  });
});

describe('FrameDecoder', () => {
  const frame = (n: number, fill: number): Buffer => {
    const b = Buffer.alloc(4 + n, fill);
    b.writeInt32BE(n, 0);
    return b;
  };

  it('reassembles frames split at every byte boundary', () => {
    const stream = Buffer.concat([frame(16, 1), frame(20, 2), frame(16, 3)]);
    for (let cut = 1; cut < stream.length; cut++) {
      const got: number[] = [];
      const d = new FrameDecoder(16, (f) => got.push(f[0], f.length));
      d.push(stream.subarray(0, cut));
      d.push(stream.subarray(cut));
      expect(got).toEqual([1, 16, 2, 20, 3, 16]);
      expect(d.pendingBytes).toBe(0);
    }
  });

  it('throws ProtocolError on oversized or undersized length prefixes', () => {
    const d = new FrameDecoder(16, () => undefined);
    const huge = Buffer.alloc(4);
    huge.writeInt32BE(MAX_FRAME_BYTES + 1);
    expect(() => d.push(huge)).toThrow(ProtocolError);
    expect(() => new FrameDecoder(16, () => undefined).push(frame(3, 0))).toThrow(/below the minimum/);
  });
});

describe('paths and chroot', () => {
  it('validates like the server', () => {
    expect(checkPath('/')).toBeNull();
    expect(checkPath('/a/b')).toBeNull();
    expect(checkPath('/a/b-', true)).toBeNull();
    expect(checkPath('/a/', true)).toBeNull();
    for (const bad of ['', 'a', '/a/', '/a//b', '/a/../b', '/a\0b']) expect(checkPath(bad)).toBeInstanceOf(BadArgumentsError);
  });

  it('maps paths in and out of the chroot', () => {
    const c = new Chroot('/np');
    expect(c.toServer('/')).toBe('/np');
    expect(c.toServer('/a')).toBe('/np/a');
    expect(c.toClient('/np')).toBe('/');
    expect(c.toClient('/np/a')).toBe('/a');
    expect(c.toClient('/npx/a')).toBeNull();
    expect(new Chroot('/').toServer('/a')).toBe('/a');
    expect(() => new Chroot('np')).toThrow(BadArgumentsError);
  });
});

describe('WatchRegistry', () => {
  it('consumes one-shot watches and keeps persistent ones, recursive on ancestors', () => {
    const w = new WatchRegistry();
    const calls: string[] = [];
    const l = (name: string) => () => calls.push(name);
    w.addData('/a/b', l('data'));
    w.addExist('/a/b', l('exist'));
    w.addChild('/a/b', l('child'));
    w.addPersistent('/a', 'persistentRecursive', l('rec'));
    w.addPersistent('/a/b', 'persistent', l('flat'));
    const fire = (type: 'created' | 'deleted' | 'dataChanged' | 'childrenChanged', path: string): void => {
      for (const f of w.listenersFor({ type, path })) f({ type, path });
    };
    fire('dataChanged', '/a/b');
    expect(calls.sort()).toEqual(['data', 'exist', 'flat', 'rec']);
    calls.length = 0;
    fire('childrenChanged', '/a/b');
    expect(calls.sort()).toEqual(['child', 'flat']);
    calls.length = 0;
    fire('deleted', '/a/b/c/d');
    expect(calls).toEqual(['rec']);
    expect(w.paths()).toEqual({ data: [], exist: [], child: [], persistent: ['/a/b'], persistentRecursive: ['/a'] });
  });
});

describe('createZkClient options', () => {
  it('rejects bad servers and unreadable TLS files with clear errors', () => {
    expect(() => createZkClient({ servers: [] })).toThrow(/at least one server/);
    expect(() => createZkClient({ servers: [{ host: '127.0.0.1', port: 0 }] })).toThrow(/bad server/);
    expect(() => createZkClient({ servers: [{ host: '127.0.0.1', port: 2181 }], tls: { ca: '/nonexistent/ca.pem', cert: '/x', key: '/y' } }))
      .toThrow(/zookeeper-tls ca: cannot read \/nonexistent\/ca.pem/);
    expect(() => createZkClient({ servers: [{ host: '127.0.0.1', port: 2181 }], chroot: 'relative' })).toThrow(BadArgumentsError);
  });
});

describe('connect() failure', () => {
  it('gives up after its timeout with the last connection error, and closes', async () => {
    const { freePort } = await import('../harness/zk-server.ts');
    const client = createZkClient({ servers: [{ host: '127.0.0.1', port: await freePort() }] });
    await expect(client.connect(700)).rejects.toThrow(/could not connect to any of 127\.0\.0\.1:\d+ within 700 ms \(last error: connect ECONNREFUSED/);
    expect(client.state).toBe('closed');
  });
});

describe('encodeSetWatches', () => {
  it('splits many watches into frames well under the server limit, losing none', async () => {
    const { encodeSetWatches } = await import('../../src/zk/protocol.ts');
    const data = Array.from({ length: 6000 }, (_, i) => `/nodepool/nodes/${String(i).padStart(10, '0')}/lock`);
    const frames = encodeSetWatches(42n, { data, exist: ['/e'], child: [], persistent: [], persistentRecursive: ['/nodepool'] }, (p) => `/chroot${p}`);
    expect(frames.length).toBeGreaterThan(1);
    const seen: string[][] = [[], [], [], [], []];
    for (const f of frames) {
      expect(f.length).toBeLessThan(256 * 1024);
      const r = new JuteReader(f, 4);
      expect([r.int(), r.int(), r.long()]).toEqual([-8, 105, 42n]);
      for (const list of seen) list.push(...r.stringVector());
      expect(r.remaining).toBe(0);
    }
    expect(seen[0]).toEqual(data.map((p) => `/chroot${p}`));
    expect(seen[1]).toEqual(['/chroot/e']);
    expect(seen[4]).toEqual(['/chroot/nodepool']);
  });
});
