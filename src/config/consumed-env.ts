// Which NODEPOOL_* variables the config consumes through %(NODEPOOL_X) substitution. Such a
// variable may hold a secret (a password put into nodepool.yaml or the secure file that way),
// so the ready-script never receives it although the classic contract forwards every other
// NODEPOOL_* variable of the daemon. Scanned on the raw text: a placeholder inside a YAML
// comment also counts, which errs on the side of not forwarding.
import { readFileSync } from 'node:fs';
import type { NodepoolConfig } from './model.ts';

// Same names as env-substitute.ts's placeholder; the trailing `s` does not matter here.
const PLACEHOLDER = /%\((NODEPOOL_[A-Za-z0-9_]*)\)/g;

/** Pure: every NODEPOOL_* name used as %(NAME) in any of the texts. */
export function consumedEnvVarNames(texts: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const text of texts) {
    for (const m of text.matchAll(PLACEHOLDER)) names.add(m[1]);
  }
  return names;
}

export type ConsumedEnvVars = { names: ReadonlySet<string> } | { unreadable: string };

const memo = new WeakMap<NodepoolConfig, ConsumedEnvVars>();

/**
 * The consumed names of a loaded config, read from its config and secure files once per
 * config object (a reload makes a new object, so the files are read again).
 */
export function consumedEnvVarsOf(config: Pick<NodepoolConfig, 'configFile' | 'secureFile'>): ConsumedEnvVars {
  const key = config as NodepoolConfig;
  const known = memo.get(key);
  if (known) return known;
  const files = [config.configFile, ...(config.secureFile ? [config.secureFile] : [])];
  let result: ConsumedEnvVars;
  try {
    result = { names: consumedEnvVarNames(files.map((f) => readFileSync(f, 'utf8'))) };
  } catch (err) {
    result = { unreadable: `${(err as NodeJS.ErrnoException).code ?? 'error'} reading ${files.join(' / ')}` };
  }
  memo.set(key, result);
  return result;
}
