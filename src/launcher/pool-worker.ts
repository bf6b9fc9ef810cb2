// One provider-pool (upstream's PoolWorker): registers its pool component, and in each of the
// launcher loop's pools passes (due on every request-cache change, and at least every second)
// adopts requests an earlier launcher on this host left, then walks the requested requests in
// priority order, deciding for each whether to accept, decline or leave it. Accepted requests
// run as concurrent RequestHandlers.
import type { NodeRequest, PoolComponent } from '../model/types.ts';
import type { ComponentRegistration } from '../store/types.ts';
import type { PoolLabelConfig } from '../config/model.ts';
import type { LauncherShared } from './launcher-shared.ts';
import type { PoolRuntime } from './pool-runtime.ts';
import { makeLauncherId } from './launcher-id.ts';
import { sortRequests } from './request-order.ts';
import { decideRequestAction, type PoolView } from './decide-request.ts';
import { type LabelAvailability } from './decline-reasons.ts';
import { declineRequest } from './decline-request.ts';
import { RequestHandler } from './request-handler.ts';
import { addResources, nodeResources, type Resources } from './quota.ts';
import { orphanedRequests, type PoolIdentity } from './resume-decision.ts';
import type { HeldNode } from './node-allocation.ts';

/** Upper bound on waiting for one handler's admission (a stuck ZooKeeper call must not stall the pool). */
const ADMISSION_WAIT_MS = 10_000;

export class PoolWorker {
  readonly launcherId: string;
  readonly providerName: string;
  readonly poolName: string;
  private readonly shared: LauncherShared;
  private readonly handlers = new Map<string, RequestHandler>();
  private readonly handlerRuns = new Set<Promise<void>>();
  private readonly pausedHandlers = new Set<string>();
  private registration: ComponentRegistration<PoolComponent> | null = null;
  private stopped = false;
  /** Completed passes (tests wait on this rather than on the wall clock). */
  passes = 0;
  private readonly runtime: PoolRuntime;
  private readonly onRequestChange = (id: string, record: NodeRequest | undefined) => {
    if (!record) this.shared.explanations.forget(id);
    if (!record || record.state === 'requested') this.schedulePass();
  };

  constructor(shared: LauncherShared, providerName: string, poolName: string) {
    this.shared = shared;
    this.providerName = providerName;
    this.poolName = poolName;
    this.launcherId = makeLauncherId(shared.deps.hostname, providerName, poolName);
    const self = this;
    this.runtime = {
      deps: shared.deps, providerCtx: shared.providerContexts.get(providerName)!,
      launcherId: this.launcherId, providerName, poolName,
      config: () => self.config(),
      nodeCache: shared.nodeCache, requestCache: shared.requestCache,
      registeredPools: () => shared.directory.registeredPools(),
      quotaWake: shared.quotaWake, stopSignal: shared.stopSignal,
      explain: (requestId, reason) => shared.explanations.record(requestId, self.launcherId, providerName, poolName, reason),
      handlerPaused: (requestId, paused) => self.handlerPaused(requestId, paused),
      clearExplanations: (requestId) => {
        if (!shared.explanations.has(requestId)) return;
        shared.explanations.forget(requestId);
        shared.deps.store.deleteExplanations(requestId).catch(() => {});
      },
    };
  }

  private config() {
    const provider = this.shared.deps.getConfig().providers.find((p) => p.name === this.providerName);
    const pool = provider?.pools.find((p) => p.name === this.poolName);
    return provider && pool ? { provider, pool } : undefined;
  }

  private component(): PoolComponent {
    const cfg = this.config();
    return {
      kind: 'pool', hostname: this.shared.deps.hostname, model_api: 0, state: 'running', version: this.shared.version,
      id: this.launcherId, name: this.poolName, provider_name: this.providerName, paused: this.pausedHandlers.size > 0,
      priority: cfg ? cfg.pool.priority : 100,
      supported_labels: cfg ? cfg.pool.labels.map((l) => l.name) : [],
    };
  }

  async start(): Promise<void> {
    await this.prefetch();
    this.registration = await this.shared.deps.store.registerComponent(this.component(), this.shared.stopSignal);
    await this.shared.directory.refresh();
    this.shared.requestCache.on('changed', this.onRequestChange);
    this.schedulePass();
  }

  /** Config changed (labels, priority): refresh what the component says. */
  async reconfigured(): Promise<void> {
    await this.prefetch();
    const c = this.component();
    await this.registration?.update({ supported_labels: c.supported_labels, priority: c.priority });
    this.schedulePass();
  }

