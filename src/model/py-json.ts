// Serialises values exactly as Python's `json.dumps` does with its defaults (", " and ": "
// separators, ensure_ascii, float repr), because upstream Nodepool and Zuul write the shared
// records that way and a byte-identical encoding keeps diffs, sizes and tooling honest.

/** Marks a number that Python holds as a float (timestamps): 1726589001 is written `1726589001.0`. */
export class PyFloat {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

/** Wraps a timestamp so it is written as a Python float; null stays null. */
export function asFloat(value: number | null | undefined): PyFloat | null {
  return value === null || value === undefined ? null : new PyFloat(value);
}

/** Python's `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function pyFloatRepr(x: number): string {
  // Python writes these (invalid JSON) tokens; we never produce such values ourselves.
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() without digits gives the shortest digits that round-trip, like Python's repr.
  const [mantissa, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  let body: string;
  if (exp < -4 || exp >= 16) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    body = `${digits[0]}${fraction}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else if (exp < 0) {
    body = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else {
    const integer = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    body = `${integer}.${digits.slice(exp + 1) || '0'}`;
  }
  return negative ? `-${body}` : body;
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** A JSON string literal with ensure_ascii: everything outside ' '..'~' is escaped per UTF-16 unit. */
export function pyString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    const code = value.charCodeAt(i);
    if (code >= 0x20 && code <= 0x7e && ch !== '"' && ch !== '\\') {
      out += ch;
    } else {
      out += SHORT_ESCAPES[ch] ?? `\\u${code.toString(16).padStart(4, '0')}`;
    }
  }
  return `${out}"`;
}

function pyNumber(value: number): string {
  // Python would write NaN/Infinity, which no strict JSON reader (Zuul's, ours) parses back:
  // refuse rather than leave a record nobody can read. Decoding never yields such a value.
  if (!Number.isFinite(value)) throw new RangeError(`cannot write ${value} as JSON`);
  if (Number.isInteger(value)) {
    // JSON.parse cannot tell 1 from 1.0, so an integral value is written as Python writes an int.
    return Math.abs(value) < 1e21 ? String(value) : BigInt(value).toString();
  }
  return pyFloatRepr(value);
}

export interface DumpOptions {
  /** Python's sort_keys=True (components are written this way). */
  sortKeys?: boolean;
}

/** `json.dumps(value)` as Python writes it; object keys keep insertion order unless sortKeys. */
export function pyJsonDumps(value: unknown, options: DumpOptions = {}): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof PyFloat) {
    if (!Number.isFinite(value.value)) throw new RangeError(`cannot write ${value.value} as JSON`);
    return pyFloatRepr(value.value);
  }
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return pyNumber(value);
    case 'string':
      return pyString(value);
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      // Functions and symbols cannot appear in data read from JSON.
      throw new TypeError(`cannot serialise a ${typeof value}`);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => pyJsonDumps(item, options)).join(', ')}]`;
  }
  let keys = Object.keys(value as object).filter((k) => (value as Record<string, unknown>)[k] !== undefined);
  if (options.sortKeys) keys = keys.sort(compareCodePoints);
  const entries = keys.map(
    (key) => `${pyString(key)}: ${pyJsonDumps((value as Record<string, unknown>)[key], options)}`,
  );
  return `{${entries.join(', ')}}`;
}

/** Python sorts str by code point; JS's default sort compares UTF-16 units. */
function compareCodePoints(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const diff = left[i].codePointAt(0)! - right[i].codePointAt(0)!;
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}

/** The UTF-8 bytes of `pyJsonDumps(value)`, ready for a znode. */
export function pyJsonBytes(value: unknown, options: DumpOptions = {}): Buffer {
  return Buffer.from(pyJsonDumps(value, options), 'utf8');
}
