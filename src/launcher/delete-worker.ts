// Upstream's DeletedNodeWorker: every delete-interval (the loop's deletes pass), and at once when
// a node turns used/failed/aborted/deleting, delete unlocked nodes in deletable states and
// unallocate READY nodes whose request vanished. One bad node never stops the sweep; failures
// are retried next pass.
import type { Node } from '../model/types.ts';
import type { LockHandle } from '../zk/types.ts';
import type { LauncherShared } from './launcher-shared.ts';
import { decideNodeCleanup, EAGER_DELETE_STATES } from './node-cleanup-decision.ts';
import { deleteLockedNode } from './node-deleter.ts';
import { resumableHere } from './resume-decision.ts';

/** How long an event-driven delete waits for the current holder (Zuul) to unlock. */
const EAGER_LOCK_WAIT_MS = 10_000;
const MAX_CONCURRENT_DELETES = 64;

export class DeleteWorker {
  private readonly shared: LauncherShared;
  private readonly inFlight = new Set<string>();
  private readonly queue: { id: string; lock: LockHandle }[] = [];
  private running = 0;
  private sweeping: Promise<void> | null = null;
  private stopped = false;
  private readonly settled = new Set<Promise<void>>();
  private readonly onNodeChange = (id: string, node: Node | undefined) => {
    if (node && EAGER_DELETE_STATES.has(node.state)) this.eager(id, node);
  };

  constructor(shared: LauncherShared) {
    this.shared = shared;
  }

  /** Listens for nodes turning deletable; the periodic sweep is the launcher loop's deletes pass. */
  start(): void {
    this.shared.nodeCache.on('changed', this.onNodeChange);
  }

  /** One full pass over the node cache. */
  sweep(): Promise<void> {
    this.sweeping ??= this.doSweep().finally(() => { this.sweeping = null; });
    return this.sweeping;
  }

  private async doSweep(): Promise<void> {
    if (this.stopped || !this.shared.zkUsable()) return;
    const config = this.shared.deps.getConfig();
    const providers = new Set(config.providers.map((p) => p.name));
    for (const node of this.shared.nodeCache.values()) {
      if (this.stopped) return;
      if (this.inFlight.has(node.id)) continue;
      const requestExists = node.allocated_to ? this.shared.requestCache.get(node.allocated_to) !== undefined : true;
      const resumable = resumableHere(node, this.shared.poolIdentities(), this.shared.requestCache);
      const action = decideNodeCleanup(node, { providerConfigured: providers.has(node.provider ?? ''), requestExists, resumableHere: resumable });
      try {
        if (action === 'deallocate') await this.deallocate(node);
        if (action === 'delete') {
          const lock = await this.shared.deps.store.lockNode(node.id, { blocking: false });
          if (lock) this.enqueue(node.id, lock);
        }
      } catch (err) {
        this.shared.deps.logger.warn({ node: node.id, err: String(err) }, 'delete worker: node skipped this pass');
      }
    }
  }

  private eager(id: string, node: Node): void {
    if (this.stopped || this.inFlight.has(id) || !this.shared.zkUsable()) return;
    if (!node.provider || !this.shared.deps.drivers.has(node.provider)) return;
    this.inFlight.add(id);
    const work = (async () => {
      let lock: LockHandle | null = null;
      try {
        lock = await this.shared.deps.store.lockNode(id, { blocking: true, timeoutMs: EAGER_LOCK_WAIT_MS, signal: this.shared.stopSignal });
      } catch {
        lock = null; // timed out, node gone, or stopping: the periodic sweep looks again
      }
      this.inFlight.delete(id);
      if (lock) this.enqueue(id, lock);
    })();
    this.track(work);
  }

  private enqueue(id: string, lock: LockHandle): void {
    if (this.inFlight.has(id)) { void lock.release().catch(() => {}); return; }
    this.inFlight.add(id);
    this.queue.push({ id, lock });
    this.pump();
  }

  private pump(): void {
    while (this.running < MAX_CONCURRENT_DELETES && this.queue.length > 0) {
      const { id, lock } = this.queue.shift()!;
      this.running++;
      this.track((async () => {
        try {
          await deleteLockedNode(this.shared.deps, id, lock, this.shared.stopSignal);
        } catch (err) {
          if (!this.stopped) this.shared.deps.logger.warn({ node: id, err: String(err) }, 'node delete failed; will retry');
        } finally {
          await lock.release().catch(() => {});
          this.inFlight.delete(id);
          this.running--;
          this.pump();
        }
      })());
    }
  }

  private track(p: Promise<void>): void {
    this.settled.add(p);
    void p.finally(() => this.settled.delete(p));
  }

  private async deallocate(node: Node): Promise<void> {
    const { store } = this.shared.deps;
    // The cache may lag behind a brand-new request, and it leaves out requests it cannot read:
    // ask ZooKeeper whether the znode exists (readable or not) before unallocating.
    if (await store.requestExists(node.allocated_to!)) return;
    const lock = await store.lockNode(node.id, { blocking: false });
    if (!lock) return;
    try {
      const fresh = await store.getNode(node.id);
      if (!fresh || fresh.state !== 'ready' || !fresh.allocated_to) return;
      if (await store.requestExists(fresh.allocated_to)) return;
      fresh.allocated_to = null;
      await store.storeNode(fresh);
      this.shared.deps.logger.info({ node: node.id }, 'unallocated ready node of a vanished request');
    } finally {
      await lock.release().catch(() => {});
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.shared.nodeCache.off('changed', this.onNodeChange);
    for (const { lock } of this.queue.splice(0)) await lock.release().catch(() => {});
    await Promise.allSettled([...this.settled]);
  }
}
