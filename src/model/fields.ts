// Lenient, typed reads of fields from a decoded record. Missing keys get the caller's default
// (upstream's `d.get(key, default)`); a value of a clearly wrong type is a RecordDecodeError.
import { RecordDecodeError } from './errors.ts';

export type JsonObject = Record<string, unknown>;

/**
 * Nesting deeper than this is refused as undecodable: Python's json (upstream, Zuul) gives up
 * near its recursion limit of 1000 anyway, and our encoder and listings recurse over values.
 */
export const MAX_RECORD_DEPTH = 512;

/** One strict decoder for every record: decode() without {stream} keeps no state between calls,
 *  and making a TextDecoder per record costs more than decoding it (listings read 10,000s). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Parses znode bytes into a JSON object; invalid UTF-8/JSON or a non-object is a RecordDecodeError. */
export function parseRecord(data: Buffer | Uint8Array | string, path: string): JsonObject {
  let text: string;
  try {
    text = typeof data === 'string' ? data : UTF8.decode(data);
  } catch {
    throw new RecordDecodeError(path, 'data is not valid UTF-8');
  }
  if (text.length === 0) throw new RecordDecodeError(path, 'no data');
  const shape = scanJsonText(text);
  if (shape.depth > MAX_RECORD_DEPTH) {
    throw new RecordDecodeError(path, `JSON nested ${shape.depth} levels deep (at most ${MAX_RECORD_DEPTH} are read)`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new RecordDecodeError(path, `invalid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new RecordDecodeError(path, `expected a JSON object, found ${describe(value)}`);
  }
  // 1e400 parses as Infinity, which JSON cannot carry back: such a record is not ours to rewrite.
  if (shape.maybeHuge && hasNonFiniteNumber(value)) {
    throw new RecordDecodeError(path, 'a number is too large to be represented (it would be written back as Infinity)');
  }
  return value as JsonObject;
}

/**
 * One pass over the text outside strings: the deepest nesting, and whether a number token could
 * overflow a double (an exponent or 300+ digits), so the common record skips the value walk.
 */
function scanJsonText(text: string): { depth: number; maybeHuge: boolean } {
  // Fast path for the common record: few brackets cannot nest deeply, and a number can overflow
  // only with an exponent or 300+ digits; both found by native searches, no loop over the text.
  let openers = 0;
  for (let i = text.indexOf('{'); i >= 0 && openers <= MAX_RECORD_DEPTH; i = text.indexOf('{', i + 1)) openers++;
  for (let i = text.indexOf('['); i >= 0 && openers <= MAX_RECORD_DEPTH; i = text.indexOf('[', i + 1)) openers++;
  if (openers <= MAX_RECORD_DEPTH) return { depth: openers, maybeHuge: MAYBE_HUGE_NUMBER.test(text) };
  return scanJsonTextSlowly(text);
}

/** A digit followed by an exponent, or 300 digits in a row (inside strings too: over-flagging
 *  only costs the walk over the parsed value). */
const MAYBE_HUGE_NUMBER = /\d[eE][+-]?\d|\d{300}/;

function scanJsonTextSlowly(text: string): { depth: number; maybeHuge: boolean } {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  let numberRun = 0;
  let maybeHuge = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
    if ((c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2b || c === 0x2d) {
      if (++numberRun >= 300) maybeHuge = true;
    } else if (c === 0x65 || c === 0x45) {
      // e/E outside a string is either an exponent or part of true/false (harmless to over-flag).
      if (numberRun > 0) maybeHuge = true;
      numberRun = 0;
    } else {
      numberRun = 0;
    }
  }
  return { depth: deepest, maybeHuge };
}

/** Iterative, since the value may be nested hundreds of levels. */
function hasNonFiniteNumber(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return true;
    } else if (Array.isArray(value)) {
      for (const item of value) if (item !== null && typeof item !== 'string' && typeof item !== 'boolean') stack.push(item);
    } else if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      for (const key in record) {
        const item = record[key];
        if (item !== null && typeof item !== 'string' && typeof item !== 'boolean') stack.push(item);
      }
    }
  }
  return false;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** A value for an error message that never runs code of the value (a crafted toString) and stays short. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  return describe(value);
}

/** Sets an own, enumerable key even when it is "__proto__" (plain assignment would set the prototype). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export class FieldReader {
  readonly record: JsonObject;
  readonly path: string;
  constructor(record: JsonObject, path: string) {
    this.record = record;
    this.path = path;
  }

  private fail(key: string, expected: string, value: unknown): never {
    throw new RecordDecodeError(this.path, `field "${key}": expected ${expected}, found ${describe(value)}`);
  }

  has(key: string): boolean {
    return Object.hasOwn(this.record, key);
  }

  raw(key: string): unknown {
    return this.has(key) ? this.record[key] : undefined;
  }

  /** string | null; numbers and booleans are accepted as their string form. */
  optString(key: string, fallback: string | null = null): string | null {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    if (value === null) return null;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return this.fail(key, 'a string', value);
  }

  /** A string that must be present and non-null after defaults. */
  string(key: string, fallback: string): string {
    return this.optString(key, fallback) ?? fallback;
  }

  optNumber(key: string, fallback: number | null = null): number | null {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    if (value === null) return null;
    if (typeof value === 'number') return value;
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
    return this.fail(key, 'a number', value);
  }

  number(key: string, fallback: number): number {
    return this.optNumber(key, fallback) ?? fallback;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.raw(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value === 'boolean') return value;
    // Python truthiness, since upstream only ever tests these with `if`.
    if (typeof value === 'number') return value !== 0;
    return this.fail(key, 'a boolean', value);
  }

  /** upstream's as_list(): a falsy value is [], a scalar is [scalar], a list stays a list. */
  stringList(key: string): string[] {
    const value = this.raw(key);
    if (value === undefined || value === null || value === '' || value === false || value === 0) return [];
    const items = Array.isArray(value) ? value : [value];
    return items.map((item) => {
      if (typeof item === 'string') return item;
      if (typeof item === 'number' || typeof item === 'boolean') return String(item);
      return this.fail(key, 'a list of strings', value);
    });
  }

  /** A JSON object (not an array) or null. */
  optObject<T = JsonObject>(key: string): T | null {
    const value = this.raw(key);
    if (value === undefined || value === null) return null;
    if (typeof value === 'object' && !Array.isArray(value)) return value as T;
    return this.fail(key, 'an object', value);
  }

  /** One of the allowed values; an unknown value is a decode error (upstream raises TypeError too). */
  oneOf<T extends string>(key: string, allowed: readonly T[]): T {
    const value = this.raw(key);
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    if (value === undefined) {
      throw new RecordDecodeError(this.path, `field "${key}" is missing`);
    }
    throw new RecordDecodeError(this.path, `field "${key}": ${describeValue(value)} is not one of ${allowed.join(', ')}`);
  }
}

/** Python's int() as upstream applies it to hold_expiration: anything it cannot coerce becomes 0. */
export function coerceInt(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^[+-]?\d+(_\d+)*$/.test(text)) return Number(text.replaceAll('_', ''));
    return 0;
  }
  return 0;
}
