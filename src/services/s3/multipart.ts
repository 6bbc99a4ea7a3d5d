/** Multipart uploads: parts land as blobs; completion concatenates them into the object's blob. */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type {
  AbortMultipartUploadOutput,
  AbortMultipartUploadRequest,
  CompletedPart,
  CompleteMultipartUploadOutput,
  CompleteMultipartUploadRequest,
  CreateMultipartUploadOutput,
  CreateMultipartUploadRequest,
  ListMultipartUploadsOutput,
  ListMultipartUploadsRequest,
  ListPartsOutput,
  ListPartsRequest,
  MultipartUpload,
  UploadPartCopyOutput,
  UploadPartCopyRequest,
  UploadPartOutput,
  UploadPartRequest,
} from '@aws-sdk/client-s3';
import { withResponse } from '../../protocol/codecs/rest-xml.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { Checksum, type ChecksumAlgorithm, compositeChecksum, parseAlgorithm } from './checksums.js';
import { owner, quoteEtag, type S3Core, unquoteEtag } from './core.js';
import { encryptionMembers, writeEncryption } from './encryption.js';
import * as e from './errors.js';
import { originOf } from './notification-delivery.js';
import { attributesFrom, checkReadableClass, checksumMember, checkUploadSize, claimedChecksum, digestExpectations } from './objects.js';
import { copySourceConditions, parseCopySource, resolveRange } from './preconditions.js';
import type { UploadRow } from './store.js';

const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PART_NUMBER = 10000;

function checkPartNumber(partNumber: number | undefined): number {
  if (partNumber === undefined || !Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw e.invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', String(partNumber));
  }
  return partNumber;
}

export function multipartHandlers(core: S3Core): Handlers {
  return {
    CreateMultipartUpload: (input: CreateMultipartUploadRequest, ctx: RequestContext) => createMultipartUpload(core, input, ctx),
    UploadPart: (input: UploadPartRequest & { Body: Readable }, ctx: RequestContext) => uploadPart(core, input, ctx),
    UploadPartCopy: (input: UploadPartCopyRequest, ctx: RequestContext) => uploadPartCopy(core, input, ctx),
    CompleteMultipartUpload: (input: CompleteMultipartUploadRequest, ctx: RequestContext) => completeMultipartUpload(core, input, ctx),
    AbortMultipartUpload: (input: AbortMultipartUploadRequest, ctx: RequestContext) => abortMultipartUpload(core, input, ctx),
    ListMultipartUploads: (input: ListMultipartUploadsRequest, ctx: RequestContext) => listMultipartUploads(core, input, ctx),
    ListParts: (input: ListPartsRequest, ctx: RequestContext) => listParts(core, input, ctx),
  };
}

/** The upload, which must belong to this bucket and key. */
function uploadOf(core: S3Core, bucket: string, key: string, uploadId: string, account: string): UploadRow {
  core.bucket(bucket, account);
  const row = core.store.getUpload(uploadId);
  if (!row || row.bucket !== bucket || row.key !== key) throw e.noSuchUpload(uploadId);
  return row;
}

/** Records a part whose blob is complete; the upload may have been aborted meanwhile. */
function savePart(core: S3Core, row: UploadRow, partNumber: number, blob: { id: string; size: number; md5: Buffer }, checksum?: string): string {
  const { store, rt } = core;
  const etag = quoteEtag(blob.md5.toString('hex'));
  try {
    store.tx(() => {
      if (!store.getUpload(row.upload_id)) throw e.noSuchUpload(row.upload_id);
      const replaced = store.putPart({ upload_id: row.upload_id, part_number: partNumber, blob_id: blob.id, size: blob.size, etag, checksum_value: checksum ?? null, last_modified: core.now() });
      if (replaced) core.deleteBlobsOnCommit([replaced]);
    });
  } catch (err) {
    rt.store.blobs.delete(blob.id);
    throw err;
  }
  return etag;
}

