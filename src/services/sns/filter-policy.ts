/**
 * Subscription filter policies: checked with AWS's complaints when a subscription gets one, and
 * matched against each published message (its attributes, or its JSON body for the MessageBody
 * scope).
 *
 * SNS's grammar is a subset of EventBridge's event patterns (exact strings and numbers, null and
 * booleans in bodies, prefix, suffix, equals-ignore-case, anything-but with values or a prefix,
 * numeric comparisons and ranges, exists, cidr, and `$or`), with its own limits (5 keys, 150
 * combinations) and wording. Services do not share code, so SNS has its own matcher here rather
 * than EventBridge's.
 *
 * Matching: every key of the policy must match (AND); a key matches when any of its conditions
 * matches any of the values found for it (OR); `exists: false` matches when nothing is found.
 * Nested policy objects and nested body objects both flatten to dotted paths, so
 * `{"a": {"b": [...]}}` and `{"a.b": [...]}` select the same values, as AWS does, and arrays in
 * bodies contribute each of their elements. A String.Array attribute is a JSON array whose every
 * element is a value; Binary attributes carry no value that a condition could match.
 */
import { AwsError } from '../../core/errors.js';

export type FilterScope = 'MessageAttributes' | 'MessageBody';

/** Stands in for a Binary attribute's value: present (for `exists`), equal to nothing a policy can write. */
const BINARY = Object.freeze({ binary: true });

/** A value a condition is tested against: strings, numbers, booleans and null as JSON has them, or a Binary attribute's. */
type Value = string | number | boolean | null | typeof BINARY;

type Condition = (value: Value) => boolean;

interface KeyClause {
  path: string;
  /** Written inside a nested policy object (only the MessageBody scope allows those). */
  nested: boolean;
  conditions: Condition[];
  /** `exists: false` among the conditions: the key matches when absent. */
  matchesAbsent: boolean;
}

interface Clauses {
  keys: KeyClause[];
  or: Clauses[][];
}

export interface FilterPolicy {
  matches(values: Map<string, Value[]>): boolean;
}

const MAX_KEYS = 5;
const MAX_COMBINATIONS = 150;

/** The error a policy's defect raises: `label` is AWS's wording for where it came from (Subscribe vs SetSubscriptionAttributes). */
export class FilterPolicyError {
  constructor(readonly label: string) {}

  fail(reason: string): AwsError {
    return new AwsError('InvalidParameterException', `${this.label}FilterPolicy: ${reason}`);
  }
}

/** Checks a parsed policy and compiles it; throws AwsError with AWS's reason for any defect. */
export function compileFilterPolicy(policy: unknown, scope: FilterScope, errors: FilterPolicyError): FilterPolicy {
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) throw errors.fail('Filter policy must be a JSON object');
  const root = compileObject(policy as Record<string, unknown>, '', errors);
  // AWS checks a nested policy's grammar first, and only then that the scope allows nesting.
  if (scope === 'MessageAttributes' && hasNesting(root)) {
    throw new AwsError('InvalidParameterException', 'Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy');
  }
  if (maxKeys(root) > MAX_KEYS) throw errors.fail(`Filter policy can not have more than ${MAX_KEYS} keys`);
  if (combinations(root) > MAX_COMBINATIONS) throw errors.fail('Filter policy is too complex');
  return { matches: (values) => matchClauses(root, values) };
}

function compileObject(policy: Record<string, unknown>, prefix: string, errors: FilterPolicyError): Clauses {
  const clauses: Clauses = { keys: [], or: [] };
  for (const [key, value] of Object.entries(policy)) {
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2 || value.some((b) => typeof b !== 'object' || b === null || Array.isArray(b))) {
        throw errors.fail('"$or" must be an array of at least two objects');
      }
      clauses.or.push(value.map((branch) => compileObject(branch as Record<string, unknown>, prefix, errors)));
      continue;
    }
    const path = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value)) {
      const conditions = value.map((item) => compileCondition(item, errors));
      clauses.keys.push({ path, nested: prefix !== '', conditions: conditions.map((c) => c.test), matchesAbsent: conditions.some((c) => c.absent) });
    } else if (typeof value === 'object' && value !== null) {
      const nested = compileObject(value as Record<string, unknown>, path, errors);
      clauses.keys.push(...nested.keys);
      clauses.or.push(...nested.or);
    } else {
      throw errors.fail(`"${key}" must be an object or an array`);
    }
  }
  return clauses;
}

/** Whether any key is nested (a dotted path made from a nested policy object). */
function hasNesting(clauses: Clauses): boolean {
  return clauses.keys.some((k) => k.nested) || clauses.or.some((branches) => branches.some(hasNesting));
}

