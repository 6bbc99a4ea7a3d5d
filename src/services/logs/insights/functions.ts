/**
 * The scalar functions of the Logs Insights language (numeric, string, general and datetime), by
 * lower-case name, with their arities. Periods (`5m`, `1h`) are literals the compiler hands over
 * as a Period; every other argument is a Value, null when a field is missing.
 */
import { asNumber, asText, Timestamp, type Value } from './values.js';

export interface Period {
  amount: number;
  unit: 'ms' | 'month';
}

/** Truncates `ms` down to a multiple of the period (UTC calendar months for month-based units). */
export function floorTo(ms: number, period: Period): number {
  if (period.unit === 'ms') return Math.floor(ms / period.amount) * period.amount;
  const d = new Date(ms);
  const months = d.getUTCFullYear() * 12 + d.getUTCMonth();
  const start = Math.floor(months / period.amount) * period.amount;
  return Date.UTC(Math.floor(start / 12), start % 12, 1);
}

function ceilTo(ms: number, period: Period): number {
  const floor = floorTo(ms, period);
  if (floor === ms) return ms;
  if (period.unit === 'ms') return floor + period.amount;
  const d = new Date(floor);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + period.amount, 1);
}

export interface ScalarFunction {
  min: number;
  max: number;
  /** Positions of arguments that must be period literals (`5m`). */
  periods?: number[];
  call(args: Value[], periods: Period[], timestamp: () => Value): Value;
}

const numeric =
  (fn: (n: number) => number): ScalarFunction['call'] =>
  ([a]) => {
    const n = asNumber(a);
    return n === null ? null : fn(n);
  };

const text =
  (fn: (s: string, rest: Value[]) => Value): ScalarFunction['call'] =>
  ([a, ...rest]) => {
    const s = asText(a);
    return s === null ? null : fn(s, rest);
  };

function trimmer(side: 'left' | 'right' | 'both'): ScalarFunction['call'] {
  return text((s, [chars]) => {
    const set = chars === undefined ? undefined : new Set(asText(chars) ?? '');
    const strip = (c: string) => (set ? set.has(c) : /\s/.test(c));
    let from = 0;
    let to = s.length;
    if (side !== 'right') while (from < to && strip(s[from])) from++;
    if (side !== 'left') while (to > from && strip(s[to - 1])) to--;
    return s.slice(from, to);
  });
}

function extreme(pick: (a: number, b: number) => boolean): ScalarFunction['call'] {
  return (args) => {
    let best: number | null = null;
    for (const arg of args) {
      const n = asNumber(arg);
      if (n !== null && (best === null || pick(n, best))) best = n;
    }
    return best;
  };
}

function timestampOf(value: Value): number | null {
  return value instanceof Timestamp ? value.ms : asNumber(value);
}

export const SCALAR_FUNCTIONS: Record<string, ScalarFunction> = {
  abs: { min: 1, max: 1, call: numeric(Math.abs) },
  ceil: { min: 1, max: 1, call: numeric(Math.ceil) },
  floor: { min: 1, max: 1, call: numeric(Math.floor) },
  round: { min: 1, max: 1, call: numeric(Math.round) },
  log: { min: 1, max: 1, call: numeric(Math.log) },
  sqrt: { min: 1, max: 1, call: numeric(Math.sqrt) },
  greatest: { min: 1, max: Infinity, call: extreme((a, b) => a > b) },
  least: { min: 1, max: Infinity, call: extreme((a, b) => a < b) },
  ispresent: { min: 1, max: 1, call: ([a]) => a !== null },
  coalesce: { min: 1, max: Infinity, call: (args) => args.find((a) => a !== null) ?? null },
  isempty: { min: 1, max: 1, call: ([a]) => a === null || asText(a) === '' },
  isblank: { min: 1, max: 1, call: ([a]) => a === null || (asText(a) ?? '').trim() === '' },
  concat: { min: 1, max: Infinity, call: (args) => args.map((a) => asText(a) ?? '').join('') },
  ltrim: { min: 1, max: 2, call: trimmer('left') },
  rtrim: { min: 1, max: 2, call: trimmer('right') },
  trim: { min: 1, max: 2, call: trimmer('both') },
  strlen: { min: 1, max: 1, call: text((s) => [...s].length) },
  toupper: { min: 1, max: 1, call: text((s) => s.toUpperCase()) },
  tolower: { min: 1, max: 1, call: text((s) => s.toLowerCase()) },
  substr: {
    min: 2,
    max: 3,
    call: text((s, [start, length]) => {
      const from = asNumber(start);
      if (from === null) return null;
      const chars = [...s];
      const count = length === undefined ? chars.length : asNumber(length);
      return count === null ? null : chars.slice(from, from + Math.max(0, count)).join('');
    }),
  },
  replace: {
    min: 3,
    max: 3,
    call: text((s, [find, replacement]) => {
      const needle = asText(find);
      return needle ? s.split(needle).join(asText(replacement) ?? '') : s;
    }),
  },
  strcontains: { min: 2, max: 2, call: text((s, [part]) => (s.includes(asText(part) ?? '\u0000') ? 1 : 0)) },
  bin: { min: 1, max: 1, periods: [0], call: (_args, [period], timestamp) => truncated(timestamp(), period, floorTo) },
  datefloor: { min: 2, max: 2, periods: [1], call: ([t], [period]) => truncated(t, period, floorTo) },
  dateceil: { min: 2, max: 2, periods: [1], call: ([t], [period]) => truncated(t, period, ceilTo) },
  frommillis: { min: 1, max: 1, call: ([a]) => (asNumber(a) === null ? null : new Timestamp(asNumber(a)!)) },
  tomillis: { min: 1, max: 1, call: ([a]) => timestampOf(a) },
};

function truncated(value: Value, period: Period, round: (ms: number, period: Period) => number): Value {
  const ms = timestampOf(value);
  return ms === null ? null : new Timestamp(round(ms, period));
}
