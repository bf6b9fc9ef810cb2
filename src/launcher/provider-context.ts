// Per-provider state the pools of one provider share inside this launcher: launches in
// flight (max-concurrency), quota inputs with upstream's cache ages, per-label resources,
// and reservations for nodes being created but not yet visible in the node cache.
import type { QuotaLimits } from '../cloud/provider.ts';
import type { NodeDriver } from './driver/driver.ts';
import type { PoolLabelConfig, PoolConfig } from '../config/model.ts';
import type { Node, RecordCacheLike } from './cache-types.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import { addResources, hasRemainingQuota, nodeResources, quotaBlocker, unmanagedUsage, type QuotaState, type Resources } from './quota.ts';

/** Upstream MAX_QUOTA_AGE: cloud limits are re-read every 5 minutes (or after a quota fault). */
const QUOTA_LIMITS_MAX_AGE_MS = 5 * 60_000;
/** Unmanaged usage comes from the server list; refresh it at most this often. */
const UNMANAGED_MAX_AGE_MS = 2_000;

export interface Reservation { pool: string; resources: Resources; nodeId: string | null }

export class ProviderContext {
  readonly name: string;
  private current: NodeDriver;
  activeLaunches = 0;
  private limits: { value: QuotaLimits | null; at: number } | null = null;
  private unmanaged: { value: Resources; at: number } | null = null;
  private labelResourceCache = new WeakMap<PoolLabelConfig, Resources | Error>();
  private readonly reservations = new Set<Reservation>();

  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly nodes: RecordCacheLike<Node>;

  constructor(name: string, driver: NodeDriver, clock: Clock, logger: Logger, nodes: RecordCacheLike<Node>) {
    this.name = name;
    this.current = driver;
    this.clock = clock;
    this.logger = logger;
    this.nodes = nodes;
  }

  get driver(): NodeDriver {
    return this.current;
  }

  /** First poll interval for this provider's state machines (ms). */
  get pollMs(): number {
    return this.current.pollMs;
  }

  /** The provider's driver was rebuilt (credentials rotated): forget what the old one said. */
  replaceDriver(driver: NodeDriver): void {
    this.current = driver;
    this.invalidateQuota();
    this.labelResourceCache = new WeakMap();
    this.azs = null;
  }

  /** Resources a label needs; an Error when the provider cannot size it (bad flavor). */
  async labelResources(label: PoolLabelConfig): Promise<Resources | Error> {
    const cached = this.labelResourceCache.get(label);
    if (cached) return cached;
    let value: Resources | Error;
    try {
      const q = await this.driver.labelResources(label);
      value = { ...q };
    } catch (err) {
      this.logger.warn({ provider: this.name, label: label.name, err: String(err) }, 'cannot size label');
      value = err instanceof Error ? err : new Error(String(err));
      // Not cached: a transient cloud fault should not make the label unusable for good.
      return value;
    }
    this.labelResourceCache.set(label, value);
    return value;
  }

  labelResourcesCached(label: PoolLabelConfig): Resources | Error | undefined {
    return this.labelResourceCache.get(label);
  }

  private azs: { value: string[]; at: number } | null = null;

  /** The cloud's availability zones, cached like the quota limits. */
  async availabilityZones(): Promise<string[]> {
    const now = this.clock.now();
    if (this.azs && now - this.azs.at < QUOTA_LIMITS_MAX_AGE_MS) return this.azs.value;
    try {
      this.azs = { value: await this.driver.availabilityZones(), at: now };
    } catch (err) {
      this.logger.warn({ provider: this.name, err: String(err) }, 'cannot list availability zones');
      this.azs = { value: [], at: now };
    }
    return this.azs.value;
  }

  invalidateQuota(): void {
    this.limits = null;
    this.unmanaged = null;
  }