async function createMultipartUpload(core: S3Core, input: CreateMultipartUploadRequest, ctx: RequestContext): Promise<CreateMultipartUploadOutput> {
  const bucket = core.bucket(input.Bucket!, ctx.account);
  const algorithm = input.ChecksumAlgorithm ? parseAlgorithm(input.ChecksumAlgorithm) : undefined;
  // CRC64NVME combines only into a full-object checksum, so that is its default type.
  const checksumType = input.ChecksumType ?? (algorithm ? (algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE') : undefined);
  if (checksumType && !algorithm) throw e.invalidRequest('The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
  if (checksumType === 'COMPOSITE' && algorithm && !['CRC32', 'CRC32C', 'SHA1', 'SHA256'].includes(algorithm)) {
    throw e.invalidRequest(`The COMPOSITE checksum type cannot be used with the ${algorithm} checksum algorithm.`);
  }
  if (checksumType === 'FULL_OBJECT' && algorithm && !['CRC32', 'CRC32C', 'CRC64NVME'].includes(algorithm)) {
    throw e.invalidRequest(`The FULL_OBJECT checksum type cannot be used with the ${algorithm} checksum algorithm.`);
  }
  const attributes = attributesFrom(input, algorithm ?? null);
  const encryption = await writeEncryption(core, bucket, input, ctx);
  const uploadId = randomBytes(48).toString('base64url');
  core.store.insertUpload({
    ...attributes,
    ...encryption,
    checksum_type: checksumType ?? null,
    upload_id: uploadId,
    bucket: input.Bucket!,
    key: input.Key!,
    initiated: core.now(),
    owner_account: ctx.account,
  });
  return withResponse(
    { Bucket: input.Bucket, Key: input.Key, UploadId: uploadId, ChecksumAlgorithm: algorithm, ChecksumType: checksumType, ...encryptionMembers(encryption) },
    { xmlRoot: 'InitiateMultipartUploadResult' },
  );
}

async function uploadPart(core: S3Core, input: UploadPartRequest & { Body: Readable }, ctx: RequestContext): Promise<UploadPartOutput> {
  const partNumber = checkPartNumber(input.PartNumber);
  const row = uploadOf(core, input.Bucket!, input.Key!, input.UploadId!, ctx.account);
  checkUploadSize(ctx);
  const { blob, checksum } = await core.ingest(input.Body, digestExpectations(input, ctx, (row.checksum_algorithm as ChecksumAlgorithm | null) ?? undefined));
  const etag = savePart(core, row, partNumber, blob, checksum?.value);
  return { ETag: etag, ...checksumMember(checksum?.algorithm, checksum?.value), ...encryptionMembers(row) };
}

async function uploadPartCopy(core: S3Core, input: UploadPartCopyRequest, ctx: RequestContext): Promise<UploadPartCopyOutput> {
  const partNumber = checkPartNumber(input.PartNumber);
  const row = uploadOf(core, input.Bucket!, input.Key!, input.UploadId!, ctx.account);
  const source = parseCopySource(input.CopySource!);
  const object = core.readable(source.bucket, source.key, ctx.account, 'GET', source.versionId);
  checkReadableClass(object);
  copySourceConditions(object, input);
  let range: { start: number; end: number } | undefined;
  if (input.CopySourceRange !== undefined) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(input.CopySourceRange);
    if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) >= object.size) {
      throw e.invalidArgument(`Range specified is not valid for source object of size: ${object.size}`, 'x-amz-copy-source-range', input.CopySourceRange);
    }
    range = resolveRange(input.CopySourceRange, object.size);
  }
  const algorithm = (row.checksum_algorithm as ChecksumAlgorithm | null) ?? undefined;
  const { blob, checksum } = await core.ingest(core.rt.store.blobs.stream(object.blob_id!, range), { algorithm });
  const etag = savePart(core, row, partNumber, blob, checksum?.value);
  return withResponse(
    {
      CopyPartResult: { ETag: etag, LastModified: new Date(core.now()), ...checksumMember(checksum?.algorithm, checksum?.value) },
      CopySourceVersionId: object.version_id !== 'null' ? object.version_id : undefined,
      ...encryptionMembers(row),
    },
    { xmlRoot: 'CopyPartResult' },
  );
}

