/**
 * Deployment packages and layer archives as uploaded: inline (ZipFile) or read from S3 as the caller
 * (Lambda reads the object with the caller's permissions, and answers S3's refusal in its own
 * words), checked to be a zip that unzips within Lambda's quota, and kept as a blob with its SHA-256.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import { invalidParameter, type LambdaContext } from './common.js';
import { ArchiveError, MAX_UNZIPPED_BYTES, readArchive } from './zip.js';

export interface StoredCode {
  blob: string;
  /** Base64 SHA-256 of the archive (CodeSha256). */
  sha: string;
  size: number;
}

interface CodeSource {
  ZipFile?: Uint8Array;
  S3Bucket?: string;
  S3Key?: string;
  S3ObjectVersion?: string;
}

/** An in-process GetObject body: a small object comes as a Buffer, a larger one as a stream. */
async function readAll(stream: Readable | Buffer): Promise<Buffer> {
  if (Buffer.isBuffer(stream)) return stream;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** The archive's bytes, from the request or from S3; undefined when the request names no code. */
export async function fetchCode(c: LambdaContext, source: CodeSource, ctx: RequestContext): Promise<Buffer | undefined> {
  if (source.ZipFile !== undefined) {
    if (source.S3Bucket !== undefined || source.S3Key !== undefined) throw invalidParameter('Please do not provide other FunctionCode properties when providing a ZipFile.');
    return Buffer.from(source.ZipFile);
  }
  if (source.S3Bucket === undefined && source.S3Key === undefined) return undefined;
  if (source.S3Bucket === undefined || source.S3Key === undefined) throw invalidParameter('Please provide both S3Bucket and S3Key.');
  try {
    const object = await c.rt.call(
      's3',
      'GetObject',
      { Bucket: source.S3Bucket, Key: source.S3Key, VersionId: source.S3ObjectVersion },
      { principal: ctx.principal, account: ctx.account, region: ctx.region, calledVia: ['lambda.amazonaws.com'] },
    );
    return await readAll(object.Body as unknown as Readable);
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    throw invalidParameter(`Error occurred while GetObject. S3 Error Code: ${err.code}. S3 Error Message: ${err.message}`);
  }
}

/** Checks the archive as AWS does on upload and keeps it as a blob. */
export async function storeArchive(c: LambdaContext, zip: Buffer): Promise<StoredCode> {
  try {
    readArchive(zip);
  } catch (err) {
    if (!(err instanceof ArchiveError)) throw err;
    if (err.message === 'too large unzipped') throw invalidParameter(`Unzipped size must be smaller than ${MAX_UNZIPPED_BYTES} bytes`);
    throw invalidParameter('Could not unzip uploaded file. Please check your file, then try to upload again.');
  }
  const blob = await c.rt.store.blobs.write(zip);
  return { blob: blob.id, sha: createHash('sha256').update(zip).digest('base64'), size: zip.length };
}

/**
 * Deletes blobs no row refers to any more, once the transaction that dropped their last use has
 * committed: under group commit that is the turn's shared COMMIT, after the handler's transaction
 * returned, and a kill -9 before it must still find every blob a committed row names.
 */
export function dropBlobs(c: LambdaContext, blobs: string[]): void {
  if (blobs.length === 0) return;
  c.rt.store.afterCommit(() => {
    for (const blob of blobs) c.rt.store.blobs.delete(blob);
  });
}
