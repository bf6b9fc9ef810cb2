// So that one run reports ALL problems: when the schema fails, drop the offending keys (their
// problems are already reported) and parse again, so the cross-reference and disk checks can
// still run on the rest. Problems those checks find at or around a dropped key are discarded,
// since they would only echo the schema problem.
import type { z } from 'zod';
import { isRecord } from './detect-format.ts';
import { formatPath, type ConfigPath, type ConfigProblem } from './errors.ts';

const MAX_ROUNDS = 3;

/**
 * Parses `raw` with `schema`, deleting each key an issue points at and retrying. Returns the
 * parsed data and the paths of dropped known keys (whose echoes to discard), or null when the problems sit where nothing can be
 * dropped (a missing required key, a whole list item of the wrong type...).
 */
export function parseWithoutBadKeys<T>(
  schema: z.ZodType<T>,
  raw: unknown,
  issues: readonly z.core.$ZodIssue[],
): { data: T; dropped: string[] } | null {
  const copy = structuredClone(raw);
  const dropped: string[] = [];
  let pending = issues;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    for (const issue of pending) {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      const typo = issue.code === 'unrecognized_keys';
      const keys = typo ? issue.keys.map((k) => [...path, k]) : [path];
      for (const keyPath of keys) {
        if (!dropKey(copy, keyPath)) return null;
        // A typo'd key means nothing, so what the checks say about its mapping is real (e.g.
        // "no flavor" after `min-rma`); a known key with a bad value would only be echoed.
        if (!typo) dropped.push(formatPath(keyPath));
      }
    }
    const again = schema.safeParse(copy);
    if (again.success) return { data: again.data, dropped };
    pending = again.error.issues;
  }
  return null;
}

/** Deletes a mapping key; false when the path is not a present key of a mapping. */
function dropKey(root: unknown, path: ConfigPath): boolean {
  const last = path.at(-1);
  if (typeof last !== 'string') return false;
  let parent: unknown = root;
  for (const seg of path.slice(0, -1)) {
    if (parent === null || typeof parent !== 'object') return false;
    parent = (parent as Record<string | number, unknown>)[seg];
  }
  if (!isRecord(parent) || !(last in parent)) return false;
  delete parent[last];
  return true;
}

/** Drops problems at, inside or around a dropped key. */
export function withoutEchoes(problems: ConfigProblem[], dropped: readonly string[]): ConfigProblem[] {
  return problems.filter((p) => !dropped.some((d) => d.startsWith(p.path) || p.path.startsWith(d)));
}
