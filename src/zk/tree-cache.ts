// An in-memory copy of a subtree, kept current by one persistent recursive watch (addWatch),
// like Nodepool's tree caches. Events only say "this path changed", so each one triggers a
// re-read; a read is applied only if no newer event for the same path arrived meanwhile,
// which keeps replies and notifications from overtaking each other. Events missed while
// disconnected (the server does not replay them for persistent watches) are caught up through
// the client's WatchCatchUp: the server compares each cached path's zxids with the last one we
// had caught up to and reports only what changed, so only that is re-read. Clients without it
// get the whole subtree re-read after each reconnect.
// The client's own writes cost no re-read: the server sends a write's event before its reply,
// so a data change seen while our setData on that path is in flight is covered by the reply,
// which carries the data we wrote and the new stat (see WriteObserver). A failed write, or a
// change we cannot attribute, falls back to the read. Our own sequential creates work the same
// way: the created event of a path with the prefix of a create in flight waits for its reply.
import { EventEmitter } from 'node:events';
import { ErrorCode, errorFromCode, NoNodeError } from './errors.ts';
import { isConnectionFault } from './retry-connection-loss.ts';
import type { ReadOp, ReadResult, Stat, WatchCatchUp, WatchEvent, WriteObserver, ZkClient } from './types.ts';

/** Nodes per multiRead during a full load (two ops each), and such requests in flight. */
const LOAD_BATCH_NODES = 200;
const LOAD_BATCHES_IN_FLIGHT = 4;

export interface CachedNode {
  data: Buffer;
  stat: Stat;
}

export interface TreeCacheOptions {
  /**
   * Levels below the root whose data is read (1 = the root's children only). Deeper znodes are
   * tracked by name alone, from the watch's events, so a lock contender costs no read.
   */
  dataDepth?: number;
}

const NAME_ONLY: CachedNode = Object.freeze({
  data: Buffer.alloc(0),
  stat: Object.freeze({ czxid: 0n, mzxid: 0n, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 0, numChildren: 0, pzxid: 0n }),
}) as CachedNode;

/** The requested path of a sequential znode (its 10-digit counter cut off); '' otherwise. */
function sequentialPrefix(path: string): string {
  return /\d{10}$/.test(path) ? path.slice(0, -10) : '';
}

function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

function splitPath(path: string): [string, string] {
  const i = path.lastIndexOf('/');
  return [i <= 0 ? '/' : path.slice(0, i), path.slice(i + 1)];
}

export class TreeCache extends EventEmitter {
  readonly root: string;
  /** Resolves after the first full load. */
  readonly ready: Promise<void>;
  private readonly client: ZkClient;
  private readonly nodes = new Map<string, CachedNode>();
  private readonly kids = new Map<string, Set<string>>();
  /** Event counter and, per path, the counter value of its latest event. The map is only
   *  needed while reads are in flight, so it is emptied whenever none are. */
  private seq = 0;
  private readonly lastEvent = new Map<string, number>();
  private readsInFlight = 0;
  /** Paths with events during a full load, which the load must not sweep away. */
  private touchedDuringLoad: Set<string> | null = null;
  private removeWatch: (() => Promise<void>) | undefined;
  private closed = false;
  private resyncing: Promise<void> | undefined;
  private resyncAgain = false;
  private readonly onConnected = (): void => { void this.resync(); };
  private removeCatchUp: (() => void) | undefined;
  private loaded = false;
  /** Reads that failed with the connection, to repeat once caught up. */
  private readonly dirtyData = new Set<string>();
  private readonly dirtyChildren = new Set<string>();
  /** A partial subtree load failed: only a full re-read restores the tree. */
  private needFullLoad = false;
  private readonly catchUp: WatchCatchUp = {
    catchUpPaths: () => this.catchUpPaths(),
    onCatchUpEvent: (ev) => { if (this.loaded && ev.type === 'childrenChanged' && this.nodes.has(ev.path)) void this.relist(ev.path); },
    onCatchUpDone: () => { void this.afterCatchUp(); },
  };

