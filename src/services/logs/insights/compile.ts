/**
 * Expressions compiled to closures over a row, once per query, so evaluating a million events is
 * a call per node rather than a walk of the syntax tree. Calls of aggregation functions compile
 * only inside `stats`, where they read the group's result.
 */

import { AGGREGATE_NAMES, type AggregateSpec } from './aggregates.js';
import type { Expr } from './ast.js';
import { type Period, SCALAR_FUNCTIONS } from './functions.js';
import type { QueryCompileError } from './lexer.js';
import type { Row } from './record.js';
import { asNumber, asText, compare, equals, truthy, type Value } from './values.js';

export type Evaluator = (row: Row) => Value;

/** Where aggregation calls of a `stats` item go: their specs, and the current group's results while an item is evaluated. */
export interface AggregateSlots {
  specs: AggregateSpec[];
  results: Value[];
}

/** How the compiler reports an expression the language does not accept at this place. */
export type Refuse = (expr: Expr) => QueryCompileError;

/**
 * A JavaScript RegExp for a Logs Insights (Java-style) pattern: a `(?i)` anywhere makes the match
 * case-insensitive, and capture-group names JavaScript refuses (`@user`, `a.b`) are renamed, the
 * map giving each JavaScript name its field name.
 */
export function toRegExp(source: string): { regex: RegExp; names: Map<string, string> } {
  let flags = '';
  let body = source;
  if (body.includes('(?i)')) {
    flags += 'i';
    body = body.split('(?i)').join('');
  }
  const names = new Map<string, string>();
  body = body.replace(/\(\?<([^>=!][^>]*)>/g, (_, name: string) => {
    const jsName = `g${names.size}`;
    names.set(jsName, name);
    return `(?<${jsName}>`;
  });
  return { regex: new RegExp(body, flags), names };
}

function arithmetic(op: string, a: number, b: number): number | null {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0 ? null : a / b;
    case '%':
      return b === 0 ? null : a % b;
    default:
      return a ** b;
  }
}

function comparison(op: string, a: Value, b: Value): Value {
  if (op === '=' || op === '!=') {
    const eq = equals(a, b);
    return eq === null ? null : op === '=' ? eq : !eq;
  }
  const sign = compare(a, b);
  if (sign === null) return null;
  return op === '<' ? sign < 0 : op === '<=' ? sign <= 0 : op === '>' ? sign > 0 : sign >= 0;
}

export class ExprCompiler {
  constructor(
    private readonly refuse: Refuse,
    private readonly aggregates?: AggregateSlots,
  ) {}

  compile(expr: Expr): Evaluator {
    switch (expr.kind) {
      case 'field': {
        const name = expr.name;
        return (row) => row.get(name);
      }
      case 'literal': {
        const value = expr.value;
        return () => value;
      }
      case 'unary': {
        const operand = this.compile(expr.operand);
        if (expr.op === 'not') {
          return (row) => {
            const v = operand(row);
            return v === null ? null : !truthy(v);
          };
        }
        return (row) => {
          const n = asNumber(operand(row));
          return n === null ? null : -n;
        };
      }
      case 'binary':
        return this.binary(expr);
      case 'match':
        return this.match(expr);
      case 'in': {
        const subject = this.compile(expr.subject);
        const items = expr.items.map((item) => this.compile(item));
        const negated = expr.negated;
        return (row) => {
          const value = subject(row);
          if (value === null) return null;
          const found = items.some((item) => equals(value, item(row)) === true);
          return negated ? !found : found;
        };
      }
      case 'call':
        return this.call(expr);
      default:
        throw this.refuse(expr);
    }
  }

  private binary(expr: Extract<Expr, { kind: 'binary' }>): Evaluator {
    const left = this.compile(expr.left);
    const right = this.compile(expr.right);
    const op = expr.op;
    if (op === 'and') {
      return (row) => {
        const a = left(row);
        if (a !== null && !truthy(a)) return false;
        const b = right(row);
        if (b !== null && !truthy(b)) return false;
        return a === null || b === null ? null : true;
      };
    }
    if (op === 'or') {
      return (row) => {
        const a = left(row);
        if (a !== null && truthy(a)) return true;
        const b = right(row);
        if (b !== null && truthy(b)) return true;
        return a === null || b === null ? null : false;
      };
    }
    if (op === '+' || op === '-' || op === '*' || op === '/' || op === '%' || op === '^') {
      return (row) => {
        const a = asNumber(left(row));
        const b = asNumber(right(row));
        return a === null || b === null ? null : arithmetic(op, a, b);
      };
    }
    return (row) => comparison(op, left(row), right(row));
  }

  private match(expr: Extract<Expr, { kind: 'match' }>): Evaluator {
    const subject = this.compile(expr.subject);
    const negated = expr.negated;
    let test: (text: string) => boolean;
    if (expr.pattern.kind === 'regex') {
      let regex: RegExp;
      try {
        regex = toRegExp(expr.pattern.source).regex;
      } catch {
        throw this.refuse(expr.pattern);
      }
      test = (text) => regex.test(text);
    } else if (expr.pattern.kind === 'literal' && typeof expr.pattern.value === 'string') {
      const needle = expr.pattern.value;
      test = (text) => text.includes(needle);
    } else {
      throw this.refuse(expr.pattern);
    }
    return (row) => {
      const text = asText(subject(row));
      if (text === null) return null;
      return test(text) !== negated;
    };
  }

  private call(expr: Extract<Expr, { kind: 'call' }>): Evaluator {
    if (AGGREGATE_NAMES.has(expr.name)) return this.aggregate(expr);
    const fn = SCALAR_FUNCTIONS[expr.name];
    if (!fn || expr.args.length < fn.min || expr.args.length > fn.max) throw this.refuse(expr);
    const periods: Period[] = [];
    const args: Evaluator[] = [];
    expr.args.forEach((arg, i) => {
      if (fn.periods?.includes(i)) {
        if (arg.kind !== 'duration') throw this.refuse(arg);
        periods.push({ amount: arg.amount, unit: arg.unit });
      } else {
        args.push(this.compile(arg));
      }
    });
    const call = fn.call;
    return (row) =>
      call(
        args.map((arg) => arg(row)),
        periods,
        () => row.get('@timestamp'),
      );
  }

  private aggregate(expr: Extract<Expr, { kind: 'call' }>): Evaluator {
    const slots = this.aggregates;
    if (!slots) throw this.refuse(expr);
    const [first, second, ...rest] = expr.args;
    const inner = new ExprCompiler(this.refuse);
    const spec: AggregateSpec = { name: expr.name };
    if (expr.name === 'count' && (first === undefined || first.kind === 'star')) {
      if (second) throw this.refuse(second);
    } else {
      if (!first || first.kind === 'star' || rest.length) throw this.refuse(expr);
      spec.arg = inner.compile(first);
      if (expr.name === 'pct') {
        const p = second?.kind === 'literal' ? asNumber(second.value) : null;
        if (p === null || p < 0 || p > 100) throw this.refuse(second ?? expr);
        spec.percentile = p;
      } else if (second) {
        throw this.refuse(second);
      }
    }
    const index = slots.specs.push(spec) - 1;
    return () => slots.results[index] ?? null;
  }
}
