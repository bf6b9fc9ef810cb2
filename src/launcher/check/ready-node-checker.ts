// ReadyNodeChecker (classic `check` cron): every READY, unallocated node of a configured provider
// is checked: its server must be ACTIVE in the cloud and answer SSH (a login as the label's user
// when a private key is configured, else the port, when host-key-checking is on). A dead node that can be locked without
// waiting is set `deleting` with the reason logged; the delete worker removes it and min-ready
// launches a replacement. The lock is always released.
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import type { Node } from '../../model/types.ts';
import type { PoolConfig, PoolLabelConfig } from '../../config/model.ts';
import type { InstanceInfo } from '../driver/driver.ts';
import type { LauncherDeps } from '../deps.ts';
import type { PeriodicWorker } from '../worker-contracts.ts';
import { markNodeDeleting } from '../cleanup/mark-deleting.ts';
import { SshSession } from '../nodescan-ssh/ssh-session.ts';
import { decideNodeHealth, type NodeHealthFacts } from './node-health.ts';
import { clockTimeout } from '../clock-timeout.ts';

/** One SSH login or port probe may take this long. */
const REACH_TIMEOUT_MS = 10_000;
/** A blip should not kill a node: a failed reach is tried once more after this pause. */
const REACH_RETRY_MS = 1000;
const CONCURRENCY = 8;

type Reach = NonNullable<NodeHealthFacts['reachable']>;

export class ReadyNodeChecker implements PeriodicWorker {
  private readonly deps: LauncherDeps;

  constructor(deps: LauncherDeps) {
    this.deps = deps;
  }

  async runOnce(signal?: AbortSignal): Promise<void> {
    const { deps } = this;
    const config = deps.getConfig();
    const candidates = (await deps.store.listNodes()).filter((n) =>
      n.state === 'ready' && !n.allocated_to && n.provider !== null && deps.drivers.has(n.provider)
      && config.providers.some((p) => p.name === n.provider));
    // One listing per provider per pass; a provider whose listing fails is skipped (never a reason to delete).
    const listings = new Map<string, Map<string, InstanceInfo> | null>();
    for (const name of new Set(candidates.map((n) => n.provider!))) {
      try {
        const servers = await deps.drivers.get(name)!.listInstances();
        listings.set(name, new Map(servers.map((s) => [s.externalId, s])));
      } catch (err) {
        listings.set(name, null);
        deps.logger.warn({ provider: name, err: String(err) }, 'check: cannot list servers; nodes of this provider skipped');
      }
    }
    const queue = candidates.filter((n) => listings.get(n.provider!) !== null);
    const workers = Array.from({ length: Math.min(CONCURRENCY, queue.length) }, async () => {
      for (let node = queue.shift(); node; node = queue.shift()) {
        if (signal?.aborted) return;
        try {
          await this.checkNode(node, listings.get(node.provider!)!, signal);
        } catch (err) {
          if (!signal?.aborted) deps.logger.warn({ node: node.id, provider: node.provider, err: String(err) }, 'check: node skipped this pass');
        }
      }
    });
    await Promise.all(workers);
  }

