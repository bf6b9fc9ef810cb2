// hold and delete change a node only while holding its lock, waiting at most 5 s like upstream.
import type { LockHandle } from '../../zk/types.ts';
import type { Node } from '../../model/types.ts';
import { CliError } from '../errors.ts';
import { normaliseNodeId } from '../validate.ts';
import type { CliContext } from '../context.ts';

export const NODE_LOCK_TIMEOUT_MS = 5000;

export async function lockExistingNode(ctx: CliContext, rawId: string): Promise<{ node: Node; lock: LockHandle }> {
  const id = normaliseNodeId(rawId);
  if (!(await ctx.store.getNode(id))) throw new CliError(`node ${id} not found`);
  const lock = await ctx.store.lockNode(id, { blocking: true, timeoutMs: NODE_LOCK_TIMEOUT_MS });
  if (!lock) throw new CliError(`node ${id} is locked by another process (waited ${NODE_LOCK_TIMEOUT_MS / 1000} s); nothing changed`);
  // Re-read under the lock: the holder we waited for may have changed or deleted it.
  const node = await ctx.store.getNode(id);
  if (!node) {
    await lock.release();
    throw new CliError(`node ${id} not found`);
  }
  return { node, lock };
}
