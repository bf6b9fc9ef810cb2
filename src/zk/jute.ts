// Jute, ZooKeeper's big-endian record encoding: ints, longs, length-prefixed strings, buffers
// and vectors. The reader checks every length against the bytes it has, so a malformed frame
// becomes a ProtocolError instead of an out-of-range read.
import { ErrorCode, ProtocolError } from './errors.ts';
import type { Stat } from './types.ts';

export function protocolError(message: string): ProtocolError {
  return new ProtocolError(ErrorCode.MARSHALLING_ERROR, message);
}

/** Growable output buffer. One module-level instance is reused for every request, and each
 *  finished frame is copied out once, so encoding costs one allocation per request. */
export class JuteWriter {
  private buf: Buffer = Buffer.allocUnsafe(64 * 1024);
  private pos = 0;

  reset(): this {
    this.pos = 0;
    return this;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const bigger = Buffer.allocUnsafe(size);
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  int(value: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(value, this.pos);
    this.pos += 4;
    return this;
  }

  long(value: bigint): this {
    this.ensure(8);
    this.buf.writeBigInt64BE(value, this.pos);
    this.pos += 8;
    return this;
  }

  bool(value: boolean): this {
    this.ensure(1);
    this.buf[this.pos++] = value ? 1 : 0;
    return this;
  }

  string(value: string): this {
    const len = Buffer.byteLength(value);
    this.ensure(4 + len);
    this.buf.writeInt32BE(len, this.pos);
    this.buf.write(value, this.pos + 4, len, 'utf8');
    this.pos += 4 + len;
    return this;
  }

  /** null encodes as length -1, as the Java client does for "no data". */
  buffer(value: Buffer | null): this {
    if (value === null) return this.int(-1);
    this.ensure(4 + value.length);
    this.buf.writeInt32BE(value.length, this.pos);
    value.copy(this.buf, this.pos + 4);
    this.pos += 4 + value.length;
    return this;
  }

  stringVector(values: readonly string[]): this {
    this.int(values.length);
    for (const v of values) this.string(v);
    return this;
  }

  /** Starts a length-prefixed frame; finish with frame(). */
  beginFrame(): this {
    this.pos = 0;
    return this.int(0);
  }

  /** Fills in the length prefix and returns a private copy of the frame. */
  frame(): Buffer {
    this.buf.writeInt32BE(this.pos - 4, 0);
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }
}

export class JuteReader {
  private readonly buf: Buffer;
  private pos: number;
  constructor(buf: Buffer, offset = 0) {
    this.buf = buf;
    this.pos = offset;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) {
      throw protocolError(`truncated ${what}: need ${n} bytes, have ${this.buf.length - this.pos}`);
    }
  }

  int(): number {
    this.need(4, 'int');
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  long(): bigint {
    this.need(8, 'long');
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  bool(): boolean {
    this.need(1, 'bool');
    return this.buf[this.pos++] !== 0;
  }

  private length(what: string): number {
    const len = this.int();
    if (len < -1) throw protocolError(`negative ${what} length ${len}`);
    if (len > this.remaining) throw protocolError(`${what} length ${len} exceeds frame (${this.remaining} left)`);
    return len;
  }

  string(): string {
    const len = this.length('string');
    if (len <= 0) return '';
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  /** Copies the bytes out so callers (caches) do not pin the whole socket chunk. */
  buffer(): Buffer {
    const len = this.length('buffer');
    if (len <= 0) return Buffer.alloc(0);
    const b = Buffer.from(this.buf.subarray(this.pos, this.pos + len));
    this.pos += len;
    return b;
  }

  stringVector(): string[] {
    const count = this.int();
    if (count === -1) return [];
    // Each element takes at least its 4-byte length, which bounds a hostile count.
    if (count < 0 || count * 4 > this.remaining) throw protocolError(`bad vector length ${count}`);
    const out = new Array<string>(count);
    for (let i = 0; i < count; i++) out[i] = this.string();
    return out;
  }

  stat(): Stat {
    this.need(68, 'stat');
    const czxid = this.long();
    const mzxid = this.long();
    const ctime = Number(this.long());
    const mtime = Number(this.long());
    const version = this.int();
    const cversion = this.int();
    const aversion = this.int();
    const ephemeralOwner = this.long();
    const dataLength = this.int();
    const numChildren = this.int();
    const pzxid = this.long();
    return { czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner, dataLength, numChildren, pzxid };
  }
}
