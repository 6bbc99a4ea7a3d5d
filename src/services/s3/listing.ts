/** ListObjects, ListObjectsV2 and ListObjectVersions: prefixes, delimiters, markers and url encoding. */
import type {
  _Object,
  DeleteMarkerEntry,
  ListObjectsOutput,
  ListObjectsRequest,
  ListObjectsV2Output,
  ListObjectsV2Request,
  ListObjectVersionsOutput,
  ListObjectVersionsRequest,
  ObjectVersion,
  ChecksumAlgorithm as SdkChecksumAlgorithm,
} from '@aws-sdk/client-s3';
import { pageToken, readPageToken } from '../../core/pagination.js';
import { withResponse } from '../../protocol/codecs/rest-xml.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { owner, type S3Core } from './core.js';
import * as e from './errors.js';
import type { ListingRow } from './raw-rows.js';

/** encoding-type=url as S3 applies it: percent-encoding with `/` kept and spaces as `+`. */
function urlEncode(text: string): string {
  return encodeURIComponent(text).replace(/%2F/g, '/').replace(/%20/g, '+');
}

function maxKeysOf(value: number | undefined): number {
  if (value === undefined) return 1000;
  if (value < 0) throw e.invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', String(value));
  return Math.min(value, 1000);
}

function checkEncodingType(value: string | undefined): void {
  if (value !== undefined && value !== 'url') throw e.invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', value);
}

/**
 * Groups keys under `delimiter` into common prefixes and stops after `max` entries. `skipPrefix`
 * is a common prefix already returned (a marker that names one), whose keys are not revisited.
 */
function* grouped<T extends { key: string }>(rows: Iterable<T>, prefix: string, delimiter: string | undefined, skipPrefix?: string): Generator<{ row: T } | { commonPrefix: string; last: T }> {
  let current = skipPrefix;
  for (const row of rows) {
    if (delimiter) {
      const at = row.key.indexOf(delimiter, prefix.length);
      if (at >= 0) {
        const common = row.key.slice(0, at + delimiter.length);
        if (common === current) continue;
        current = common;
        yield { commonPrefix: common, last: row };
        continue;
      }
    }
    yield { row };
  }
}

/** A marker that names a common prefix (NextMarker of a delimited page) skips every key under it. */
function markerPrefix(marker: string, prefix: string, delimiter: string | undefined): string | undefined {
  if (!delimiter || !marker.startsWith(prefix) || !marker.endsWith(delimiter)) return undefined;
  return marker.indexOf(delimiter, prefix.length) === marker.length - delimiter.length ? marker : undefined;
}

/** Rows read at a time by a delimited listing, whose keys may fold into few common prefixes. */
const FOLDING_BATCH = 1000;

interface Page {
  contents: ListingRow[];
  prefixes: string[];
  truncated: boolean;
  /** The last key or common prefix returned. */
  last?: string;
}

/**
 * The listing's rows after `after`, read in batches of `batch`: a page without a delimiter needs one
 * (its entries and one more to know it is truncated), one with a delimiter more while keys fold into
 * common prefixes.
 */
function* listedRows(core: S3Core, bucket: string, after: string, prefix: string, batch: number, owners: boolean): Generator<ListingRow> {
  for (;;) {
    const rows = core.store.listEntries(bucket, after, prefix, batch, owners);
    yield* rows;
    if (rows.length < batch) return;
    after = rows[rows.length - 1].key;
  }
}

function listPage(core: S3Core, bucket: string, prefix: string, delimiter: string | undefined, after: string, max: number, owners: boolean): Page {
  const page: Page = { contents: [], prefixes: [], truncated: false };
  if (delimiter === '') delimiter = undefined;
  const rows = listedRows(core, bucket, after, prefix, delimiter ? Math.max(max + 1, FOLDING_BATCH) : max + 1, owners);
  for (const item of grouped(rows, prefix, delimiter, markerPrefix(after, prefix, delimiter))) {
    if (page.contents.length + page.prefixes.length >= max) {
      page.truncated = true;
      break;
    }
    if ('row' in item) {
      page.contents.push(item.row);
      page.last = item.row.key;
    } else {
      page.prefixes.push(item.commonPrefix);
      page.last = item.commonPrefix;
    }
  }
  return page;
}

function objectEntry(row: ListingRow, encode: (s: string) => string, fetchOwner: boolean): _Object {
  return {
    Key: encode(row.key),
    LastModified: new Date(row.last_modified),
    ETag: row.etag,
    ChecksumAlgorithm: row.checksum_algorithm ? [row.checksum_algorithm as SdkChecksumAlgorithm] : undefined,
    ChecksumType: (row.checksum_type ?? undefined) as _Object['ChecksumType'],
    Size: row.size,
    StorageClass: row.storage_class as _Object['StorageClass'],
    Owner: fetchOwner ? owner(row.owner_account!) : undefined,
  };
}

interface ListingInput {
  Bucket?: string;
  EncodingType?: string;
  Prefix?: string;
  MaxKeys?: number;
  Delimiter?: string;
}

/** What every listing shares: the bucket check, key encoding, prefix, page size and the members every answer carries. */
function listing(core: S3Core, input: ListingInput, ctx: RequestContext) {
  core.bucket(input.Bucket!, ctx.account);
  checkEncodingType(input.EncodingType);
  const encode = input.EncodingType === 'url' ? urlEncode : (s: string) => s;
  const prefix = input.Prefix ?? '';
  const max = maxKeysOf(input.MaxKeys);
  const shared = (prefixes: string[]) => ({
    Name: input.Bucket,
    Prefix: encode(prefix),
    Delimiter: input.Delimiter ? encode(input.Delimiter) : undefined,
    MaxKeys: max,
    CommonPrefixes: prefixes.map((p) => ({ Prefix: encode(p) })),
    EncodingType: input.EncodingType as 'url' | undefined,
  });
  return { encode, prefix, max, shared };
}

