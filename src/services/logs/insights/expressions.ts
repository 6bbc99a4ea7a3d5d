/**
 * Expressions of the Logs Insights language, by precedence climbing: `or` < `and` < `not` <
 * comparisons (`=`, `!=`, `<`, `<=`, `>`, `>=`, `like`, `=~`, `not like`, `in`, `not in`) <
 * `+ -` < `* / %` < `^` < unary minus < operands (fields, numbers, strings, periods such as `5m`,
 * function calls, `( … )`, `[ … ]` lists). Keywords are matched in any case.
 */
import type { BinaryOp, Expr } from './ast.js';
import type { Lexer, Token } from './lexer.js';

const COMPARISONS = new Set(['=', '!=', '<', '<=', '>', '>=']);

/** Words that end an expression where they stand (`as`, `by`, `asc` …) and so never read as fields there. */
const STOP_WORDS = new Set(['as', 'by', 'asc', 'desc', 'and', 'or', 'like', 'in', 'not']);

export class ExpressionParser {
  constructor(private readonly lexer: Lexer) {}

  parse(): Expr {
    return this.or();
  }

  private span(start: number, end: number): { text: string; offset: number; end: number } {
    return { text: this.lexer.source.slice(start, end).trim(), offset: start, end };
  }

  private binary(op: BinaryOp, left: Expr, right: Expr): Expr {
    return { kind: 'binary', op, left, right, ...this.span(left.offset, right.end) };
  }

  private or(): Expr {
    let left = this.and();
    while (this.lexer.acceptWord('or')) left = this.binary('or', left, this.and());
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.lexer.acceptWord('and')) left = this.binary('and', left, this.not());
    return left;
  }

  private not(): Expr {
    const word = this.lexer.acceptWord('not');
    if (!word) return this.comparison();
    const operand = this.not();
    return { kind: 'unary', op: 'not', operand, ...this.span(word.offset, operand.end) };
  }

  private comparison(): Expr {
    const left = this.additive();
    const token = this.lexer.peek();
    if (token.kind === 'op' && COMPARISONS.has(token.text)) {
      this.lexer.next();
      return this.binary(token.text as BinaryOp, left, this.additive());
    }
    if (token.kind === 'op' && token.text === '=~') {
      this.lexer.next();
      return this.matchOf(left, false);
    }
    if (this.lexer.acceptWord('like')) return this.matchOf(left, false);
    if (this.lexer.acceptWord('in')) return this.inOf(left, false);
    if (token.kind === 'ident' && token.value.toLowerCase() === 'not') {
      this.lexer.next();
      if (this.lexer.acceptWord('like')) return this.matchOf(left, true);
      if (this.lexer.acceptWord('in')) return this.inOf(left, true);
      throw this.lexer.unexpected(this.lexer.peek());
    }
    return left;
  }

  /** The pattern of `like` / `=~`: a string (substring) or a /regex/. */
  private matchOf(subject: Expr, negated: boolean): Expr {
    const pattern = this.pattern();
    return { kind: 'match', negated, subject, pattern, ...this.span(subject.offset, pattern.end) };
  }

  pattern(): Expr {
    const token = this.lexer.peek();
    if (token.kind === 'string') {
      this.lexer.next();
      return { kind: 'literal', value: token.value, ...this.span(token.offset, token.end) };
    }
    const regex = this.lexer.regex();
    return { kind: 'regex', source: regex.value, ...this.span(regex.offset, regex.end) };
  }

  private inOf(subject: Expr, negated: boolean): Expr {
    const open = this.lexer.peek();
    if (!this.lexer.acceptOp('[')) throw this.lexer.unexpected(open);
    const items: Expr[] = [];
    if (!this.lexer.acceptOp(']')) {
      do items.push(this.additive());
      while (this.lexer.acceptOp(','));
      const close = this.lexer.peek();
      if (!this.lexer.acceptOp(']')) throw this.lexer.unexpected(close);
    }
    return { kind: 'in', negated, subject, items, ...this.span(subject.offset, this.lexer.lastEnd) };
  }

  private additive(): Expr {
    let left = this.multiplicative();
    for (;;) {
      const op = this.lexer.acceptOp('+') ?? this.lexer.acceptOp('-');
      if (!op) return left;
      left = this.binary(op.text as BinaryOp, left, this.multiplicative());
    }
  }

  private multiplicative(): Expr {
    let left = this.power();
    for (;;) {
      const op = this.lexer.acceptOp('*') ?? this.lexer.acceptOp('/') ?? this.lexer.acceptOp('%');
      if (!op) return left;
      left = this.binary(op.text as BinaryOp, left, this.power());
    }
  }

  private power(): Expr {
    const base = this.unary();
    if (!this.lexer.acceptOp('^')) return base;
    return this.binary('^', base, this.power());
  }

  private unary(): Expr {
    const minus = this.lexer.acceptOp('-');
    if (!minus) return this.operand();
    const operand = this.unary();
    return { kind: 'unary', op: '-', operand, ...this.span(minus.offset, operand.end) };
  }

  private operand(): Expr {
    const token = this.lexer.next();
    switch (token.kind) {
      case 'number':
        return { kind: 'literal', value: Number(token.value), ...this.span(token.offset, token.end) };
      case 'string':
        return { kind: 'literal', value: token.value, ...this.span(token.offset, token.end) };
      case 'duration':
        return { kind: 'duration', amount: token.amount!, unit: token.unit!, ...this.span(token.offset, token.end) };
      case 'ident':
        return this.identifier(token);
      case 'op':
        if (token.text === '(') {
          const inner = this.parse();
          const close = this.lexer.peek();
          if (!this.lexer.acceptOp(')')) throw this.lexer.unexpected(close);
          return { ...inner, ...this.span(token.offset, close.end) };
        }
        throw this.lexer.unexpected(token);
      default:
        throw this.lexer.unexpected(token);
    }
  }

  private identifier(token: Token): Expr {
    const quoted = token.text.startsWith('`');
    const next = this.lexer.peek();
    // A call is a name followed at once by `(`: `count(*)`, `bin(5m)`.
    if (!quoted && next.kind === 'op' && next.text === '(' && next.offset === token.end) {
      this.lexer.next();
      const args: Expr[] = [];
      if (!this.lexer.acceptOp(')')) {
        do args.push(this.argument());
        while (this.lexer.acceptOp(','));
        const close = this.lexer.peek();
        if (!this.lexer.acceptOp(')')) throw this.lexer.unexpected(close);
      }
      return { kind: 'call', name: token.value.toLowerCase(), args, ...this.span(token.offset, this.lexer.lastEnd) };
    }
    if (!quoted && STOP_WORDS.has(token.value.toLowerCase())) throw this.lexer.unexpected(token);
    if (!quoted && (token.value === 'true' || token.value === 'false')) {
      return { kind: 'literal', value: token.value === 'true', ...this.span(token.offset, token.end) };
    }
    return { kind: 'field', name: token.value, ...this.span(token.offset, token.end) };
  }

  private argument(): Expr {
    const star = this.lexer.acceptOp('*');
    if (star) return { kind: 'star', ...this.span(star.offset, star.end) };
    return this.parse();
  }
}
