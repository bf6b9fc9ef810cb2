// multiRead (op 22): many getData/getChildren in one request against the real ZooKeeper, over
// plain TCP and mutual TLS; per-op errors; replies beyond the single-frame limit; the codec.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZooKeeperClient } from '../../src/zk/client.ts';
import { BadArgumentsError, ErrorCode, errorFromCode, ProtocolError } from '../../src/zk/errors.ts';
import { FrameDecoder, MAX_FRAME_BYTES } from '../../src/zk/framing.ts';
import { JuteReader, JuteWriter } from '../../src/zk/jute.ts';
import { decodeMultiRead, encodeMultiRead } from '../../src/zk/multi-read.ts';
import type { ReadOp, ReadResult } from '../../src/zk/types.ts';
import { testZk, ZK_TRANSPORTS } from '../harness/zk.ts';

/** A compact view of results for assertions. */
function summary(results: ReadResult[]): unknown[] {
  return results.map((r) => {
    if (r.op === 'getData') return { data: r.data.toString(), version: r.stat.version };
    if (r.op === 'getChildren') return { children: [...r.children].sort() };
    return { error: errorFromCode(r.code, r.path).constructor.name, path: r.path };
  });
}

describe.each(ZK_TRANSPORTS)('zk multiRead over %s', (transport) => {
  const zk = testZk({ transport, name: `multi-read-${transport}` });
  let c: ZooKeeperClient;
  beforeAll(async () => {
    c = await zk.connect();
    await c.create('/m', 'root');
    await c.create('/m/a', 'alpha');
    await c.create('/m/b', 'beta');
    await c.create('/m/a/lock');
    await c.create('/m/a/lock/x__lock__0000000000');
    await c.setData('/m/b', 'beta2');
  });
  afterAll(() => zk.closeAll());

  it('returns each op\'s result in op order, data with its stat, children without', async () => {
    const results = await c.multiRead([
      { op: 'getData', path: '/m/a' },
      { op: 'getChildren', path: '/m' },
      { op: 'getData', path: '/m/b' },
      { op: 'getChildren', path: '/m/a/lock' },
      { op: 'getChildren', path: '/m/b' },
    ]);
    expect(summary(results)).toEqual([
      { data: 'alpha', version: 0 },
      { children: ['a', 'b'] },
      { data: 'beta2', version: 1 },
      { children: ['x__lock__0000000000'] },
      { children: [] },
    ]);
    const single = await c.getData('/m/b');
    const multi = results[2] as Extract<ReadResult, { op: 'getData' }>;
    expect(multi.stat).toEqual(single.stat);
  });

  it('reports a missing node in its own slot without failing the others', async () => {
    const results = await c.multiRead([
      { op: 'getData', path: '/m/gone' },
      { op: 'getData', path: '/m/a' },
      { op: 'getChildren', path: '/m/b/lock' },
      { op: 'getChildren', path: '/m/a/lock' },
    ]);
    expect(summary(results)).toEqual([
      { error: 'NoNodeError', path: '/m/gone' },
      { data: 'alpha', version: 0 },
      { error: 'NoNodeError', path: '/m/b/lock' },
      { children: ['x__lock__0000000000'] },
    ]);
    expect((results[0] as Extract<ReadResult, { op: 'error' }>).code).toBe(ErrorCode.NO_NODE);
  });

  it('answers an empty op list without a request and refuses bad paths before sending', async () => {
    expect(await c.multiRead([])).toEqual([]);
    await expect(c.multiRead([{ op: 'getData', path: '/m/a' }, { op: 'getData', path: 'relative' }])).rejects.toBeInstanceOf(BadArgumentsError);
    await expect(c.multiRead([{ op: 'exists', path: '/m/a' } as unknown as ReadOp])).rejects.toBeInstanceOf(TypeError);
    expect(c.state).toBe('connected');
  });

  it('pipelines many batches of many ops alongside single requests, in order', async () => {
    await c.create('/many');
    await Promise.all(Array.from({ length: 600 }, (_, i) => c.create(`/many/n${i}`, `v${i}`)));
    const batches = Array.from({ length: 6 }, (_, b) =>
      Array.from({ length: 100 }, (_, i): ReadOp => ({ op: 'getData', path: `/many/n${b * 100 + i}` })));
    const [multi, single] = await Promise.all([
      Promise.all(batches.map((ops) => c.multiRead(ops))),
      Promise.all(Array.from({ length: 50 }, (_, i) => c.getData(`/many/n${i}`))),
    ]);
    const data = multi.flat().map((r) => (r.op === 'getData' ? r.data.toString() : r.op));
    expect(data).toEqual(Array.from({ length: 600 }, (_, i) => `v${i}`));
    expect(single.map((r) => r.data.toString())).toEqual(Array.from({ length: 50 }, (_, i) => `v${i}`));
  });

  it('reads a reply larger than the single-frame limit (6 x 900 KB) and keeps the connection', async () => {
    const errors: unknown[] = [];
    c.on('protocolError' as 'state', (e: unknown) => errors.push(e));
    await c.create('/big');
    const payload = Buffer.alloc(900 * 1024, 0x62);
    for (let i = 0; i < 6; i++) await c.create(`/big/n${i}`, payload);
    const results = await c.multiRead(Array.from({ length: 6 }, (_, i): ReadOp => ({ op: 'getData', path: `/big/n${i}` })));
    const total = results.reduce((n, r) => n + (r.op === 'getData' ? r.data.length : 0), 0);
    expect(total).toBeGreaterThan(MAX_FRAME_BYTES);
    expect(results.every((r) => r.op === 'getData' && r.data.equals(payload))).toBe(true);
    expect(errors).toEqual([]);
    expect(c.state).toBe('connected');
    expect((await c.getData('/m/a')).data.toString()).toBe('alpha');
  });
});

