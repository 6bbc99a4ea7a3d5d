/**
 * Amazon S3: buckets (versioning, tagging, policy, default encryption, notification, ACLs, Object
 * Ownership, public access blocks, CORS, lifecycle, website, logging, acceleration, request payment
 * and replication configuration stored), objects with versions, delete markers and ACLs, ranges,
 * conditional requests, Content-MD5 and flexible checksums (headers and aws-chunked trailers),
 * object tagging, copies, multipart uploads, and the three listing APIs. Bodies stream to and from
 * the blob store (a small object, kept in SQLite, is answered whole; GET and HEAD read latest
 * versions through an exact in-memory cache, object-cache.ts). New buckets get S3's defaults since
 * April 2023: BucketOwnerEnforced (ACLs disabled) and every public access block on. User metadata is
 * kept as Unicode and answered RFC 2047 encoded beyond printable US-ASCII; presigned URLs' hoisted
 * x-amz-* parameters count as headers.
 *
 * Gaps:
 * - Requests are authorized with IAM policies and bucket policies (authorization.ts). ACLs are
 *   checked, stored and answered but grant nothing, so another account reaches a bucket only through
 *   its policy. BlockPublicAcls and BlockPublicPolicy are enforced; IgnorePublicAcls and
 *   RestrictPublicBuckets are stored only. DeleteObjects is refused whole when one key is denied (AWS
 *   reports that key in Errors), and s3:ExistingObjectTag/<key> is never set.
 * - The account's root user is never refused on its own account's buckets, not even by an explicit
 *   Deny in a bucket policy (src/services/authorization.ts skips resource policies for the owner's
 *   root). On AWS such a Deny applies to the root user too, except for GetBucketPolicy,
 *   PutBucketPolicy and DeleteBucketPolicy, which the owner's root may always call. Drydock keeps
 *   the bypass because it serves plain HTTP: every direct request carries aws:SecureTransport
 *   "false", and the CDK's bootstrap bucket denies `s3:*` to every principal on that condition, so
 *   honouring the Deny would refuse `cdk deploy`'s asset uploads made with the root credentials
 *   (the CDK's default when, as root, it cannot assume its bootstrap roles), which AWS reaches over
 *   TLS.
 * - Objects are always owned by the bucket's account (as under BucketOwnerEnforced). An object write
 *   (PutObject, CopyObject, CreateMultipartUpload) whose ACL headers ask for more than the owner's
 *   full control answers NotImplemented: set that ACL with PutObjectAcl after the write. Email
 *   grantees are refused as unresolvable; canonical user IDs are not checked against accounts.
 * - CORS, website, logging, acceleration, request payment, replication and lifecycle configurations
 *   are validated and stored, and nothing acts on them: no CORS preflight (OPTIONS) answers, no
 *   website endpoint, no access logs, no replication, no lifecycle expiration, transition or abort
 *   (nor x-amz-expiration headers), and Requester Pays charges nobody.
 * - Object Lock: CreateBucket with ObjectLockEnabledForBucket answers NotImplemented, so
 *   GetObjectLockConfiguration always answers ObjectLockConfigurationNotFoundError; Object Lock
 *   configuration, retention and legal hold operations answer NotImplemented (501), as do account-level
 *   public access blocks (S3 Control), inventory/metrics/analytics/intelligent-tiering
 *   configurations, GetBucketPolicyStatus, SelectObjectContent, RestoreObject and directory buckets.
 * - Event notifications (notification-config.ts, notification-delivery.ts): Topic, Queue and
 *   LambdaFunction configurations are validated as AWS does (s3:TestEvent to queues and topics, a
 *   DryRun permission check of functions, as s3.amazonaws.com for the bucket; overlaps refused) and
 *   deliver AWS's records durably for ObjectCreated:Put/Copy/CompleteMultipartUpload,
 *   ObjectRemoved:Delete/DeleteMarkerCreated, ObjectTagging:Put/Delete and ObjectAcl:Put. Never
 *   emitted, as Drydock has no such operation or process: ObjectCreated:Post (browser POST uploads),
 *   ObjectRestore, Replication, Lifecycle, IntelligentTiering and ReducedRedundancyLostObject events
 *   (accepted and stored). A delivery a kill -9 interrupts is sent after the restart only if its
 *   destination had not committed it (exactly once to SQS, SNS and Lambda). Records of writes other services make through S3's api name the bucket owner as the
 *   requester; x-amz-id-2 in records is not the one the response carried; the refusal reasons for
 *   a destination that does not exist are LocalStack's recorded wording. EventBridge gets Object
 *   Created and Object Deleted events only (no tagging, ACL or restore events).
 * - Server-side encryption is kept per object and reported as AWS reports it (SSE-S3 unless the request
 *   or the bucket default asks for SSE-KMS; GetBucketEncryption of a bucket without a configuration
 *   answers the SSE-S3 default), but content is stored unencrypted and reads never call KMS, so
 *   kms:Decrypt is not checked. An SSE-KMS key is looked up with KMS DescribeKey as the caller (AWS
 *   calls GenerateDataKey: a caller allowed that but not kms:DescribeKey is refused here). SSE-C headers,
 *   x-amz-server-side-encryption-context and SSE headers sent with reads (which AWS refuses) are
 *   ignored, SSE-KMS over plain HTTP is accepted (AWS requires TLS), and objects other services write
 *   through S3's api are SSE-S3 whatever the bucket's default.
 * - Storage classes are recorded, not simulated: GLACIER/DEEP_ARCHIVE objects are unreadable
 *   (InvalidObjectState) because RestoreObject is not implemented.
 * - Multipart: in-progress uploads are dropped with their bucket; completing an already completed
 *   upload again is NoSuchUpload (AWS briefly repeats the result).
 * - Checksums: CRC32, CRC32C, CRC64NVME (the AWS SDK's own implementation), SHA1 and SHA256 are
 *   verified and returned; SHA512, MD5 and XXHASH algorithms answer NotImplemented. Objects uploaded
 *   without a checksum get none (AWS now computes CRC64NVME for them).
 * - Every region's buckets answer on the one endpoint, as on S3's global endpoint: a SigV4 request
 *   signed for another region than its bucket's is refused (AuthorizationHeaderMalformed, with the
 *   bucket's region), never redirected (301 PermanentRedirect); it is refused after the authorization
 *   step, so a caller denied the operation hears AccessDenied first.
 * - PutObject conditional writes support If-None-Match: * and If-Match only.
 * - GetObjectAttributes ignores SSE-C headers, and refuses an x-amz-max-parts that is not a number
 *   (InvalidArgument) where S3 ignores it.
 * - SigV2 (Authorization headers and presigned URLs) is accepted for every bucket of a region opened
 *   before 2014, whenever it was created (AWS announced an end of SigV2 for buckets created after
 *   June 24, 2020).
 */

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { AwsError } from '../../core/errors.js';
import { isThenable } from '../../core/thenable.js';
import { hasBodyMembers } from '../../protocol/codecs/rest.js';
import { withResponse } from '../../protocol/codecs/rest-xml.js';
import { loadModel, type Operation } from '../../protocol/model.js';
import type { Handler, Handlers, RequestContext } from '../../protocol/types.js';
import type { ResourcePolicy } from '../authorization.js';
import type { ServiceDefinition } from '../contracts.js';
import { accessSettingsHandlers } from './access-settings.js';
import { aclHandlers, withWriteAcl } from './acl.js';
import { createApi } from './api.js';
import { s3Authorization } from './authorization.js';
import { bucketConfigHandlers } from './bucket-config.js';
import { bucketHandlers } from './buckets.js';
import { Checksum, type ChecksumAlgorithm, checksumHeader, SUPPORTED_ALGORITHMS } from './checksums.js';
import { S3_NAMESPACE, S3Core } from './core.js';
import { s3Dialect } from './dialect.js';
import * as e from './errors.js';
import { decodeMetadata } from './header-text.js';
import { lifecycleHandlers } from './lifecycle.js';
import { listingHandlers } from './listing.js';
import { multipartHandlers } from './multipart.js';
import { registerNotificationDelivery } from './notification-delivery.js';
import { objectAttributesHandlers } from './object-attributes.js';
import { objectTaggingHandlers } from './object-tagging.js';
import { objectHandlers } from './objects.js';
import { parseCopySource } from './preconditions.js';
import { checkSigningRegion } from './regions.js';
import { S3Store } from './store.js';

