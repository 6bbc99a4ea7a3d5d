/** Object operations: put, get, head, copy, delete and tagging of single objects. */
import type { Readable } from 'node:stream';
import type {
  CopyObjectOutput,
  CopyObjectRequest,
  DeletedObject,
  _Error as DeleteError,
  DeleteObjectOutput,
  DeleteObjectRequest,
  DeleteObjectsOutput,
  DeleteObjectsRequest,
  GetObjectOutput,
  GetObjectRequest,
  HeadObjectOutput,
  HeadObjectRequest,
  PutObjectOutput,
  PutObjectRequest,
} from '@aws-sdk/client-s3';
import { AwsError } from '../../core/errors.js';
import { withResponse } from '../../protocol/codecs/rest-xml.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { type ChecksumAlgorithm, parseAlgorithm, SUPPORTED_ALGORITHMS, UNSUPPORTED_ALGORITHMS } from './checksums.js';
import { type DigestExpectations, NULL_VERSION, parseTaggingHeader, quoteEtag, type S3Core, validateTags } from './core.js';
import { encryptionMembers, writeEncryption } from './encryption.js';
import * as e from './errors.js';
import { applyResponseOverrides, encodeMetadata } from './header-text.js';
import { originOf } from './notification-delivery.js';
import { checkWriteConditions, copySourceConditions, evaluateConditions, parseCopySource, partRange, resolveRange } from './preconditions.js';
import type { BucketRow, ObjectAttributes, ObjectRow } from './store.js';

/** Request members that carry an object's content headers and metadata. */
export interface AttributeInput {
  ContentType?: string;
  ContentEncoding?: string;
  ContentDisposition?: string;
  ContentLanguage?: string;
  CacheControl?: string;
  Expires?: Date;
  WebsiteRedirectLocation?: string;
  StorageClass?: string;
  Metadata?: Record<string, string>;
  Tagging?: string;
}

const STORAGE_CLASSES = new Set([
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'DEEP_ARCHIVE',
  'OUTPOSTS',
  'GLACIER_IR',
  'SNOW',
  'EXPRESS_ONEZONE',
  'FSX_OPENZFS',
  'FSX_ONTAP',
]);
/** Classes whose objects must be restored before they can be read. */
const ARCHIVED_CLASSES = new Set(['GLACIER', 'DEEP_ARCHIVE']);

/** GET and copy of an archived object fail as in AWS until it is restored (RestoreObject is not implemented). */
export function checkReadableClass(row: ObjectRow): void {
  if (ARCHIVED_CLASSES.has(row.storage_class)) {
    throw new AwsError('InvalidObjectState', "The operation is not valid for the object's storage class", { status: 403, fields: { StorageClass: row.storage_class } });
  }
}

export function attributesFrom(input: AttributeInput, checksumAlgorithm: string | null = null): ObjectAttributes {
  if (input.StorageClass !== undefined && !STORAGE_CLASSES.has(input.StorageClass)) {
    throw new AwsError('InvalidStorageClass', 'The storage class you specified is not valid', { status: 400, fields: { StorageClassRequested: input.StorageClass } });
  }
  // aws-chunked is how the body travelled, not how the object is encoded. (Most uploads name no
  // encoding, and no metadata or tags: their stored forms are then constants, not built per upload.)
  const declared = input.ContentEncoding ?? '';
  const encoding =
    declared === ''
      ? ''
      : declared
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s && s !== 'aws-chunked')
          .join(',');
  return {
    content_type: input.ContentType ?? 'binary/octet-stream',
    content_encoding: encoding || null,
    content_disposition: input.ContentDisposition ?? null,
    content_language: input.ContentLanguage ?? null,
    cache_control: input.CacheControl ?? null,
    // The codec hands over the header text: botocore's model types Expires as a string.
    expires: input.Expires ? String(input.Expires) : null,
    website_redirect: input.WebsiteRedirectLocation ?? null,
    storage_class: input.StorageClass ?? 'STANDARD',
    metadata: input.Metadata === undefined || input.Metadata === null ? '{}' : JSON.stringify(input.Metadata),
    tags: input.Tagging ? JSON.stringify(validateTags(parseTaggingHeader(input.Tagging), 10, 'Object')) : '[]',
    checksum_algorithm: checksumAlgorithm,
    checksum_type: null,
    // SSE-S3 until the write works out its own encryption (writeEncryption).
    sse_algorithm: 'AES256',
    sse_kms_key_id: null,
    sse_bucket_key: 0,
  };
}

