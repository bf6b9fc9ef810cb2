// Component registrations: /nodepool/components/<kind>/<hostname><seq10>, ephemeral sequential,
// JSON with sorted keys, updated with versioned sets (upstream's BaseComponent).
import type { Component, PoolComponent } from '../model/types.ts';
import { decodeComponent, encodeComponent, type ComponentKind } from '../model/component.ts';
import { BadVersionError, NoNodeError } from '../zk/errors.ts';
import { CreateMode } from '../zk/types.ts';
import { retryThroughConnectionLoss } from '../zk/retry-connection-loss.ts';
import type { ComponentRegistration } from './types.ts';
import { decodeOrSkip, type StoreContext } from './context.ts';
import type { UnreadableRecord } from './unreadable-records.ts';
import { componentKindPath, componentSequencePrefix } from './paths.ts';
import { childrenOrEmpty, createWithParents, deleteIfExists, getDataOrNull, mapPipelined } from './zk-helpers.ts';

export class ZkComponentRegistration<C extends Component> implements ComponentRegistration<C> {
  private readonly ctx: StoreContext;
  /** The local copy stays authoritative: a failed write is retried by the next update or reregister. */
  private content: C;
  private currentPath = '';
  private version = -1;
  private unregistered = false;
  /** A create was sent and its reply not seen: it may have landed. */
  private interrupted = false;

  constructor(ctx: StoreContext, component: C) {
    this.ctx = ctx;
    this.content = { ...component };
  }

  get path(): string {
    return this.currentPath;
  }

  get component(): C {
    return { ...this.content };
  }

  /**
   * Creates the ephemeral sequential znode. Safe to call again after a connection loss: a
   * create whose reply was lost may have landed, so a retry first adopts a znode of ours (this
   * session's, same content) instead of registering the component twice.
   */
  async register(): Promise<void> {
    const data = encodeComponent(this.content);
    const prefix = componentSequencePrefix(this.content.kind, this.content.hostname);
    if (this.interrupted) {
      const adopted = await this.findOwnRegistration(prefix, data);
      if (adopted) {
        this.interrupted = false;
        this.currentPath = adopted.path;
        this.version = adopted.version;
        this.unregistered = false;
        return;
      }
    }
    this.interrupted = true;
    const created = await createWithParents(this.ctx.client, prefix, data, CreateMode.EPHEMERAL_SEQUENTIAL);
    this.interrupted = false;
    this.currentPath = created.path;
    this.version = created.stat.version;
    this.unregistered = false;
  }

  /** A znode of this session under our hostname's prefix holding exactly `data`. */
  private async findOwnRegistration(prefix: string, data: Buffer): Promise<{ path: string; version: number } | null> {
    const dir = prefix.slice(0, prefix.lastIndexOf('/'));
    const base = prefix.slice(dir.length + 1);
    const session = this.ctx.client.sessionId;
    const names = (await childrenOrEmpty(this.ctx.client, dir)).filter((n) => n.startsWith(base) && /^\d{10}$/.test(n.slice(base.length)));
    for (const name of names) {
      const found = await getDataOrNull(this.ctx.client, `${dir}/${name}`);
      if (found && found.stat.ephemeralOwner === session && found.data.equals(data)) return { path: `${dir}/${name}`, version: found.stat.version };
    }
    return null;
  }

  async update(changes: Partial<C>): Promise<void> {
    this.content = { ...this.content, ...changes, kind: this.content.kind };
    if (this.unregistered || this.currentPath === '') return;
    try {
      const stat = await this.ctx.client.setData(this.currentPath, encodeComponent(this.content), this.version);
      this.version = stat.version;
    } catch (err) {
      if (err instanceof NoNodeError) {
        // The session that owned the ephemeral node is gone; reregister() will recreate it.
        this.ctx.logger.error({ path: this.currentPath }, 'component registration vanished; not updated');
        return;
      }
      if (err instanceof BadVersionError) {
        // Only we write this node, so a stale version means an earlier reply was lost; rewrite once.
        const current = await getDataOrNull(this.ctx.client, this.currentPath);
        if (!current) return;
        const stat = await this.ctx.client.setData(this.currentPath, encodeComponent(this.content), current.stat.version);
        this.version = stat.version;
        return;
      }
      throw err;
    }
  }

  async reregister(): Promise<void> {
    if (this.currentPath !== '') await deleteIfExists(this.ctx.client, this.currentPath);
    await this.register();
  }

  async unregister(): Promise<void> {
    if (this.unregistered) return;
    this.unregistered = true;
    if (this.currentPath !== '') await deleteIfExists(this.ctx.client, this.currentPath);
  }
}

export class ComponentStore {
  private readonly ctx: StoreContext;
  constructor(ctx: StoreContext) {
    this.ctx = ctx;
  }

  async registerComponent<C extends Component>(component: C, signal?: AbortSignal): Promise<ZkComponentRegistration<C>> {
    const registration = new ZkComponentRegistration(this.ctx, component);
    await retryThroughConnectionLoss(`register ${component.kind} component`, () => registration.register(),
      { clock: this.ctx.clock, logger: this.ctx.logger, signal });
    return registration;
  }

  /** Readable registrations; the unreadable ones are appended to `unreadable` when given. */
  async listComponents(kind: ComponentKind, unreadable?: UnreadableRecord[]): Promise<Component[]> {
    const root = componentKindPath(kind);
    const names = (await childrenOrEmpty(this.ctx.client, root)).sort();
    const sink: UnreadableRecord[] = [];
    const components = await mapPipelined(names, async (name) => {
      const path = `${root}/${name}`;
      const found = await getDataOrNull(this.ctx.client, path);
      if (!found) return null;
      const { data, stat } = found;
      return decodeOrSkip(this.ctx, { kind: 'component', path, data, version: stat.version },
        () => decodeComponent(kind, data, { path, version: stat.version }), sink);
    });
    this.ctx.unreadable.reconcileDir(root, new Set(sink.map((r) => r.path)));
    unreadable?.push(...sink);
    return components.filter((c): c is Component => c !== null);
  }

  async listPools(unreadable?: UnreadableRecord[]): Promise<PoolComponent[]> {
    return (await this.listComponents('pool', unreadable)) as PoolComponent[];
  }
}
