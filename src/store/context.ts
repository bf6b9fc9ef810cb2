// What every part of the store shares: the client, a logger, the clock and the lock recipe.
import type { Logger } from '../util/logger.ts';
import type { Clock } from '../util/clock.ts';
import type { LockHandle, LockOptions, ZkClient } from '../zk/types.ts';
import { RecordDecodeError } from '../model/errors.ts';

export interface StoreContext {
  readonly client: ZkClient;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Kazoo-compatible lock on `lockDir`; null when not acquired (busy, timed out). */
  lock(lockDir: string, options?: LockOptions): Promise<LockHandle | null>;
}

/**
 * Decodes one record; an undecodable one is logged (one line: path and reason) and yields null
 * so listings skip it instead of failing as a whole.
 */
export function decodeOrSkip<T>(ctx: StoreContext, path: string, decode: () => T): T | null {
  try {
    return decode();
  } catch (err) {
    if (err instanceof RecordDecodeError) {
      ctx.logger.warn({ path: err.path, reason: err.reason }, 'skipping undecodable record');
      return null;
    }
    throw err;
  }
}
