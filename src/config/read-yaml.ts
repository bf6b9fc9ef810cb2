// Reading a nodepool.yaml or secure file as upstream's openConfig does: %(NODEPOOL_X) filled in
// the text as written, then YAML as PyYAML reads it, positions kept in the file as written.
import { substituteEnvText, type Env } from './env-substitute.ts';
import { formatPath, type ConfigProblem } from './errors.ts';
import { YamlSource } from './yaml-source.ts';

/**
 * Substitutes %(NODEPOOL_X) in the text as written and parses the result; a placeholder whose
 * variable is unset stays as written (as upstream leaves it) with a warning.
 */
export function readYaml(file: string, written: string, env: Env): { source: YamlSource; consumed: string[]; problems: ConfigProblem[] } {
  const sub = substituteEnvText(written, env);
  const source = new YamlSource(file, sub.text, { original: sub.original });
  // In a comment it does not matter.
  const problems = sub.unset
    .filter((u) => !source.inComment(u.offset))
    .map((u) => source.problemAtOffset(u.offset, 'warning',
      `%(${u.name}) is left as written: ${u.name} is not set (expected it in the environment)`));
  // Every name the file writes as a placeholder counts, set or not: whenever it is set it may
  // carry a secret into the config, so it is never handed on (ready-scripts).
  const consumed = [...new Set([...sub.consumed, ...sub.unset.map((u) => u.name)])].sort();
  return { source, consumed, problems };
}


/**
 * Keys YAML reads as something other than a string (`1:`, `yes:`, `~:`): PyYAML keeps them as
 * ints, booleans or None, which no nodepool setting is; each is an error at its key.
 */
export function nonStringKeyProblems(value: unknown, source: YamlSource): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown, path: (string | number)[]) => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...path, i]));
    else if (v instanceof Map) {
      for (const [k, item] of v) {
        if (typeof k !== 'string') {
          const pos = source.positionOfKeyValue(path, k);
          const what = k === null ? 'null' : typeof k === 'boolean' ? `the boolean ${k}` : `${typeof k === 'object' ? 'a date' : 'the number'} ${String(k)}`;
          out.push({ severity: 'error', file: source.file, line: pos.line, col: pos.col, path: formatPath(path), message: `a key YAML reads as ${what} (expected a string key; quote it)` });
        }
        walk(item, [...path, String(k)]);
      }
    } else if (!(v instanceof Uint8Array)) {
      for (const [k, item] of Object.entries(v)) walk(item, [...path, k]);
    }
  };
  walk(value, []);
  return out;
}
