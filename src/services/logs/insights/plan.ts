/**
 * A query compiled once (so StartQuery refuses a bad one at once, with AWS's message) and planned
 * for the scan: the filters at its head that test only @message or @timestamp become SQL, so
 * SQLite skips what they reject without a row ever reaching JavaScript, and a `stats count(*)`
 * (by one `bin()`) straight after them is counted by SQLite over the timestamp index. Filters
 * commute with each other, so pushing some of a leading run and keeping others is the same query.
 */
import type { Command, Expr } from './ast.js';
import type { Refuse } from './compile.js';
import { Lexer } from './lexer.js';
import { parseQuery } from './parser.js';
import { outputColumns, Pipeline } from './pipeline.js';

export interface CompiledQuery {
  commands: Command[];
  columns: string[];
  /** The rows are `stats` rows, which carry no @ptr. */
  aggregated: boolean;
  refuse: Refuse;
}

/** The query parsed and every expression compiled; throws QueryCompileError or UnsupportedCommand. */
export function compileQuery(source: string): CompiledQuery {
  const { commands } = parseQuery(source);
  const lexer = new Lexer(source);
  const refuse: Refuse = (expr) => lexer.refuse(expr.text, expr.offset, expr.end);
  // Building the stages compiles every expression: what the language refuses fails here, not mid-scan.
  new Pipeline(commands, refuse, 0);
  return { commands, ...outputColumns(commands), refuse };
}

/** A condition on the events table's columns, with its bound values. */
export interface SqlCondition {
  sql: string;
  params: (string | number)[];
}

/** How a query runs over the stored events. */
export interface ScanPlan {
  /** The pushed-down filters (AND-ed), if any. */
  where?: SqlCondition;
  /** The commands JavaScript runs over the rows SQLite returns. */
  commands: Command[];
  /** Where JavaScript counts matched rows; undefined when every event filter went to SQL (SQLite counts). */
  countAt?: number;
  /** The query's leading `stats`, when it only counts (optionally by one fixed-length `bin()`): SQLite counts it. */
  count?: { statsIndex: number; binMs?: number; binName?: string; countNames: string[] };
  /**
   * The order events arrive in changes nothing (a stats or sort comes before any limit or dedup):
   * they are read in storage order, which is faster than the timestamp index's order.
   */
  anyOrder: boolean;
}

const REGEX_SPECIAL = /[\\^$.|?*+()[\]{}]/;

function conjoin(a: SqlCondition, b: SqlCondition, op: 'AND' | 'OR'): SqlCondition {
  return { sql: `(${a.sql} ${op} ${b.sql})`, params: [...a.params, ...b.params] };
}

/** The expression as SQL over (ts, message), when it only tests those; undefined otherwise. */
export function sqlCondition(expr: Expr): SqlCondition | undefined {
  switch (expr.kind) {
    case 'binary': {
      if (expr.op === 'and' || expr.op === 'or') {
        const left = sqlCondition(expr.left);
        const right = sqlCondition(expr.right);
        return left && right ? conjoin(left, right, expr.op === 'and' ? 'AND' : 'OR') : undefined;
      }
      const comparison = ['=', '!=', '<', '<=', '>', '>='].includes(expr.op);
      if (comparison && expr.left.kind === 'field' && expr.left.name === '@timestamp' && expr.right.kind === 'literal' && typeof expr.right.value === 'number') {
        return { sql: `ts ${expr.op} ?`, params: [expr.right.value] };
      }
      return undefined;
    }
    case 'unary': {
      if (expr.op !== 'not') return undefined;
      const inner = sqlCondition(expr.operand);
      return inner && { sql: `NOT ${inner.sql}`, params: inner.params };
    }
    case 'match': {
      if (expr.subject.kind !== 'field' || expr.subject.name !== '@message') return undefined;
      const pattern = expr.pattern;
      let condition: SqlCondition;
      if (pattern.kind === 'literal' && typeof pattern.value === 'string') {
        condition = { sql: '(instr(message, ?) > 0)', params: [pattern.value] };
      } else if (pattern.kind === 'regex' && !REGEX_SPECIAL.test(pattern.source)) {
        // A regex of plain characters is a substring test.
        condition = { sql: '(instr(message, ?) > 0)', params: [pattern.source] };
      } else if (pattern.kind === 'regex') {
        condition = { sql: '(logs_regexp(?, message) = 1)', params: [pattern.source] };
      } else {
        return undefined;
      }
      return expr.negated ? { sql: `NOT ${condition.sql}`, params: condition.params } : condition;
    }
    default:
      return undefined;
  }
}

function countingStats(command: Command): ScanPlan['count'] | undefined {
  if (command.kind !== 'stats' || command.by.length > 1) return undefined;
  const counts = command.items.every(
    (item) => item.expr.kind === 'call' && item.expr.name === 'count' && (item.expr.args.length === 0 || (item.expr.args.length === 1 && item.expr.args[0].kind === 'star')),
  );
  if (!counts) return undefined;
  const countNames = command.items.map((item) => item.name);
  const [group] = command.by;
  if (!group) return { statsIndex: 0, countNames };
  const bin = group.expr;
  if (bin.kind !== 'call' || bin.name !== 'bin' || bin.args[0]?.kind !== 'duration' || bin.args[0].unit !== 'ms') return undefined;
  return { statsIndex: 0, binMs: bin.args[0].amount, binName: group.name, countNames };
}

/** How the query runs; `pushdown: false` keeps every command in JavaScript (SQL cannot read sealed messages). */
export function planScan(query: CompiledQuery, options: { pushdown: boolean } = { pushdown: true }): ScanPlan {
  const { commands } = query;
  let lead = 0;
  while (options.pushdown && lead < commands.length && commands[lead].kind === 'filter') lead++;
  const pushed: SqlCondition[] = [];
  const kept: Command[] = [];
  for (const command of commands.slice(0, lead)) {
    const condition = command.kind === 'filter' ? sqlCondition(command.expr) : undefined;
    if (condition) pushed.push(condition);
    else kept.push(command);
  }
  const where = pushed.length ? pushed.reduce((a, b) => conjoin(a, b, 'AND')) : undefined;
  const rest = [...kept, ...commands.slice(lead)];
  const count = options.pushdown && kept.length === 0 && rest.length > 0 ? countingStats(rest[0]) : undefined;
  // Matches are counted after the last event filter JavaScript runs, before any stats.
  const firstStats = rest.findIndex((command) => command.kind === 'stats');
  const eventPhase = firstStats < 0 ? rest : rest.slice(0, firstStats);
  const lastFilter = eventPhase.map((command) => command.kind).lastIndexOf('filter');
  const firstHolding = rest.findIndex((command) => command.kind === 'stats' || command.kind === 'sort');
  const anyOrder = firstHolding >= 0 && !rest.slice(0, firstHolding).some((command) => command.kind === 'limit' || command.kind === 'dedup');
  return { where, commands: rest, countAt: lastFilter < 0 ? undefined : lastFilter + 1, count, anyOrder };
}
