/**
 * Policy values and Condition blocks: policy variables, wildcards, ARN matching and every condition
 * operator, as the IAM User Guide describes them (see the header of policy.ts). Conditions are
 * compiled once per document (policy-compile.ts) and evaluated against a request context here.
 */
import { BlockList, isIP } from 'node:net';

/** A condition key's value in the request context: one value, several (a multivalued key), or missing. */
export type ContextValue = string | string[] | undefined;

/** A policy value after variable substitution: literal text and the wildcards written in the policy. */
export type Piece = { text: string } | '*' | '?';

/** Request context keys by lower-cased name (condition key names are case-insensitive). */
export type Context = Map<string, string[]>;

export function contextOf(context: Record<string, ContextValue>): Context {
  const out: Context = new Map();
  for (const [key, value] of Object.entries(context)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    // An empty list is a key with no value: AWS leaves such keys out of the request context.
    if (values.length > 0) out.set(key.toLowerCase(), values);
  }
  return out;
}

export const asList = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Policy values may be JSON strings, numbers or booleans (`"Null": {"k": false}`); anything else is unreadable. */
function scalarText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

/**
 * Splits a policy value into literal text and wildcards, substituting policy variables when
 * `context` is given (Version 2012-10-17). Undefined when a variable cannot be resolved or is not
 * well formed, which makes the value match nothing.
 */
export function expandPolicyValue(value: string, context: Context | undefined): Piece[] | undefined {
  const pieces: Piece[] = [];
  let text = '';
  const flush = (): void => {
    if (text) pieces.push({ text });
    text = '';
  };
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '*' || ch === '?') {
      flush();
      pieces.push(ch);
    } else if (ch === '$' && value[i + 1] === '{' && context) {
      const parsed = parseVariable(value, i + 2);
      if (!parsed) return undefined;
      const resolved = resolveVariable(parsed.name, parsed.fallback, context);
      if (resolved === undefined) return undefined;
      text += resolved;
      i = parsed.end;
    } else {
      text += ch;
    }
  }
  flush();
  return pieces;
}

/** Parses `name}` or `name, 'default'}` from `start`; `end` is the index of the closing brace. */
function parseVariable(value: string, start: number): { name: string; fallback?: string; end: number } | undefined {
  let i = start;
  while (i < value.length && value[i] !== '}' && value[i] !== ',') i++;
  if (i >= value.length) return undefined;
  const name = value.slice(start, i).trim();
  if (!name) return undefined;
  if (value[i] === '}') return { name, end: i };
  i++;
  while (value[i] === ' ') i++;
  if (value[i] !== "'") return undefined;
  let fallback = '';
  for (i++; i < value.length; i++) {
    if (value[i] === "'") {
      if (value[i + 1] === "'") {
        fallback += "'";
        i++;
        continue;
      }
      break;
    }
    fallback += value[i];
  }
  if (i >= value.length) return undefined;
  i++;
  while (value[i] === ' ') i++;
  return value[i] === '}' ? { name, fallback, end: i } : undefined;
}

