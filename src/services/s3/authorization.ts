/**
 * What each S3 operation needs to be allowed, from AWS's Service Authorization Reference
 * ("Actions, resources, and condition keys for Amazon S3", and the S3 User Guide's "Required
 * permissions for Amazon S3 API operations"). The IAM action often differs from the operation:
 * HeadObject is s3:GetObject, ListObjectsV2 and HeadBucket are s3:ListBucket, the multipart
 * operations are s3:PutObject, and an operation on a named version is the `…Version…` action.
 *
 * Resources: a bucket is `arn:${Partition}:s3:::bucket`, an object `arn:${Partition}:s3:::bucket/key`.
 *
 * Approximations (reported in the S3 Gaps):
 * - DeleteObjects is refused as a whole when one of its keys is denied (AWS answers AccessDenied for
 *   that key in the result's Errors and deletes the others).
 * - s3:ExistingObjectTag/<key> is not filled in: the table is data of the definition and cannot read
 *   the store (it needs the service instance).
 */
import type {
  CopyObjectRequest,
  CreateBucketRequest,
  CreateMultipartUploadRequest,
  DeleteObjectsRequest,
  ListObjectsV2Request,
  PutBucketAclRequest,
  PutBucketReplicationRequest,
  PutObjectAclRequest,
  PutObjectRequest,
  PutObjectTaggingRequest,
  UploadPartCopyRequest,
} from '@aws-sdk/client-s3';
import { partitionOf } from '../../core/arn.js';
import type { ContextValue } from '../../core/policy.js';
import type { RequestContext } from '../../protocol/types.js';
import type { ActionRule, ServiceAuthorization } from '../authorization.js';
import type { AclHeaders } from './acl.js';
import { parseCopySource } from './preconditions.js';

const BUCKET = 'arn:${Partition}:s3:::${Bucket}';
const OBJECT = 'arn:${Partition}:s3:::${Bucket}/${Key}';

type Context = Record<string, ContextValue>;

interface Versioned {
  VersionId?: string;
}

const hasVersion = (input: Versioned): boolean => input.VersionId !== undefined && input.VersionId !== '';

/** The object's ARN when no version is named (the plain action applies), none otherwise. */
function unversionedObject(input: { Bucket?: string; Key?: string } & Versioned, ctx: RequestContext): string[] {
  return hasVersion(input) ? [] : [objectArn(ctx, input.Bucket, input.Key)];
}

function objectArn(ctx: RequestContext, bucket: string | undefined, key: string | undefined): string {
  if (!bucket || key === undefined || key === '') return '*';
  return `arn:${partitionOf(ctx.region)}:s3:::${bucket}/${key}`;
}

/** Keys every S3 request carries: how it was signed and whether it came over TLS. */
function requestKeys(ctx: RequestContext): Context {
  const presigned = ctx.http.query.some(([name]) => name === 'X-Amz-Signature' || name === 'Signature');
  return {
    // A request with no client address behind it is an in-process call: one AWS service calling
    // another on a caller's behalf (Lambda reading code, CloudFormation creating a bucket), which
    // AWS always makes over TLS, so policies denying insecure transport (the CDK bootstrap bucket's)
    // must not refuse it.
    'aws:SecureTransport': ctx.endpoint.startsWith('https:') || ctx.http.sourceIp === undefined ? 'true' : 'false',
    's3:authType': presigned ? 'REST-QUERY-STRING' : 'REST-HEADER',
    's3:signatureversion': /^AWS /i.test(ctx.http.headers.authorization ?? '') || ctx.http.query.some(([name]) => name === 'Signature') ? 'AWS' : 'AWS4-HMAC-SHA256',
  };
}

/**
 * An operation on an object that may name a version: `action` on the object, or `versionAction`
 * (with `s3:versionid`) when the request names one.
 */
