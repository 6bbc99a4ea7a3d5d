/**
 * What every EventBridge handler file (and the engine) shares: the service context, ARNs, naming
 * buses and rules by name or ARN, the errors EventBridge answers with, and patterns compiled once.
 */
import type { Tag as SdkTag } from '@aws-sdk/client-eventbridge';
import type { Scope } from '../../core/accounts.js';
import { arn, parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import { hasMembers, pageToken, readPageToken } from '../../core/pagination.js';
import type { RequestContext } from '../../protocol/types.js';
import type { Runtime } from '../contracts.js';
import type { RuleIndex } from './engine/index.js';
import { type CompiledPattern, compilePattern, PatternError } from './pattern/compile.js';
import type { BusRow, EventsStore, RuleRow, Tag } from './store.js';

export interface EventsContext {
  store: EventsStore;
  rt: Runtime;
  /** Each bus's enabled rules and targets, compiled for matching; rebuilt after any change to them. */
  index: RuleIndex;
}

export const DEFAULT_BUS = 'default';
export const EVENTS_PRINCIPAL = 'events.amazonaws.com';
/** List operations answer at most this many items a page unless asked for fewer. */
export const DEFAULT_LIMIT = 100;

export function scopeOf(ctx: RequestContext): Scope {
  return { account: ctx.account, region: ctx.region };
}

export function busArn(scope: Scope, name: string): string {
  return arn('events', scope.region, scope.account, `event-bus/${name}`);
}

export function ruleArn(scope: Scope, bus: string, name: string): string {
  return arn('events', scope.region, scope.account, bus === DEFAULT_BUS ? `rule/${name}` : `rule/${bus}/${name}`);
}

export function archiveArn(scope: Scope, name: string): string {
  return arn('events', scope.region, scope.account, `archive/${name}`);
}

export function replayArn(scope: Scope, name: string): string {
  return arn('events', scope.region, scope.account, `replay/${name}`);
}

export function validation(message: string): AwsError {
  return new AwsError('ValidationException', message);
}

export function busNotFound(name: string): AwsError {
  return new AwsError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
}

export function ruleNotFound(name: string, bus: string): AwsError {
  return new AwsError('ResourceNotFoundException', `Rule ${name} does not exist on EventBus ${bus}.`);
}

/** A bus a request names by name or ARN: its scope (an ARN may name another account's bus) and name. */
export interface BusRef {
  scope: Scope;
  name: string;
}

export function busRef(ctx: RequestContext, nameOrArn: string | undefined): BusRef {
  const scope = scopeOf(ctx);
  if (!nameOrArn) return { scope, name: DEFAULT_BUS };
  if (!nameOrArn.startsWith('arn:')) return { scope, name: nameOrArn };
  const parts = parseArn(nameOrArn);
  if (parts?.service !== 'events' || !parts.resource.startsWith('event-bus/')) throw validation(`Parameter ${nameOrArn} is not valid. Reason: Provided Arn is not in correct format.`);
  return { scope: { account: parts.account, region: parts.region }, name: parts.resource.slice('event-bus/'.length) };
}

/** The bus a request names; the default bus exists in every account and Region (its row is made on first use). */
export function requireBus(c: EventsContext, ref: BusRef): BusRow {
  if (ref.name === DEFAULT_BUS) c.store.ensureBus(ref.scope, DEFAULT_BUS, c.rt.clock.now());
  const bus = c.store.bus(ref.scope, ref.name);
  if (!bus) throw busNotFound(ref.name);
  return bus;
}

export function requireRule(c: EventsContext, ref: BusRef, name: string): RuleRow {
  requireBus(c, ref);
  const rule = c.store.rule(ref.scope, ref.name, name);
  if (!rule) throw ruleNotFound(name, ref.name);
  return rule;
}

const compiled = new Map<string, CompiledPattern>();
/** Patterns kept compiled: rules, archives and tests share the same few texts. */
const MAX_COMPILED = 10_000;

/** A pattern compiled (and cached); InvalidEventPatternException with AWS's reason when it is not valid. */
export function patternOf(text: string): CompiledPattern {
  const cached = compiled.get(text);
  if (cached) return cached;
  let pattern: CompiledPattern;
  try {
    pattern = compilePattern(text);
  } catch (err) {
    if (err instanceof PatternError) throw new AwsError('InvalidEventPatternException', `Event pattern is not valid. Reason: ${err.message}`);
    throw err;
  }
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(text, pattern);
  return pattern;
}

const afterName = hasMembers<{ after: string }>({ after: 'string' });

export function readToken(token: string | undefined): string {
  return token === undefined ? '' : readPageToken(token, afterName, () => validation('The nextToken provided is invalid.')).after;
}

/** One page of `rows` (fetched one beyond the limit) and the token for the next. */
export function page<T>(rows: T[], limit: number, key: (row: T) => string): { items: T[]; next?: string } {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, next: pageToken({ after: key(items.at(-1)!) }) };
}

export function tagsOf(json: string): SdkTag[] {
  return JSON.parse(json) as Tag[];
}

/** Tags merged by key (a later value replaces an earlier one); AWS allows 50 per resource. */
export function mergeTags(existing: Tag[], added: SdkTag[]): Tag[] {
  const byKey = new Map(existing.map((t) => [t.Key, t.Value]));
  for (const tag of added) byKey.set(tag.Key!, tag.Value!);
  if (byKey.size > 50) throw validation('Tag limit exceeded. A resource can have at most 50 tags.');
  return [...byKey].map(([Key, Value]) => ({ Key, Value }));
}
