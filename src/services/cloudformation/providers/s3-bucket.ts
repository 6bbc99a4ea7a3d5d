/**
 * AWS::S3::Bucket: CreateBucket, then one S3 configuration call per property the template sets
 * (s3-bucket-configuration.ts); an update calls only those whose property changed (or removes the
 * configuration when the property went away). Ref is the bucket name; GetAtt Arn, DomainName,
 * DualStackDomainName, RegionalDomainName and WebsiteURL. Without BucketName, AWS's generated
 * name, lower case and at most 63 characters. Properties Drydock's S3 cannot honour (analytics,
 * inventory, metrics, intelligent-tiering, Object Lock, metadata tables …) fail the resource
 * instead of being ignored.
 */
import type { BucketCannedACL, ObjectOwnership } from '@aws-sdk/client-s3';
import { AwsError } from '../../../core/errors.js';
import { booleanProp, givenOrIntendedName, listOfObjectsProp, objectProp, sameValue, stringProp, tagListProp, unlessGone } from './foundation-helpers.js';
import { BUCKET_CONFIGURATIONS, cannedAcl, SET_BY_CREATE_BUCKET, sectionOf } from './s3-bucket-configuration.js';
import type { Properties, ProvidedResource, ProviderContext, ResourceProvider } from './types.js';

const HANDLED = new Set(['BucketName', 'ObjectLockEnabled', ...BUCKET_CONFIGURATIONS.map((config) => config.property)]);

/** Regions whose website endpoints keep the older `s3-website-<region>` (dash) form; newer ones use `s3-website.<region>`. */
const DASH_WEBSITE_REGIONS = new Set(['us-east-1', 'us-west-1', 'us-west-2', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'eu-west-1', 'sa-east-1', 'us-gov-west-1']);

function checkSupported(props: Properties): void {
  for (const name of Object.keys(props)) {
    if (!HANDLED.has(name)) throw new AwsError('ValidationError', `Drydock's S3 does not support the AWS::S3::Bucket property ${name}; remove it from the template.`);
  }
  if (booleanProp(props, 'ObjectLockEnabled')) throw new AwsError('ValidationError', "Drydock's S3 does not support Object Lock (ObjectLockEnabled); remove it from the template.");
}

function urlSuffix(partition: string): string {
  return partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
}

function provided(ctx: ProviderContext, bucket: string): ProvidedResource {
  const suffix = urlSuffix(ctx.partition);
  const website = DASH_WEBSITE_REGIONS.has(ctx.region) ? `s3-website-${ctx.region}` : `s3-website.${ctx.region}`;
  return {
    physicalId: bucket,
    attributes: {
      Arn: `arn:${ctx.partition}:s3:::${bucket}`,
      DomainName: `${bucket}.s3.${suffix}`,
      RegionalDomainName: `${bucket}.s3.${ctx.region}.${suffix}`,
      DualStackDomainName: `${bucket}.s3.dualstack.${ctx.region}.${suffix}`,
      WebsiteURL: `http://${bucket}.${website}.${suffix}`,
    },
  };
}

function objectOwnership(props: Properties): ObjectOwnership | undefined {
  const rules = listOfObjectsProp(objectProp(props, 'OwnershipControls') ?? {}, 'Rules');
  return rules?.[0] ? (stringProp(rules[0], 'ObjectOwnership') as ObjectOwnership) : undefined;
}

async function bucketExists(ctx: ProviderContext, bucket: string): Promise<boolean> {
  return (await unlessGone(() => ctx.call('s3', 'HeadBucket', { Bucket: bucket }), 'NoSuchBucket', 'NotFound')) !== undefined;
}

export const s3BucketProvider: ResourceProvider = {
  async create(ctx, props) {
    checkSupported(props);
    const bucket = givenOrIntendedName(ctx, stringProp(props, 'BucketName'), { maxLength: 63, lowercase: true });
    // S3 in us-east-1 answers success when you re-create your own bucket; CloudFormation refuses to adopt it.
    // Another account's bucket is refused by CreateBucket itself (BucketAlreadyExists): CloudFormation
    // reports both as "<name> already exists" (stack events users quote, e.g. serverless/examples#314).
    const taken = new AwsError('AlreadyExists', `${bucket} already exists`);
    const exists = await bucketExists(ctx, bucket).catch(() => false);
    if (exists) throw taken;
    try {
      await ctx.call('s3', 'CreateBucket', {
        Bucket: bucket,
        CreateBucketConfiguration: ctx.region === 'us-east-1' ? undefined : { LocationConstraint: ctx.region as never },
        ObjectOwnership: objectOwnership(props),
        ACL: cannedAcl(props) as BucketCannedACL | undefined,
      });
    } catch (err) {
      throw err instanceof AwsError && err.code === 'BucketAlreadyExists' ? taken : err;
    }
    for (const config of BUCKET_CONFIGURATIONS) {
      if (props[config.property] === undefined || SET_BY_CREATE_BUCKET.has(config.property)) continue;
      await ctx.invoke(config.put(bucket, sectionOf(props, config.property), props));
    }
    return provided(ctx, bucket);
  },

  async update(ctx, current, props) {
    checkSupported(props);
    const bucket = current.physicalId;
    for (const config of BUCKET_CONFIGURATIONS) {
      const before = current.props[config.property];
      const after = props[config.property];
      if (sameValue(before, after)) continue;
      const call = after === undefined ? config.remove(bucket, sectionOf(current.props, config.property)) : config.put(bucket, sectionOf(props, config.property), props);
      if (call) await ctx.invoke(call);
    }
    return provided(ctx, bucket);
  },

  async delete(ctx, current) {
    // A bucket that still holds objects fails to delete (DELETE_FAILED), as on AWS.
    await unlessGone(() => ctx.call('s3', 'DeleteBucket', { Bucket: current.physicalId }), 'NoSuchBucket');
  },

  async read(ctx, current) {
    const bucket = current.physicalId;
    if (!(await bucketExists(ctx, bucket))) return undefined;
    const actual: Properties = {};
    if (current.props.BucketName !== undefined) actual.BucketName = bucket;
    const tags = await unlessGone(() => ctx.call('s3', 'GetBucketTagging', { Bucket: bucket }), 'NoSuchTagSet');
    if (tags?.TagSet?.length) actual.Tags = tags.TagSet.map((tag) => ({ Key: tag.Key, Value: tag.Value }));
    const versioning = await ctx.call('s3', 'GetBucketVersioning', { Bucket: bucket });
    if (versioning.Status) actual.VersioningConfiguration = { Status: versioning.Status };
    const block = await unlessGone(() => ctx.call('s3', 'GetPublicAccessBlock', { Bucket: bucket }), 'NoSuchPublicAccessBlockConfiguration');
    if (block?.PublicAccessBlockConfiguration && current.props.PublicAccessBlockConfiguration !== undefined) actual.PublicAccessBlockConfiguration = { ...block.PublicAccessBlockConfiguration };
    // The template's tag order is not the bucket's: compare as the template lists them when the sets agree.
    const templateTags = tagListProp(current.props);
    if (templateTags && actual.Tags && sameValue([...templateTags].sort(byKey), [...(actual.Tags as { Key: string }[])].sort(byKey))) actual.Tags = current.props.Tags;
    return actual;
  },
};

function byKey(left: { Key: string }, right: { Key: string }): number {
  return left.Key < right.Key ? -1 : left.Key > right.Key ? 1 : 0;
}
