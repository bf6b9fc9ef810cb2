// `%(NODEPOOL_X)` placeholders, filled in the raw text before YAML parsing as upstream does
// (nodepool/config.py substitute_env_vars: for every environment variable whose name starts
// with NODEPOOL_, replace the literal text `%(NAME)` by its value). So `port: %(NODEPOOL_PORT)`
// unquoted is a number, a quoted one a string; a placeholder whose variable is unset stays as
// written; `%(NODEPOOL_X)s` keeps its `s`. The environment is passed in; nothing here reads
// process.env. Positions in the substituted text map back to the file as written.
import type { OriginalText } from './yaml-source.ts';

export type Env = Readonly<Record<string, string | undefined>>;

const PLACEHOLDER = /%\((NODEPOOL_[^)]*)\)/g;

export interface Substitution {
  /** The text to parse. */
  text: string;
  /** The file as written, and how an offset of `text` maps into it. */
  original: OriginalText;
  /** Names of the variables substituted, sorted, each once. */
  consumed: string[];
  /** Placeholders left as written because their variable is not set (offset in `text`). */
  unset: { name: string; offset: number }[];
}

// One replaced stretch: [start, end) of the new text came from [origStart, origEnd) of the file.
interface Segment { start: number; end: number; origStart: number; origEnd: number }

export function substituteEnvText(written: string, env: Env): Substitution {
  const segments: Segment[] = [];
  const consumed = new Set<string>();
  const unset: { name: string; offset: number }[] = [];
  let out = '';
  let last = 0;
  // One pass over the file; upstream replaces variable by variable, which differs only when a
  // value itself contains another %(NODEPOOL_Y) placeholder (it may then be replaced too).
  for (const m of written.matchAll(PLACEHOLDER)) {
    const name = m[1];
    const value = Object.prototype.hasOwnProperty.call(env, name) ? env[name] : undefined;
    if (value === undefined) {
      unset.push({ name, offset: out.length + (m.index - last) });
      continue;
    }
    consumed.add(name);
    out += written.slice(last, m.index);
    segments.push({ start: out.length, end: out.length + value.length, origStart: m.index, origEnd: m.index + m[0].length });
    out += value;
    last = m.index + m[0].length;
  }
  if (segments.length === 0) {
    return { text: written, original: { text: written, toOriginal: (o) => o }, consumed: [], unset };
  }
  out += written.slice(last);
  return { text: out, original: { text: written, toOriginal: (o) => toOriginal(segments, o) }, consumed: [...consumed].sort(), unset };
}

/** Inside a substituted value: the placeholder's start; elsewhere: shifted by what came before. */
function toOriginal(segments: Segment[], offset: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  let before: Segment | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (segments[mid].start <= offset) { before = segments[mid]; lo = mid + 1; } else hi = mid - 1;
  }
  if (!before) return offset;
  if (offset < before.end) return before.origStart;
  return before.origEnd + (offset - before.end);
}