/** The request members that carry digests of an upload's body. */
export interface DigestInput {
  ContentMD5?: string;
  ChecksumAlgorithm?: string;
  ChecksumCRC32?: string;
  ChecksumCRC32C?: string;
  ChecksumSHA1?: string;
  ChecksumSHA256?: string;
  ChecksumCRC64NVME?: string;
  ChecksumSHA512?: string;
  ChecksumMD5?: string;
  ChecksumXXHASH64?: string;
  ChecksumXXHASH3?: string;
  ChecksumXXHASH128?: string;
}

const MAX_UPLOAD_BYTES = 5 * 1024 ** 3;

/** PutObject and UploadPart take at most 5 GiB: refused from the declared length, before any byte is stored. */
export function checkUploadSize(ctx: RequestContext): void {
  const declared = Number(ctx.http.headers['x-amz-decoded-content-length'] ?? ctx.http.headers['content-length'] ?? 0);
  if (declared > MAX_UPLOAD_BYTES) {
    throw new AwsError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', { status: 400, fields: { ProposedSize: declared, MaxSizeAllowed: MAX_UPLOAD_BYTES } });
  }
}

/** Each algorithm with the request member holding its value, named once rather than per upload. */
const UNSUPPORTED_MEMBERS = UNSUPPORTED_ALGORITHMS.map((algorithm) => [algorithm, `Checksum${algorithm}`] as const);
const SUPPORTED_MEMBERS = SUPPORTED_ALGORITHMS.map((algorithm) => [algorithm, `Checksum${algorithm}`] as const);

/** Which checksum a body must match: a header value, an aws-chunked trailer, or only the algorithm to compute. */
export function digestExpectations(input: DigestInput, ctx: RequestContext, fallback?: ChecksumAlgorithm): DigestExpectations {
  const members = input as Record<string, string | undefined>;
  for (const [name, member] of UNSUPPORTED_MEMBERS) if (members[member] !== undefined) parseAlgorithm(name);
  const inHeader = SUPPORTED_MEMBERS.find(([, member]) => members[member] !== undefined)?.[0];
  const trailer = ctx.http.headers['x-amz-trailer']?.trim().toLowerCase();
  const trailerAlgorithm = trailer?.startsWith('x-amz-checksum-') ? parseAlgorithm(trailer.slice('x-amz-checksum-'.length)) : undefined;
  return {
    contentMd5: input.ContentMD5,
    algorithm: inHeader ?? trailerAlgorithm ?? (input.ChecksumAlgorithm ? parseAlgorithm(input.ChecksumAlgorithm) : fallback),
    checksum: inHeader ? members[`Checksum${inHeader}`] : undefined,
    trailers: ctx.http.trailers,
    trailerName: trailerAlgorithm ? trailer : undefined,
  };
}

/** The value a request or part element gives for `algorithm`. */
export function claimedChecksum(
  source: Pick<DigestInput, 'ChecksumCRC32' | 'ChecksumCRC32C' | 'ChecksumCRC64NVME' | 'ChecksumSHA1' | 'ChecksumSHA256'>,
  algorithm: ChecksumAlgorithm,
): string | undefined {
  return { CRC32: source.ChecksumCRC32, CRC32C: source.ChecksumCRC32C, CRC64NVME: source.ChecksumCRC64NVME, SHA1: source.ChecksumSHA1, SHA256: source.ChecksumSHA256 }[algorithm];
}

/** `{ ChecksumCRC32: value }` for an algorithm/value pair. */
export function checksumMember(algorithm: string | null | undefined, value: string | null | undefined): Record<string, string> {
  return algorithm && value ? { [`Checksum${algorithm}`]: value } : {};
}

