/**
 * S3 semantics shared by the wire handlers and the `api` other services use: bucket access,
 * versions and delete markers, ingesting bodies into blobs with their digests checked, and
 * committing a version only once its blob is complete.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { arn } from '../../core/arn.js';
import type { BlobInfo } from '../../core/blobs.js';
import { AwsError } from '../../core/errors.js';
import { pooledRandomText } from '../../core/ids.js';
import type { Runtime } from '../contracts.js';
import { Checksum, type ChecksumAlgorithm, isWellFormed } from './checksums.js';
import * as e from './errors.js';
import { type ChangedObject, type EventOrigin, type ObjectEventName, queueNotifications, Sequencer } from './notification-delivery.js';
import type { BucketRow, ObjectAttributes, ObjectRow, S3Store } from './store.js';

export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';
export const NULL_VERSION = 'null';
const VERSION_ID = /^[A-Za-z0-9._-]{32}$/;

/** Canonical ids by account: a listing with owners shows one per entry (a SHA-256 each, 1,000 a page). */
const canonicalIds = new Map<string, string>();
/** Bound on that map; far above the accounts a local cloud serves, it only keeps a runaway from growing it. */
const MAX_CACHED_CANONICAL_IDS = 10_000;

/** The 64-hex canonical user id S3 shows as Owner.ID, derived from the account. */
function canonicalId(account: string): string {
  let id = canonicalIds.get(account);
  if (id === undefined) {
    id = createHash('sha256').update(`drydock-canonical-user:${account}`).digest('hex');
    if (canonicalIds.size >= MAX_CACHED_CANONICAL_IDS) canonicalIds.clear();
    canonicalIds.set(account, id);
  }
  return id;
}

/**
 * An Owner (or Initiator, or canonical-user grantee) as S3 answers it: the canonical ID alone. S3
 * stopped returning DisplayName on November 21, 2025.
 */
export function owner(account: string): { ID: string } {
  return { ID: canonicalId(account) };
}

/** 32 base64url characters of 24 random bytes. */
const newVersionId = pooledRandomText(24, 'base64url');

/** A version id as the client sent it: 'null', one of ours, or InvalidArgument. */
function checkVersionId(versionId: string): string {
  if (versionId !== NULL_VERSION && !VERSION_ID.test(versionId)) throw e.invalidVersionId(versionId);
  return versionId;
}

export const quoteEtag = (hex: string) => `"${hex}"`;
export const unquoteEtag = (etag: string) =>
  // An ETag as stored ("hex"): its quotes go without the three regular expressions every GET paid.
  etag.length >= 2 && etag.charCodeAt(0) === 34 && etag.charCodeAt(etag.length - 1) === 34 ? etag.slice(1, -1) : etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '');

/** Bucket names as AWS's general-purpose bucket rules allow them. */
export function validBucketName(name: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !/^(xn--|sthree-|amzn-s3-demo-)/.test(name) &&
    !/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)
  );
}

/** Parses an `x-amz-tagging` header (URL query form) into a tag set. */
export function parseTaggingHeader(header: string): { Key: string; Value: string }[] {
  const tags: { Key: string; Value: string }[] = [];
  for (const [Key, Value] of new URLSearchParams(header)) tags.push({ Key, Value });
  return tags;
}

/** AWS's tag rules; `max` is 10 for objects, 50 for buckets. */
export function validateTags(tags: { Key?: string; Value?: string }[], max: number, kind: 'Object' | 'Bucket'): { Key: string; Value: string }[] {
  if (tags.length > max) {
    throw new AwsError(kind === 'Object' ? 'BadRequest' : 'InvalidTag', `${kind} tags cannot be greater than ${max}`, { status: 400 });
  }
  const seen = new Set<string>();
  return tags.map(({ Key, Value }) => {
    if (Key === undefined || Key.length < 1 || Key.length > 128) throw e.invalidTag('The TagKey you have provided is invalid');
    if ((Value ?? '').length > 256) throw e.invalidTag('The TagValue you have provided is invalid');
    if (seen.has(Key)) throw e.invalidTag('Cannot provide multiple Tags with the same key');
    seen.add(Key);
    return { Key, Value: Value ?? '' };
  });
}

/** What a body must match: a Content-MD5 and/or a flexible checksum (header or aws-chunked trailer). */
export interface DigestExpectations {
  contentMd5?: string;
  /** The algorithm to compute (from a header value, `x-amz-trailer`, the SDK's algorithm header or the upload). */
  algorithm?: ChecksumAlgorithm;
  /** Base64 value the client sent in a header. */
  checksum?: string;
  /** Trailers of an aws-chunked body and the trailer holding the checksum. */
  trailers?: Record<string, string>;
  trailerName?: string;
}

