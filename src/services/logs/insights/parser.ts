/**
 * The commands of a Logs Insights query, separated by `|`: fields, display, filter, stats (… by …),
 * sort, limit [any], dedup and parse (glob or regex). Keywords are matched in any case. Commands
 * the language has but Drydock does not run (pattern, diff, anomaly, unmask, SOURCE, join, lookup,
 * unnest, filterIndex …) are UnsupportedCommand, which StartQuery answers with 501.
 */
import type { Command, Expr, Named, Query, SortKey } from './ast.js';
import { ExpressionParser } from './expressions.js';
import { Lexer, type Token } from './lexer.js';

/** A command of the language Drydock does not implement. */
export class UnsupportedCommand extends Error {
  constructor(readonly command: string) {
    super(`Drydock does not implement the Logs Insights command '${command}'`);
    this.name = 'UnsupportedCommand';
  }
}

const UNSUPPORTED = new Set(['pattern', 'diff', 'anomaly', 'unmask', 'source', 'join', 'lookup', 'unnest', 'expand', 'filterindex', 'addtotals', 'relevantfields']);

/** `limit` takes at most this many rows (StartQuery's own limit has the same bound). */
export const MAX_LIMIT = 100_000;

class Parser {
  readonly lexer: Lexer;
  private readonly exprs: ExpressionParser;

  constructor(source: string) {
    this.lexer = new Lexer(source);
    this.exprs = new ExpressionParser(this.lexer);
  }

  query(): Query {
    const commands: Command[] = [];
    let afterDedup = false;
    do {
      const keyword = this.lexer.next();
      const name = keyword.kind === 'ident' && !keyword.text.startsWith('`') ? keyword.value.toLowerCase() : '';
      // AWS refuses a sort after dedup ("unexpected symbol found sort").
      if (afterDedup && name === 'sort') throw this.lexer.unexpected(keyword);
      const command = this.command(name, keyword);
      afterDedup ||= command.kind === 'dedup';
      commands.push(command);
    } while (this.lexer.acceptOp('|'));
    const rest = this.lexer.peek();
    if (rest.kind !== 'eof') throw this.lexer.unexpected(rest);
    return { commands };
  }

  private command(name: string, keyword: Token): Command {
    switch (name) {
      case 'fields':
        return { kind: 'fields', items: this.namedList() };
      case 'display':
        return { kind: 'display', names: this.fieldNames() };
      case 'filter':
        return { kind: 'filter', expr: this.exprs.parse() };
      case 'stats':
        return this.stats();
      case 'sort':
        return { kind: 'sort', keys: this.sortKeys() };
      case 'limit':
        return this.limit();
      case 'dedup':
        return { kind: 'dedup', names: this.fieldNames() };
      case 'parse':
        return this.parseCommand();
      default:
        if (UNSUPPORTED.has(name)) throw new UnsupportedCommand(keyword.value);
        throw this.lexer.unexpected(keyword);
    }
  }

  /** `expr [as alias], …`: the column of each is its alias, else the expression as written. */
  private namedList(): Named[] {
    const items: Named[] = [];
    do {
      const expr = this.exprs.parse();
      items.push({ expr, name: this.alias() ?? nameOf(expr) });
    } while (this.lexer.acceptOp(','));
    return items;
  }

  private alias(): string | undefined {
    if (!this.lexer.acceptWord('as')) return undefined;
    const token = this.lexer.next();
    if (token.kind !== 'ident') throw this.lexer.unexpected(token);
    return token.value;
  }

  private fieldNames(): string[] {
    const names: string[] = [];
    do {
      const token = this.lexer.next();
      if (token.kind !== 'ident') throw this.lexer.unexpected(token);
      names.push(token.value);
    } while (this.lexer.acceptOp(','));
    return names;
  }

  private stats(): Command {
    const items = this.namedList();
    const by = this.lexer.acceptWord('by') ? this.namedList() : [];
    return { kind: 'stats', items, by };
  }

  private sortKeys(): SortKey[] {
    const keys: SortKey[] = [];
    do {
      const expr = this.exprs.parse();
      // Logs Insights sorts in descending order unless told `asc`.
      const ascending = this.lexer.acceptWord('asc') !== undefined;
      if (!ascending) this.lexer.acceptWord('desc');
      keys.push({ expr, descending: !ascending });
    } while (this.lexer.acceptOp(','));
    return keys;
  }

  private limit(): Command {
    const any = this.lexer.acceptWord('any') !== undefined;
    const token = this.lexer.next();
    const count = Number(token.value);
    if (token.kind !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_LIMIT) throw this.lexer.unexpected(token);
    return { kind: 'limit', count, any };
  }

  /** `parse [field] "glob with *" as a, b` or `parse [field] /regex with (?<name>…)/`; the field defaults to @message. */
  private parseCommand(): Command {
    const first = this.lexer.peek();
    let source: Expr = { kind: 'field', name: '@message', text: '@message', offset: first.offset, end: first.offset };
    if (first.kind === 'ident') {
      this.lexer.next();
      source = { kind: 'field', name: first.value, text: first.text, offset: first.offset, end: first.end };
    }
    const patternToken = this.lexer.peek();
    if (patternToken.kind === 'string') {
      this.lexer.next();
      const wildcards = patternToken.value.split('*').length - 1;
      const as = this.lexer.peek();
      if (!this.lexer.acceptWord('as')) throw this.lexer.unexpected(as);
      const names = this.fieldNames();
      if (names.length !== wildcards || wildcards === 0) throw this.lexer.unexpected(wildcards === 0 ? patternToken : as);
      return { kind: 'parse', source, pattern: { kind: 'glob', pattern: patternToken.value }, names };
    }
    const regex = this.lexer.regex();
    const names = [...regex.value.matchAll(/\(\?<([^>=!][^>]*)>/g)].map((m) => m[1]);
    if (!names.length) throw this.lexer.unexpected(regex);
    return { kind: 'parse', source, pattern: { kind: 'regex', source: regex.value }, names };
  }
}

function nameOf(expr: Expr): string {
  return expr.kind === 'field' ? expr.name : expr.text;
}

/** The query as commands; QueryCompileError (with AWS's message) or UnsupportedCommand when it cannot run. */
export function parseQuery(source: string): Query {
  return new Parser(source).query();
}