function resolveVariable(name: string, fallback: string | undefined, context: Context): string | undefined {
  if (name === '*' || name === '?' || name === '$') return name;
  if (/\s/.test(name)) return fallback;
  const values = context.get(name.toLowerCase());
  // Multivalued keys cannot be policy variables; they resolve like a missing key.
  return values && values.length === 1 ? values[0] : fallback;
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The value as plain text, for operators without wildcards (a written `*` is then just a character). */
const literalOf = (pieces: Piece[]): string => pieces.map((p) => (typeof p === 'string' ? p : p.text)).join('');

/** Regexes of pieces that stay alive (a compiled document's static values) are built once. */
const likeCache = new WeakMap<Piece[], RegExp>();
const arnCache = new WeakMap<Piece[], RegExp>();

export function likeRegex(pieces: Piece[], ignoreCase = false): RegExp {
  if (!ignoreCase) {
    const cached = likeCache.get(pieces);
    if (cached) return cached;
  }
  const regex = buildLikeRegex(pieces, ignoreCase);
  if (!ignoreCase) likeCache.set(pieces, regex);
  return regex;
}

function buildLikeRegex(pieces: Piece[], ignoreCase: boolean): RegExp {
  const source = pieces.map((p) => (p === '*' ? '.*' : p === '?' ? '.' : escapeRegex(p.text))).join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
}

/**
 * ARN matching as ArnLike and the Resource element do it: segments compared one by one, wildcards
 * confined to their segment except in the last segment the pattern writes (the resource part, which
 * may itself contain colons).
 */
/** ARN regexes of values expanded per request (policy variables), by their pieces' text; bounded. */
const expandedArnCache = new Map<string, RegExp>();

export function arnRegex(pieces: Piece[], isStatic = false): RegExp {
  let regex = arnCache.get(pieces);
  if (regex) return regex;
  if (isStatic) {
    regex = buildArnRegex(pieces);
    arnCache.set(pieces, regex);
    return regex;
  }
  // Pieces made for one request are new arrays: look their regex up by content instead.
  const key = JSON.stringify(pieces);
  regex = expandedArnCache.get(key);
  if (!regex) {
    if (expandedArnCache.size >= 1000) expandedArnCache.clear();
    regex = buildArnRegex(pieces);
    expandedArnCache.set(key, regex);
  }
  return regex;
}

function buildArnRegex(pieces: Piece[]): RegExp {
  const colons = literalOf(pieces).split(':').length - 1;
  const freeAfter = Math.min(colons, 5);
  let seen = 0;
  let source = '';
  for (const p of pieces) {
    if (p === '*') source += seen >= freeAfter ? '.*' : '[^:]*';
    else if (p === '?') source += seen >= freeAfter ? '.' : '[^:]';
    else {
      source += escapeRegex(p.text);
      seen += p.text.split(':').length - 1;
    }
  }
  return new RegExp(`^${source}$`, 's');
}

/** IAM wildcard match: `*` any run, `?` one character; actions compare case-insensitively. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  return likeRegex(expandPolicyValue(pattern, undefined) ?? [], ignoreCase).test(value);
}

// --- condition operators -------------------------------------------------------------------

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
function numberOf(text: string): number | undefined {
  const trimmed = text.trim();
  return NUMBER.test(trimmed) ? Number(trimmed) : undefined;
}

/** Dates are ISO 8601 or epoch seconds (as `aws:EpochTime` is), in policies and in the context. */
function dateOf(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : ms;
}

function compareWith<T>(parse: (text: string) => T | undefined, test: (requestValue: T, policyValue: T) => boolean) {
  return (pieces: Piece[], requestValue: string): boolean => {
    const a = parse(requestValue);
    const b = parse(literalOf(pieces));
    return a !== undefined && b !== undefined && test(a, b);
  };
}

function ipMatch(pieces: Piece[], requestValue: string): boolean {
  const [address, prefix] = literalOf(pieces).trim().split('/');
  const family = isIP(address);
  const requestFamily = isIP(requestValue.trim());
  if (!family || !requestFamily) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const list = new BlockList();
  try {
    if (prefix === undefined) list.addAddress(address, type);
    else {
      if (!/^\d+$/.test(prefix)) return false;
      list.addSubnet(address, Number(prefix), type);
    }
    return list.check(requestValue.trim(), requestFamily === 4 ? 'ipv4' : 'ipv6');
  } catch {
    return false;
  }
}

function binaryMatch(pieces: Piece[], requestValue: string): boolean {
  const policy = literalOf(pieces);
  const base64 = /^[A-Za-z0-9+/]*={0,2}$/;
  if (!base64.test(policy) || !base64.test(requestValue)) return false;
  return Buffer.from(policy, 'base64').equals(Buffer.from(requestValue, 'base64'));
}

type Match = (pieces: Piece[], requestValue: string) => boolean;

const stringEquals: Match = (pieces, v) => literalOf(pieces) === v;
const stringEqualsIgnoreCase: Match = (pieces, v) => literalOf(pieces).toLowerCase() === v.toLowerCase();
const stringLike: Match = (pieces, v) => likeRegex(pieces).test(v);
const numericEquals = compareWith(numberOf, (a, b) => a === b);
const dateEquals = compareWith(dateOf, (a, b) => a === b);
const arnLike: Match = (pieces, v) => arnRegex(pieces).test(v);

/** Each operator as its positive test and whether the operator negates it. */
const OPERATORS: Record<string, { match: Match; negated: boolean }> = {
  StringEquals: { match: stringEquals, negated: false },
  StringNotEquals: { match: stringEquals, negated: true },
  StringEqualsIgnoreCase: { match: stringEqualsIgnoreCase, negated: false },
  StringNotEqualsIgnoreCase: { match: stringEqualsIgnoreCase, negated: true },
  StringLike: { match: stringLike, negated: false },
  StringNotLike: { match: stringLike, negated: true },
  NumericEquals: { match: numericEquals, negated: false },
  NumericNotEquals: { match: numericEquals, negated: true },
  NumericLessThan: { match: compareWith(numberOf, (a, b) => a < b), negated: false },
  NumericLessThanEquals: { match: compareWith(numberOf, (a, b) => a <= b), negated: false },
  NumericGreaterThan: { match: compareWith(numberOf, (a, b) => a > b), negated: false },
  NumericGreaterThanEquals: { match: compareWith(numberOf, (a, b) => a >= b), negated: false },
  DateEquals: { match: dateEquals, negated: false },
  DateNotEquals: { match: dateEquals, negated: true },
  DateLessThan: { match: compareWith(dateOf, (a, b) => a < b), negated: false },
  DateLessThanEquals: { match: compareWith(dateOf, (a, b) => a <= b), negated: false },
  DateGreaterThan: { match: compareWith(dateOf, (a, b) => a > b), negated: false },
  DateGreaterThanEquals: { match: compareWith(dateOf, (a, b) => a >= b), negated: false },
  Bool: { match: (pieces, v) => literalOf(pieces).toLowerCase() === v.toLowerCase(), negated: false },
  BinaryEquals: { match: binaryMatch, negated: false },
  IpAddress: { match: ipMatch, negated: false },
  NotIpAddress: { match: ipMatch, negated: true },
  ArnEquals: { match: arnLike, negated: false },
  ArnLike: { match: arnLike, negated: false },
  ArnNotEquals: { match: arnLike, negated: true },
  ArnNotLike: { match: arnLike, negated: true },
};

/** A policy value as written: static pieces when it holds no policy variable, else the raw text to expand per request. */
export interface ValueTemplate {
  raw: string;
  pieces?: Piece[];
}

/** Compiles a policy value; `variables` is whether the document's Version turns policy variables on. */
export function compileValue(raw: string, variables: boolean): ValueTemplate {
  if (variables && raw.includes('${')) return { raw };
  return { raw, pieces: expandPolicyValue(raw, undefined) };
}

/** The value's pieces for this request, or undefined when a variable in it cannot be resolved. */
export function resolveValue(value: ValueTemplate, variables: Context | undefined): Piece[] | undefined {
  return value.pieces ?? expandPolicyValue(value.raw, variables);
}

/** One `"Operator": {"key": values}` entry for one key, compiled. */
export interface ConditionEntry {
  set?: 'ForAnyValue' | 'ForAllValues';
  /** The operator without its set prefix and IfExists suffix. */
  name: string;
  ifExists: boolean;
  /** The condition key, lower-cased (key names are case-insensitive). */
  key: string;
  /** Undefined when the written values are unreadable: the entry then holds for nothing. */
  values?: ValueTemplate[];
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Compiles a Condition block; undefined when it is unreadable (the statement then matches nothing). */
export function compileCondition(condition: unknown, variables: boolean): ConditionEntry[] | undefined {
  if (condition === undefined) return [];
  if (!isObject(condition)) return undefined;
  const entries: ConditionEntry[] = [];
  for (const [operatorName, keys] of Object.entries(condition)) {
    if (!isObject(keys)) return undefined;
    const set = /^(ForAnyValue|ForAllValues):/.exec(operatorName)?.[1] as ConditionEntry['set'];
    let name = set ? operatorName.slice(set.length + 1) : operatorName;
    const ifExists = name.endsWith('IfExists');
    if (ifExists) name = name.slice(0, -'IfExists'.length);
    for (const [key, policyValues] of Object.entries(keys)) {
      const written = asList(policyValues).map(scalarText);
      const readable = written.length > 0 && written.every((v) => v !== undefined);
      entries.push({ set, name, ifExists, key: key.toLowerCase(), values: readable ? (written as string[]).map((v) => compileValue(v, variables)) : undefined });
    }
  }
  return entries;
}

/** Evaluates one compiled condition entry. */
function entryHolds(entry: ConditionEntry, context: Context, variables: Context | undefined): boolean {
  const { set, name, ifExists, values } = entry;
  if (!values) return false;
  const requestValues = context.get(entry.key);

  if (name === 'Null') {
    // Null takes neither a set operator nor IfExists (IAM rejects both); such entries hold for nothing.
    if (set || ifExists) return false;
    return values.some((v) => {
      const expectMissing = v.raw.toLowerCase();
      return expectMissing === 'true' ? !requestValues : expectMissing === 'false' ? Boolean(requestValues) : false;
    });
  }
  const operator = Object.hasOwn(OPERATORS, name) ? OPERATORS[name] : undefined;
  if (!operator) return false;
  if (!requestValues) {
    if (ifExists || set === 'ForAllValues') return true;
    if (set === 'ForAnyValue') return false;
    return operator.negated;
  }
  const patterns = values.map((v) => resolveValue(v, variables)).filter((p): p is Piece[] => p !== undefined);
  if (patterns.length === 0) return false;
  const matchesAny = (v: string): boolean => patterns.some((p) => operator.match(p, v));
  const satisfies = (v: string): boolean => (operator.negated ? !matchesAny(v) : matchesAny(v));
  if (set === 'ForAllValues') return requestValues.every(satisfies);
  if (set === 'ForAnyValue') return requestValues.some(satisfies);
  return operator.negated ? !requestValues.some(matchesAny) : requestValues.some(matchesAny);
}

/** Whether every entry of a compiled Condition block holds (entries are ANDed). */
export function conditionsHold(entries: ConditionEntry[], context: Context, variables: Context | undefined): boolean {
  for (const entry of entries) if (!entryHolds(entry, context, variables)) return false;
  return true;
}