export type { S3Api } from './api.js';

const model = loadModel('s3');
/** Headers holding a digest of the body (not x-amz-checksum-mode/-type/-algorithm). */
const BODY_CHECKSUM_HEADER = /^x-amz-checksum-(crc32|crc32c|crc64nvme|sha1|sha256|sha512|md5|xxhash64|xxhash3|xxhash128)$/;

/**
 * Digests of whole (non-streaming) bodies. A Content-MD5 always describes the body; x-amz-checksum-*
 * headers do only on the operations the model marks checksum-required (DeleteObjects, PutBucketTagging …):
 * on CompleteMultipartUpload they are the object's checksum. Streaming bodies are checked as they are stored.
 */
function checkBufferedDigests(ctx: RequestContext): Promise<void> | undefined {
  const { headers, body, stream } = ctx.http;
  // An in-process call (no client address: a service acting for a caller, e.g. CloudFormation
  // configuring a bucket) sends no body over a wire, so there is no digest to require or check.
  if (stream || ctx.http.sourceIp === undefined) return undefined;
  const required = model.operations.get(ctx.operation)?.checksumRequired ?? false;
  const md5 = headers['content-md5'];
  if (required && md5 === undefined && !Object.keys(headers).some((h) => BODY_CHECKSUM_HEADER.test(h))) {
    throw e.invalidRequest('Missing required header for this request: Content-MD5');
  }
  if (md5 !== undefined) {
    S3Core.checkContentMd5Form(md5);
    if (createHash('md5').update(body).digest('base64') !== md5) throw e.badDigest();
  }
  if (!required) return undefined;
  const claimed = SUPPORTED_ALGORITHMS.filter((algorithm) => headers[checksumHeader(algorithm)] !== undefined);
  return claimed.length ? checkBodyChecksums(body, headers, claimed) : undefined;
}

