/**
 * Source/AWS/S3/1: the latest version of an object in a versioned bucket (or the version or key
 * StartPipelineExecution's sourceRevisions names) is copied as it is to the action's output
 * artifact, as AWS does (the object is expected to be a zip). The bucket's versioning and the
 * object are read through S3's own operations as the pipeline's role.
 */
import type { Readable } from 'node:stream';
import { AwsError } from '../../../core/errors.js';
import { type ActionContext, ActionFailure, type ActionProvider, type ActionResult } from './types.js';

/** The object metadata AWS reads as the revision's summary (x-amz-meta-codepipeline-artifact-revision-summary). */
const REVISION_SUMMARY_METADATA = 'codepipeline-artifact-revision-summary';

export const s3Source: ActionProvider = {
  typeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
  settings: {
    configurationProperties: [
      { name: 'S3Bucket', required: true, key: true, secret: false },
      { name: 'S3ObjectKey', required: true, key: true, secret: false },
      { name: 'PollForSourceChanges', required: false, key: false, secret: false },
      { name: 'AllowOverrideForS3ObjectKey', required: false, key: false, secret: false },
    ],
    inputArtifacts: { minimumCount: 0, maximumCount: 0 },
    outputArtifacts: { minimumCount: 1, maximumCount: 1 },
  },
  run: runS3Source,
};

async function runS3Source(ctx: ActionContext): Promise<ActionResult> {
  const bucket = ctx.configuration.S3Bucket;
  const { key, versionId } = requestedObject(ctx);
  const versioning = await callS3(ctx, bucket, key, () => ctx.call('s3', 'GetBucketVersioning', { Bucket: bucket }));
  if (versioning.Status !== 'Enabled') throw new ActionFailure(`The Amazon S3 bucket ${bucket} is not versioned. Enable versioning on the bucket and try again.`, 'ConfigurationError');
  const object = await callS3(ctx, bucket, key, () => ctx.call('s3', 'GetObject', { Bucket: bucket, Key: key, VersionId: versionId }));
  const bytes = await readAll(object.Body as unknown as Readable);
  await ctx.writeArtifact(ctx.outputArtifacts[0].name, bytes);
  const etag = (object.ETag ?? '').replace(/^"|"$/g, '');
  const revisionId = object.VersionId ?? 'null';
  const summary = object.Metadata?.[REVISION_SUMMARY_METADATA];
  return {
    outputVariables: { ETag: etag, VersionId: revisionId },
    ...(summary ? { summary } : {}),
    revision: {
      revisionId,
      revisionSummary: summary ?? `Amazon S3 version id: ${revisionId}`,
      revisionUrl: `https://console.aws.amazon.com/s3/home?region=${ctx.region}#/bucket/${bucket}/object/${key}`,
      created: object.LastModified,
    },
  };
}

/** The configured key at its latest version, unless sourceRevisions names a version or (when allowed) another key. */
function requestedObject(ctx: ActionContext): { key: string; versionId?: string } {
  const key = ctx.configuration.S3ObjectKey;
  const override = ctx.sourceRevision;
  if (!override) return { key };
  if (override.revisionType === 'S3_OBJECT_VERSION_ID') return { key, versionId: override.revisionValue };
  if (override.revisionType === 'S3_OBJECT_KEY') {
    if (ctx.configuration.AllowOverrideForS3ObjectKey !== 'true')
      throw new ActionFailure(`The S3 source action ${ctx.actionName} does not allow overriding its object key: set AllowOverrideForS3ObjectKey to true.`, 'ConfigurationError');
    return { key: override.revisionValue };
  }
  throw new ActionFailure(`The revision type ${override.revisionType} is not valid for the S3 source action ${ctx.actionName}. Use S3_OBJECT_VERSION_ID or S3_OBJECT_KEY.`, 'ConfigurationError');
}

/** An S3 call, its refusal turned into the action's failure. */
async function callS3<T>(ctx: ActionContext, bucket: string, key: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    switch (err.code) {
      case 'NoSuchBucket':
        throw new ActionFailure(`The specified bucket does not exist: ${bucket}`, 'ConfigurationError');
      case 'NoSuchKey':
      case 'NoSuchVersion':
        throw new ActionFailure(`The object with key '${key}' does not exist in the Amazon S3 bucket ${bucket}.`, ctx.sourceRevision ? 'RevisionUnavailable' : 'ConfigurationError');
      case 'AccessDenied':
        throw new ActionFailure(`Insufficient permissions: ${err.message}`, 'PermissionError');
      default:
        throw new ActionFailure(`${err.code}: ${err.message}`, 'JobFailed');
    }
  }
}

/** An in-process GetObject body: a small object comes as a Buffer, a larger one as a stream. */
async function readAll(body: Readable | Buffer): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