  /** Cloud limits (null when ignored); cached for 5 minutes. */
  async cloudLimits(pool: PoolConfig): Promise<QuotaLimits | null> {
    if (pool.ignoreProviderQuota) return null;
    const now = this.clock.now();
    if (this.limits && now - this.limits.at < QUOTA_LIMITS_MAX_AGE_MS) return this.limits.value;
    try {
      this.limits = { value: await this.driver.quotaLimits(), at: now };
    } catch (err) {
      this.logger.warn({ provider: this.name, err: String(err) }, 'cannot read quota limits; assuming unlimited');
      this.limits = { value: null, at: now - QUOTA_LIMITS_MAX_AGE_MS + 10_000 };
    }
    return this.limits.value;
  }

  cachedCloudLimits(pool: PoolConfig): QuotaLimits | null {
    return pool.ignoreProviderQuota ? null : (this.limits?.value ?? null);
  }

  private unmanagedRefresh: Promise<void> | null = null;

  /** Unmanaged usage, fetched the first time and then refreshed in the background when older
   *  than UNMANAGED_MAX_AGE_MS (the figure is an estimate either way; launches need not wait). */
  private async unmanagedUsage(): Promise<void> {
    const stale = !this.unmanaged || this.clock.now() - this.unmanaged.at >= UNMANAGED_MAX_AGE_MS;
    if (stale) this.unmanagedRefresh ??= this.fetchUnmanaged().finally(() => { this.unmanagedRefresh = null; });
    if (!this.unmanaged) await this.unmanagedRefresh;
  }

  private async fetchUnmanaged(): Promise<void> {
    const now = this.clock.now();
    try {
      const servers = await this.driver.listInstances();
      const ids = new Set(this.nodes.values().map((n) => n.id));
      this.unmanaged = { value: unmanagedUsage(servers, this.name, ids), at: now };
    } catch (err) {
      this.logger.warn({ provider: this.name, err: String(err) }, 'cannot list servers for quota');
      this.unmanaged = { value: this.unmanaged?.value ?? {}, at: now };
    }
  }

  /** Fetches what the synchronous quota check needs; call right before checkAndReserve. */
  async prepareQuota(pool: PoolConfig): Promise<void> {
    await this.cloudLimits(pool);
    if (!pool.ignoreProviderQuota && this.limits?.value) await this.unmanagedUsage();
  }

  /** The current quota picture for a pool: ZooKeeper nodes plus our unrecorded reservations. */
  quotaState(pool: PoolConfig): QuotaState {
    let providerUsage: Resources = {};
    let poolUsage: Resources = {};
    const seen = new Set<string>();
    for (const node of this.nodes.values()) {
      if (node.provider !== this.name) continue;
      seen.add(node.id);
      const r = nodeResources(node);
      providerUsage = addResources(providerUsage, r);
      if (node.pool === pool.name) poolUsage = addResources(poolUsage, r);
    }
    for (const res of this.reservations) {
      if (res.nodeId !== null && seen.has(res.nodeId)) continue;
      providerUsage = addResources(providerUsage, res.resources);
      if (res.pool === pool.name) poolUsage = addResources(poolUsage, res.resources);
    }
    return {
      cloudLimits: this.cachedCloudLimits(pool),
      unmanaged: this.unmanaged?.value ?? {},
      providerUsage, pool, poolUsage,
    };
  }

  /** Synchronous check-and-reserve, so two handlers never both take the last slot. */
  checkAndReserve(pool: PoolConfig, needed: Resources):
    { ok: true; reservation: Reservation } | { ok: false; blocker: 'max-servers' | 'pool-quota' | 'cloud-quota' } {
    const state = this.quotaState(pool);
    if (!hasRemainingQuota(state, needed)) return { ok: false, blocker: quotaBlocker(state, needed) ?? 'pool-quota' };
    const reservation: Reservation = { pool: pool.name, resources: needed, nodeId: null };
    this.reservations.add(reservation);
    return { ok: true, reservation };
  }

  release(reservation: Reservation): void {
    this.reservations.delete(reservation);
  }
}
