// Client-side watch bookkeeping. The server only knows "this connection watches path P"; the
// registry maps server notifications back to the listeners, and lists every watched path so a
// new connection can re-register them with setWatches2. Paths are client paths (chroot removed).
import type { PersistentWatchMode, WatchEvent, WatchListener } from './types.ts';

type WatchTable = Map<string, Set<WatchListener>>;

function add(table: WatchTable, path: string, listener: WatchListener): void {
  let set = table.get(path);
  if (!set) table.set(path, (set = new Set()));
  set.add(listener);
}

function take(table: WatchTable, path: string, into: Set<WatchListener>): void {
  const set = table.get(path);
  if (!set) return;
  table.delete(path);
  for (const l of set) into.add(l);
}

function copy(table: WatchTable, path: string, into: Set<WatchListener>): void {
  const set = table.get(path);
  if (set) for (const l of set) into.add(l);
}

export interface WatchedPaths {
  data: string[];
  exist: string[];
  child: string[];
  persistent: string[];
  persistentRecursive: string[];
}

export class WatchRegistry {
  private readonly data: WatchTable = new Map();
  private readonly exist: WatchTable = new Map();
  private readonly child: WatchTable = new Map();
  private readonly persistent: WatchTable = new Map();
  private readonly recursive: WatchTable = new Map();

  addData(path: string, l: WatchListener): void { add(this.data, path, l); }
  addExist(path: string, l: WatchListener): void { add(this.exist, path, l); }
  addChild(path: string, l: WatchListener): void { add(this.child, path, l); }
  addPersistent(path: string, mode: PersistentWatchMode, l: WatchListener): void {
    add(mode === 'persistent' ? this.persistent : this.recursive, path, l);
  }

  /** ZooKeeper 3.8 keeps one watch mode per connection and path (ZOOKEEPER-4466): a one-shot
   *  data/exists watch sent for a path with a persistent watch would replace it. Such paths get
   *  their one-shot listeners served locally from the persistent watch's events instead. */
  coversDataEvents(path: string): boolean {
    return this.persistent.has(path) || this.recursive.has(path);
  }

  /** Likewise for child watches; recursive watches never report children changes. */
  coversChildEvents(path: string): boolean {
    return this.persistent.has(path);
  }

  /** Removes one persistent listener; true when no watch of any kind is left on the path,
   *  i.e. the server-side watch can be removed without hurting another listener. */
  removePersistent(path: string, mode: PersistentWatchMode, l: WatchListener): boolean {
    const table = mode === 'persistent' ? this.persistent : this.recursive;
    const set = table.get(path);
    if (set) {
      set.delete(l);
      if (set.size === 0) table.delete(path);
    }
    return ![this.data, this.exist, this.child, this.persistent, this.recursive].some((t) => t.has(path));
  }

  /** Listeners to call for one server notification (one-shot watches are consumed). */
  listenersFor(event: WatchEvent): Set<WatchListener> {
    const out = new Set<WatchListener>();
    const { type, path } = event;
    if (type === 'childrenChanged') {
      take(this.child, path, out);
    } else {
      take(this.data, path, out);
      take(this.exist, path, out);
      if (type === 'deleted') take(this.child, path, out);
    }
    copy(this.persistent, path, out);
    // Recursive watches see created/deleted/dataChanged of the path and all descendants.
    if (type !== 'childrenChanged' && this.recursive.size > 0) {
      for (let p = path; ; p = parentOf(p)) {
        copy(this.recursive, p, out);
        if (p === '/') break;
      }
    }
    return out;
  }

  /** One-shot watches die with the session; persistent ones are re-added to the next session. */
  dropOneShot(): void {
    this.data.clear();
    this.exist.clear();
    this.child.clear();
  }

  paths(): WatchedPaths {
    return {
      data: [...this.data.keys()],
      exist: [...this.exist.keys()],
      child: [...this.child.keys()],
      persistent: [...this.persistent.keys()],
      persistentRecursive: [...this.recursive.keys()],
    };
  }

  get isEmpty(): boolean {
    return this.data.size + this.exist.size + this.child.size + this.persistent.size + this.recursive.size === 0;
  }
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
