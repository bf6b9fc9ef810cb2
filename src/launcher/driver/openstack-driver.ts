// The OpenStack implementation of NodeDriver: a thin adapter over the CloudProvider
// (src/cloud/openstack), which owns the REST calls, caches and the Nova state machines.
import type { CloudProvider, CreateStateMachine, QuotaLimits, ServerInfo } from '../../cloud/provider.ts';
import type { NodepoolConfig, PoolLabelConfig, ProviderConfig } from '../../config/model.ts';
import type { Logger } from '../../util/logger.ts';
import { systemClock, type Clock } from '../../util/clock.ts';
import { createServerSpec, serverName } from '../node-spec.ts';
import { planDownPorts } from '../cleanup/leak-decisions.ts';
import type { AttachedVolume, Resources } from '../quota.ts';
import {
  type DeleteStateMachine, type DeleteTarget, type InstanceInfo, type LaunchSpec,
  type LaunchStateMachine, type LeakCleanupContext, type NodeDriver,
} from './driver.ts';

export interface OpenStackDriverOptions {
  /** First poll interval of the state machines (ms): about half the server-list cache age. */
  pollMs?: number;
  /** The provider's config (floating-IP and port cleanup settings); read on every pass. */
  config?: () => ProviderConfig | undefined;
  clock?: Clock;
  logger?: Logger;
}

/** Nova statuses as the driver-neutral status. */
export function instanceStatus(novaStatus: string): InstanceInfo['status'] {
  if (novaStatus === 'ACTIVE') return 'ready';
  if (novaStatus === 'ERROR') return 'error';
  if (novaStatus === 'DELETED' || novaStatus === 'SOFT_DELETED') return 'deleted';
  if (novaStatus === 'BUILD') return 'building';
  return 'other';
}

export function toInstance(server: ServerInfo): InstanceInfo {
  return {
    externalId: server.externalId, status: instanceStatus(server.status), rawStatus: server.status, metadata: server.metadata,
    publicIpv4: server.publicIpv4, privateIpv4: server.privateIpv4, publicIpv6: server.publicIpv6,
    interfaceIp: server.interfaceIp, az: server.az, region: server.region, hostId: server.hostId,
    fault: server.fault ?? (server.status === 'ERROR' ? 'unknown fault' : null), cores: server.cores, ram: server.ram,
  };
}

class OpenStackLaunch implements LaunchStateMachine {
  private readonly sm: CreateStateMachine;
  constructor(sm: CreateStateMachine) { this.sm = sm; }
  get state() { return this.sm.state; }
  get complete() { return this.sm.complete; }
  get externalId() { return this.sm.externalId; }
  async advance(): Promise<InstanceInfo | null> {
    const server = await this.sm.advance();
    return server ? toInstance(server) : null;
  }
}

/** Nothing recorded and nothing found by name: a delete with nothing to do. */
const NOTHING_TO_DELETE: DeleteStateMachine = { state: 'complete', complete: true, advance: async () => {} };

/** Looks the server up by name when the node never recorded its id, then deletes it. */
class DeleteByName implements DeleteStateMachine {
  state = 'finding server';
  private inner: DeleteStateMachine | null = null;
  private readonly cloud: CloudProvider;
  private readonly nodeId: string;
  constructor(cloud: CloudProvider, nodeId: string) { this.cloud = cloud; this.nodeId = nodeId; }
  get complete() { return this.inner ? this.inner.complete : false; }
  async advance(): Promise<void> {
    if (this.inner) { await this.inner.advance(); this.state = this.inner.state; return; }
    const server = await this.cloud.findServerByName(serverName(this.nodeId));
    // A server of our name but another node's metadata is not ours to delete.
    const ours = server && server.metadata?.nodepool_node_id === this.nodeId ? server : null;
    this.inner = ours ? this.cloud.deleteServer(ours.externalId) : NOTHING_TO_DELETE;
    this.state = this.inner.state;
  }
}

export class OpenStackDriver implements NodeDriver {
  readonly kind = 'openstack';
  readonly launchesNodes = true;
  readonly pauseAtQuota = true;
  readonly pollMs: number;
  readonly cloud: CloudProvider;
  private readonly options: OpenStackDriverOptions;
  /** Port id → when it was first seen DOWN (port-cleanup-interval rule). */
  private downPorts = new Map<string, number>();

  constructor(cloud: CloudProvider, options: OpenStackDriverOptions = {}) {
    this.cloud = cloud;
    this.options = options;
    this.pollMs = options.pollMs ?? 100;
  }

  get providerName(): string {
    return this.cloud.name;
  }

  start(): Promise<void> { return this.cloud.start(); }
  stop(): Promise<void> { return this.cloud.stop(); }

  launch(spec: LaunchSpec): LaunchStateMachine {
    const { provider, pool, label, image, node, request, az } = spec;
    return new OpenStackLaunch(this.cloud.createServer(createServerSpec({ provider, pool, label, image, node, request, az })));
  }

