/**
 * What each CloudWatch Logs operation needs to be allowed, from AWS's Service Authorization
 * Reference ("Actions, resources, and condition keys for Amazon CloudWatch Logs") and the resource
 * ARNs AWS's own denials name.
 *
 * Stream operations (CreateLogStream, PutLogEvents, GetLogEvents, DeleteLogStream) are checked on
 * the stream's ARN (`…:log-group:<name>:log-stream:<stream>`). Every other operation on a group
 * AWS checks on the group's "every stream" ARN, `…:log-group:<name>:log-stream:` (the stream name
 * empty, as its denials read): so the common `log-group:<name>:*` and `log-group:<name>:log-stream:*`
 * policies allow them, and a bare `log-group:<name>` does not. StartQuery is checked on each group's
 * `…:log-group:<name>:*`. The tagging operations that name a group by `resourceArn` are checked on
 * that ARN (without the `:*` DescribeLogGroups adds). DescribeLogGroups is checked on `*`. A group's
 * tags are its `aws:ResourceTag/…` keys (the table is built in create() over the store). A group's
 * resource policy is the account's account-level policies plus its own (index.ts, `resourcePolicy`).
 * Saved queries, ListLogGroups and the resource policy operations are checked on `*`.
 * DescribeMetricFilters without a group and TestMetricFilter are checked on `*`; PutSubscriptionFilter
 * with a roleArn also needs `iam:PassRole` on it.
 */
import type {
  CreateLogGroupRequest,
  PutSubscriptionFilterRequest,
  StartQueryRequest,
  TagLogGroupRequest,
  TagResourceRequest,
  UntagLogGroupRequest,
  UntagResourceRequest,
} from '@aws-sdk/client-cloudwatch-logs';
import { partitionOf } from '../../core/arn.js';
import type { ContextValue } from '../../core/policy.js';
import type { RequestContext } from '../../protocol/types.js';
import type { ActionRule, ServiceAuthorization } from '../authorization.js';

interface GroupInput {
  logGroupName?: string;
  logGroupIdentifier?: string;
  logStreamName?: string;
  resourceArn?: string;
}

/** A log group's ARN from its name or its ARN (with or without the trailing `:*`); `*` when the request names none. */
function groupArn(identifier: string | undefined, ctx: RequestContext): string {
  if (!identifier) return '*';
  if (identifier.startsWith('arn:')) return identifier.replace(/:\*$/, '');
  return `arn:${partitionOf(ctx.region)}:logs:${ctx.region}:${ctx.account}:log-group:${identifier}`;
}

/** The ARN AWS checks group operations on: the group's streams, none named (`…:log-group:<name>:log-stream:`). */
const groupStreams = (arn: string) => (arn === '*' ? arn : `${arn}:log-stream:`);

const group = (input: GroupInput, ctx: RequestContext) => groupStreams(groupArn(input.logGroupName ?? input.logGroupIdentifier, ctx));
const stream = (input: GroupInput, ctx: RequestContext) => {
  const arn = groupArn(input.logGroupName ?? input.logGroupIdentifier, ctx);
  return arn === '*' || !input.logStreamName ? groupStreams(arn) : `${arn}:log-stream:${input.logStreamName}`;
};
const taggedResource = (input: GroupInput, ctx: RequestContext) => groupArn(input.resourceArn, ctx);
/** AssociateKmsKey/DisassociateKmsKey name their group by logGroupName or resourceIdentifier (its ARN). */
const encrypted = (input: GroupInput & { resourceIdentifier?: string }, ctx: RequestContext) => groupStreams(groupArn(input.logGroupName ?? input.resourceIdentifier, ctx));
/** Logs Insights checks each group it reads on the ARN DescribeLogGroups reports, `…:log-group:<name>:*`. */
const queriedGroups = (input: StartQueryRequest, ctx: RequestContext) => {
  const groups = input.logGroupIdentifiers ?? input.logGroupNames ?? (input.logGroupName ? [input.logGroupName] : []);
  return groups.length ? groups.map((g) => `${groupArn(g, ctx)}:*`) : '*';
};

function requestTags(tags: Record<string, string> | undefined): Record<string, ContextValue> {
  if (!tags || !Object.keys(tags).length) return {};
  const out: Record<string, ContextValue> = { 'aws:TagKeys': Object.keys(tags) };
  for (const [key, value] of Object.entries(tags)) out[`aws:RequestTag/${key}`] = value;
  return out;
}

