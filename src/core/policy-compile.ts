/**
 * Policy documents compiled once: JSON parsed, actions lower-cased and split into exact names and
 * wildcard regexes, resources pre-split into wildcard pieces (expanded per request only when they
 * hold policy variables), conditions compiled. Compiled documents are cached by their text in a
 * bounded LRU map, so evaluating the same documents again costs only the matching.
 */
import {
  arnRegex,
  asList,
  type ConditionEntry,
  type Context,
  compileCondition,
  compileValue,
  conditionsHold,
  expandPolicyValue,
  isObject,
  likeRegex,
  resolveValue,
  type ValueTemplate,
} from './policy-conditions.js';

interface ActionMatcher {
  /** Action names without wildcards, lower-cased. */
  exact: Set<string>;
  patterns: RegExp[];
}

export interface CompiledStatement {
  /** The statement's position in the document's Statement list. */
  index: number;
  effect: 'Allow' | 'Deny';
  sid?: string;
  actions: ActionMatcher;
  notAction: boolean;
  /** Undefined when the statement has neither Resource nor NotResource (trust policies). */
  resources?: ValueTemplate[];
  notResource: boolean;
  condition: ConditionEntry[];
  /** The Principal or NotPrincipal element as written; undefined when the statement has neither. */
  principal?: unknown;
  notPrincipal: boolean;
}

export interface CompiledDocument {
  statements: CompiledStatement[];
  /** Whether Version 2012-10-17 turns policy variables on. */
  variables: boolean;
}

function stringsOf(value: unknown): string[] | undefined {
  const list = asList(value);
  return list.length > 0 && list.every((v) => typeof v === 'string') ? (list as string[]) : undefined;
}

function compileActions(patterns: string[]): ActionMatcher {
  const matcher: ActionMatcher = { exact: new Set(), patterns: [] };
  for (const pattern of patterns) {
    if (/[*?]/.test(pattern)) matcher.patterns.push(likeRegex(expandPolicyValue(pattern, undefined) ?? [], true));
    else matcher.exact.add(pattern.toLowerCase());
  }
  return matcher;
}

/** One statement compiled, or undefined when it cannot be read (it then matches nothing, Deny or Allow). */
function compileStatement(s: unknown, index: number, variables: boolean): CompiledStatement | undefined {
  if (!isObject(s) || (s.Effect !== 'Allow' && s.Effect !== 'Deny')) return undefined;
  const notAction = s.NotAction !== undefined;
  const actions = stringsOf(notAction ? s.NotAction : s.Action);
  if (!actions) return undefined;
  const notResource = s.NotResource !== undefined;
  let resources: ValueTemplate[] | undefined;
  if (notResource || s.Resource !== undefined) {
    const written = stringsOf(notResource ? s.NotResource : s.Resource);
    if (!written) return undefined;
    resources = written.map((r) => compileValue(r, variables));
  }
  const condition = compileCondition(s.Condition, variables);
  if (!condition) return undefined;
  const notPrincipal = s.NotPrincipal !== undefined;
  return {
    index,
    effect: s.Effect,
    sid: typeof s.Sid === 'string' ? s.Sid : undefined,
    actions: compileActions(actions),
    notAction,
    resources,
    notResource,
    condition,
    principal: notPrincipal ? s.NotPrincipal : s.Principal,
    notPrincipal,
  };
}

function compileText(text: string): CompiledDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { statements: [], variables: false };
  }
  if (!isObject(parsed)) return { statements: [], variables: false };
  const variables = parsed.Version === '2012-10-17';
  const statements: CompiledStatement[] = [];
  asList(parsed.Statement).forEach((s, index) => {
    const compiled = compileStatement(s, index, variables);
    if (compiled) statements.push(compiled);
  });
  return { statements, variables };
}

const CACHE_LIMIT = 2000;
const cache = new Map<string, CompiledDocument>();

/** The compiled form of a document, from the LRU cache when it was compiled recently. */
export function compileDocument(text: string): CompiledDocument {
  const hit = cache.get(text);
  if (hit) {
    // Map keeps insertion order: re-inserting makes this the most recently used entry.
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  const compiled = compileText(text);
  cache.set(text, compiled);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  return compiled;
}

/** `action` lower-cased by the caller once per request. */
export function matchesAction(s: CompiledStatement, action: string, actionLower: string): boolean {
  const hit = s.actions.exact.has(actionLower) || s.actions.patterns.some((p) => p.test(action));
  return s.notAction ? !hit : hit;
}

/** A statement without Resource/NotResource applies to the resource its (resource-based) policy is attached to. */
export function matchesResource(s: CompiledStatement, resource: string, variables: Context | undefined): boolean {
  if (!s.resources) return true;
  const hit = s.resources.some((r) => {
    const pieces = resolveValue(r, variables);
    return pieces !== undefined && arnRegex(pieces).test(resource);
  });
  return s.notResource ? !hit : hit;
}

export function conditionHolds(s: CompiledStatement, context: Context, variables: Context | undefined): boolean {
  return s.condition.length === 0 || conditionsHold(s.condition, context, variables);
}