describe('multiRead codec', () => {
  const ops: ReadOp[] = [{ op: 'getData', path: '/a' }, { op: 'getChildren', path: '/b' }];

  it('frames ops like multi: header, path, watch=false; a done header last', () => {
    const frame = encodeMultiRead(7, ops, (p) => `/root${p}`);
    const r = new JuteReader(frame, 4);
    expect([r.int(), r.int()]).toEqual([7, 22]);
    expect([r.int(), r.bool(), r.int(), r.string(), r.bool()]).toEqual([4, false, -1, '/root/a', false]);
    expect([r.int(), r.bool(), r.int(), r.string(), r.bool()]).toEqual([8, false, -1, '/root/b', false]);
    expect([r.int(), r.bool(), r.int()]).toEqual([-1, true, -1]);
    expect(r.remaining).toBe(0);
  });

  const stat = (w: JuteWriter): JuteWriter => {
    for (let i = 0; i < 4; i++) w.long(BigInt(i));
    w.int(3).int(0).int(0).long(0n).int(1).int(0).long(9n);
    return w;
  };

  it('decodes data, children and per-op errors', () => {
    const w = new JuteWriter().beginFrame();
    stat(w.int(4).bool(false).int(0).buffer(Buffer.from('x')));
    w.int(-1).bool(false).int(-101).int(-101);
    w.int(-1).bool(true).int(-1);
    const results = decodeMultiRead(new JuteReader(w.frame(), 4), ops);
    expect(results[0]).toMatchObject({ op: 'getData', stat: { version: 3, pzxid: 9n } });
    expect(results[1]).toEqual({ op: 'error', code: ErrorCode.NO_NODE, path: '/b' });
  });

  it('refuses replies that do not match the ops', () => {
    const tooMany = new JuteWriter().beginFrame();
    for (let i = 0; i < 3; i++) tooMany.int(-1).bool(false).int(-101).int(-101);
    tooMany.int(-1).bool(true).int(-1);
    expect(() => decodeMultiRead(new JuteReader(tooMany.frame(), 4), ops)).toThrow(/more results than ops/);
    const tooFew = new JuteWriter().beginFrame().int(-1).bool(false).int(-101).int(-101).int(-1).bool(true).int(-1);
    expect(() => decodeMultiRead(new JuteReader(tooFew.frame(), 4), ops)).toThrow(/1 results for 2 ops/);
    const swapped = new JuteWriter().beginFrame().int(8).bool(false).int(0).stringVector([]).int(-1).bool(true).int(-1);
    expect(() => decodeMultiRead(new JuteReader(swapped.frame(), 4), ops)).toThrow(ProtocolError);
  });
});

describe('FrameDecoder with large frames', () => {
  it('assembles a frame split over many chunks, then the frames after it', () => {
    const big = Buffer.alloc(4 + 300_000, 7);
    big.writeInt32BE(300_000, 0);
    const small = Buffer.alloc(20, 9);
    small.writeInt32BE(16, 0);
    const stream = Buffer.concat([small, big, small]);
    const got: number[] = [];
    const d = new FrameDecoder(16, (f) => got.push(f.length, f[f.length - 1]));
    for (let pos = 0; pos < stream.length; pos += 65_536) d.push(stream.subarray(pos, pos + 65_536));
    expect(got).toEqual([16, 9, 300_000, 7, 16, 9]);
    expect(d.pendingBytes).toBe(0);
  });

  it('asks for the limit per frame and refuses frames beyond it', () => {
    let limit = 100;
    const d = new FrameDecoder(16, () => undefined, () => limit);
    const frame = Buffer.alloc(4 + 200);
    frame.writeInt32BE(200, 0);
    expect(() => d.push(frame)).toThrow(/exceeds 100 bytes/);
    limit = 200;
    const ok = new FrameDecoder(16, () => undefined, () => limit);
    ok.push(frame);
    expect(ok.pendingBytes).toBe(0);
  });
});