export interface Ingested {
  blob: BlobInfo;
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

export interface DeleteOutcome {
  deleteMarker: boolean;
  versionId?: string;
}

export interface ObjectScope {
  account: string;
  region: string;
}

/** What caused an object change, for its event notifications. */
export interface ObjectEvent {
  name: ObjectEventName;
  origin: EventOrigin;
}

/** EventBridge's detail types for the changes S3 sends there. */
const EVENTBRIDGE_DETAIL_TYPES: Partial<Record<string, 'Object Created' | 'Object Deleted'>> = { ObjectCreated: 'Object Created', ObjectRemoved: 'Object Deleted' };

export class S3Core {
  private readonly sequencer: Sequencer;

  constructor(
    readonly store: S3Store,
    readonly rt: Runtime,
  ) {
    this.sequencer = new Sequencer(() => rt.clock.now());
  }

  /** The bucket, if it exists and `account` owns it. */
  bucket(name: string, account: string): BucketRow {
    const bucket = this.store.getBucket(name);
    if (!bucket) throw e.noSuchBucket(name);
    if (bucket.account !== account) throw e.accessDenied();
    return bucket;
  }

  /** Last-Modified granularity is the second, as S3 reports it. */
  now(): number {
    return Math.floor(this.rt.clock.now() / 1000) * 1000;
  }

  /** Checks a Content-MD5 header's form before any body is read. */
  static checkContentMd5Form(contentMd5: string | undefined): void {
    if (contentMd5 === undefined) return;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(contentMd5) || Buffer.from(contentMd5, 'base64').length !== 16) throw e.invalidDigest();
  }

  /**
   * Writes a body to a new blob, checking every digest the client declared. On any mismatch the
   * blob is removed and the error thrown: nothing of a rejected body stays behind. `deferInline`
   * leaves a small body for `commit` to store (BlobInfo.inline).
   */
  async ingest(source: Buffer | Readable, expect: DigestExpectations = {}, options: { deferInline?: boolean } = {}): Promise<Ingested> {
    S3Core.checkContentMd5Form(expect.contentMd5);
    if (expect.algorithm && expect.checksum !== undefined && !isWellFormed(expect.algorithm, expect.checksum)) throw e.invalidChecksum(expect.algorithm);
    const checksum = expect.algorithm ? new Checksum(expect.algorithm) : undefined;
    const blob = await this.rt.store.blobs.write(source, checksum ? (chunk) => checksum.update(chunk) : undefined, options);
    try {
      if (expect.contentMd5 !== undefined && !Buffer.from(expect.contentMd5, 'base64').equals(blob.md5)) throw e.badDigest();
      if (!checksum) return { blob };
      const value = await checksum.base64();
      const claimed = expect.checksum ?? (expect.trailerName ? expect.trailers?.[expect.trailerName] : undefined);
      if (claimed !== undefined && claimed !== value) throw e.badChecksum(checksum.algorithm);
      return { blob, checksum: { algorithm: checksum.algorithm, value } };
    } catch (err) {
      this.rt.store.blobs.delete(blob.id);
      throw err;
    }
  }

