// The cloud side of cleanup for one provider (reference §2.6 2): leaked servers (two-pass),
// unattached floating IPs, long-DOWN ports. Keeps its memory between passes; every resource
// is deleted on its own, so one failure is logged and the rest go on.
import type { CloudProvider } from '../../cloud/provider.ts';
import type { ProviderConfig } from '../../config/model.ts';
import { reportLeaked } from '../../stats/launcher-metrics.ts';
import type { LauncherDeps } from '../deps.ts';
import { deleteServerAndWait } from '../state-machines.ts';
import { nodeIdsClaimedTwice, planDownPorts, planLeakedServers, type ClaimedNode } from './leak-decisions.ts';

/** A leaked server's delete is started and followed this long; the next pass retries if needed. */
const LEAK_DELETE_TIMEOUT_MS = 120_000;

export class ProviderLeakCleaner {
  private readonly deps: LauncherDeps;
  private readonly providerName: string;
  private suspectServers = new Set<string>();
  private downPorts = new Map<string, number>();

  constructor(deps: LauncherDeps, providerName: string) {
    this.deps = deps;
    this.providerName = providerName;
  }

  private get log() {
    return this.deps.logger.child({ provider: this.providerName });
  }

  async cleanServers(provider: CloudProvider, signal?: AbortSignal): Promise<number> {
    // Node ids first: a node created after this read has its server listed after it too,
    // and the two-pass rule covers the other order.
    const known = new Set(await this.deps.store.listNodeIds());
    const servers = await provider.listServers();
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
        this.log.warn({ externalId: server.externalId, name: server.name, nodeId: server.metadata.nodepool_node_id ?? null }, 'deleting leaked server');
        await deleteServerAndWait(provider, server.externalId, {
          clock: this.deps.clock, deadlineMs: this.deps.clock.now() + LEAK_DELETE_TIMEOUT_MS, signal,
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

  async cleanFloatingIps(provider: CloudProvider, signal?: AbortSignal): Promise<number> {
    // Floating IPs are created already bound to the server's port, so an unbound one is leaked.
    const unattached = (await provider.listFloatingIps()).filter((f) => !f.portId);
    let deleted = 0;
    for (const fip of unattached) {
      signal?.throwIfAborted();
      try {
        await provider.deleteFloatingIp(fip.id);
        deleted++;
        this.log.info({ fip: fip.id, address: fip.address }, 'deleted unattached floating ip');
        if (this.deps.metrics) reportLeaked(this.deps.metrics, this.providerName, 'floatingips');
      } catch (err) {
        this.log.warn({ fip: fip.id, err: String(err) }, 'floating ip delete failed; retried next pass');
      }
    }
    return deleted;
  }

  async cleanPorts(provider: CloudProvider, config: ProviderConfig, signal?: AbortSignal): Promise<number> {
    if (!(config.portCleanupInterval > 0)) return 0;
    const down = await provider.listPorts({ status: 'DOWN' });
    const plan = planDownPorts(down, this.downPorts, this.deps.clock.now(), config.portCleanupInterval * 1000);
    this.downPorts = plan.firstSeenDown;
    let deleted = 0;
    for (const port of plan.toDelete) {
      signal?.throwIfAborted();
      try {
        await provider.deletePort(port.id);
        deleted++;
        this.log.info({ port: port.id, deviceOwner: port.deviceOwner }, 'deleted port left DOWN');
        if (this.deps.metrics) reportLeaked(this.deps.metrics, this.providerName, 'ports');
      } catch (err) {
        // Keep remembering it: the next pass tries again at once.
        this.downPorts.set(port.id, this.deps.clock.now() - config.portCleanupInterval * 1000);
        this.log.warn({ port: port.id, err: String(err) }, 'port delete failed; retried next pass');
      }
    }
    return deleted;
  }
}
