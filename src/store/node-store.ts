// Nodes: /nodepool/nodes/<seq10> (persistent sequential) and their kazoo locks at <id>/lock.
import type { Node } from '../model/types.ts';
import { decodeNode, encodeNode } from '../model/node.ts';
import { CreateMode, type LockHandle, type LockOptions, type ReadResult } from '../zk/types.ts';
import { NoNodeError, NotEmptyError } from '../zk/errors.ts';
import { childrenOrNone, dataOrNull, readEach } from './bulk-read.ts';
import { lockBelowExisting } from './locking.ts';
import type { NewNode } from './types.ts';
import { decodeOrSkip, type StoreContext } from './context.ts';
import type { UnreadableRecord } from './unreadable-records.ts';
import { NODE_ROOT, NODE_SEQUENCE_PREFIX, lastSegment, nodeLockPath, nodePath } from './paths.ts';
import { childrenOrEmpty, createWithParents, deleteIfExists, getDataOrNull, mapPipelined } from './zk-helpers.ts';

/** Lock contenders are `<uuidhex>__lock__<seq10>`; the holder has the lowest suffix. */
const CONTENDER = /__lock__(\d{10})$/;

export class NodeStore {
  private readonly ctx: StoreContext;
  constructor(ctx: StoreContext) {
    this.ctx = ctx;
  }

  async createNode(fields: NewNode): Promise<Node> {
    // Upstream stamps created_time with the creation state_time, whatever the caller set.
    const stateTime = fields.state_time || this.ctx.clock.now() / 1000;
    const node: Node = { ...fields, id: '', state_time: stateTime, created_time: stateTime, extra: { ...fields.extra } };
    const created = await createWithParents(
      this.ctx.client, NODE_SEQUENCE_PREFIX, encodeNode(node), CreateMode.PERSISTENT_SEQUENTIAL,
    );
    node.id = lastSegment(created.path);
    node.version = created.stat.version;
    return node;
  }

  /** null when missing, empty (upstream's "node without data") or undecodable (logged). */
  async getNode(id: string): Promise<Node | null> {
    const path = nodePath(id);
    const found = await getDataOrNull(this.ctx.client, path);
    if (!found || found.data.length === 0) {
      this.ctx.unreadable.forget(path);
      return null;
    }
    return this.decode(id, path, found.data, found.stat.version);
  }

  private decode(id: string, path: string, data: Buffer, version: number, sink?: UnreadableRecord[]): Node | null {
    return decodeOrSkip(this.ctx, { kind: 'node', path, data, version },
      () => decodeNode(id, data, { path, version }), sink);
  }

  /** True only for a node znode that exists with no data at all (undecodable data is not empty). */
  async isNodeEmpty(id: string): Promise<boolean> {
    const found = await getDataOrNull(this.ctx.client, nodePath(id));
    return found !== null && found.data.length === 0;
  }

  async listNodeIds(): Promise<string[]> {
    return (await childrenOrEmpty(this.ctx.client, NODE_ROOT)).sort();
  }

  /** Readable nodes; the unreadable ones are appended to `unreadable` when given. */
  async listNodes(unreadable?: UnreadableRecord[]): Promise<Node[]> {
    const ids = await this.listNodeIds();
    const sink: UnreadableRecord[] = [];
    const nodes = await readEach(this.ctx.client, ids, (id) => [{ op: 'getData', path: nodePath(id) }],
      (id, results, at) => this.nodeFromRead(id, results[at], sink));
    this.ctx.unreadable.reconcileDir(NODE_ROOT, new Set(sink.map((r) => r.path)));
    unreadable?.push(...sink);
    return nodes.filter((node): node is Node => node !== null);
  }

  /** Every readable node with its lock state, both read in one bulk pass (CLI/web listings).
   *  Locked = the lock dir has a child, as nodeIsLocked says. */
  async listNodesWithLockState(unreadable?: { record: UnreadableRecord; locked: boolean }[]): Promise<{ node: Node; locked: boolean }[]> {
    const ids = await this.listNodeIds();
    const sink: UnreadableRecord[] = [];
    const rows = await readEach(
      this.ctx.client, ids,
      (id) => [{ op: 'getData', path: nodePath(id) }, { op: 'getChildren', path: nodeLockPath(id) }],
      (id, results, at) => {
        const before = sink.length;
        const node = this.nodeFromRead(id, results[at], sink);
        const locked = childrenOrNone(results[at + 1]).length > 0;
        if (sink.length > before) unreadable?.push({ record: sink[sink.length - 1], locked });
        return node ? { node, locked } : null;
      },
    );
    this.ctx.unreadable.reconcileDir(NODE_ROOT, new Set(sink.map((r) => r.path)));
    return rows.filter((row): row is { node: Node; locked: boolean } => row !== null);
  }

