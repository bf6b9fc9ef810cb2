// One accepted request (upstream's NodeRequestHandler: run() and poll()): mark it pending, fill
// its node set (reuse, or launch new nodes within quota, pausing when there is none), wait for
// the launches, then fulfil it, decline it, or — when the requestor deleted it meanwhile — give
// the nodes back.
import type { NodeRequest } from '../model/types.ts';
import type { LockHandle } from '../zk/types.ts';
import { ConnectionLossError, NoNodeError } from '../zk/errors.ts';
import { storeLockedRequest } from './node-state.ts';
import { storeDeclined, storeHandedBack } from './request-outcome.ts';
import type { PoolRuntime } from './pool-runtime.ts';
import { launchNode, type LaunchOutcome } from './node-launcher.ts';
import { chooseImage, type ImageChoice } from './node-spec.ts';
import { MIN_READY_REQUESTOR } from './launcher-id.ts';
import { tryReuseNode, createBuildingNode, deleteOldestUnusedNode, releaseNode, type HeldNode } from './node-allocation.ts';
import type { Reservation } from './provider-context.ts';
import type { PoolLabelConfig } from '../config/model.ts';

/** One node of the request: reused (launch null) or being created and launched. */
interface Slot {
  /** Set once the node znode exists and is locked. */
  held: HeldNode | null;
  /** Creation + launch; null for a reused node. */
  launch: Promise<LaunchOutcome> | null;
  reservation: Reservation | null;
}

/** How often a paused handler re-checks quota when no node event woke it. */
const PAUSE_RECHECK_MS = 1000;

class Declined extends Error {}
/** Not now, and not a decline: the request goes back to `requested` for a later pass (a driver
 *  that does not pause at quota, e.g. static hosts all in use). */
class HandBack extends Error {}

export class RequestHandler {
  readonly id: string;
  private request: NodeRequest;
  private readonly rt: PoolRuntime;
  private readonly lock: LockHandle;
  private readonly slots: (Slot | null)[];
  private chosenAz: string | null = null;
  private paused = false;
  private madeRoom = false;
  private admit!: () => void;
  /** Resolves once this handler has taken its share of the pool's capacity, or paused for it.
   *  The pool worker admits requests one at a time so their quota checks never interleave. */
  readonly admitted: Promise<void> = new Promise((resolve) => { this.admit = resolve; });

  /** Adopted BUILDING nodes whose launch resumes once the request is stored pending. */
  private readonly toResume: Slot[] = [];
  /** Adopted nodes no slot wants (released at the end, unallocated). */
  private readonly unwanted: HeldNode[] = [];

  constructor(rt: PoolRuntime, request: NodeRequest, lock: LockHandle, adopted: HeldNode[] = []) {
    this.rt = rt;
    this.request = request;
    this.id = request.id;
    this.lock = lock;
    this.slots = request.node_types.map(() => null);
    // Nodes an earlier launcher on this host made for this request (taken over after its death),
    // locked by us: each fills the first free slot of its label at once, so every exit path
    // below releases them with the other slots.
    for (const held of adopted) {
      const index = request.node_types.findIndex((type, i) => this.slots[i] === null && type === held.node.type[0]);
      if (index < 0) { this.unwanted.push(held); continue; }
      const slot: Slot = { held, launch: null, reservation: null };
      this.slots[index] = slot;
      this.chosenAz ??= held.node.az;
      if (held.node.state === 'building') this.toResume.push(slot);
    }
  }

  private get log() {
    return this.rt.deps.logger.child({ request: this.id, provider: this.rt.providerName, pool: this.rt.poolName });
  }

  async run(): Promise<void> {
    try {
      await this.work();
    } catch (err) {
      if (err instanceof Declined) {
        await this.decline(err.message);
      } else if (err instanceof HandBack) {
        this.log.info({ reason: err.message }, 'handing the request back for a later pass');
        await this.handBack();
      } else {
        // A ZooKeeper suspension is an expected fault (warned about once by the launcher); the
        // request goes back to `requested` when the connection returns and is served again.
        if (err instanceof ConnectionLossError) this.log.warn({ err: String(err) }, 'zookeeper connection lost while handling the request; handing it back');
        else if (!this.rt.stopSignal.aborted) this.log.error({ err: String(err) }, 'request handling failed; handing it back');
        await this.handBack();
      }
    } finally {
      await this.releaseUnwanted();
      this.admit();
      this.setPaused(false);
      for (const slot of this.slots) if (slot) this.releaseReservation(slot);
      await this.lock.release().catch(() => {});
    }
  }

