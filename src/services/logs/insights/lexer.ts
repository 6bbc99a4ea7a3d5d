/**
 * Tokens of the Logs Insights query language, read on demand: a `/` is division in `a / b` but
 * opens a regular expression after `like`, `=~` or in `parse`, which only the parser knows, so it
 * asks for a regex explicitly (`regex()`). Every token knows its offset, so errors name the line
 * and position AWS names ("unexpected symbol found <token> at line L and position P", P counted
 * from 0 within the line).
 */

export type TokenKind = 'ident' | 'number' | 'duration' | 'string' | 'regex' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The token as written (quotes, slashes and backticks included). */
  text: string;
  /** Identifiers without backticks, strings unescaped, regex bodies, numbers as written. */
  value: string;
  offset: number;
  /** Offset just past the token. */
  end: number;
  /** Durations: the length in milliseconds, or in months for calendar units (unit `month`). */
  amount?: number;
  unit?: 'ms' | 'month';
}

/** A query the language refuses: the message AWS gives and where in the query string it points. */
export class QueryCompileError extends Error {
  constructor(
    message: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
    this.name = 'QueryCompileError';
  }
}

const OPERATORS = ['!=', '<=', '>=', '=~', '|', ',', '(', ')', '[', ']', '=', '<', '>', '+', '-', '*', '/', '%', '^'];

const MS_UNITS: Record<string, number> = {
  ms: 1,
  msec: 1,
  millisecond: 1,
  s: 1000,
  sec: 1000,
  second: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hour: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
};
const MONTH_UNITS: Record<string, number> = { mo: 1, mon: 1, month: 1, q: 3, qtr: 3, quarter: 3, y: 12, yr: 12, year: 12 };

/** A time unit as `bin()` and the datetime functions accept it: any of AWS's names, plural with an `s` when longer than one letter. */
function unitOf(name: string): { factor: number; unit: 'ms' | 'month' } | undefined {
  const lower = name.toLowerCase();
  const candidates = lower.length > 2 && lower.endsWith('s') ? [lower, lower.slice(0, -1)] : [lower];
  for (const candidate of candidates) {
    if (MS_UNITS[candidate] !== undefined) return { factor: MS_UNITS[candidate], unit: 'ms' };
    if (MONTH_UNITS[candidate] !== undefined) return { factor: MONTH_UNITS[candidate], unit: 'month' };
  }
  return undefined;
}

const IDENT_START = /[A-Za-z_@$]/;
const IDENT_PART = /[A-Za-z0-9_@$.]/;

export class Lexer {
  private pos = 0;
  private peeked?: Token;
  /** Where the last consumed token ends. */
  lastEnd = 0;

  constructor(readonly source: string) {}

  peek(): Token {
    this.peeked ??= this.scan();
    return this.peeked;
  }

  next(): Token {
    const token = this.peek();
    this.peeked = undefined;
    this.lastEnd = token.end;
    return token;
  }

  /** The next token if it is the operator `op` (consumed), else undefined. */
  acceptOp(op: string): Token | undefined {
    const token = this.peek();
    return token.kind === 'op' && token.text === op ? this.next() : undefined;
  }

  /** The next token if it is the keyword `word` (any case; consumed), else undefined. */
  acceptWord(word: string): Token | undefined {
    const token = this.peek();
    return token.kind === 'ident' && !token.text.startsWith('`') && token.value.toLowerCase() === word ? this.next() : undefined;
  }

  /** Reads a `/regex/` starting at the next token, which must be `/`; the error names that token otherwise. */
  regex(): Token {
    const slash = this.peek();
    if (slash.kind !== 'op' || slash.text !== '/') throw this.unexpected(slash);
    this.peeked = undefined;
    let i = slash.offset + 1;
    let body = '';
    while (i < this.source.length && this.source[i] !== '/') {
      // `\/` is a slash inside the pattern; every other escape stays for the regex engine.
      if (this.source[i] === '\\' && this.source[i + 1] === '/') {
        body += '/';
        i += 2;
        continue;
      }
      if (this.source[i] === '\\' && i + 1 < this.source.length) {
        body += this.source.slice(i, i + 2);
        i += 2;
        continue;
      }
      body += this.source[i++];
    }
    if (i >= this.source.length) throw this.unexpected(this.eofToken());
    this.pos = i + 1;
    this.lastEnd = this.pos;
    return { kind: 'regex', text: this.source.slice(slash.offset, this.pos), value: body, offset: slash.offset, end: this.pos };
  }

