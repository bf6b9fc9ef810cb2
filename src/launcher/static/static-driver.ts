// The static driver behind the launcher's driver interface (../driver/driver.ts): a
// *registering* driver. It never launches; `sync` registers, re-registers and retires READY
// nodes for the configured hosts (static-host-sync.ts); deleting a node's "instance" completes
// at once (the host is not ours to delete) and the freed slot is registered again by `sync`.
// Quota is per label: how many free READY nodes carry it (upstream's getLabelQuota).
import type { Node } from '../../model/types.ts';
import type { PoolConfig } from '../../config/model.ts';
import type { StaticProviderConfig } from '../../config/static-model.ts';
import type { Resources } from '../quota.ts';
import type { QuotaLimits } from '../../cloud/provider.ts';
import type {
  DeleteStateMachine, DeleteTarget, DriverSyncContext, InstanceInfo, LaunchStateMachine, NodeDriver,
} from '../driver/driver.ts';
import { StaticHostSync, configuredHosts, type StaticSyncDeps } from './static-host-sync.ts';

/** Upstream re-checks static hosts on its cleanup cadence (once a minute). */
export const LIVENESS_INTERVAL_MS = 60_000;
/** How soon to sync again when nothing woke us (a host that was down may be back). */
export const SYNC_INTERVAL_MS = 10_000;
/** Another launcher holds the sync lock, or a used node is still locked by Zuul: look again soon. */
const RETRY_SOON_MS = 1000;

export interface StaticDriverOptions {
  /** The provider's current config (reloads swap it); undefined once removed. */
  config(): StaticProviderConfig | undefined;
  deps: StaticSyncDeps;
  livenessIntervalMs?: number;
  syncIntervalMs?: number;
}

export class StaticDriver implements NodeDriver {
  readonly providerName: string;
  readonly kind = 'static';
  readonly launchesNodes = false;
  readonly pauseAtQuota = false;
  readonly pollMs = 0;
  readonly hosts: StaticHostSync;
  private readonly opts: StaticDriverOptions;
  private lastLiveness = -Infinity;

  constructor(providerName: string, opts: StaticDriverOptions) {
    this.providerName = providerName;
    this.opts = opts;
    this.hosts = new StaticHostSync(opts.deps);
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  /** One registration pass; returns when to run again (ms). */
  async sync(ctx: Pick<DriverSyncContext, 'signal'>): Promise<number | null> {
    const config = this.opts.config();
    if (!config) return null;
    const now = this.opts.deps.clock.now();
    const livenessDue = now - this.lastLiveness >= (this.opts.livenessIntervalMs ?? LIVENESS_INTERVAL_MS);
    const result = await this.hosts.pass(config, livenessDue, ctx.signal);
    if (result.synced && livenessDue) this.lastLiveness = now;
    if (!result.synced || result.blocked) return RETRY_SOON_MS;
    return this.opts.syncIntervalMs ?? SYNC_INTERVAL_MS;
  }

  launch(): LaunchStateMachine {
    throw new Error('the static driver registers existing hosts; it never launches a node');
  }

  async findInstance(): Promise<InstanceInfo | null> {
    return null;
  }

  /** Nothing to delete: the host stays; only the node znode goes (the launcher's delete path). */
  delete(_target: DeleteTarget): DeleteStateMachine {
    return { state: 'complete', complete: true, advance: async () => {} };
  }

  /** The configured hosts that have nodes, as instances (for listings and the check cron). */
  async listInstances(): Promise<InstanceInfo[]> {
    const config = this.opts.config();
    if (!config) return [];
    return configuredHosts(config).map(({ host }) => hostInstance(host.name));
  }

  async getInstance(externalId: string): Promise<InstanceInfo | null> {
    return (await this.listInstances()).find((i) => i.externalId === externalId) ?? null;
  }

  async quotaLimits(): Promise<QuotaLimits | null> {
    return null;
  }

  /** Upstream's quotaNeededByLabel for static: one instance, nothing else. */
  async labelResources(): Promise<Resources> {
    return { instances: 1 };
  }

  labelQuota(pool: Pick<PoolConfig, 'name'>, nodes: readonly Node[]): Map<string, number> {
    const out = new Map<string, number>();
    const config = this.opts.config();
    for (const label of config?.pools.find((p) => p.name === pool.name)?.labels ?? []) out.set(label, 0);
    for (const n of nodes) {
      if (n.provider !== this.providerName || n.pool !== pool.name || n.state !== 'ready' || n.allocated_to !== null) continue;
      for (const label of n.type) out.set(label, (out.get(label) ?? 0) + 1);
    }
    return out;
  }

  async cloudImageExists(): Promise<boolean> {
    return true;
  }

  async availabilityZones(): Promise<string[]> {
    return [];
  }

  async consoleLog(): Promise<string> {
    return '';
  }
}

function hostInstance(name: string): InstanceInfo {
  return {
    externalId: name, status: 'ready', rawStatus: 'registered', metadata: {}, publicIpv4: null, privateIpv4: null, publicIpv6: null,
    interfaceIp: name, az: null, region: null, hostId: null, fault: null, cores: 0, ram: 0,
  };
}