function versionedObjectRule(action: string, versionAction: string): ActionRule {
  return {
    action,
    resource: unversionedObject,
    context: (input: Versioned, ctx: RequestContext) => ({ ...requestKeys(ctx), ...(hasVersion(input) ? { 's3:versionid': input.VersionId } : {}) }),
    also: [{ action: versionAction, resource: OBJECT, when: hasVersion }],
  };
}

/** A bucket operation with nothing but the request's own keys. */
const onBucket = (action: string): ActionRule => ({ action, resource: BUCKET, context: (_input: object, ctx: RequestContext) => requestKeys(ctx) });

/** Tags sent with a write, as `s3:RequestObjectTag/<key>` and `s3:RequestObjectTagKeys`. */
function requestTagKeys(tags: { Key?: string; Value?: string }[]): Context {
  if (tags.length === 0) return {};
  const out: Context = { 's3:RequestObjectTagKeys': tags.map((t) => t.Key ?? '') };
  for (const tag of tags) out[`s3:RequestObjectTag/${tag.Key ?? ''}`] = tag.Value ?? '';
  return out;
}

function headerTags(header: string | undefined): { Key: string; Value: string }[] {
  return header ? [...new URLSearchParams(header)].map(([Key, Value]) => ({ Key, Value })) : [];
}

/** The condition keys of a request that writes an object (PutObject, CreateMultipartUpload, CopyObject). */
function writeKeys(input: PutObjectRequest | CreateMultipartUploadRequest | CopyObjectRequest, ctx: RequestContext): Context {
  const keys: Context = { ...requestKeys(ctx), ...requestTagKeys(headerTags(input.Tagging)) };
  if (input.ACL !== undefined) keys['s3:x-amz-acl'] = input.ACL;
  if (input.ServerSideEncryption !== undefined) keys['s3:x-amz-server-side-encryption'] = input.ServerSideEncryption;
  if (input.SSEKMSKeyId !== undefined) keys['s3:x-amz-server-side-encryption-aws-kms-key-id'] = input.SSEKMSKeyId;
  if (input.StorageClass !== undefined) keys['s3:x-amz-storage-class'] = input.StorageClass;
  return keys;
}

/** The source of a copy: s3:GetObject on it, or s3:GetObjectVersion when it names a version. */
function copySource(input: { CopySource?: string }, ctx: RequestContext, versioned: boolean): string[] {
  if (input.CopySource === undefined) return [];
  let source: ReturnType<typeof parseCopySource>;
  try {
    source = parseCopySource(input.CopySource);
  } catch {
    // A malformed source is refused by the handler with S3's own InvalidArgument.
    return [];
  }
  return (source.versionId !== undefined) === versioned ? [objectArn(ctx, source.bucket, source.key)] : [];
}

const copyAlso: NonNullable<ActionRule['also']> = [
  { action: 's3:GetObject', resource: (input: { CopySource?: string }, ctx: RequestContext) => copySource(input, ctx, false) },
  { action: 's3:GetObjectVersion', resource: (input: { CopySource?: string }, ctx: RequestContext) => copySource(input, ctx, true) },
];

/** The listing keys of ListObjects, ListObjectsV2 and ListObjectVersions. */
function listKeys(input: Pick<ListObjectsV2Request, 'Prefix' | 'Delimiter' | 'MaxKeys'>, ctx: RequestContext): Context {
  // A listing without a prefix is checked with an empty s3:prefix (AWS's "list the bucket's root" examples rely on it).
  const keys: Context = { ...requestKeys(ctx), 's3:prefix': input.Prefix ?? '' };
  if (input.Delimiter !== undefined) keys['s3:delimiter'] = input.Delimiter;
  if (input.MaxKeys !== undefined) keys['s3:max-keys'] = String(input.MaxKeys);
  return keys;
}

