// Turns zod issues into ConfigProblems worded for operators, each at the offending node.
import type { z } from 'zod';
import { formatPath, type ConfigPath, type ConfigProblem } from './errors.ts';
import { ALLOWED_KEYS_PREFIX } from './schema/common.ts';
import type { YamlSource } from './yaml-source.ts';

export function schemaProblems(
  issues: readonly z.core.$ZodIssue[],
  raw: unknown,
  source: YamlSource,
): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const allowed = issue.message.startsWith(ALLOWED_KEYS_PREFIX)
        ? issue.message.slice(ALLOWED_KEYS_PREFIX.length).split(', ')
        : [];
      for (const key of issue.keys) {
        const keyPath = [...path, key];
        const hint = suggest(key, allowed);
        out.push(problemAt(source, keyPath, true,
          `unknown key '${key}' (expected one of: ${allowed.join(', ')}${hint ? `; did you mean '${hint}'?` : ''})`));
      }
      continue;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0 && issue.message.startsWith('Invalid input')) {
      // No alternative matched: report the alternative that got furthest (fewest issues).
      const best = [...issue.errors].sort((a, b) => a.length - b.length)[0];
      out.push(...schemaProblems(best.map((i) => ({ ...i, path: [...path, ...i.path] })), raw, source));
      continue;
    }
    out.push(problemAt(source, path, false, describeIssue(issue, valueAt(raw, path))));
  }
  return out;
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return `missing required key (expected ${issue.expected})`;
      return `wrong type: got ${kindOf(value)} ${preview(value)} (expected ${issue.expected})`;
    case 'too_small':
      return `${preview(value)} is too small (expected ${issue.origin === 'string' ? 'a non-empty string' : `${issue.inclusive ? '>=' : '>'} ${issue.minimum}`})`;
    case 'too_big':
      return `${preview(value)} is too big (expected ${issue.inclusive ? '<=' : '<'} ${issue.maximum})`;
    case 'invalid_value':
      return `${preview(value)} is not allowed (expected one of: ${issue.values.map(String).join(', ')})`;
    case 'invalid_format':
      return `${preview(value)} is not a valid ${issue.format}`;
    case 'not_multiple_of':
      return `${preview(value)} is not a multiple of ${issue.divisor}`;
    default:
      // Our own refinements already read "what is wrong (what was expected)".
      if (/\(.*\)$/.test(issue.message)) return issue.message;
      if (issue.message.startsWith('Invalid input: expected int')) return `${preview(value)} is not an integer (expected int)`;
      return `${issue.message} (got ${preview(value)})`;
  }
}

export function problemAt(
  source: YamlSource,
  path: ConfigPath,
  atKey: boolean,
  message: string,
  severity: 'error' | 'warning' = 'error',
): ConfigProblem {
  const pos = source.positionOf(path, { key: atKey });
  return { severity, file: source.file, line: pos.line, col: pos.col, path: formatPath(path), message };
}

export function valueAt(raw: unknown, path: ConfigPath): unknown {
  let cur: unknown = raw;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'mapping';
  return typeof v === 'number' && Number.isInteger(v) ? 'int' : typeof v;
}

function preview(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (v === undefined) return 'nothing';
  if (typeof v === 'object' && v !== null) return Array.isArray(v) ? 'a list' : 'a mapping';
  return String(v);
}

/** The allowed key closest to a typo, if it is close enough to be a likely fix. */
function suggest(key: string, allowed: string[]): string | null {
  let best: string | null = null;
  let bestDist = 3;
  for (const candidate of allowed) {
    const d = editDistance(key, candidate);
    if (d < bestDist) { best = candidate; bestDist = d; }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
