// The effectful half of static registration: under the provider's static-sync lock (so two
// launchers never register the same host twice), read the provider's nodes fresh from
// ZooKeeper, check the hosts that need it, decide (static-sync-decision.ts) and act. Node
// fields are upstream's for a static node (nodepool/driver/static/provider.py
// registerNodeFromConfig), so upstream's CLI and Zuul read them as their own.
import { isIP } from 'node:net';
import type { Node } from '../../model/types.ts';
import { newNode } from '../../model/factories.ts';
import type { Store } from '../../store/types.ts';
import type { StaticProviderConfig } from '../../config/static-model.ts';
import type { Clock } from '../../util/clock.ts';
import type { Logger } from '../../util/logger.ts';
import type { LockHandle } from '../../zk/types.ts';
import { checkStaticHost, type HostCheckDeps, type HostCheckResult } from './host-check.ts';
import {
  configuredHostKey, decideStaticSync, hostsToCheck, type ConfiguredHost, type StaticSyncAction,
} from './static-sync-decision.ts';

/** What upstream writes as node.launcher for a registered static node. */
export const STATIC_LAUNCHER = 'static driver';

export interface StaticSyncDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  hostCheck: HostCheckDeps;
}

export interface StaticSyncResult {
  /** false: another launcher holds the provider's sync lock; try again later. */
  synced: boolean;
  actions: StaticSyncAction[];
  /** A node to remove was still locked (Zuul lets go of a used node moments later): look again soon. */
  blocked: boolean;
}

export function configuredHosts(provider: StaticProviderConfig): ConfiguredHost[] {
  return provider.pools.flatMap((pool) => pool.nodes.map((host) => ({ pool: pool.name, host, attributes: pool.nodeAttributes })));
}

export class StaticHostSync {
  /** Why each host with a free slot is not registered (by staticHostKey), for explanations. */
  readonly unavailable = new Map<string, string>();
  private readonly deps: StaticSyncDeps;

  constructor(deps: StaticSyncDeps) {
    this.deps = deps;
  }

  private get log() {
    return this.deps.logger;
  }

  /** One pass for one provider; `livenessDue` also re-checks hosts whose nodes are idle. */
  async pass(provider: StaticProviderConfig, livenessDue: boolean, signal: AbortSignal): Promise<StaticSyncResult> {
    const lock = await this.deps.store.lockStaticSync(provider.name, { blocking: false });
    if (!lock) return { synced: false, actions: [], blocked: false };
    const done: StaticSyncAction[] = [];
    let blocked = false;
    try {
      const hosts = configuredHosts(provider);
      let nodes = await this.providerNodes(provider.name);
      const checks = await this.check(hostsToCheck({ hosts, nodes }, livenessDue), signal);
      this.noteUnavailable(hosts, checks);
      // A second round registers the slots the first one freed (used nodes removed).
      for (let round = 0; round < 2; round++) {
        const actions = decideStaticSync({ hosts, nodes, checks });
        let removed = false;
        for (const action of actions) {
          signal.throwIfAborted();
          if (!lock.isHeld()) throw new Error('static-sync lock lost');
          if (await this.perform(provider.name, action)) {
            done.push(action);
            removed ||= action.kind === 'remove' || action.kind === 'deregister';
          } else if (action.kind === 'remove') {
            blocked = true;
          }
        }
        if (!removed) break;
        nodes = await this.providerNodes(provider.name);
      }
    } finally {
      await lock.release().catch((err) => this.log.warn({ provider: provider.name, err: String(err) }, 'cannot release the static-sync lock'));
    }
    return { synced: true, actions: done, blocked };
  }

  private async providerNodes(provider: string): Promise<Node[]> {
    return (await this.deps.store.listNodes()).filter((n) => n.provider === provider);
  }

  private async check(hosts: ConfiguredHost[], signal: AbortSignal): Promise<Map<string, HostCheckResult>> {
    const results = await Promise.all(hosts.map(async (h) => [configuredHostKey(h), await checkStaticHost(h.host, this.deps.hostCheck, signal)] as const));
    return new Map(results);
  }