/** DeleteObjects: s3:DeleteObject on each key, s3:DeleteObjectVersion on each named version. */
function deletedObjects(input: DeleteObjectsRequest, ctx: RequestContext, versioned: boolean): string[] {
  return (input.Delete?.Objects ?? []).filter((o) => hasVersion(o) === versioned).map((o) => objectArn(ctx, input.Bucket, o.Key));
}

/** A canned ACL or grant headers on a write need s3:PutObjectAcl too. */
const aclAlso = {
  action: 's3:PutObjectAcl',
  resource: OBJECT,
  when: (input: { ACL?: string; GrantRead?: string; GrantReadACP?: string; GrantWriteACP?: string; GrantFullControl?: string }) =>
    [input.ACL, input.GrantRead, input.GrantReadACP, input.GrantWriteACP, input.GrantFullControl].some((value) => value !== undefined),
};

/** The ACL a request sets, as `s3:x-amz-acl` and `s3:x-amz-grant-*`. */
function aclKeys(input: AclHeaders): Context {
  const keys: Context = {};
  if (input.ACL !== undefined) keys['s3:x-amz-acl'] = input.ACL;
  const grants = { GrantFullControl: 'full-control', GrantRead: 'read', GrantReadACP: 'read-acp', GrantWrite: 'write', GrantWriteACP: 'write-acp' } as const;
  for (const [member, name] of Object.entries(grants)) {
    const value = input[member as keyof typeof grants];
    if (value !== undefined) keys[`s3:x-amz-grant-${name}`] = value;
  }
  return keys;
}

/** A bucket operation whose IAM action is not `s3:<Operation>`. */
const bucketRules = (actions: Record<string, string>): Record<string, ActionRule> => Object.fromEntries(Object.entries(actions).map(([operation, action]) => [operation, onBucket(action)]));

const objectWrite: ActionRule = { action: 's3:PutObject', resource: OBJECT, context: writeKeys, also: [aclAlso] };

