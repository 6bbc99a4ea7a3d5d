/** KMS key policies (stored, not evaluated) and key tags. */
import type * as K from '@aws-sdk/client-kms';
import type { Handlers } from '../../../protocol/types.js';
import { AwsError } from '../../../core/errors.js';
import { type KmsContext, MAX_TAGS, assertCustomerManaged, assertNotPendingDeletion, page, readMarker, scopeOf, validatePolicy, validateTags, wireTag } from '../common.js';

/** Every key has exactly one policy, named `default`. */
function checkPolicyName(name: string | undefined): void {
  if ((name ?? 'default') !== 'default') throw new AwsError('NotFoundException', 'No such policy exists');
}

export function policyAndTagHandlers(c: KmsContext): Handlers {
  const { store, keys } = c;
  return {
    TagResource(input: K.TagResourceRequest, ctx) {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      assertNotPendingDeletion(scope, row);
      assertCustomerManaged(scope, row, 'TagResource');
      validateTags(input.Tags!);
      store.tx(() => {
        for (const tag of input.Tags!) store.putTag(scope, row.key_id, tag.TagKey!, tag.TagValue!);
        if (store.countTags(scope, row.key_id) > MAX_TAGS) throw new AwsError('LimitExceededException', `A key can have at most ${MAX_TAGS} tags.`);
      });
      return {};
    },

    UntagResource(input: K.UntagResourceRequest, ctx) {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      assertNotPendingDeletion(scope, row);
      assertCustomerManaged(scope, row, 'UntagResource');
      store.tx(() => {
        for (const tagKey of input.TagKeys!) store.deleteTag(scope, row.key_id, tagKey);
      });
      return {};
    },

    ListResourceTags(input: K.ListResourceTagsRequest, ctx): K.ListResourceTagsResponse {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      const limit = Math.min(input.Limit ?? 50, 50);
      const { items, ...rest } = page(store.listTags(scope, row.key_id, readMarker(input.Marker), limit + 1), limit, (t) => t.tag_key);
      return { Tags: items.map(wireTag), ...rest };
    },

    GetKeyPolicy(input: K.GetKeyPolicyRequest, ctx): K.GetKeyPolicyResponse {
      const row = keys.resolve(scopeOf(ctx), input.KeyId!);
      checkPolicyName(input.PolicyName);
      return { Policy: row.policy, PolicyName: 'default' };
    },

    PutKeyPolicy(input: K.PutKeyPolicyRequest, ctx) {
      const scope = scopeOf(ctx);
      const row = keys.resolve(scope, input.KeyId!);
      checkPolicyName(input.PolicyName);
      assertNotPendingDeletion(scope, row);
      assertCustomerManaged(scope, row, 'PutKeyPolicy');
      validatePolicy(input.Policy!);
      store.tx(() => store.updateKey({ ...row, policy: input.Policy! }));
      return {};
    },

    ListKeyPolicies(input: K.ListKeyPoliciesRequest, ctx): K.ListKeyPoliciesResponse {
      keys.resolve(scopeOf(ctx), input.KeyId!);
      return { PolicyNames: ['default'], Truncated: false };
    },
  };
}
