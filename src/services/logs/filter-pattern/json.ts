/**
 * JSON filter patterns: `{ $.level = "ERROR" && ($.latency > 500 || $.code = 4*) }` with
 * `= != < > <= >=`, `IS TRUE|FALSE|NULL`, `NOT EXISTS`, `*` wildcards in strings and `$.a.b[0]`
 * selectors. A message that is not a JSON object or array never matches.
 */
import { badTerm, type Cursor, compare, parseBoolean, parseLiteral, parseOperator, type Token } from './syntax.js';

type PathStep = string | number;

/** `$.a.b[0]` as its steps; undefined when it is not a selector. */
export function selectorSteps(text: string): PathStep[] | undefined {
  if (!text.startsWith('$')) return undefined;
  const steps: PathStep[] = [];
  const step = /\.([^.[\]]+)|\[(\d+)\]/y;
  let i = 1;
  while (i < text.length) {
    step.lastIndex = i;
    const m = step.exec(text);
    if (!m) return undefined;
    steps.push(m[1] !== undefined ? m[1] : Number(m[2]));
    i = step.lastIndex;
  }
  return steps.length ? steps : undefined;
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

type Condition = (doc: unknown) => boolean;

/** A selector token's steps; AWS names the selector with the character that broke it (`$."` for `$."a-b"`). */
function selectorOf(cursor: Cursor, token: Token): PathStep[] {
  const steps = token.type === 'word' ? selectorSteps(token.value) : undefined;
  if (steps) return steps;
  const next = cursor.source[token.end];
  throw badTerm(cursor.source.slice(token.start, next !== undefined && !/\s/.test(next) ? token.end + 1 : token.end));
}

function keywordCondition(cursor: Cursor, steps: PathStep[], keyword: Token): Condition {
  const what = cursor.next();
  const value = what.type === 'word' ? what.value.toUpperCase() : '';
  if (keyword.value.toUpperCase() === 'IS') {
    if (value === 'TRUE') return (doc) => select(doc, steps) === true;
    if (value === 'FALSE') return (doc) => select(doc, steps) === false;
    if (value === 'NULL') return (doc) => select(doc, steps) === null;
  } else if (keyword.value.toUpperCase() === 'NOT' && value === 'EXISTS') {
    return (doc) => select(doc, steps) === undefined;
  }
  throw cursor.unexpected(what);
}

function comparison(cursor: Cursor): Condition {
  const steps = selectorOf(cursor, cursor.next());
  const next = cursor.peek();
  if (next?.type === 'word') {
    cursor.next();
    if (next.value.toUpperCase() !== 'IS' && next.value.toUpperCase() !== 'NOT') throw cursor.unexpected(next);
    return keywordCondition(cursor, steps, next);
  }
  const op = parseOperator(cursor);
  const literal = parseLiteral(cursor, op);
  return (doc) => compare(op, literal, select(doc, steps));
}

/** The body between `{` and `}`, compiled to a predicate over messages. */
export function compileJson(cursor: Cursor): (message: string) => boolean {
  if (cursor.done()) throw badTerm('}');
  const condition = parseBoolean(cursor, comparison);
  if (!cursor.done()) throw cursor.unexpected();
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
