// Printing or logging config never shows a secret: passwords, app-credential secrets, tokens,
// private keys and env-vars that came from the secure file (or look secret by name).
import type { CloudsConfig, NodepoolConfig } from './model.ts';

export const REDACTED = '[redacted]';

const SECRET_KEY = /passw(or)?d|secret|token|private[-_]?key|api[-_]?key/i;

/** A deep copy with every secret replaced by `[redacted]`. Works on either config type. */
export function redactConfig<T extends NodepoolConfig | CloudsConfig | Record<string, unknown>>(config: T): T {
  return redactValue(config, null) as T;
}

function redactValue(value: unknown, secureNames: Set<string> | null): unknown {
  if (Array.isArray(value)) return value.map((v) => redactValue(v, null));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  // A diskimage: env-vars named in secureEnvVars are secret whatever their names.
  const secure = Array.isArray(obj.secureEnvVars) ? new Set(obj.secureEnvVars as string[]) : secureNames;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(obj)) {
    if (key === 'envVars' && v && typeof v === 'object') {
      out[key] = Object.fromEntries(Object.entries(v).map(([name, val]) =>
        [name, secure?.has(name) || SECRET_KEY.test(name) ? REDACTED : val]));
    } else if (SECRET_KEY.test(key) && key !== 'privateKey' && typeof v === 'string') {
      // privateKey in the model is a path, not key material; it stays readable.
      out[key] = REDACTED;
    } else {
      out[key] = redactValue(v, null);
    }
  }
  return out;
}

/** A human-readable, secret-free JSON rendering (Infinity written as "unlimited"). */
export function describeConfig(config: NodepoolConfig | CloudsConfig): string {
  return JSON.stringify(redactConfig(config), (_k, v) => (v === Infinity ? 'unlimited' : v), 2);
}