  /** getNode's rules on a bulk read's result: missing, empty or undecodable is null. */
  private nodeFromRead(id: string, result: ReadResult, sink: UnreadableRecord[]): Node | null {
    const found = dataOrNull(result);
    if (!found || found.data.length === 0) return null;
    return this.decode(id, nodePath(id), found.data, found.stat.version, sink);
  }

  /** Unversioned set, as upstream and Zuul write nodes; node.version follows the new stat. */
  async storeNode(node: Node): Promise<void> {
    const stat = await this.ctx.client.setData(nodePath(node.id), encodeNode(node), -1);
    node.version = stat.version;
  }

  /**
   * State `deleted` first, so a lock holder racing the removal sees why it disappears. With our
   * held lock the record, lock dir and contender go in one multi; anything else below the record
   * (other contenders) makes that fail, and the whole tree then goes in one multi.
   */
  async deleteNode(node: Node, lock?: LockHandle): Promise<void> {
    node.state = 'deleted';
    node.state_time = this.ctx.clock.now() / 1000;
    try {
      await this.storeNode(node);
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
    }
    const path = nodePath(node.id);
    if (lock?.isHeld() && lock.lockDir === nodeLockPath(node.id)) {
      try {
        await this.ctx.client.multi([
          { op: 'delete', path: lock.nodePath }, { op: 'delete', path: lock.lockDir }, { op: 'delete', path },
        ]);
        return;
      } catch (err) {
        if (!(err instanceof NotEmptyError) && !(err instanceof NoNodeError)) throw err;
      }
    }
    await this.deleteTreeAtOnce(path);
  }

  /**
   * The record and everything below it in one multi, so a waiting lock contender never sees an
   * empty lock dir under a record still there (it would contend again and take the lock of a
   * record being deleted). Re-listed when something appeared meanwhile; a tree that keeps
   * changing falls back to the recursive delete.
   */
  private async deleteTreeAtOnce(path: string): Promise<void> {
    const { client } = this.ctx;
    for (let attempt = 0; attempt < 5; attempt++) {
      const paths: string[] = [];
      const walk = async (p: string): Promise<void> => {
        for (const child of await childrenOrEmpty(client, p)) await walk(`${p}/${child}`);
        paths.push(p);
      };
      await walk(path);
      try {
        await client.multi(paths.map((p) => ({ op: 'delete' as const, path: p })));
        return;
      } catch (err) {
        if (!(err instanceof NotEmptyError) && !(err instanceof NoNodeError)) throw err;
        if (err instanceof NoNodeError && (await client.exists(path)) === null) return;
      }
    }
    await client.deleteRecursive(path);
  }

  async deleteNodeZnode(id: string): Promise<void> {
    await this.ctx.client.deleteRecursive(nodePath(id));
  }

  /**
   * null when someone else holds it (non-blocking), on timeout, or when the node is gone: the
   * lock dir is only created below an existing node, so locking never resurrects a deleted node.
   */
  async lockNode(id: string, options?: LockOptions): Promise<LockHandle | null> {
    return lockBelowExisting(this.ctx, nodeLockPath(id), options);
  }

  async nodeIsLocked(id: string): Promise<boolean> {
    const stat = await this.ctx.client.exists(nodeLockPath(id));
    return stat !== null && stat.numChildren > 0;
  }

  /** Lock state of many nodes at once (pipelined), for listings. */
  async nodesLocked(ids: readonly string[]): Promise<Map<string, boolean>> {
    const states = await mapPipelined(ids, (id) => this.nodeIsLocked(id));
    return new Map(ids.map((id, i) => [id, states[i]]));
  }

  /** Removes the current holder's contender (lowest suffix); the next waiter then gets the lock. */
  async forceUnlockNode(id: string): Promise<void> {
    const lockDir = nodeLockPath(id);
    const contenders = (await childrenOrEmpty(this.ctx.client, lockDir))
      .filter((name) => CONTENDER.test(name))
      .sort((a, b) => CONTENDER.exec(a)![1].localeCompare(CONTENDER.exec(b)![1]));
    if (contenders.length > 0) await deleteIfExists(this.ctx.client, `${lockDir}/${contenders[0]}`);
  }
}
