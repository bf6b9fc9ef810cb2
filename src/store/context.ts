// What every part of the store shares: the client, a logger, the clock, the lock recipe and the
// registry of records it could not read.
import type { Logger } from '../util/logger.ts';
import type { Clock } from '../util/clock.ts';
import type { LockHandle, LockOptions, ZkClient } from '../zk/types.ts';
import { RecordDecodeError } from '../model/errors.ts';
import { rawState, type RecordKind, type UnreadableRecord, type UnreadableRecords } from './unreadable-records.ts';
import { lastSegment } from './paths.ts';

export interface StoreContext {
  readonly client: ZkClient;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Kazoo-compatible lock on `lockDir`; null when not acquired (busy, timed out). */
  lock(lockDir: string, options?: LockOptions): Promise<LockHandle | null>;
  readonly unreadable: UnreadableRecords;
}

/** Where a record was read from, for the unreadable entry if it does not decode. */
export interface RecordSource {
  kind: RecordKind;
  path: string;
  data: Buffer | Uint8Array;
  version: number | null;
  image?: string;
  buildId?: string;
  provider?: string;
}

/**
 * Decodes one record. One that does not decode (any error: decoders are pure, so it is the
 * data's fault) yields null, is noted in the registry (logged once per path and version) and is
 * appended to `sink` so a listing can show it; nothing is thrown.
 */
export function decodeOrSkip<T>(ctx: StoreContext, source: RecordSource, decode: () => T, sink?: UnreadableRecord[]): T | null {
  try {
    const record = decode();
    ctx.unreadable.forget(source.path);
    return record;
  } catch (err) {
    const reason = err instanceof RecordDecodeError ? err.reason : `cannot be decoded: ${(err as Error)?.message ?? 'unknown error'}`;
    const entry: UnreadableRecord = {
      kind: source.kind,
      path: source.path,
      id: lastSegment(source.path),
      version: source.version,
      reason,
      state: rawState(source.data),
      ...(source.image !== undefined ? { image: source.image } : {}),
      ...(source.buildId !== undefined ? { buildId: source.buildId } : {}),
      ...(source.provider !== undefined ? { provider: source.provider } : {}),
    };
    ctx.unreadable.note(entry);
    sink?.push(entry);
    return null;
  }
}

/** Records that are not ours to read at all (explanations of another writer): skipped with one log line. */
export function decodeOrIgnore<T>(ctx: StoreContext, path: string, decode: () => T): T | null {
  try {
    return decode();
  } catch (err) {
    ctx.logger.debug({ path, reason: (err as Error)?.message }, 'skipping undecodable record');
    return null;
  }
}
