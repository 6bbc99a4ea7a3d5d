/**
 * CloudWatch Logs filter patterns (metric filters, subscription filters, FilterLogEvents), compiled
 * once into a predicate over event messages. The four documented forms:
 *
 * - terms: `ERROR Exception` (all must occur), `"exact phrase"`, `?ERROR ?WARN` (any of them),
 *   `ERROR -DEBUG` (exclusion). Matching is case-sensitive substring matching.
 * - JSON: `{ $.level = "ERROR" && ($.latency > 500 || $.code = 4*) }` with `= != < > <= >=`,
 *   `IS TRUE|FALSE|NULL`, `NOT EXISTS`, `*` wildcards in strings, `$.a.b[0]` selectors.
 * - space-delimited: `[ip, user, ..., status = 4*, bytes > 1000]` where `...` stands for any number
 *   of fields and a message's `"quoted"` or `[bracketed]` fields count as one.
 * - regex: `%ERROR [0-9]+%`, alone or as a value in the other forms.
 *
 * An empty (or blank) pattern matches every event.
 */

export class FilterPatternError extends Error {}

export type EventMatcher = (message: string) => boolean;

type Literal = { kind: 'string'; text: string; matcher: RegExp | null } | { kind: 'number'; value: number; text: string } | { kind: 'regex'; re: RegExp };

type Operator = '=' | '!=' | '<' | '>' | '<=' | '>=';

