// What every launcher worker is given. Workers never build ZooKeeper paths or REST URLs:
// they ask the store and the drivers, and read the current config through getConfig().
import type { Store } from '../store/types.ts';
import type { NodepoolConfig } from '../config/model.ts';
import type { NodeDriver } from './driver/driver.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';

/** The statsd surface the launcher emits through (src/stats supplies one; tests may omit it). */
export interface LauncherMetrics {
  increment(name: string, value?: number): void;
  timing(name: string, ms: number): void;
  gauge(name: string, value: number): void;
}

export interface LauncherDeps {
  store: Store;
  /** Always the latest successfully loaded config (reloads swap it). */
  getConfig(): NodepoolConfig;
  /** One started driver per configured provider name (the launcher keeps this map current). */
  drivers: ReadonlyMap<string, NodeDriver>;
  clock: Clock;
  logger: Logger;
  metrics?: LauncherMetrics;
  /** This host's name (component registration, launcher ids). */
  hostname: string;
  /** The daemon's environment (main passes process.env): its NODEPOOL_* variables reach the
   *  ready-script, as in classic nodepool. Absent: none are passed. */
  environment?: Readonly<Record<string, string | undefined>>;
  /** Where per-node ready-script output goes (`<dir>/<node id>.log`). Absent:
   *  `<parent of build-log-dir>/ready-script` (classic: /var/log/nodepool/ready-script). */
  readyScriptLogDir?: string;
}