  /** After a session loss the ephemeral component znode is gone. */
  async reregister(): Promise<void> {
    await this.registration?.reregister();
    await this.registration?.update({ paused: this.pausedHandlers.size > 0 }).catch(() => {});
  }

  /** Label sizes and cloud limits, so decisions in a pass need no cloud calls. */
  private async prefetch(): Promise<void> {
    const cfg = this.config();
    if (!cfg) return;
    const ctx = this.runtime.providerCtx;
    await Promise.all(cfg.pool.labels.map((label) => ctx.labelResources(label)));
    await ctx.prepareQuota(cfg.pool);
  }

  /** Asks the launcher loop for a pools pass now (a request changed, a handler finished). */
  schedulePass(): void {
    if (!this.stopped) this.shared.wakePools();
  }

  /** This pool's part of the loop's pools pass; a failure is logged, never thrown. */
  async runPass(signal: AbortSignal): Promise<void> {
    try {
      await this.pass(signal);
    } catch (err) {
      if (!signal.aborted) this.shared.deps.logger.error({ pool: this.launcherId, err: String(err) }, 'pool pass failed');
    }
    this.passes++;
  }

  private handlerPaused(requestId: string, paused: boolean): void {
    const before = this.pausedHandlers.size > 0;
    if (paused) this.pausedHandlers.add(requestId); else this.pausedHandlers.delete(requestId);
    const after = this.pausedHandlers.size > 0;
    if (before !== after) {
      this.registration?.update({ paused: after }).catch((err) =>
        this.shared.deps.logger.warn({ pool: this.launcherId, err: String(err) }, 'cannot update paused flag'));
      if (!after) this.schedulePass();
    }
  }

  private view(): PoolView | null {
    const cfg = this.config();
    if (!cfg || cfg.provider.maxConcurrency === 0) return null;
    const ctx = this.runtime.providerCtx;
    const labelResources = new Map<string, Resources>();
    const unusable = new Set<string>();
    for (const label of cfg.pool.labels as PoolLabelConfig[]) {
      const r = ctx.labelResourcesCached(label);
      if (r instanceof Error) unusable.add(label.name); else if (r) labelResources.set(label.name, r);
    }
    const config = this.shared.deps.getConfig();
    const tenantUsage = new Map<string, Resources>();
    if (config.tenantResourceLimits.length > 0) {
      for (const node of this.shared.nodeCache.values()) {
        if (!node.tenant_name) continue;
        tenantUsage.set(node.tenant_name, addResources(tenantUsage.get(node.tenant_name) ?? {}, nodeResources(node)));
      }
    }
    let registeredPools = this.shared.directory.registeredPools();
    if (!registeredPools.some((p) => p.id === this.launcherId)) registeredPools = [...registeredPools, this.component()];
    const labelAvailability: Map<string, LabelAvailability> = this.shared.images.forPool(cfg.provider, cfg.pool, unusable);
    return {
      launcherId: this.launcherId, providerName: this.providerName, priority: cfg.pool.priority,
      supportedLabels: new Set(cfg.pool.labels.map((l) => l.name)), registeredPools,
      paused: this.pausedHandlers.size > 0, activeLaunches: ctx.activeLaunches, maxConcurrency: cfg.provider.maxConcurrency,
      tenantLimits: config.tenantResourceLimits, tenantUsage, active: new Set(this.handlers.keys()),
      pool: cfg.pool, labelAvailability, labelResources, cloudLimits: ctx.cachedCloudLimits(cfg.pool), unmanaged: ctx.cachedUnmanaged(cfg.pool),
      labelQuota: ctx.driver.labelQuota?.(cfg.pool, this.shared.nodeCache.values().filter((n) => n.provider === this.providerName)),
    };
  }

  identity(): PoolIdentity {
    return { hostname: this.shared.deps.hostname, provider: this.providerName, pool: this.poolName, launcherId: this.launcherId };
  }

