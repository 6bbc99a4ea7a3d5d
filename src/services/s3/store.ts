/** S3 tables and their prepared statements. No SQL lives anywhere else. */
import { preparedOnUse } from '../../core/prepared.js';
import type { Store } from '../../core/store.js';
import { LatestObjectCache } from './object-cache.js';
import { type ListingRow, type ListingTuple, listingRow, type ObjectTuple, objectRow, objectValues, REWRITTEN_COLUMNS, rewrittenValues } from './raw-rows.js';

export interface BucketRow {
  name: string;
  account: string;
  region: string;
  created_at: number;
  /** NULL until versioning is first configured, then 'Enabled' or 'Suspended'. */
  versioning: string | null;
  tags: string | null;
  policy: string | null;
  encryption: string | null;
  notification: string | null;
  /** JSON {Owner, Grants}; NULL is the default ACL, the owner's FULL_CONTROL alone. */
  acl: string | null;
  /** The ObjectOwnership rule; NULL once the ownership controls are deleted (ACLs then work as under ObjectWriter). */
  ownership: string | null;
  /** JSON PublicAccessBlockConfiguration with all four settings; NULL once deleted. */
  public_access_block: string | null;
  /** JSON of each configuration as S3 answers it back; NULL when none is set. */
  cors: string | null;
  lifecycle: string | null;
  website: string | null;
  logging: string | null;
  /** 'Enabled' or 'Suspended'; NULL until first configured. */
  accelerate: string | null;
  /** 'Requester' or 'BucketOwner'; NULL is 'BucketOwner'. */
  request_payment: string | null;
  replication: string | null;
}

/** What a new bucket is created with; the rest starts unset. */
export type NewBucket = Pick<BucketRow, 'name' | 'account' | 'region' | 'created_at'> & Partial<Pick<BucketRow, 'acl' | 'ownership'>>;

/** S3's settings for every bucket created since April 2023: ACLs disabled, all public access blocked. */
export const DEFAULT_OWNERSHIP = 'BucketOwnerEnforced';
const DEFAULT_PUBLIC_ACCESS_BLOCK = JSON.stringify({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });

/** Object fields that travel with every version (and with a multipart upload until it completes). */
export interface ObjectAttributes {
  content_type: string | null;
  content_encoding: string | null;
  content_disposition: string | null;
  content_language: string | null;
  cache_control: string | null;
  expires: string | null;
  website_redirect: string | null;
  storage_class: string;
  /** JSON object of x-amz-meta-* values. */
  metadata: string;
  /** JSON array of {Key, Value}. */
  tags: string;
  checksum_algorithm: string | null;
  checksum_type: string | null;
  /** 'AES256', 'aws:kms' or 'aws:kms:dsse'; NULL (rows written before it was kept) is AES256. */
  sse_algorithm: string | null;
  /** The KMS key's ARN under SSE-KMS. */
  sse_kms_key_id: string | null;
  /** 1 when an S3 Bucket Key is used for SSE-KMS. */
  sse_bucket_key: number;
}

export interface ObjectRow extends ObjectAttributes {
  seq: number;
  bucket: string;
  key: string;
  version_id: string;
  is_latest: number;
  delete_marker: number;
  blob_id: string | null;
  size: number;
  etag: string;
  last_modified: number;
  checksum_value: string | null;
  parts_count: number | null;
  /** JSON array of the part sizes of a multipart object (GetObject/HeadObject partNumber). */
  part_sizes: string | null;
  /** JSON array of the parts' checksums (null items for parts without one), for GetObjectAttributes. */
  part_checksums: string | null;
  owner_account: string;
}

export interface UploadRow extends ObjectAttributes {
  upload_id: string;
  bucket: string;
  key: string;
  initiated: number;
  owner_account: string;
}

export interface PartRow {
  upload_id: string;
  part_number: number;
  blob_id: string;
  size: number;
  etag: string;
  checksum_value: string | null;
  last_modified: number;
}

