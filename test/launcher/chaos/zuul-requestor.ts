// A Zuul-like requestor (as zuul's nodepool.py) that survives ZooKeeper outages the way Zuul does:
// every call is retried on connection loss. It keeps a ledger of what it saw, through watches
// (record caches) and its own accepts, so the test can prove no node went to two requests.
import { randomUUID } from 'node:crypto';
import { newRequest } from '../../../src/model/factories.ts';
import type { Node, NodeRequest } from '../../../src/model/types.ts';
import type { RecordCache } from '../../../src/store/types.ts';
import type { ZkStore } from '../../../src/store/zk-store.ts';
import { ConnectionLossError, OperationTimeoutError } from '../../../src/zk/errors.ts';

export const REQUESTOR = 'zuul-chaos';

export interface RequestOutcome {
  id: string;
  labels: string[];
  state: 'fulfilled' | 'failed';
  nodes: string[];
}

/** Retries on ZooKeeper connection loss / timeouts (a frozen server), like Zuul's retrying calls. */
export async function withZkRetry<T>(fn: () => Promise<T>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      const transient = err instanceof ConnectionLossError || err instanceof OperationTimeoutError;
      if (!transient || Date.now() > deadline) throw new Error(`${what}: ${String(err)}`, { cause: err });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export class ZuulRequestor {
  private readonly store: ZkStore;
  private readonly requests: RecordCache<NodeRequest>;
  private readonly nodes: RecordCache<Node>;
  /** Every non-null allocated_to each node was seen with (watch events). */
  readonly allocationsSeen = new Map<string, Set<string>>();
  /** Node id -> the request of ours it was handed to (fulfilled and accepted). */
  readonly handedTo = new Map<string, string>();
  /** Problems seen while the run was going; the test asserts this stays empty. */
  readonly violations: string[] = [];
  /** Node ids we put in-use: they must never be seen READY again. */
  private readonly used = new Set<string>();

  constructor(store: ZkStore) {
    this.store = store;
    this.requests = store.requestCache();
    this.nodes = store.nodeCache();
    this.nodes.on('changed', (id, node) => {
      if (!node) return;
      if (node.allocated_to) {
        const seen = this.allocationsSeen.get(id) ?? new Set<string>();
        seen.add(node.allocated_to);
        this.allocationsSeen.set(id, seen);
      }
      if (this.used.has(id) && node.state === 'ready') this.violations.push(`node ${id} was READY again after we used it`);
      // Once handed to a request, a node may lose its allocation (request gone) but never get another one.
      const owner = this.handedTo.get(id);
      if (owner && node.allocated_to && node.allocated_to !== owner) {
        this.violations.push(`node ${id} of ${owner} was allocated to ${node.allocated_to}`);
      }
    });
  }

  async ready(): Promise<void> {
    await Promise.all([this.requests.ready, this.nodes.ready]);
  }

  /** Submits a persistent request at priority 200; idempotent across connection loss via event_id. */
  async submit(labels: string[]): Promise<string> {
    const eventId = randomUUID().replaceAll('-', '');
    const fields = newRequest({ node_types: labels, requestor: REQUESTOR, event_id: eventId, tenant_name: 'chaos' }, Date.now());
    return withZkRetry(async () => {
      const existing = (await this.store.listRequests()).find((r) => r.event_id === eventId);
      if (existing) return existing.id;
      return (await this.store.submitRequest(fields, '200', false)).id;
    }, 'submit request');
  }

  /** Waits (on the request watch) until the request is fulfilled or failed. */
  async waitDone(id: string, timeoutMs: number): Promise<NodeRequest> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const cached = this.requests.get(id);
      if (cached && (cached.state === 'fulfilled' || cached.state === 'failed')) {
        // The cache may be a step behind; read the authoritative copy.
        const fresh = await withZkRetry(() => this.store.getRequest(id), 'get request');
        if (fresh && (fresh.state === 'fulfilled' || fresh.state === 'failed')) return fresh;
      }
      if (Date.now() > deadline) {
        const fresh = await withZkRetry(() => this.store.getRequest(id), 'get request');
        throw new Error(`request ${id} not done after ${timeoutMs} ms: ${JSON.stringify(fresh)}`);
      }
      await this.changeOf(id, 1000);
    }
  }

  /** Resolves on the next watch event for the request (or after maxMs, as a safety net). */
  private changeOf(id: string, maxMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => { clearTimeout(timer); this.requests.off('changed', listener); resolve(); };
      const listener = (changed: string) => { if (changed === id) done(); };
      const timer = setTimeout(done, maxMs);
      this.requests.on('changed', listener);
    });
  }

  /** One whole job: submit, wait, accept, use, return. */
  async runJob(labels: string[], jobMs: number, timeoutMs: number): Promise<RequestOutcome> {
    const id = await this.submit(labels);
    const done = await this.waitDone(id, timeoutMs);
    if (done.state === 'failed') {
      await withZkRetry(() => this.store.deleteRequest(id), 'delete failed request');
      return { id, labels, state: 'failed', nodes: [] };
    }
    if (done.nodes.length !== labels.length) this.violations.push(`request ${id} fulfilled with ${done.nodes.length} nodes for ${labels.length} labels`);
    const accepted = await this.accept(done);
    await withZkRetry(() => this.store.deleteRequest(id), 'delete request');
    for (const { node } of accepted) {
      Object.assign(node, { state: 'in-use', state_time: Date.now() / 1000, user_data: { zuul_system: REQUESTOR, project_name: 'org/chaos' } });
      node.extra = { ...node.extra, id: node.id };
      this.used.add(node.id);
      await withZkRetry(() => this.store.storeNode(node), 'store in-use');
    }
    await new Promise((r) => setTimeout(r, jobMs));
    for (const { node, lock } of accepted) {
      Object.assign(node, { state: 'used', state_time: Date.now() / 1000 });
      await withZkRetry(() => this.store.storeNode(node), 'store used');
      await withZkRetry(() => lock.release(), 'unlock node');
    }
    return { id, labels, state: 'fulfilled', nodes: done.nodes };
  }

  /** Zuul's acceptNodes: read, assert allocation, lock, re-assert; records who got which node. */
  private async accept(request: NodeRequest) {
    const accepted = [];
    for (const nodeId of request.nodes) {
      const previous = this.handedTo.get(nodeId);
      if (previous) this.violations.push(`node ${nodeId} handed to ${previous} and to ${request.id}`);
      this.handedTo.set(nodeId, request.id);
      const before = await withZkRetry(() => this.store.getNode(nodeId), 'get node');
      if (before?.allocated_to !== request.id) {
        this.violations.push(`node ${nodeId} of fulfilled ${request.id} is allocated to ${before?.allocated_to ?? '(node gone)'}`);
        continue;
      }
      const lock = await withZkRetry(() => this.store.lockNode(nodeId, { blocking: true, timeoutMs: 30_000 }), 'lock node');
      if (!lock) { this.violations.push(`cannot lock node ${nodeId} of ${request.id}`); continue; }
      const node = await withZkRetry(() => this.store.getNode(nodeId), 'get node');
      if (!node || node.allocated_to !== request.id || node.state !== 'ready') {
        this.violations.push(`node ${nodeId} changed under our lock: ${JSON.stringify(node && { state: node.state, allocated_to: node.allocated_to })}`);
        await lock.release().catch(() => undefined);
        continue;
      }
      accepted.push({ node, lock });
    }
    return accepted;
  }

  async close(): Promise<void> {
    await this.requests.close();
    await this.nodes.close();
  }
}
