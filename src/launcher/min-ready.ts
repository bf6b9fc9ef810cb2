// min-ready, as upstream's createMinReady: keep `min-ready` READY unallocated nodes per label by
// submitting one-node requests (priority 900, reuse false, ephemeral), and hand fulfilled ones
// back to the pool.
import type { NodeRequest } from '../model/types.ts';
import { newRequest } from '../model/factories.ts';
import type { LauncherShared } from './launcher-shared.ts';
import { MIN_READY_PRIORITY, MIN_READY_REQUESTOR } from './launcher-id.ts';
import { decideMinReady } from './min-ready-decision.ts';


export class MinReadyWorker {
  private readonly shared: LauncherShared;
  /** Requests this launcher submitted (its session owns them). */
  private readonly own = new Map<string, NodeRequest>();
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(shared: LauncherShared) {
    this.shared = shared;
  }

  runOnce(): Promise<void> {
    this.running ??= this.pass()
      .catch((err) => this.shared.deps.logger.warn({ err: String(err) }, 'min-ready pass failed'))
      .finally(() => { this.running = null; });
    return this.running;
  }

  private async pass(): Promise<void> {
    if (this.stopped || !this.shared.zkUsable()) return;
    await this.removeCompletedRequests();
    const { store } = this.shared.deps;
    const config = this.shared.deps.getConfig();
    if (!config.labels.some((l) => l.minReady > 0)) return;
    // One launcher decides at a time, so two never both see "1 missing" and both submit.
    const lock = await this.lockDecision();
    if (!lock) return;
    try {
      const requests = await this.currentMinReadyRequests();
      const plan = decideMinReady(config.labels, this.shared.nodeCache.values(), requests,
        (label) => this.shared.images.labelIsAvailable(config, label));
      for (const [label, count] of plan) {
        for (let i = 0; i < count && !this.stopped; i++) {
          const submitted = await store.submitRequest(
            newRequest({ requestor: MIN_READY_REQUESTOR, node_types: [label], reuse: false }, this.shared.deps.clock.now()),
            MIN_READY_PRIORITY, true);
          this.own.set(submitted.id, submitted);
          this.shared.deps.logger.info({ request: submitted.id, label }, 'submitted min-ready request');
        }
      }
    } finally {
      await lock?.release().catch(() => {});
    }
  }

  /** The store's min-ready lock when it has one; otherwise a request lock under a name no real
   *  request can have (ids are "<PPP>-<seq10>"), which Zuul never looks at. */
  private lockDecision() {
    const { store } = this.shared.deps;
    return store.lockMinReady({ blocking: false });
  }

  /** Every min-ready request in ZooKeeper, including ones the cache has not delivered yet. */
  private async currentMinReadyRequests(): Promise<NodeRequest[]> {
    const { store } = this.shared.deps;
    const byId = new Map<string, NodeRequest>();
    for (const r of this.shared.requestCache.values()) if (r.requestor === MIN_READY_REQUESTOR) byId.set(r.id, r);
    const ids = await store.listRequestIds();
    const present = new Set(ids);
    for (const id of ids) {
      if (!id.startsWith(`${MIN_READY_PRIORITY}-`) || byId.has(id)) continue;
      const r = await store.getRequest(id);
      if (r && r.requestor === MIN_READY_REQUESTOR) byId.set(id, r);
    }
    for (const [id, r] of this.own) if (!byId.has(id) && present.has(id)) byId.set(id, r);
    return [...byId.values()];
  }

  /** Own fulfilled requests: unallocate their nodes (they stay READY for anyone) and delete them. */
  private async removeCompletedRequests(): Promise<void> {
    const { store, logger } = this.shared.deps;
    for (const id of [...this.own.keys()]) {
      const request = this.shared.requestCache.get(id) ?? (await store.getRequest(id));
      if (!request) {
        // Unreadable is not gone: forgetting it would submit a second request for the label.
        if (!(await store.requestExists(id))) this.own.delete(id);
        continue;
      }
      if (request.state !== 'fulfilled' && request.state !== 'failed') continue;
      try {
        if (request.state === 'fulfilled') {
          for (const nodeId of request.nodes) {
            const node = await store.getNode(nodeId);
            if (!node || node.allocated_to !== id) continue;
            node.allocated_to = null;
            await store.storeNode(node);
          }
        }
        await store.deleteRequest(id);
        this.own.delete(id);
      } catch (err) {
        logger.warn({ request: id, err: String(err) }, 'cannot complete min-ready request');
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }
}