const BUCKET_CONFIGS = [
  'tags',
  'policy',
  'encryption',
  'notification',
  'versioning',
  'acl',
  'ownership',
  'public_access_block',
  'cors',
  'lifecycle',
  'website',
  'logging',
  'accelerate',
  'request_payment',
  'replication',
] as const;
export type BucketConfig = (typeof BUCKET_CONFIGS)[number];

const OBJECT_COLUMNS = `bucket, key, version_id, is_latest, delete_marker, blob_id, size, etag, last_modified,
  content_type, content_encoding, content_disposition, content_language, cache_control, expires, website_redirect,
  storage_class, metadata, tags, checksum_algorithm, checksum_type, checksum_value, parts_count, part_sizes, owner_account,
  sse_algorithm, sse_kms_key_id, sse_bucket_key, part_checksums`;
/**
 * A listing page's statement: the prefix test only under a prefix, the owner's column only on a page
 * that shows owners (each costs about a tenth of a 1,000-row read).
 */
const LISTING_SQL = (prefixed: boolean, owners: boolean) => `SELECT key, etag, size, last_modified, storage_class, checksum_algorithm, checksum_type${owners ? ', owner_account' : ''}
  FROM s3_objects WHERE bucket = @bucket AND is_latest = 1 AND delete_marker = 0 AND key > @after${prefixed ? ` AND ${STARTS_WITH('key')}` : ''} ORDER BY key LIMIT @limit`;
type ListingParams = { bucket: string; after: string; prefix: string; limit: number };

/** `column` starts with the @prefix parameter, case-sensitively (LIKE is not); the range lets SQLite seek the index. */
const STARTS_WITH = (column: string) => `${column} >= @prefix AND substr(${column}, 1, length(@prefix)) = @prefix`;
/** objectValues bound by position, one `?` per column. */
const OBJECT_VALUES = OBJECT_COLUMNS.split(',')
  .map(() => '?')
  .join(', ');
/** An in-place rewrite sets REWRITTEN_COLUMNS (bound by position: rewrittenValues) and the ACL back to the default. */
const REWRITE_SET = `${REWRITTEN_COLUMNS.map((c) => `${c} = ?`).join(', ')}, acl = NULL`;
type ObjectValues = ReturnType<typeof objectValues>;

/** Bound on the bucket cache; far above what a local cloud holds, it only keeps a runaway from growing it. */
const MAX_CACHED_BUCKETS = 10_000;

export class S3Store {
  private readonly s;
  private readonly buckets = new Map<string, BucketRow | undefined>();
  /** Every method below that writes a key's versions forgets the key here (see LatestObjectCache). */
  private readonly latestObjects = new LatestObjectCache();

