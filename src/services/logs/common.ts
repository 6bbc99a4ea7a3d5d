/**
 * What every CloudWatch Logs handler file (and the api) shares: the service context, shared limits,
 * the errors Logs answers with, and finding a log group by name or ARN.
 */

import type { Scope } from '../../core/accounts.js';
import { arn, parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import type { Runtime } from '../contracts.js';
import { type FilterPattern, FilterPatternError, parseFilterPattern } from './filter-pattern/index.js';
import type { GroupRow, LogsStore } from './store.js';
import type { QueryStore } from './store-queries.js';
import type { ResourceStore } from './store-resources.js';

export interface LogsContext {
  store: LogsStore;
  /** Insights queries and query definitions. */
  queries: QueryStore;
  /** Resource policies, export tasks, data keys. */
  resources: ResourceStore;
  rt: Runtime;
}

export const DAY_MS = 86_400_000;
export const MAX_TAGS = 50;
/** DescribeLogGroups and DescribeLogStreams answer this many items a page unless asked for fewer. */
export const DEFAULT_DESCRIBE_LIMIT = 50;

export function scopeOf(ctx: RequestContext): Scope {
  return { account: ctx.account, region: ctx.region };
}

export function groupNotFound(): AwsError {
  return new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');
}

export function streamNotFound(): AwsError {
  return new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.');
}

export function invalid(message: string): AwsError {
  return new AwsError('InvalidParameterException', message);
}

export function groupArn(group: GroupRow): string {
  return arn('logs', group.region, group.account, `log-group:${group.name}`);
}

export function checkTagKeys(tags: Record<string, string>): void {
  for (const key of Object.keys(tags)) {
    if (key.toLowerCase().startsWith('aws:')) throw invalid(`Tag keys starting with 'aws:' are reserved for AWS use: ${key}`);
  }
}

export function requireGroup(c: LogsContext, scope: Scope, name: string): GroupRow {
  const group = c.store.group(scope, name);
  if (!group) throw groupNotFound();
  return group;
}

/** A log group named by a name or an ARN (`arn:aws:logs:region:account:log-group:name`; the model's pattern refuses `:*`). */
export function groupByIdentifier(c: LogsContext, scope: Scope, identifier: string): GroupRow {
  if (!identifier.startsWith('arn:')) return requireGroup(c, scope, identifier);
  const parts = parseArn(identifier);
  const name = parts?.resource.startsWith('log-group:') ? parts.resource.slice('log-group:'.length) : undefined;
  // AWS names the member, never the value, when an identifier is not a log group ARN.
  if (parts?.service !== 'logs' || !name) throw invalid('The specified logGroupIdentifier is not a valid log group ARN.');
  // Cross-account observability is not modelled: only the caller's own groups are visible.
  if (parts.account !== scope.account || parts.region !== scope.region) throw groupNotFound();
  return requireGroup(c, scope, name);
}

/** The logGroupName / logGroupIdentifier pair several read operations take: exactly one of them. */
export function groupOfRequest(c: LogsContext, scope: Scope, input: { logGroupName?: string; logGroupIdentifier?: string }): GroupRow {
  if (input.logGroupName !== undefined && input.logGroupIdentifier !== undefined) {
    throw invalid('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  }
  if (input.logGroupName !== undefined) return requireGroup(c, scope, input.logGroupName);
  if (input.logGroupIdentifier !== undefined) return groupByIdentifier(c, scope, input.logGroupIdentifier);
  throw invalid('Should provide either logGroupName or logGroupIdentifier.');
}

/** A request's filter pattern, compiled; InvalidParameterException with AWS's message when it is not valid. */
export function patternOf(text: string): FilterPattern {
  try {
    return parseFilterPattern(text);
  } catch (err) {
    if (err instanceof FilterPatternError) throw invalid(err.message);
    throw err;
  }
}

/** AWS's answer when a log group already has as many filters (of a kind, or with regexes) as it may. */
export function limitExceeded(): AwsError {
  return new AwsError('LimitExceededException', 'Resource limit exceeded.');
}

/** A log group may have at most this many metric and subscription filters whose patterns use regexes. */
const MAX_REGEX_FILTERS = 5;

/**
 * Refuses a filter with a regex when the group already has five others (the filter being replaced,
 * `self`, does not count).
 */
export function checkRegexQuota(c: LogsContext, groupId: number, pattern: FilterPattern, self: { kind: 'metric' | 'subscription'; name: string }): void {
  if (!pattern.hasRegex) return;
  const existing = c.store.regexFilters(groupId);
  const others = existing.metric.length + existing.subscription.length - (existing[self.kind].includes(self.name) ? 1 : 0);
  if (others >= MAX_REGEX_FILTERS) throw limitExceeded();
}

/** Drydock has no log transformers (PutTransformer answers 501), so no filter can apply to transformed logs. */
export function refuseTransformedLogs(applyOnTransformedLogs: boolean | undefined): void {
  if (applyOnTransformedLogs) throw invalid('applyOnTransformedLogs requires a log group with a transformer; this log group has none.');
}
