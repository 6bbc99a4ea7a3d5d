/** KMS key policies (stored, not evaluated) and key tags. */
import type * as K from '@aws-sdk/client-kms';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import { assertCustomerManaged, assertNotPendingDeletion, type KmsContext, MAX_TAGS, page, readMarker, scopeOf, tooManyTags, validatePolicy, validateTags, wireTag } from '../common.js';
import { checkNewKeyPolicy } from '../key-policy.js';
import { keyArn } from '../keys.js';

/** Every key has exactly one policy, named `default`. */
function checkPolicyName(name: string | undefined): void {
  if ((name ?? 'default') !== 'default') throw new AwsError('NotFoundException', 'No such policy exists');
}

export function tagResource(c: KmsContext, input: K.TagResourceRequest, ctx: RequestContext) {
  const scope = scopeOf(ctx);
  const row = c.keys.resolve(scope, input.KeyId!);
  assertNotPendingDeletion(scope, row);
  assertCustomerManaged(ctx, row, 'TagResource');
  validateTags(input.Tags!);
  c.store.tx(() => {
    for (const tag of input.Tags!) c.store.putTag(scope, row.key_id, tag.TagKey!, tag.TagValue!);
    if (c.store.countTags(scope, row.key_id) > MAX_TAGS) throw tooManyTags();
  });
  return {};
}

export function untagResource(c: KmsContext, input: K.UntagResourceRequest, ctx: RequestContext) {
  const scope = scopeOf(ctx);
  const row = c.keys.resolve(scope, input.KeyId!);
  assertNotPendingDeletion(scope, row);
  assertCustomerManaged(ctx, row, 'UntagResource');
  c.store.tx(() => {
    for (const tagKey of input.TagKeys!) c.store.deleteTag(scope, row.key_id, tagKey);
  });
  return {};
}

export function listResourceTags(c: KmsContext, input: K.ListResourceTagsRequest, ctx: RequestContext): K.ListResourceTagsResponse {
  const scope = scopeOf(ctx);
  const row = c.keys.resolve(scope, input.KeyId!);
  const limit = Math.min(input.Limit ?? 50, 50);
  const { items, ...rest } = page(c.store.listTags(scope, row.key_id, readMarker(input.Marker), limit + 1), limit, (t) => t.tag_key);
  return { Tags: items.map(wireTag), ...rest };
}

export function getKeyPolicy(c: KmsContext, input: K.GetKeyPolicyRequest, ctx: RequestContext): K.GetKeyPolicyResponse {
  const row = c.keys.resolve(scopeOf(ctx), input.KeyId!);
  checkPolicyName(input.PolicyName);
  return { Policy: row.policy, PolicyName: 'default' };
}

export function putKeyPolicy(c: KmsContext, input: K.PutKeyPolicyRequest, ctx: RequestContext) {
  const scope = scopeOf(ctx);
  const row = c.keys.resolve(scope, input.KeyId!);
  checkPolicyName(input.PolicyName);
  assertNotPendingDeletion(scope, row);
  assertCustomerManaged(ctx, row, 'PutKeyPolicy');
  validatePolicy(input.Policy!);
  checkNewKeyPolicy(c, ctx, input.Policy!, keyArn(scope, row.key_id), input.BypassPolicyLockoutSafetyCheck);
  c.store.tx(() => c.store.updateKey({ ...row, policy: input.Policy! }));
  return {};
}

export function listKeyPolicies(c: KmsContext, input: K.ListKeyPoliciesRequest, ctx: RequestContext): K.ListKeyPoliciesResponse {
  c.keys.resolve(scopeOf(ctx), input.KeyId!);
  return { PolicyNames: ['default'], Truncated: false };
}
