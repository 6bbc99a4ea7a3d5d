/**
 * What other services use of S3 (CodeBuild and CodePipeline artifacts, CloudFormation templates …):
 * the same semantics as the wire operations, scoped to the calling account, without HTTP.
 */
import type { Readable } from 'node:stream';
import { NULL_VERSION, type ObjectScope, quoteEtag, type S3Core, validBucketName } from './core.js';
import * as e from './errors.js';
import { ownerOrigin } from './notification-delivery.js';
import { attributesFrom } from './objects.js';
import type { ObjectRow } from './store.js';

export interface S3ObjectInfo {
  bucket: string;
  key: string;
  size: number;
  /** Quoted, as S3 sends it. */
  etag: string;
  lastModified: Date;
  contentType?: string;
  metadata: Record<string, string>;
  versionId?: string;
}

export interface S3Api {
  bucketExists(scope: ObjectScope, bucket: string): boolean;
  /** Creates a bucket in the scope's region (no-op when the account already owns it). */
  createBucket(scope: ObjectScope, bucket: string): void;
  putObject(scope: ObjectScope, bucket: string, key: string, body: Buffer | Readable, options?: { contentType?: string; metadata?: Record<string, string> }): Promise<S3ObjectInfo>;
  /** The object's content as a stream plus its metadata; NoSuchBucket/NoSuchKey as AwsError. */
  getObject(scope: ObjectScope, bucket: string, key: string, options?: { versionId?: string }): S3ObjectInfo & { body: Readable };
  headObject(scope: ObjectScope, bucket: string, key: string, options?: { versionId?: string }): S3ObjectInfo;
  deleteObject(scope: ObjectScope, bucket: string, key: string): void;
  /** Current objects under `prefix`, by key. */
  listObjects(scope: ObjectScope, bucket: string, prefix?: string): S3ObjectInfo[];
}

function info(row: Omit<ObjectRow, 'seq' | 'is_latest'>): S3ObjectInfo {
  return {
    bucket: row.bucket,
    key: row.key,
    size: row.size,
    etag: row.etag,
    lastModified: new Date(row.last_modified),
    contentType: row.content_type ?? undefined,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    versionId: row.version_id !== NULL_VERSION ? row.version_id : undefined,
  };
}

export function createApi(core: S3Core): S3Api {
  return {
    bucketExists(scope, bucket) {
      return core.store.getBucket(bucket)?.account === scope.account;
    },
    createBucket(scope, bucket) {
      if (!validBucketName(bucket)) throw e.invalidBucketName(bucket);
      core.store.tx(() => {
        const existing = core.store.getBucket(bucket);
        if (existing) {
          if (existing.account !== scope.account) throw e.bucketAlreadyExists(bucket);
          return;
        }
        core.store.insertBucket({ name: bucket, account: scope.account, region: scope.region, created_at: core.rt.clock.now() });
      });
    },
    async putObject(scope, bucket, key, body, options = {}) {
      core.bucket(bucket, scope.account);
      const { blob } = await core.ingest(body);
      const { row } = core.commit(
        bucket,
        key,
        scope.account,
        { blobId: blob.id, size: blob.size, etag: quoteEtag(blob.md5.toString('hex')) },
        attributesFrom({ ContentType: options.contentType, Metadata: options.metadata }),
        { name: 'ObjectCreated:Put', origin: ownerOrigin(scope.account) },
      );
      return info(row);
    },
    getObject(scope, bucket, key, options = {}) {
      const row = core.readable(bucket, key, scope.account, 'GET', options.versionId);
      return { ...info(row), body: core.rt.store.blobs.stream(row.blob_id!) };
    },
    headObject(scope, bucket, key, options = {}) {
      return info(core.readable(bucket, key, scope.account, 'HEAD', options.versionId));
    },
    deleteObject(scope, bucket, key) {
      core.deleteObject(bucket, key, scope.account, ownerOrigin(scope.account));
    },
    listObjects(scope, bucket, prefix = '') {
      core.bucket(bucket, scope.account);
      return [...core.store.listLatest(bucket, '', prefix)].map(info);
    },
  };
}
