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
  /** The lower-cased service prefixes (`s3`) the actions can match; undefined when any (`*`, `s3*`). */
  services?: Set<string>;
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
  /** The context keys the statement reads, as written: condition keys, then policy variables. */
  contextKeys: string[];
  /** The Principal or NotPrincipal element as written; undefined when the statement has neither. */
  principal?: unknown;
  notPrincipal: boolean;
}

export interface CompiledDocument {
  statements: CompiledStatement[];
  /** Whether Version 2012-10-17 turns policy variables on. */
  variables: boolean;
  /** The statements whose actions can belong to a service, by lower-cased service prefix (filled as requests come). */
  byService: Map<string, CompiledStatement[]>;
}

/** At most this many services are indexed per document; others are filtered per request. */
const SERVICES_PER_DOCUMENT = 64;

/** The statements of the document that may match an action of `service` (the others cannot), in order. */
export function statementsFor(doc: CompiledDocument, service: string): CompiledStatement[] {
  let list = doc.byService.get(service);
  if (!list) {
    list = doc.statements.filter((s) => s.notAction || !s.actions.services || s.actions.services.has(service));
    if (doc.byService.size < SERVICES_PER_DOCUMENT) doc.byService.set(service, list);
  }
  return list;
}

function stringsOf(value: unknown): string[] | undefined {
  const list = asList(value);
  return list.length > 0 && list.every((v) => typeof v === 'string') ? (list as string[]) : undefined;
}

function compileActions(patterns: string[]): ActionMatcher {
  const services = new Set<string>();
  let anyService = false;
  const matcher: ActionMatcher = { exact: new Set(), patterns: [] };
  for (const pattern of patterns) {
    const wildcard = /[*?]/.test(pattern);
    if (wildcard) matcher.patterns.push(likeRegex(expandPolicyValue(pattern, undefined) ?? [], true));
    else matcher.exact.add(pattern.toLowerCase());
    const colon = pattern.indexOf(':');
    const service = colon < 0 ? '' : pattern.slice(0, colon);
    if (wildcard && (!service || /[*?]/.test(service))) anyService = true;
    else services.add(service.toLowerCase());
  }
  if (!anyService) matcher.services = services;
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
  const contextKeys = contextKeysOf(s.Condition, resources ?? [], variables);
  return {
    index,
    effect: s.Effect,
    sid: typeof s.Sid === 'string' ? s.Sid : undefined,
    actions: compileActions(actions),
    notAction,
    resources,
    notResource,
    condition,
    contextKeys,
    principal: notPrincipal ? s.NotPrincipal : s.Principal,
    notPrincipal,
  };
}

/** The condition keys of a (readable) Condition block and the variables its values and the resources use. */
function contextKeysOf(condition: unknown, resources: ValueTemplate[], variables: boolean): string[] {
  const keys = new Set<string>();
  const values: string[] = resources.map((r) => r.raw);
  if (isObject(condition)) {
    for (const entries of Object.values(condition)) {
      if (!isObject(entries)) continue;
      for (const [key, value] of Object.entries(entries)) {
        keys.add(key);
        for (const v of asList(value)) if (typeof v === 'string') values.push(v);
      }
    }
  }
  if (variables) {
    for (const value of values) {
      for (const match of value.matchAll(/\$\{([^}]*)\}/g)) {
        const name = match[1]!.split(',')[0]!.trim();
        if (name && !['*', '?', '$'].includes(name)) keys.add(name);
      }
    }
  }
  return [...keys];
}

function compileText(text: string): CompiledDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { statements: [], variables: false, byService: new Map() };
  }
  if (!isObject(parsed)) return { statements: [], variables: false, byService: new Map() };
  const variables = parsed.Version === '2012-10-17';
  const statements: CompiledStatement[] = [];
  asList(parsed.Statement).forEach((s, index) => {
    const compiled = compileStatement(s, index, variables);
    if (compiled) statements.push(compiled);
  });
  return { statements, variables, byService: new Map() };
}

/**
 * An approximate LRU of two generations: hits in the current one cost one lookup; a hit in the
 * previous one moves the document forward; when the current one is full it becomes the previous
 * one, dropping whatever was not used for a whole generation. At most 2 × GENERATION documents.
 */
const GENERATION = 1000;
let current = new Map<string, CompiledDocument>();
let previous = new Map<string, CompiledDocument>();

/** The compiled form of a document, from the cache when it was compiled recently. */
export function compileDocument(text: string): CompiledDocument {
  const hit = current.get(text);
  if (hit) return hit;
  const compiled = previous.get(text) ?? compileText(text);
  if (current.size >= GENERATION) {
    previous = current;
    current = new Map();
  }
  current.set(text, compiled);
  return compiled;
}

/** `action` and its lower-cased form, computed by the caller once per request. */
export function matchesAction(s: CompiledStatement, action: string, actionLower: string): boolean {
  const { exact, patterns } = s.actions;
  let hit = exact.has(actionLower);
  if (!hit) {
    for (const pattern of patterns) {
      if (pattern.test(action)) {
        hit = true;
        break;
      }
    }
  }
  return s.notAction ? !hit : hit;
}

/** A statement without Resource/NotResource applies to the resource its (resource-based) policy is attached to. */
export function matchesResource(s: CompiledStatement, resource: string, variables: () => Context | undefined): boolean {
  if (!s.resources) return true;
  let hit = false;
  for (const r of s.resources) {
    const pieces = r.pieces ?? resolveValue(r, variables());
    if (pieces !== undefined && arnRegex(pieces, pieces === r.pieces).test(resource)) {
      hit = true;
      break;
    }
  }
  return s.notResource ? !hit : hit;
}

/** Whether the statement may apply to the resource: values with policy variables are taken to match. */
export function mayMatchResource(s: CompiledStatement, resource: string): boolean {
  if (!s.resources) return true;
  const dynamic = s.resources.some((r) => !r.pieces);
  const hit = s.resources.some((r) => r.pieces !== undefined && arnRegex(r.pieces, true).test(resource));
  return s.notResource ? dynamic || !hit : dynamic || hit;
}

export function conditionHolds(s: CompiledStatement, context: () => Context, variables: () => Context | undefined): boolean {
  return s.condition.length === 0 || conditionsHold(s.condition, context(), variables());
}