async function completeMultipartUpload(core: S3Core, input: CompleteMultipartUploadRequest, ctx: RequestContext): Promise<CompleteMultipartUploadOutput> {
  const row = uploadOf(core, input.Bucket!, input.Key!, input.UploadId!, ctx.account);
  const requested: CompletedPart[] = input.MultipartUpload?.Parts ?? [];
  if (!requested.length) throw e.malformedXml();
  const stored = new Map(core.store.allParts(row.upload_id).map((p) => [p.part_number, p]));
  const algorithm = (row.checksum_algorithm as ChecksumAlgorithm | null) ?? undefined;
  const parts = requested.map((part, i) => {
    const number = part.PartNumber ?? 0;
    if (i > 0 && number <= (requested[i - 1].PartNumber ?? 0)) throw e.invalidPartOrder(row.upload_id);
    const found = stored.get(number);
    const etag = part.ETag ?? '';
    if (!found || unquoteEtag(found.etag) !== unquoteEtag(etag)) throw e.invalidPart(row.upload_id, number, etag);
    const claimed = algorithm ? claimedChecksum(part, algorithm) : undefined;
    if (claimed !== undefined && claimed !== found.checksum_value) throw e.invalidPart(row.upload_id, number, etag);
    return found;
  });
  parts.forEach((part, i) => {
    if (i < parts.length - 1 && part.size < MIN_PART_SIZE) throw e.entityTooSmall(part.size, part.part_number, part.etag);
  });
  const fullObject = row.checksum_type === 'FULL_OBJECT' && algorithm ? new Checksum(algorithm) : undefined;
  const body = Readable.from(
    (async function* () {
      for (const part of parts) yield* core.rt.store.blobs.stream(part.blob_id);
    })(),
  );
  const blob = await core.rt.store.blobs.write(body, fullObject ? (chunk) => fullObject.update(chunk) : undefined);
  const md5s = createHash('md5');
  for (const part of parts) md5s.update(Buffer.from(unquoteEtag(part.etag), 'hex'));
  const etag = quoteEtag(`${md5s.digest('hex')}-${parts.length}`);
  let checksum: { algorithm: string; value: string; type: string } | undefined;
  if (algorithm && fullObject) checksum = { algorithm, value: await fullObject.base64(), type: 'FULL_OBJECT' };
  else if (algorithm && parts.every((p) => p.checksum_value))
    checksum = {
      algorithm,
      value: await compositeChecksum(
        algorithm,
        parts.map((p) => p.checksum_value!),
      ),
      type: 'COMPOSITE',
    };
  // The object's own checksum, when the client sent one, must match what the parts add up to.
  const claimed = algorithm ? claimedChecksum(input, algorithm) : undefined;
  if (claimed !== undefined && claimed !== checksum?.value && `${claimed}-${parts.length}` !== checksum?.value) {
    core.rt.store.blobs.delete(blob.id);
    throw e.badChecksum(algorithm!);
  }
  // The upload's rows go in the same transaction as the object's; its part blobs after the commit.
  const attributes: UploadRow = row;
  const { versionId } = core.commit(
    input.Bucket!,
    input.Key!,
    ctx.account,
    { blobId: blob.id, size: blob.size, etag, checksum, partSizes: parts.map((p) => p.size), partChecksums: parts.map((p) => p.checksum_value) },
    {
      content_type: attributes.content_type,
      content_encoding: attributes.content_encoding,
      content_disposition: attributes.content_disposition,
      content_language: attributes.content_language,
      cache_control: attributes.cache_control,
      expires: attributes.expires,
      website_redirect: attributes.website_redirect,
      storage_class: attributes.storage_class,
      metadata: attributes.metadata,
      tags: attributes.tags,
      checksum_algorithm: checksum?.algorithm ?? null,
      checksum_type: checksum?.type ?? null,
      sse_algorithm: attributes.sse_algorithm,
      sse_kms_key_id: attributes.sse_kms_key_id,
      sse_bucket_key: attributes.sse_bucket_key,
    },
    { name: 'ObjectCreated:CompleteMultipartUpload', origin: originOf(ctx) },
    () => {
      if (!core.store.getUpload(row.upload_id)) throw e.noSuchUpload(row.upload_id);
      core.deleteBlobsOnCommit(core.store.deleteUpload(row.upload_id));
    },
  );
  return withResponse(
    {
      Location: `${ctx.endpoint}/${input.Bucket}/${input.Key!.split('/').map(encodeURIComponent).join('/')}`,
      Bucket: input.Bucket,
      Key: input.Key,
      ETag: etag,
      VersionId: versionId,
      ...checksumMember(checksum?.algorithm, checksum?.value),
      ChecksumType: checksum?.type as CompleteMultipartUploadOutput['ChecksumType'],
      ...encryptionMembers(row),
    },
    { xmlRoot: 'CompleteMultipartUploadResult' },
  );
}

