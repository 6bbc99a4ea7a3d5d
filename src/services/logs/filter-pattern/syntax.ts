/**
 * What the JSON and space-delimited filter-pattern forms share: AWS's errors, literals and how they
 * compare with a value, the tokenizer, and `&&`/`||` expressions with parentheses.
 */

/** A filter pattern AWS refuses; the message is AWS's. */
export class FilterPatternError extends Error {}

/** AWS's answer for nearly every syntax error: it names the offending term. */
export function badTerm(term: string): FilterPatternError {
  return new FilterPatternError(`Invalid character(s) in term '${term}'`);
}

export type Literal = { kind: 'string'; text: string; matcher: RegExp | null } | { kind: 'number'; value: number; text: string } | { kind: 'regex'; re: RegExp };

export type Operator = '=' | '!=' | '<' | '>' | '<=' | '>=';

/** Regexes may only use these characters (parentheses are not supported by AWS). */
const REGEX_ALLOWED = /^[A-Za-z0-9 _#=@/;,:\-^$?[\]{}|\\*+.]*$/;
export const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
/** What an unquoted value may hold: anything else must be quoted, as in terms. */
const UNQUOTED_VALUE = /^[\p{L}\p{N}_.*+-]+$/u;

export function compileRegex(body: string): RegExp {
  if (!body || !REGEX_ALLOWED.test(body)) throw badTerm(`%${body}%`);
  try {
    return new RegExp(body);
  } catch {
    throw badTerm(`%${body}%`);
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A string literal; `*` matches any run of characters, so it needs a regex only when present. */
function stringLiteral(text: string): Literal {
  const matcher = text.includes('*') ? new RegExp(`^${text.split('*').map(escapeRegex).join('[\\s\\S]*')}$`) : null;
  return { kind: 'string', text, matcher };
}

function textMatches(literal: Literal, text: string): boolean {
  switch (literal.kind) {
    case 'regex':
      return literal.re.test(text);
    case 'string':
      return literal.matcher ? literal.matcher.test(text) : literal.text === text;
    case 'number':
      return literal.text === text || (NUMBER.test(text) && Number(text) === literal.value);
  }
}

/**
 * Compares an extracted value (JSON value or delimited field text) with a literal. Only scalars
 * compare: objects, arrays, null and missing values fail `=` and `!=` alike, as on AWS.
 */
export function compare(op: Operator, literal: Literal, actual: unknown): boolean {
  if (actual === undefined) return false;
  // A lone `*` is how patterns test that a field exists (CDK's FilterPattern.exists), whatever its type.
  if (op === '=' && literal.kind === 'string' && literal.text === '*') return true;
  if (typeof actual !== 'string' && typeof actual !== 'number' && typeof actual !== 'boolean') return false;
  if (op === '=' || op === '!=') {
    let equal: boolean;
    if (typeof actual === 'number') equal = literal.kind === 'number' ? actual === literal.value : textMatches(literal, String(actual));
    else if (typeof actual === 'string') equal = textMatches(literal, actual);
    else equal = literal.kind === 'string' && !literal.matcher && literal.text === String(actual);
    return op === '=' ? equal : !equal;
  }
  if (literal.kind !== 'number') return false;
  const n = typeof actual === 'number' ? actual : typeof actual === 'string' && NUMBER.test(actual) ? Number(actual) : Number.NaN;
  if (Number.isNaN(n)) return false;
  switch (op) {
    case '<':
      return n < literal.value;
    case '>':
      return n > literal.value;
    case '<=':
      return n <= literal.value;
    case '>=':
      return n >= literal.value;
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens.

type Punctuation = '(' | ')' | '&&' | '||' | ',' | Operator;

export type Token = ({ type: 'punct'; value: Punctuation } | { type: 'string'; value: string } | { type: 'regex'; value: string } | { type: 'word'; value: string }) & {
  /** Where the token's text starts and ends (exclusive) in the pattern body. */
  start: number;
  end: number;
};

const PUNCTUATION = ['&&', '||', '!=', '<=', '>=', '=', '<', '>', '(', ')', ','] as const;
const WORD_END = /[\s"%()=!<>&|,]/;

/** Reads a quoted string starting at `start` (backslash escapes the next character); undefined when unterminated. */
export function readQuoted(text: string, start: number): { value: string; end: number } | undefined {
  let value = '';
  let i = start + 1;
  while (i < text.length && text[i] !== '"') {
    if (text[i] === '\\' && i + 1 < text.length) i++;
    value += text[i++];
  }
  return i < text.length ? { value, end: i + 1 } : undefined;
}

/** The token starting at `start` (never whitespace). */
function readToken(text: string, start: number): Token {
  const c = text[start];
  if (c === '"') {
    const quoted = readQuoted(text, start);
    if (!quoted) throw badTerm(text.slice(start));
    return { type: 'string', value: quoted.value, start, end: quoted.end };
  }
  if (c === '%') {
    const close = text.indexOf('%', start + 1);
    if (close < 0) throw badTerm(text.slice(start));
    return { type: 'regex', value: text.slice(start + 1, close), start, end: close + 1 };
  }
  const punct = PUNCTUATION.find((p) => text.startsWith(p, start));
  if (punct) return { type: 'punct', value: punct, start, end: start + punct.length };
  let end = start;
  while (end < text.length && !WORD_END.test(text[end])) end++;
  if (end === start) throw badTerm(c);
  return { type: 'word', value: text.slice(start, end), start, end };
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i])) {
      i++;
      continue;
    }
    const token = readToken(text, i);
    tokens.push(token);
    i = token.end;
  }
  return tokens;
}

export class Cursor {
  private index = 0;
  /** Regexes met so far: AWS allows two in a JSON or space-delimited pattern. */
  regexes = 0;

  /** `closing` is the bracket after the body, which AWS names when the pattern ends too soon. */
  constructor(
    readonly source: string,
    private readonly tokens: Token[],
    private readonly closing: string,
  ) {}

  peek(): Token | undefined {
    return this.tokens[this.index];
  }

  next(): Token {
    const token = this.tokens[this.index++];
    if (!token) throw badTerm(this.closing);
    return token;
  }

  accept(type: Token['type'], value?: string): boolean {
    const token = this.peek();
    if (token && token.type === type && (value === undefined || token.value === value)) {
      this.index++;
      return true;
    }
    return false;
  }

  /** The error naming a token (or the closing bracket at the end). */
  unexpected(token = this.peek()): FilterPatternError {
    return badTerm(token ? this.source.slice(token.start, token.end) : this.closing);
  }

  expect(type: Token['type'], value?: string): void {
    if (!this.accept(type, value)) throw this.unexpected();
  }

  done(): boolean {
    return this.index >= this.tokens.length;
  }
}

const OPERATORS = new Set<string>(['=', '!=', '<', '>', '<=', '>=']);

export function parseOperator(cursor: Cursor): Operator {
  const token = cursor.next();
  if (token.type !== 'punct' || !OPERATORS.has(token.value)) throw cursor.unexpected(token);
  return token.value as Operator;
}

export function parseLiteral(cursor: Cursor, op: Operator): Literal {
  const token = cursor.next();
  let literal: Literal;
  if (token.type === 'string') {
    literal = stringLiteral(token.value);
  } else if (token.type === 'regex') {
    literal = { kind: 'regex', re: compileRegex(token.value) };
    if (++cursor.regexes > 2) throw new FilterPatternError('A filter pattern can contain at most 2 regular expressions.');
  } else if (token.type === 'word' && UNQUOTED_VALUE.test(token.value)) {
    literal = NUMBER.test(token.value) ? { kind: 'number', value: Number(token.value), text: token.value } : stringLiteral(token.value);
  } else {
    throw cursor.unexpected(token);
  }
  // Only numbers compare with < > <= >=; AWS names the value as a quoted term.
  if (op !== '=' && op !== '!=' && literal.kind !== 'number') throw badTerm(`"${token.type === 'regex' ? `%${token.value}%` : token.value}"`);
  return literal;
}

type Condition<T> = (subject: T) => boolean;

/** `a && b || (c)`: || binds loosest, as in the AWS syntax. */
export function parseBoolean<T>(cursor: Cursor, atom: (cursor: Cursor) => Condition<T>): Condition<T> {
  const parseAnd = (): Condition<T> => {
    const parts = [parseUnary()];
    while (cursor.accept('punct', '&&')) parts.push(parseUnary());
    return parts.length === 1 ? parts[0] : (s) => parts.every((p) => p(s));
  };
  const parseOr = (): Condition<T> => {
    const parts = [parseAnd()];
    while (cursor.accept('punct', '||')) parts.push(parseAnd());
    return parts.length === 1 ? parts[0] : (s) => parts.some((p) => p(s));
  };
  const parseUnary = (): Condition<T> => {
    if (cursor.accept('punct', '(')) {
      const inner = parseOr();
      cursor.expect('punct', ')');
      return inner;
    }
    return atom(cursor);
  };
  return parseOr();
}
