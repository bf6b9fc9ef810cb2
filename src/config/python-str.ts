// Python's str() of a value read from YAML: what upstream's image `meta` and instance
// properties become when openstacksdk turns them into Glance/Nova metadata strings
// (True -> 'True', nested values -> their Python repr). Ints and floats cannot be told apart
// once read (`1.0` is the number 1 here), so an integral float prints as an int.
import { PyTimestamp } from './yaml/pyyaml-scalars.ts';

export function pythonStr(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof PyTimestamp) return value.toString();
  return pythonRepr(value);
}

function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return floatOrIntRepr(value);
  if (value instanceof PyTimestamp) return timestampRepr(value);
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (value instanceof Map) return `{${[...value].map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`).join(', ')}}`;
  if (typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${quote(k)}: ${pythonRepr(v)}`).join(', ')}}`;
  }
  return String(value);
}

/** repr() of a str: single quotes unless the text has one and no double quote. */
function quote(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return q + (q === "'" ? body.replace(/'/g, "\\'") : body) + q;
}

/** repr() of a number: an int as digits; a float the shortest way, exponent below 1e-4 or from 1e16. */
function floatOrIntRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return Object.is(x, -0) ? '-0' : String(x);
  const [mantissa, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(x);
}

/** repr() of a date or datetime (an aware one's tzinfo is given as a fixed offset). */
function timestampRepr(t: PyTimestamp): string {
  const date = `${t.year}, ${t.month}, ${t.day}`;
  if (!t.time) return `datetime.date(${date})`;
  const { hour, minute, second, microsecond, utcOffsetMinutes } = t.time;
  let args = `${date}, ${hour}, ${minute}`;
  if (second || microsecond) args += `, ${second}`;
  if (microsecond) args += `, ${microsecond}`;
  if (utcOffsetMinutes === 0) args += ', tzinfo=datetime.timezone.utc';
  else if (utcOffsetMinutes !== null) args += `, tzinfo=datetime.timezone(datetime.timedelta(seconds=${utcOffsetMinutes * 60}))`;
  return `datetime.datetime(${args})`;
}
