/** Bucket operations: lifecycle of the bucket itself and the configurations stored on it. */
import type {
  CreateBucketOutput,
  CreateBucketRequest,
  DeleteBucketEncryptionRequest,
  DeleteBucketPolicyRequest,
  DeleteBucketRequest,
  DeleteBucketTaggingRequest,
  GetBucketEncryptionOutput,
  GetBucketEncryptionRequest,
  GetBucketLocationRequest,
  GetBucketNotificationConfigurationRequest,
  GetBucketPolicyOutput,
  GetBucketPolicyRequest,
  GetBucketTaggingOutput,
  GetBucketTaggingRequest,
  GetBucketVersioningOutput,
  GetBucketVersioningRequest,
  HeadBucketOutput,
  HeadBucketRequest,
  ListBucketsOutput,
  ListBucketsRequest,
  NotificationConfiguration,
  PutBucketEncryptionRequest,
  PutBucketNotificationConfigurationRequest,
  PutBucketPolicyRequest,
  PutBucketTaggingRequest,
  PutBucketVersioningRequest,
  ServerSideEncryptionConfiguration,
} from '@aws-sdk/client-s3';
import { DEFAULT_REGION } from '../../core/accounts.js';
import { withResponse } from '../../protocol/codecs/rest-xml.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { aclFromHeaders, ENFORCED, isPublicAcl, OBJECT_OWNERSHIPS, onlyOwnerFullControl, publicAccessBlock } from './acl.js';
import { isPublicPolicy, validateBucketPolicy } from './bucket-policy.js';
import { owner, type S3Core, validateTags, validBucketName } from './core.js';
import * as e from './errors.js';
import { continuationKey, continuationToken } from './listing.js';
import { checkNotificationConfiguration, validateDestinations } from './notification-config.js';
import { DEFAULT_OWNERSHIP } from './store.js';

/** What S3 reports for a bucket with no encryption configuration: since 2023 every bucket has SSE-S3. */
const DEFAULT_ENCRYPTION: ServerSideEncryptionConfiguration = {
  Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }],
};

/**
 * The Object Ownership and ACL of a new bucket. BucketOwnerEnforced, S3's default since April
 * 2023, refuses any ACL beyond the owner's full control; with ACLs enabled a public ACL is still
 * refused, as the new bucket blocks public access.
 */
function newBucketAccess(input: CreateBucketRequest, account: string): { ownership: string; acl: string | null } {
  const ownership = input.ObjectOwnership ?? DEFAULT_OWNERSHIP;
  if (!OBJECT_OWNERSHIPS.has(ownership)) throw e.invalidArgument(`Invalid x-amz-object-ownership header: ${ownership}`, 'x-amz-object-ownership', ownership);
  const acl = aclFromHeaders(input, account, account);
  if (!acl || onlyOwnerFullControl(acl, account)) return { ownership, acl: null };
  if (ownership === ENFORCED) throw e.invalidBucketAclWithObjectOwnership();
  if (isPublicAcl(acl)) throw e.invalidBucketAclWithBlockPublicAccess();
  return { ownership, acl: JSON.stringify(acl) };
}

