/**
 * S3 object rows read in better-sqlite3's raw mode (arrays) and made into objects of one fixed
 * shape here: better-sqlite3's own row object costs V8 a property definition and a map transition
 * per column, a third of a GET's row read for an object's thirty columns.
 */
import type { ObjectRow } from './store.js';

/** An object row as better-sqlite3 answers it in raw mode: seq, then store.ts's OBJECT_COLUMNS in order. */
export type ObjectTuple = [
  seq: number,
  bucket: string,
  key: string,
  version_id: string,
  is_latest: number,
  delete_marker: number,
  blob_id: string | null,
  size: number,
  etag: string,
  last_modified: number,
  content_type: string | null,
  content_encoding: string | null,
  content_disposition: string | null,
  content_language: string | null,
  cache_control: string | null,
  expires: string | null,
  website_redirect: string | null,
  storage_class: string,
  metadata: string,
  tags: string,
  checksum_algorithm: string | null,
  checksum_type: string | null,
  checksum_value: string | null,
  parts_count: number | null,
  part_sizes: string | null,
  owner_account: string,
  sse_algorithm: string | null,
  sse_kms_key_id: string | null,
  sse_bucket_key: number,
  part_checksums: string | null,
];

/**
 * A version's values in OBJECT_COLUMNS order, for statements that bind them by position:
 * better-sqlite3 looks each named parameter up in the row object (thirty of them on every write).
 */
export function objectValues(row: Omit<ObjectRow, 'seq' | 'is_latest'>, isLatest: number): ObjectTuple extends [number, ...infer Values] ? Values : never {
  return [
    row.bucket,
    row.key,
    row.version_id,
    isLatest,
    row.delete_marker,
    row.blob_id,
    row.size,
    row.etag,
    row.last_modified,
    row.content_type,
    row.content_encoding,
    row.content_disposition,
    row.content_language,
    row.cache_control,
    row.expires,
    row.website_redirect,
    row.storage_class,
    row.metadata,
    row.tags,
    row.checksum_algorithm,
    row.checksum_type,
    row.checksum_value,
    row.parts_count,
    row.part_sizes,
    row.owner_account,
    row.sse_algorithm,
    row.sse_kms_key_id,
    row.sse_bucket_key,
    row.part_checksums,
  ];
}

/** What rewriting a version in place sets, in rewrittenValues' order: every column but its identity, index keys and blob. */
export const REWRITTEN_COLUMNS = [
  'delete_marker',
  'size',
  'etag',
  'last_modified',
  'content_type',
  'content_encoding',
  'content_disposition',
  'content_language',
  'cache_control',
  'expires',
  'website_redirect',
  'storage_class',
  'metadata',
  'tags',
  'checksum_algorithm',
  'checksum_type',
  'checksum_value',
  'parts_count',
  'part_sizes',
  'owner_account',
  'sse_algorithm',
  'sse_kms_key_id',
  'sse_bucket_key',
  'part_checksums',
] as const;

/** The values of REWRITTEN_COLUMNS, then the version's bucket, key and id (bound by position, as objectValues). */
export function rewrittenValues(row: Omit<ObjectRow, 'seq' | 'is_latest'>): unknown[] {
  return [
    row.delete_marker,
    row.size,
    row.etag,
    row.last_modified,
    row.content_type,
    row.content_encoding,
    row.content_disposition,
    row.content_language,
    row.cache_control,
    row.expires,
    row.website_redirect,
    row.storage_class,
    row.metadata,
    row.tags,
    row.checksum_algorithm,
    row.checksum_type,
    row.checksum_value,
    row.parts_count,
    row.part_sizes,
    row.owner_account,
    row.sse_algorithm,
    row.sse_kms_key_id,
    row.sse_bucket_key,
    row.part_checksums,
    row.bucket,
    row.key,
    row.version_id,
  ];
}

/** One literal of a fixed shape (see the file's header). */
export function objectRow(t: ObjectTuple): ObjectRow {
  return {
    seq: t[0],
    bucket: t[1],
    key: t[2],
    version_id: t[3],
    is_latest: t[4],
    delete_marker: t[5],
    blob_id: t[6],
    size: t[7],
    etag: t[8],
    last_modified: t[9],
    content_type: t[10],
    content_encoding: t[11],
    content_disposition: t[12],
    content_language: t[13],
    cache_control: t[14],
    expires: t[15],
    website_redirect: t[16],
    storage_class: t[17],
    metadata: t[18],
    tags: t[19],
    checksum_algorithm: t[20],
    checksum_type: t[21],
    checksum_value: t[22],
    parts_count: t[23],
    part_sizes: t[24],
    owner_account: t[25],
    sse_algorithm: t[26],
    sse_kms_key_id: t[27],
    sse_bucket_key: t[28],
    part_checksums: t[29],
  };
}

/** The columns of an object that a listing page shows. */
export type ListingRow = Pick<ObjectRow, 'key' | 'etag' | 'size' | 'last_modified' | 'storage_class' | 'checksum_algorithm' | 'checksum_type'> & {
  /** Read only for a page that shows owners. */
  owner_account?: string;
};
/** A listing row as better-sqlite3 answers it in raw mode: store.ts's LISTING_SQL columns in order. */
export type ListingTuple = [string, string, number, number, string, string | null, string | null, string?];
export function listingRow(t: ListingTuple): ListingRow {
  return { key: t[0], etag: t[1], size: t[2], last_modified: t[3], storage_class: t[4], checksum_algorithm: t[5], checksum_type: t[6], owner_account: t[7] };
}
