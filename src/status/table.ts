// PrettyTable-compatible text tables (align='l', default border), byte-identical to what upstream
// `nodepool list` prints, because operators' scripts cut columns out of it.
import { createRequire } from 'node:module';

type MeasureText = (text: string) => number;
/**
 * string-width (with its Unicode tables) costs ~30 ms of CPU to load, a twentieth of a 10,000-node
 * `nodepool list`, and nearly every cell is plain ASCII, which is measured by its length. So it is
 * loaded the first time a cell is not: synchronously, by require(), where Node can require an ES
 * module (>= 20.19; process.features.require_module); older Nodes load it here, up front.
 */
let stringWidth: MeasureText | undefined = process.features.require_module
  ? undefined
  : (await import('string-width')).default;

function wideTextWidth(text: string): number {
  stringWidth ??= (createRequire(import.meta.url)('string-width') as { default: MeasureText }).default;
  return stringWidth(text);
}

/**
 * C0 controls but the line feed, DEL and C1 controls: ESC sequences from ZooKeeper must not
 * drive the terminal. A line feed stays: PrettyTable (upstream) draws it as a taller row.
 */
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/g;
const HAS_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;

/** A string with control characters written as visible escapes (`\x1b`, `\r`); others unchanged. */
export function escapeControls(text: string): string {
  if (!HAS_CONTROL.test(text)) return text;
  return text.replace(CONTROL, (ch) => {
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    return `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** Renders one cell the way upstream's status.output does: None → empty, lists comma-joined;
 *  control characters escaped (records are written by anyone on the ensemble). */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return escapeControls(value);
  if (Array.isArray(value)) return value.map((v) => cellText(v)).join(',');
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  // Dicts (user_data, driver_data): Python's str() of the dict, as upstream prints them.
  return pythonRepr(value);
}

/** Python repr() of a JSON value, so dict cells match upstream's `str(dict)`. */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : value > 0 ? 'inf' : value < 0 ? '-inf' : 'nan';
  if (typeof value === 'string') return pythonStringRepr(value);
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (typeof value === 'object') {
    const parts = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pythonStringRepr(k)}: ${pythonRepr(v)}`);
    return `{${parts.join(', ')}}`;
  }
  return String(value);
}

function pythonStringRepr(s: string): string {
  // Python prefers single quotes unless the text holds a ' and no ".
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return quote + out + quote;
}

/** `'%02d' % n` in Python (the sign counts towards the width). */
function pad2(n: number): string {
  if (n >= 10) return String(n);
  if (n >= 0) return `0${n}`;
  return n > -10 ? `-${-n}` : String(n);
}

/**
 * Upstream's status.age(): `DD:HH:MM:SS` of now - timestamp, each part truncated like `%02d`.
 * nowMs is the injected clock (ms); timestampSeconds is epoch seconds as stored in ZooKeeper.
 * Python's divmod on floats, inline (floor division, remainder with the divisor's sign): one
 * call per row of a 10,000-node listing.
 */
export function formatAge(nowMs: number, timestampSeconds: number): string {
  const dt = nowMs / 1000 - timestampSeconds;
  const m1 = Math.floor(dt / 60);
  const s = dt - m1 * 60;
  const h1 = Math.floor(m1 / 60);
  const m = m1 - h1 * 60;
  const d = Math.floor(h1 / 24);
  const h = h1 - d * 24;
  return `${pad2(Math.trunc(d))}:${pad2(Math.trunc(h))}:${pad2(Math.trunc(m))}:${pad2(Math.trunc(s))}`;
}

/** Display width; printable ASCII (nearly every cell) is its length, without string-width's cost. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
function displayWidth(text: string): number {
  return PRINTABLE_ASCII.test(text) ? text.length : wideTextWidth(text);
}

function blockWidth(text: string): number {
  if (!text.includes('\n')) return displayWidth(text);
  let w = 0;
  for (const line of text.split('\n')) w = Math.max(w, displayWidth(line));
  return w;
}

/** Spaces of each length, built once per table (padding is most of a listing's bytes). */
function spaces(max: number): string[] {
  const out = new Array<string>(max + 1);
  out[0] = '';
  for (let i = 1; i <= max; i++) out[i] = out[i - 1] + ' ';
  return out;
}

/** Draws the table; no trailing newline (the CLI adds one, like Python's print). */
export function renderTable(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const n = headers.length;
  const widths = headers.map(blockWidth);
  // One pass turns values into text and measures it; the widths are kept for drawing, so a
  // 10,000-row listing measures each cell once.
  const texts: string[][] = new Array(rows.length);
  const cellWidths: number[][] = new Array(rows.length);
  let multiline = false;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    const out = new Array<string>(n);
    const ws = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const text = cellText(row[i]);
      out[i] = text;
      let w: number;
      if (text.includes('\n')) {
        multiline = true;
        w = blockWidth(text);
      } else {
        w = displayWidth(text);
      }
      ws[i] = w;
      if (w > widths[i]) widths[i] = w;
    }
    texts[r] = out;
    cellWidths[r] = ws;
  }
  const rule = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
  const out: string[] = [rule, drawRow(headers, widths), rule];
  if (multiline) {
    for (const cells of texts) out.push(drawRow(cells, widths));
  } else {
    const pad = spaces(Math.max(0, ...widths));
    for (let r = 0; r < texts.length; r++) {
      const cells = texts[r];
      const ws = cellWidths[r];
      let line = '|';
      for (let i = 0; i < n; i++) line += ' ' + cells[i] + pad[widths[i] - ws[i]] + ' |';
      out.push(line);
    }
  }
  out.push(rule);
  return out.join('\n');
}

function drawRow(cells: readonly string[], widths: readonly number[]): string {
  if (!cells.some((c) => c.includes('\n'))) {
    let line = '|';
    for (let i = 0; i < cells.length; i++) line += ' ' + cells[i] + ' '.repeat(widths[i] - displayWidth(cells[i])) + ' |';
    return line;
  }
  // A cell with line breaks makes the row several lines tall (PrettyTable valign top).
  const split = cells.map((c) => c.split('\n'));
  const height = Math.max(...split.map((c) => c.length));
  const lines: string[] = [];
  for (let l = 0; l < height; l++) {
    let line = '|';
    for (let i = 0; i < split.length; i++) {
      const text = split[i][l] ?? '';
      line += ' ' + text + ' '.repeat(widths[i] - displayWidth(text)) + ' |';
    }
    lines.push(line);
  }
  return lines.join('\n');
}