  /**
   * Makes a new current version of `key` from a complete blob. The version id follows the
   * bucket's versioning state; a replaced 'null' version's blob is deleted after the commit.
   * If the bucket vanished meanwhile the blob is discarded. `alongside` runs in the same
   * transaction (CompleteMultipartUpload removes its upload there), as do the `event`'s notifications.
   */
  commit(
    bucketName: string,
    key: string,
    account: string,
    content: {
      blobId: string;
      /** The bytes of a small blob ingested with `deferInline`: stored in this commit's transaction. */
      inline?: Buffer;
      size: number;
      etag: string;
      checksum?: { algorithm: string; value: string; type: string };
      partSizes?: number[];
      /** A multipart object's part checksums (null for a part without one). */
      partChecksums?: (string | null)[];
    },
    attributes: ObjectAttributes,
    event: ObjectEvent,
    alongside?: () => void,
  ): { versionId?: string; row: Omit<ObjectRow, 'seq' | 'is_latest'> } {
    let result: { versionId?: string; row: Omit<ObjectRow, 'seq' | 'is_latest'> };
    try {
      result = this.store.tx(() => {
        const bucket = this.bucket(bucketName, account);
        const versionId = bucket.versioning === 'Enabled' ? newVersionId() : NULL_VERSION;
        alongside?.();
        // Every column written out: spreading the attributes and adding the rest cost about ten
        // microseconds a write (each added property a slow definition on the spread's copy).
        const row: Omit<ObjectRow, 'seq' | 'is_latest'> = {
          bucket: bucketName,
          key,
          version_id: versionId,
          delete_marker: 0,
          blob_id: content.blobId,
          size: content.size,
          etag: content.etag,
          last_modified: this.now(),
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
          checksum_algorithm: content.checksum?.algorithm ?? null,
          checksum_type: content.checksum?.type ?? null,
          checksum_value: content.checksum?.value ?? null,
          parts_count: content.partSizes?.length ?? null,
          part_sizes: content.partSizes ? JSON.stringify(content.partSizes) : null,
          part_checksums: content.partChecksums ? JSON.stringify(content.partChecksums) : null,
          owner_account: account,
          sse_algorithm: attributes.sse_algorithm,
          sse_kms_key_id: attributes.sse_kms_key_id,
          sse_bucket_key: attributes.sse_bucket_key,
        };
        // A key of a bucket that never had versioning has at most this one version: an overwrite
        // rewrites it in place, and a small body takes the place of the bytes it had (7 WAL frames
        // instead of 12 for a 1 KiB overwrite, 2 instead of 9 with the bytes rewritten too; the
        // rewrite answers the blob it keeps, so no statement reads it first); a new key's version is
        // only inserted.
        let replaced: string | undefined;
        const kept = bucket.versioning === null ? this.store.rewriteVersion(row) : undefined;
        if (kept?.blob_id && content.inline && this.rt.store.blobs.rewriteInline(kept.blob_id, content.inline)) {
          row.blob_id = kept.blob_id;
        } else {
          this.rt.store.blobs.insertInline(content.blobId, content.inline);
          if (kept) {
            this.store.setVersionBlob(bucketName, key, versionId, content.blobId);
            replaced = kept.blob_id ?? undefined;
          } else if (bucket.versioning === null) {
            this.store.insertVersion(row);
          } else {
            replaced = this.store.putVersion(row);
          }
        }
        // A replaced blob kept in SQLite goes in this transaction, not in a commit of its own after it.
        if (replaced !== undefined && !this.rt.store.blobs.deleteInline(replaced)) this.deleteBlobsOnCommit([replaced]);
        const reported = bucket.versioning ? versionId : undefined;
        this.objectChanged(bucket, event, { key, size: content.size, etag: unquoteEtag(content.etag), versionId: reported });
        return { versionId: reported, row };
      });
    } catch (err) {
      this.rt.store.blobs.delete(content.blobId);
      throw err;
    }
    return result;
  }

  /**
   * Removes blobs once the transaction that dropped the last rows naming them has committed (call
   * it inside that transaction): with group commit that is the batch's COMMIT, later than the
   * transaction's end, and a kill -9 before it must still find every blob a committed row names.
   */
  deleteBlobsOnCommit(blobIds: string[]): void {
    if (blobIds.length === 0) return;
    this.rt.store.afterCommit(() => {
      for (const id of blobIds) this.rt.store.blobs.delete(id);
    });
  }

  /**
   * DeleteObject semantics: a version id deletes that version for good; otherwise an
   * unversioned bucket loses the object, a versioned one gets a delete marker.
   */
  deleteObject(bucketName: string, key: string, account: string, origin: EventOrigin, versionId?: string): DeleteOutcome {
    const [outcome] = this.deleteObjects(bucketName, account, [{ key, versionId }], origin);
    if ('error' in outcome) throw outcome.error;
    return outcome;
  }

  /**
   * Deletes several objects in one transaction (DeleteObjects): each item succeeds or fails on its
   * own (a savepoint each); blobs kept in SQLite go with their rows, blob files only after the
   * commit, so a crash never leaves a row without its blob.
   */
  deleteObjects(bucketName: string, account: string, items: { key: string; versionId?: string }[], origin: EventOrigin): (DeleteOutcome | { error: AwsError })[] {
    const blobs: string[] = [];
    const outcomes = this.store.tx(() => {
      const bucket = this.bucket(bucketName, account);
      const results = items.map(({ key, versionId }) => {
        try {
          return this.store.tx(() => this.deleteRows(bucket, key, account, versionId, blobs));
        } catch (err) {
          if (err instanceof AwsError) return { error: err };
          throw err;
        }
      });
      // Notified in the transaction, so the durable deliveries commit with the deletes.
      items.forEach(({ key }, i) => {
        const outcome = results[i];
        if ('error' in outcome) return;
        // A delete without a version id that leaves a marker made one; deleting a marker by its id removes it.
        const name = outcome.deleteMarker && items[i].versionId === undefined ? 'ObjectRemoved:DeleteMarkerCreated' : 'ObjectRemoved:Delete';
        this.objectChanged(bucket, { name, origin }, { key, versionId: bucket.versioning ? outcome.versionId : undefined });
      });
      this.deleteBlobsOnCommit(blobs);
      return results;
    });
    return outcomes;
  }

