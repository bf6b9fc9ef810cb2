// Plain-scalar resolution and scalar construction exactly as PyYAML's SafeLoader does them
// (YAML 1.1 as PyYAML implements it, resolver.py and constructor.py): which plain scalars are
// booleans, null, ints, floats or timestamps, and what value each becomes. Upstream Nodepool
// reads its files with yaml.safe_load, so this table, not the YAML 1.1 spec, is the reference.
// test/config/pyyaml-differential.test.ts checks it against PyYAML itself.

/** A YAML timestamp as PyYAML builds it: datetime.date, or datetime.datetime (naive or aware). */
export interface PyTime {
  hour: number; minute: number; second: number; microsecond: number;
  /** Minutes east of UTC; null for a naive datetime. */
  utcOffsetMinutes: number | null;
}

export class PyTimestamp {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** Absent for a date. */
  readonly time?: PyTime;

  constructor(year: number, month: number, day: number, time?: PyTime) {
    this.year = year;
    this.month = month;
    this.day = day;
    if (time) this.time = time;
  }

  /** Python's isoformat(). */
  isoformat(sep = 'T'): string {
    const p = (n: number, w = 2) => String(n).padStart(w, '0');
    const date = `${p(this.year, 4)}-${p(this.month)}-${p(this.day)}`;
    const t = this.time;
    if (!t) return date;
    let out = `${date}${sep}${p(t.hour)}:${p(t.minute)}:${p(t.second)}`;
    if (t.microsecond) out += `.${p(t.microsecond, 6)}`;
    if (t.utcOffsetMinutes !== null) {
      const abs = Math.abs(t.utcOffsetMinutes);
      out += `${t.utcOffsetMinutes < 0 ? '-' : '+'}${p(Math.floor(abs / 60))}:${p(abs % 60)}`;
    }
    return out;
  }

  /** Python's str(): what upstream gets when it formats the value. */
  toString(): string {
    return this.isoformat(' ');
  }

  toJSON(): string {
    return this.isoformat();
  }
}

export type PyScalar = string | number | bigint | boolean | null | PyTimestamp;

/** The tags PyYAML's resolver can give a plain scalar (the last two have no safe constructor). */
export type ImplicitTag = 'str' | 'bool' | 'null' | 'int' | 'float' | 'timestamp' | 'merge' | 'value';

// resolver.py, in its registration order; a resolver is tried only for the first characters it
// was registered with. Python's `$` also matches before a final newline; plain scalars never end
// with one, so `$` here is the same.
const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
// Note what is NOT a float: `1e3` (no dot), `1.0e3` (exponent needs a sign), `-.5` (a leading
// dot takes no sign), `.` alone.
const FLOAT = /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const MERGE = /^(?:<<)$/;
const NULL = /^(?:~|null|Null|NULL|)$/;
const TIMESTAMP = /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;
const VALUE = /^(?:=)$/;

const RESOLVERS: [ImplicitTag, RegExp, string][] = [
  ['bool', BOOL, 'yYnNtTfFoO'],
  ['float', FLOAT, '-+0123456789.'],
  ['int', INT, '-+0123456789'],
  ['merge', MERGE, '<'],
  ['null', NULL, '~nN'],
  ['timestamp', TIMESTAMP, '0123456789'],
  ['value', VALUE, '='],
];

/** The tag PyYAML's resolver gives a plain (unquoted, untagged) scalar. */
export function resolvePlain(value: string): ImplicitTag {
  if (value === '') return 'null';
  const first = value[0];
  for (const [tag, re, firsts] of RESOLVERS) {
    if (firsts.includes(first) && re.test(value)) return tag;
  }
  return 'str';
}

export class ScalarConstructError extends Error {}

/** SafeConstructor.construct_yaml_bool. */
export function constructBool(value: string): boolean {
  const v = value.toLowerCase();
  if (v === 'yes' || v === 'true' || v === 'on') return true;
  if (v === 'no' || v === 'false' || v === 'off') return false;
  throw new ScalarConstructError(`'${value}' is not a YAML 1.1 boolean`);
}

