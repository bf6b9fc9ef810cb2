// Streams an image body to disk while hashing it: constant memory whatever the image size.
// Hashing runs in two worker threads (md5 | sha256 [+ sha512]) so it overlaps with network and disk
// I/O; on one thread the digests alone would cap an upload at about 300 MB/s on this machine.
// Chunks are copied once into a fixed ring of shared 1 MiB slots that both workers read in place.
import { once } from 'node:events';
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Worker } from 'node:worker_threads';

export interface ReceivedImage {
  size: number;
  md5: string;
  sha256: string;
  /** Only when asked for (Glance's default os_hash_algo); the most expensive of the three. */
  sha512: string | null;
}

// An eval'd CommonJS worker needs no loader, so it runs the same from tsx, vitest and compiled JS.
const HASH_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = workerData.map((a) => createHash(a));
parentPort.on('message', (batch) => {
  if (batch === null) {
    parentPort.postMessage({ digests: hashes.map((h) => h.digest('hex')) });
    return;
  }
  const view = new Uint8Array(batch.buffer, 0, batch.length);
  for (const h of hashes) h.update(view);
  parentPort.postMessage(1);
});
`;

const SLOT_BYTES = 1 << 20;
/** Slots in the ring: the most the workers may lag behind, and all the memory an upload holds. */
const RING_SLOTS = 8;

class HashWorker {
  private readonly worker: Worker;
  /** Batches this worker has finished hashing. */
  acked = 0;
  private waiters: { count: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  private finish: ((digests: string[]) => void) | null = null;
  private failed: Error | null = null;

  constructor(algorithms: string[]) {
    this.worker = new Worker(HASH_WORKER_SOURCE, { eval: true, workerData: algorithms });
    this.worker.on('message', (m: number | { digests: string[] }) => {
      if (typeof m !== 'number') return this.finish?.(m.digests);
      this.acked += 1;
      const ready = this.waiters.filter((w) => w.count <= this.acked);
      this.waiters = this.waiters.filter((w) => w.count > this.acked);
      for (const w of ready) w.resolve();
    });
    this.worker.on('error', (err) => {
      this.failed = err;
      for (const w of this.waiters) w.reject(err);
      this.waiters = [];
    });
  }

  post(batch: { buffer: SharedArrayBuffer; length: number }): void {
    if (this.failed) throw this.failed;
    this.worker.postMessage(batch);
  }

  /** Resolves once `count` batches are hashed. */
  whenAcked(count: number): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.acked >= count) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ count, resolve, reject }));
  }

  digest(): Promise<string[]> {
    return new Promise((resolve, reject) => {
      if (this.failed) return reject(this.failed);
      this.finish = resolve;
      this.worker.postMessage(null);
    });
  }

  close(): void {
    void this.worker.terminate();
  }
}

export async function receiveImageData(body: Readable, path: string, bytesPerSecond: number, withSha512: boolean): Promise<ReceivedImage> {
  const workers = [new HashWorker(['md5']), new HashWorker(withSha512 ? ['sha256', 'sha512'] : ['sha256'])];
  const slots = Array.from({ length: RING_SLOTS }, () => new SharedArrayBuffer(SLOT_BYTES));
  let sent = 0;
  let filled = 0;
  let size = 0;
  const started = Date.now();
  const send = () => {
    if (filled === 0) return;
    for (const w of workers) w.post({ buffer: slots[sent % RING_SLOTS], length: filled });
    sent += 1;
    filled = 0;
  };
  // Batch number `sent` reuses the slot of batch sent - RING_SLOTS: both workers must be done with it.
  const slotFree = () => Promise.all(workers.map((w) => w.whenAcked(sent - RING_SLOTS + 1)));
  const absorb = async (chunk: Buffer) => {
    for (let offset = 0; offset < chunk.length; ) {
      if (filled === 0) await slotFree();
      const n = Math.min(chunk.length - offset, SLOT_BYTES - filled);
      chunk.copy(new Uint8Array(slots[sent % RING_SLOTS]), filled, offset, offset + n);
      filled += n;
      offset += n;
      if (filled === SLOT_BYTES) send();
    }
    size += chunk.length;
    // Slow-upload fault: hold each chunk until the average rate is back under the limit.
    const wait = bytesPerSecond > 0 ? started + (size / bytesPerSecond) * 1000 - Date.now() : 0;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  };
  const hasher = new Transform({
    transform(chunk: Buffer, _enc, done) {
      absorb(chunk).then(() => done(null, chunk), (err: Error) => done(err));
    },
    flush(done) {
      try {
        send();
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
  const partial = `${path}.partial`;
  const out = createWriteStream(partial, { highWaterMark: 1 << 20 });
  try {
    await pipeline(body, hasher, out);
    if ((body as { complete?: boolean }).complete === false) throw new Error('the request body ended early');
    const [[md5Hex], [sha256Hex, sha512Hex = null]] = await Promise.all(workers.map((w) => w.digest()));
    renameSync(partial, path);
    return { size, md5: md5Hex, sha256: sha256Hex, sha512: sha512Hex };
  } catch (err) {
    // The file may still be opening: remove it only once the stream is closed, or it comes back.
    if (!out.closed) await once(out, 'close').catch(() => undefined);
    rmSync(partial, { force: true });
    throw err;
  } finally {
    for (const w of workers) w.close();
  }
}
