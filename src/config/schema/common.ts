// Building blocks shared by the current and classic schemas.
import { z } from 'zod';
import { pythonStr } from '../python-str.ts';

/** Marks the message of an unknown-key issue so the reporter can list the allowed keys. */
export const ALLOWED_KEYS_PREFIX = 'allowed keys: ';

/** A mapping whose unknown keys are errors (typos), reporting which keys were allowed. */
export function strictMap<T extends z.ZodRawShape>(shape: T) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? ALLOWED_KEYS_PREFIX + allowed : undefined),
  });
}

export const name = z.string().min(1);

/** A string that PyYAML might have read as a number (`release: 7`); upstream str()s it. */
export const stringish = z.union([z.string(), z.number()]).transform((v) => String(v));

/**
 * `{str: str}` maps (env-vars, meta, instance-properties). Numbers are accepted and stringified;
 * booleans are refused because YAML 1.1 turns an unquoted `yes`/`on` into one by surprise.
 */
export const stringMap = z.record(
  z.string(),
  z.union([z.string(), z.number()], {
    error: (iss) =>
      typeof iss.input === 'boolean'
        ? `got the boolean ${iss.input} (expected a string; YAML 1.1 reads unquoted yes/no/on/off as booleans, so quote it)`
        : `got ${iss.input === null ? 'null' : Array.isArray(iss.input) ? 'a list' : typeof iss.input} (expected a string)`,
  }).transform((v) => String(v)),
);

/**
 * Free-form metadata (image `meta`, diskimage `metadata`, `instance-properties`): upstream's
 * schema takes any dict; its values reach Glance/Nova as Python's str() of them.
 */
export const metadataMap = z.record(z.string(), z.unknown()).transform((m) => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) out[k] = pythonStr(v);
  return out;
});

export const stringList = z.array(z.string());

export const nonNegativeInt = z.number().int().min(0);

/** A count where "unset" means unlimited. */
export const limit = z.number().int().optional();

/** An int, or unset meaning "no limit" (Infinity in the model). */
export function orInfinity(v: number | undefined | null): number {
  return v === undefined || v === null ? Infinity : v;
}

export const zookeeperServer = strictMap({
  host: name,
  // Upstream's code defaults to the TLS port; the docs' 2181 is wrong.
  port: z.number().int().min(1).max(65535).default(2281),
  chroot: z.string().optional(),
});

export const zookeeperTls = strictMap({
  cert: name,
  key: name,
  ca: name,
});
