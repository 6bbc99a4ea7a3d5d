/**
 * AWS::S3::BucketPolicy: PutBucketPolicy on create and update, DeleteBucketPolicy on delete. The
 * physical id (and Ref) is the bucket's name, the resource's primary identifier.
 */
import { jsonDocumentProp, requiredStringProp, unlessGone } from './foundation-helpers.js';
import type { Properties, ProvidedResource, ProviderContext, ResourceProvider } from './types.js';

async function putPolicy(ctx: ProviderContext, props: Properties): Promise<ProvidedResource> {
  const bucket = requiredStringProp(props, 'Bucket');
  await ctx.call('s3', 'PutBucketPolicy', { Bucket: bucket, Policy: jsonDocumentProp(props, 'PolicyDocument') ?? '' });
  return { physicalId: bucket };
}

export const s3BucketPolicyProvider: ResourceProvider = {
  create: putPolicy,

  update: (ctx, _current, props) => putPolicy(ctx, props),

  async delete(ctx, current) {
    await unlessGone(() => ctx.call('s3', 'DeleteBucketPolicy', { Bucket: current.physicalId }), 'NoSuchBucket', 'NoSuchBucketPolicy');
  },

  async read(ctx, current) {
    const found = await unlessGone(() => ctx.call('s3', 'GetBucketPolicy', { Bucket: current.physicalId }), 'NoSuchBucket', 'NoSuchBucketPolicy');
    if (!found?.Policy) return undefined;
    return { Bucket: current.physicalId, PolicyDocument: JSON.parse(found.Policy) as unknown };
  },
};