/** The opaque ContinuationToken of ListObjectsV2 and ListBuckets: the key (or bucket name) to continue after. */
export function continuationToken(last: string): string {
  return pageToken(last);
}

/** The key (or bucket name) a ContinuationToken continues after; InvalidArgument for any other text. */
export function continuationKey(token: string): string {
  return readPageToken(
    token,
    (value): value is string => typeof value === 'string',
    () => e.invalidArgument('The continuation token provided is incorrect', 'continuation-token', token),
  );
}

export function listingHandlers(core: S3Core): Handlers {
  return {
    ListObjects(input: ListObjectsRequest, ctx: RequestContext): ListObjectsOutput {
      const { encode, prefix, max, shared } = listing(core, input, ctx);
      const page = listPage(core, input.Bucket!, prefix, input.Delimiter, input.Marker ?? '', max, true);
      return withResponse(
        {
          IsTruncated: page.truncated,
          Marker: input.Marker !== undefined ? encode(input.Marker) : '',
          NextMarker: page.truncated && input.Delimiter && page.last ? encode(page.last) : undefined,
          Contents: page.contents.map((r) => objectEntry(r, encode, true)),
          ...shared(page.prefixes),
        },
        { xmlRoot: 'ListBucketResult' },
      );
    },

    ListObjectsV2(input: ListObjectsV2Request, ctx: RequestContext): ListObjectsV2Output {
      const { encode, prefix, max, shared } = listing(core, input, ctx);
      let after = input.StartAfter ?? '';
      if (input.ContinuationToken !== undefined) after = continuationKey(input.ContinuationToken);
      const page = listPage(core, input.Bucket!, prefix, input.Delimiter, after, max, input.FetchOwner === true);
      return withResponse(
        {
          IsTruncated: page.truncated,
          Contents: page.contents.map((r) => objectEntry(r, encode, input.FetchOwner === true)),
          ...shared(page.prefixes),
          KeyCount: page.contents.length + page.prefixes.length,
          ContinuationToken: input.ContinuationToken,
          NextContinuationToken: page.truncated && page.last !== undefined ? continuationToken(page.last) : undefined,
          StartAfter: input.StartAfter !== undefined ? encode(input.StartAfter) : undefined,
        },
        { xmlRoot: 'ListBucketResult' },
      );
    },

    ListObjectVersions(input: ListObjectVersionsRequest, ctx: RequestContext): ListObjectVersionsOutput {
      const { encode, prefix, max, shared } = listing(core, input, ctx);
      const keyMarker = input.KeyMarker ?? '';
      const versionMarker = input.VersionIdMarker;
      if (versionMarker !== undefined && !keyMarker) {
        throw e.invalidArgument('A version-id marker cannot be specified without a key marker.', 'version-id-marker', versionMarker);
      }
      const versions: ObjectVersion[] = [];
      const markers: DeleteMarkerEntry[] = [];
      const prefixes: string[] = [];
      let truncated = false;
      let last: { key: string; versionId?: string } | undefined;
      // Rows from the key marker on; within the marker's key, skip up to and including the version marker.
      let passedVersionMarker = false;
      const rows = core.store.listVersions(input.Bucket!, keyMarker, prefix);
      const filtered = (function* () {
        for (const row of rows) {
          if (keyMarker && row.key === keyMarker) {
            // Without a version marker the marker's key is done; with one, its older versions follow.
            if (versionMarker === undefined) continue;
            if (!passedVersionMarker) {
              if (row.version_id === versionMarker) passedVersionMarker = true;
              continue;
            }
          }
          yield row;
        }
      })();
      try {
        for (const item of grouped(filtered, prefix, input.Delimiter || undefined, markerPrefix(keyMarker, prefix, input.Delimiter || undefined))) {
          if (versions.length + markers.length + prefixes.length >= max) {
            truncated = true;
            break;
          }
          if ('commonPrefix' in item) {
            prefixes.push(item.commonPrefix);
            last = { key: item.commonPrefix };
            continue;
          }
          const row = item.row;
          last = { key: row.key, versionId: row.version_id };
          const common = { Key: encode(row.key), VersionId: row.version_id, IsLatest: row.is_latest === 1, LastModified: new Date(row.last_modified), Owner: owner(row.owner_account) };
          if (row.delete_marker) markers.push(common);
          else {
            versions.push({
              ...common,
              ETag: row.etag,
              Size: row.size,
              StorageClass: 'STANDARD',
              ChecksumAlgorithm: row.checksum_algorithm ? [row.checksum_algorithm as SdkChecksumAlgorithm] : undefined,
              ChecksumType: (row.checksum_type ?? undefined) as ObjectVersion['ChecksumType'],
            });
          }
        }
      } finally {
        rows.return?.();
      }
      return withResponse(
        {
          IsTruncated: truncated,
          KeyMarker: encode(keyMarker),
          VersionIdMarker: versionMarker,
          NextKeyMarker: truncated && last ? encode(last.key) : undefined,
          NextVersionIdMarker: truncated && last?.versionId ? last.versionId : undefined,
          Versions: versions,
          DeleteMarkers: markers,
          ...shared(prefixes),
        },
        { xmlRoot: 'ListVersionsResult' },
      );
    },
  };
}
