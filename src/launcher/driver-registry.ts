// The launcher's drivers, one per configured provider, with their ProviderContexts. A driver
// that fails to start (Keystone down at boot) is retried with backoff instead of leaving its
// pools idle until a reload; a driver whose provider config or credentials changed is rebuilt
// (credential rotation without restart). Called from the launcher loop's providers pass.
import type { NodepoolConfig, ProviderConfig } from '../config/model.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import type { Node, RecordCacheLike } from './cache-types.ts';
import type { DriverFactory, NodeDriver } from './driver/driver.ts';
import { ProviderContext } from './provider-context.ts';

/** Backoff of a driver that failed to start: first retry, doubling, cap. */
export const DRIVER_RETRY = { firstMs: 5_000, factor: 2, capMs: 300_000 } as const;

export function driverRetryDelay(failures: number): number {
  return Math.min(DRIVER_RETRY.capMs, DRIVER_RETRY.firstMs * DRIVER_RETRY.factor ** Math.max(0, failures - 1));
}

export interface DriverRegistryOptions {
  /** The live map the launcher's deps expose; this registry keeps it current. */
  drivers: Map<string, NodeDriver>;
  factory?: DriverFactory;
  /** What a driver was built from (provider config, cloud credentials); a change rebuilds it.
   *  Absent: drivers are never rebuilt. */
  fingerprint?: (provider: ProviderConfig) => string;
  clock: Clock;
  logger: Logger;
  nodes: RecordCacheLike<Node>;
}

export class DriverRegistry {
  readonly contexts = new Map<string, ProviderContext>();
  private readonly opts: DriverRegistryOptions;
  private readonly builtFrom = new Map<string, string>();
  private readonly failures = new Map<string, { count: number; retryAt: number }>();
  /** Drivers this registry built (and so stops); drivers handed in by the caller are the caller's. */
  private readonly owned = new Set<NodeDriver>();

  constructor(opts: DriverRegistryOptions) {
    this.opts = opts;
  }

  get drivers(): ReadonlyMap<string, NodeDriver> {
    return this.opts.drivers;
  }

  /** Builds missing drivers (when their retry is due), rebuilds changed ones, drops removed
   *  ones. Returns ms until a failed driver's next retry (or null when none is waiting). */
  async sync(config: NodepoolConfig): Promise<number | null> {
    const { drivers, logger, clock } = this.opts;
    const wanted = new Set(config.providers.map((p) => p.name));
    for (const provider of config.providers) {
      const existing = drivers.get(provider.name);
      const fingerprint = this.opts.fingerprint?.(provider);
      if (existing && fingerprint !== undefined && this.builtFrom.has(provider.name) && this.builtFrom.get(provider.name) !== fingerprint) {
        logger.info({ provider: provider.name }, 'provider config or credentials changed; rebuilding its driver');
        await this.build(provider, fingerprint, existing);
      } else if (!existing) {
        const failed = this.failures.get(provider.name);
        if (failed && clock.now() < failed.retryAt) continue;
        await this.build(provider, fingerprint, null);
      } else if (fingerprint !== undefined && !this.builtFrom.has(provider.name)) {
        this.builtFrom.set(provider.name, fingerprint);
      }
      const driver = drivers.get(provider.name);
      if (driver && !this.contexts.has(provider.name)) {
        this.contexts.set(provider.name, new ProviderContext(provider.name, driver, clock, logger, this.opts.nodes));
      }
    }
    for (const name of [...drivers.keys()]) {
      if (wanted.has(name)) continue;
      const driver = drivers.get(name)!;
      drivers.delete(name);
      this.contexts.delete(name);
      this.builtFrom.delete(name);
      if (this.owned.delete(driver)) await driver.stop().catch((err) => logger.warn({ provider: name, err: String(err) }, 'stopping a removed driver failed'));
    }
    for (const name of this.failures.keys()) if (!wanted.has(name)) this.failures.delete(name);
    const waits = [...this.failures.values()].map((f) => f.retryAt - clock.now());
    return waits.length > 0 ? Math.max(0, Math.min(...waits)) : null;
  }

  private async build(provider: ProviderConfig, fingerprint: string | undefined, replacing: NodeDriver | null): Promise<void> {
    const { drivers, logger, clock, factory } = this.opts;
    if (!factory) {
      if (!replacing) logger.error({ provider: provider.name }, 'no driver for this provider');
      return;
    }
    let driver: NodeDriver;
    try {
      driver = await factory(provider);
    } catch (err) {
      const count = (this.failures.get(provider.name)?.count ?? 0) + 1;
      const delay = driverRetryDelay(count);
      this.failures.set(provider.name, { count, retryAt: clock.now() + delay });
      logger.error({ provider: provider.name, err: String(err), retryInMs: delay, keeping: replacing !== null },
        replacing ? 'cannot rebuild the driver; keeping the running one' : 'cannot start provider; retrying');
      return;
    }
    this.failures.delete(provider.name);
    if (fingerprint !== undefined) this.builtFrom.set(provider.name, fingerprint);
    drivers.set(provider.name, driver);
    this.owned.add(driver);
    this.contexts.get(provider.name)?.replaceDriver(driver);
    if (replacing) {
      // Launches in flight on the old driver fail their current attempt and retry on the new one.
      if (this.owned.delete(replacing)) await replacing.stop().catch((err) => logger.warn({ provider: provider.name, err: String(err) }, 'stopping the replaced driver failed'));
    } else {
      logger.info({ provider: provider.name, kind: driver.kind }, 'driver started');
    }
  }

  async stopAll(): Promise<void> {
    const owned = [...this.owned];
    this.owned.clear();
    await Promise.all(owned.map((d) => d.stop().catch(() => undefined)));
  }
}
