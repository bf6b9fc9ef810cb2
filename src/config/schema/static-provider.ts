// The static provider of the current format: hosts that already exist, listed per pool, with
// the keys and code defaults of upstream's static driver (nodepool/driver/static/config.py,
// documented upstream as "Static Driver"). Defaults that depend on another key (the port on the
// connection type) are applied in ../normalize-static.ts.
import { z } from 'zod';
import { name, strictMap } from './common.ts';

/** `labels` and `host-key` take one string or a list; upstream splits a label string on spaces. */
const stringOrList = z.union([z.string(), z.array(z.string())], {
  error: (iss) => `got ${describe(iss.input)} (expected a string or a list of strings)`,
});

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list with a non-string item';
  return typeof v === 'object' ? 'a mapping' : `the ${typeof v} ${String(v)}`;
}

export const staticNodeSchema = strictMap({
  name,
  labels: stringOrList,
  username: z.string().default('zuul'),
  timeout: z.number().int().min(1).default(5),
  'host-key-checking': z.boolean().default(true),
  'host-key': stringOrList.default([]),
  'connection-type': z.string().min(1).default('ssh'),
  'connection-port': z.number().int().min(1).max(65535).optional(),
  'shell-type': z.string().optional(),
  'python-path': z.string().default('auto'),
  'max-parallel-jobs': z.number().int().min(1).default(1),
});

export const staticPoolSchema = strictMap({
  name,
  // Upstream's common pool keys; max-servers means nothing for hosts that already exist.
  'max-servers': z.number().int().optional(),
  priority: z.number().int().optional(),
  'node-attributes': z.record(z.string(), z.unknown()).default({}),
  nodes: z.array(staticNodeSchema),
});

export const staticProviderSchema = strictMap({
  name,
  driver: z.literal('static'),
  'max-concurrency': z.number().int().min(-1).default(-1),
  priority: z.number().int().default(100),
  pools: z.array(staticPoolSchema).default([]),
});

export type RawStaticProvider = z.output<typeof staticProviderSchema>;
export type RawStaticPool = z.output<typeof staticPoolSchema>;
export type RawStaticNode = z.output<typeof staticNodeSchema>;

/** Connection types upstream's static driver and Zuul know; others are accepted with a warning. */
export const KNOWN_CONNECTION_TYPES = ['ssh', 'winrm', 'network_cli', 'kubectl'] as const;
