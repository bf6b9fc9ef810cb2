// Splits the server's byte stream into length-prefixed frames. Complete frames inside one chunk
// are handed out as views (no copy); a frame split across chunks is assembled in a buffer of
// its own size, so a large reply (a multiRead) costs one copy per chunk, not a concat per chunk.
import { protocolError } from './jute.ts';

/** Larger length prefixes are treated as corruption (the server's jute.maxbuffer is 1 MB),
 *  unless the reply expected next may legitimately be larger (see maxFrameBytes). */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

export class FrameDecoder {
  /** Fewer than 4 bytes: a length prefix not yet complete. */
  private head: Buffer | null = null;
  /** A frame being assembled, and how much of it has arrived. */
  private body: Buffer | null = null;
  private filled = 0;
  private readonly minFrameBytes: number;
  private readonly onFrame: (frame: Buffer) => void;
  private readonly maxFrameBytes: () => number;

  /** minFrameBytes: the smallest frame the protocol can send (e.g. a reply header).
   *  maxFrameBytes: the largest frame acceptable next (asked for each length prefix). */
  constructor(minFrameBytes: number, onFrame: (frame: Buffer) => void, maxFrameBytes: () => number = () => MAX_FRAME_BYTES) {
    this.minFrameBytes = minFrameBytes;
    this.onFrame = onFrame;
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes received but not yet part of a complete frame. */
  get pendingBytes(): number {
    if (this.body) return 4 + this.filled;
    return this.head ? this.head.length : 0;
  }

  /** Throws ProtocolError on a bad length prefix; the caller must then drop the connection. */
  push(chunk: Buffer): void {
    let data = chunk;
    let pos = 0;
    if (this.body) {
      const take = Math.min(this.body.length - this.filled, data.length);
      data.copy(this.body, this.filled, 0, take);
      this.filled += take;
      pos = take;
      if (this.filled < this.body.length) return;
      const frame = this.body;
      this.body = null;
      this.onFrame(frame);
    } else if (this.head) {
      data = Buffer.concat([this.head, chunk]);
      this.head = null;
    }
    while (data.length - pos >= 4) {
      const len = data.readInt32BE(pos);
      if (len < this.minFrameBytes) throw protocolError(`frame length ${len} is below the minimum ${this.minFrameBytes}`);
      const max = this.maxFrameBytes();
      if (len > max) throw protocolError(`frame length ${len} exceeds ${max} bytes`);
      const available = data.length - pos - 4;
      if (available < len) {
        this.body = Buffer.allocUnsafe(len);
        data.copy(this.body, 0, pos + 4);
        this.filled = available;
        return;
      }
      const frame = data.subarray(pos + 4, pos + 4 + len);
      pos += 4 + len;
      this.onFrame(frame);
    }
    if (pos < data.length) this.head = data.subarray(pos);
  }
}
