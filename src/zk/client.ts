// The ZooKeeper client: the ZkClient operations on top of the session (session.ts), which owns
// connections, reconnects and watches. Every method returns a promise and rejects with the
// typed errors of errors.ts; requests are pipelined (many in flight on one connection).
import { ErrorCode, errorFromCode } from './errors.ts';
import type { JuteReader } from './jute.ts';
import { checkPath } from './paths.ts';
import { ADD_WATCH_MODE, decodeMulti, encodeMulti, header, OpCode, openAcl, toBuffer, WATCHER_TYPE_ANY, writer } from './protocol.ts';
import { decodeMultiRead, encodeMultiRead, multiReadReplyLimit } from './multi-read.ts';
import { deleteRecursive, mkdirp } from './recipes.ts';
import { ZkSession } from './session.ts';
import {
  CreateMode,
  type MultiOp,
  type MultiResult,
  type PersistentWatchMode,
  type ReadOp,
  type ReadResult,
  type Stat,
  type WatchListener,
  type WriteObserver,
  type ZkClient,
  type ZkClientOptions,
} from './types.ts';

const EMPTY = Buffer.alloc(0);

function isSequential(mode: CreateMode): boolean {
  return mode === CreateMode.PERSISTENT_SEQUENTIAL || mode === CreateMode.EPHEMERAL_SEQUENTIAL;
}

export class ZooKeeperClient extends ZkSession implements ZkClient {
  private readonly writeObservers = new Set<WriteObserver>();

  create(path: string, data?: Buffer | string, mode: CreateMode = CreateMode.PERSISTENT): Promise<string> {
    return this.sendCreate(OpCode.create, path, data, mode, (r) => this.clientPath(r.string()));
  }

  create2(path: string, data?: Buffer | string, mode: CreateMode = CreateMode.PERSISTENT): Promise<{ path: string; stat: Stat }> {
    const decode = (r: JuteReader) => ({ path: this.clientPath(r.string()), stat: r.stat() });
    if (!isSequential(mode) || this.writeObservers.size === 0) return this.sendCreate(OpCode.create2, path, data, mode, decode);
    // A sequential create's event reaches a cache before the reply names the path: observers
    // hear of it, so the created record is taken from the reply instead of read back.
    const observers = [...this.writeObservers];
    const bytes = toBuffer(data) ?? EMPTY;
    for (const o of observers) o.createStarted?.(path);
    let told = false;
    const tell = (created: { path: string; data: Buffer; stat: Stat } | null): void => {
      if (told) return;
      told = true;
      for (const o of observers) o.createEnded?.(path, created);
    };
    const reply = this.sendCreate(OpCode.create2, path, bytes, mode, decode);
    reply.then((r) => tell({ path: r.path, data: bytes, stat: r.stat }), () => tell(null));
    return reply;
  }

  private sendCreate<T>(op: number, path: string, data: Buffer | string | undefined, mode: CreateMode, decode: (r: JuteReader) => T): Promise<T> {
    const bad = checkPath(path, isSequential(mode));
    if (bad) return Promise.reject(bad);
    if (mode !== 0 && mode !== 1 && mode !== 2 && mode !== 3) return Promise.reject(new TypeError(`bad create mode ${mode}`));
    const xid = this.nextXid();
    const w = header(writer, xid, op).string(this.chroot.toServer(path)).buffer(toBuffer(data) ?? EMPTY);
    const frame = openAcl(w).int(mode).frame();
    return this.submit(xid, frame, path, (err, r) => {
      if (err !== 0) throw errorFromCode(err, path);
      return decode(r);
    });
  }

  delete(path: string, version = -1): Promise<void> {
    const bad = checkPath(path);
    if (bad) return Promise.reject(bad);
    const xid = this.nextXid();
    const frame = header(writer, xid, OpCode.delete).string(this.chroot.toServer(path)).int(version).frame();
    return this.submit(xid, frame, path, okOrThrow(path));
  }