  async findInstance(target: DeleteTarget): Promise<InstanceInfo | null> {
    if (target.externalId) {
      const server = await this.cloud.getServer(target.externalId);
      return server ? toInstance(server) : null;
    }
    const server = await this.cloud.findServerByName(serverName(target.nodeId));
    return server && server.metadata?.nodepool_node_id === target.nodeId ? toInstance(server) : null;
  }

  delete(target: DeleteTarget): DeleteStateMachine {
    return target.externalId ? this.cloud.deleteServer(target.externalId) : new DeleteByName(this.cloud, target.nodeId);
  }

  async listInstances(): Promise<InstanceInfo[]> {
    return (await this.cloud.listServers()).map(toInstance);
  }

  async getInstance(externalId: string): Promise<InstanceInfo | null> {
    const server = await this.cloud.getServer(externalId);
    return server ? toInstance(server) : null;
  }

  leakedResourceKinds(): string[] {
    const config = this.options.config?.();
    return config?.cleanFloatingIps ? ['floatingips', 'ports'] : ['ports'];
  }

  /** Unattached floating IPs (clean-floating-ips) and ports DOWN for port-cleanup-interval. */
  async cleanupLeakedResources(kind: string, ctx: LeakCleanupContext): Promise<number> {
    const config = this.options.config?.();
    if (!config) return 0;
    if (kind === 'floatingips') return config.cleanFloatingIps ? this.cleanFloatingIps(ctx.signal) : 0;
    if (kind === 'ports') return config.portCleanupInterval > 0 ? this.cleanPorts(config.portCleanupInterval * 1000, ctx.signal) : 0;
    return 0;
  }

  private async cleanFloatingIps(signal?: AbortSignal): Promise<number> {
    // Floating IPs are created already bound to the server's port, so an unbound one is leaked.
    const unattached = (await this.cloud.listFloatingIps()).filter((f) => !f.portId);
    let deleted = 0;
    for (const fip of unattached) {
      signal?.throwIfAborted();
      try {
        await this.cloud.deleteFloatingIp(fip.id);
        deleted++;
        this.options.logger?.info({ provider: this.providerName, fip: fip.id, address: fip.address }, 'deleted unattached floating ip');
      } catch (err) {
        this.options.logger?.warn({ provider: this.providerName, fip: fip.id, err: String(err) }, 'floating ip delete failed; retried next pass');
      }
    }
    return deleted;
  }

  private async cleanPorts(intervalMs: number, signal?: AbortSignal): Promise<number> {
    const now = () => (this.options.clock ?? systemClock).now();
    const down = await this.cloud.listPorts({ status: 'DOWN' });
    const plan = planDownPorts(down, this.downPorts, now(), intervalMs);
    this.downPorts = plan.firstSeenDown;
    let deleted = 0;
    for (const port of plan.toDelete) {
      signal?.throwIfAborted();
      try {
        await this.cloud.deletePort(port.id);
        deleted++;
        this.options.logger?.info({ provider: this.providerName, port: port.id, deviceOwner: port.deviceOwner }, 'deleted port left DOWN');
      } catch (err) {
        // Keep remembering it: the next pass tries again at once.
        this.downPorts.set(port.id, now() - intervalMs);
        this.options.logger?.warn({ provider: this.providerName, port: port.id, err: String(err) }, 'port delete failed; retried next pass');
      }
    }
    return deleted;
  }

  quotaLimits(): Promise<QuotaLimits> {
    return this.cloud.quotaLimits();
  }

  async attachedVolumes(): Promise<AttachedVolume[]> {
    if (!this.cloud.listVolumes) return [];
    return (await this.cloud.listVolumes()).map((v) => ({ sizeGb: v.sizeGb, serverIds: v.attachedTo }));
  }

  async labelResources(label: PoolLabelConfig): Promise<Resources> {
    return { ...(await this.cloud.quotaForLabel(label)) };
  }

  async cloudImageExists(idOrName: string): Promise<boolean> {
    return (await this.cloud.cachedImage(idOrName)) !== null;
  }

  availabilityZones(): Promise<string[]> {
    return this.cloud.listAvailabilityZones();
  }

  consoleLog(externalId: string): Promise<string> {
    return this.cloud.consoleLog(externalId);
  }
}

/** OpenStack drivers for already-built providers, keyed by provider name (tests, benchmarks). */
export function openStackDrivers(providers: ReadonlyMap<string, CloudProvider>,
                                 options: { getConfig: () => NodepoolConfig; clock?: Clock; logger?: Logger; pollMs?: number }): Map<string, NodeDriver> {
  const out = new Map<string, NodeDriver>();
  for (const [name, cloud] of providers) {
    out.set(name, new OpenStackDriver(cloud, {
      pollMs: options.pollMs, clock: options.clock, logger: options.logger,
      config: () => options.getConfig().providers.find((p) => p.name === name),
    }));
  }
  return out;
}
