// The launcher's static providers (config.staticProviders): per provider a StaticDriver, per
// pool a StaticPoolWorker. They run as two passes of the launcher's loop: `syncPass` (the
// drivers' registration) and `poolPass` (serving requests). `poke(name)` is how a request or node
// change makes a pass due at once. The launcher calls `follow(config)` at start and after every
// reload, `reregister()` after a session loss and `stop()` at the end.
import type { Node } from '../../model/types.ts';
import type { StaticProviderConfig } from '../../config/static-model.ts';
import type { NodepoolConfig } from '../../config/model.ts';
import type { LauncherShared } from '../launcher-shared.ts';
import { poolKey } from '../launcher-id.ts';
import { checkPortOpen } from './port-check.ts';
import { hostKeyScanner } from '../nodescan-ssh/scan-host-keys.ts';
import { StaticDriver, SYNC_INTERVAL_MS } from './static-driver.ts';
import { StaticPoolWorker } from './static-pool-worker.ts';

export interface StaticProvidersOptions {
  /** Liveness round interval (ms); upstream's one minute by default. */
  livenessIntervalMs?: number;
  syncIntervalMs?: number;
}

export const STATIC_SYNC_PASS = 'static-sync';
export const STATIC_POOLS_PASS = 'static-pools';
/** Upper bound between two request passes when nothing poked (a safety net, as for cloud pools). */
const POOL_PASS_MS = 1000;

/** Node states after which the host's slot is to be registered again. */
const SLOT_FREEING = new Set(['used', 'deleting', 'failed', 'aborted']);

export class StaticProviders {
  private readonly shared: LauncherShared;
  private readonly opts: StaticProvidersOptions;
  private readonly drivers = new Map<string, StaticDriver>();
  private readonly pools = new Map<string, StaticPoolWorker>();
  /** Makes a loop pass due now (set by the launcher once its loop exists). */
  poke: (pass: string) => void = () => {};
  private readonly onNode = (_id: string, node: Node | undefined) => {
    if (this.pools.size === 0) return;
    if (!node || SLOT_FREEING.has(node.state)) this.poke(STATIC_SYNC_PASS);
    this.poke(STATIC_POOLS_PASS);
  };
  private readonly onRequest = () => { if (this.pools.size > 0) this.poke(STATIC_POOLS_PASS); };

  constructor(shared: LauncherShared, opts: StaticProvidersOptions = {}) {
    this.shared = shared;
    this.opts = opts;
    shared.nodeCache.on('changed', this.onNode);
    shared.requestCache.on('changed', this.onRequest);
  }

  poolWorkers(): StaticPoolWorker[] {
    return [...this.pools.values()];
  }

  driver(provider: string): StaticDriver | undefined {
    return this.drivers.get(provider);
  }

  /** The registration pass: every static driver's sync; resolves with ms until the next. */
  async syncPass(signal: AbortSignal): Promise<number> {
    let next = this.opts.syncIntervalMs ?? SYNC_INTERVAL_MS;
    for (const [name, driver] of this.drivers) {
      if (signal.aborted || !this.shared.zkUsable()) break;
      try {
        const wanted = await driver.sync({ signal });
        if (wanted !== null) next = Math.min(next, wanted);
      } catch (err) {
        if (!signal.aborted) this.shared.deps.logger.warn({ provider: name, err: String(err) }, 'static registration pass failed; retrying');
        next = Math.min(next, 1000);
      }
    }
    return next;
  }

  /** The request pass of every static pool. */
  async poolPass(signal: AbortSignal): Promise<number> {
    for (const worker of this.pools.values()) if (!signal.aborted) await worker.runPass(signal);
    return POOL_PASS_MS;
  }

  /** Starts, reconfigures and stops providers and pool workers to match the config. */
  async follow(config: NodepoolConfig): Promise<void> {
    const wantedProviders = new Set(config.staticProviders.map((p) => p.name));
    const wantedPools = new Set<string>();
    for (const provider of config.staticProviders) {
      if (!this.drivers.has(provider.name)) this.drivers.set(provider.name, this.newDriver(provider.name));
      const driver = this.drivers.get(provider.name)!;
      for (const pool of provider.pools) {
        const key = poolKey(provider.name, pool.name);
        wantedPools.add(key);
        const existing = this.pools.get(key);
        if (existing) { await existing.reconfigured().catch((err) => this.shared.deps.logger.warn({ pool: key, err: String(err) }, 'static pool reconfigure failed')); continue; }
        const worker = new StaticPoolWorker(this.shared, provider.name, pool.name, () => driver.hosts.unavailable);
        this.pools.set(key, worker);
        await worker.start();
      }
    }
    for (const [key, worker] of this.pools) {
      if (wantedPools.has(key)) continue;
      this.pools.delete(key);
      await worker.stop();
    }
    for (const name of [...this.drivers.keys()]) if (!wantedProviders.has(name)) this.drivers.delete(name);
    this.poke(STATIC_SYNC_PASS);
    this.poke(STATIC_POOLS_PASS);
  }

  private newDriver(name: string): StaticDriver {
    const { deps } = this.shared;
    const driver = new StaticDriver(name, {
      config: () => deps.getConfig().staticProviders.find((p: StaticProviderConfig) => p.name === name),
      deps: {
        store: deps.store, clock: deps.clock, logger: deps.logger.child({ provider: name }),
        hostCheck: {
          scanHostKeys: hostKeyScanner(deps.clock),
          probePort: checkPortOpen,
        },
      },
      livenessIntervalMs: this.opts.livenessIntervalMs,
      syncIntervalMs: this.opts.syncIntervalMs,
    });
    return driver;
  }

  async reregister(): Promise<void> {
    for (const worker of this.pools.values()) await worker.reregister();
    this.poke(STATIC_SYNC_PASS);
  }

  async stop(): Promise<void> {
    this.shared.nodeCache.off('changed', this.onNode);
    this.shared.requestCache.off('changed', this.onRequest);
    await Promise.all([...this.pools.values()].map((w) => w.stop()));
    this.pools.clear();
    this.drivers.clear();
  }
}