/** Regexes may only use these characters (parentheses are not supported by AWS). */
const REGEX_ALLOWED = /^[A-Za-z0-9 _#=@/;,:\-^$?[\]{}|\\*+.]*$/;
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function compileRegex(body: string): RegExp {
  if (!body) throw new FilterPatternError('Empty regular expression');
  if (!REGEX_ALLOWED.test(body)) throw new FilterPatternError(`Unsupported character in regular expression %${body}%`);
  try {
    return new RegExp(body);
  } catch {
    throw new FilterPatternError(`Invalid regular expression %${body}%`);
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

function unquotedLiteral(text: string): Literal {
  if (NUMBER.test(text)) return { kind: 'number', value: Number(text), text };
  return stringLiteral(text);
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

/** Compares an extracted value (JSON value or delimited field text) with a literal. */
function compare(op: Operator, literal: Literal, actual: unknown): boolean {
  if (actual === undefined) return false;
  if (op === '=' || op === '!=') {
    let equal: boolean;
    // A lone `*` is how patterns test that a field exists (CDK's FilterPattern.exists), whatever its type.
    if (literal.kind === 'string' && literal.text === '*') equal = true;
    else if (typeof actual === 'number') equal = literal.kind === 'number' ? actual === literal.value : textMatches(literal, String(actual));
    else if (typeof actual === 'string') equal = textMatches(literal, actual);
    else if (typeof actual === 'boolean') equal = literal.kind === 'string' && !literal.matcher ? literal.text === String(actual) : false;
    else equal = false; // objects, arrays and null are never equal to a scalar literal
    return op === '=' ? equal : !equal;
  }
  if (literal.kind !== 'number') return false;
  const n = typeof actual === 'number' ? actual : typeof actual === 'string' && NUMBER.test(actual) ? Number(actual) : NaN;
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
// Tokenizer shared by the JSON and space-delimited forms.

type Token = { type: 'punct'; value: '(' | ')' | '&&' | '||' | ',' | Operator } | { type: 'string'; value: string } | { type: 'regex'; value: string } | { type: 'word'; value: string };

const PUNCTUATION = ['&&', '||', '!=', '<=', '>=', '=', '<', '>', '(', ')', ','] as const;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      let value = '';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i++];
      }
      if (i >= text.length) throw new FilterPatternError('Unterminated quoted string');
      i++;
      tokens.push({ type: 'string', value });
      continue;
    }
    if (c === '%') {
      const end = text.indexOf('%', i + 1);
      if (end < 0) throw new FilterPatternError('Unterminated regular expression');
      tokens.push({ type: 'regex', value: text.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const punct = PUNCTUATION.find((p) => text.startsWith(p, i));
    if (punct) {
      tokens.push({ type: 'punct', value: punct });
      i += punct.length;
      continue;
    }
    let word = '';
    while (i < text.length && !/[\s"%()=!<>&|,]/.test(text[i])) word += text[i++];
    if (!word) throw new FilterPatternError(`Unexpected character '${text[i]}'`);
    tokens.push({ type: 'word', value: word });
  }
  return tokens;
}

class Cursor {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  peek(): Token | undefined {
    return this.tokens[this.index];
  }

  next(): Token {
    const token = this.tokens[this.index++];
    if (!token) throw new FilterPatternError('Unexpected end of filter pattern');
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

  expect(type: Token['type'], value?: string): void {
    if (!this.accept(type, value)) throw new FilterPatternError(`Expected ${value ?? type}${this.peek() ? ` near '${this.peek()!.value}'` : ''}`);
  }

  done(): boolean {
    return this.index >= this.tokens.length;
  }
}

const OPERATORS = new Set<string>(['=', '!=', '<', '>', '<=', '>=']);

function parseOperator(cursor: Cursor): Operator {
  const token = cursor.next();
  if (token.type !== 'punct' || !OPERATORS.has(token.value)) throw new FilterPatternError(`Expected a comparison operator near '${token.value}'`);
  return token.value as Operator;
}

function parseLiteral(cursor: Cursor, op: Operator): Literal {
  const token = cursor.next();
  let literal: Literal;
  if (token.type === 'string') literal = stringLiteral(token.value);
  else if (token.type === 'regex') literal = { kind: 'regex', re: compileRegex(token.value) };
  else if (token.type === 'word') literal = unquotedLiteral(token.value);
  else throw new FilterPatternError(`Expected a value near '${token.value}'`);
  if (op !== '=' && op !== '!=' && literal.kind !== 'number') throw new FilterPatternError(`Operator ${op} needs a numeric value`);
  return literal;
}

type Condition<T> = (subject: T) => boolean;

/** `a && b || (c)`: || binds loosest, as in the AWS syntax. */
function parseBoolean<T>(cursor: Cursor, atom: (cursor: Cursor) => Condition<T>): Condition<T> {
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

// ---------------------------------------------------------------------------------------------
// JSON patterns.

type PathStep = string | number;

function parseSelector(text: string): PathStep[] {
  if (!text.startsWith('$')) throw new FilterPatternError(`Expected a selector starting with $ near '${text}'`);
  const steps: PathStep[] = [];
  const re = /\.([^.[\]]+)|\[(\d+)\]/y;
  let i = 1;
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) throw new FilterPatternError(`Invalid selector '${text}'`);
    steps.push(m[1] !== undefined ? m[1] : Number(m[2]));
    i = re.lastIndex;
  }
  if (!steps.length) throw new FilterPatternError(`Invalid selector '${text}'`);
  return steps;
}

function select(doc: unknown, steps: PathStep[]): unknown {
  let value = doc;
  for (const step of steps) {
    if (typeof step === 'number') {
      if (!Array.isArray(value)) return undefined;
      value = value[step];
    } else {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, step)) return undefined;
      value = (value as Record<string, unknown>)[step];
    }
  }
  return value;
}

function jsonComparison(cursor: Cursor): Condition<unknown> {
  const token = cursor.next();
  if (token.type !== 'word') throw new FilterPatternError(`Expected a selector near '${token.value}'`);
  const steps = parseSelector(token.value);
  const next = cursor.peek();
  if (next?.type === 'word') {
    cursor.next();
    const keyword = next.value.toUpperCase();
    if (keyword === 'IS') {
      const what = cursor.next();
      const value = what.type === 'word' ? what.value.toUpperCase() : '';
      if (value === 'TRUE') return (doc) => select(doc, steps) === true;
      if (value === 'FALSE') return (doc) => select(doc, steps) === false;
      if (value === 'NULL') return (doc) => select(doc, steps) === null;
      throw new FilterPatternError(`Expected TRUE, FALSE or NULL after IS near '${what.value}'`);
    }
    if (keyword === 'NOT') {
      const what = cursor.next();
      if (what.type !== 'word' || what.value.toUpperCase() !== 'EXISTS') throw new FilterPatternError(`Expected EXISTS after NOT near '${what.value}'`);
      return (doc) => select(doc, steps) === undefined;
    }
    throw new FilterPatternError(`Unexpected '${next.value}' after selector`);
  }
  const op = parseOperator(cursor);
  const literal = parseLiteral(cursor, op);
  return (doc) => compare(op, literal, select(doc, steps));
}

function compileJson(body: string): EventMatcher {
  const cursor = new Cursor(tokenize(body));
  if (cursor.done()) throw new FilterPatternError('Empty JSON filter pattern');
  const condition = parseBoolean(cursor, jsonComparison);
  if (!cursor.done()) throw new FilterPatternError(`Unexpected '${cursor.peek()!.value}' in JSON filter pattern`);
  return (message) => {
    const trimmed = message.trimStart();
    if (trimmed[0] !== '{' && trimmed[0] !== '[') return false;
    let doc: unknown;
    try {
      doc = JSON.parse(message);
    } catch {
      return false;
    }
    return condition(doc);
  };
}

// ---------------------------------------------------------------------------------------------
// Space-delimited patterns.

type DelimitedField = { ellipsis: true } | { ellipsis: false; condition: Condition<string> };

/** Splits a message into fields: runs of non-spaces, with "quoted" and [bracketed] runs kept whole. */
export function splitFields(message: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i < message.length) {
    if (message[i] === ' ' || message[i] === '\t') {
      i++;
      continue;
    }
    const close = message[i] === '"' ? '"' : message[i] === '[' ? ']' : undefined;
    if (close) {
      const end = message.indexOf(close, i + 1);
      if (end >= 0) {
        fields.push(message.slice(i + 1, end));
        i = end + 1;
        continue;
      }
    }
    let end = i;
    while (end < message.length && message[end] !== ' ' && message[end] !== '\t') end++;
    fields.push(message.slice(i, end));
    i = end;
  }
  return fields;
}

function delimitedField(cursor: Cursor): DelimitedField {
  const first = cursor.peek();
  if (first?.type === 'word' && first.value === '...') {
    cursor.next();
    return { ellipsis: true };
  }
  // A field is a name alone (matches anything) or conditions on that name joined by && and ||.
  const condition = parseBoolean<string>(cursor, (c) => {
    const name = c.next();
    if (name.type !== 'word') throw new FilterPatternError(`Expected a field name near '${name.value}'`);
    const next = c.peek();
    if (!next || (next.type === 'punct' && (next.value === ',' || next.value === '&&' || next.value === '||' || next.value === ')'))) {
      return () => true;
    }
    const op = parseOperator(c);
    const literal = parseLiteral(c, op);
    return (value) => compare(op, literal, value);
  });
  return { ellipsis: false, condition };
}

/**
 * Whether `fields` fit `pattern`; `...` absorbs any number of fields. Memoised on (pattern index,
 * field index) so patterns with many ellipses stay linear in the message instead of exponential.
 */
function matchFields(pattern: DelimitedField[], fields: string[]): boolean {
  const width = fields.length + 1;
  const memo = new Int8Array((pattern.length + 1) * width); // 0 unknown, 1 match, -1 no match
  const match = (p: number, f: number): boolean => {
    if (p === pattern.length) return f === fields.length;
    const key = p * width + f;
    if (memo[key] !== 0) return memo[key] === 1;
    const field = pattern[p];
    let result = false;
    if (field.ellipsis) {
      for (let skip = f; skip <= fields.length && !result; skip++) result = match(p + 1, skip);
    } else {
      result = f < fields.length && field.condition(fields[f]) && match(p + 1, f + 1);
    }
    memo[key] = result ? 1 : -1;
    return result;
  };
  return match(0, 0);
}

function compileDelimited(body: string): EventMatcher {
  const cursor = new Cursor(tokenize(body));
  const pattern: DelimitedField[] = [];
  if (!cursor.done()) {
    do pattern.push(delimitedField(cursor));
    while (cursor.accept('punct', ','));
  }
  if (!cursor.done()) throw new FilterPatternError(`Unexpected '${cursor.peek()!.value}' in space-delimited filter pattern`);
  return (message) => matchFields(pattern, splitFields(message));
}

// ---------------------------------------------------------------------------------------------
// Term patterns.

interface Term {
  mode: 'all' | 'any' | 'exclude';
  test: (message: string) => boolean;
}

function parseTerms(pattern: string): Term[] {
  const terms: Term[] = [];
  let i = 0;
  while (i < pattern.length) {
    if (/\s/.test(pattern[i])) {
      i++;
      continue;
    }
    let mode: Term['mode'] = 'all';
    if (pattern[i] === '?' || (pattern[i] === '-' && i + 1 < pattern.length && !/\s/.test(pattern[i + 1]))) {
      mode = pattern[i] === '?' ? 'any' : 'exclude';
      i++;
    }
    let test: Term['test'];
    if (pattern[i] === '"') {
      let phrase = '';
      i++;
      while (i < pattern.length && pattern[i] !== '"') {
        if (pattern[i] === '\\' && i + 1 < pattern.length) i++;
        phrase += pattern[i++];
      }
      if (i >= pattern.length) throw new FilterPatternError('Unterminated quoted string');
      i++;
      test = (message) => message.includes(phrase);
    } else {
      let word = '';
      while (i < pattern.length && !/\s/.test(pattern[i])) word += pattern[i++];
      if (word.length > 1 && word.startsWith('%') && word.endsWith('%')) {
        const re = compileRegex(word.slice(1, -1));
        test = (message) => re.test(message);
      } else {
        test = (message) => message.includes(word);
      }
    }
    terms.push({ mode, test });
  }
  return terms;
}

function compileTerms(pattern: string): EventMatcher {
  const terms = parseTerms(pattern);
  const all = terms.filter((t) => t.mode === 'all');
  const any = terms.filter((t) => t.mode === 'any');
  const exclude = terms.filter((t) => t.mode === 'exclude');
  return (message) => all.every((t) => t.test(message)) && (any.length === 0 || any.some((t) => t.test(message))) && !exclude.some((t) => t.test(message));
}

/** Compiles a filter pattern; throws FilterPatternError when it is not valid syntax. */
export function compileFilterPattern(pattern: string): EventMatcher {
  const text = pattern.trim();
  if (!text) return () => true;
  if (text.startsWith('{')) {
    if (!text.endsWith('}')) throw new FilterPatternError('A JSON filter pattern must end with }');
    return compileJson(text.slice(1, -1));
  }
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) throw new FilterPatternError('A space-delimited filter pattern must end with ]');
    return compileDelimited(text.slice(1, -1));
  }
  if (text.length > 1 && text.startsWith('%') && text.endsWith('%') && text.indexOf('%', 1) === text.length - 1) {
    const re = compileRegex(text.slice(1, -1));
    return (message) => re.test(message);
  }
  return compileTerms(text);
}