  private noteUnavailable(hosts: ConfiguredHost[], checks: Map<string, HostCheckResult>): void {
    for (const h of hosts) {
      const key = configuredHostKey(h);
      const check = checks.get(key);
      if (!check) continue;
      const before = this.unavailable.get(key);
      if (check.ok) {
        if (before) this.log.info({ host: key }, 'static host is reachable again');
        this.unavailable.delete(key);
      } else {
        if (before !== check.reason) this.log.warn({ host: key, reason: check.reason }, `static host not registered: ${check.reason}; retried on the next pass`);
        this.unavailable.set(key, check.reason);
      }
    }
    for (const key of [...this.unavailable.keys()]) if (!hosts.some((h) => configuredHostKey(h) === key)) this.unavailable.delete(key);
  }

  /** Performs one action; false when it did not happen (node locked or changed meanwhile). */
  private async perform(provider: string, action: StaticSyncAction): Promise<boolean> {
    const { store, clock } = this.deps;
    try {
      switch (action.kind) {
        case 'unavailable':
          return false;
        case 'register': {
          const node = await store.createNode(registeredNode(provider, action.target, action.slot, action.hostKeys, clock.now()));
          this.log.info({ node: node.id, provider, pool: action.target.pool, host: configuredHostKey(action.target), slot: action.slot }, 'registered static node');
          return true;
        }
        case 'update':
          return await this.withIdleNode(action.nodeId, async (node) => {
            Object.assign(node, hostFields(action.target, action.hostKeys ?? node.host_keys));
            await store.storeNode(node);
            this.log.info({ node: node.id, provider, host: configuredHostKey(action.target) }, 'updated static node from the config');
          }, (n) => n.state === 'ready' && n.allocated_to === null);
        case 'deregister':
          return await this.withIdleNode(action.nodeId, async (node, lock) => {
            await store.deleteNode(node, lock);
            this.log.info({ node: node.id, provider, host: node.hostname, reason: action.reason }, 'de-registered static node');
          }, (n) => n.state === 'ready' && n.allocated_to === null);
        case 'remove':
          return await this.withIdleNode(action.nodeId, async (node, lock) => {
            await store.deleteNode(node, lock);
            this.log.info({ node: node.id, provider, host: node.hostname, reason: action.reason }, 'removed static node znode');
          }, (n) => ['used', 'failed', 'aborted', 'deleting', 'deleted'].includes(n.state));
      }
    } catch (err) {
      this.log.warn({ provider, action: action.kind, err: String(err) }, 'static node action failed; retried on the next pass');
      return false;
    }
  }

  /** Lock (without waiting: a held lock means a job or another launcher has it), re-read, and
   *  act only if the node is still in a state `fits` accepts. */
  private async withIdleNode(id: string, act: (node: Node, lock: LockHandle) => Promise<void>, fits: (n: Node) => boolean): Promise<boolean> {
    const lock = await this.deps.store.lockNode(id, { blocking: false });
    if (!lock) return false;
    try {
      const fresh = await this.deps.store.getNode(id);
      if (!fresh || !fits(fresh)) return false;
      await act(fresh, lock);
      return true;
    } finally {
      if (lock.isHeld()) await lock.release().catch(() => {});
    }
  }
}

/** The fields of a static node that come from its host's config (and scanned keys). */
function hostFields(target: ConfiguredHost, hostKeys: string[]): Partial<Node> {
  const h = target.host;
  const family = isIP(h.name);
  return {
    pool: target.pool,
    type: [...h.labels],
    external_id: h.name,
    hostname: h.name,
    interface_ip: h.name,
    username: h.username,
    connection_port: h.connectionPort,
    connection_type: h.connectionType,
    shell_type: h.shellType,
    python_path: h.pythonPath,
    host_keys: [...hostKeys],
    attributes: { ...target.attributes },
    // Upstream's set_node_ip: an address literal is also the public address of its family.
    ...(family === 4 ? { public_ipv4: h.name } : family === 6 ? { public_ipv6: h.name } : {}),
  };
}

export function registeredNode(provider: string, target: ConfiguredHost, slot: number, hostKeys: string[], nowMs: number) {
  return newNode({ state: 'ready', provider, launcher: STATIC_LAUNCHER, slot, ...hostFields(target, hostKeys) }, nowMs);
}
