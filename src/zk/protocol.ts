// Op codes, special xids and the encoders/decoders for the records the client sends and
// receives (ZooKeeper's zookeeper.jute). Paths here are server paths (chroot already applied).
import { errorFromCode, ErrorCode } from './errors.ts';
import { JuteReader, JuteWriter, protocolError } from './jute.ts';
import type { MultiOp, MultiResult, WatchEventType } from './types.ts';
import type { WatchedPaths } from './watches.ts';

export const OpCode = {
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  /** getChildren without a stat in the reply; used only inside multiRead. */
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  removeWatches: 18,
  multiRead: 22,
  setWatches2: 105,
  addWatch: 106,
  closeSession: -11,
  error: -1,
} as const;

export const Xid = { notification: -1, ping: -2, setWatches: -8 } as const;

/** removeWatches type "any" (children + data), which also drops persistent watches. */
export const WATCHER_TYPE_ANY = 3;
export const ADD_WATCH_MODE = { persistent: 0, persistentRecursive: 1 } as const;

/** Reply header (xid, zxid, err) is the smallest frame after the handshake. */
export const REPLY_HEADER_BYTES = 16;

const PERMS_ALL = 31;

export const writer = new JuteWriter();

export function header(w: JuteWriter, xid: number, type: number): JuteWriter {
  return w.beginFrame().int(xid).int(type);
}

/** world:anyone with all permissions, the default open ACL. */
export function openAcl(w: JuteWriter): JuteWriter {
  return w.int(1).int(PERMS_ALL).string('world').string('anyone');
}

export function toBuffer(data: Buffer | string | undefined): Buffer | null {
  if (data === undefined) return null;
  return typeof data === 'string' ? Buffer.from(data) : data;
}

export interface ConnectParams {
  lastZxid: bigint;
  timeoutMs: number;
  sessionId: bigint;
  password: Buffer;
}

export function encodeConnect(p: ConnectParams): Buffer {
  return writer
    .beginFrame()
    .int(0) // protocol version
    .long(p.lastZxid)
    .int(p.timeoutMs)
    .long(p.sessionId)
    .buffer(p.password)
    .bool(false) // not read-only
    .frame();
}

export interface ConnectResult {
  timeoutMs: number;
  sessionId: bigint;
  password: Buffer;
  /** The member is in read-only mode (it lost the quorum); we never ask for that. */
  readOnly: boolean;
}

export function decodeConnect(frame: Buffer): ConnectResult {
  const r = new JuteReader(frame);
  r.int(); // protocol version
  const timeoutMs = r.int();
  const sessionId = r.long();
  const password = r.buffer();
  // A trailing read-only flag is optional; anything beyond it is malformed.
  if (r.remaining > 1) throw protocolError(`connect response has ${r.remaining} unexpected trailing bytes`);
  const readOnly = r.remaining === 1 ? r.bool() : false;
  return { timeoutMs, sessionId, password, readOnly };
}

export function decodeWatchEventType(type: number): WatchEventType | null {
  switch (type) {
    case 1: return 'created';
    case 2: return 'deleted';
    case 3: return 'dataChanged';
    case 4: return 'childrenChanged';
    default: return null;
  }
}

function encodeMultiOp(w: JuteWriter, op: MultiOp, serverPath: (p: string) => string): void {
  switch (op.op) {
    case 'create':
      w.int(OpCode.create).bool(false).int(-1);
      w.string(serverPath(op.path)).buffer(toBuffer(op.data) ?? Buffer.alloc(0));
      openAcl(w).int(op.mode ?? 0);
      return;
    case 'delete':
      w.int(OpCode.delete).bool(false).int(-1).string(serverPath(op.path)).int(op.version ?? -1);
      return;
    case 'setData':
      w.int(OpCode.setData).bool(false).int(-1);
      w.string(serverPath(op.path)).buffer(toBuffer(op.data)).int(op.version ?? -1);
      return;
    case 'check':
      w.int(OpCode.check).bool(false).int(-1).string(serverPath(op.path)).int(op.version);
      return;
    default:
      throw new TypeError(`unknown multi op ${(op as { op: string }).op}`);
  }
}

export function encodeMulti(xid: number, ops: readonly MultiOp[], serverPath: (p: string) => string): Buffer {
  const w = header(writer, xid, OpCode.multi);
  for (const op of ops) encodeMultiOp(w, op, serverPath);
  w.int(-1).bool(true).int(-1);
  return w.frame();
}

/** Decodes a multi reply; throws the failing op's typed error with opIndex set. */
export function decodeMulti(r: JuteReader, ops: readonly MultiOp[], clientPath: (p: string) => string): MultiResult[] {
  const results: MultiResult[] = [];
  let failure: { index: number; code: number } | null = null;
  let anyError: { index: number; code: number } | null = null;
  for (let i = 0; ; i++) {
    const type = r.int();
    const done = r.bool();
    r.int(); // err in the multi header is not used by the server
    if (done) break;
    if (i >= ops.length) throw protocolError('multi reply has more results than ops');
    switch (type) {
      case OpCode.create: results.push({ op: 'create', path: clientPath(r.string()) }); break;
      case OpCode.create2: results.push({ op: 'create', path: clientPath(r.string()) }); r.stat(); break;
      case OpCode.delete: results.push({ op: 'delete' }); break;
      case OpCode.setData: results.push({ op: 'setData', stat: r.stat() }); break;
      case OpCode.check: results.push({ op: 'check' }); break;
      case OpCode.error: {
        const code = r.int();
        if (anyError === null && code !== ErrorCode.OK) anyError = { index: i, code };
        // Ops before the failing one report OK, ops after it RUNTIME_INCONSISTENCY.
        if (failure === null && code !== ErrorCode.OK && code !== ErrorCode.RUNTIME_INCONSISTENCY) failure = { index: i, code };
        results.push({ op: ops[i].op } as MultiResult);
        break;
      }
      default: throw protocolError(`unknown multi result type ${type}`);
    }
  }
  failure ??= anyError;
  if (failure) {
    const err = errorFromCode(failure.code, ops[failure.index].path);
    err.opIndex = failure.index;
    throw err;
  }
  return results;
}

const SETWATCHES_BATCH_BYTES = 128 * 1024;

/** setWatches2 frames re-registering every watched path, split so no frame gets near the
 *  server's 1 MB jute.maxbuffer (as the Java client does). */
export function encodeSetWatches(lastZxid: bigint, watched: WatchedPaths, serverPath: (p: string) => string): Buffer[] {
  const kinds = [watched.data, watched.exist, watched.child, watched.persistent, watched.persistentRecursive];
  const batch: string[][] = kinds.map(() => []);
  const frames: Buffer[] = [];
  let bytes = 0;
  const flush = (): void => {
    const w = header(writer, Xid.setWatches, OpCode.setWatches2).long(lastZxid);
    for (const list of batch) w.stringVector(list);
    frames.push(w.frame());
    for (const list of batch) list.length = 0;
    bytes = 0;
  };
  kinds.forEach((paths, k) => {
    for (const p of paths) {
      const sp = serverPath(p);
      batch[k].push(sp);
      bytes += Buffer.byteLength(sp) + 4;
      if (bytes > SETWATCHES_BATCH_BYTES) flush();
    }
  });
  if (bytes > 0) flush();
  return frames;
}
