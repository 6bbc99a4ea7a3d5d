/**
 * A query's commands as a chain of stages rows are pushed through in pipe order: filter, fields
 * and parse work row by row; sort, stats and dedup hold what they need until the input ends;
 * limit stops passing rows on (and tells the scan when reading on would change nothing). The last stage
 * keeps the rows GetQueryResults answers, up to StartQuery's limit.
 */
import { type Aggregator, createAggregator } from './aggregates.js';
import type { Command, Expr, Named } from './ast.js';
import { type AggregateSlots, type Evaluator, ExprCompiler, type Refuse, toRegExp } from './compile.js';
import { MapRow, type Row } from './record.js';
import { groupKey, naturalCompare, truthy, type Value } from './values.js';

interface Stage {
  push(row: Row): void;
  end(): void;
  /** No row pushed from now on can change what the query answers (a limit was reached with nothing holding rows before it). */
  readonly saturated: boolean;
}

class Collector implements Stage {
  readonly rows: Row[] = [];
  constructor(private readonly max: number) {}
  push(row: Row): void {
    if (this.rows.length < this.max) this.rows.push(row);
  }
  end(): void {}
  get saturated(): boolean {
    return this.rows.length >= this.max;
  }
}

/** Counts the rows that reach it (recordsMatched) and passes them on. */
class Counter implements Stage {
  count = 0;
  constructor(private readonly next: Stage) {}
  push(row: Row): void {
    this.count++;
    this.next.push(row);
  }
  end(): void {
    this.next.end();
  }
  get saturated(): boolean {
    return this.next.saturated;
  }
}

/** A stage that passes each row on (or not) as soon as it arrives. */
class RowStage implements Stage {
  constructor(
    private readonly next: Stage,
    private readonly each: (row: Row) => boolean,
  ) {}
  push(row: Row): void {
    if (this.each(row)) this.next.push(row);
  }
  end(): void {
    this.next.end();
  }
  get saturated(): boolean {
    return this.next.saturated;
  }
}

/** A stage that needs all rows before it passes any on. */
class HoldingStage implements Stage {
  private readonly held: Row[] = [];
  constructor(
    private readonly next: Stage,
    private readonly finish: (rows: Row[]) => Row[],
  ) {}
  push(row: Row): void {
    this.held.push(row);
  }
  end(): void {
    for (const row of this.finish(this.held)) this.next.push(row);
    this.next.end();
  }
  get saturated(): boolean {
    return false;
  }
}

class LimitStage implements Stage {
  private passed = 0;
  constructor(
    private readonly next: Stage,
    private readonly count: number,
  ) {}
  push(row: Row): void {
    if (this.passed >= this.count) return;
    this.passed++;
    this.next.push(row);
  }
  end(): void {
    this.next.end();
  }
  get saturated(): boolean {
    return this.passed >= this.count || this.next.saturated;
  }
}