/** Checks the x-amz-checksum-* headers of `algorithms` against the body (asynchronous: the SDK's CRC64-NVME is). */
async function checkBodyChecksums(body: Buffer, headers: Record<string, string>, algorithms: ChecksumAlgorithm[]): Promise<void> {
  for (const algorithm of algorithms) {
    const actual = new Checksum(algorithm);
    actual.update(body);
    if ((await actual.base64()) !== headers[checksumHeader(algorithm)]) throw e.badChecksum(algorithm);
  }
}

function checkKeyLength(key: string | undefined): void {
  if (key !== undefined && Buffer.byteLength(key) > 1024) {
    throw new AwsError('KeyTooLongError', 'Your key is too long', { status: 400, fields: { MaxSizeAllowed: 1024, Size: Buffer.byteLength(key) } });
  }
}

/** The key an `x-amz-copy-source` names; undefined when it is malformed, which the copy handlers refuse themselves. */
function copySourceKey(header: string): string | undefined {
  try {
    return parseCopySource(header).key;
  } catch {
    return undefined;
  }
}

/**
 * Checks every operation shares: key lengths (the copy source's too), the expected bucket owner,
 * digests of buffered bodies (a promise only when a checksum must be computed).
 */
function checkCommon(input: { Key?: string; CopySource?: string; ExpectedBucketOwner?: string }, ctx: RequestContext): Promise<void> | undefined {
  checkKeyLength(input.Key);
  if (input.CopySource !== undefined) checkKeyLength(copySourceKey(input.CopySource));
  if (input.ExpectedBucketOwner !== undefined && input.ExpectedBucketOwner !== ctx.account) throw e.accessDenied();
  return checkBufferedDigests(ctx);
}

/**
 * The account a request acts in (`ctx.account`: the account whose resources it acts on): the
 * bucket owner's when another account reaches a bucket that has a policy, which the authorization
 * step has just evaluated (cross-account access exists only through bucket policies here, ACLs
 * not being enforced); the caller's otherwise, so a bucket without a policy stays private.
 */
function actingContext(core: S3Core, bucketName: string | undefined, ctx: RequestContext): RequestContext {
  if (bucketName === undefined || ctx.operation === 'CreateBucket') return ctx;
  const bucket = core.store.getBucket(bucketName);
  return bucket?.policy && bucket.account !== ctx.account ? { ...ctx, account: bucket.account } : ctx;
}

