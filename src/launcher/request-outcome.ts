// The request writes that end a handler without fulfilling it (upstream _declineRequest and
// the hand-back on stop): re-read, change, store. The nodes were released by the caller.
import type { LockHandle } from '../zk/types.ts';
import type { PoolRuntime } from './pool-runtime.ts';

/** Adds our id to declined_by; the request fails once every registered pool declined it. */
export async function storeDeclined(rt: PoolRuntime, requestId: string, reason: string): Promise<void> {
  const { store, clock, logger } = rt.deps;
  const log = logger.child({ request: requestId, provider: rt.providerName, pool: rt.poolName });
  try {
    const fresh = await store.getRequest(requestId);
    if (!fresh) return;
    if (!fresh.declined_by.includes(rt.launcherId)) fresh.declined_by.push(rt.launcherId);
    const registered = rt.registeredPools().map((p) => p.id);
    const allDeclined = registered.every((id) => fresh.declined_by.includes(id));
    fresh.state = allDeclined ? 'failed' : 'requested';
    fresh.state_time = clock.now() / 1000;
    fresh.nodes = [];
    // Explained before the final state is stored, so a requestor that sees `failed` can ask why.
    await rt.explain(requestId, reason.startsWith('launch failed') ? 'declined: provider failing (launch failed after retries)' : `declined: ${reason}`);
    await store.storeRequest(fresh);
    log.info({ reason, state: fresh.state }, 'request declined');
  } catch (err) {
    log.warn({ err: String(err) }, 'could not store the declined request');
  }
}

/** Back to `requested` for any pool to take, while we still hold its lock. */
export async function storeHandedBack(rt: PoolRuntime, requestId: string, lock: LockHandle): Promise<void> {
  const { store, clock, logger } = rt.deps;
  try {
    if (!lock.isHeld()) return;
    const fresh = await store.getRequest(requestId);
    if (!fresh || fresh.state !== 'pending') return;
    fresh.state = 'requested';
    fresh.nodes = [];
    fresh.state_time = clock.now() / 1000;
    await store.storeRequest(fresh);
  } catch (err) {
    logger.warn({ request: requestId, err: String(err) }, 'could not hand the request back');
  }
}