/** The response headers every GET/HEAD of a version carries. */
function objectHeaders(row: ObjectRow, bucket: BucketRow | undefined): HeadObjectOutput {
  // Most objects have neither tags nor metadata: their stored JSON is then not parsed on every GET and HEAD.
  const tagCount = row.tags === '[]' ? 0 : (JSON.parse(row.tags) as unknown[]).length;
  const expires = row.expires ? new Date(row.expires) : undefined;
  const { ServerSideEncryption, SSEKMSKeyId, BucketKeyEnabled } = encryptionMembers(row);
  // One literal of every member (a spread in it made a slow copy): the codec reads each of the
  // output's forty header members from it on every GET and HEAD.
  return {
    ETag: row.etag,
    LastModified: new Date(row.last_modified),
    ContentLength: row.size,
    ContentType: row.content_type ?? undefined,
    ContentEncoding: row.content_encoding ?? undefined,
    ContentDisposition: row.content_disposition ?? undefined,
    ContentLanguage: row.content_language ?? undefined,
    CacheControl: row.cache_control ?? undefined,
    Expires: expires && !Number.isNaN(expires.getTime()) ? expires : undefined,
    WebsiteRedirectLocation: row.website_redirect ?? undefined,
    Metadata: row.metadata === '{}' ? {} : encodeMetadata(JSON.parse(row.metadata) as Record<string, string>),
    VersionId: row.version_id !== NULL_VERSION || bucket?.versioning ? row.version_id : undefined,
    AcceptRanges: 'bytes',
    TagCount: tagCount || undefined,
    StorageClass: row.storage_class !== 'STANDARD' ? (row.storage_class as HeadObjectOutput['StorageClass']) : undefined,
    ServerSideEncryption,
    SSEKMSKeyId,
    BucketKeyEnabled,
  };
}

/**
 * An object's bytes, or the inclusive `range` of them: a small object's as the Buffer SQLite keeps
 * (Node then writes it with the headers in one writev, where a one-chunk stream costs a pipe, its
 * listeners and a promise per GET), a larger one's streamed from its file.
 */
function objectBody(core: S3Core, row: Readonly<ObjectRow>, range?: { start: number; end: number }): GetObjectOutput['Body'] {
  const inline = core.store.inlineBytes(row);
  const body = inline === undefined ? core.rt.store.blobs.stream(row.blob_id!, range) : range ? inline.subarray(range.start, range.end + 1) : inline;
  return body as unknown as GetObjectOutput['Body'];
}

/**
 * GetObject: the version's headers and its bytes (or the range asked for).
 * GetObjectOutput['Body'] is the client's view (a stream with SDK mixins); the codec sends a Buffer or a plain Readable.
 */
function getObject(core: S3Core, input: GetObjectRequest, ctx: RequestContext): GetObjectOutput {
  const { store } = core;
  const row = core.readable(input.Bucket!, input.Key!, ctx.account, 'GET', input.VersionId);
  const bucket = store.getBucket(input.Bucket!);
  const headers: GetObjectOutput = objectHeaders(row, bucket);
  checkReadableClass(row);
  if (input.PartNumber !== undefined && input.Range !== undefined) throw e.invalidRequest('Cannot specify both Range header and partNumber query parameter');
  if (evaluateConditions(row, input) === 'not-modified') {
    return withResponse({ ETag: row.etag, LastModified: headers.LastModified, VersionId: headers.VersionId }, { status: 304 });
  }
  let range: { start: number; end: number } | undefined;
  if (input.PartNumber !== undefined) {
    range = partRange(row, input.PartNumber);
    if (row.parts_count) headers.PartsCount = row.parts_count;
  } else {
    range = resolveRange(input.Range, row.size);
  }
  applyResponseOverrides(headers, input);
  if (!range) {
    if (input.ChecksumMode === 'ENABLED') Object.assign(headers, checksumMember(row.checksum_algorithm, row.checksum_value), { ChecksumType: row.checksum_type ?? undefined });
    headers.Body = objectBody(core, row);
    return headers;
  }
  return withResponse(
    {
      ...headers,
      ContentLength: range.end - range.start + 1,
      ContentRange: `bytes ${range.start}-${range.end}/${row.size}`,
      Body: objectBody(core, row, range),
    },
    { status: 206 },
  );
}

