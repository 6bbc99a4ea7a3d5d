/**
 * The IAM policy evaluator: decides whether identity policies allow a request, with AWS's logic
 * (an explicit Deny wins; otherwise an Allow is required; no matching statement is an implicit deny).
 * Pure: callers pass the policy documents and the request context.
 *
 * What it follows from the IAM User Guide (policy evaluation logic, condition operators, policy
 * variables):
 * - Action/NotAction match case-insensitively with `*` and `?`; Resource/NotResource match
 *   case-sensitively, ARN segment by segment (a wildcard does not cross a `:` before the ARN's
 *   resource part), so `arn:aws:codecommit:*:*:repo` never matches a repository named `x:repo`.
 * - Condition: operators ANDed, keys within an operator ANDed, values for one key ORed; negated
 *   operators (StringNotEquals, NotIpAddress, ArnNotLike …) hold when the key matches none of the
 *   values. A missing key fails a positive operator and satisfies a negated one; `…IfExists` makes a
 *   missing key satisfy any operator; Null tests presence. Key names are case-insensitive.
 * - Multivalued keys (a list, e.g. `codecommit:References`): `ForAllValues:` needs every request
 *   value to satisfy the operator (true when the key is missing or empty), `ForAnyValue:` at least
 *   one (false when missing). Without a set operator a positive operator holds when any request value
 *   matches and a negated one when no request value matches, which is what makes the documented
 *   CodeCommit branch-protection policy deny a push that updates main together with other branches.
 * - Policy variables (`${aws:username}`, `${key, 'default'}`, `${*}` `${?}` `${$}`) in Resource and
 *   condition values, for Version 2012-10-17 only; a variable with no single value (and no default)
 *   makes that value match nothing. Substituted text is literal: it never acts as a wildcard.
 * - A document or statement that cannot be read matches nothing rather than failing the request
 *   (IAM validates documents when it stores them; this keeps a bad row from taking the server down).
 */
import { BlockList, isIP } from 'node:net';

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

export type ContextValue = string | string[] | undefined;

export interface PolicyRequest {
  /** `service:Operation`, e.g. `codecommit:GitPush`. */
  action: string;
  /** The ARN the action is on (`*` for actions on no resource). */
  resource: string;
  /** Condition keys and their values (`aws:username`, `codecommit:References` …); absent keys are missing. */
  context: Record<string, ContextValue>;
}

/** A policy value after variable substitution: literal text and the wildcards written in the policy. */
type Piece = { text: string } | '*' | '?';

/** Request context keys by lower-cased name (condition key names are case-insensitive). */
type Context = Map<string, string[]>;

function contextOf(request: PolicyRequest): Context {
  const out: Context = new Map();
  for (const [key, value] of Object.entries(request.context)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    // An empty list is a key with no value: AWS leaves such keys out of the request context.
    if (values.length > 0) out.set(key.toLowerCase(), values);
  }
  return out;
}

const asList = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Policy values may be JSON strings, numbers or booleans (`"Null": {"k": false}`); anything else is unreadable. */
function scalarText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

/**
 * Splits a policy value into literal text and wildcards, substituting policy variables when
 * `context` is given (Version 2012-10-17). Undefined when a variable cannot be resolved or is not
 * well formed, which makes the value match nothing.
 */
