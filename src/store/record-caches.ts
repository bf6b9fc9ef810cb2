// Node and request caches: decoded records kept current by src/zk's TreeCache (one persistent
// recursive watch on the root), like upstream's node and request TreeCaches.
import { EventEmitter } from 'node:events';
import type { Node, NodeRequest } from '../model/types.ts';
import { decodeNode } from '../model/node.ts';
import { decodeRequest } from '../model/request.ts';
import type { DecodeMeta } from '../model/node.ts';
import { TreeCache } from '../zk/tree-cache.ts';
import type { RecordCache } from './types.ts';
import { decodeOrSkip, type StoreContext } from './context.ts';
import type { RecordKind, UnreadableRecord } from './unreadable-records.ts';
import { LOCK, NODE_ROOT, REQUEST_ROOT } from './paths.ts';

type Decode<T> = (id: string, data: Buffer, meta: DecodeMeta) => T;
type Listener<T> = (id: string, record: T | undefined) => void;

/**
 * Records directly below `root`, decoded. Records handed out are the cache's own objects: treat
 * them as read-only and copy before changing one. Undecodable records are left out of values()
 * (no decision sees them), noted in the store's registry and kept on a side list, unreadable().
 */
export class ZkRecordCache<T> implements RecordCache<T> {
  readonly ready: Promise<void>;
  protected readonly tree: TreeCache;
  protected readonly root: string;
  private readonly records = new Map<string, T>();
  private readonly unreadableById = new Map<string, UnreadableRecord>();
  private readonly kind: RecordKind;
  private readonly events = new EventEmitter();
  private readonly ctx: StoreContext;
  private readonly decode: Decode<T>;
  private readonly onTreeChange = (path: string, data: Buffer | undefined) => this.apply(path, data);

  constructor(ctx: StoreContext, root: string, kind: RecordKind, decode: Decode<T>) {
    this.ctx = ctx;
    this.kind = kind;
    this.root = root;
    this.decode = decode;
    // Records sit one level down; lock dirs and contenders below them only need their names.
    this.tree = new TreeCache(ctx.client, root, { dataDepth: 1 });
    // TreeCache loads asynchronously, so listening now still sees every record of the first load.
    this.tree.on('changed', this.onTreeChange);
    this.ready = this.tree.ready;
  }

  get(id: string): T | undefined {
    return this.records.get(id);
  }

  /** Changes seen but not applied yet (their data is being read), for the zk cache gauges. */
  pendingReads(): number {
    return this.tree.pendingReads;
  }

  values(): T[] {
    return [...this.records.values()];
  }

  /** Records present but unreadable: shown by listings, never acted on. */
  unreadable(): UnreadableRecord[] {
    return [...this.unreadableById.values()];
  }

  on(event: 'changed', listener: Listener<T>): this {
    this.events.on(event, listener);
    return this;
  }

  off(event: 'changed', listener: Listener<T>): this {
    this.events.off(event, listener);
    return this;
  }

  async close(): Promise<void> {
    this.tree.off('changed', this.onTreeChange);
    await this.tree.close();
  }

  private apply(path: string, data: Buffer | undefined): void {
    const prefix = `${this.root}/`;
    if (!path.startsWith(prefix)) return;
    const id = path.slice(prefix.length);
    // Only the records themselves: lock dirs and contenders sit deeper.
    if (id.includes('/')) return;
    // An empty znode is not a record (upstream skips these too); it is either being created
    // through a lock path or waiting for cleanup.
    const version = this.tree.get(path)?.stat.version;
    const sink: UnreadableRecord[] = [];
    let record: T | null = null;
    if (data === undefined || data.length === 0) {
      this.ctx.unreadable.forget(path);
    } else {
      record = decodeOrSkip(this.ctx, { kind: this.kind, path, data, version: version ?? null },
        () => this.decode(id, data, { path, version }), sink);
    }
    if (sink.length > 0) this.unreadableById.set(id, sink[0]);
    else this.unreadableById.delete(id);
    if (record === null) {
      if (this.records.delete(id)) this.events.emit('changed', id, undefined);
      return;
    }
    this.records.set(id, record);
    this.events.emit('changed', id, record);
  }
}

/** The node cache also knows which nodes have lock contenders (upstream's "probably locked"). */
export class NodeCache extends ZkRecordCache<Node> {
  isLocked(id: string): boolean {
    return this.tree.children(`${this.root}/${id}/${LOCK}`).length > 0;
  }
}

export function createNodeCache(ctx: StoreContext): NodeCache {
  return new NodeCache(ctx, NODE_ROOT, 'node', decodeNode);
}

export function createRequestCache(ctx: StoreContext): ZkRecordCache<NodeRequest> {
  return new ZkRecordCache(ctx, REQUEST_ROOT, 'request', decodeRequest);
}
