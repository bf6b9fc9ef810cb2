// Locks whose directory sits below a record: never create the record just to lock it.
import type { LockHandle, LockOptions } from '../zk/types.ts';
import type { StoreContext } from './context.ts';

/**
 * Creates `lockDir` only if its parent exists, then locks it. null when the parent record is
 * gone: kazoo would recreate it empty through ensure_path, which upstream then has to clean up.
 */
export async function lockBelowExisting(
  ctx: StoreContext, lockDir: string, options?: LockOptions,
): Promise<LockHandle | null> {
  return ctx.lock(lockDir, { ...options, parentMustExist: true });
}