  exists(path: string, watch?: WatchListener): Promise<Stat | null> {
    const bad = checkPath(path);
    if (bad) return Promise.reject(bad);
    const xid = this.nextXid();
    const serverWatch = watch !== undefined && !this.watches.coversDataEvents(path);
    const frame = header(writer, xid, OpCode.exists).string(this.chroot.toServer(path)).bool(serverWatch).frame();
    return this.submit(xid, frame, path, (err, r) => {
      if (err === ErrorCode.NO_NODE) {
        // The server keeps an "exists" watch on a missing node; it fires on creation.
        if (watch) this.watches.addExist(path, watch);
        return null;
      }
      if (err !== 0) throw errorFromCode(err, path);
      const stat = r.stat();
      if (watch) this.watches.addData(path, watch);
      return stat;
    });
  }

  getData(path: string, watch?: WatchListener): Promise<{ data: Buffer; stat: Stat }> {
    const bad = checkPath(path);
    if (bad) return Promise.reject(bad);
    const xid = this.nextXid();
    const serverWatch = watch !== undefined && !this.watches.coversDataEvents(path);
    const frame = header(writer, xid, OpCode.getData).string(this.chroot.toServer(path)).bool(serverWatch).frame();
    return this.submit(xid, frame, path, (err, r) => {
      if (err !== 0) throw errorFromCode(err, path);
      const data = r.buffer();
      const stat = r.stat();
      if (watch) this.watches.addData(path, watch);
      return { data, stat };
    });
  }

  setData(path: string, data: Buffer | string, version = -1): Promise<Stat> {
    const bad = checkPath(path);
    if (bad) return Promise.reject(bad);
    const xid = this.nextXid();
    const bytes = toBuffer(data) ?? EMPTY;
    const frame = header(writer, xid, OpCode.setData).string(this.chroot.toServer(path)).buffer(bytes).int(version).frame();
    const observers = [...this.writeObservers];
    for (const o of observers) o.started(path);
    let told = false;
    const tell = (written: { data: Buffer; stat: Stat } | null): void => {
      if (told) return;
      told = true;
      for (const o of observers) o.ended(path, written);
    };
    const reply = this.submit(xid, frame, path, (err, r) => {
      if (err !== 0) {
        tell(null);
        throw errorFromCode(err, path);
      }
      const stat = r.stat();
      tell({ data: bytes, stat });
      return stat;
    });
    // Lost with the connection: no reply frame will come.
    reply.catch(() => tell(null));
    return reply;
  }

  observeWrites(observer: WriteObserver): () => void {
    this.writeObservers.add(observer);
    return () => { this.writeObservers.delete(observer); };
  }


  getChildren(path: string, watch?: WatchListener): Promise<{ children: string[]; stat: Stat }> {
    const bad = checkPath(path);
    if (bad) return Promise.reject(bad);
    const xid = this.nextXid();
    const serverWatch = watch !== undefined && !this.watches.coversChildEvents(path);
    const frame = header(writer, xid, OpCode.getChildren2).string(this.chroot.toServer(path)).bool(serverWatch).frame();
    return this.submit(xid, frame, path, (err, r) => {
      if (err !== 0) throw errorFromCode(err, path);
      const children = r.stringVector();
      const stat = r.stat();
      if (watch) this.watches.addChild(path, watch);
      return { children, stat };
    });
  }

  multi(ops: MultiOp[]): Promise<MultiResult[]> {
    for (const op of ops) {
      const bad = checkPath(op.path, op.op === 'create' && isSequential(op.mode ?? 0));
      if (bad) return Promise.reject(bad);
    }
    if (ops.length === 0) return Promise.resolve([]);
    const xid = this.nextXid();
    let frame: Buffer;
    try {
      frame = encodeMulti(xid, ops, (p) => this.chroot.toServer(p));
    } catch (e) {
      return Promise.reject(e);
    }
    return this.submit(xid, frame, ops[0].path, (err, r) => {
      // Failed multis carry per-op results; fall back to the header code if there are none.
      if (err !== 0 && r.remaining === 0) throw errorFromCode(err, ops[0].path);
      return decodeMulti(r, ops, (p) => this.clientPath(p));
    });
  }