  /** Per path, our setData requests in flight and whether a change event arrived meanwhile. */
  private readonly ownWrites = new Map<string, { inFlight: number; covered: boolean; failed: boolean }>();
  private removeWriteObserver: (() => void) | undefined;
  private readonly writeObserver: WriteObserver = {
    started: (path) => {
      if (this.closed || !this.loaded || !this.isOurs(path) || !this.wantsData(path)) return;
      const w = this.ownWrites.get(path);
      if (w) w.inFlight++;
      else this.ownWrites.set(path, { inFlight: 1, covered: false, failed: false });
    },
    ended: (path, written) => this.ownWriteEnded(path, written),
    createStarted: (prefix) => {
      if (this.closed || !this.loaded || !this.isOurs(prefix) || !this.wantsData(prefix)) return;
      const c = this.ownCreates.get(prefix);
      if (c) c.inFlight++;
      else this.ownCreates.set(prefix, { inFlight: 1, seen: new Set() });
    },
    createEnded: (prefix, created) => this.ownCreateEnded(prefix, created),
  };
  /** Per sequential-create prefix: our creates in flight and the created paths seen meanwhile,
   *  whose reads wait for the replies (one of them may be ours). */
  private readonly ownCreates = new Map<string, { inFlight: number; seen: Set<string> }>();

  private readonly dataDepth: number;

  constructor(client: ZkClient, root: string, options: TreeCacheOptions = {}) {
    super();
    this.client = client;
    this.root = root;
    this.dataDepth = options.dataDepth ?? Infinity;
    this.ready = this.start();
    this.ready.catch(() => undefined); // callers see the error through `ready`
  }

  /** Watch events whose data reads have not come back yet (a stats gauge). */
  get pendingReads(): number {
    return this.readsInFlight;
  }

  get(path: string): CachedNode | undefined {
    return this.nodes.get(path);
  }

  /** Child names of a cached node, sorted; [] when unknown. */
  children(path: string): string[] {
    const set = this.kids.get(path);
    return set ? [...set].sort() : [];
  }

  /** Every cached path. */
  paths(): IterableIterator<string> {
    return this.nodes.keys();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.off('connected', this.onConnected);
    this.removeCatchUp?.();
    this.removeWriteObserver?.();
    this.ownWrites.clear();
    this.ownCreates.clear();
    await this.removeWatch?.().catch(() => undefined);
  }

  /** Registers the watch and loads the tree, retrying both across connection losses. */
  private async start(): Promise<void> {
    for (;;) {
      try {
        if (!this.removeWatch) {
          this.removeWatch = await this.client.addWatch(this.root, 'persistentRecursive', (ev) => this.onEvent(ev));
          if (this.client.addCatchUp) this.removeCatchUp = this.client.addCatchUp(this.catchUp);
          else this.client.on('connected', this.onConnected);
        }
        await this.loadAll();
        this.loaded = true;
        if (this.client.observeWrites) this.removeWriteObserver = this.client.observeWrites(this.writeObserver);
        return;
      } catch (e) {
        if (!isConnectionFault(e) || this.client.state === 'closed' || this.closed) throw e;
        if (this.client.state !== 'connected') {
          await new Promise<void>((resolve) => {
            const onConnected = (): void => { this.client.off('connected', onConnected); resolve(); };
            this.client.on('connected', onConnected);
          });
        }
      }
    }
  }

  private onEvent(ev: WatchEvent): void {
    if (this.closed) return;
    this.lastEvent.set(ev.path, ++this.seq);
    this.touchedDuringLoad?.add(ev.path);
    const own = ev.type === 'dataChanged' ? this.ownWrites.get(ev.path) : undefined;
    const creating = this.ownCreates.size > 0 ? this.ownCreates.get(sequentialPrefix(ev.path)) : undefined;
    if (creating && ev.type !== 'created') creating.seen.delete(ev.path);
    if (own) own.covered = true;
    else if (creating && ev.type === 'created' && this.wantsData(ev.path)) creating.seen.add(ev.path);
    else if (ev.type === 'deleted') this.remove(ev.path);
    else if (ev.type === 'created' && !this.wantsData(ev.path)) this.put(ev.path, NAME_ONLY);
    else if ((ev.type === 'created' || ev.type === 'dataChanged') && this.wantsData(ev.path)) void this.refresh(ev.path);
  }

  private async refresh(path: string): Promise<void> {
    const stamp = this.beginRead();
    try {
      const node = await this.client.getData(path);
      if (this.isCurrent(path, stamp)) this.put(path, node);
    } catch (e) {
      if (e instanceof NoNodeError && this.isCurrent(path, stamp)) this.remove(path);
      // Read again once reconnected and caught up.
      else if (isConnectionFault(e)) this.dirtyData.add(path);
    } finally {
      this.endRead();
    }
  }