function abortMultipartUpload(core: S3Core, input: AbortMultipartUploadRequest, ctx: RequestContext): AbortMultipartUploadOutput {
  core.store.tx(() => {
    const row = uploadOf(core, input.Bucket!, input.Key!, input.UploadId!, ctx.account);
    core.deleteBlobsOnCommit(core.store.deleteUpload(row.upload_id));
  });
  return {};
}

function listMultipartUploads(core: S3Core, input: ListMultipartUploadsRequest, ctx: RequestContext): ListMultipartUploadsOutput {
  core.bucket(input.Bucket!, ctx.account);
  const max = Math.min(input.MaxUploads ?? 1000, 1000);
  const prefix = input.Prefix ?? '';
  const keyMarker = input.KeyMarker ?? '';
  const uploads: MultipartUpload[] = [];
  const prefixes: string[] = [];
  let truncated = false;
  let last: UploadRow | undefined;
  let lastPrefix: string | undefined;
  for (const row of core.store.listUploads(input.Bucket!, prefix)) {
    if (keyMarker) {
      if (row.key < keyMarker) continue;
      if (row.key === keyMarker && (!input.UploadIdMarker || row.upload_id <= input.UploadIdMarker)) continue;
    }
    const at = input.Delimiter ? row.key.indexOf(input.Delimiter, prefix.length) : -1;
    const common = at >= 0 ? row.key.slice(0, at + input.Delimiter!.length) : undefined;
    if (common !== undefined && common === lastPrefix) continue;
    if (uploads.length + prefixes.length >= max) {
      truncated = true;
      break;
    }
    last = row;
    if (common !== undefined) {
      prefixes.push(common);
      lastPrefix = common;
      continue;
    }
    uploads.push({
      UploadId: row.upload_id,
      Key: row.key,
      Initiated: new Date(row.initiated),
      StorageClass: row.storage_class as MultipartUpload['StorageClass'],
      Owner: owner(row.owner_account),
      Initiator: owner(row.owner_account),
      ChecksumAlgorithm: (row.checksum_algorithm ?? undefined) as MultipartUpload['ChecksumAlgorithm'],
      ChecksumType: (row.checksum_type ?? undefined) as MultipartUpload['ChecksumType'],
    });
  }
  return withResponse(
    {
      Bucket: input.Bucket,
      KeyMarker: keyMarker,
      UploadIdMarker: input.UploadIdMarker ?? '',
      NextKeyMarker: truncated ? last?.key : undefined,
      NextUploadIdMarker: truncated ? last?.upload_id : undefined,
      Prefix: input.Prefix,
      Delimiter: input.Delimiter,
      MaxUploads: max,
      IsTruncated: truncated,
      Uploads: uploads,
      CommonPrefixes: prefixes.map((p) => ({ Prefix: p })),
    },
    { xmlRoot: 'ListMultipartUploadsResult' },
  );
}

function listParts(core: S3Core, input: ListPartsRequest, ctx: RequestContext): ListPartsOutput {
  const row = uploadOf(core, input.Bucket!, input.Key!, input.UploadId!, ctx.account);
  const max = Math.min(input.MaxParts ?? 1000, 1000);
  const marker = Number(input.PartNumberMarker ?? 0);
  const parts = core.store.listParts(row.upload_id, marker, max + 1);
  const page = parts.slice(0, max);
  const truncated = parts.length > max;
  return withResponse(
    {
      Bucket: input.Bucket,
      Key: input.Key,
      UploadId: row.upload_id,
      PartNumberMarker: input.PartNumberMarker ?? '0',
      NextPartNumberMarker: page.length ? String(page[page.length - 1].part_number) : undefined,
      MaxParts: max,
      IsTruncated: truncated,
      Parts: page.map((p) => ({
        PartNumber: p.part_number,
        LastModified: new Date(p.last_modified),
        ETag: p.etag,
        Size: p.size,
        ...checksumMember(row.checksum_algorithm, p.checksum_value),
      })),
      Initiator: owner(row.owner_account),
      Owner: owner(row.owner_account),
      StorageClass: row.storage_class as ListPartsOutput['StorageClass'],
      ChecksumAlgorithm: (row.checksum_algorithm ?? undefined) as ListPartsOutput['ChecksumAlgorithm'],
      ChecksumType: (row.checksum_type ?? undefined) as ListPartsOutput['ChecksumType'],
    },
    { xmlRoot: 'ListPartsResult' },
  );
}
