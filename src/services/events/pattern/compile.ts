/**
 * Event patterns: AWS's grammar, checked in AWS's order with AWS's messages, compiled into
 * branches of field tests.
 *
 * A pattern is an object whose leaves are arrays of alternatives (exact values, or one-key
 * matchers: prefix, suffix, anything-but, numeric, exists, cidr, equals-ignore-case, wildcard);
 * nested objects name nested fields, and `$or` forks the pattern into branches. Compiling yields
 * the branches, each a list of fields (dotted paths, as EventBridge flattens events) with the
 * alternatives any one of which must hold. The grammar checks follow EventBridge's streaming
 * compiler token by token, so the first error found is the one AWS reports, at the same place.
 */
import { cidrRange, ipAddressRange } from './cidr.js';
import { isNumericToken, JsonReader, PatternError, type Token } from './json-reader.js';
import { compileWildcard } from './wildcard.js';

export { PatternError } from './json-reader.js';

/** A value found in an event at a path: strings, numbers and the three literals. */
export type Leaf = { kind: 'string'; value: string } | { kind: 'number'; value: number } | { kind: 'true' | 'false' | 'null' };

/** One alternative of a field: a test on a value, or a statement about the field's presence. */
export type Alternative = { exists: boolean } | { test: (leaf: Leaf) => boolean; exact?: string };

export interface CompiledField {
  path: string;
  alternatives: Alternative[];
}

export type Branch = CompiledField[];

export interface CompiledPattern {
  branches: Branch[];
}

const OR = '$or';
/** Matcher names that may not be field names inside `$or`. */
const RESERVED_IN_OR = new Set(['anything-but', 'exists', 'numeric', 'prefix', 'suffix', 'cidr', 'equals-ignore-case', 'wildcard', 'exact']);
const FIVE_BILLION = 5e9;

/** Compiles an event pattern; throws PatternError with AWS's reason (and location) when it is not valid. */
export function compilePattern(source: string): CompiledPattern {
  const reader = new JsonReader(source);
  if (reader.next() !== 'START_OBJECT') throw reader.fail('Filter is not an object');
  const branches: Map<string, Alternative[]>[] = [];
  parseObject(reader, branches, [], false);
  return { branches: (branches.length ? branches : [new Map()]).map((b) => [...b].map(([path, alternatives]) => ({ path, alternatives }))) };
}

function parseObject(reader: JsonReader, branches: Map<string, Alternative[]>[], path: string[], insideOr: boolean): void {
  let fields = false;
  while (reader.next() !== 'END_OBJECT') {
    fields = true;
    const name = reader.fieldName;
    if (name === OR) {
      parseOr(reader, branches, path);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(name)) throw reader.fail(`${name} is Ruler reserved fieldName which cannot be used inside ${OR}.`);
    const token = reader.next();
    if (token === 'START_OBJECT') parseObject(reader, branches, [...path, name], insideOr);
    else if (token === 'START_ARRAY') addField(branches, [...path, name].join('.'), parseAlternatives(reader));
    else throw reader.fail(`"${name}" must be an object or an array`);
  }
  if (!fields) throw reader.fail('Empty objects are not allowed');
}

function parseOr(reader: JsonReader, branches: Map<string, Alternative[]>[], path: string[]): void {
  const before = branches.map((b) => new Map(b));
  branches.length = 0;
  if (reader.next() !== 'START_ARRAY') throw reader.fail(`It must be an Array followed with ${OR}.`);
  let count = 0;
  for (let token = reader.next(); token !== 'END_ARRAY'; token = reader.next()) {
    count++;
    if (token !== 'START_OBJECT') throw reader.fail(`Only JSON object is allowed in array of ${OR} relationship.`);
    const forked = before.length ? before.map((b) => new Map(b)) : [new Map<string, Alternative[]>()];
    parseObject(reader, forked, path, true);
    branches.push(...forked);
  }
  if (count < 2) throw reader.fail(`There must have at least 2 Objects in ${OR} relationship.`);
}

function addField(branches: Map<string, Alternative[]>[], path: string, alternatives: Alternative[]): void {
  if (!branches.length) branches.push(new Map());
  for (const branch of branches) branch.set(path, alternatives);
}

