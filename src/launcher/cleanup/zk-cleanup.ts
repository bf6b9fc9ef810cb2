// The ZooKeeper side of upstream's CleanupWorker tasks: request locks without requests, lost
// requests, max-ready-age, hold expiry, empty node znodes, explanations of vanished requests.
// Each function handles its items one by one: one bad item is logged and skipped.
import type { Node } from '../../model/types.ts';
import type { LauncherDeps } from '../deps.ts';
import { planRequestLockCleanup } from './leak-decisions.ts';
import { holdExpired, holdLimit, initOrphaned, lostRequestNodeAction, readyTooOld } from './node-expiry-decisions.ts';
import { markNodeDeleting } from './mark-deleting.ts';
import { setNodeState } from '../node-state.ts';
import { isOrphanOfPool } from '../resume-decision.ts';

function skip(deps: LauncherDeps, what: Record<string, unknown>, err: unknown, msg: string): void {
  deps.logger.warn({ ...what, err: String(err) }, msg);
}

export async function cleanRequestLocks(deps: LauncherDeps): Promise<number> {
  const [locks, requestIds] = await Promise.all([deps.store.listRequestLocks(), deps.store.listRequestIds()]);
  let removed = 0;
  for (const id of planRequestLockCleanup(locks, new Set(requestIds), deps.clock.now())) {
    try {
      await deps.store.deleteRequestLock(id);
      removed++;
      deps.logger.info({ request: id }, 'deleted lock of a vanished request');
    } catch (err) {
      skip(deps, { request: id }, err, 'request lock cleanup failed for one lock');
    }
  }
  return removed;
}

/** Pending requests whose launcher died (their lock is free): hand them back to every pool. */
export async function resetLostRequests(deps: LauncherDeps, signal?: AbortSignal, nodes?: readonly Node[]): Promise<number> {
  let reset = 0;
  const candidates = (await deps.store.listRequests()).filter((r) => r.state === 'pending');
  const adoptedHere = candidates.length > 0 ? requestsThisHostResumes(deps, nodes ?? await deps.store.listNodes()) : new Set<string>();
  for (const candidate of candidates) {
    signal?.throwIfAborted();
    // This host's pool worker takes it over with its nodes (resume after a restart).
    if (adoptedHere.has(candidate.id)) continue;
    try {
      const lock = await deps.store.lockRequest(candidate.id, { blocking: false });
      if (!lock) continue;
      try {
        const request = await deps.store.getRequest(candidate.id);
        if (!request || request.state !== 'pending') continue;
        const nodes = [...request.nodes];
        for (const nodeId of nodes) await releaseNode(deps, nodeId, request.id);
        request.nodes = [];
        request.state = 'requested';
        request.state_time = deps.clock.now() / 1000;
        await deps.store.storeRequest(request);
        reset++;
        deps.logger.info({ request: request.id, nodes }, 'reset lost request (its launcher is gone)');
      } finally {
        await lock.release().catch(() => undefined);
      }
    } catch (err) {
      skip(deps, { request: candidate.id }, err, 'lost request cleanup failed for one request');
    }
  }
  return reset;
}

/** Requests with a BUILDING node a pool worker of this host made: the pool pass adopts them and
 *  resumes the launch (see resume-decision.ts). A building node of the running pool worker
 *  itself (its lock lost with the session) is deleted instead, and the request reset after. */
function requestsThisHostResumes(deps: LauncherDeps, nodes: readonly Node[]): Set<string> {
  const out = new Set<string>();
  for (const provider of deps.getConfig().providers) {
    for (const pool of provider.pools) {
      const identity = { hostname: deps.hostname, provider: provider.name, pool: pool.name, launcherId: '' };
      for (const node of nodes) if (node.state === 'building' && isOrphanOfPool(node, identity)) out.add(node.allocated_to!);
    }
  }
  return out;
}