/** `parse`: a glob's `*`s or a regex's named groups become fields; a row that does not match keeps going without them. */
function parser(command: Extract<Command, { kind: 'parse' }>, compiler: ExprCompiler): (row: Row) => boolean {
  const source = compiler.compile(command.source);
  let regex: RegExp;
  let names: string[];
  if (command.pattern.kind === 'glob') {
    const pieces = command.pattern.pattern.split('*').map((piece) => piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    // Inner wildcards take as little as they can; a trailing one takes the rest of the value.
    const body = pieces.map((piece, i) => (i === 0 ? piece : (i === pieces.length - 1 && piece === '' ? '(.*)' : '(.*?)') + piece)).join('');
    regex = new RegExp(body, 's');
    names = command.names;
  } else {
    const converted = toRegExp(command.pattern.source);
    regex = converted.regex;
    names = [];
    for (const [jsName, name] of converted.names) names[Number(jsName.slice(1))] = name;
  }
  const glob = command.pattern.kind === 'glob';
  return (row) => {
    const text = source(row);
    if (typeof text !== 'string') return true;
    const match = regex.exec(text);
    if (!match) return true;
    names.forEach((name, i) => {
      const value = glob ? match[i + 1] : match.groups?.[`g${i}`];
      if (value !== undefined) row.set(name, value);
    });
    return true;
  };
}

function isBin(expr: Expr): boolean {
  return expr.kind === 'call' && expr.name === 'bin';
}

/** `stats`: each row goes into its group's aggregators as it arrives; the groups come out as rows once the input ends. */
class StatsStage implements Stage {
  private readonly slots: AggregateSlots = { specs: [], results: [] };
  private readonly items: { name: string; evaluate: Evaluator }[];
  private readonly by: { name: string; evaluate: Evaluator }[];
  private readonly binColumn?: string;
  private readonly groups = new Map<string, { keys: Value[]; aggregators: Aggregator[] }>();

  constructor(
    private readonly next: Stage,
    command: Extract<Command, { kind: 'stats' }>,
    refuse: Refuse,
  ) {
    const compiler = new ExprCompiler(refuse, this.slots);
    this.items = command.items.map((item) => {
      const before = this.slots.specs.length;
      const evaluate = compiler.compile(item.expr);
      // Every stats item computes something over the group: a bare field is not one.
      if (this.slots.specs.length === before) throw refuse(item.expr);
      return { name: item.name, evaluate };
    });
    const plain = new ExprCompiler(refuse);
    this.by = command.by.map((group) => ({ name: group.name, evaluate: plain.compile(group.expr) }));
    this.binColumn = command.by.find((group) => isBin(group.expr))?.name;
  }

  push(row: Row): void {
    let keys: Value[] = [];
    let key = '';
    if (this.by.length === 1) {
      keys = [this.by[0].evaluate(row)];
      key = groupKey(keys[0]);
    } else if (this.by.length > 1) {
      keys = this.by.map((group) => group.evaluate(row));
      key = keys.map(groupKey).join('\u0001');
    }
    let group = this.groups.get(key);
    if (!group) {
      group = { keys, aggregators: this.slots.specs.map(createAggregator) };
      this.groups.set(key, group);
    }
    for (const aggregator of group.aggregators) aggregator.add(row);
  }

  end(): void {
    // `stats` without `by` answers one row even over no events (count(*) is 0).
    if (this.groups.size === 0 && this.by.length === 0) this.groups.set('', { keys: [], aggregators: this.slots.specs.map(createAggregator) });
    const out: Row[] = [];
    for (const group of this.groups.values()) {
      const row = new MapRow();
      this.by.forEach((column, i) => {
        row.set(column.name, group.keys[i]);
      });
      this.slots.results = group.aggregators.map((aggregator) => aggregator.result());
      for (const item of this.items) row.set(item.name, item.evaluate(row));
      out.push(row);
    }
    // Time series come newest bin first.
    const bin = this.binColumn;
    if (bin) out.sort((a, b) => naturalCompare(b.get(bin), a.get(bin)));
    for (const row of out) this.next.push(row);
    this.next.end();
  }

  get saturated(): boolean {
    return false;
  }
}

function sorter(command: Extract<Command, { kind: 'sort' }>, compiler: ExprCompiler): (rows: Row[]) => Row[] {
  const keys = command.keys.map((key) => ({ evaluate: compiler.compile(key.expr), sign: key.descending ? -1 : 1 }));
  return (rows) => {
    const decorated = rows.map((row) => ({ row, values: keys.map((key) => key.evaluate(row)) }));
    decorated.sort((a, b) => {
      for (let i = 0; i < keys.length; i++) {
        const order = naturalCompare(a.values[i], b.values[i]) * keys[i].sign;
        if (order !== 0) return order;
      }
      return 0;
    });
    return decorated.map((entry) => entry.row);
  };
}

function deduplicator(names: string[]): (row: Row) => boolean {
  const seen = new Set<string>();
  return (row) => {
    const key = names.map((name) => groupKey(row.get(name))).join('\u0001');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
}

function fieldsSetter(items: Named[], compiler: ExprCompiler): (row: Row) => boolean {
  // A bare field under its own name is already there; only computed or renamed ones are set.
  const computed = items.filter((item) => !(item.expr.kind === 'field' && item.expr.name === item.name)).map((item) => ({ name: item.name, evaluate: compiler.compile(item.expr) }));
  return (row) => {
    for (const item of computed) row.set(item.name, item.evaluate(row));
    return true;
  };
}

function stage(command: Command, next: Stage, refuse: Refuse): Stage {
  const compiler = new ExprCompiler(refuse);
  switch (command.kind) {
    case 'filter': {
      const predicate: Evaluator = compiler.compile(command.expr);
      return new RowStage(next, (row) => truthy(predicate(row)));
    }
    case 'fields':
      return new RowStage(next, fieldsSetter(command.items, compiler));
    case 'parse':
      return new RowStage(next, parser(command, compiler));
    case 'display':
      return new RowStage(next, () => true);
    case 'dedup':
      return new RowStage(next, deduplicator(command.names));
    case 'limit':
      return new LimitStage(next, command.count);
    case 'sort':
      return new HoldingStage(next, sorter(command, compiler));
    case 'stats':
      return new StatsStage(next, command, refuse);
  }
}

/** The columns a query's rows show: what `fields`, `parse`, `display` and `stats` name, else @timestamp and @message. */
export function outputColumns(commands: Command[]): { columns: string[]; aggregated: boolean } {
  let columns: string[] = [];
  let explicit = false;
  let aggregated = false;
  const add = (name: string) => {
    if (!columns.includes(name)) columns.push(name);
  };
  for (const command of commands) {
    if (command.kind === 'fields') {
      for (const item of command.items) add(item.name);
      explicit = true;
    } else if (command.kind === 'parse') {
      for (const name of command.names) add(name);
    } else if (command.kind === 'display') {
      columns = [...new Set(command.names)];
      explicit = true;
    } else if (command.kind === 'stats') {
      columns = [...new Set([...command.by.map((g) => g.name), ...command.items.map((i) => i.name)])];
      explicit = true;
      aggregated = true;
    }
  }
  if (!explicit) columns = [...new Set(['@timestamp', '@message', ...columns])];
  return { columns, aggregated };
}

export class Pipeline {
  private readonly head: Stage;
  private readonly collector: Collector;
  private readonly counter?: Counter;

  /**
   * `countAt`: the command index before which rows are counted as matched (after the event
   * filters), or undefined when the caller counts matches itself.
   */
  constructor(commands: Command[], refuse: Refuse, maxRows: number, countAt?: number) {
    this.collector = new Collector(maxRows);
    let next: Stage = this.collector;
    if (countAt === commands.length) next = this.counter = new Counter(next);
    for (let i = commands.length - 1; i >= 0; i--) {
      next = stage(commands[i], next, refuse);
      if (i === countAt) next = this.counter = new Counter(next);
    }
    this.head = next;
  }

  push(row: Row): void {
    this.head.push(row);
  }

  /** Whether rows pushed from now on would change nothing the query answers. */
  get saturated(): boolean {
    return this.head.saturated;
  }

  /** Ends the input; the rows the query answers. */
  end(): Row[] {
    this.head.end();
    return this.collector.rows;
  }

  get matched(): number {
    return this.counter?.count ?? 0;
  }
}