function parseAlternatives(reader: JsonReader): Alternative[] {
  const out: Alternative[] = [];
  for (let token = reader.next(); token !== 'END_ARRAY'; token = reader.next()) {
    switch (token) {
      case 'START_OBJECT':
        out.push(parseMatcher(reader));
        break;
      case 'VALUE_STRING':
        out.push(exactString(reader.getText()));
        break;
      case 'VALUE_NUMBER_INT':
      case 'VALUE_NUMBER_FLOAT': {
        const value = Number(reader.getText());
        out.push({ test: (leaf) => leaf.kind === 'number' && leaf.value === value });
        break;
      }
      case 'VALUE_TRUE':
      case 'VALUE_FALSE':
      case 'VALUE_NULL': {
        const kind = reader.getText() as 'true' | 'false' | 'null';
        out.push({ test: (leaf) => leaf.kind === kind });
        break;
      }
      default:
        throw reader.fail('Match value must be String, number, true, false, or null');
    }
  }
  if (!out.length) throw reader.fail('Empty arrays are not allowed');
  return out;
}

/** An exact string; a string that is an IP address also matches the same address written otherwise. */
function exactString(value: string): Alternative {
  const ip = ipAddressRange(value);
  if (ip) return { exact: value, test: (leaf) => leaf.kind === 'string' && (leaf.value === value || ip(leaf.value)) };
  return { exact: value, test: (leaf) => leaf.kind === 'string' && leaf.value === value };
}

function expectEnd(reader: JsonReader, reason = 'Only one key allowed in match expression'): void {
  if (reader.next() !== 'END_OBJECT') throw reader.fail(reason);
}

function stringValue(reader: JsonReader, token: Token | undefined, reason: string): string {
  if (token !== 'VALUE_STRING') throw reader.fail(reason);
  return reader.getText();
}

function parseMatcher(reader: JsonReader): Alternative {
  if (reader.next() !== 'FIELD_NAME') throw reader.fail('Match expression name not found');
  const name = reader.fieldName;
  switch (name) {
    case 'exact': {
      const value = stringValue(reader, reader.next(), 'exact match pattern must be a string');
      expectEnd(reader);
      return { exact: value, test: (leaf) => leaf.kind === 'string' && leaf.value === value };
    }
    case 'prefix':
    case 'suffix':
      return parseAffix(reader, name);
    case 'numeric': {
      if (reader.next() !== 'START_ARRAY') throw reader.fail('Value of numeric must be an array.');
      const test = parseNumeric(reader);
      expectEnd(reader, 'Too many elements in numeric expression');
      return { test };
    }
    case 'anything-but':
      return parseAnythingBut(reader);
    case 'exists': {
      const token = reader.next();
      if (token !== 'VALUE_TRUE' && token !== 'VALUE_FALSE') throw reader.fail('exists match pattern must be either true or false.');
      expectEnd(reader);
      return { exists: token === 'VALUE_TRUE' };
    }
    case 'cidr': {
      const range = cidrRange(stringValue(reader, reader.next(), 'prefix match pattern must be a string'));
      expectEnd(reader);
      return { test: (leaf) => leaf.kind === 'string' && range(leaf.value) };
    }
    case 'equals-ignore-case': {
      const value = stringValue(reader, reader.next(), 'equals-ignore-case match pattern must be a string').toLowerCase();
      expectEnd(reader);
      return { test: (leaf) => leaf.kind === 'string' && leaf.value.toLowerCase() === value };
    }
    case 'wildcard': {
      const regex = wildcard(reader, stringValue(reader, reader.next(), 'wildcard match pattern must be a string'));
      expectEnd(reader);
      return { test: (leaf) => leaf.kind === 'string' && regex.test(leaf.value) };
    }
    default:
      throw reader.fail(`Unrecognized match type ${name}`);
  }
}

function wildcard(reader: JsonReader, text: string): RegExp {
  try {
    return compileWildcard(text);
  } catch (err) {
    if (err instanceof PatternError && err.message.startsWith('Rule is too complex')) throw err;
    if (err instanceof PatternError) throw reader.fail(err.message);
    throw err;
  }
}

