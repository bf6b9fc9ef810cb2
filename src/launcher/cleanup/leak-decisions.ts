// Pure decisions of the leaked-resource and request-lock cleanup (upstream's CleanupWorker).
import type { PortInfo } from '../../cloud/provider.ts';
import type { InstanceInfo } from '../driver/driver.ts';

/** What the leak decision needs of a listed instance. */
export type ListedInstance = Pick<InstanceInfo, 'externalId' | 'status' | 'metadata'>;
import type { NodeState } from '../../model/types.ts';

/** Upstream's LOCK_CLEANUP: a request lock dir outlives its request by this much before removal. */
export const REQUEST_LOCK_MAX_AGE_MS = 8 * 3600 * 1000;

export interface LeakedServerPlan<T extends ListedInstance = ListedInstance> {
  /** Leaked on this pass and the previous one: delete now. */
  toDelete: T[];
  /** Leaked on this pass: remembered for the next one. */
  suspects: Set<string>;
}

/** What the leak decision needs of a node that more than one server names. */
export interface ClaimedNode {
  state: NodeState;
  external_id: string | null;
}

/** A node in these states has finished launching: the server it records is its only one. */
const LAUNCHED: ReadonlySet<NodeState> = new Set<NodeState>(['ready', 'in-use', 'used', 'hold']);

/** Node ids that more than one of this provider's servers name; only for those can a server
 *  be stray although its node exists, so only those nodes need reading. */
export function nodeIdsClaimedTwice(servers: readonly ListedInstance[], provider: string): string[] {
  const count = new Map<string, number>();
  for (const s of servers) {
    const nodeId = s.status !== 'deleted' && s.metadata?.nodepool_provider_name === provider ? s.metadata.nodepool_node_id : undefined;
    if (nodeId) count.set(nodeId, (count.get(nodeId) ?? 0) + 1);
  }
  return [...count].filter(([, n]) => n > 1).map(([id]) => id);
}

/**
 * Servers tagged as this provider's (nodepool_provider_name) whose nodepool_node_id is not in
 * ZooKeeper are leaked; so is one whose node has finished launching with another server
 * recorded (a failed attempt's server whose delete did not go through; upstream keeps it as
 * long as the node lives). One is deleted only when the previous pass saw it leaked too, so a
 * server whose node znode is being written right now is never taken.
 */
export function planLeakedServers<T extends ListedInstance>(servers: readonly T[], provider: string, knownNodeIds: ReadonlySet<string>,
                                  previouslySeen: ReadonlySet<string>,
                                  claimedNodes: ReadonlyMap<string, ClaimedNode> = new Map()): LeakedServerPlan<T> {
  const suspects = new Set<string>();
  const toDelete: T[] = [];
  for (const s of servers) {
    if (s.status === 'deleted') continue;
    if (s.metadata?.nodepool_provider_name !== provider) continue;
    const nodeId = s.metadata.nodepool_node_id;
    if (nodeId && knownNodeIds.has(nodeId)) {
      const node = claimedNodes.get(nodeId);
      const stray = node !== undefined && LAUNCHED.has(node.state) && node.external_id !== null && node.external_id !== s.externalId;
      if (!stray) continue;
    }
    suspects.add(s.externalId);
    if (previouslySeen.has(s.externalId)) toDelete.push(s);
  }
  return { toDelete, suspects };
}

export interface DownPortPlan {
  toDelete: PortInfo[];
  /** Port id → when it was first seen DOWN (ms); only ports still DOWN are kept. */
  firstSeenDown: Map<string, number>;
}

/** Ports nodepool may clean: unbound (no owner) or left over from a server (compute:*). */
export function isCleanablePort(port: PortInfo): boolean {
  return port.status === 'DOWN' && (port.deviceOwner === '' || port.deviceOwner.startsWith('compute:'));
}

/** A port DOWN on a check at least `intervalMs` ago and DOWN still is deleted. */
export function planDownPorts(downPorts: readonly PortInfo[], firstSeenDown: ReadonlyMap<string, number>,
                              nowMs: number, intervalMs: number): DownPortPlan {
  const next = new Map<string, number>();
  const toDelete: PortInfo[] = [];
  for (const port of downPorts) {
    if (!isCleanablePort(port)) continue;
    const since = firstSeenDown.get(port.id) ?? nowMs;
    if (nowMs - since >= intervalMs) toDelete.push(port);
    else next.set(port.id, since);
  }
  return { toDelete, firstSeenDown: next };
}

/** Request lock dirs whose request is gone and whose newest znode is older than the limit. */
export function planRequestLockCleanup(locks: readonly { id: string; mtime: number }[], requestIds: ReadonlySet<string>,
                                       nowMs: number, maxAgeMs = REQUEST_LOCK_MAX_AGE_MS): string[] {
  return locks.filter((l) => !requestIds.has(l.id) && nowMs - l.mtime > maxAgeMs).map((l) => l.id);
}