/** SafeConstructor.construct_yaml_int; beyond 2^53 the exact value is kept as a bigint. */
export function constructInt(source: string): number | bigint {
  let v = source.replace(/_/g, '');
  let sign = 1n;
  if (v[0] === '-') sign = -1n;
  if (v[0] === '-' || v[0] === '+') v = v.slice(1);
  let big: bigint;
  try {
    if (v === '0') return 0;
    else if (v.startsWith('0b')) big = parseDigits(v.slice(2), 2);
    else if (v.startsWith('0x')) big = parseDigits(v.slice(2), 16);
    else if (v[0] === '0') big = parseDigits(v, 8);
    else if (v.includes(':')) {
      big = 0n;
      for (const part of v.split(':')) big = big * 60n + parseDigits(part, 10);
    } else big = parseDigits(v, 10);
  } catch {
    throw new ScalarConstructError(`'${source}' is not an integer`);
  }
  big *= sign;
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

/** Python's int(s, base) for the digit strings PyYAML hands it (an empty one is an error). */
function parseDigits(digits: string, base: number): bigint {
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base as 2 | 8 | 10 | 16];
  if (!valid.test(digits)) throw new Error('bad digits');
  let out = 0n;
  const b = BigInt(base);
  for (const ch of digits) out = out * b + BigInt(parseInt(ch, base));
  return out;
}

/** SafeConstructor.construct_yaml_float. */
export function constructFloat(source: string): number {
  let v = source.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (v[0] === '-') sign = -1;
  if (v[0] === '-' || v[0] === '+') v = v.slice(1);
  if (v === '.inf') return sign * Infinity;
  if (v === '.nan') return NaN;
  if (v.includes(':')) {
    let out = 0;
    for (const part of v.split(':')) out = out * 60 + pythonFloat(part, source);
    return sign * out;
  }
  return sign * pythonFloat(v, source);
}

/** Python's float() on the decimal forms that can reach it here. */
function pythonFloat(text: string, source: string): number {
  // Reachable only through an explicit !!float tag.
  if (text === 'inf' || text === 'infinity') return Infinity;
  if (text === 'nan') return NaN;
  if (!/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?$/.test(text)) {
    throw new ScalarConstructError(`'${source}' is not a float`);
  }
  return Number(text);
}

const TIMESTAMP_PARTS = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)?$/;

/** SafeConstructor.construct_yaml_timestamp (an impossible date is an error, as in Python). */
export function constructTimestamp(source: string): PyTimestamp {
  const m = TIMESTAMP_PARTS.exec(source);
  if (!m) throw new ScalarConstructError(`'${source}' is not a timestamp`);
  const [year, month, day] = [m[1], m[2], m[3]].map(Number);
  const daysIn = [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn[month - 1]) {
    throw new ScalarConstructError(`'${source}' is not a valid date`);
  }
  if (m[4] === undefined) return new PyTimestamp(year, month, day);
  const [hour, minute, second] = [m[4], m[5], m[6]].map(Number);
  if (hour > 23 || minute > 59 || second > 59) throw new ScalarConstructError(`'${source}' is not a valid time`);
  const microsecond = m[7] ? Number(m[7].slice(0, 6).padEnd(6, '0')) : 0;
  let utcOffsetMinutes: number | null = null;
  if (m[9]) {
    utcOffsetMinutes = (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11] ?? 0));
    // datetime.timezone takes offsets strictly within a day.
    if (Math.abs(utcOffsetMinutes) >= 24 * 60) throw new ScalarConstructError(`'${source}' has an offset of a day or more`);
  } else if (m[8] === 'Z') utcOffsetMinutes = 0;
  return new PyTimestamp(year, month, day, { hour, minute, second, microsecond, utcOffsetMinutes });
}

/** The value of a scalar with a known standard tag (implicit or explicit `!!tag`). */
export function constructScalar(tag: Exclude<ImplicitTag, 'merge' | 'value'>, value: string): PyScalar {
  switch (tag) {
    case 'str': return value;
    case 'null': return null;
    case 'bool': return constructBool(value);
    case 'int': return constructInt(value);
    case 'float': return constructFloat(value);
    case 'timestamp': return constructTimestamp(value);
  }
}
