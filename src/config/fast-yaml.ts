// A fast reader for the plain subset of YAML that nodepool configs are written in (block
// mappings and sequences, one-line flow collections, plain and simply quoted scalars).
// It gives up (returns undefined) on anything else, and the `yaml` package reads the file
// instead; the `yaml` package is also what finds positions when a problem is reported. Its
// results are checked against `yaml` (YAML 1.1) in test/config/fast-yaml.test.ts.
//
// Why: `yaml` builds a full document with positions, which for a 16k-line config costs far more
// than validating it. Positions are only needed when something is wrong.

class Unsupported extends Error {}
const unsupported = (): never => {
  throw new Unsupported();
};

interface Line { indent: number; text: string }

export function fastParseYaml(source: string): unknown {
  try {
    // Tabs mean different things in different places in YAML: not this reader's business.
    if (source.includes('\t')) unsupported();
    const lines = splitLines(source);
    if (lines.length === 0) return null;
    const reader = new Reader(lines);
    const value = reader.node(lines[0].indent);
    if (reader.pos !== lines.length) unsupported();
    return value;
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}

function splitLines(source: string): Line[] {
  const out: Line[] = [];
  let start = 0;
  if (source.charCodeAt(0) === 0xfeff) start = 1;
  const raw = source.slice(start).split('\n');
  raw.forEach((line, i) => {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    let indent = 0;
    while (line.charCodeAt(indent) === 32) indent++;
    let text = line.slice(indent);
    if (text === '' || text.startsWith('#')) return;
    if (i === 0 && text === '---') return;
    if (text.startsWith('---') || text.startsWith('...') || text.startsWith('%')) unsupported();
    if (text.includes('#')) {
      // A `#` next to quotes could be inside them: leave such lines to the full parser.
      if (/['"]/.test(text)) unsupported();
      const comment = text.search(/\s#/);
      if (comment >= 0) text = text.slice(0, comment);
    }
    text = text.trimEnd();
    if (text === '') return;
    out.push({ indent, text });
  });
  return out;
}

class Reader {
  pos = 0;
  private readonly lines: Line[];

  constructor(lines: Line[]) {
    this.lines = lines;
  }

  private get line(): Line | undefined {
    return this.lines[this.pos];
  }

  /** A block node whose first line is the current one, at exactly `indent`. */
  node(indent: number): unknown {
    const line = this.line!;
    if (line.indent !== indent) unsupported();
    if (isSeqItem(line.text)) return this.seq(indent);
    if (keyEnd(line.text) >= 0) return this.map(indent);
    unsupported();
  }

  private map(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    while (this.line && this.line.indent === indent && !isSeqItem(this.line.text)) {
      const { text } = this.line;
      const end = keyEnd(text);
      if (end < 0) unsupported();
      const key = plainKey(text.slice(0, end));
      if (Object.hasOwn(out, key)) unsupported(); // duplicate: let the full parser report it
      const rest = text.slice(end + 1).trimStart();
      this.pos++;
      out[key] = rest === '' ? this.nested(indent, true) : this.inline(rest, indent);
    }
    if (this.line && this.line.indent > indent) unsupported();
    return out;
  }

  private seq(indent: number): unknown[] {
    const out: unknown[] = [];
    while (this.line && this.line.indent === indent && isSeqItem(this.line.text)) {
      const { text } = this.line;
      const rest = text.slice(1).trimStart();
      if (rest === '') {
        this.pos++;
        out.push(this.nested(indent, false));
      } else if (isSeqItem(rest)) {
        unsupported();
      } else if (keyEnd(rest) >= 0) {
        // `- key: value` starts a mapping indented where `key` is.
        const inner = indent + (text.length - rest.length);
        this.lines[this.pos] = { indent: inner, text: rest };
        out.push(this.map(inner));
      } else {
        this.pos++;
        out.push(this.inline(rest, indent));
      }
    }
    if (this.line && this.line.indent > indent) unsupported();
    return out;
  }

  /** The value after `key:` or `-` with nothing on the line: deeper lines, or null. */
  private nested(indent: number, inMap: boolean): unknown {
    const next = this.line;
    if (next && next.indent > indent) return this.node(next.indent);
    // A sequence may sit at its key's own indentation.
    if (inMap && next && next.indent === indent && isSeqItem(next.text)) return this.seq(indent);
    return null;
  }

  private inline(text: string, indent: number): unknown {
    // A deeper line after a one-line value would continue it (a multi-line scalar).
    if (this.line && this.line.indent > indent) unsupported();
    const c = text[0];
    if (c === '[' || c === '{') return flow(text);
    return scalar(text, false);
  }
}

function isSeqItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

/** Index of the `:` ending a plain key on this line, or -1. */
function keyEnd(text: string): number {
  const c = text[0];
  if (c === '"' || c === "'" || c === '[' || c === '{' || c === '?') return -1;
  for (let i = text.indexOf(':'); i >= 0; i = text.indexOf(':', i + 1)) {
    if (i + 1 === text.length || text[i + 1] === ' ') return i;
  }
  return -1;
}

const SAFE_KEY = /^[A-Za-z_][A-Za-z0-9_.\-/]*$/;
const TYPED_WORD = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;

function plainKey(raw: string): string {
  const key = raw.trimEnd();
  if (!SAFE_KEY.test(key) || TYPED_WORD.test(key)) unsupported();
  return key;
}

/** A one-line flow sequence or mapping of scalars. */
function flow(text: string): unknown {
  const close = text[0] === '[' ? ']' : '}';
  if (text[text.length - 1] !== close) unsupported();
  const body = text.slice(1, -1).trim();
  if (/[[\]{}]/.test(body)) unsupported(); // nested collections
  const parts = body === '' ? [] : splitFlow(body);
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop(); // trailing comma
  if (close === ']') return parts.map((p) => flowScalar(p));
  const out: Record<string, unknown> = {};
  for (const part of parts) {
    const end = keyEnd(part);
    if (end < 0) unsupported();
    const key = plainKey(part.slice(0, end));
    if (Object.hasOwn(out, key)) unsupported();
    const value = part.slice(end + 1).trim();
    out[key] = value === '' ? null : flowScalar(value);
  }
  return out;
}

/** Splits on commas outside quotes. */
function splitFlow(body: string): string[] {
  const parts: string[] = [];
  let quote = '';
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if ((c === '"' || c === "'") && body.slice(start, i).trim() === '') {
      quote = c;
    } else if (c === ',') {
      parts.push(body.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (quote) unsupported();
  parts.push(body.slice(start).trim());
  return parts;
}

function flowScalar(text: string): unknown {
  if (text === '') unsupported();
  return scalar(text, true);
}

const PLAIN_START_FORBIDDEN = /^[&*!|>%@`?:,\]}[{#]/;

function scalar(text: string, inFlow: boolean): unknown {
  const c = text[0];
  if (c === "'") {
    if (text.length < 2 || text[text.length - 1] !== "'") unsupported();
    const inner = text.slice(1, -1);
    if (/'(?!')/.test(inner.replaceAll("''", ''))) unsupported();
    return inner.replaceAll("''", "'");
  }
  if (c === '"') {
    if (text.length < 2 || text[text.length - 1] !== '"') unsupported();
    const inner = text.slice(1, -1);
    if (inner.includes('\\') || inner.includes('"')) unsupported();
    return inner;
  }
  if (PLAIN_START_FORBIDDEN.test(text) || text.includes(': ') || text.endsWith(':')) unsupported();
  if (text.startsWith('- ') || text === '-') unsupported();
  if (inFlow && /[,[\]{}]/.test(text)) unsupported();
  return resolvePlain(text);
}

const INT = /^[-+]?(0|[1-9][0-9]*)$/;
const FLOAT = /^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/;
const DOTTED = /^[0-9]+(\.[0-9]+){2,}$/; // addresses and versions: strings in YAML 1.1

/** YAML 1.1 resolution of a plain scalar, for the cases this reader is sure of. */
function resolvePlain(text: string): unknown {
  switch (text) {
    case '~': case 'null': case 'Null': case 'NULL': return null;
    case 'y': case 'Y': case 'yes': case 'Yes': case 'YES': case 'true': case 'True': case 'TRUE':
    case 'on': case 'On': case 'ON':
      return true;
    case 'n': case 'N': case 'no': case 'No': case 'NO': case 'false': case 'False': case 'FALSE':
    case 'off': case 'Off': case 'OFF':
      return false;
  }
  if (INT.test(text)) {
    const n = Number(text);
    if (!Number.isSafeInteger(n)) unsupported();
    return n;
  }
  if (FLOAT.test(text)) return Number(text);
  if (DOTTED.test(text)) return text;
  // Anything else that might be a number, date, sexagesimal or special float: not sure.
  if (/^[-+.0-9]/.test(text) || /^\.(inf|nan)/i.test(text)) unsupported();
  return text;
}
