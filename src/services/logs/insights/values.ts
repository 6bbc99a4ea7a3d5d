/**
 * The values a Logs Insights query computes with, and how they compare, sort and print. Fields
 * hold strings (the message, parsed text), JSON scalars (numbers, booleans) or timestamps; null is
 * a field the event does not have. A string that reads as a number compares as one, as AWS's do.
 */

/** A point in time (`@timestamp`, `bin()`…): compares as epoch milliseconds, prints as `YYYY-MM-DD HH:MM:SS.sss`. */
export class Timestamp {
  constructor(readonly ms: number) {}
}

export type Value = string | number | boolean | Timestamp | null;

const NUMERIC = /^\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

/** The value as a number when it is one (or a numeric string, or a timestamp's milliseconds); null otherwise. */
export function asNumber(value: Value): number | null {
  if (typeof value === 'number') return value;
  if (value instanceof Timestamp) return value.ms;
  if (typeof value === 'string' && NUMERIC.test(value)) return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return null;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** AWS's timestamp form in query results: UTC, milliseconds, no zone. */
export function formatTimestamp(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return String(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n.toFixed(0);
  return String(n);
}

/** A value as GetQueryResults prints it; null for a field the row does not have. */
export function formatValue(value: Value): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? formatNumber(value) : null;
  if (typeof value === 'boolean') return value ? '1' : '0';
  return formatTimestamp(value.ms);
}

/** Text for string functions and pattern matching: what the value prints as (timestamps included). */
export function asText(value: Value): string | null {
  return formatValue(value);
}

/** Whether a filter keeps a row for this value: false, 0, '' and null do not. */
export function truthy(value: Value): boolean {
  if (value === null || value === false || value === '' || value === 0) return false;
  return true;
}

/** `=` and `!=`: numerically when both sides read as numbers, else as text; null when either is missing. */
export function equals(a: Value, b: Value): boolean | null {
  if (a === null || b === null) return null;
  const x = asNumber(a);
  const y = asNumber(b);
  if (x !== null && y !== null) return x === y;
  return asText(a) === asText(b);
}

/** `<`, `<=`, `>`, `>=`: the sign of a − b, numerically when both read as numbers, else by text; null when either is missing. */
export function compare(a: Value, b: Value): number | null {
  if (a === null || b === null) return null;
  const x = asNumber(a);
  const y = asNumber(b);
  if (x !== null && y !== null) return x < y ? -1 : x > y ? 1 : 0;
  const s = asText(a)!;
  const t = asText(b)!;
  return s < t ? -1 : s > t ? 1 : 0;
}

const CHUNK = /\d+|\D+/g;

/**
 * `sort`'s order, as AWS documents it: values that are numbers come after all others and compare
 * by value; other values compare chunk by chunk, runs of digits by length and then value, other
 * runs by Unicode code points. Missing values come first.
 */
export function naturalCompare(a: Value, b: Value): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  const x = typeof a === 'string' ? (NUMERIC.test(a) ? Number(a) : null) : asNumber(a);
  const y = typeof b === 'string' ? (NUMERIC.test(b) ? Number(b) : null) : asNumber(b);
  if (x !== null || y !== null) {
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const left = asText(a)!.match(CHUNK) ?? [];
  const right = asText(b)!.match(CHUNK) ?? [];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const p = left[i];
    const q = right[i];
    if (p === q) continue;
    const pDigits = /^\d/.test(p);
    const qDigits = /^\d/.test(q);
    if (pDigits && qDigits) {
      if (p.length !== q.length) return p.length - q.length;
      return p < q ? -1 : 1;
    }
    return codePointCompare(p, q);
  }
  return left.length - right.length;
}

function codePointCompare(p: string, q: string): number {
  const a = [...p];
  const b = [...q];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = a[i].codePointAt(0)! - b[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** A key that is equal for equal values: grouping by `stats … by` and `dedup`. */
export function groupKey(value: Value): string {
  if (value === null) return '\u0000';
  if (value instanceof Timestamp) return `t${value.ms}`;
  const n = asNumber(value);
  return n !== null && typeof value !== 'boolean' ? `n${n}` : `s${asText(value)}`;
}
