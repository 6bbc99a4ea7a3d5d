/**
 * GetObjectAttributes: what HeadObject and ListParts would tell of one version, chosen by the
 * x-amz-object-attributes header (ETag, Checksum, ObjectParts, StorageClass, ObjectSize).
 */
import type { GetObjectAttributesOutput, GetObjectAttributesParts, GetObjectAttributesRequest, ObjectPart } from '@aws-sdk/client-s3';
import { withResponse } from '../../protocol/codecs/rest-xml.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { NULL_VERSION, type S3Core, unquoteEtag } from './core.js';
import * as e from './errors.js';
import { checksumMember } from './objects.js';
import type { ObjectRow } from './store.js';

const ATTRIBUTES = new Set(['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize']);
const MAX_PARTS = 1000;

/**
 * The attributes a request asks for. S3 answers those it knows and ignores the others, and refuses
 * a header that names none (missing or empty: InvalidRequest; only unknown names: InvalidArgument).
 */
function requestedAttributes(names: string[] | undefined): Set<string> {
  const given = (names ?? []).map((name) => name.trim()).filter(Boolean);
  if (!given.length) throw e.invalidRequest('The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty');
  const known = new Set(given.filter((name) => ATTRIBUTES.has(name)));
  if (!known.size) throw e.invalidArgument('Invalid attribute name specified.', 'x-amz-object-attributes', given[0]);
  return known;
}

/**
 * A multipart object's parts: their count always; the parts themselves (a page of them, as
 * ListParts pages) only when the object has a COMPOSITE checksum, which is made of theirs.
 */
function objectParts(row: ObjectRow, input: GetObjectAttributesRequest): GetObjectAttributesParts {
  const sizes = JSON.parse(row.part_sizes ?? '[]') as number[];
  if (row.checksum_type !== 'COMPOSITE') return { TotalPartsCount: sizes.length };
  const checksums = JSON.parse(row.part_checksums ?? '[]') as (string | null)[];
  // S3 ignores a marker or page size it cannot use.
  const marker = Number.isInteger(Number(input.PartNumberMarker)) && Number(input.PartNumberMarker) > 0 ? Number(input.PartNumberMarker) : 0;
  const max = input.MaxParts !== undefined && input.MaxParts > 0 ? Math.min(input.MaxParts, MAX_PARTS) : MAX_PARTS;
  const all = sizes.map((size, i): ObjectPart => ({ PartNumber: i + 1, Size: size, ...checksumMember(row.checksum_algorithm, checksums[i]) }));
  const page = all.filter((part) => part.PartNumber! > marker).slice(0, max);
  const last = page.at(-1)?.PartNumber;
  return {
    TotalPartsCount: sizes.length,
    PartNumberMarker: String(marker),
    NextPartNumberMarker: String(last ?? 0),
    MaxParts: max,
    IsTruncated: last !== undefined && last < sizes.length,
    Parts: page,
  };
}

export function objectAttributesHandlers(core: S3Core): Handlers {
  return {
    GetObjectAttributes(input: GetObjectAttributesRequest, ctx: RequestContext): GetObjectAttributesOutput {
      const wanted = requestedAttributes(input.ObjectAttributes);
      const bucket = core.bucket(input.Bucket!, ctx.account);
      const row = core.readable(bucket.name, input.Key!, ctx.account, 'GET', input.VersionId);
      const checksum = row.checksum_algorithm && row.checksum_value ? row.checksum_value.replace(/-\d+$/, '') : undefined;
      return withResponse(
        {
          LastModified: new Date(row.last_modified),
          VersionId: row.version_id !== NULL_VERSION || bucket.versioning ? row.version_id : undefined,
          // Unlike HeadObject's header, the document's ETag is not quoted.
          ETag: wanted.has('ETag') ? unquoteEtag(row.etag) : undefined,
          Checksum:
            wanted.has('Checksum') && checksum ? { ...checksumMember(row.checksum_algorithm, checksum), ChecksumType: (row.checksum_type ?? 'FULL_OBJECT') as 'FULL_OBJECT' | 'COMPOSITE' } : undefined,
          ObjectParts: wanted.has('ObjectParts') && row.parts_count ? objectParts(row, input) : undefined,
          StorageClass: wanted.has('StorageClass') ? (row.storage_class as GetObjectAttributesOutput['StorageClass']) : undefined,
          ObjectSize: wanted.has('ObjectSize') ? row.size : undefined,
        },
        { xmlRoot: 'GetObjectAttributesResponse' },
      );
    },
  };
}