  private async work(): Promise<void> {
    const { store, clock } = this.rt.deps;
    this.request.state = 'pending';
    this.request.state_time = clock.now() / 1000;
    await store.storeRequest(this.request);
    await this.releaseUnwanted();
    this.resumeAdopted();
    for (;;) {
      await this.fillSlots();
      this.setPaused(false);
      const outcomes = await Promise.all(this.slots.map((s) => s!.launch ?? Promise.resolve<LaunchOutcome>('ready')));
      let relaunch = false;
      for (let i = 0; i < outcomes.length; i++) {
        const slot = this.slots[i]!;
        slot.launch = null;
        this.releaseReservation(slot);
        if (outcomes[i] === 'aborted') {
          // The cloud said quota: give the aborted node to the deleter and launch again later.
          await releaseNode(this.rt, slot.held!, false);
          this.slots[i] = null;
          relaunch = true;
        }
      }
      if (outcomes.includes('failed')) throw new Declined('launch failed');
      if (!relaunch) break;
      this.setPaused(true);
      void this.rt.explain(this.id, 'deferred: quota (cloud refused for quota; relaunching)');
      await this.rt.quotaWake.wait(clock, PAUSE_RECHECK_MS, this.rt.stopSignal);
    }
    await this.fulfil();
  }

  /** Reuse what can be reused, reserve quota for the rest in one synchronous step, start those
   *  launches; when quota runs out, pause (after admission) until nodes are freed. */
  private async fillSlots(): Promise<void> {
    const types = this.request.node_types;
    for (;;) {
      this.rt.stopSignal.throwIfAborted();
      const cfg = this.rt.config();
      if (!cfg) throw new Declined('provider removed from config');
      const ctx = this.rt.providerCtx;
      // A driver that does not launch serves requests from its registered READY nodes only.
      if (this.request.reuse || !ctx.driver.launchesNodes) await this.reuseNodes();
      const missing = types.map((_, i) => i).filter((i) => this.slots[i] === null);
      if (missing.length === 0) { this.admit(); return; }
      if (!ctx.driver.launchesNodes) {
        if (!ctx.driver.pauseAtQuota) throw new HandBack('no free node of the requested labels');
        await this.rt.explain(this.id, 'deferred: no free node (pool paused until one is returned)');
        this.setPaused(true);
        this.admit();
        await this.rt.quotaWake.wait(this.rt.deps.clock, PAUSE_RECHECK_MS, this.rt.stopSignal);
        continue;
      }
      const needs: { index: number; label: PoolLabelConfig; resources: Record<string, number> }[] = [];
      for (const i of missing) {
        const label = cfg.pool.labels.find((l) => l.name === types[i]);
        const resources = label ? await ctx.labelResources(label) : null;
        if (!label || !resources || resources instanceof Error) throw new Declined(`node type(s) [${types[i]}] not available`);
        needs.push({ index: i, label, resources });
      }
      await ctx.prepareQuota(cfg.pool);
      // One AZ for the whole request (fixed by a reused node, else picked once here).
      if (this.chosenAz === null) this.chosenAz = await this.pickAz(cfg.pool.availabilityZones);
      // From here to the launches being started nothing awaits: the reservations are atomic.
      let blocker: string | null = null;
      for (const need of needs) {
        const check = ctx.checkAndReserve(cfg.pool, need.resources);
        if (!check.ok) { blocker = check.blocker; break; }
        this.slots[need.index] = this.startLaunch(need.label, check.reservation);
      }
      if (blocker === null) { this.admit(); return; }
      if (this.request.requestor === MIN_READY_REQUESTOR) {
        throw new Declined(`at quota (${blocker}); min-ready requests do not wait for capacity`);
      }
      if (!ctx.driver.pauseAtQuota) throw new HandBack(`at quota (${blocker})`);
      // Explained before the pool component says paused, so whoever sees the pause can ask why.
      await this.rt.explain(this.id, blocker === 'max-servers'
        ? 'deferred: max-servers reached (pool paused until nodes are freed)'
        : `deferred: quota (${blocker} exhausted; pool paused)`);
      this.setPaused(true);
      this.admit();
      if (!this.madeRoom) {
        this.madeRoom = true;
        await deleteOldestUnusedNode(this.rt).catch((err) => this.log.warn({ err: String(err) }, 'cannot delete an unused node'));
      }
      await this.rt.quotaWake.wait(this.rt.deps.clock, PAUSE_RECHECK_MS, this.rt.stopSignal);
    }
  }

  private async releaseUnwanted(): Promise<void> {
    for (const held of this.unwanted.splice(0)) await releaseNode(this.rt, held, true);
  }

  /** Adopted BUILDING nodes continue their launch from the server their znode records. */
  private resumeAdopted(): void {
    const cfg = this.rt.config();
    const ctx = this.rt.providerCtx;
    for (const slot of this.toResume.splice(0)) {
      const label = cfg?.pool.labels.find((l) => l.name === slot.held!.node.type[0]);
      ctx.activeLaunches++;
      const launch = label ? this.launchHeld(slot.held!, label, true) : Promise.reject(new Declined(`node type(s) [${slot.held!.node.type[0]}] not available`));
      slot.launch = launch.finally(() => { ctx.activeLaunches--; });
      slot.launch.catch(() => {});
    }
  }

  private async reuseNodes(): Promise<void> {
    const types = this.request.node_types;
    for (let i = 0; i < types.length; i++) {
      if (this.slots[i] !== null) continue;
      const exclude = new Set(this.slots.filter((s) => s?.held).map((s) => s!.held!.node.id));
      const reused = await tryReuseNode(this.rt, this.request, types[i], this.chosenAz, exclude);
      if (!reused) continue;
      this.chosenAz ??= reused.node.az;
      this.slots[i] = { held: reused, launch: null, reservation: null };
    }
  }