function expandPolicyValue(value: string, context: Context | undefined): Piece[] | undefined {
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

function likeRegex(pieces: Piece[], ignoreCase = false): RegExp {
  const source = pieces.map((p) => (p === '*' ? '.*' : p === '?' ? '.' : escapeRegex(p.text))).join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
}

/**
 * ARN matching as ArnLike and the Resource element do it: segments compared one by one, wildcards
 * confined to their segment except in the last segment the pattern writes (the resource part, which
 * may itself contain colons).
 */
function arnRegex(pieces: Piece[]): RegExp {
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

/** Evaluates one `"Operator": {"key": values}` entry for one key. */
function conditionHolds(operatorName: string, key: string, policyValues: unknown, context: Context, variables: Context | undefined): boolean {
  const set = /^(ForAnyValue|ForAllValues):/.exec(operatorName)?.[1];
  let name = set ? operatorName.slice(set.length + 1) : operatorName;
  const ifExists = name.endsWith('IfExists');
  if (ifExists) name = name.slice(0, -'IfExists'.length);
  const written = asList(policyValues).map(scalarText);
  if (written.length === 0 || written.some((v) => v === undefined)) return false;
  const requestValues = context.get(key.toLowerCase());

  if (name === 'Null') {
    // Null takes neither a set operator nor IfExists (IAM rejects both); such entries hold for nothing.
    if (set || ifExists) return false;
    return written.some((v) => {
      const expectMissing = v!.toLowerCase();
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
  const patterns = written.map((v) => expandPolicyValue(v!, variables)).filter((p): p is Piece[] => p !== undefined);
  if (patterns.length === 0) return false;
  const matchesAny = (v: string): boolean => patterns.some((p) => operator.match(p, v));
  const satisfies = (v: string): boolean => (operator.negated ? !matchesAny(v) : matchesAny(v));
  if (set === 'ForAllValues') return requestValues.every(satisfies);
  if (set === 'ForAnyValue') return requestValues.some(satisfies);
  return operator.negated ? !requestValues.some(matchesAny) : requestValues.some(matchesAny);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function conditionsHold(condition: unknown, context: Context, variables: Context | undefined): boolean {
  if (condition === undefined) return true;
  if (!isObject(condition)) return false;
  for (const [operatorName, keys] of Object.entries(condition)) {
    if (!isObject(keys)) return false;
    for (const [key, values] of Object.entries(keys)) {
      if (!conditionHolds(operatorName, key, values, context, variables)) return false;
    }
  }
  return true;
}

// --- statements ------------------------------------------------------------------------------

function stringsOf(value: unknown): string[] | undefined {
  const list = asList(value);
  return list.every((v) => typeof v === 'string') ? (list as string[]) : undefined;
}

function matchesAction(s: Record<string, unknown>, action: string): boolean {
  const negated = s.NotAction !== undefined;
  const patterns = stringsOf(negated ? s.NotAction : s.Action);
  if (!patterns) return false;
  const hit = patterns.some((p) => wildcardMatch(p, action, true));
  return negated ? !hit : hit;
}

function matchesResource(s: Record<string, unknown>, resource: string, variables: Context | undefined): boolean {
  const negated = s.NotResource !== undefined;
  const patterns = stringsOf(negated ? s.NotResource : s.Resource);
  if (!patterns) return false;
  const hit = patterns.some((p) => {
    const pieces = expandPolicyValue(p, variables);
    return pieces !== undefined && arnRegex(pieces).test(resource);
  });
  return negated ? !hit : hit;
}

/** The statements of a document, and whether its Version turns policy variables on. */
function parseDocument(document: string): { statements: unknown[]; variables: boolean } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    return undefined;
  }
  if (!isObject(parsed)) return undefined;
  return { statements: asList(parsed.Statement), variables: parsed.Version === '2012-10-17' };
}

/** Evaluates identity policy documents (raw JSON text) against one request. */
export function evaluatePolicies(documents: string[], request: PolicyRequest): Decision {
  const context = contextOf(request);
  let allowed = false;
  for (const document of documents) {
    const parsed = parseDocument(document);
    if (!parsed) continue;
    const variables = parsed.variables ? context : undefined;
    for (const s of parsed.statements) {
      if (!isObject(s) || (s.Effect !== 'Allow' && s.Effect !== 'Deny')) continue;
      if (s.Action === undefined && s.NotAction === undefined) continue;
      if (s.Resource === undefined && s.NotResource === undefined) continue;
      if (!matchesAction(s, request.action) || !matchesResource(s, request.resource, variables)) continue;
      if (!conditionsHold(s.Condition, context, variables)) continue;
      if (s.Effect === 'Deny') return 'ExplicitDeny';
      allowed = true;
    }
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
}
