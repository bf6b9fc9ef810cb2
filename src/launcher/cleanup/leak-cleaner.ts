// The driver side of cleanup for one provider (upstream cleanupLeakedResources): leaked
// instances (two-pass), then whatever else the driver lists as leaked (OpenStack: unattached
// floating IPs, long-DOWN ports). Keeps its memory between passes; every resource is deleted on
// its own, so one failure is logged and the rest go on.
import type { NodeDriver } from '../driver/driver.ts';
import { reportLeaked } from '../../stats/launcher-metrics.ts';
import type { LauncherDeps } from '../deps.ts';
import { runDelete } from '../state-machines.ts';
import { nodeIdsClaimedTwice, planLeakedServers, type ClaimedNode } from './leak-decisions.ts';

/** A leaked server's delete is started and followed this long; the next pass retries if needed. */
const LEAK_DELETE_TIMEOUT_MS = 120_000;

export class ProviderLeakCleaner {
  private readonly deps: LauncherDeps;
  private readonly providerName: string;
  private suspectServers = new Set<string>();

  constructor(deps: LauncherDeps, providerName: string) {
    this.deps = deps;
    this.providerName = providerName;
  }

  private get log() {
    return this.deps.logger.child({ provider: this.providerName });
  }

  async cleanServers(driver: NodeDriver, signal?: AbortSignal): Promise<number> {
    // Node ids first: a node created after this read has its server listed after it too,
    // and the two-pass rule covers the other order.
    const known = new Set(await this.deps.store.listNodeIds());
    const servers = await driver.listInstances();
    // Read after the listing: a node that finished launching since then records its server.
    const claimed = new Map<string, ClaimedNode>();
    for (const id of nodeIdsClaimedTwice(servers, this.providerName)) {
      if (!known.has(id)) continue;
      const node = await this.deps.store.getNode(id);
      if (node) claimed.set(id, node);
    }
    const plan = planLeakedServers(servers, this.providerName, known, this.suspectServers, claimed);
    this.suspectServers = plan.suspects;
    let deleted = 0;
    for (const server of plan.toDelete) {
      signal?.throwIfAborted();
      try {
        this.log.warn({ externalId: server.externalId, nodeId: server.metadata.nodepool_node_id ?? null }, 'deleting leaked server');
        await runDelete(driver.delete({ nodeId: server.metadata.nodepool_node_id ?? '', externalId: server.externalId }), {
          clock: this.deps.clock, deadlineMs: this.deps.clock.now() + LEAK_DELETE_TIMEOUT_MS, signal, pollMs: driver.pollMs,
        });
        this.suspectServers.delete(server.externalId);
        deleted++;
        if (this.deps.metrics) reportLeaked(this.deps.metrics, this.providerName, 'instances');
      } catch (err) {
        if (signal?.aborted) throw err;
        this.log.warn({ externalId: server.externalId, err: String(err) }, 'leaked server delete failed; retried next pass');
      }
    }
    return deleted;
  }

  /** Resources other than instances of one kind the driver lists (OpenStack: floating IPs, ports). */
  async cleanOtherResources(driver: NodeDriver, kind: string, signal?: AbortSignal): Promise<number> {
    if (!driver.cleanupLeakedResources) return 0;
    const known = new Set(await this.deps.store.listNodeIds());
    const removed = await driver.cleanupLeakedResources(kind, { knownNodeIds: known, signal });
    if (removed > 0 && this.deps.metrics && (kind === 'ports' || kind === 'floatingips')) reportLeaked(this.deps.metrics, this.providerName, kind, removed);
    return removed;
  }
}
