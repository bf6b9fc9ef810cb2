// Upstream's decline, shared by every pool worker: under the request's lock, add the pool's id to
// declined_by; the request fails once every registered pool has declined it. The reasons are
// explained before the final state is stored, so a requestor that sees `failed` can ask why.
import type { NodeRequest } from '../model/types.ts';
import { explainDecline } from './decline-reasons.ts';
import type { LauncherShared } from './launcher-shared.ts';

export async function declineRequest(shared: LauncherShared, poolId: string, request: NodeRequest, reasons: string[],
                                     explain: (requestId: string, text: string) => Promise<void>): Promise<void> {
  const { store, clock, logger } = shared.deps;
  const lock = await store.lockRequest(request.id, { blocking: false });
  if (!lock) return;
  try {
    const fresh = await store.getRequest(request.id);
    if (!fresh || fresh.state !== 'requested' || fresh.declined_by.includes(poolId)) return;
    fresh.declined_by.push(poolId);
    const registered = shared.directory.registeredPools().map((p) => p.id);
    if (registered.every((id) => fresh.declined_by.includes(id))) {
      fresh.state = 'failed';
      fresh.state_time = clock.now() / 1000;
    }
    await Promise.all(reasons.map((reason) => explain(request.id, explainDecline(reason))));
    await store.storeRequest(fresh);
    logger.info({ request: request.id, pool: poolId, reasons, state: fresh.state }, 'declined request');
  } finally {
    await lock.release().catch(() => {});
  }
}