  multiRead(ops: readonly ReadOp[]): Promise<ReadResult[]> {
    for (const op of ops) {
      const bad = checkPath(op.path);
      if (bad) return Promise.reject(bad);
    }
    if (ops.length === 0) return Promise.resolve([]);
    const xid = this.nextXid();
    let frame: Buffer;
    try {
      frame = encodeMultiRead(xid, ops, (p) => this.chroot.toServer(p));
    } catch (e) {
      return Promise.reject(e);
    }
    return this.submit(xid, frame, ops[0].path, (err, r) => {
      // Per-op failures are inside the body; a header error means the request itself failed.
      if (err !== 0 && r.remaining === 0) throw errorFromCode(err, ops[0].path);
      return decodeMultiRead(r, ops);
    }, multiReadReplyLimit(ops.length));
  }

  sync(path: string): Promise<void> {
    const bad = checkPath(path);
    if (bad) return Promise.reject(bad);
    const xid = this.nextXid();
    const frame = header(writer, xid, OpCode.sync).string(this.chroot.toServer(path)).frame();
    return this.submit(xid, frame, path, okOrThrow(path));
  }

  async addWatch(path: string, mode: PersistentWatchMode, listener: WatchListener): Promise<() => Promise<void>> {
    const bad = checkPath(path);
    if (bad) throw bad;
    const modeCode = ADD_WATCH_MODE[mode];
    if (modeCode === undefined) throw new TypeError(`bad watch mode ${mode}`);
    const xid = this.nextXid();
    const frame = header(writer, xid, OpCode.addWatch).string(this.chroot.toServer(path)).int(modeCode).frame();
    await this.submit(xid, frame, path, (err) => {
      if (err !== 0) throw errorFromCode(err, path);
      this.watches.addPersistent(path, mode, listener);
    });
    let removed = false;
    return async () => {
      if (removed) return;
      removed = true;
      // Only drop the server-side watch when no other listener still needs events there.
      if (!this.watches.removePersistent(path, mode, listener) || this.state !== 'connected') return;
      await this.removeServerWatches(path).catch(() => undefined);
    };
  }

  private removeServerWatches(path: string): Promise<void> {
    const xid = this.nextXid();
    const frame = header(writer, xid, OpCode.removeWatches).string(this.chroot.toServer(path)).int(WATCHER_TYPE_ANY).frame();
    return this.submit(xid, frame, path, (err) => {
      if (err !== 0 && err !== ErrorCode.NO_WATCHER) throw errorFromCode(err, path);
    });
  }

  mkdirp(path: string): Promise<void> {
    return mkdirp(this, path);
  }

  deleteRecursive(path: string): Promise<void> {
    return deleteRecursive(this, path);
  }

  private clientPath(serverPath: string): string {
    return this.chroot.toClient(serverPath) ?? serverPath;
  }
}

function okOrThrow(path: string): (err: number) => void {
  return (err) => {
    if (err !== 0) throw errorFromCode(err, path);
  };
}

/** Builds a client (not yet connected; call connect()). Throws on unreadable TLS files. */
export function createZkClient(options: ZkClientOptions): ZooKeeperClient {
  return new ZooKeeperClient(options);
}

/** createZkClient + connect(); closes the client again if the first session cannot be made. */
export async function connectZkClient(options: ZkClientOptions, timeoutMs?: number): Promise<ZooKeeperClient> {
  // An operator's chroot (zookeeper-servers[].chroot) may not exist yet on a fresh ensemble:
  // create it through a short chroot-less session, as every later path lives below it.
  if (options.chroot && options.chroot !== '/') {
    const root = createZkClient({ ...options, chroot: undefined, sessionId: undefined, sessionPassword: undefined });
    await root.connect(timeoutMs);
    try {
      await root.mkdirp(options.chroot);
    } finally {
      await root.close();
    }
  }
  const client = createZkClient(options);
  await client.connect(timeoutMs);
  return client;
}
