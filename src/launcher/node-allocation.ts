// The node-level steps of a request handler (upstream's NodeRequestHandler.run()): reuse a
// READY node, create and lock a new one, make room when wedged at quota, and give nodes back.
import type { Node, NodeRequest } from '../model/types.ts';
import type { PoolConfig } from '../config/model.ts';
import type { LockHandle } from '../zk/types.ts';
import type { PoolRuntime } from './pool-runtime.ts';
import { initialNode, type ImageChoice } from './node-spec.ts';
import { setNodeState } from './node-state.ts';

export interface HeldNode { node: Node; lock: LockHandle }

/** Lock a READY unallocated node of the label in this provider+pool (and AZ) and allocate it. */
export async function tryReuseNode(rt: PoolRuntime, request: NodeRequest, label: string, az: string | null,
                                   exclude: ReadonlySet<string>): Promise<HeldNode | null> {
  const candidates = rt.nodeCache.values().filter((n) =>
    n.state === 'ready' && n.allocated_to === null && n.provider === rt.providerName && n.pool === rt.poolName &&
    n.type.length === 1 && n.type[0] === label && !exclude.has(n.id) && (az === null || n.az === az));
  for (const candidate of candidates) {
    const lock = await rt.deps.store.lockNode(candidate.id, { blocking: false });
    if (!lock) continue;
    try {
      const fresh = await rt.deps.store.getNode(candidate.id);
      if (!fresh || fresh.state !== 'ready' || fresh.allocated_to !== null) { await lock.release(); continue; }
      fresh.allocated_to = request.id;
      fresh.tenant_name = request.tenant_name;
      fresh.requestor = request.requestor;
      await rt.deps.store.storeNode(fresh);
      return { node: fresh, lock };
    } catch (err) {
      rt.deps.logger.warn({ node: candidate.id, request: request.id, err: String(err) }, 'could not reuse node');
      await lock.release().catch(() => {});
    }
  }
  return null;
}

/** init → lock → building: an unlocked BUILDING node is fair game for deletion, so the lock comes first. */
export async function createBuildingNode(rt: PoolRuntime, request: NodeRequest, pool: PoolConfig, label: string,
                                         image: ImageChoice, resources: Record<string, number>, az: string | null): Promise<HeldNode> {
  const { store, clock } = rt.deps;
  const cfg = rt.config();
  if (!cfg) throw new Error('provider removed from config');
  const fields = initialNode({ provider: cfg.provider, pool, label, launcherId: rt.launcherId, request, nowSeconds: clock.now() / 1000 });
  fields.image_id = image.nodeImageId;
  fields.username = image.username;
  fields.python_path = image.pythonPath;
  fields.shell_type = image.shellType;
  fields.connection_type = image.connectionType;
  fields.connection_port = image.connectionPort;
  fields.resources = { cores: resources.cores ?? 0, instances: resources.instances ?? 1, ram: resources.ram ?? 0, ...resources };
  fields.az = az;
  const node = await store.createNode(fields);
  const lock = await store.lockNode(node.id, { blocking: false, dirLikelyMissing: true });
  if (!lock) throw new Error(`could not lock the new node ${node.id}`);
  setNodeState(node, 'building', rt.deps);
  try {
    await store.storeNode(node);
  } catch (err) {
    // Nobody else will ever release this lock: let go of it (after a reconnect, if need be) so
    // the cleanup can delete the node, whatever state the lost write left it in.
    void lock.release().catch(() => {});
    throw err;
  }
  return { node, lock };
}

/** Wedge breaker: at quota, delete this pool's oldest READY unallocated node so a node of the
 *  wanted label can take its place. */
export async function deleteOldestUnusedNode(rt: PoolRuntime): Promise<string | null> {
  const nodes = rt.nodeCache.values()
    .filter((n) => n.provider === rt.providerName && n.pool === rt.poolName && n.state === 'ready' && n.allocated_to === null)
    .sort((a, b) => a.state_time - b.state_time);
  for (const candidate of nodes) {
    const lock = await rt.deps.store.lockNode(candidate.id, { blocking: false });
    if (!lock) continue;
    try {
      const fresh = await rt.deps.store.getNode(candidate.id);
      if (!fresh || fresh.state !== 'ready' || fresh.allocated_to !== null) continue;
      setNodeState(fresh, 'deleting', rt.deps);
      await rt.deps.store.storeNode(fresh);
      rt.deps.logger.info({ node: fresh.id, provider: rt.providerName, pool: rt.poolName }, 'deleting oldest unused node to make room');
      return fresh.id;
    } finally {
      await lock.release().catch(() => {});
    }
  }
  return null;
}

/** Unlock a node; READY ones can be unallocated first so they become reusable. */
export async function releaseNode(rt: PoolRuntime, held: HeldNode, clearAllocation: boolean): Promise<void> {
  try {
    if (clearAllocation && held.lock.isHeld()) {
      const fresh = await rt.deps.store.getNode(held.node.id);
      if (fresh && fresh.state === 'ready' && fresh.allocated_to !== null) {
        fresh.allocated_to = null;
        await rt.deps.store.storeNode(fresh);
      }
    }
  } catch (err) {
    rt.deps.logger.warn({ node: held.node.id, err: String(err) }, 'could not clear node allocation');
  } finally {
    await held.lock.release().catch((err) => rt.deps.logger.warn({ node: held.node.id, err: String(err) }, 'unlock failed'));
  }
}
