// Zuul's side of the protocol for the benchmark: on "fulfilled", lock the nodes, delete the
// request, mark the nodes in-use then used, unlock. Records when each step happened.
import type { Store } from '../../src/store/types.ts';
import type { NodeRequest } from '../../src/model/types.ts';

export interface RequestTiming {
  id: string;
  size: number;
  submittedAt: number;
  fulfilledAt?: number;
  /** Wall-clock (epoch ms) breakdown: submitted, seen pending, node created, node ready, request fulfilled (record time). */
  wall?: { submitted: number; pending?: number; created?: number; ready?: number; fulfilled?: number };
  returnedAt?: number;
  failed?: boolean;
}

export class ZuulPlayer {
  readonly timings = new Map<string, RequestTiming>();
  /** Per node, from the launcher's own timestamps: READY state_time minus created_time (ms). */
  readonly nodeLaunchMs: number[] = [];
  private readonly store: Store;
  private readonly handled = new Set<string>();
  private readonly work = new Set<Promise<void>>();
  private onDone: (() => void) | null = null;
  errors: string[] = [];

  constructor(store: Store) {
    this.store = store;
  }

  async start(): Promise<void> {
    const cache = this.store.requestCache();
    await cache.ready;
    cache.on('changed', (id, r) => { if (r) this.seen(r); });
  }

  async submit(labels: string[], nowMs: number, make: (labels: string[]) => Parameters<Store['submitRequest']>[0]): Promise<string> {
    const r = await this.store.submitRequest(make(labels), '200', false);
    this.timings.set(r.id, { id: r.id, size: labels.length, submittedAt: nowMs, wall: { submitted: (r.created_time ?? 0) * 1000 } });
    return r.id;
  }

  /** Resolves once every submitted request was fulfilled (or failed) and its nodes returned. */
  allDone(): Promise<void> {
    return new Promise((resolve) => {
      this.onDone = resolve;
      this.checkDone();
    });
  }

  private checkDone(): void {
    if (!this.onDone) return;
    for (const t of this.timings.values()) if (t.returnedAt === undefined && !t.failed) return;
    this.onDone();
    this.onDone = null;
  }

  private seen(r: NodeRequest): void {
    const t = this.timings.get(r.id);
    if (!t || this.handled.has(r.id)) return;
    if (r.state === 'pending' && t.wall && t.wall.pending === undefined) t.wall.pending = r.state_time * 1000;
    if (r.state === 'failed') {
      this.handled.add(r.id);
      t.failed = true;
      this.checkDone();
      return;
    }
    if (r.state !== 'fulfilled') return;
    this.handled.add(r.id);
    t.fulfilledAt = performance.now();
    const p = this.useAndReturn(r, t).catch((err) => { this.errors.push(`${r.id}: ${String(err)}`); t.failed = true; })
      .finally(() => { this.work.delete(p); this.checkDone(); });
    this.work.add(p);
  }

  private async useAndReturn(r: NodeRequest, t: RequestTiming): Promise<void> {
    const locks = [];
    for (const id of r.nodes) {
      const lock = await this.store.lockNode(id, { blocking: true, timeoutMs: 30_000 });
      if (!lock) throw new Error(`cannot lock ${id}`);
      locks.push(lock);
    }
    await this.store.deleteRequest(r.id);
    const nodes = await Promise.all(r.nodes.map((id) => this.store.getNode(id)));
    for (const node of nodes) {
      if (!node || node.allocated_to !== r.id) throw new Error(`node ${node?.id} not allocated to ${r.id}`);
      if (node.created_time !== null) this.nodeLaunchMs.push((node.state_time - node.created_time) * 1000);
      if (t.wall && node.created_time !== null) {
        t.wall.created = Math.max(t.wall.created ?? 0, node.created_time * 1000);
        t.wall.ready = Math.max(t.wall.ready ?? 0, node.state_time * 1000);
        t.wall.fulfilled = r.state_time * 1000;
      }
      node.state = 'in-use';
      node.state_time = Date.now() / 1000;
      node.user_data = { zuul_system: 'bench', project_name: 'bench/project' };
      await this.store.storeNode(node);
    }
    for (const node of nodes) {
      node!.state = 'used';
      node!.state_time = Date.now() / 1000;
      await this.store.storeNode(node!);
    }
    await Promise.all(locks.map((l) => l.release()));
    t.returnedAt = performance.now();
  }
}
