/**
 * What each CloudWatch Logs operation needs to be allowed, from AWS's Service Authorization
 * Reference ("Actions, resources, and condition keys for Amazon CloudWatch Logs").
 *
 * Group operations are checked on the log group's ARN (`arn:aws:logs:<region>:<account>:log-group:<name>`),
 * stream operations (PutLogEvents, GetLogEvents, DeleteLogStream) on the stream's
 * (`…:log-group:<name>:log-stream:<stream>`); a group named by ARN is checked on that ARN without
 * the `:*` DescribeLogGroups adds. DescribeLogGroups is checked on `*`. CloudWatch Logs resource
 * policies are not stored by Drydock (PutResourcePolicy answers 501), so there is none to evaluate.
 */
import type { CreateLogGroupRequest, TagLogGroupRequest, TagResourceRequest, UntagLogGroupRequest, UntagResourceRequest } from '@aws-sdk/client-cloudwatch-logs';
import { partitionOf } from '../../core/arn.js';
import type { ContextValue } from '../../core/policy.js';
import type { RequestContext } from '../../protocol/types.js';
import type { ServiceAuthorization } from '../authorization.js';

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

const group = (input: GroupInput, ctx: RequestContext) => groupArn(input.logGroupName ?? input.logGroupIdentifier, ctx);
const stream = (input: GroupInput, ctx: RequestContext) => {
  const arn = group(input, ctx);
  return arn === '*' || !input.logStreamName ? arn : `${arn}:log-stream:${input.logStreamName}`;
};
const taggedResource = (input: GroupInput, ctx: RequestContext) => groupArn(input.resourceArn, ctx);

function requestTags(tags: Record<string, string> | undefined): Record<string, ContextValue> {
  if (!tags || !Object.keys(tags).length) return {};
  const out: Record<string, ContextValue> = { 'aws:TagKeys': Object.keys(tags) };
  for (const [key, value] of Object.entries(tags)) out[`aws:RequestTag/${key}`] = value;
  return out;
}

export const logsAuthorization: ServiceAuthorization = {
  prefix: 'logs',
  rules: {
    CreateLogGroup: {
      resource: group,
      context: (input: CreateLogGroupRequest) => requestTags(input.tags),
      // Tags at creation also need logs:TagResource.
      also: [{ action: 'logs:TagResource', resource: group, when: (input: CreateLogGroupRequest) => Object.keys(input.tags ?? {}).length > 0 }],
    },
    DeleteLogGroup: { resource: group },
    DescribeLogGroups: { resource: '*' },
    CreateLogStream: { resource: group },
    DeleteLogStream: { resource: stream },
    DescribeLogStreams: { resource: group },
    PutLogEvents: { resource: stream },
    GetLogEvents: { resource: stream },
    FilterLogEvents: { resource: group },
    PutLogGroupDeletionProtection: { resource: group },
    PutRetentionPolicy: { resource: group },
    DeleteRetentionPolicy: { resource: group },
    TagLogGroup: { resource: group, context: (input: TagLogGroupRequest) => requestTags(input.tags) },
    UntagLogGroup: { resource: group, context: (input: UntagLogGroupRequest) => ({ 'aws:TagKeys': input.tags ?? [] }) },
    ListTagsLogGroup: { resource: group },
    TagResource: { resource: taggedResource, context: (input: TagResourceRequest) => requestTags(input.tags) },
    UntagResource: { resource: taggedResource, context: (input: UntagResourceRequest) => ({ 'aws:TagKeys': input.tagKeys ?? [] }) },
    ListTagsForResource: { resource: taggedResource },
  },
};