  constructor(private readonly store: Store) {
    store.migrate('s3', [
      {
        version: 1,
        sql: `CREATE TABLE s3_buckets (
          name TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, created_at INTEGER NOT NULL,
          versioning TEXT, tags TEXT, policy TEXT, encryption TEXT, notification TEXT
        );
        CREATE INDEX s3_buckets_account ON s3_buckets (account, name);
        CREATE TABLE s3_objects (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          bucket TEXT NOT NULL, key TEXT NOT NULL, version_id TEXT NOT NULL,
          is_latest INTEGER NOT NULL, delete_marker INTEGER NOT NULL, blob_id TEXT,
          size INTEGER NOT NULL, etag TEXT NOT NULL, last_modified INTEGER NOT NULL,
          content_type TEXT, content_encoding TEXT, content_disposition TEXT, content_language TEXT,
          cache_control TEXT, expires TEXT, website_redirect TEXT, storage_class TEXT NOT NULL,
          metadata TEXT NOT NULL, tags TEXT NOT NULL, checksum_algorithm TEXT, checksum_type TEXT, checksum_value TEXT,
          parts_count INTEGER, part_sizes TEXT, owner_account TEXT NOT NULL,
          UNIQUE (bucket, key, version_id)
        );
        CREATE INDEX s3_objects_latest ON s3_objects (bucket, is_latest, key);
        CREATE INDEX s3_objects_versions ON s3_objects (bucket, key, seq);
        CREATE TABLE s3_uploads (
          upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL, initiated INTEGER NOT NULL,
          content_type TEXT, content_encoding TEXT, content_disposition TEXT, content_language TEXT,
          cache_control TEXT, expires TEXT, website_redirect TEXT, storage_class TEXT NOT NULL,
          metadata TEXT NOT NULL, tags TEXT NOT NULL, checksum_algorithm TEXT, checksum_type TEXT, owner_account TEXT NOT NULL
        );
        CREATE INDEX s3_uploads_bucket ON s3_uploads (bucket, key, initiated);
        CREATE TABLE s3_parts (
          upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, blob_id TEXT NOT NULL, size INTEGER NOT NULL,
          etag TEXT NOT NULL, checksum_value TEXT, last_modified INTEGER NOT NULL,
          PRIMARY KEY (upload_id, part_number)
        );`,
      },
      {
        // Bucket ACLs, ownership controls, public access blocks and the stored configurations; object
        // ACLs. Buckets that predate them get what S3 gives every bucket created since April 2023.
        version: 2,
        sql: `ALTER TABLE s3_buckets ADD COLUMN acl TEXT;
        ALTER TABLE s3_buckets ADD COLUMN ownership TEXT;
        ALTER TABLE s3_buckets ADD COLUMN public_access_block TEXT;
        ALTER TABLE s3_buckets ADD COLUMN cors TEXT;
        ALTER TABLE s3_buckets ADD COLUMN lifecycle TEXT;
        ALTER TABLE s3_buckets ADD COLUMN website TEXT;
        ALTER TABLE s3_buckets ADD COLUMN logging TEXT;
        ALTER TABLE s3_buckets ADD COLUMN accelerate TEXT;
        ALTER TABLE s3_buckets ADD COLUMN request_payment TEXT;
        ALTER TABLE s3_buckets ADD COLUMN replication TEXT;
        ALTER TABLE s3_objects ADD COLUMN acl TEXT;
        UPDATE s3_buckets SET ownership = '${DEFAULT_OWNERSHIP}', public_access_block = '${DEFAULT_PUBLIC_ACCESS_BLOCK}';`,
      },
      {
        // Each version's (and upload's) own server-side encryption, and the checksums of a
        // multipart object's parts (GetObjectAttributes answers them).
        version: 3,
        sql: `ALTER TABLE s3_objects ADD COLUMN sse_algorithm TEXT;
        ALTER TABLE s3_objects ADD COLUMN sse_kms_key_id TEXT;
        ALTER TABLE s3_objects ADD COLUMN sse_bucket_key INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE s3_objects ADD COLUMN part_checksums TEXT;
        ALTER TABLE s3_uploads ADD COLUMN sse_algorithm TEXT;
        ALTER TABLE s3_uploads ADD COLUMN sse_kms_key_id TEXT;
        ALTER TABLE s3_uploads ADD COLUMN sse_bucket_key INTEGER NOT NULL DEFAULT 0;`,
      },
    ]);
    const db = store.db;
    this.s = preparedOnUse({
      getBucket: () => db.prepare<[string], BucketRow>('SELECT * FROM s3_buckets WHERE name = ?'),
      insertBucket: () =>
        db.prepare<Required<NewBucket> & { public_access_block: string }>(`INSERT INTO s3_buckets
        (name, account, region, created_at, acl, ownership, public_access_block)
        VALUES (@name, @account, @region, @created_at, @acl, @ownership, @public_access_block)`),
      listBuckets: () =>
        db.prepare<{ account: string; after: string; prefix: string }, BucketRow>(`SELECT * FROM s3_buckets
        WHERE account = @account AND name > @after AND ${STARTS_WITH('name')} ORDER BY name`),
      deleteBucket: () => db.prepare<[string]>('DELETE FROM s3_buckets WHERE name = ?'),
      countVersions: () => db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM (SELECT 1 FROM s3_objects WHERE bucket = ? LIMIT 1)'),
      setConfig: () =>
        Object.fromEntries(BUCKET_CONFIGS.map((c) => [c, db.prepare<[string | null, string]>(`UPDATE s3_buckets SET ${c} = ? WHERE name = ?`)])) as Record<
          BucketConfig,
          ReturnType<typeof db.prepare<[string | null, string]>>
        >,

      latest: () => db.prepare<[string, string], ObjectTuple>(`SELECT seq, ${OBJECT_COLUMNS} FROM s3_objects WHERE bucket = ? AND key = ? AND is_latest = 1`).raw(true),
      version: () => db.prepare<[string, string, string], ObjectTuple>(`SELECT seq, ${OBJECT_COLUMNS} FROM s3_objects WHERE bucket = ? AND key = ? AND version_id = ?`).raw(true),
      rewriteVersion: () => db.prepare<[unknown[]], { blob_id: string | null }>(`UPDATE s3_objects SET ${REWRITE_SET} WHERE bucket = ? AND key = ? AND version_id = ? RETURNING blob_id`),
      setVersionBlob: () => db.prepare<[string, string, string, string]>('UPDATE s3_objects SET blob_id = ? WHERE bucket = ? AND key = ? AND version_id = ?'),
      deleteVersionById: () => db.prepare<[string, string, string], { blob_id: string | null }>('DELETE FROM s3_objects WHERE bucket = ? AND key = ? AND version_id = ? RETURNING blob_id'),
      insertObject: () => db.prepare<[ObjectValues]>(`INSERT INTO s3_objects (${OBJECT_COLUMNS}) VALUES (${OBJECT_VALUES})`),
      clearLatest: () => db.prepare<[string, string]>('UPDATE s3_objects SET is_latest = 0 WHERE bucket = ? AND key = ? AND is_latest = 1'),
      deleteVersion: () => db.prepare<[number]>('DELETE FROM s3_objects WHERE seq = ?'),
      promoteNewest: () =>
        db.prepare<[string, string, string, string]>(`UPDATE s3_objects SET is_latest = 1 WHERE seq =
        (SELECT MAX(seq) FROM s3_objects WHERE bucket = ? AND key = ?) AND bucket = ? AND key = ?`),
      setObjectTags: () => db.prepare<[string, number]>('UPDATE s3_objects SET tags = ? WHERE seq = ?'),
      objectAcl: () => db.prepare<[number], { acl: string | null }>('SELECT acl FROM s3_objects WHERE seq = ?'),
      setObjectAcl: () => db.prepare<[string | null, number]>('UPDATE s3_objects SET acl = ? WHERE seq = ?'),
      listEntries: () => db.prepare<ListingParams, ListingTuple>(LISTING_SQL(true, false)).raw(true),
      listAllEntries: () => db.prepare<ListingParams, ListingTuple>(LISTING_SQL(false, false)).raw(true),
      listEntriesWithOwners: () => db.prepare<ListingParams, ListingTuple>(LISTING_SQL(true, true)).raw(true),
      listAllEntriesWithOwners: () => db.prepare<ListingParams, ListingTuple>(LISTING_SQL(false, true)).raw(true),
      listLatest: () =>
        db.prepare<{ bucket: string; after: string; prefix: string }, ObjectRow>(`SELECT * FROM s3_objects
        WHERE bucket = @bucket AND is_latest = 1 AND delete_marker = 0 AND key > @after AND ${STARTS_WITH('key')} ORDER BY key`),
      listVersions: () =>
        db
          .prepare<{ bucket: string; after: string; prefix: string }, ObjectTuple>(`SELECT seq, ${OBJECT_COLUMNS} FROM s3_objects
        WHERE bucket = @bucket AND key >= @after AND ${STARTS_WITH('key')} ORDER BY key, seq DESC`)
          .raw(true),

      insertUpload: () =>
        db.prepare<UploadRow>(`INSERT INTO s3_uploads (upload_id, bucket, key, initiated, content_type, content_encoding,
        content_disposition, content_language, cache_control, expires, website_redirect, storage_class, metadata, tags,
        checksum_algorithm, checksum_type, owner_account, sse_algorithm, sse_kms_key_id, sse_bucket_key)
        VALUES (@upload_id, @bucket, @key, @initiated, @content_type, @content_encoding, @content_disposition, @content_language,
        @cache_control, @expires, @website_redirect, @storage_class, @metadata, @tags, @checksum_algorithm, @checksum_type, @owner_account,
        @sse_algorithm, @sse_kms_key_id, @sse_bucket_key)`),
      getUpload: () => db.prepare<[string], UploadRow>('SELECT * FROM s3_uploads WHERE upload_id = ?'),
      deleteUpload: () => db.prepare<[string]>('DELETE FROM s3_uploads WHERE upload_id = ?'),
      listUploads: () =>
        db.prepare<{ bucket: string; prefix: string }, UploadRow>(`SELECT * FROM s3_uploads
        WHERE bucket = @bucket AND ${STARTS_WITH('key')} ORDER BY key, initiated, upload_id`),
      uploadsOfBucket: () => db.prepare<[string], UploadRow>('SELECT * FROM s3_uploads WHERE bucket = ?'),
      getPart: () => db.prepare<[string, number], PartRow>('SELECT * FROM s3_parts WHERE upload_id = ? AND part_number = ?'),
      upsertPart: () =>
        db.prepare<PartRow>(`INSERT INTO s3_parts (upload_id, part_number, blob_id, size, etag, checksum_value, last_modified)
        VALUES (@upload_id, @part_number, @blob_id, @size, @etag, @checksum_value, @last_modified)
        ON CONFLICT (upload_id, part_number) DO UPDATE SET blob_id = excluded.blob_id, size = excluded.size, etag = excluded.etag,
          checksum_value = excluded.checksum_value, last_modified = excluded.last_modified`),
      listParts: () => db.prepare<[string, number, number], PartRow>('SELECT * FROM s3_parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?'),
      allParts: () => db.prepare<[string], PartRow>('SELECT * FROM s3_parts WHERE upload_id = ? ORDER BY part_number'),
      deleteParts: () => db.prepare<[string]>('DELETE FROM s3_parts WHERE upload_id = ?'),
    });
    store.onWipe(() => this.latestObjects.clear());
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  /**
   * A bucket by name, read through a cache: one object request reads its bucket several times
   * (authorization, the bucket policy, encryption, ownership), and the row is wide. Only rows read
   * outside a transaction are kept (one read inside may yet roll back); every bucket write drops its
   * entry. Cached rows are frozen so that no caller can change what the next one reads.
   */
  getBucket(name: string): BucketRow | undefined {
    if (this.buckets.has(name)) return this.buckets.get(name);
    const row = this.s.getBucket.get(name);
    if (!this.store.db.inTransaction) {
      if (this.buckets.size >= MAX_CACHED_BUCKETS) this.buckets.clear();
      this.buckets.set(name, row && Object.freeze(row));
    }
    return row;
  }

  /** Forgets every cached bucket and object row (the data directory was wiped). */
  forgetBuckets(): void {
    this.buckets.clear();
    this.latestObjects.clear();
  }

  /** A new bucket with S3's defaults: ACLs disabled unless `ownership` says otherwise, all public access blocked. */
  insertBucket(bucket: NewBucket): void {
    this.buckets.delete(bucket.name);
    this.s.insertBucket.run({
      ...bucket,
      acl: bucket.acl ?? null,
      ownership: bucket.ownership ?? DEFAULT_OWNERSHIP,
      public_access_block: DEFAULT_PUBLIC_ACCESS_BLOCK,
    });
  }

  /** The account's buckets after `after` whose names start with `prefix`, by name. */
  listBuckets(account: string, after: string, prefix: string): BucketRow[] {
    return this.s.listBuckets.all({ account, after, prefix });
  }

  bucketHasVersions(name: string): boolean {
    return this.s.countVersions.get(name)!.n > 0;
  }

  /** Deletes the bucket and its in-progress uploads; returns the blobs to remove once committed. */
  deleteBucket(name: string): string[] {
    const blobs: string[] = [];
    for (const upload of this.s.uploadsOfBucket.all(name)) blobs.push(...this.deleteUpload(upload.upload_id));
    this.buckets.delete(name);
    // Only an empty bucket is deleted; forgetting every object is the simple way to be sure of it.
    this.latestObjects.clear();
    this.s.deleteBucket.run(name);
    return blobs;
  }

  setBucketConfig(name: string, config: BucketConfig, value: string | null): void {
    this.buckets.delete(name);
    this.s.setConfig[config].run(value, name);
  }

  /**
   * The key's latest version (a delete marker included). The row is shared and frozen when it comes
   * from the cache, which keeps only rows read outside a transaction (one read inside may roll back).
   */
  latest(bucket: string, key: string): Readonly<ObjectRow> | undefined {
    const cached = this.latestObjects.row(bucket, key);
    if (cached) return cached;
    const tuple = this.s.latest.get(bucket, key);
    if (!tuple) return undefined;
    return this.store.db.inTransaction ? objectRow(tuple) : this.latestObjects.keep(objectRow(tuple));
  }

  /**
   * The bytes of a version's blob when SQLite keeps them (undefined for a blob in a file), kept with
   * the cached latest row once read outside a transaction: a repeated GET then reads nothing.
   */
  inlineBytes(row: Readonly<ObjectRow>): Buffer | undefined {
    const cached = this.latestObjects.bytes(row);
    if (cached) return cached;
    const bytes = this.store.blobs.inlineBytes(row.blob_id!);
    if (bytes && !this.store.db.inTransaction) this.latestObjects.keepBytes(row, bytes);
    return bytes;
  }

  version(bucket: string, key: string, versionId: string): ObjectRow | undefined {
    const row = this.s.version.get(bucket, key, versionId);
    return row && objectRow(row);
  }

  /**
   * Makes `row` the latest version of its key. A version with the same id (the 'null' version of
   * unversioned or suspended buckets) is replaced; its blob id is returned for the caller to delete.
   */
  putVersion(row: Omit<ObjectRow, 'seq' | 'is_latest'>): string | undefined {
    this.latestObjects.forget(row.bucket, row.key);
    const replaced = this.s.deleteVersionById.get(row.bucket, row.key, row.version_id);
    this.s.clearLatest.run(row.bucket, row.key);
    this.s.insertObject.run(objectValues(row, 1));
    return replaced?.blob_id ?? undefined;
  }

  /** Adds `row` as the latest version of a key that has no version yet (nothing to replace or demote). */
  insertVersion(row: Omit<ObjectRow, 'seq' | 'is_latest'>): void {
    this.latestObjects.forget(row.bucket, row.key);
    this.s.insertObject.run(objectValues(row, 1));
  }

  /**
   * Rewrites the existing version with `row`'s id in place but for its blob id, for a key that can
   * have no other version (its bucket never had versioning): its index entries stay as they are,
   * which writes about half the pages of a delete and an insert. Answers the blob id the version
   * keeps (set another with `setVersionBlob`); undefined when the key has no such version.
   */
  rewriteVersion(row: Omit<ObjectRow, 'seq' | 'is_latest'>): { blob_id: string | null } | undefined {
    this.latestObjects.forget(row.bucket, row.key);
    return this.s.rewriteVersion.get(rewrittenValues(row));
  }

  setVersionBlob(bucket: string, key: string, versionId: string, blobId: string): void {
    this.latestObjects.forget(bucket, key);
    this.s.setVersionBlob.run(blobId, bucket, key, versionId);
  }

  /** Permanently removes one version; the newest remaining one becomes the latest. */
  deleteVersion(row: Readonly<ObjectRow>): void {
    this.latestObjects.forget(row.bucket, row.key);
    this.s.deleteVersion.run(row.seq);
    if (row.is_latest) this.s.promoteNewest.run(row.bucket, row.key, row.bucket, row.key);
  }

  setObjectTags(row: Readonly<ObjectRow>, tags: string): void {
    this.latestObjects.forget(row.bucket, row.key);
    this.s.setObjectTags.run(tags, row.seq);
  }

  /** The version's ACL (JSON {Owner, Grants}); undefined for the default, its owner's FULL_CONTROL alone. */
  objectAcl(row: ObjectRow): string | undefined {
    return this.s.objectAcl.get(row.seq)?.acl ?? undefined;
  }

  setObjectAcl(row: Readonly<ObjectRow>, acl: string | null): void {
    this.latestObjects.forget(row.bucket, row.key);
    this.s.setObjectAcl.run(acl, row.seq);
  }

  /**
   * What a ListObjects(V2) page shows of the first `limit` latest versions after `afterKey`, by key:
   * only the listing's columns (the row is wide), read in one step as arrays and made objects here,
   * which costs half what stepping an iterator of better-sqlite3's own row objects does.
   */
  listEntries(bucket: string, afterKey: string, prefix: string, limit: number, owners: boolean): ListingRow[] {
    const statement = owners ? (prefix ? this.s.listEntriesWithOwners : this.s.listAllEntriesWithOwners) : prefix ? this.s.listEntries : this.s.listAllEntries;
    return statement.all({ bucket, after: afterKey, prefix, limit }).map(listingRow);
  }

  /** Latest live objects after `afterKey` under `prefix`, by key (read lazily: stop early). */
  listLatest(bucket: string, afterKey: string, prefix: string): IterableIterator<ObjectRow> {
    return this.s.listLatest.iterate({ bucket, after: afterKey, prefix });
  }

  /** Every version (delete markers included) from `fromKey` under `prefix`, by key then newest first. */
  *listVersions(bucket: string, fromKey: string, prefix: string): IterableIterator<ObjectRow> {
    for (const row of this.s.listVersions.iterate({ bucket, after: fromKey, prefix })) yield objectRow(row);
  }

  insertUpload(row: UploadRow): void {
    this.s.insertUpload.run(row);
  }

  getUpload(uploadId: string): UploadRow | undefined {
    return this.s.getUpload.get(uploadId);
  }

  listUploads(bucket: string, prefix: string): UploadRow[] {
    return this.s.listUploads.all({ bucket, prefix });
  }

  /** Removes an upload and its parts; returns the part blobs to delete once committed. */
  deleteUpload(uploadId: string): string[] {
    const blobs = this.s.allParts.all(uploadId).map((p) => p.blob_id);
    this.s.deleteParts.run(uploadId);
    this.s.deleteUpload.run(uploadId);
    return blobs;
  }

  getPart(uploadId: string, partNumber: number): PartRow | undefined {
    return this.s.getPart.get(uploadId, partNumber);
  }

  /** Stores a part; returns the blob of the part it replaced, if any. */
  putPart(row: PartRow): string | undefined {
    const previous = this.s.getPart.get(row.upload_id, row.part_number);
    this.s.upsertPart.run(row);
    return previous?.blob_id;
  }

  listParts(uploadId: string, afterPart: number, limit: number): PartRow[] {
    return this.s.listParts.all(uploadId, afterPart, limit);
  }

  allParts(uploadId: string): PartRow[] {
    return this.s.allParts.all(uploadId);
  }
}
