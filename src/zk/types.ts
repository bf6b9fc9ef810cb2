// The ZooKeeper client's public contract. The store and the recipes depend on this
// interface only, so the wire implementation (client.ts) can change freely.

export const CreateMode = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
} as const;
export type CreateMode = (typeof CreateMode)[keyof typeof CreateMode];

export interface Stat {
  czxid: bigint;
  mzxid: bigint;
  /** Milliseconds since the epoch. */
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  /** 0n for persistent nodes, the owning session id for ephemeral ones. */
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
  pzxid: bigint;
}

export type WatchEventType = 'created' | 'deleted' | 'dataChanged' | 'childrenChanged';
export interface WatchEvent {
  type: WatchEventType;
  /** Path relative to the chroot. */
  path: string;
}
export type WatchListener = (event: WatchEvent) => void;

export type MultiOp =
  | { op: 'create'; path: string; data?: Buffer | string; mode?: CreateMode }
  | { op: 'delete'; path: string; version?: number }
  | { op: 'setData'; path: string; data: Buffer | string; version?: number }
  | { op: 'check'; path: string; version: number };

export type MultiResult =
  | { op: 'create'; path: string }
  | { op: 'delete' }
  | { op: 'setData'; stat: Stat }
  | { op: 'check' };

/** One read inside multiRead; never sets a watch (every op goes out with watch=false). */
export type ReadOp = { op: 'getData'; path: string } | { op: 'getChildren'; path: string };

/** One op's outcome: its reply, or its own error code (e.g. ErrorCode.NO_NODE) without failing
 *  the rest. Codes, not Error objects: a listing may see thousands (nodes without a lock dir);
 *  errorFromCode(code, path) makes the typed error when one is to be thrown. */
export type ReadResult =
  | { op: 'getData'; data: Buffer; stat: Stat }
  | { op: 'getChildren'; children: string[] }
  | { op: 'error'; code: number; path: string };

/** connected: usable. suspended: connection lost, session may still be alive.
 *  lost: the session expired (ephemerals and locks are gone). closed: close() was called. */
export type ConnectionState = 'connecting' | 'connected' | 'suspended' | 'lost' | 'closed';

export interface ZkTlsOptions {
  /** File paths, exactly as nodepool.yaml's zookeeper-tls gives them. */
  ca: string;
  cert: string;
  key: string;
}

export interface ZkServer {
  host: string;
  port: number;
}

export interface ZkClientOptions {
  servers: ZkServer[];
  /** e.g. "/nodepool-test-1"; every path the caller uses is relative to it. */
  chroot?: string;
  tls?: ZkTlsOptions;
  /** Requested session timeout in ms (nodepool.yaml zookeeper-timeout is seconds). The server
   *  may grant another (logged); disconnected for the granted one, the client gives the session
   *  up itself ('lost') and starts a new one. */
  sessionTimeoutMs?: number;
  /** Resume an existing session. */
  sessionId?: bigint;
  sessionPassword?: Buffer;
  /** Log one line per protocol fault; defaults to silent. */
  logger?: { warn(obj: object, msg?: string): void; info(obj: object, msg?: string): void };
}

export type PersistentWatchMode = 'persistent' | 'persistentRecursive';

/**
 * Something that mirrors znodes (a tree cache) and wants, after a reconnect, to hear only what
 * changed while it was disconnected instead of re-reading everything. Its paths go out with
 * the new connection's setWatches2 as one-shot data/child watches relative to the last zxid the
 * client had fully caught up to, so the server itself reports each changed, deleted or
 * re-parented path (dataChanged, deleted, childrenChanged events) once.
 */
export interface WatchCatchUp {
  /** Paths whose data / children changes since the last sync are wanted. */
  catchUpPaths(): { data: Iterable<string>; child: Iterable<string> };
  /** Every notification received while a catch-up is in progress (the caught-up events
   *  among them; data events also reach ordinary watch listeners as usual). */
  onCatchUpEvent(event: WatchEvent): void;
  /** The server has reported everything; called once per connection (also when there was
   *  nothing to send). */
  onCatchUpDone(): void;
}

/**
 * Told, synchronously and in the order the server answers, of each setData this client sends:
 * `started` when it is sent, `ended` when its reply is read (with the data written and the new
 * stat) or when it failed (null). ZooKeeper delivers the watch event for a write before that
 * write's reply on the same session, so a cache can take the reply's data instead of reading
 * the znode again.
 */
