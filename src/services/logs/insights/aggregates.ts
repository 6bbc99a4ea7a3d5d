/**
 * The aggregation functions of `stats`: one Aggregator per function call per group, fed each row
 * of the group, asked for its result once the input ends.
 */
import type { Row } from './record.js';
import { asNumber, compare, groupKey, Timestamp, type Value } from './values.js';

export interface Aggregator {
  add(row: Row): void;
  result(): Value;
}

/** An aggregation call as the compiler found it: the function, its argument (absent for `count(*)`), and pct's percentile. */
export interface AggregateSpec {
  name: string;
  arg?: (row: Row) => Value;
  percentile?: number;
}

export const AGGREGATE_NAMES = new Set(['count', 'count_distinct', 'sum', 'avg', 'min', 'max', 'pct', 'stddev', 'earliest', 'latest']);

function counter(arg: AggregateSpec['arg']): Aggregator {
  let n = 0;
  return {
    add: arg ? (row) => void (arg(row) !== null && n++) : () => void n++,
    result: () => n,
  };
}

function numbers(arg: (row: Row) => Value, finish: (values: { sum: number; count: number; squares: number }) => Value): Aggregator {
  const state = { sum: 0, count: 0, squares: 0 };
  return {
    add(row) {
      const n = asNumber(arg(row));
      if (n === null) return;
      state.sum += n;
      state.squares += n * n;
      state.count++;
    },
    result: () => (state.count === 0 ? null : finish(state)),
  };
}

function extreme(arg: (row: Row) => Value, sign: 1 | -1): Aggregator {
  let best: Value = null;
  return {
    add(row) {
      const value = arg(row);
      if (value !== null && (best === null || (compare(value, best) ?? 0) * sign > 0)) best = value;
    },
    result: () => best,
  };
}

/** Nearest-rank percentile over the numeric values. */
function percentile(arg: (row: Row) => Value, p: number): Aggregator {
  const values: number[] = [];
  return {
    add(row) {
      const n = asNumber(arg(row));
      if (n !== null) values.push(n);
    },
    result() {
      if (!values.length) return null;
      values.sort((a, b) => a - b);
      const rank = Math.max(1, Math.ceil((p / 100) * values.length));
      return values[Math.min(values.length, rank) - 1];
    },
  };
}

/** The value at the earliest (or latest) @timestamp; timestamps come out as epoch milliseconds, as AWS reports them. */
function atTime(arg: (row: Row) => Value, latest: boolean): Aggregator {
  let when: number | null = null;
  let value: Value = null;
  return {
    add(row) {
      const ts = row.get('@timestamp');
      const ms = ts instanceof Timestamp ? ts.ms : asNumber(ts);
      if (ms === null || (when !== null && (latest ? ms <= when : ms >= when))) return;
      const v = arg(row);
      if (v === null) return;
      when = ms;
      value = v instanceof Timestamp ? v.ms : v;
    },
    result: () => value,
  };
}

export function createAggregator(spec: AggregateSpec): Aggregator {
  const arg = spec.arg ?? (() => null);
  switch (spec.name) {
    case 'count':
      return counter(spec.arg);
    case 'count_distinct': {
      const seen = new Set<string>();
      return {
        add(row) {
          const value = arg(row);
          if (value !== null) seen.add(groupKey(value));
        },
        result: () => seen.size,
      };
    }
    case 'sum':
      return numbers(arg, (s) => s.sum);
    case 'avg':
      return numbers(arg, (s) => s.sum / s.count);
    case 'stddev':
      return numbers(arg, (s) => (s.count < 2 ? 0 : Math.sqrt(Math.max(0, (s.squares - (s.sum * s.sum) / s.count) / (s.count - 1)))));
    case 'min':
      return extreme(arg, -1);
    case 'max':
      return extreme(arg, 1);
    case 'pct':
      return percentile(arg, spec.percentile ?? 50);
    case 'earliest':
      return atTime(arg, false);
    default:
      return atTime(arg, true);
  }
}
