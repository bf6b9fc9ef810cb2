// One static provider-pool: registers its pool component and, on each pass of the launcher's
// loop (poked by request and node changes), serves requested requests from the pool's free
// READY nodes (nothing is ever launched). A request that fits but finds no free node is handed
// back unlocked, still `requested`, with the reason recorded for `nodepool why`.
import type { Node, NodeRequest, PoolComponent } from '../../model/types.ts';
import type { ComponentRegistration } from '../../store/types.ts';
import { staticHostKey, type StaticPoolConfig, type StaticProviderConfig } from '../../config/static-model.ts';
import { NoNodeError } from '../../zk/errors.ts';
import type { LockHandle } from '../../zk/types.ts';
import type { LauncherShared } from '../launcher-shared.ts';
import { makeLauncherId } from '../launcher-id.ts';
import { sortRequests } from '../request-order.ts';
import { declineRequest } from '../decline-request.ts';
import { decideStaticRequest, pickFreeNodes, type StaticPoolView } from './static-request-decision.ts';

export class StaticPoolWorker {
  readonly launcherId: string;
  readonly providerName: string;
  readonly poolName: string;
  private readonly shared: LauncherShared;
  /** Why a host with a free slot is out (from the provider's sync), for explanations. */
  private readonly unavailableHosts: () => ReadonlyMap<string, string>;
  private registration: ComponentRegistration<PoolComponent> | null = null;
  private stopped = false;

  constructor(shared: LauncherShared, providerName: string, poolName: string, unavailableHosts: () => ReadonlyMap<string, string>) {
    this.shared = shared;
    this.providerName = providerName;
    this.poolName = poolName;
    this.unavailableHosts = unavailableHosts;
    this.launcherId = makeLauncherId(shared.deps.hostname, providerName, poolName);
  }

  private config(): { provider: StaticProviderConfig; pool: StaticPoolConfig } | undefined {
    const provider = this.shared.deps.getConfig().staticProviders.find((p) => p.name === this.providerName);
    const pool = provider?.pools.find((p) => p.name === this.poolName);
    return provider && pool ? { provider, pool } : undefined;
  }

  private component(): PoolComponent {
    const cfg = this.config();
    return {
      kind: 'pool', hostname: this.shared.deps.hostname, model_api: 0, state: 'running', version: this.shared.version,
      id: this.launcherId, name: this.poolName, provider_name: this.providerName, paused: false,
      priority: cfg ? cfg.pool.priority : 100, supported_labels: cfg ? [...cfg.pool.labels] : [],
    };
  }

  async start(): Promise<void> {
    this.registration = await this.shared.deps.store.registerComponent(this.component(), this.shared.stopSignal);
    await this.shared.directory.refresh();
  }

  async reconfigured(): Promise<void> {
    const c = this.component();
    await this.registration?.update({ supported_labels: c.supported_labels, priority: c.priority });
  }

  async reregister(): Promise<void> {
    await this.registration?.reregister();
  }

  private view(cfg: { provider: StaticProviderConfig; pool: StaticPoolConfig }): StaticPoolView {
    let registeredPools = this.shared.directory.registeredPools();
    if (!registeredPools.some((p) => p.id === this.launcherId)) registeredPools = [...registeredPools, this.component()];
    return {
      launcherId: this.launcherId, providerName: this.providerName, priority: cfg.pool.priority,
      supportedLabels: new Set(cfg.pool.labels), registeredPools, maxConcurrency: cfg.provider.maxConcurrency,
      active: new Set(), staticPool: cfg.pool,
    };
  }

  /** One pass over the requested requests (the launcher loop's static-pools pass). */
  async runPass(signal: AbortSignal): Promise<void> {
    if (this.stopped || signal.aborted || !this.shared.zkUsable()) return;
    const cfg = this.config();
    if (!cfg || cfg.provider.maxConcurrency === 0) return;
    const requested = this.shared.requestCache.values().filter((r) => r.state === 'requested' && !r.declined_by.includes(this.launcherId));
    if (requested.length === 0) return;
    const view = this.view(cfg);
    for (const request of sortRequests(requested, view.supportedLabels)) {
      if (this.stopped || signal.aborted || !this.shared.zkUsable()) return;
      const action = decideStaticRequest(request, view);
      if (action.kind === 'defer' && action.explanation) void this.explain(request.id, action.explanation);
      if (action.kind === 'decline') await declineRequest(this.shared, this.launcherId, request, action.reasons, (id, text) => this.explain(id, text));
      if (action.kind === 'accept') await this.serve(request, view);
    }
  }