  /** AWS's message for a token the grammar does not allow where it stands. */
  unexpected(token: Token): QueryCompileError {
    return this.refuse(token.kind === 'eof' ? '<EOF>' : token.text, token.offset, token.end);
  }

  /** The same message for any piece of the query (an expression the compiler refuses). */
  refuse(text: string, offset: number, end: number): QueryCompileError {
    const { line, column } = this.lineAndColumn(offset);
    return new QueryCompileError(`unexpected symbol found ${text} at line ${line} and position ${column}`, offset, end);
  }

  lineAndColumn(offset: number): { line: number; column: number } {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < offset; i++) {
      if (this.source[i] === '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    return { line, column: offset - lineStart };
  }

  private eofToken(): Token {
    return { kind: 'eof', text: '', value: '', offset: this.source.length, end: this.source.length };
  }

  private skipSpaceAndComments(): void {
    const s = this.source;
    while (this.pos < s.length) {
      const ch = s[this.pos];
      if (ch === '#') {
        while (this.pos < s.length && s[this.pos] !== '\n') this.pos++;
      } else if (/\s/.test(ch)) {
        this.pos++;
      } else {
        return;
      }
    }
  }

  private scan(): Token {
    this.skipSpaceAndComments();
    const s = this.source;
    const start = this.pos;
    if (start >= s.length) return this.eofToken();
    const ch = s[start];
    if (ch === '"' || ch === "'") return this.scanString(ch);
    if (ch === '`') return this.scanQuotedIdent();
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(s[start + 1] ?? ''))) return this.scanNumber();
    if (IDENT_START.test(ch)) {
      let i = start + 1;
      while (i < s.length && IDENT_PART.test(s[i])) i++;
      this.pos = i;
      const text = s.slice(start, i);
      return { kind: 'ident', text, value: text, offset: start, end: i };
    }
    for (const op of OPERATORS) {
      if (s.startsWith(op, start)) {
        this.pos = start + op.length;
        return { kind: 'op', text: op, value: op, offset: start, end: this.pos };
      }
    }
    this.pos = start + 1;
    throw this.unexpected({ kind: 'op', text: ch, value: ch, offset: start, end: start + 1 });
  }

  private scanString(quote: string): Token {
    const s = this.source;
    const start = this.pos;
    let i = start + 1;
    let value = '';
    while (i < s.length && s[i] !== quote) {
      if (s[i] === '\\' && i + 1 < s.length) {
        const escaped = s[i + 1];
        value += escaped === 'n' ? '\n' : escaped === 't' ? '\t' : escaped;
        i += 2;
        continue;
      }
      value += s[i++];
    }
    if (i >= s.length) throw this.unexpected(this.eofToken());
    this.pos = i + 1;
    return { kind: 'string', text: s.slice(start, this.pos), value, offset: start, end: this.pos };
  }

  private scanQuotedIdent(): Token {
    const s = this.source;
    const start = this.pos;
    const close = s.indexOf('`', start + 1);
    if (close < 0) throw this.unexpected(this.eofToken());
    this.pos = close + 1;
    return { kind: 'ident', text: s.slice(start, this.pos), value: s.slice(start + 1, close), offset: start, end: this.pos };
  }

  /** A number, or a duration when letters naming a time unit follow it at once (`5m`, `1h`, `30sec`). */
  private scanNumber(): Token {
    const s = this.source;
    const start = this.pos;
    const match = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(s.slice(start))!;
    const digits = match[0];
    const i = start + digits.length;
    if (i < s.length && /[A-Za-z]/.test(s[i])) {
      let j = i;
      while (j < s.length && /[A-Za-z]/.test(s[j])) j++;
      const unit = unitOf(s.slice(i, j));
      const token: Token = { kind: 'duration', text: s.slice(start, j), value: digits, offset: start, end: j };
      if (!unit) throw this.unexpected(token);
      this.pos = j;
      return { ...token, amount: Number(digits) * unit.factor, unit: unit.unit };
    }
    this.pos = i;
    return { kind: 'number', text: digits, value: digits, offset: start, end: i };
  }
}
