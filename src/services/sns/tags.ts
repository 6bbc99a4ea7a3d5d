/** Tags of topics: TagResource, UntagResource, ListTagsForResource, and tags given to CreateTopic. */
import type * as S from '@aws-sdk/client-sns';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import { invalidParameter, type SnsContext, topicArnParameter } from './common.js';

const MAX_TAGS = 50;

/** Tags a request gives: no key twice. */
export function checkTags(tags: S.Tag[]): void {
  if (new Set(tags.map((t) => t.Key)).size < tags.length) throw invalidParameter('Duplicated keys are not allowed.');
}

/** Adds or replaces tags of a topic (inside the caller's transaction), within AWS's per-resource quota. */
export function tagTopic(c: SnsContext, topicArn: string, tags: S.Tag[]): void {
  for (const tag of tags) c.store.putTag(topicArn, tag.Key!, tag.Value!);
  if (c.store.tags(topicArn).length > MAX_TAGS) throw new AwsError('TagLimitExceededException', 'Could not complete request: tag quota of per resource exceeded');
}

/** The topic a ResourceArn names; tags exist only on topics here. */
function taggedTopic(c: SnsContext, ctx: RequestContext, resourceArn: string): string {
  topicArnParameter(ctx, resourceArn, 'ResourceArn');
  if (!c.store.topic(resourceArn)) throw new AwsError('ResourceNotFoundException', 'Resource does not exist');
  return resourceArn;
}

export function tagResource(c: SnsContext, input: S.TagResourceRequest, ctx: RequestContext): S.TagResourceResponse {
  checkTags(input.Tags!);
  c.store.tx(() => tagTopic(c, taggedTopic(c, ctx, input.ResourceArn!), input.Tags!));
  return {};
}

export function untagResource(c: SnsContext, input: S.UntagResourceRequest, ctx: RequestContext): S.UntagResourceResponse {
  c.store.tx(() => {
    const topicArn = taggedTopic(c, ctx, input.ResourceArn!);
    for (const key of input.TagKeys!) c.store.deleteTag(topicArn, key);
  });
  return {};
}

export function listTagsForResource(c: SnsContext, input: S.ListTagsForResourceRequest, ctx: RequestContext): S.ListTagsForResourceResponse {
  return { Tags: c.store.tags(taggedTopic(c, ctx, input.ResourceArn!)).map((t) => ({ Key: t.tag_key, Value: t.tag_value })) };
}
