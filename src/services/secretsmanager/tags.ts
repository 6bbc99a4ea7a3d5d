/** Tags of secrets. */
import type * as S from '@aws-sdk/client-secrets-manager';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import { findWritable, type SecretsContext } from './common.js';
import { syncReplicas } from './replication.js';

export const MAX_TAGS = 50;

export function validateTags(tags: S.Tag[]): void {
  for (const tag of tags) {
    if (tag.Key === undefined || tag.Value === undefined) throw new AwsError('InvalidParameterException', 'A tag must have both a Key and a Value.');
    if (tag.Key.toLowerCase().startsWith('aws:')) throw new AwsError('InvalidParameterException', `Invalid tag key: tag keys beginning with 'aws:' are reserved (${tag.Key}).`);
  }
}

export function tagResource(c: SecretsContext, input: S.TagResourceRequest, ctx: RequestContext): Record<string, never> {
  validateTags(input.Tags!);
  c.store.tx(() => {
    const secret = findWritable(c, ctx, input.SecretId!);
    for (const tag of input.Tags!) c.store.putTag(secret.arn, tag.Key!, tag.Value!);
    if (c.store.tags(secret.arn).length > MAX_TAGS) throw new AwsError('InvalidParameterException', `A secret can have at most ${MAX_TAGS} tags.`);
    syncReplicas(c, ctx, secret.arn);
  });
  return {};
}

export function untagResource(c: SecretsContext, input: S.UntagResourceRequest, ctx: RequestContext): Record<string, never> {
  c.store.tx(() => {
    const secret = findWritable(c, ctx, input.SecretId!);
    for (const key of input.TagKeys!) c.store.deleteTag(secret.arn, key);
    syncReplicas(c, ctx, secret.arn);
  });
  return {};
}
