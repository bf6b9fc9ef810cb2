// Which NODEPOOL_* variables the config consumes through %(NODEPOOL_X) substitution. Such a
// variable may hold a secret (a password put into nodepool.yaml or the secure file that way),
// so the ready-script never receives it although the classic contract forwards every other
// NODEPOOL_* variable of the daemon. The loader records the names as it substitutes (one source
// for the config in force, reloads included); a config it did not read cannot tell.
import type { NodepoolConfig } from './model.ts';

export type ConsumedEnvVars = { names: ReadonlySet<string> } | { unknown: string };

export function consumedEnvVarsOf(config: Pick<NodepoolConfig, 'consumedEnvVars'>): ConsumedEnvVars {
  if (!config.consumedEnvVars) return { unknown: 'the config was not read by the loader' };
  return { names: new Set(config.consumedEnvVars) };
}