function maxKeys(clauses: Clauses): number {
  return clauses.keys.length + clauses.or.reduce((sum, branches) => sum + Math.max(...branches.map(maxKeys)), 0);
}

function combinations(clauses: Clauses): number {
  let product = 1;
  for (const key of clauses.keys) product *= Math.max(1, key.conditions.length);
  for (const branches of clauses.or) product *= branches.reduce((sum, branch) => sum + combinations(branch), 0);
  return product;
}

function matchClauses(clauses: Clauses, values: Map<string, Value[]>): boolean {
  for (const key of clauses.keys) {
    const found = values.get(key.path);
    if (!found || found.length === 0) {
      if (!key.matchesAbsent) return false;
      continue;
    }
    if (!found.some((value) => key.conditions.some((condition) => condition(value)))) return false;
  }
  return clauses.or.every((branches) => branches.some((branch) => matchClauses(branch, values)));
}

interface CompiledCondition {
  test: Condition;
  absent?: boolean;
}

const isString = (v: Value): v is string => typeof v === 'string';
const isNumber = (v: Value): v is number => typeof v === 'number';

function compileCondition(item: unknown, errors: FilterPolicyError): CompiledCondition {
  if (item === null || typeof item === 'string' || typeof item === 'boolean') return { test: (v) => v === item };
  if (typeof item === 'number') return { test: (v) => isNumber(v) && v === item };
  if (Array.isArray(item)) throw errors.fail('Match value must be String, number, true, false, or null');
  const entries = Object.entries(item as Record<string, unknown>);
  if (entries.length !== 1) throw errors.fail(entries.length === 0 ? 'Empty objects are not allowed in filter policies' : 'Only one key allowed in match expression');
  const [operator, operand] = entries[0]!;
  switch (operator) {
    case 'prefix': {
      const prefix = stringOperand('prefix', operand, errors);
      return { test: (v) => isString(v) && v.startsWith(prefix) };
    }
    case 'suffix': {
      const suffix = stringOperand('suffix', operand, errors);
      return { test: (v) => isString(v) && v.endsWith(suffix) };
    }
    case 'equals-ignore-case': {
      const expected = stringOperand('equals-ignore-case', operand, errors).toLowerCase();
      return { test: (v) => isString(v) && v.toLowerCase() === expected };
    }
    case 'anything-but':
      return { test: anythingBut(operand, errors) };
    case 'numeric':
      return { test: numeric(operand, errors) };
    case 'exists':
      if (typeof operand !== 'boolean') throw errors.fail('exists match pattern must be either true or false.');
      // exists: true matches any value found; exists: false only an absent key (matchClauses).
      return operand ? { test: () => true } : { test: () => false, absent: true };
    case 'cidr':
      return { test: cidr(operand, errors) };
    default:
      throw errors.fail(`Unrecognized match type ${operator}`);
  }
}

function stringOperand(operator: string, operand: unknown, errors: FilterPolicyError): string {
  if (typeof operand !== 'string') throw errors.fail(`${operator} match pattern must be a string`);
  return operand;
}

/** anything-but matches strings and numbers other than the ones it names (never null, booleans or Binary values). */
function anythingBut(operand: unknown, errors: FilterPolicyError): Condition {
  const comparable = (v: Value): v is string | number => isString(v) || isNumber(v);
  if (typeof operand === 'string' || typeof operand === 'number') return (v) => comparable(v) && v !== operand;
  if (Array.isArray(operand)) {
    if (operand.length === 0 || operand.some((o) => typeof o !== 'string' && typeof o !== 'number')) {
      throw errors.fail('Inside anything but list, start|null|boolean is not supported.');
    }
    const excluded = new Set<Value>(operand as (string | number)[]);
    return (v) => comparable(v) && !excluded.has(v);
  }
  if (typeof operand === 'object' && operand !== null) {
    const entries = Object.entries(operand);
    if (entries.length !== 1) throw errors.fail('Only one key allowed in match expression');
    const [operator, inner] = entries[0]!;
    if (operator !== 'prefix') throw errors.fail(`Unsupported anything-but pattern: ${operator}`);
    const prefix = stringOperand('prefix', inner, errors);
    return (v) => isString(v) && !v.startsWith(prefix);
  }
  throw errors.fail('Value of anything-but must be an array or single string/number value.');
}

const LOWER = new Set(['>', '>=']);
const UPPER = new Set(['<', '<=']);