/** `prefix`/`suffix`, as a string or as `{"equals-ignore-case": …}`. */
function parseAffix(reader: JsonReader, name: 'prefix' | 'suffix'): Alternative {
  const token = reader.next();
  const Name = name === 'prefix' ? 'Prefix' : 'Suffix';
  let ignoreCase = false;
  let value: string;
  if (token === 'START_OBJECT') {
    if (reader.next() !== 'FIELD_NAME') throw reader.fail(`${Name} expression name not found`);
    if (reader.fieldName !== 'equals-ignore-case') throw reader.fail(`Unsupported ${name} pattern: ${reader.fieldName}`);
    value = stringValue(reader, reader.next(), 'equals-ignore-case match pattern must be a string');
    expectEnd(reader);
    ignoreCase = true;
  } else {
    value = stringValue(reader, token, `${name} match pattern must be a string`);
  }
  expectEnd(reader);
  const wanted = ignoreCase ? value.toLowerCase() : value;
  const affix = name === 'prefix' ? (s: string) => s.startsWith(wanted) : (s: string) => s.endsWith(wanted);
  return { test: (leaf) => leaf.kind === 'string' && affix(ignoreCase ? leaf.value.toLowerCase() : leaf.value) };
}

type AnythingButKind = 'values' | 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard';

function parseAnythingBut(reader: JsonReader): Alternative {
  let kind: AnythingButKind = 'values';
  let token = reader.next();
  if (token === 'START_OBJECT') {
    if (reader.next() !== 'FIELD_NAME') throw reader.fail('Anything-But expression name not found');
    const op = reader.fieldName;
    if (op !== 'equals-ignore-case' && op !== 'prefix' && op !== 'suffix' && op !== 'wildcard') throw reader.fail(`Unsupported anything-but pattern: ${op}`);
    kind = op;
    token = reader.next();
  }
  if (token !== 'START_ARRAY' && token !== 'VALUE_STRING' && !isNumericToken(token)) {
    throw reader.fail('Value of anything-but must be an array or single string/number value.');
  }
  const test = kind === 'values' ? anythingButValues(reader, token!) : anythingButSet(reader, token!, kind);
  expectEnd(reader, 'Too many elements in numeric expression');
  if (kind !== 'values') expectEnd(reader, 'Too many elements in numeric expression');
  return { test };
}

/** Runs `read`; an error inside a list is reported again at the list's end position, as AWS does (its message then names two locations). */
function inList<T>(reader: JsonReader, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof PatternError) throw reader.fail(err.message);
    throw err;
  }
}

function anythingButValues(reader: JsonReader, token: Token): (leaf: Leaf) => boolean {
  const strings = new Set<string>();
  const numbers = new Set<number>();
  const take = (t: Token | undefined, inside: boolean) => {
    if (t === 'VALUE_STRING') strings.add(reader.getText());
    else if (isNumericToken(t)) numbers.add(comparable(reader.getText()));
    else throw reader.fail(inside ? 'Inside anything but list, start|null|boolean is not supported.' : 'Inside anything-but list, start|null|boolean is not supported.');
  };
  if (token === 'START_ARRAY') {
    inList(reader, () => {
      for (let t = reader.next(); t !== 'END_ARRAY'; t = reader.next()) take(t, true);
    });
    if (strings.size > 0 === numbers.size > 0) throw reader.fail('Inside anything but list, either all values are number or string, mixed type is not supported');
  } else {
    take(token, false);
  }
  if (numbers.size) return (leaf) => leaf.kind !== 'number' || !numbers.has(leaf.value);
  return (leaf) => leaf.kind !== 'string' || !strings.has(leaf.value);
}

/** A number AWS can compare: within ±5e9 (its numeric matching range). */
function comparable(text: string): number {
  const value = Number(text);
  if (value < -FIVE_BILLION || value > FIVE_BILLION) throw new PatternError('Value must be between -5.0E9 and 5.0E9, inclusive');
  return value;
}