export const s3Authorization: ServiceAuthorization = {
  prefix: 's3',
  rules: {
    ListBuckets: { action: 's3:ListAllMyBuckets', resource: '*', context: (_input: object, ctx: RequestContext) => requestKeys(ctx) },
    CreateBucket: {
      action: 's3:CreateBucket',
      resource: BUCKET,
      context: (input: CreateBucketRequest, ctx: RequestContext) => ({
        ...requestKeys(ctx),
        ...(input.CreateBucketConfiguration?.LocationConstraint ? { 's3:LocationConstraint': input.CreateBucketConfiguration.LocationConstraint } : {}),
        ...aclKeys(input),
        ...(input.ObjectOwnership ? { 's3:x-amz-object-ownership': input.ObjectOwnership } : {}),
      }),
      // A canned ACL or grants on the new bucket need s3:PutBucketAcl too.
      also: [
        {
          action: 's3:PutBucketAcl',
          resource: BUCKET,
          when: (input: CreateBucketRequest) => [input.ACL, input.GrantRead, input.GrantReadACP, input.GrantWrite, input.GrantWriteACP, input.GrantFullControl].some((value) => value !== undefined),
        },
      ],
    },
    DeleteBucket: onBucket('s3:DeleteBucket'),
    HeadBucket: onBucket('s3:ListBucket'),
    GetBucketLocation: onBucket('s3:GetBucketLocation'),
    GetBucketVersioning: onBucket('s3:GetBucketVersioning'),
    PutBucketVersioning: onBucket('s3:PutBucketVersioning'),
    GetBucketTagging: onBucket('s3:GetBucketTagging'),
    PutBucketTagging: onBucket('s3:PutBucketTagging'),
    DeleteBucketTagging: onBucket('s3:PutBucketTagging'),
    GetBucketPolicy: onBucket('s3:GetBucketPolicy'),
    PutBucketPolicy: onBucket('s3:PutBucketPolicy'),
    DeleteBucketPolicy: onBucket('s3:DeleteBucketPolicy'),
    GetBucketEncryption: onBucket('s3:GetEncryptionConfiguration'),
    PutBucketEncryption: onBucket('s3:PutEncryptionConfiguration'),
    DeleteBucketEncryption: onBucket('s3:PutEncryptionConfiguration'),
    GetBucketNotificationConfiguration: onBucket('s3:GetBucketNotification'),
    PutBucketNotificationConfiguration: onBucket('s3:PutBucketNotification'),
    GetBucketAcl: onBucket('s3:GetBucketAcl'),
    PutBucketAcl: { ...onBucket('s3:PutBucketAcl'), context: (input: PutBucketAclRequest, ctx: RequestContext) => ({ ...requestKeys(ctx), ...aclKeys(input) }) },
    // Delete operations without an action of their own need the Put action, as AWS documents.
    ...bucketRules({
      GetBucketCors: 's3:GetBucketCORS',
      PutBucketCors: 's3:PutBucketCORS',
      DeleteBucketCors: 's3:PutBucketCORS',
      GetBucketLifecycleConfiguration: 's3:GetLifecycleConfiguration',
      PutBucketLifecycleConfiguration: 's3:PutLifecycleConfiguration',
      DeleteBucketLifecycle: 's3:PutLifecycleConfiguration',
      GetBucketWebsite: 's3:GetBucketWebsite',
      PutBucketWebsite: 's3:PutBucketWebsite',
      DeleteBucketWebsite: 's3:DeleteBucketWebsite',
      GetBucketLogging: 's3:GetBucketLogging',
      PutBucketLogging: 's3:PutBucketLogging',
      GetBucketOwnershipControls: 's3:GetBucketOwnershipControls',
      PutBucketOwnershipControls: 's3:PutBucketOwnershipControls',
      DeleteBucketOwnershipControls: 's3:PutBucketOwnershipControls',
      GetPublicAccessBlock: 's3:GetBucketPublicAccessBlock',
      PutPublicAccessBlock: 's3:PutBucketPublicAccessBlock',
      DeletePublicAccessBlock: 's3:PutBucketPublicAccessBlock',
      GetBucketAccelerateConfiguration: 's3:GetAccelerateConfiguration',
      PutBucketAccelerateConfiguration: 's3:PutAccelerateConfiguration',
      GetBucketRequestPayment: 's3:GetBucketRequestPayment',
      PutBucketRequestPayment: 's3:PutBucketRequestPayment',
      GetObjectLockConfiguration: 's3:GetBucketObjectLockConfiguration',
      GetBucketReplication: 's3:GetReplicationConfiguration',
      DeleteBucketReplication: 's3:PutReplicationConfiguration',
    }),
    PutBucketReplication: {
      ...onBucket('s3:PutReplicationConfiguration'),
      // S3 assumes the replication role: the caller passes it.
      also: [
        {
          action: 'iam:PassRole',
          resource: (input: PutBucketReplicationRequest) => input.ReplicationConfiguration?.Role || '*',
          context: () => ({ 'iam:PassedToService': 's3.amazonaws.com' }),
        },
      ],
    },

    ListObjects: { action: 's3:ListBucket', resource: BUCKET, context: listKeys },
    ListObjectsV2: { action: 's3:ListBucket', resource: BUCKET, context: listKeys },
    ListObjectVersions: { action: 's3:ListBucketVersions', resource: BUCKET, context: listKeys },
    ListMultipartUploads: onBucket('s3:ListBucketMultipartUploads'),

    GetObject: versionedObjectRule('s3:GetObject', 's3:GetObjectVersion'),
    HeadObject: versionedObjectRule('s3:GetObject', 's3:GetObjectVersion'),
    DeleteObject: versionedObjectRule('s3:DeleteObject', 's3:DeleteObjectVersion'),
    GetObjectTagging: versionedObjectRule('s3:GetObjectTagging', 's3:GetObjectVersionTagging'),
    GetObjectAcl: versionedObjectRule('s3:GetObjectAcl', 's3:GetObjectVersionAcl'),
    GetObjectAttributes: {
      ...versionedObjectRule('s3:GetObjectAttributes', 's3:GetObjectVersionAttributes'),
      // Read access to the object is needed too: s3:GetObject, or s3:GetObjectVersion for a named version.
      also: [
        { action: 's3:GetObjectVersionAttributes', resource: OBJECT, when: hasVersion },
        { action: 's3:GetObject', resource: unversionedObject },
        { action: 's3:GetObjectVersion', resource: OBJECT, when: hasVersion },
      ],
    },
    PutObjectAcl: {
      ...versionedObjectRule('s3:PutObjectAcl', 's3:PutObjectVersionAcl'),
      context: (input: PutObjectAclRequest, ctx: RequestContext) => ({ ...requestKeys(ctx), ...aclKeys(input), ...(hasVersion(input) ? { 's3:versionid': input.VersionId } : {}) }),
    },
    DeleteObjectTagging: versionedObjectRule('s3:DeleteObjectTagging', 's3:DeleteObjectVersionTagging'),
    PutObjectTagging: {
      ...versionedObjectRule('s3:PutObjectTagging', 's3:PutObjectVersionTagging'),
      context: (input: PutObjectTaggingRequest, ctx: RequestContext) => ({
        ...requestKeys(ctx),
        ...requestTagKeys(input.Tagging?.TagSet ?? []),
        ...(hasVersion(input) ? { 's3:versionid': input.VersionId } : {}),
      }),
    },
    DeleteObjects: {
      action: 's3:DeleteObject',
      resource: (input: DeleteObjectsRequest, ctx: RequestContext) => deletedObjects(input, ctx, false),
      context: (_input: object, ctx: RequestContext) => requestKeys(ctx),
      also: [{ action: 's3:DeleteObjectVersion', resource: (input: DeleteObjectsRequest, ctx: RequestContext) => deletedObjects(input, ctx, true) }],
    },
    PutObject: {
      ...objectWrite,
      // Tags sent with the object need s3:PutObjectTagging too.
      also: [aclAlso, { action: 's3:PutObjectTagging', resource: OBJECT, when: (input: PutObjectRequest) => headerTags(input.Tagging).length > 0 }],
    },
    CopyObject: {
      ...objectWrite,
      context: (input: CopyObjectRequest, ctx: RequestContext) => ({
        ...writeKeys(input, ctx),
        's3:x-amz-copy-source': input.CopySource ?? '',
        ...(input.MetadataDirective ? { 's3:x-amz-metadata-directive': input.MetadataDirective } : {}),
      }),
      also: [
        ...copyAlso,
        aclAlso,
        { action: 's3:PutObjectTagging', resource: OBJECT, when: (input: CopyObjectRequest) => input.TaggingDirective === 'REPLACE' && headerTags(input.Tagging).length > 0 },
      ],
    },
    CreateMultipartUpload: objectWrite,
    UploadPart: { action: 's3:PutObject', resource: OBJECT, context: (_input: object, ctx: RequestContext) => requestKeys(ctx) },
    UploadPartCopy: {
      action: 's3:PutObject',
      resource: OBJECT,
      context: (input: UploadPartCopyRequest, ctx: RequestContext) => ({ ...requestKeys(ctx), 's3:x-amz-copy-source': input.CopySource ?? '' }),
      also: copyAlso,
    },
    CompleteMultipartUpload: { action: 's3:PutObject', resource: OBJECT, context: (_input: object, ctx: RequestContext) => requestKeys(ctx) },
    AbortMultipartUpload: { action: 's3:AbortMultipartUpload', resource: OBJECT, context: (_input: object, ctx: RequestContext) => requestKeys(ctx) },
    ListParts: { action: 's3:ListMultipartUploadParts', resource: OBJECT, context: (_input: object, ctx: RequestContext) => requestKeys(ctx) },
  },
};