  /** Our write's reply: its data is the znode's as of the latest change event we have seen. */
  private ownWriteEnded(path: string, written: { data: Buffer; stat: Stat } | null): void {
    const w = this.ownWrites.get(path);
    if (!w) return;
    w.inFlight--;
    if (written && w.covered && !this.closed) {
      const cached = this.nodes.get(path);
      if (!cached || written.stat.mzxid >= cached.stat.mzxid) this.put(path, { data: written.data, stat: written.stat });
    } else if (!written && w.covered) {
      w.failed = true;
    }
    if (w.inFlight > 0) return;
    this.ownWrites.delete(path);
    if (w.failed && !this.closed) void this.refresh(path);
  }

  /** Our sequential create's reply: its record is put from what we sent; other creates of the
   *  prefix seen meanwhile are read once no create of ours could still claim them. */
  private ownCreateEnded(prefix: string, created: { path: string; data: Buffer; stat: Stat } | null): void {
    const c = this.ownCreates.get(prefix);
    if (!c) return;
    c.inFlight--;
    if (created && c.seen.delete(created.path) && !this.closed) this.put(created.path, { data: created.data, stat: created.stat });
    if (c.inFlight > 0) return;
    this.ownCreates.delete(prefix);
    if (!this.closed) for (const path of c.seen) void this.refresh(path);
  }

  private isOurs(path: string): boolean {
    return path.startsWith(this.root === '/' ? '/' : `${this.root}/`);
  }

  private wantsData(path: string): boolean {
    if (this.dataDepth === Infinity) return true;
    let depth = 0;
    for (let i = this.root === '/' ? 0 : this.root.length; i < path.length; i++) if (path.charCodeAt(i) === 47) depth++;
    return depth <= this.dataDepth;
  }

  private beginRead(): number {
    this.readsInFlight++;
    return this.seq;
  }

  /** Called after the read's result was applied, never before. */
  private endRead(): void {
    if (--this.readsInFlight === 0) this.lastEvent.clear();
  }

  private isCurrent(path: string, stamp: number): boolean {
    return !this.closed && (this.lastEvent.get(path) ?? 0) <= stamp;
  }

  private put(path: string, node: CachedNode): void {
    const old = this.nodes.get(path);
    this.nodes.set(path, node);
    if (path !== this.root) {
      const [parent, name] = splitPath(path);
      let set = this.kids.get(parent);
      if (!set) this.kids.set(parent, (set = new Set()));
      set.add(name);
    }
    if (!old || old.stat.mzxid !== node.stat.mzxid || !old.data.equals(node.data)) this.emit('changed', path, node.data);
  }

  private remove(path: string): void {
    for (const name of this.kids.get(path) ?? []) this.remove(childPath(path, name));
    this.kids.delete(path);
    const [parent, name] = splitPath(path);
    this.kids.get(parent)?.delete(name);
    if (this.nodes.delete(path)) this.emit('changed', path, undefined);
  }

  /** Re-reads the whole subtree; nodes not found and not touched by an event meanwhile go. */
  private async loadAll(): Promise<void> {
    const seen = new Set<string>();
    const touched = (this.touchedDuringLoad = new Set());
    try {
      if (this.client.multiRead) await this.walkBatched(seen);
      else await this.walk(this.root, seen);
    } finally {
      if (this.touchedDuringLoad === touched) this.touchedDuringLoad = null;
    }
    for (const path of [...this.nodes.keys()]) {
      if (!seen.has(path) && !touched.has(path)) this.remove(path);
    }
  }

  /** One getData + getChildren per node, all in flight at once (clients without multiRead). */
  private async walk(path: string, seen: Set<string>): Promise<void> {
    const stamp = this.beginRead();
    let children: string[];
    try {
      const [node, list] = await Promise.all([this.client.getData(path), this.client.getChildren(path)]);
      children = list.children;
      seen.add(path);
      if (this.isCurrent(path, stamp)) this.put(path, node);
    } catch (e) {
      if (e instanceof NoNodeError) return;
      throw e;
    } finally {
      this.endRead();
    }
    await Promise.all(children.map((c) => this.walk(childPath(path, c), seen)));
  }

  /**
   * The same walk with each batch of nodes' getData + getChildren in one multiRead (the server
   * handles one request per batch instead of two per node), a few batches in flight. A node's
   * data and children come from the same point in the server's history.
   */
  private walkBatched(seen: Set<string>, start: string[] = [this.root]): Promise<void> {
    const multiRead = this.client.multiRead!.bind(this.client);
    const queue: string[] = [...start];
    let inFlight = 0;
    return new Promise<void>((resolve, reject) => {
      let failed = false;
      const pump = (): void => {
        while (!failed && queue.length > 0 && inFlight < LOAD_BATCHES_IN_FLIGHT) {
          const paths = queue.splice(0, LOAD_BATCH_NODES);
          const ops: ReadOp[] = [];
          for (const p of paths) ops.push({ op: 'getData', path: p }, { op: 'getChildren', path: p });
          const stamp = this.beginRead();
          inFlight++;
          multiRead(ops).then(
            (results) => {
              try {
                this.applyBatch(paths, results, stamp, seen, queue);
              } finally {
                this.endRead();
              }
            },
          ).then(
            () => {
              inFlight--;
              if (failed) return;
              if (queue.length === 0 && inFlight === 0) resolve();
              else pump();
            },
            (e: unknown) => {
              inFlight--;
              failed = true;
              reject(e);
            },
          );
        }
      };
      pump();
    });
  }

