// Re-sending watches on a new connection (setWatches2) and knowing when the server has reported
// everything it owed: the relative zxid is the last one up to which every watch event was
// delivered (all setWatches2 replies of a connection arrived), not merely the newest zxid seen,
// so a connection that dies halfway through re-registering loses no event. Caches registered
// as WatchCatchUp sources add their paths and hear the catch-up events (types.ts).
import { encodeSetWatches } from './protocol.ts';
import type { WatchCatchUp, WatchEvent } from './types.ts';
import type { WatchRegistry } from './watches.ts';

type Logger = { warn(obj: object, msg?: string): void };

export class WatchSync {
  private syncedZxid = 0n;
  /** Every setWatches2 frame of the current connection has been answered. */
  private synced = false;
  private repliesPending = 0;
  private readonly sources = new Set<WatchCatchUp>();
  private catchingUp: WatchCatchUp[] | null = null;
  private readonly watches: WatchRegistry;
  private readonly log: Logger;

  constructor(watches: WatchRegistry, log: Logger) {
    this.watches = watches;
    this.log = log;
  }

  addSource(source: WatchCatchUp): () => void {
    this.sources.add(source);
    return () => { this.sources.delete(source); };
  }

  /** The setWatches2 frames for a new connection (none when nothing is watched). */
  begin(toServer: (path: string) => string): Buffer[] {
    const watched = this.watches.paths();
    this.catchingUp = this.sources.size > 0 ? [...this.sources] : null;
    if (this.catchingUp) {
      const data = new Set(watched.data);
      const child = new Set(watched.child);
      for (const source of this.catchingUp) {
        const paths = source.catchUpPaths();
        for (const p of paths.data) data.add(p);
        for (const p of paths.child) child.add(p);
      }
      watched.data = [...data];
      watched.child = [...child];
    }
    const frames = encodeSetWatches(this.syncedZxid, watched, toServer);
    this.repliesPending = frames.length;
    if (frames.length === 0) this.done();
    return frames;
  }

  /** A setWatches2 reply arrived (the events it caused came before it). */
  replied(): void {
    if (--this.repliesPending === 0) this.done();
  }

  /** Every notification; forwarded to the sources while a catch-up is running. */
  notify(event: WatchEvent): void {
    for (const source of this.catchingUp ?? []) {
      try {
        source.onCatchUpEvent(event);
      } catch (e) {
        this.log.warn({ path: event.path, err: String(e) }, 'zookeeper catch-up listener threw');
      }
    }
  }

  /** The connection ended; `lastZxid` is the newest zxid any reply carried. */
  connectionEnded(lastZxid: bigint): void {
    if (this.synced) this.syncedZxid = lastZxid;
    this.synced = false;
    this.catchingUp = null;
  }

  private done(): void {
    this.synced = true;
    const sources = this.catchingUp ?? [];
    this.catchingUp = null;
    for (const source of sources) {
      try {
        source.onCatchUpDone();
      } catch (e) {
        this.log.warn({ err: String(e) }, 'zookeeper catch-up listener threw');
      }
    }
  }
}