export interface WriteObserver {
  started(path: string): void;
  ended(path: string, written: { data: Buffer; stat: Stat } | null): void;
  /** A sequential create2 of `prefix` was sent (its full path is known only from the reply). */
  createStarted?(prefix: string): void;
  /** Its reply: the created path, the data sent and its stat; null when it failed or was lost. */
  createEnded?(prefix: string, created: { path: string; data: Buffer; stat: Stat } | null): void;
}

export interface ZkClient {
  readonly state: ConnectionState;
  readonly sessionId: bigint;

  /** Resolves once the first session is established. */
  connect(): Promise<void>;
  /** Sends closeSession, ends the socket; idempotent. */
  close(): Promise<void>;

  on(event: 'state', listener: (state: ConnectionState) => void): this;
  on(event: 'connected' | 'suspended' | 'lost' | 'closed', listener: () => void): this;
  off(event: string, listener: (...args: any[]) => void): this;

  /** Returns the created path (relative to the chroot; with the sequence suffix). */
  create(path: string, data?: Buffer | string, mode?: CreateMode): Promise<string>;
  create2(path: string, data?: Buffer | string, mode?: CreateMode): Promise<{ path: string; stat: Stat }>;
  /** version -1 means any version. */
  delete(path: string, version?: number): Promise<void>;
  /** null when the node does not exist. A one-shot watch fires on create/delete/change. */
  exists(path: string, watch?: WatchListener): Promise<Stat | null>;
  getData(path: string, watch?: WatchListener): Promise<{ data: Buffer; stat: Stat }>;
  /** version -1 means any version; 0 means exactly version 0. */
  setData(path: string, data: Buffer | string, version?: number): Promise<Stat>;
  getChildren(path: string, watch?: WatchListener): Promise<{ children: string[]; stat: Stat }>;
  /** All-or-nothing; rejects with the first failing op's typed error (err.opIndex set). */
  multi(ops: MultiOp[]): Promise<MultiResult[]>;
  sync(path: string): Promise<void>;
  /**
   * Many reads in one request (ZooKeeper >= 3.6 multiRead); results in op order, each op's
   * failure reported in its own slot. Rejects only when the request as a whole fails
   * (connection loss, a bad path among the ops). Optional: callers fall back to single reads.
   */
  multiRead?(ops: readonly ReadOp[]): Promise<ReadResult[]>;
  /** Registers a reconnect catch-up (see WatchCatchUp); returns a function removing it.
   *  Optional: callers without it re-read after each reconnect. */
  addCatchUp?(source: WatchCatchUp): () => void;
  /** Registers an observer of this client's own setData requests (see WriteObserver); returns a
   *  function removing it. Optional: caches without it re-read what they see change. */
  observeWrites?(observer: WriteObserver): () => void;
  /** Registers a persistent (optionally recursive) watch; returns a function removing it. */
  addWatch(path: string, mode: PersistentWatchMode, listener: WatchListener): Promise<() => Promise<void>>;

  /** Creates every missing ancestor and the node itself (persistent, empty). */
  mkdirp(path: string): Promise<void>;
  /** Deletes a node and everything below it; missing nodes are fine. */
  deleteRecursive(path: string): Promise<void>;
}

export interface LockOptions {
  /** false: fail at once when someone else holds it. Default true. */
  blocking?: boolean;
  /** Only for blocking acquires; undefined waits forever. */
  timeoutMs?: number;
  /** Stored as the contender's data (kazoo's identifier); default "". */
  identifier?: string;
  signal?: AbortSignal;
  /** Resolve null instead of creating the lock dir's missing parent (a lock below a record
   *  must never resurrect a deleted record). Default false. */
  parentMustExist?: boolean;
  /** The lock dir is probably new (a record just created): create dir and contender in one go. */
  dirLikelyMissing?: boolean;
}

/** A held kazoo-compatible lock (`<lockDir>/<uuidhex>__lock__<seq10>`). */
export interface LockHandle {
  readonly lockDir: string;
  /** Full path of our contender znode. */
  readonly nodePath: string;
  /** False once released or once the session that held it expired. */
  isHeld(): boolean;
  /** Aborted when the lock is lost through session expiry. */
  readonly lostSignal: AbortSignal;
  /** Deletes our contender node; idempotent. */
  release(): Promise<void>;
}