async function releaseNode(deps: LauncherDeps, nodeId: string, requestId: string): Promise<void> {
  const lock = await deps.store.lockNode(nodeId, { blocking: false });
  // Someone holds it (a launch of another launcher, Zuul): leave it to them.
  if (!lock) return;
  try {
    const node = await deps.store.getNode(nodeId);
    const action = lostRequestNodeAction(node, { id: requestId });
    if (!node || action === 'none') return;
    if (node.allocated_to === requestId) node.allocated_to = null;
    if (action === 'delete') setNodeState(node, 'deleting', deps);
    await deps.store.storeNode(node);
    deps.logger.info({ node: nodeId, request: requestId, state: node.state }, 'released node of a lost request');
  } finally {
    await lock.release().catch(() => undefined);
  }
}

export async function expireReadyNodes(deps: LauncherDeps, nodes: readonly Node[]): Promise<number> {
  const config = deps.getConfig();
  const maxAge = new Map(config.labels.map((l) => [l.name, l.maxReadyAge]));
  const providers = new Set(config.providers.map((p) => p.name));
  let marked = 0;
  for (const node of nodes) {
    const age = maxAge.get(node.type[0] ?? '') ?? 0;
    if (!providers.has(node.provider ?? '') || !readyTooOld(node, age, deps.clock.now())) continue;
    try {
      const result = await markNodeDeleting(deps, node.id, (n) => readyTooOld(n, age, deps.clock.now()),
        `ready and unused for more than max-ready-age ${age} s`, 'ready node expired');
      if (result === 'marked') marked++;
    } catch (err) {
      skip(deps, { node: node.id }, err, 'max-ready-age cleanup failed for one node');
    }
  }
  return marked;
}

export async function expireHeldNodes(deps: LauncherDeps, nodes: readonly Node[]): Promise<number> {
  const maxHoldAge = deps.getConfig().maxHoldAge;
  let marked = 0;
  for (const node of nodes) {
    if (!holdExpired(node, maxHoldAge, deps.clock.now())) continue;
    try {
      const result = await markNodeDeleting(deps, node.id, (n) => holdExpired(n, maxHoldAge, deps.clock.now()),
        `held for ${holdLimit(node, maxHoldAge)} s (hold expired)`, 'held node expired');
      if (result === 'marked') marked++;
    } catch (err) {
      skip(deps, { node: node.id }, err, 'hold expiry cleanup failed for one node');
    }
  }
  return marked;
}

/** Unlocked `init` nodes long past their creation: set deleting, the delete worker removes them. */
export async function deleteOrphanedInitNodes(deps: LauncherDeps, nodes: readonly Node[]): Promise<number> {
  const timeout = deps.getConfig().zookeeperTimeout;
  let marked = 0;
  for (const node of nodes) {
    if (!initOrphaned(node, timeout, deps.clock.now())) continue;
    try {
      const result = await markNodeDeleting(deps, node.id, (n) => initOrphaned(n, timeout, deps.clock.now()),
        'still init and unlocked long after it was created (its creator lost it)', 'orphaned init node', 'warn');
      if (result === 'marked') marked++;
    } catch (err) {
      skip(deps, { node: node.id }, err, 'orphaned init cleanup failed for one node');
    }
  }
  return marked;
}

/** Node znodes with no data (a lock taken on a node while it was deleted recreates its path). */
export async function removeEmptyNodes(deps: LauncherDeps): Promise<number> {
  const isEmpty = deps.store.isNodeEmpty?.bind(deps.store);
  // Without a way to tell empty from undecodable, leave them: deleting data we cannot read is worse.
  if (!isEmpty) return 0;
  let removed = 0;
  for (const id of await deps.store.listNodeIds()) {
    try {
      if (!(await isEmpty(id))) continue;
      await deps.store.deleteNodeZnode(id);
      removed++;
      deps.logger.info({ node: id }, 'deleted empty node znode');
    } catch (err) {
      skip(deps, { node: id }, err, 'empty node cleanup failed for one node');
    }
  }
  return removed;
}

export async function pruneExplanations(deps: LauncherDeps): Promise<number> {
  return (await deps.store.pruneExplanations?.()) ?? 0;
}
