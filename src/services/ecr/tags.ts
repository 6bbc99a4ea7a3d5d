/** ECR repository tags: TagResource, UntagResource, ListTagsForResource, and the checks CreateRepository shares. */
import type * as E from '@aws-sdk/client-ecr';
import { parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import { type EcrContext, existingRepository, invalidParameter, tagsOf } from './common.js';
import type { RepositoryRow } from './store.js';

const MAX_TAGS = 50;

/** Tags as ECR accepts them: keys of 1 to 128 characters not starting with `aws:`, values up to 256. */
export function checkTags(tags: E.Tag[]): E.Tag[] {
  for (const tag of tags) {
    const key = tag.Key ?? '';
    if (key.length < 1 || key.length > 128 || key.toLowerCase().startsWith('aws:')) {
      throw new AwsError('InvalidTagParameterException', `The tag key '${key}' is invalid: tag keys are 1 to 128 characters and cannot start with 'aws:'`);
    }
    if ((tag.Value ?? '').length > 256) throw new AwsError('InvalidTagParameterException', `The value of tag '${key}' is longer than 256 characters`);
  }
  if (new Set(tags.map((t) => t.Key)).size > MAX_TAGS) throw tooManyTags();
  return tags;
}

function tooManyTags(): AwsError {
  return new AwsError('TooManyTagsException', `A repository can have at most ${MAX_TAGS} tags`);
}

/** The repository an ARN names in the caller's registry, or ECR's errors. */
function repositoryOfArn(c: EcrContext, resourceArn: string, ctx: RequestContext): RepositoryRow {
  const parsed = parseArn(resourceArn);
  if (parsed?.service !== 'ecr' || !parsed.resource.startsWith('repository/') || parsed.region !== ctx.region) {
    throw invalidParameter('resourceArn', 'Invalid ARN');
  }
  return existingRepository(c, { registryId: parsed.account, repositoryName: parsed.resource.slice('repository/'.length) }, ctx);
}

export function tagResource(c: EcrContext, input: E.TagResourceRequest, ctx: RequestContext): E.TagResourceResponse {
  return c.store.tx(() => {
    const row = repositoryOfArn(c, input.resourceArn!, ctx);
    const tags = tagsOf(row);
    for (const tag of checkTags(input.tags ?? [])) tags[tag.Key!] = tag.Value ?? '';
    if (Object.keys(tags).length > MAX_TAGS) throw tooManyTags();
    c.store.update({ ...row, tags: JSON.stringify(tags) });
    return {};
  });
}

export function untagResource(c: EcrContext, input: E.UntagResourceRequest, ctx: RequestContext): E.UntagResourceResponse {
  return c.store.tx(() => {
    const row = repositoryOfArn(c, input.resourceArn!, ctx);
    const tags = tagsOf(row);
    for (const key of input.tagKeys ?? []) delete tags[key];
    c.store.update({ ...row, tags: JSON.stringify(tags) });
    return {};
  });
}

export function listTagsForResource(c: EcrContext, input: E.ListTagsForResourceRequest, ctx: RequestContext): E.ListTagsForResourceResponse {
  const row = repositoryOfArn(c, input.resourceArn!, ctx);
  return { tags: Object.entries(tagsOf(row)).map(([Key, Value]) => ({ Key, Value })) };
}