  private applyBatch(paths: readonly string[], results: readonly ReadResult[], stamp: number, seen: Set<string>, queue: string[]): void {
    for (let i = 0; i < paths.length; i++) {
      const path = paths[i];
      const data = results[2 * i];
      const list = results[2 * i + 1];
      // Gone since its parent was listed (either read may say so): not part of the tree.
      if (data.op === 'error' || list.op === 'error') {
        const code = data.op === 'error' ? data.code : (list as { code: number }).code;
        if (code === ErrorCode.NO_NODE) continue;
        throw errorFromCode(code, path);
      }
      if (data.op !== 'getData' || list.op !== 'getChildren') throw new TypeError(`unexpected multiRead results for ${path}`);
      seen.add(path);
      if (this.isCurrent(path, stamp)) this.put(path, { data: data.data, stat: data.stat });
      for (const c of list.children) queue.push(childPath(path, c));
    }
  }

  /** What the server should check on the next connection: data of the nodes we read data
   *  for, children of every node (a new or removed child shows as childrenChanged). The root's
   *  data is left out: a data watch there would replace our recursive watch (ZOOKEEPER-4466). */
  private catchUpPaths(): { data: Iterable<string>; child: Iterable<string> } {
    if (!this.loaded || this.closed) return { data: [], child: [] };
    const data: string[] = [];
    for (const [path, node] of this.nodes) if (path !== this.root && node !== NAME_ONLY) data.push(path);
    return { data, child: this.nodes.keys() };
  }

  /** The server reported what changed; repeat the reads that failed with the connection. */
  private async afterCatchUp(): Promise<void> {
    if (!this.loaded || this.closed) return;
    if (this.needFullLoad) {
      this.needFullLoad = false;
      this.dirtyData.clear();
      this.dirtyChildren.clear();
      await this.resync();
      return;
    }
    const data = [...this.dirtyData, this.root];
    const children = [...this.dirtyChildren];
    this.dirtyData.clear();
    this.dirtyChildren.clear();
    await Promise.all([...data.map((p) => this.refresh(p)), ...children.map((p) => this.relist(p))]);
    this.emit('resynced');
  }

  /** Re-lists one node's children after the server said they changed: removes the ones gone,
   *  loads the subtrees of new ones. */
  private async relist(path: string): Promise<void> {
    const stamp = this.beginRead();
    try {
      const { children } = await this.client.getChildren(path);
      if (this.closed) return;
      const now = new Set(children);
      for (const name of [...(this.kids.get(path) ?? [])]) {
        const child = childPath(path, name);
        if (!now.has(name) && this.isCurrent(child, stamp)) this.remove(child);
      }
      const added = children.map((c) => childPath(path, c)).filter((c) => !this.nodes.has(c) && this.isCurrent(c, stamp));
      if (added.length === 0) return;
      try {
        if (this.client.multiRead) await this.walkBatched(new Set(), added);
        else await Promise.all(added.map((c) => this.walk(c, new Set())));
      } catch (e) {
        if (!isConnectionFault(e)) throw e;
        this.needFullLoad = true;
      }
    } catch (e) {
      if (e instanceof NoNodeError) {
        if (this.isCurrent(path, stamp)) this.remove(path);
      } else if (isConnectionFault(e)) {
        this.dirtyChildren.add(path);
      } else {
        this.needFullLoad = true;
      }
    } finally {
      this.endRead();
    }
  }

  private async resync(): Promise<void> {
    if (this.closed) return;
    if (this.resyncing) {
      this.resyncAgain = true;
      return;
    }
    this.resyncing = (async () => {
      do {
        this.resyncAgain = false;
        try {
          await this.ready.catch(() => undefined);
          await this.loadAll();
          this.emit('resynced');
        } catch {
          // Lost the connection again; the next 'connected' starts another pass.
        }
      } while (this.resyncAgain && !this.closed);
    })();
    await this.resyncing;
    this.resyncing = undefined;
  }
}
