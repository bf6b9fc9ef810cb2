// The static providers of today's launcher: per provider a StaticDriver whose registration
// pass runs in a loop (woken at once when one of its nodes is used or removed, else on the
// driver's cadence), and one StaticPoolWorker per pool. The launcher calls `follow(config)` at
// start and after every reload, `reregister()` after a session loss and `stop()` at the end.
import type { Node } from '../../model/types.ts';
import type { StaticProviderConfig } from '../../config/static-model.ts';
import type { NodepoolConfig } from '../../config/model.ts';
import type { LauncherShared } from '../launcher-shared.ts';
import { WakeSignal } from '../wake-signal.ts';
import { poolKey } from '../launcher-id.ts';
import { waitForPort } from '../port-probe.ts';
import { scanHostKeys } from '../nodescan-ssh/scan-host-keys.ts';
import { StaticDriver, SYNC_INTERVAL_MS } from './static-driver.ts';
import { StaticPoolWorker } from './static-pool-worker.ts';

export interface StaticProvidersOptions {
  /** Liveness round interval (ms); upstream's one minute by default. */
  livenessIntervalMs?: number;
  syncIntervalMs?: number;
}

interface Running {
  driver: StaticDriver;
  wake: WakeSignal;
  loop: Promise<void>;
  stop: AbortController;
}

/** Node states after which the host's slot is to be registered again. */
const SLOT_FREEING = new Set(['used', 'deleting', 'failed', 'aborted']);

export class StaticProviders {
  private readonly shared: LauncherShared;
  private readonly opts: StaticProvidersOptions;
  private readonly running = new Map<string, Running>();
  private readonly pools = new Map<string, StaticPoolWorker>();
  private readonly onNode = (_id: string, node: Node | undefined) => {
    if (node && !SLOT_FREEING.has(node.state)) return;
    for (const [name, r] of this.running) if (!node || node.provider === name) r.wake.notify();
  };

  constructor(shared: LauncherShared, opts: StaticProvidersOptions = {}) {
    this.shared = shared;
    this.opts = opts;
    shared.nodeCache.on('changed', this.onNode);
  }

  poolWorkers(): StaticPoolWorker[] {
    return [...this.pools.values()];
  }

  driver(provider: string): StaticDriver | undefined {
    return this.running.get(provider)?.driver;
  }

  /** Starts, reconfigures and stops providers and pool workers to match the config. */
  async follow(config: NodepoolConfig): Promise<void> {
    const wantedProviders = new Set(config.staticProviders.map((p) => p.name));
    const wantedPools = new Set<string>();
    for (const provider of config.staticProviders) {
      if (!this.running.has(provider.name)) this.startProvider(provider.name);
      else this.running.get(provider.name)!.wake.notify();
      const driver = this.running.get(provider.name)!.driver;
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
    for (const name of [...this.running.keys()]) if (!wantedProviders.has(name)) await this.stopProvider(name);
  }

  private startProvider(name: string): void {
    const { deps } = this.shared;
    const driver = new StaticDriver(name, {
      config: () => deps.getConfig().staticProviders.find((p: StaticProviderConfig) => p.name === name),
      deps: {
        store: deps.store, clock: deps.clock, logger: deps.logger.child({ provider: name }),
        hostCheck: {
          scanHostKeys,
          probePort: (host, port, timeoutMs, signal) => waitForPort(host, port, timeoutMs, deps.clock, signal),
        },
      },
      livenessIntervalMs: this.opts.livenessIntervalMs,
      syncIntervalMs: this.opts.syncIntervalMs,
    });
    const stop = new AbortController();
    const signal = AbortSignal.any([stop.signal, this.shared.stopSignal]);
    const wake = new WakeSignal();
    const loop = (async () => {
      while (!signal.aborted) {
        let next: number | null = null;
        if (this.shared.zkUsable()) {
          try {
            next = await driver.sync({ signal });
          } catch (err) {
            if (!signal.aborted) deps.logger.warn({ provider: name, err: String(err) }, 'static registration pass failed; retrying');
            next = 1000;
          }
        }
        await wake.wait(deps.clock, next ?? SYNC_INTERVAL_MS, signal);
      }
    })();
    this.running.set(name, { driver, wake, loop, stop });
  }

  private async stopProvider(name: string): Promise<void> {
    const r = this.running.get(name);
    if (!r) return;
    this.running.delete(name);
    r.stop.abort(new Error('static provider removed'));
    await r.loop.catch(() => {});
  }

  async reregister(): Promise<void> {
    for (const worker of this.pools.values()) await worker.reregister();
    for (const r of this.running.values()) r.wake.notify();
  }

  async stop(): Promise<void> {
    this.shared.nodeCache.off('changed', this.onNode);
    await Promise.all([...this.pools.values()].map((w) => w.stop()));
    this.pools.clear();
    await Promise.all([...this.running.keys()].map((name) => this.stopProvider(name)));
  }
}
