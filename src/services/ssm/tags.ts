/** Tags of parameters (the only ResourceType that holds anything in Drydock). */
import type {
  AddTagsToResourceRequest,
  AddTagsToResourceResult,
  ListTagsForResourceRequest,
  ListTagsForResourceResult,
  RemoveTagsFromResourceRequest,
  RemoveTagsFromResourceResult,
} from '@aws-sdk/client-ssm';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import { type SsmContext, tagsOf } from './common.js';
import { nameKey, parseReference } from './names.js';
import type { ParameterRow } from './store.js';
import { MAX_TAGS } from './writes.js';

/** The parameter a tagging call names; other resource types hold nothing in Drydock. */
function taggedParameter(c: SsmContext, ctx: RequestContext, resourceType: string | undefined, resourceId: string): ParameterRow {
  const ref = parseReference(resourceId);
  const param = resourceType === 'Parameter' ? c.store.parameter(ctx.account, ctx.region, nameKey(ref.name)) : undefined;
  if (!param || ref.selector !== undefined) throw new AwsError('InvalidResourceId', 'The resource ID is not valid. Verify the ID and try again.');
  return param;
}

export function addTagsToResource(c: SsmContext, input: AddTagsToResourceRequest, ctx: RequestContext): AddTagsToResourceResult {
  c.store.tx(() => {
    const param = taggedParameter(c, ctx, input.ResourceType, input.ResourceId!);
    const tags = tagsOf(c, ctx, param.name_key);
    for (const tag of input.Tags!) tags.set(tag.Key!, tag.Value!);
    if (tags.size > MAX_TAGS) throw new AwsError('TooManyTagsError', `A resource can have at most ${MAX_TAGS} tags.`);
    for (const tag of input.Tags!) c.store.putTag(ctx.account, ctx.region, param.name_key, tag.Key!, tag.Value!);
  });
  return {};
}

export function removeTagsFromResource(c: SsmContext, input: RemoveTagsFromResourceRequest, ctx: RequestContext): RemoveTagsFromResourceResult {
  c.store.tx(() => {
    const param = taggedParameter(c, ctx, input.ResourceType, input.ResourceId!);
    for (const key of input.TagKeys!) c.store.deleteTag(ctx.account, ctx.region, param.name_key, key);
  });
  return {};
}

export function listTagsForResource(c: SsmContext, input: ListTagsForResourceRequest, ctx: RequestContext): ListTagsForResourceResult {
  const param = taggedParameter(c, ctx, input.ResourceType, input.ResourceId!);
  return { TagList: c.store.tags(ctx.account, ctx.region, param.name_key).map((t) => ({ Key: t.tag_key, Value: t.tag_value })) };
}
