/** CloudWatch Logs group settings: retention, deletion protection, and tags (the legacy *LogGroup and the ARN-based operations). */
import type {
  DeleteRetentionPolicyRequest,
  ListTagsForResourceRequest,
  ListTagsForResourceResponse,
  ListTagsLogGroupRequest,
  ListTagsLogGroupResponse,
  PutLogGroupDeletionProtectionRequest,
  PutRetentionPolicyRequest,
  TagLogGroupRequest,
  TagResourceRequest,
  UntagLogGroupRequest,
  UntagResourceRequest,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Scope } from '../../../core/accounts.js';
import { parseArn } from '../../../core/arn.js';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import { checkTagKeys, DAY_MS, groupByIdentifier, invalid, type LogsContext, MAX_TAGS, requireGroup, scopeOf } from '../common.js';
import type { GroupRow } from '../store.js';

/** The retention periods AWS accepts, in days. */
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

function tagsOf(group: GroupRow): Record<string, string> {
  return JSON.parse(group.tags) as Record<string, string>;
}

/** Resolves a tagging ARN to its log group (the only taggable resource Drydock has in Logs). */
function groupOfResourceArn(c: LogsContext, scope: Scope, resourceArn: string): GroupRow {
  const parts = parseArn(resourceArn);
  if (parts?.service !== 'logs' || !parts.resource.startsWith('log-group:')) throw invalid(`Invalid resource ARN: ${resourceArn}`);
  return groupByIdentifier(c, scope, resourceArn);
}

function addTags(c: LogsContext, group: GroupRow, tags: Record<string, string>, tooMany: () => AwsError): void {
  checkTagKeys(tags);
  const merged = { ...tagsOf(group), ...tags };
  if (Object.keys(merged).length > MAX_TAGS) throw tooMany();
  c.store.setTags(group.id, merged);
}

function removeTags(c: LogsContext, group: GroupRow, keys: string[]): void {
  const current = tagsOf(group);
  for (const key of keys) delete current[key];
  c.store.setTags(group.id, current);
}

export function putLogGroupDeletionProtection(c: LogsContext, input: PutLogGroupDeletionProtectionRequest, ctx: RequestContext): void {
  c.store.tx(() => {
    const group = groupByIdentifier(c, scopeOf(ctx), input.logGroupIdentifier!);
    c.store.setDeletionProtection(group.id, input.deletionProtectionEnabled!);
  });
}

export function putRetentionPolicy(c: LogsContext, input: PutRetentionPolicyRequest, ctx: RequestContext): void {
  const days = input.retentionInDays!;
  if (!RETENTION_DAYS.includes(days)) {
    throw invalid(`1 validation error detected: Value '${days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`);
  }
  c.store.tx(() => {
    const group = requireGroup(c, scopeOf(ctx), input.logGroupName!);
    c.store.setRetention(group.id, days);
    c.store.purgeExpired(group.id, c.rt.clock.now() - days * DAY_MS);
  });
}

export function deleteRetentionPolicy(c: LogsContext, input: DeleteRetentionPolicyRequest, ctx: RequestContext): void {
  c.store.tx(() => c.store.setRetention(requireGroup(c, scopeOf(ctx), input.logGroupName!).id, null));
}

export function tagLogGroup(c: LogsContext, input: TagLogGroupRequest, ctx: RequestContext): void {
  c.store.tx(() => {
    const group = requireGroup(c, scopeOf(ctx), input.logGroupName!);
    addTags(c, group, input.tags!, () => invalid(`A log group can have at most ${MAX_TAGS} tags.`));
  });
}

export function untagLogGroup(c: LogsContext, input: UntagLogGroupRequest, ctx: RequestContext): void {
  c.store.tx(() => removeTags(c, requireGroup(c, scopeOf(ctx), input.logGroupName!), input.tags!));
}

export function listTagsLogGroup(c: LogsContext, input: ListTagsLogGroupRequest, ctx: RequestContext): ListTagsLogGroupResponse {
  return { tags: tagsOf(requireGroup(c, scopeOf(ctx), input.logGroupName!)) };
}

export function tagResource(c: LogsContext, input: TagResourceRequest, ctx: RequestContext): void {
  c.store.tx(() => {
    const group = groupOfResourceArn(c, scopeOf(ctx), input.resourceArn!);
    addTags(c, group, input.tags!, () => new AwsError('TooManyTagsException', `A resource can have at most ${MAX_TAGS} tags.`, { fields: { resourceName: input.resourceArn! } }));
  });
}

export function untagResource(c: LogsContext, input: UntagResourceRequest, ctx: RequestContext): void {
  c.store.tx(() => removeTags(c, groupOfResourceArn(c, scopeOf(ctx), input.resourceArn!), input.tagKeys!));
}

export function listTagsForResource(c: LogsContext, input: ListTagsForResourceRequest, ctx: RequestContext): ListTagsForResourceResponse {
  return { tags: tagsOf(groupOfResourceArn(c, scopeOf(ctx), input.resourceArn!)) };
}
