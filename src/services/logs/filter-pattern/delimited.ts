/**
 * Space-delimited filter patterns: `[ip, user, ..., status = 4*, bytes > 1000]` where each entry
 * names a field (conditions on it joined by && and ||), `...` stands for any number of fields, and a
 * message's `"quoted"` or `[bracketed]` fields count as one.
 */
import { type Cursor, compare, parseBoolean, parseLiteral, parseOperator } from './syntax.js';

type DelimitedField = { ellipsis: true } | { ellipsis: false; name: string; condition: (value: string) => boolean };

/** Field names are words of letters, digits and underscores (AWS refuses `...fields`). */
const FIELD_NAME = /^[\p{L}\p{N}_]+$/u;

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
  let name: string | undefined;
  const condition = parseBoolean<string>(cursor, (c) => {
    const token = c.next();
    if (token.type !== 'word' || !FIELD_NAME.test(token.value) || (name !== undefined && token.value !== name)) throw c.unexpected(token);
    name = token.value;
    const next = c.peek();
    if (!next || (next.type === 'punct' && (next.value === ',' || next.value === '&&' || next.value === '||' || next.value === ')'))) return () => true;
    const op = parseOperator(c);
    const literal = parseLiteral(c, op);
    return (value) => compare(op, literal, value);
  });
  return { ellipsis: false, name: name!, condition };
}

/**
 * Which field each pattern entry takes when `fields` fit `pattern` (undefined when they do not);
 * `...` absorbs as few fields as it can. Memoised on (pattern index, field index) so patterns with
 * many ellipses stay linear in the message instead of exponential.
 */
function fitFields(pattern: DelimitedField[], fields: string[]): number[] | undefined {
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
  if (!match(0, 0)) return undefined;
  // Walk the memo back along the fit it found: each entry's field index.
  const taken: number[] = [];
  let f = 0;
  for (let p = 0; p < pattern.length; p++) {
    taken.push(f);
    if (!pattern[p].ellipsis) f++;
    else while (!match(p + 1, f)) f++;
  }
  return taken;
}

export interface DelimitedPattern {
  names: Set<string>;
  /** The named fields' values (`$name` → text) of a message that fits; undefined when it does not. */
  extract(message: string): Record<string, string> | undefined;
}

/** The body between `[` and `]`. */
export function compileDelimited(cursor: Cursor): DelimitedPattern {
  const pattern: DelimitedField[] = [];
  if (!cursor.done()) {
    do pattern.push(delimitedField(cursor));
    while (cursor.accept('punct', ','));
  }
  if (!cursor.done()) throw cursor.unexpected();
  const names = new Set(pattern.flatMap((field) => (field.ellipsis ? [] : [field.name])));
  return {
    names,
    extract(message) {
      const fields = splitFields(message);
      const taken = fitFields(pattern, fields);
      if (!taken) return undefined;
      const values: Record<string, string> = {};
      pattern.forEach((field, p) => {
        if (!field.ellipsis) values[`$${field.name}`] = fields[taken[p]];
      });
      return values;
    },
  };
}