/** Declared through a method so that a rule may take its operation's own SDK input shape. */
type ContextOf = { of(input: object): Record<string, ContextValue> }['of'];

/** What the table reads of the stored log groups. */
export interface LogGroupLookup {
  /** The tags of the log group a group (or stream) ARN names; none for a group that does not exist. */
  tags(groupArn: string): Record<string, string>;
}

export function logsAuthorization(lookup: LogGroupLookup): ServiceAuthorization {
  /** `aws:ResourceTag/<key>` for each tag of the group the request names. */
  const groupTags = (input: GroupInput, ctx: RequestContext): Record<string, ContextValue> => {
    const arn = input.resourceArn ? taggedResource(input, ctx) : group(input, ctx);
    if (arn === '*') return {};
    return Object.fromEntries(Object.entries(lookup.tags(arn)).map(([key, value]) => [`aws:ResourceTag/${key}`, value]));
  };
  /** A rule on a group or stream, with the group's tags and keys of its own. */
  const on = (resource: (input: GroupInput, ctx: RequestContext) => string, own?: ContextOf): ActionRule => ({
    resource,
    context: (input: GroupInput, ctx) => ({ ...groupTags(input, ctx), ...own?.(input) }),
  });
  return {
    prefix: 'logs',
    rules: {
      CreateLogGroup: {
        resource: group,
        context: (input: CreateLogGroupRequest) => requestTags(input.tags),
        // Tags at creation also need logs:TagResource, checked on the group's ARN as TagResource is.
        also: [
          {
            action: 'logs:TagResource',
            resource: (input: CreateLogGroupRequest, ctx) => groupArn(input.logGroupName, ctx),
            when: (input: CreateLogGroupRequest) => Object.keys(input.tags ?? {}).length > 0,
          },
        ],
      },
      DeleteLogGroup: on(group),
      DescribeLogGroups: { resource: '*' },
      CreateLogStream: on(stream),
      DeleteLogStream: on(stream),
      DescribeLogStreams: on(group),
      PutLogEvents: on(stream),
      GetLogEvents: on(stream),
      FilterLogEvents: on(group),
      PutLogGroupDeletionProtection: on(group),
      PutRetentionPolicy: on(group),
      DeleteRetentionPolicy: on(group),
      TagLogGroup: on(group, (input: TagLogGroupRequest) => requestTags(input.tags)),
      UntagLogGroup: on(group, (input: UntagLogGroupRequest) => ({ 'aws:TagKeys': input.tags ?? [] })),
      ListTagsLogGroup: on(group),
      TagResource: on(taggedResource, (input: TagResourceRequest) => requestTags(input.tags)),
      UntagResource: on(taggedResource, (input: UntagResourceRequest) => ({ 'aws:TagKeys': input.tagKeys ?? [] })),
      ListTagsForResource: on(taggedResource),
      PutMetricFilter: on(group),
      DescribeMetricFilters: on(group),
      DeleteMetricFilter: on(group),
      TestMetricFilter: { resource: '*' },
      PutSubscriptionFilter: {
        ...on(group),
        also: [
          {
            action: 'iam:PassRole',
            resource: (input: PutSubscriptionFilterRequest) => input.roleArn!,
            when: (input: PutSubscriptionFilterRequest) => input.roleArn !== undefined,
            context: () => ({ 'iam:PassedToService': 'logs.amazonaws.com' }),
          },
        ],
      },
      DescribeSubscriptionFilters: on(group),
      DeleteSubscriptionFilter: on(group),
      // A query is allowed on every group it reads.
      StartQuery: { resource: queriedGroups },
      GetQueryResults: { resource: '*' },
      StopQuery: { resource: '*' },
      DescribeQueries: { resource: '*' },
      PutQueryDefinition: { resource: '*' },
      DescribeQueryDefinitions: { resource: '*' },
      DeleteQueryDefinition: { resource: '*' },
      ListLogGroups: { resource: '*' },
      PutResourcePolicy: { resource: '*' },
      DescribeResourcePolicies: { resource: '*' },
      DeleteResourcePolicy: { resource: '*' },
      CreateExportTask: on(group),
      DescribeExportTasks: { resource: '*' },
      CancelExportTask: { resource: '*' },
      AssociateKmsKey: on(encrypted),
      DisassociateKmsKey: on(encrypted),
    },
  };
}