  /**
   * Checked without the lock, so a request handler can still take the node meanwhile; only a
   * dead one is locked (without waiting), re-read and, if still READY and unallocated on the
   * same server, set deleting.
   */
  private async checkNode(node: Node, servers: Map<string, InstanceInfo>, signal?: AbortSignal): Promise<void> {
    const found = this.labelOf(node);
    const label = found?.label ?? null;
    let server = node.external_id ? servers.get(node.external_id) ?? null : null;
    // The listing may come from a cache older than the node's server: ask for it directly
    // before calling it gone (a failure to ask skips the node, it never deletes it).
    if (!server && node.external_id) server = await this.deps.drivers.get(node.provider!)!.getInstance(node.external_id);
    const facts: NodeHealthFacts = { labelConfigured: label !== null, externalId: node.external_id, server, reachable: null };
    // Reachability is only required of nodes the launcher had to reach to make them ready (host
    // keys scanned, or a classic login configured): with host-key-checking off the launcher may
    // have no route to the nodes at all, and probing would delete every one of them.
    const mustReach = label !== null && (label.privateKey !== null || (label.hostKeyChecking ?? found!.pool.hostKeyChecking));
    if (mustReach && server?.status === 'ready') {
      facts.reachable = await this.reach(node, label, signal);
      // Unreachable while a possibly cached listing says ACTIVE: ask the cloud again, so the
      // reason logged is the real one (a server shut off meanwhile) when there is one.
      if (!facts.reachable.ok && node.external_id && !signal?.aborted) {
        const fresh = await this.deps.drivers.get(node.provider!)!.getInstance(node.external_id).catch(() => undefined);
        if (fresh !== undefined) facts.server = fresh;
      }
    }
    const health = decideNodeHealth(facts);
    if (health.alive || signal?.aborted) return;
    const result = await markNodeDeleting(this.deps, node.id,
      (fresh) => fresh.state === 'ready' && !fresh.allocated_to && fresh.external_id === node.external_id,
      health.reason, 'ready node failed the check; deleting it', 'warn');
    if (result !== 'marked') this.deps.logger.info({ node: node.id, reason: health.reason, result }, 'check: dead node was taken or changed meanwhile; left alone');
  }

  private labelOf(node: Node): { label: PoolLabelConfig; pool: PoolConfig } | null {
    const provider = this.deps.getConfig().providers.find((p) => p.name === node.provider);
    const pool = provider?.pools.find((p) => p.name === node.pool);
    const label = pool?.labels.find((l) => l.name === node.type[0]);
    return pool && label ? { label, pool } : null;
  }

  private async reach(node: Node, label: PoolLabelConfig, signal?: AbortSignal): Promise<Reach> {
    let result = await this.reachOnce(node, label, signal);
    if (!result.ok && !signal?.aborted) {
      await this.deps.clock.sleep(REACH_RETRY_MS, signal);
      result = await this.reachOnce(node, label, signal);
    }
    return result;
  }

  private async reachOnce(node: Node, label: PoolLabelConfig, signal?: AbortSignal): Promise<Reach> {
    const host = node.interface_ip;
    if (!host) return { ok: false, how: 'ssh port', error: 'the node has no address' };
    const deadline = clockTimeout(this.deps.clock, REACH_TIMEOUT_MS, signal);
    try {
      return await this.reachBounded(node, label, host, deadline.signal);
    } finally {
      deadline.clear();
    }
  }

  private async reachBounded(node: Node, label: PoolLabelConfig, host: string, bounded: AbortSignal): Promise<Reach> {
    if (label.privateKey) {
      try {
        const privateKey = await readFile(label.privateKey);
        const session = await SshSession.open({
          host, port: node.connection_port, username: label.username ?? node.username, privateKey,
          hostKeys: node.host_keys, readyTimeoutMs: REACH_TIMEOUT_MS, signal: bounded,
        });
        session.close();
        return { ok: true };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // A missing key file is the operator's problem, not the node's: never delete for it.
        if (code) throw new Error(`cannot read private-key ${label.privateKey} (${code})`);
        return { ok: false, how: 'ssh login', error: (err as Error).message };
      }
    }
    const error = await probePort(host, node.connection_port, bounded);
    return error === null ? { ok: true } : { ok: false, how: 'ssh port', error };
  }
}

/** One TCP connection attempt: null when it connected, else why not. */
function probePort(host: string, port: number, signal: AbortSignal): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (error: string | null) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(error);
    };
    const onAbort = () => done(`no answer from ${host}:${port}`);
    if (signal.aborted) return done(`no answer from ${host}:${port}`);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done(null));
    socket.once('error', (err) => done(`${host}:${port}: ${err.message}`));
  });
}
