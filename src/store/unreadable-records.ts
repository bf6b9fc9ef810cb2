// Records in ZooKeeper we cannot read (foreign writers: Zuul, upstream Nodepool, a newer version
// of ours, zkCli). One rule everywhere: such a record is left out of decisions, counted, logged
// once per record and version, listed as unreadable, and never a reason to delete anything.
// This registry is the "counted and logged once" part; each read reports what it saw.
import type { Logger } from '../util/logger.ts';

export type RecordKind = 'node' | 'request' | 'build' | 'upload' | 'component';
export const RECORD_KINDS: readonly RecordKind[] = ['node', 'request', 'build', 'upload', 'component'];

export interface UnreadableRecord {
  readonly kind: RecordKind;
  /** The znode path. */
  readonly path: string;
  /** The last path segment (node id, request id, build id, upload id, component name). */
  readonly id: string;
  /** stat.version of the data that failed; null when unknown. */
  readonly version: number | null;
  readonly reason: string;
  /** The record's `state` when it is a string, verbatim (a state a newer writer added). */
  readonly state: string | null;
  /** What the path says, for builds and uploads. */
  readonly image?: string;
  readonly buildId?: string;
  readonly provider?: string;
}

/** Called with the current count per kind whenever it changes (the gauge). */
export type UnreadableCountListener = (counts: ReadonlyMap<RecordKind, number>) => void;

export class UnreadableRecords {
  private readonly byPath = new Map<string, UnreadableRecord>();
  private readonly logger: Logger;
  private readonly listeners: UnreadableCountListener[] = [];

  constructor(logger: Logger) {
    this.logger = logger;
  }

  onCountChange(listener: UnreadableCountListener): void {
    this.listeners.push(listener);
    listener(this.counts());
  }

  /** A read found this record unreadable: logged the first time per path and version. */
  note(record: UnreadableRecord): void {
    const known = this.byPath.get(record.path);
    if (known && known.version === record.version && known.reason === record.reason) return;
    this.byPath.set(record.path, record);
    this.logger.warn(
      { path: record.path, version: record.version, kind: record.kind, reason: record.reason, state: record.state },
      'skipping undecodable record (left alone: not used for decisions, never deleted for it)',
    );
    if (!known) this.changed();
  }

  /** The path was read fine, or is gone. */
  forget(path: string): void {
    if (this.byPath.delete(path)) this.changed();
  }

  /** A full listing of `dir` saw these unreadable children: any other entry directly below `dir` is stale. */
  reconcileDir(dir: string, stillUnreadable: ReadonlySet<string>): void {
    const prefix = `${dir}/`;
    let removed = false;
    for (const path of this.byPath.keys()) {
      if (path.startsWith(prefix) && !path.slice(prefix.length).includes('/') && !stillUnreadable.has(path)) {
        this.byPath.delete(path);
        removed = true;
      }
    }
    if (removed) this.changed();
  }

  has(path: string): boolean {
    return this.byPath.has(path);
  }

  list(kind?: RecordKind): UnreadableRecord[] {
    const all = [...this.byPath.values()];
    return kind ? all.filter((r) => r.kind === kind) : all;
  }

  counts(): Map<RecordKind, number> {
    const counts = new Map<RecordKind, number>(RECORD_KINDS.map((k) => [k, 0]));
    for (const r of this.byPath.values()) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
    return counts;
  }

  private changed(): void {
    if (this.listeners.length === 0) return;
    const counts = this.counts();
    for (const listener of this.listeners) listener(counts);
  }
}

/** The raw `state` of data that failed to decode, if it is a JSON object with a string state. */
export function rawState(data: Buffer | Uint8Array | string): string | null {
  try {
    const text = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, 'state')) return null;
    const state = (value as { state: unknown }).state;
    return typeof state === 'string' ? state : null;
  } catch {
    return null;
  }
}
