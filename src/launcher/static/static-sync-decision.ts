// What to do with one static provider's nodes, decided from the configured hosts, the
// provider's nodes as ZooKeeper holds them and this pass's host checks, without effects.
// Upstream's model (nodepool/driver/static/provider.py): a host is identified by hostname,
// username and port; it has `max-parallel-jobs` slots, each held by one node (node.slot); an
// empty slot is filled with a new READY node, a used node leaves its slot (the znode is removed,
// nothing is deleted anywhere) so the slot is filled again, an idle node of a host that left
// the config or failed its check is de-registered, and an idle node whose host changed is
// updated in place. Nodes held by a job are never touched.
import type { Node } from '../../model/types.ts';
import type { StaticNodeConfig } from '../../config/static-model.ts';
import { staticHostKey } from '../../config/static-model.ts';
import type { HostCheckResult } from './host-check.ts';

export interface ConfiguredHost {
  pool: string;
  host: StaticNodeConfig;
  /** The pool's node-attributes, copied onto its nodes. */
  attributes: Record<string, unknown>;
}

export interface StaticSyncInput {
  /** Every host of the provider's config, in config order. */
  hosts: readonly ConfiguredHost[];
  /** The provider's nodes (node.provider === this provider), read fresh. */
  nodes: readonly Node[];
  /** This pass's checks by staticHostKey(); a host not checked this pass is absent. */
  checks: ReadonlyMap<string, HostCheckResult>;
}

export type StaticSyncAction =
  /** Create a READY node for the host in this slot. */
  | { kind: 'register'; target: ConfiguredHost; slot: number; hostKeys: string[] }
  /** Rewrite an idle READY node from the config (and the keys just scanned). */
  | { kind: 'update'; nodeId: string; target: ConfiguredHost; hostKeys: string[] | null }
  /** Remove an idle READY node (host gone from the config, a slot too many, or a failed check). */
  | { kind: 'deregister'; nodeId: string; reason: string }
  /** Remove the znode of a node that is done with (used, deleting, failed): never a cloud call. */
  | { kind: 'remove'; nodeId: string; reason: string }
  /** A host with a free slot that failed its check: stays out, for now. */
  | { kind: 'unavailable'; target: ConfiguredHost; reason: string };

/** Nodes on their way out hold no slot (as upstream: DELETING nodes are not slotted). */
const LEAVING_STATES = new Set(['deleting', 'deleted']);
/** Nodes whose znode is removed: the job is over (used), or the node is unusable or leaving.
 *  A used node keeps its slot until it is gone, so the host is never handed out twice. */
const REMOVABLE_STATES = new Set(['used', 'failed', 'aborted', ...LEAVING_STATES]);

export function nodeHostKey(node: Pick<Node, 'hostname' | 'username' | 'connection_port'>): string {
  return staticHostKey({ hostname: node.hostname ?? '', username: node.username, port: node.connection_port });
}

export function configuredHostKey(h: ConfiguredHost): string {
  return staticHostKey({ hostname: h.host.name, username: h.host.username, port: h.host.connectionPort });
}

function idle(node: Node): boolean {
  return node.state === 'ready' && node.allocated_to === null;
}

/** Slots of every configured host, filled from the nodes: a node keeps its recorded slot when it
 *  is free, otherwise takes the first free one; what does not fit is an excess node. */
function assignSlots(input: StaticSyncInput) {
  const slots = new Map<string, (Node | null)[]>();
  for (const h of input.hosts) slots.set(configuredHostKey(h), Array.from({ length: h.host.maxParallelJobs }, () => null));
  const excess: Node[] = [];
  const unplaced: Node[] = [];
  const leaving: Node[] = [];
  const sorted = [...input.nodes].sort((a, b) => a.id.localeCompare(b.id));
  for (const node of sorted) {
    if (LEAVING_STATES.has(node.state)) { leaving.push(node); continue; }
    const row = slots.get(nodeHostKey(node));
    if (!row) { excess.push(node); continue; }
    if (node.slot !== null && node.slot >= 0 && node.slot < row.length && row[node.slot] === null) row[node.slot] = node;
    else unplaced.push(node);
  }
  for (const node of unplaced) {
    const row = slots.get(nodeHostKey(node))!;
    const free = row.indexOf(null);
    if (free >= 0) row[free] = node; else excess.push(node);
  }
  return { slots, excess, leaving };
}

function differs(node: Node, target: ConfiguredHost, hostKeys: string[] | null): boolean {
  const h = target.host;
  return node.pool !== target.pool
    || node.type.join('\n') !== h.labels.join('\n')
    || node.connection_type !== h.connectionType
    || node.shell_type !== h.shellType
    || node.python_path !== h.pythonPath
    || node.interface_ip !== h.name
    || JSON.stringify(node.attributes ?? {}) !== JSON.stringify(target.attributes)
    || (hostKeys !== null && node.host_keys.join('\n') !== hostKeys.join('\n'));
}

export function decideStaticSync(input: StaticSyncInput): StaticSyncAction[] {
  const actions: StaticSyncAction[] = [];
  const { slots, excess, leaving } = assignSlots(input);
  const remove = (node: Node) => actions.push({ kind: 'remove', nodeId: node.id, reason: `node is ${node.state}` });
  leaving.forEach(remove);
  for (const node of excess) {
    if (REMOVABLE_STATES.has(node.state)) { remove(node); continue; }
    if (!idle(node)) continue;
    const configured = input.hosts.some((h) => configuredHostKey(h) === nodeHostKey(node));
    actions.push({ kind: 'deregister', nodeId: node.id, reason: configured ? 'more nodes than max-parallel-jobs' : 'host removed from the config' });
  }
  for (const target of input.hosts) {
    const key = configuredHostKey(target);
    const check = input.checks.get(key);
    const row = slots.get(key)!;
    let reported = false;
    row.forEach((node, slot) => {
      if (node === null) {
        if (check?.ok) actions.push({ kind: 'register', target, slot, hostKeys: check.hostKeys });
        else if (check && !reported) { actions.push({ kind: 'unavailable', target, reason: check.reason }); reported = true; }
        return;
      }
      if (REMOVABLE_STATES.has(node.state)) { remove(node); return; }
      if (!idle(node)) return;
      if (check && !check.ok) {
        actions.push({ kind: 'deregister', nodeId: node.id, reason: check.reason });
        return;
      }
      const keys = check?.ok ? check.hostKeys : null;
      if (differs(node, target, keys)) actions.push({ kind: 'update', nodeId: node.id, target, hostKeys: keys });
    });
  }
  return actions;
}

/** Hosts worth checking now: those with a free or freeing slot (about to be registered), plus
 *  all hosts with idle nodes when a liveness round is due. */
export function hostsToCheck(input: Omit<StaticSyncInput, 'checks'>, livenessDue: boolean): ConfiguredHost[] {
  const { slots } = assignSlots({ ...input, checks: new Map() });
  return input.hosts.filter((h) => {
    const row = slots.get(configuredHostKey(h))!;
    return row.some((n) => n === null || REMOVABLE_STATES.has(n.state)) || (livenessDue && row.some((n) => n !== null && idle(n)));
  });
}