export function bucketHandlers(core: S3Core): Handlers {
  const { store, rt } = core;

  return {
    CreateBucket(input: CreateBucketRequest, ctx: RequestContext): CreateBucketOutput {
      const name = input.Bucket!;
      if (!validBucketName(name)) throw e.invalidBucketName(name);
      const constraint = input.CreateBucketConfiguration?.LocationConstraint as string | undefined;
      if (constraint === DEFAULT_REGION) throw e.invalidLocationConstraint();
      const region = constraint ?? DEFAULT_REGION;
      // us-east-1's endpoint creates buckets in any region; a regional endpoint only in its own.
      if (region !== ctx.region && ctx.region !== DEFAULT_REGION) throw e.illegalLocationConstraint(constraint ?? 'unspecified');
      if (input.ObjectLockEnabledForBucket) throw e.notImplemented('Drydock does not implement S3 Object Lock yet: create the bucket without ObjectLockEnabledForBucket.');
      const { ownership, acl } = newBucketAccess(input, ctx.account);
      return store.tx(() => {
        const existing = store.getBucket(name);
        if (existing) {
          if (existing.account !== ctx.account) throw e.bucketAlreadyExists(name);
          // us-east-1 keeps S3's legacy answer: re-creating your own bucket there succeeds.
          if (existing.region !== DEFAULT_REGION || region !== DEFAULT_REGION) throw e.bucketAlreadyOwnedByYou(name);
          return { Location: `/${name}` };
        }
        store.insertBucket({ name, account: ctx.account, region, created_at: rt.clock.now(), ownership, acl });
        return { Location: region === DEFAULT_REGION ? `/${name}` : `${ctx.endpoint}/${name}/` };
      });
    },

    HeadBucket(input: HeadBucketRequest, ctx: RequestContext): HeadBucketOutput {
      const bucket = core.bucket(input.Bucket!, ctx.account);
      return { BucketRegion: bucket.region, AccessPointAlias: false };
    },

    ListBuckets(input: ListBucketsRequest, ctx: RequestContext): ListBucketsOutput {
      const max = input.MaxBuckets ?? 10000;
      if (max < 1 || max > 10000) throw e.invalidArgument('Argument max-buckets must be an integer between 1 and 10000.', 'max-buckets', String(max));
      const rows = store
        .listBuckets(ctx.account, input.ContinuationToken ? continuationKey(input.ContinuationToken) : '', input.Prefix ?? '')
        .filter((b) => !input.BucketRegion || b.region === input.BucketRegion);
      const page = rows.slice(0, max);
      return withResponse(
        {
          Buckets: page.map((b) => ({ Name: b.name, CreationDate: new Date(b.created_at), BucketRegion: b.region })),
          Owner: owner(ctx.account),
          Prefix: input.Prefix,
          ContinuationToken: rows.length > max ? continuationToken(page[page.length - 1].name) : undefined,
        },
        { xmlRoot: 'ListAllMyBucketsResult' },
      );
    },

    DeleteBucket(input: DeleteBucketRequest, ctx: RequestContext): void {
      store.tx(() => {
        const bucket = core.bucket(input.Bucket!, ctx.account);
        if (store.bucketHasVersions(bucket.name)) throw e.bucketNotEmpty(bucket.name);
        core.deleteBlobsOnCommit(store.deleteBucket(bucket.name));
      });
    },

    GetBucketLocation(input: GetBucketLocationRequest, ctx: RequestContext) {
      const bucket = core.bucket(input.Bucket!, ctx.account);
      // S3 answers with a bare <LocationConstraint> root, empty for us-east-1.
      return withResponse({ LocationConstraint: bucket.region === DEFAULT_REGION ? undefined : bucket.region }, { xmlTextMember: 'LocationConstraint' });
    },

    PutBucketVersioning(input: PutBucketVersioningRequest, ctx: RequestContext): void {
      const status = input.VersioningConfiguration?.Status;
      if (status !== 'Enabled' && status !== 'Suspended') throw e.malformedXml();
      if (input.VersioningConfiguration?.MFADelete === 'Enabled') {
        throw e.invalidRequest('DevPay and Mfa are mutually exclusive authorization methods.');
      }
      store.tx(() => {
        core.bucket(input.Bucket!, ctx.account);
        store.setBucketConfig(input.Bucket!, 'versioning', status);
      });
    },

    GetBucketVersioning(input: GetBucketVersioningRequest, ctx: RequestContext): GetBucketVersioningOutput {
      const bucket = core.bucket(input.Bucket!, ctx.account);
      return withResponse({ Status: (bucket.versioning ?? undefined) as GetBucketVersioningOutput['Status'] }, { xmlRoot: 'VersioningConfiguration' });
    },

    PutBucketTagging(input: PutBucketTaggingRequest, ctx: RequestContext): void {
      if (!input.Tagging?.TagSet) throw e.malformedXml();
      const tags = validateTags(input.Tagging.TagSet, 50, 'Bucket');
      store.tx(() => {
        core.bucket(input.Bucket!, ctx.account);
        store.setBucketConfig(input.Bucket!, 'tags', JSON.stringify(tags));
      });
    },

    GetBucketTagging(input: GetBucketTaggingRequest, ctx: RequestContext): GetBucketTaggingOutput {
      const bucket = core.bucket(input.Bucket!, ctx.account);
      if (!bucket.tags) throw e.noSuchTagSet(bucket.name);
      return withResponse({ TagSet: JSON.parse(bucket.tags) }, { xmlRoot: 'Tagging' });
    },

    DeleteBucketTagging(input: DeleteBucketTaggingRequest, ctx: RequestContext): void {
      store.tx(() => {
        core.bucket(input.Bucket!, ctx.account);
        store.setBucketConfig(input.Bucket!, 'tags', null);
      });
    },

    PutBucketPolicy(input: PutBucketPolicyRequest, ctx: RequestContext): void {
      validateBucketPolicy(input.Policy ?? '', input.Bucket!, rt.api('iam'));
      store.tx(() => {
        const bucket = core.bucket(input.Bucket!, ctx.account);
        if (publicAccessBlock(bucket).BlockPublicPolicy && isPublicPolicy(input.Policy!)) throw e.accessDenied();
        store.setBucketConfig(input.Bucket!, 'policy', input.Policy ?? '');
      });
    },

    GetBucketPolicy(input: GetBucketPolicyRequest, ctx: RequestContext): GetBucketPolicyOutput {
      const bucket = core.bucket(input.Bucket!, ctx.account);
      if (!bucket.policy) throw e.noSuchBucketPolicy(bucket.name);
      return { Policy: bucket.policy };
    },

    DeleteBucketPolicy(input: DeleteBucketPolicyRequest, ctx: RequestContext): void {
      store.tx(() => {
        core.bucket(input.Bucket!, ctx.account);
        store.setBucketConfig(input.Bucket!, 'policy', null);
      });
    },

    PutBucketEncryption(input: PutBucketEncryptionRequest, ctx: RequestContext): void {
      const rules = input.ServerSideEncryptionConfiguration?.Rules;
      if (!rules?.length) throw e.malformedXml();
      for (const rule of rules) {
        const algorithm = rule.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;
        if (algorithm !== undefined && !['AES256', 'aws:kms', 'aws:kms:dsse'].includes(algorithm)) throw e.malformedXml();
        if (algorithm === 'AES256' && rule.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID) {
          throw e.invalidArgument('a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse', 'ApplyServerSideEncryptionByDefault');
        }
      }
      store.tx(() => {
        core.bucket(input.Bucket!, ctx.account);
        store.setBucketConfig(input.Bucket!, 'encryption', JSON.stringify(input.ServerSideEncryptionConfiguration));
      });
    },

    GetBucketEncryption(input: GetBucketEncryptionRequest, ctx: RequestContext): GetBucketEncryptionOutput {
      const bucket = core.bucket(input.Bucket!, ctx.account);
      return { ServerSideEncryptionConfiguration: bucket.encryption ? JSON.parse(bucket.encryption) : DEFAULT_ENCRYPTION };
    },

    DeleteBucketEncryption(input: DeleteBucketEncryptionRequest, ctx: RequestContext): void {
      store.tx(() => {
        core.bucket(input.Bucket!, ctx.account);
        store.setBucketConfig(input.Bucket!, 'encryption', null);
      });
    },

    async PutBucketNotificationConfiguration(input: PutBucketNotificationConfigurationRequest, ctx: RequestContext): Promise<void> {
      const bucket = core.bucket(input.Bucket!, ctx.account);
      const config = checkNotificationConfiguration(input.NotificationConfiguration ?? {}, bucket);
      if (!input.SkipDestinationValidation) await validateDestinations(core.rt, bucket, config, ctx);
      store.tx(() => {
        core.bucket(input.Bucket!, ctx.account);
        store.setBucketConfig(input.Bucket!, 'notification', JSON.stringify(config));
      });
    },

    GetBucketNotificationConfiguration(input: GetBucketNotificationConfigurationRequest, ctx: RequestContext): NotificationConfiguration {
      const bucket = core.bucket(input.Bucket!, ctx.account);
      return withResponse(bucket.notification ? (JSON.parse(bucket.notification) as NotificationConfiguration) : {}, { xmlRoot: 'NotificationConfiguration' });
    },
  };
}