/** `["=", n]`, `[op, n]`, or a range `[">"|">=", a, "<"|"<=", b]`, with AWS's complaint for each defect. */
function numeric(operand: unknown, errors: FilterPolicyError): Condition {
  if (!Array.isArray(operand)) throw errors.fail('Value of numeric must be an array.');
  const tests: ((n: number) => boolean)[] = [];
  let bottom: number | undefined;
  let index = 0;
  const valueAfter = (operator: string): number => {
    const value = operand[index + 1];
    if (typeof value !== 'number') throw errors.fail(`Value of ${operator === '=' ? 'equals' : operator} must be numeric`);
    return value;
  };
  while (index < operand.length) {
    const operator = operand[index];
    if (typeof operator !== 'string') throw errors.fail(`Invalid member in numeric match: ${JSON.stringify(operator)}`);
    if (tests.length === 2) throw errors.fail('Too many terms in numeric range expression');
    if (tests.length === 1 && (bottom === undefined || !UPPER.has(operator))) {
      if (bottom === undefined) throw errors.fail('Too many elements in numeric expression');
      throw errors.fail(`Bad numeric range operator: ${operator}`);
    }
    if (operator === '=' || LOWER.has(operator) || UPPER.has(operator)) {
      const value = valueAfter(operator);
      if (operator === '=') tests.push((n) => n === value);
      else if (operator === '>') tests.push((n) => n > value);
      else if (operator === '>=') tests.push((n) => n >= value);
      else if (operator === '<') tests.push((n) => n < value);
      else tests.push((n) => n <= value);
      if (UPPER.has(operator) && bottom !== undefined && bottom >= value) throw errors.fail('Bottom must be less than top');
      bottom = LOWER.has(operator) ? value : undefined;
      index += 2;
      if (index < operand.length && typeof operand[index] !== 'string') throw errors.fail(`Bad value in numeric range: ${JSON.stringify(operand[index])}`);
      continue;
    }
    throw errors.fail(tests.length ? `Bad numeric range operator: ${operator}` : `Unrecognized numeric range operator: ${operator}`);
  }
  if (tests.length === 0) throw errors.fail('Invalid member in numeric match: ]');
  return (v) => isNumber(v) && tests.every((t) => t(v));
}

function cidr(operand: unknown, errors: FilterPolicyError): Condition {
  const text = stringOperand('cidr', operand, errors);
  const slash = text.indexOf('/');
  const network = slash > 0 ? parseIp(text.slice(0, slash)) : undefined;
  const bits = Number(text.slice(slash + 1));
  if (!network || !/^\d{1,3}$/.test(text.slice(slash + 1)) || bits > network.length * 8) throw errors.fail(`Nonstandard IP address: ${text}`);
  return (v) => {
    const address = isString(v) ? parseIp(v) : undefined;
    return address !== undefined && address.length === network.length && samePrefix(address, network, bits);
  };
}

function samePrefix(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const mask = 0x80 >> (i % 8);
    if ((a[i >> 3]! & mask) !== (b[i >> 3]! & mask)) return false;
  }
  return true;
}

/** An IPv4 (4 bytes) or IPv6 (16 bytes) address, or undefined. */
export function parseIp(text: string): Uint8Array | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const parts = text.split('.').map(Number);
    return parts.every((p) => p <= 255) ? Uint8Array.from(parts) : undefined;
  }
  if (!/^[0-9a-fA-F:]+$/.test(text) || text.split('::').length > 2) return undefined;
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const left = groups(head);
  const right = groups(tail);
  const missing = 8 - left.length - right.length;
  if ((tail === undefined && missing !== 0) || missing < 0 || [...left, ...right].some((g) => g.length === 0 || g.length > 4)) return undefined;
  const all = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    const n = Number.parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

/** A message attribute as a filter sees it: its data type and its value (strings; Binary is base64). */
export interface FilterAttribute {
  type: string;
  value: string;
}

/** The values of message attributes, by name (MessageAttributes scope). */
export function attributeValues(attributes: Record<string, FilterAttribute>): Map<string, Value[]> {
  const out = new Map<string, Value[]>();
  for (const [name, { type, value }] of Object.entries(attributes)) {
    if (type.startsWith('Number')) out.set(name, [Number(value)]);
    else if (type === 'String.Array') out.set(name, arrayElements(value));
    else if (type.startsWith('String')) out.set(name, [value]);
    else out.set(name, [BINARY]);
  }
  return out;
}

function arrayElements(text: string): Value[] {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((v): v is string | number | boolean | null => v === null || ['string', 'number', 'boolean'].includes(typeof v));
  } catch {
    return [];
  }
}

/** The values of a JSON message body by dotted path (MessageBody scope); undefined when the body is not a JSON object. */
export function bodyValues(body: string): Map<string, Value[]> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const out = new Map<string, Value[]>();
  const add = (path: string, value: unknown): void => {
    if (Array.isArray(value)) {
      for (const element of value) add(path, element);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) add(path ? `${path}.${key}` : key, child);
    } else {
      const list = out.get(path) ?? [];
      list.push(value as Value);
      out.set(path, list);
    }
  };
  add('', parsed);
  return out;
}