export function objectHandlers(core: S3Core): Handlers {
  const { store, rt } = core;

  return {
    async PutObject(input: PutObjectRequest & { Body: Readable }, ctx: RequestContext): Promise<PutObjectOutput> {
      const bucket = core.bucket(input.Bucket!, ctx.account);
      checkUploadSize(ctx);
      const attributes = attributesFrom(input);
      checkWriteConditions(store, bucket.name, input.Key!, input);
      const encryption = await writeEncryption(core, bucket, input, ctx);
      // A small body is stored in the commit's transaction rather than in one of its own.
      const { blob, checksum } = await core.ingest(input.Body, digestExpectations(input, ctx), { deferInline: true });
      checkWriteConditions(store, bucket.name, input.Key!, input);
      const etag = quoteEtag(blob.md5.toString('hex'));
      // Set on the attributes' own object rather than spread into a new one with the encryption:
      // spreads of these wide objects made slow dictionary-mode copies on every upload.
      attributes.sse_algorithm = encryption.sse_algorithm;
      attributes.sse_kms_key_id = encryption.sse_kms_key_id;
      attributes.sse_bucket_key = encryption.sse_bucket_key;
      attributes.checksum_algorithm = checksum?.algorithm ?? null;
      // The body came after an await, outside the pipeline's group commit: the version joins the
      // batch of the uploads whose bodies ended in this turn (one COMMIT for them all), and the
      // answer waits for that batch, failing with it.
      const { versionId } = await rt.store.batchedAndCommitted(() =>
        core.commit(
          bucket.name,
          input.Key!,
          ctx.account,
          {
            blobId: blob.id,
            inline: blob.inline,
            size: blob.size,
            etag,
            checksum: checksum && { algorithm: checksum.algorithm, value: checksum.value, type: 'FULL_OBJECT' },
          },
          attributes,
          { name: 'ObjectCreated:Put', origin: originOf(ctx) },
        ),
      );
      const { ServerSideEncryption, SSEKMSKeyId, BucketKeyEnabled } = encryptionMembers(encryption);
      const output: PutObjectOutput = { ETag: etag, VersionId: versionId, ServerSideEncryption, SSEKMSKeyId, BucketKeyEnabled, ChecksumType: checksum ? 'FULL_OBJECT' : undefined };
      return checksum ? Object.assign(output, checksumMember(checksum.algorithm, checksum.value)) : output;
    },

    // Outside a transaction: a latest version and its bytes read there are kept (S3Store.latest), so
    // that a repeated GET of an unchanged object reads nothing from SQLite.
    GetObject(input: GetObjectRequest, ctx: RequestContext): GetObjectOutput {
      return getObject(core, input, ctx);
    },

    HeadObject(input: HeadObjectRequest, ctx: RequestContext): HeadObjectOutput {
      const row = core.readable(input.Bucket!, input.Key!, ctx.account, 'HEAD', input.VersionId);
      const headers = objectHeaders(row, store.getBucket(input.Bucket!));
      if (evaluateConditions(row, input) === 'not-modified') {
        return withResponse({ ETag: row.etag, LastModified: headers.LastModified, VersionId: headers.VersionId }, { status: 304 });
      }
      applyResponseOverrides(headers, input);
      if (input.PartNumber !== undefined) {
        const range = partRange(row, input.PartNumber);
        if (row.parts_count) headers.PartsCount = row.parts_count;
        if (range) {
          return withResponse({ ...headers, ContentLength: range.end - range.start + 1, ContentRange: `bytes ${range.start}-${range.end}/${row.size}` }, { status: 206 });
        }
      } else {
        const range = resolveRange(input.Range, row.size);
        if (range) return withResponse({ ...headers, ContentLength: range.end - range.start + 1, ContentRange: `bytes ${range.start}-${range.end}/${row.size}` }, { status: 206 });
      }
      if (input.ChecksumMode === 'ENABLED') Object.assign(headers, checksumMember(row.checksum_algorithm, row.checksum_value), { ChecksumType: row.checksum_type ?? undefined });
      return headers;
    },

    DeleteObject(input: DeleteObjectRequest, ctx: RequestContext): DeleteObjectOutput {
      const outcome = core.deleteObject(input.Bucket!, input.Key!, ctx.account, originOf(ctx), input.VersionId);
      return { DeleteMarker: outcome.deleteMarker || undefined, VersionId: outcome.versionId };
    },

    DeleteObjects(input: DeleteObjectsRequest, ctx: RequestContext): DeleteObjectsOutput {
      const objects = input.Delete?.Objects;
      if (!objects || objects.length === 0 || objects.length > 1000) throw e.malformedXml();
      if (objects.some((o) => !o.Key)) throw e.malformedXml();
      const outcomes = core.deleteObjects(
        input.Bucket!,
        ctx.account,
        objects.map((o) => ({ key: o.Key!, versionId: o.VersionId })),
        originOf(ctx),
      );
      const deleted: DeletedObject[] = [];
      const errors: DeleteError[] = [];
      objects.forEach((object, i) => {
        const outcome = outcomes[i];
        if ('error' in outcome) {
          errors.push({ Key: object.Key, VersionId: object.VersionId, Code: outcome.error.code, Message: outcome.error.message });
          return;
        }
        deleted.push({
          Key: object.Key,
          VersionId: object.VersionId,
          DeleteMarker: outcome.deleteMarker || undefined,
          DeleteMarkerVersionId: outcome.deleteMarker ? outcome.versionId : undefined,
        });
      });
      return withResponse({ Deleted: input.Delete!.Quiet ? undefined : deleted, Errors: errors.length ? errors : undefined }, { xmlRoot: 'DeleteResult' });
    },

    async CopyObject(input: CopyObjectRequest, ctx: RequestContext): Promise<CopyObjectOutput> {
      const target = core.bucket(input.Bucket!, ctx.account);
      const source = parseCopySource(input.CopySource!);
      const row = core.readable(source.bucket, source.key, ctx.account, 'GET', source.versionId);
      checkReadableClass(row);
      copySourceConditions(row, input);
      const replaceMetadata = input.MetadataDirective === 'REPLACE';
      const replaceTags = input.TaggingDirective === 'REPLACE';
      if (input.MetadataDirective && !['COPY', 'REPLACE'].includes(input.MetadataDirective)) {
        throw e.invalidArgument('Unknown metadata directive.', 'x-amz-metadata-directive', input.MetadataDirective);
      }
      const sameObject = source.bucket === input.Bucket && source.key === input.Key && (source.versionId === undefined || row.is_latest === 1);
      if (sameObject && !replaceMetadata && !input.StorageClass && !input.WebsiteRedirectLocation && !input.ServerSideEncryption) {
        throw e.invalidRequest(
          "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
        );
      }
      const algorithm = input.ChecksumAlgorithm ? parseAlgorithm(input.ChecksumAlgorithm) : ((row.checksum_algorithm as ChecksumAlgorithm | null) ?? undefined);
      const copied = replaceMetadata
        ? attributesFrom(input)
        : {
            content_type: row.content_type,
            content_encoding: row.content_encoding,
            content_disposition: row.content_disposition,
            content_language: row.content_language,
            cache_control: row.cache_control,
            expires: row.expires,
            website_redirect: input.WebsiteRedirectLocation ?? row.website_redirect,
            storage_class: input.StorageClass ?? row.storage_class,
            metadata: row.metadata,
            tags: row.tags,
            checksum_algorithm: null,
            checksum_type: null,
          };
      copied.tags = replaceTags ? JSON.stringify(input.Tagging ? validateTags(parseTaggingHeader(input.Tagging), 10, 'Object') : []) : row.tags;
      // The copy is encrypted as its request or the target bucket's default says, never as its source was.
      const encryption = await writeEncryption(core, target, input, ctx);
      const { blob, checksum } = await core.ingest(rt.store.blobs.stream(row.blob_id!), { algorithm });
      const etag = quoteEtag(blob.md5.toString('hex'));
      const { versionId, row: written } = core.commit(
        target.name,
        input.Key!,
        ctx.account,
        {
          blobId: blob.id,
          size: blob.size,
          etag,
          checksum: checksum && { ...checksum, type: 'FULL_OBJECT' },
        },
        { ...copied, ...encryption, checksum_algorithm: checksum?.algorithm ?? null },
        { name: 'ObjectCreated:Copy', origin: originOf(ctx) },
      );
      return withResponse(
        {
          CopyObjectResult: { ETag: etag, LastModified: new Date(written.last_modified), ...checksumMember(checksum?.algorithm, checksum?.value), ChecksumType: checksum ? 'FULL_OBJECT' : undefined },
          VersionId: versionId,
          CopySourceVersionId: row.version_id !== NULL_VERSION ? row.version_id : undefined,
          ...encryptionMembers(encryption),
        },
        { xmlRoot: 'CopyObjectResult' },
      );
    },
  };
}