  private explain(requestId: string, reason: string): Promise<void> {
    return this.shared.explanations.record(requestId, this.launcherId, this.providerName, this.poolName, reason);
  }


  private freeNodes(): Node[] {
    return this.shared.nodeCache.values().filter((n) =>
      n.provider === this.providerName && n.pool === this.poolName && n.state === 'ready' && n.allocated_to === null)
      .sort((a, b) => a.state_time - b.state_time);
  }

  private async serve(request: NodeRequest, view: StaticPoolView): Promise<void> {
    const { store, clock, logger } = this.shared.deps;
    const free = pickFreeNodes(request, this.freeNodes());
    if (!free.ok) { await this.explainWaiting(request.id, free.missing); return; }
    const lock = await store.lockRequest(request.id, { blocking: false });
    if (!lock) return;
    const held: { node: Node; lock: LockHandle }[] = [];
    try {
      const fresh = await store.getRequest(request.id);
      if (!fresh || decideStaticRequest(fresh, view).kind !== 'accept') return;
      for (const candidate of free.nodes) {
        const got = await this.allocate(candidate, fresh);
        if (!got) { await this.explainWaiting(request.id, fresh.node_types[held.length]); return; }
        held.push(got);
      }
      fresh.nodes = held.map((h) => h.node.id);
      fresh.state = 'fulfilled';
      fresh.state_time = clock.now() / 1000;
      try {
        await store.storeRequest(fresh);
      } catch (err) {
        if (!(err instanceof NoNodeError)) throw err;
        logger.info({ request: request.id }, 'request was deleted before it was fulfilled; nodes returned unallocated');
        return;
      }
      const served = held.splice(0);
      await Promise.all(served.map((h) => h.lock.release().catch(() => {})));
      logger.info({ request: request.id, pool: this.launcherId, nodes: fresh.nodes }, 'request fulfilled from static nodes');
      if (this.shared.explanations.has(request.id)) {
        this.shared.explanations.forget(request.id);
        store.deleteExplanations(request.id).catch(() => {});
      }
    } finally {
      // Anything still held was not handed out: unallocate it so it is free again.
      for (const h of held) await this.unallocate(h);
      await lock.release().catch(() => {});
    }
  }

  /** Lock a free node and allocate it to the request; null when it was taken meanwhile. */
  private async allocate(candidate: Node, request: NodeRequest): Promise<{ node: Node; lock: LockHandle } | null> {
    const { store } = this.shared.deps;
    const lock = await store.lockNode(candidate.id, { blocking: false });
    if (!lock) return null;
    try {
      const fresh = await store.getNode(candidate.id);
      if (!fresh || fresh.state !== 'ready' || fresh.allocated_to !== null) { await lock.release(); return null; }
      fresh.allocated_to = request.id;
      fresh.tenant_name = request.tenant_name;
      fresh.requestor = request.requestor;
      await store.storeNode(fresh);
      return { node: fresh, lock };
    } catch (err) {
      this.shared.deps.logger.warn({ node: candidate.id, request: request.id, err: String(err) }, 'could not allocate static node');
      await lock.release().catch(() => {});
      return null;
    }
  }

  private async unallocate(h: { node: Node; lock: LockHandle }): Promise<void> {
    try {
      const fresh = await this.shared.deps.store.getNode(h.node.id);
      if (fresh && fresh.state === 'ready' && fresh.allocated_to !== null) {
        fresh.allocated_to = null;
        await this.shared.deps.store.storeNode(fresh);
      }
    } catch (err) {
      this.shared.deps.logger.warn({ node: h.node.id, err: String(err) }, 'could not clear static node allocation');
    } finally {
      await h.lock.release().catch(() => {});
    }
  }

  private explainWaiting(requestId: string, label: string): Promise<void> {
    const cfg = this.config();
    const down = cfg?.pool.nodes.filter((h) => h.labels.includes(label))
      .map((h) => this.unavailableHosts().get(staticHostKey({ hostname: h.name, username: h.username, port: h.connectionPort })))
      .filter((r): r is string => r !== undefined) ?? [];
    const why = down.length > 0 ? `; unavailable: ${down.join('; ')}` : '';
    return this.explain(requestId, `deferred: no free static node for label ${label} (its hosts are all in use or unavailable${why})`);
  }

  get activeRequests(): number {
    return 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.registration?.unregister().catch(() => {});
  }
}