  private async pass(signal: AbortSignal): Promise<void> {
    if (this.stopped || !this.shared.zkUsable()) return;
    await this.adoptOrphanedRequests();
    const requested = this.shared.requestCache.values().filter((r) => r.state === 'requested' && !r.declined_by.includes(this.launcherId));
    if (requested.length === 0) return;
    const base = this.view();
    if (!base) return;
    const labelQuota = base.labelQuota ? new Map(base.labelQuota) : undefined;
    for (const request of sortRequests(requested, base.supportedLabels)) {
      if (this.stopped || !this.shared.zkUsable()) return;
      const view: PoolView = { ...base, paused: this.pausedHandlers.size > 0, activeLaunches: this.runtime.providerCtx.activeLaunches,
        active: new Set(this.handlers.keys()), labelQuota };
      const action = decideRequestAction(request, view);
      if (action.kind === 'defer' && action.explanation) void this.runtime.explain(request.id, action.explanation);
      if (action.kind === 'decline') await declineRequest(this.shared, this.launcherId, request, action.reasons, (id, text) => this.runtime.explain(id, text));
      if (action.kind === 'accept' && await this.accept(request, view, signal) && labelQuota) {
        // Upstream decrements the label quota by the accepted request's nodes within the pass.
        for (const label of request.node_types) if (labelQuota.has(label)) labelQuota.set(label, labelQuota.get(label)! - 1);
      }
    }
  }

  /**
   * Requests an earlier pool worker of this host was serving when it died (kill -9, restart):
   * once its session is gone their lock is free, and each is taken over with the nodes it had,
   * whose launches resume from the server id their znodes record.
   */
  private async adoptOrphanedRequests(): Promise<void> {
    const { store, logger } = this.shared.deps;
    const orphans = orphanedRequests(this.shared.nodeCache.values(), this.shared.requestCache, this.identity());
    for (const [requestId, nodes] of orphans) {
      if (this.stopped || this.handlers.has(requestId)) continue;
      const lock = await store.lockRequest(requestId, { blocking: false });
      if (!lock) continue; // the dead session has not expired yet: next pass
      const adopted: HeldNode[] = [];
      try {
        const fresh = await store.getRequest(requestId);
        if (!fresh || fresh.state !== 'pending') { await lock.release().catch(() => {}); continue; }
        for (const candidate of nodes) {
          const nodeLock = await store.lockNode(candidate.id, { blocking: false });
          if (!nodeLock) continue;
          const node = await store.getNode(candidate.id);
          if (node && node.allocated_to === requestId && (node.state === 'building' || node.state === 'ready')) adopted.push({ node, lock: nodeLock });
          else await nodeLock.release().catch(() => {});
        }
        logger.info({ request: requestId, pool: this.launcherId, nodes: adopted.map((h) => [h.node.id, h.node.state, h.node.external_id]) },
          'adopting the request of a previous launcher on this host');
        this.startHandler(new RequestHandler(this.runtime, fresh, lock, adopted));
      } catch (err) {
        logger.warn({ request: requestId, err: String(err) }, 'cannot adopt an orphaned request; trying again next pass');
        for (const held of adopted) await held.lock.release().catch(() => {});
        await lock.release().catch(() => {});
      }
    }
  }


  /** True when a handler took the request. */
  private async accept(request: NodeRequest, view: PoolView, signal: AbortSignal): Promise<boolean> {
    const { store } = this.shared.deps;
    const lock = await store.lockRequest(request.id, { blocking: false });
    if (!lock) return false;
    let fresh: NodeRequest | null = null;
    try {
      fresh = await store.getRequest(request.id);
    } catch (err) {
      this.shared.deps.logger.warn({ request: request.id, err: String(err) }, 'cannot read locked request');
    }
    // Re-check under the lock: another launcher may have handled it since the cache saw it.
    if (!fresh || decideRequestAction(fresh, view).kind !== 'accept' || this.stopped) {
      await lock.release().catch(() => {});
      return false;
    }
    const handler = this.startHandler(new RequestHandler(this.runtime, fresh, lock));
    // One admission at a time: the next request is looked at only after this one reserved its
    // quota (or paused the pool), as upstream's single-threaded pool loop does.
    const bound = new AbortController();
    const onStop = () => bound.abort();
    signal.addEventListener('abort', onStop, { once: true });
    try {
      await Promise.race([handler.admitted, this.shared.deps.clock.sleep(ADMISSION_WAIT_MS, bound.signal).catch(() => {})]);
    } finally {
      bound.abort();
      signal.removeEventListener('abort', onStop);
    }
    return true;
  }

  private startHandler(handler: RequestHandler): RequestHandler {
    this.handlers.set(handler.id, handler);
    const run = handler.run().finally(() => {
      this.handlers.delete(handler.id);
      this.handlerRuns.delete(run);
      this.schedulePass();
    });
    this.handlerRuns.add(run);
    return handler;
  }

  get activeRequests(): number {
    return this.handlers.size;
  }

  /** Stop taking work; in-flight handlers see the launcher's stop signal and hand back. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.shared.requestCache.off('changed', this.onRequestChange);
    await Promise.allSettled([...this.handlerRuns]);
    await this.registration?.unregister().catch(() => {});
  }
}
