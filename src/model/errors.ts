// A record in ZooKeeper that cannot be read. Callers log one line with path and reason and skip
// the record; one bad znode must never abort a listing or crash a daemon.
export class RecordDecodeError extends Error {
  /** The znode path (or the record id when the path is not known). */
  readonly path: string;
  readonly reason: string;
  constructor(path: string, reason: string) {
    super(`cannot decode ${path}: ${reason}`);
    this.name = 'RecordDecodeError';
    this.path = path;
    this.reason = reason;
  }
}