/** The bucket policy of a bucket or object ARN (`arn:aws:s3:::bucket[/key]`), for the authorization step. */
function bucketPolicy(core: S3Core, resourceArn: string): ResourcePolicy | undefined {
  const name = /^arn:[\w-]+:s3:::([^/]+)/.exec(resourceArn)?.[1];
  const bucket = name === undefined ? undefined : core.store.getBucket(name);
  // Within the bucket's account either the identity side or the policy may allow (required: false).
  return bucket?.policy ? { document: bucket.policy, account: bucket.account, required: false } : undefined;
}

type S3Input = { Body?: unknown; Bucket?: string; Key?: string; CopySource?: string; ExpectedBucketOwner?: string; Metadata?: Record<string, string> };

/**
 * Every S3 response document carries S3's namespace; user metadata is kept as the Unicode its
 * headers encode; an unread upload body is drained on failure. Synchronous unless a digest check
 * or the handler is not: the pipeline then spends no microtask hops on a GET.
 */
function s3Handler(core: S3Core, handler: Handler, operation: string): Handler {
  // An answer that is headers and raw bytes (GetObject, HeadObject, PutObject …) has no document
  // to put a namespace on; marking its output anyway cost a symbol property that turned the wide
  // GetObject output into a dictionary-mode object on every request.
  const inNamespace = answersDocument(model.operations.get(operation)) ? inS3Namespace : answered;
  return (input: S3Input, requestCtx) => {
    const ctx = actingContext(core, input.Bucket, requestCtx);
    try {
      const bucket = input.Bucket === undefined ? undefined : core.store.getBucket(input.Bucket);
      if (bucket) checkSigningRegion(bucket, ctx);
      const digests = checkCommon(input, ctx);
      const output = digests ? digests.then(() => runHandler(handler, input, ctx)) : runHandler(handler, input, ctx);
      return isThenable(output) ? Promise.resolve(output).then(inNamespace, (err: unknown) => failed(input, err)) : inNamespace(output);
    } catch (err) {
      return failed(input, err);
    }
  };
}

function runHandler(handler: Handler, input: S3Input, ctx: RequestContext): unknown {
  if (input.Metadata) input.Metadata = decodeMetadata(input.Metadata);
  return handler(input, ctx);
}

function inS3Namespace(output: unknown): object {
  return withResponse((output ?? {}) as object, { xmlNamespace: S3_NAMESPACE });
}

function answered(output: unknown): object {
  return (output ?? {}) as object;
}

/** Whether an operation's answer can be an XML document: its output has a structure payload or members in the body. */
function answersDocument(op: Operation | undefined): boolean {
  const output = op?.output;
  if (!output) return false;
  if (output.payload) return model.member(output.members![output.payload]).type === 'structure';
  return hasBodyMembers(model, output);
}

/** Rethrows a request's failure once the rest of its body is drained: its own errors no longer matter. */
function failed(input: S3Input, err: unknown): never {
  if (input.Body instanceof Readable && !input.Body.readableEnded) {
    input.Body.on('error', () => {});
    input.Body.resume();
  }
  throw err;
}

export const s3: ServiceDefinition = {
  name: 's3',
  model,
  validationError: false,
  dialect: s3Dialect,
  authorization: s3Authorization,
  create(rt) {
    const store = new S3Store(rt.store);
    const core = new S3Core(store, rt);
    registerNotificationDelivery(rt);
    const handlers: Handlers = {
      ...bucketHandlers(core),
      ...bucketConfigHandlers(core),
      ...lifecycleHandlers(core),
      ...accessSettingsHandlers(core),
      ...aclHandlers(core),
      ...objectHandlers(core),
      ...objectTaggingHandlers(core),
      ...objectAttributesHandlers(core),
      ...listingHandlers(core),
      ...multipartHandlers(core),
    };
    // The ACL headers of object writes are checked as the bucket's ownership and public access block require.
    for (const write of ['PutObject', 'CopyObject', 'CreateMultipartUpload']) handlers[write] = withWriteAcl(core, handlers[write]);
    return {
      handlers: Object.fromEntries(Object.entries(handlers).map(([name, handler]) => [name, s3Handler(core, handler, name)])),
      api: createApi(core),
      resourcePolicy: (resourceArn) => bucketPolicy(core, resourceArn),
      // The data directory is about to be wiped: cached bucket rows would outlive their buckets.
      reset: () => store.forgetBuckets(),
    };
  },
};