function anythingButSet(reader: JsonReader, token: Token, kind: Exclude<AnythingButKind, 'values'>): (leaf: Leaf) => boolean {
  const values: string[] = [];
  const notString =
    kind === 'equals-ignore-case'
      ? 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.'
      : kind === 'wildcard'
        ? 'wildcard match pattern must be a string'
        : 'prefix/suffix match pattern must be a string';
  const take = (t: Token | undefined) => {
    if (t !== 'VALUE_STRING') throw reader.fail(notString);
    const text = reader.getText();
    if ((kind === 'prefix' || kind === 'suffix') && text === '') throw reader.fail('Null prefix/suffix not allowed');
    values.push(text);
  };
  if (token === 'START_ARRAY') {
    inList(reader, () => {
      for (let t = reader.next(); t !== 'END_ARRAY'; t = reader.next()) take(t);
    });
  } else {
    take(token);
  }
  // Each kind looks at strings only: any other value is "anything but" them.
  switch (kind) {
    case 'equals-ignore-case': {
      const lowered = new Set(values.map((v) => v.toLowerCase()));
      return (leaf) => leaf.kind !== 'string' || !lowered.has(leaf.value.toLowerCase());
    }
    case 'prefix':
      return (leaf) => leaf.kind !== 'string' || !values.some((v) => leaf.value.startsWith(v));
    case 'suffix':
      return (leaf) => leaf.kind !== 'string' || !values.some((v) => leaf.value.endsWith(v));
    case 'wildcard': {
      const regexes = values.map((v) => wildcard(reader, v));
      return (leaf) => leaf.kind !== 'string' || !regexes.some((r) => r.test(leaf.value));
    }
  }
}

function parseNumeric(reader: JsonReader): (leaf: Leaf) => boolean {
  let token = reader.next();
  if (token !== 'VALUE_STRING') throw reader.fail(`Invalid member in numeric match: ${reader.getText()}`);
  const operator = reader.getText();
  token = reader.next();
  const operand = (name: string): number => {
    if (!isNumericToken(token)) throw reader.fail(`Value of ${name} must be numeric`);
    return numericOperand(reader);
  };
  switch (operator) {
    case '=': {
      const value = operand('equals');
      if (reader.next() !== 'END_ARRAY') throw reader.fail('Too many elements in numeric expression');
      return (leaf) => leaf.kind === 'number' && leaf.value === value;
    }
    case '<':
    case '<=': {
      const top = operand(operator);
      if (reader.next() !== 'END_ARRAY') throw reader.fail('Too many elements in numeric expression');
      return operator === '<' ? (leaf) => leaf.kind === 'number' && leaf.value < top : (leaf) => leaf.kind === 'number' && leaf.value <= top;
    }
    case '>':
    case '>=': {
      const bottom = operand(operator);
      const openBottom = operator === '>';
      const above = (v: number) => (openBottom ? v > bottom : v >= bottom);
      token = reader.next();
      if (token === 'END_ARRAY') return (leaf) => leaf.kind === 'number' && above(leaf.value);
      return completeRange(reader, token, bottom, above);
    }
    default:
      throw reader.fail(`Unrecognized numeric range operator: ${operator}`);
  }
}

function completeRange(reader: JsonReader, token: Token | undefined, bottom: number, above: (v: number) => boolean): (leaf: Leaf) => boolean {
  if (token !== 'VALUE_STRING') throw reader.fail(`Bad value in numeric range: ${reader.getText()}`);
  const operator = reader.getText();
  if (operator !== '<' && operator !== '<=') throw reader.fail(`Bad numeric range operator: ${operator}`);
  if (!isNumericToken(reader.next())) throw reader.fail(`Value of ${operator} must be numeric`);
  const top = numericOperand(reader);
  if (reader.next() !== 'END_ARRAY') throw reader.fail('Too many terms in numeric range expression');
  if (!(bottom < top)) throw reader.fail('Bottom must be less than top');
  const below = operator === '<' ? (v: number) => v < top : (v: number) => v <= top;
  return (leaf) => leaf.kind === 'number' && above(leaf.value) && below(leaf.value);
}

function numericOperand(reader: JsonReader): number {
  try {
    return comparable(reader.getText());
  } catch (err) {
    if (err instanceof PatternError) throw reader.fail(err.message);
    throw err;
  }
}