  private releaseReservation(slot: Slot): void {
    if (slot.reservation) {
      this.rt.providerCtx.release(slot.reservation);
      slot.reservation = null;
    }
  }

  private startLaunch(label: PoolLabelConfig, reservation: Reservation): Slot {
    const slot: Slot = { held: null, launch: null, reservation };
    const ctx = this.rt.providerCtx;
    ctx.activeLaunches++;
    slot.launch = this.createAndLaunch(slot, label, reservation).finally(() => { ctx.activeLaunches--; });
    // Rejections surface through Promise.all in work(); this keeps them from being "unhandled" meanwhile.
    slot.launch.catch(() => {});
    return slot;
  }

  private async createAndLaunch(slot: Slot, labelCfg: PoolLabelConfig, reservation: Reservation): Promise<LaunchOutcome> {
    const cfg = this.rt.config();
    if (!cfg) throw new Error('provider removed from config');
    const image = await this.imageFor(labelCfg);
    const held = await createBuildingNode(this.rt, this.request, cfg.pool, labelCfg.name, image, reservation.resources, this.chosenAz);
    slot.held = held;
    reservation.nodeId = held.node.id;
    return this.launchHeld(held, labelCfg, false, image);
  }

  private async imageFor(labelCfg: PoolLabelConfig): Promise<ImageChoice> {
    const cfg = this.rt.config();
    if (!cfg) throw new Error('provider removed from config');
    const upload = labelCfg.diskimage ? await this.rt.deps.store.latestReadyUpload(labelCfg.diskimage, cfg.provider.name) : null;
    const image = chooseImage(cfg.provider, labelCfg, upload && {
      path: this.rt.deps.store.uploadPath(upload), externalId: upload.external_id, externalName: upload.external_name,
      username: upload.username, pythonPath: upload.python_path, shellType: upload.shell_type,
    });
    if (!image) throw new Declined('images are not available');
    return image;
  }

  /** Launches (or, resumed, continues launching) a locked BUILDING node of this request. */
  private async launchHeld(held: HeldNode, labelCfg: PoolLabelConfig, resumed: boolean, image?: ImageChoice): Promise<LaunchOutcome> {
    const cfg = this.rt.config();
    if (!cfg) throw new Error('provider removed from config');
    const chosen = image ?? await this.imageFor(labelCfg);
    const signal = AbortSignal.any([this.rt.stopSignal, held.lock.lostSignal]);
    return launchNode(this.rt.deps, this.rt.providerCtx, {
      node: held.node, lock: held.lock, provider: cfg.provider, pool: cfg.pool, label: labelCfg, image: chosen,
      request: this.request, az: resumed ? held.node.az : this.chosenAz, signal, resumed,
    });
  }

  private async pickAz(poolAzs: readonly string[]): Promise<string | null> {
    const azs = poolAzs.length > 0 ? poolAzs : await this.rt.providerCtx.availabilityZones();
    return azs.length > 0 ? azs[Math.floor(Math.random() * azs.length)] : null;
  }

  private setPaused(paused: boolean): void {
    if (this.paused === paused) return;
    this.paused = paused;
    this.rt.handlerPaused(this.id, paused);
  }

  private async fulfil(): Promise<void> {
    const { store, clock } = this.rt.deps;
    const held = this.slots.map((s) => s!.held!);
    this.request.nodes = held.map((h) => h.node.id);
    this.request.state = 'fulfilled';
    this.request.state_time = clock.now() / 1000;
    try {
      // Stored while the nodes are still locked: if the requestor deleted the request meanwhile
      // (Zuul's cancel) the nodes are given back unallocated before anyone else sees them.
      await storeLockedRequest(this.rt.deps, this.request, this.lock, this.rt.stopSignal);
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
      this.log.info('request was deleted before it was fulfilled; nodes returned unallocated');
      await Promise.all(held.map((h) => releaseNode(this.rt, h, true)));
      return;
    }
    await Promise.all(held.map((h) => h.lock.release().catch(() => {})));
    this.log.info({ nodes: this.request.nodes }, 'request fulfilled');
    this.rt.clearExplanations(this.id);
  }

  /** Nodes could not be provided: add our id to declined_by; failed once every pool declined. */
  private async decline(reason: string): Promise<void> {
    await this.releaseSlots();
    await storeDeclined(this.rt, this.id, reason);
  }

  /** Stop or an unexpected error: return the request to `requested` for any pool to take. */
  private async handBack(): Promise<void> {
    await this.releaseSlots();
    await storeHandedBack(this.rt, this.id, this.lock);
  }

  /** Waits for launches to end, then gives every node back unallocated. */
  private async releaseSlots(): Promise<void> {
    await Promise.all(this.slots.map(async (slot, i) => {
      if (!slot) return;
      await slot.launch?.catch(() => {});
      this.releaseReservation(slot);
      if (slot.held) await releaseNode(this.rt, slot.held, true);
      this.slots[i] = null;
    }));
  }
}
