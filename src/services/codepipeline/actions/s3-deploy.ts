/**
 * Deploy/AWS/S3/1: puts the input artifact into a bucket through Drydock's S3 as the action's role:
 * with Extract true every file of the artifact's zip becomes an object under the ObjectKey prefix
 * (with a Content-Type from its extension); with Extract false the zip itself becomes ObjectKey.
 * CannedACL, CacheControl and KMSEncryptionKeyARN (SSE-KMS) apply to every object written.
 *
 * Gaps against AWS: Content-Type is guessed from a short list of common web extensions (others get
 * S3's default).
 */
import { AwsError } from '../../../core/errors.js';
import { readZip, S_IFDIR, S_IFLNK, S_IFMT, safeEntryPath, ZipFormatError } from '../../../core/zip.js';
import { type ActionContext, ActionFailure, type ActionProvider, type ActionResult } from './types.js';

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html',
  htm: 'text/html',
  css: 'text/css',
  js: 'application/javascript',
  mjs: 'application/javascript',
  json: 'application/json',
  txt: 'text/plain',
  xml: 'application/xml',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  ico: 'image/x-icon',
  webp: 'image/webp',
  woff: 'font/woff',
  woff2: 'font/woff2',
  zip: 'application/zip',
};

const CANNED_ACLS = ['private', 'public-read', 'public-read-write', 'authenticated-read', 'aws-exec-read', 'bucket-owner-read', 'bucket-owner-full-control', 'log-delivery-write'];

function contentType(key: string): string | undefined {
  const dot = key.lastIndexOf('.');
  return dot < 0 ? undefined : CONTENT_TYPES[key.slice(dot + 1).toLowerCase()];
}

interface Put {
  key: string;
  body: Buffer;
}

/** The objects the action writes: the zip's files under the prefix, or the zip itself. */
async function objectsToPut(ctx: ActionContext, extract: boolean, objectKey: string | undefined): Promise<Put[]> {
  const input = ctx.inputArtifacts[0];
  const zip = await ctx.readArtifact(input.name);
  if (!extract) return [{ key: objectKey!, body: zip }];
  let entries: ReturnType<typeof readZip>;
  try {
    entries = readZip(zip);
  } catch (err) {
    if (err instanceof ZipFormatError) throw new ActionFailure(`The input artifact, ${input.name}, is not a valid zip file.`);
    throw err;
  }
  const prefix = objectKey ? `${objectKey.replace(/\/+$/, '')}/` : '';
  const puts: Put[] = [];
  for (const entry of entries) {
    const type = entry.mode & S_IFMT;
    if (type === S_IFDIR || type === S_IFLNK || entry.name.endsWith('/')) continue;
    const path = safeEntryPath(entry.name);
    if (!path) throw new ActionFailure(`The input artifact, ${input.name}, holds an entry outside its root: ${entry.name}`);
    puts.push({ key: `${prefix}${path}`, body: Buffer.from(entry.data) });
  }
  return puts;
}

async function run(ctx: ActionContext): Promise<ActionResult> {
  const config = ctx.configuration;
  const extractSetting = (config.Extract ?? '').toLowerCase();
  if (extractSetting !== 'true' && extractSetting !== 'false') throw new ActionFailure('Extract must be true or false.', 'ConfigurationError');
  const extract = extractSetting === 'true';
  const objectKey = config.ObjectKey || undefined;
  if (!extract && !objectKey) throw new ActionFailure('ObjectKey is required when Extract is false.', 'ConfigurationError');
  if (config.CannedACL && !CANNED_ACLS.includes(config.CannedACL)) throw new ActionFailure(`CannedACL ${config.CannedACL} is not valid. Valid values: ${CANNED_ACLS.join(', ')}`, 'ConfigurationError');
  const puts = await objectsToPut(ctx, extract, objectKey);
  for (const put of puts) {
    try {
      await ctx.call('s3', 'PutObject', {
        Bucket: config.BucketName,
        Key: put.key,
        Body: put.body,
        ContentType: extract ? contentType(put.key) : 'application/zip',
        ACL: config.CannedACL ? (config.CannedACL as 'private') : undefined,
        CacheControl: config.CacheControl || undefined,
        ...(config.KMSEncryptionKeyARN ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: config.KMSEncryptionKeyARN } : {}),
      });
    } catch (err) {
      if (err instanceof AwsError) throw new ActionFailure(err.message, err.code === 'AccessDenied' ? 'PermissionError' : 'JobFailed');
      throw err;
    }
  }
  return { summary: extract ? `Extracted ${puts.length} files to s3://${config.BucketName}/${objectKey ?? ''}` : `Uploaded s3://${config.BucketName}/${objectKey}` };
}

export const s3DeployAction: ActionProvider = {
  typeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' },
  settings: {
    configurationProperties: [
      { name: 'BucketName', required: true, key: true, secret: false },
      { name: 'Extract', required: true, key: false, secret: false },
      { name: 'ObjectKey', required: false, key: false, secret: false },
      { name: 'KMSEncryptionKeyARN', required: false, key: false, secret: false },
      { name: 'CannedACL', required: false, key: false, secret: false },
      { name: 'CacheControl', required: false, key: false, secret: false },
    ],
    inputArtifacts: { minimumCount: 1, maximumCount: 1 },
    outputArtifacts: { minimumCount: 0, maximumCount: 0 },
  },
  run,
};