  /** The row changes of one delete; blob files no longer referenced are added to `blobs`. */
  private deleteRows(bucket: BucketRow, key: string, account: string, versionId: string | undefined, blobs: string[]): DeleteOutcome {
    const release = (blobId: string | null | undefined) => {
      if (blobId && !this.rt.store.blobs.deleteInline(blobId)) blobs.push(blobId);
    };
    if (versionId !== undefined) {
      const row = this.store.version(bucket.name, key, checkVersionId(versionId));
      if (!row) return { deleteMarker: false, versionId };
      this.store.deleteVersion(row);
      release(row.blob_id);
      return { deleteMarker: row.delete_marker === 1, versionId };
    }
    if (!bucket.versioning) {
      const row = this.store.latest(bucket.name, key);
      if (row) {
        this.store.deleteVersion(row);
        release(row.blob_id);
      }
      return { deleteMarker: false };
    }
    const markerId = bucket.versioning === 'Enabled' ? newVersionId() : NULL_VERSION;
    const marker: Omit<ObjectRow, 'seq' | 'is_latest'> = {
      bucket: bucket.name,
      key,
      version_id: markerId,
      delete_marker: 1,
      blob_id: null,
      size: 0,
      etag: '',
      last_modified: this.now(),
      content_type: null,
      content_encoding: null,
      content_disposition: null,
      content_language: null,
      cache_control: null,
      expires: null,
      website_redirect: null,
      storage_class: 'STANDARD',
      metadata: '{}',
      tags: '[]',
      checksum_algorithm: null,
      checksum_type: null,
      checksum_value: null,
      parts_count: null,
      part_sizes: null,
      part_checksums: null,
      owner_account: account,
      sse_algorithm: null,
      sse_kms_key_id: null,
      sse_bucket_key: 0,
    };
    const replaced = this.store.putVersion(marker);
    release(replaced);
    return { deleteMarker: true, versionId: markerId };
  }

  /**
   * The version a GET/HEAD addresses: NoSuchKey (with the delete-marker headers) when the
   * current version is a delete marker, MethodNotAllowed when a delete marker is asked by id.
   */
  readable(bucketName: string, key: string, account: string, method: string, versionId?: string): Readonly<ObjectRow> {
    this.bucket(bucketName, account);
    if (versionId !== undefined) {
      const row = this.store.version(bucketName, key, checkVersionId(versionId));
      if (!row) throw e.noSuchVersion(key, versionId);
      if (row.delete_marker) throw e.deleteMarkerNotAllowed(method, row.version_id, new Date(row.last_modified));
      return row;
    }
    const row = this.store.latest(bucketName, key);
    if (!row) throw e.noSuchKey(key);
    if (row.delete_marker) throw e.noSuchKey(key, { 'x-amz-delete-marker': 'true', 'x-amz-version-id': row.version_id });
    return row;
  }

  /**
   * Tells who listens of an object change: queues the notifications the bucket's Topic, Queue and
   * LambdaFunction configurations select, and publishes S3's EventBridge event when the bucket turned
   * EventBridge delivery on. Call inside the change's transaction, so the durable deliveries are
   * written (or rolled back) with it.
   */
  objectChanged(bucket: BucketRow, event: ObjectEvent, object: ChangedObject): void {
    queueNotifications(this.rt, this.sequencer, bucket, event.name, object, event.origin);
    const detailType = EVENTBRIDGE_DETAIL_TYPES[event.name.split(':')[0]];
    if (!detailType || !bucket.notification || !(JSON.parse(bucket.notification) as { EventBridgeConfiguration?: unknown }).EventBridgeConfiguration) return;
    const detail: Record<string, unknown> = { key: object.key, 'version-id': object.versionId };
    if (detailType === 'Object Created') Object.assign(detail, { size: object.size, etag: object.etag });
    else detail['deletion-type'] = event.name === 'ObjectRemoved:DeleteMarkerCreated' ? 'Delete Marker Created' : 'Permanently Deleted';
    this.rt.events.publish({
      source: 'aws.s3',
      'detail-type': detailType,
      account: bucket.account,
      region: bucket.region,
      resources: [arn('s3', '', '', bucket.name)],
      detail: { version: '0', bucket: { name: bucket.name }, object: detail, requester: bucket.account },
    });
  }
}
