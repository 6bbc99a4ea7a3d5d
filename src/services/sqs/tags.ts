/** Queue tags: TagQueue, UntagQueue, ListQueueTags, and the checks CreateQueue's tags share. */
import type { ListQueueTagsRequest, ListQueueTagsResult, TagQueueRequest, UntagQueueRequest } from '@aws-sdk/client-sqs';
import type { RequestContext } from '../../protocol/types.js';
import { requireOwner, resolveQueue, type SqsContext } from './common.js';
import { invalidParameterValue, missingParameter } from './errors.js';

const MAX_TAGS = 50;

/** Tags as AWS limits them: keys of 1 to 128 characters not starting with `aws:`, values of up to 256. */
export function checkTags(tags: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags ?? {})) {
    const text = String(value ?? '');
    if (!key || [...key].length > 128) throw invalidParameterValue(`Tag key ${key} is invalid. Tag keys must be between 1 and 128 characters.`);
    if (key.toLowerCase().startsWith('aws:')) throw invalidParameterValue(`Tag key ${key} is invalid. Tag keys must not start with the reserved prefix aws:.`);
    if ([...text].length > 256) throw invalidParameterValue(`Tag value ${text} is invalid. Tag values must be at most 256 characters.`);
    out[key] = text;
  }
  if (Object.keys(out).length > MAX_TAGS) throw invalidParameterValue(`Too many tags: a queue can have at most ${MAX_TAGS} tags.`);
  return out;
}

export function tagQueue(c: SqsContext, input: TagQueueRequest, ctx: RequestContext): Record<string, never> {
  const queue = resolveQueue(c, input.QueueUrl, ctx);
  requireOwner(queue, ctx, 'TagQueue');
  if (!input.Tags || !Object.keys(input.Tags).length) throw missingParameter('Tags');
  const given = checkTags(input.Tags);
  c.store.tx(() => {
    const current = JSON.parse(c.store.queueById(queue.id)?.tags ?? '{}') as Record<string, string>;
    c.store.setTags(queue.id, JSON.stringify(checkTags({ ...current, ...given })));
  });
  return {};
}

export function untagQueue(c: SqsContext, input: UntagQueueRequest, ctx: RequestContext): Record<string, never> {
  const queue = resolveQueue(c, input.QueueUrl, ctx);
  requireOwner(queue, ctx, 'UntagQueue');
  if (!input.TagKeys?.length) throw missingParameter('TagKeys');
  c.store.tx(() => {
    const current = JSON.parse(c.store.queueById(queue.id)?.tags ?? '{}') as Record<string, string>;
    for (const key of input.TagKeys ?? []) delete current[key];
    c.store.setTags(queue.id, JSON.stringify(current));
  });
  return {};
}

export function listQueueTags(c: SqsContext, input: ListQueueTagsRequest, ctx: RequestContext): ListQueueTagsResult {
  const queue = resolveQueue(c, input.QueueUrl, ctx);
  requireOwner(queue, ctx, 'ListQueueTags');
  const tags = JSON.parse(queue.tags) as Record<string, string>;
  return { Tags: Object.keys(tags).length ? tags : undefined };
}
