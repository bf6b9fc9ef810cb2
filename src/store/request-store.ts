// Requests: /nodepool/requests/<PPP>-<seq10>; their locks live apart, at
// /nodepool/requests-lock/<id>, so a lock outlives the request (cleaned after hours by the launcher).
import type { NodeRequest } from '../model/types.ts';
import { decodeRequest, encodeRequest } from '../model/request.ts';
import { uuidHex } from '../model/factories.ts';
import { CreateMode, type LockHandle, type LockOptions } from '../zk/types.ts';
import type { NewRequest } from './types.ts';
import { decodeOrSkip, type StoreContext } from './context.ts';
import type { UnreadableRecord } from './unreadable-records.ts';
import {
  REQUEST_LOCK_ROOT, REQUEST_ROOT, explanationsPath, lastSegment, requestLockPath, requestPath, requestSequencePrefix,
} from './paths.ts';
import { childrenOrEmpty, createWithParents, deleteIfExists, getDataOrNull, mapPipelined } from './zk-helpers.ts';

export class RequestStore {
  private readonly ctx: StoreContext;
  constructor(ctx: StoreContext) {
    this.ctx = ctx;
  }

  /** Nodepool's own requests are ephemeral (they die with the launcher); current Zuul's are persistent. */
  async submitRequest(fields: NewRequest, priority: string, ephemeral: boolean): Promise<NodeRequest> {
    const request: NodeRequest = { ...fields, id: '', event_id: fields.event_id ?? uuidHex() };
    const mode = ephemeral ? CreateMode.EPHEMERAL_SEQUENTIAL : CreateMode.PERSISTENT_SEQUENTIAL;
    const created = await createWithParents(this.ctx.client, requestSequencePrefix(priority), encodeRequest(request), mode);
    request.id = lastSegment(created.path);
    request.version = created.stat.version;
    return request;
  }

  async getRequest(id: string, sink?: UnreadableRecord[]): Promise<NodeRequest | null> {
    const path = requestPath(id);
    const found = await getDataOrNull(this.ctx.client, path);
    if (!found || found.data.length === 0) {
      this.ctx.unreadable.forget(path);
      return null;
    }
    const { data, stat } = found;
    return decodeOrSkip(this.ctx, { kind: 'request', path, data, version: stat.version },
      () => decodeRequest(id, data, { path, version: stat.version }), sink);
  }

  /** True when the request znode exists, readable or not (a decision must not treat an unreadable request as gone). */
  async requestExists(id: string): Promise<boolean> {
    return (await this.ctx.client.exists(requestPath(id))) !== null;
  }

  /** Sorted, which is upstream's priority order before relative_priority is applied. */
  async listRequestIds(): Promise<string[]> {
    return (await childrenOrEmpty(this.ctx.client, REQUEST_ROOT)).sort();
  }

  /** Readable requests; the unreadable ones are appended to `unreadable` when given. */
  async listRequests(unreadable?: UnreadableRecord[]): Promise<NodeRequest[]> {
    const ids = await this.listRequestIds();
    const sink: UnreadableRecord[] = [];
    const requests = await mapPipelined(ids, (id) => this.getRequest(id, sink));
    this.ctx.unreadable.reconcileDir(REQUEST_ROOT, new Set(sink.map((r) => r.path)));
    unreadable?.push(...sink);
    return requests.filter((request): request is NodeRequest => request !== null);
  }

  /** Versioned when request.version is known (BadVersionError on a race); NoNodeError if it is gone. */
  async storeRequest(request: NodeRequest): Promise<void> {
    const stat = await this.ctx.client.setData(requestPath(request.id), encodeRequest(request), request.version ?? -1);
    request.version = stat.version;
  }

  /** Removes the request and the explanations recorded for it. */
  async deleteRequest(id: string): Promise<void> {
    await deleteIfExists(this.ctx.client, requestPath(id));
    await this.ctx.client.deleteRecursive(explanationsPath(id));
  }

  async lockRequest(id: string, options?: LockOptions): Promise<LockHandle | null> {
    return this.ctx.lock(requestLockPath(id), options);
  }

  async listRequestLocks(): Promise<{ id: string; mtime: number }[]> {
    const ids = await childrenOrEmpty(this.ctx.client, REQUEST_LOCK_ROOT);
    const locks = await mapPipelined(ids, async (id) => {
      const dir = requestLockPath(id);
      const stat = await this.ctx.client.exists(dir);
      if (!stat) return null;
      // A live contender is newer than the directory; its ctime says the lock is still in use.
      const contenders = stat.numChildren > 0 ? await childrenOrEmpty(this.ctx.client, dir) : [];
      const stats = await Promise.all(contenders.map((name) => this.ctx.client.exists(`${dir}/${name}`)));
      const mtime = Math.max(stat.mtime, ...stats.map((s) => (s ? Math.max(s.mtime, s.ctime) : 0)));
      return { id, mtime };
    });
    return locks.filter((lock): lock is { id: string; mtime: number } => lock !== null);
  }

  /** Removes the lock dir (and the request's explanations, which have no other cleanup once it is gone). */
  async deleteRequestLock(id: string): Promise<void> {
    await this.ctx.client.deleteRecursive(requestLockPath(id));
    await this.ctx.client.deleteRecursive(explanationsPath(id));
  }
}
