/** Conditional requests (If-Match and the rest, on reads, copies and writes), byte ranges and copy sources. */
import { AwsError } from '../../core/errors.js';
import { type S3Core, unquoteEtag } from './core.js';
import * as e from './errors.js';
import type { ObjectRow } from './store.js';

function etagList(header: string): string[] {
  return header
    .split(',')
    .map((s) => unquoteEtag(s))
    .filter(Boolean);
}

/** RFC 7232 evaluation as S3 does it: 412 PreconditionFailed or 'not-modified' (304). */
export function evaluateConditions(
  row: { etag: string; last_modified: number },
  c: { IfMatch?: string; IfNoneMatch?: string; IfModifiedSince?: Date; IfUnmodifiedSince?: Date },
  names = { ifMatch: 'If-Match', ifUnmodifiedSince: 'If-Unmodified-Since' },
): 'not-modified' | undefined {
  const etag = unquoteEtag(row.etag);
  if (c.IfMatch !== undefined) {
    const list = etagList(c.IfMatch);
    if (!list.includes('*') && !list.includes(etag)) throw e.preconditionFailed(names.ifMatch);
  } else if (c.IfUnmodifiedSince && row.last_modified > c.IfUnmodifiedSince.getTime()) {
    throw e.preconditionFailed(names.ifUnmodifiedSince);
  }
  if (c.IfNoneMatch !== undefined) {
    const list = etagList(c.IfNoneMatch);
    if (list.includes('*') || list.includes(etag)) return 'not-modified';
  } else if (c.IfModifiedSince && row.last_modified <= c.IfModifiedSince.getTime()) {
    return 'not-modified';
  }
  return undefined;
}

/** A single `bytes=` range resolved against `size`; undefined when the header is absent or not a usable range. */
export function resolveRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) throw e.invalidRange(header, size);
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Number(m[2]);
  if (end < start) return undefined;
  if (start >= size) throw e.invalidRange(header, size);
  return { start, end: Math.min(end, size - 1) };
}

/** The byte range of part `partNumber` of a version (multipart objects keep their part sizes). */
export function partRange(row: ObjectRow, partNumber: number): { start: number; end: number } | undefined {
  const sizes = row.part_sizes ? (JSON.parse(row.part_sizes) as number[]) : [row.size];
  if (partNumber < 1 || partNumber > sizes.length) {
    throw new AwsError('InvalidPartNumber', 'The requested partnumber is not satisfiable', { status: 416, fields: { PartNumberRequested: partNumber, ActualPartCount: sizes.length } });
  }
  if (!row.part_sizes) return undefined;
  const start = sizes.slice(0, partNumber - 1).reduce((a, b) => a + b, 0);
  return { start, end: start + sizes[partNumber - 1] - 1 };
}

/** Parses `x-amz-copy-source`: `bucket/key` (URL-encoded, optional leading slash) and an optional `?versionId=`. */
export function parseCopySource(header: string): { bucket: string; key: string; versionId?: string } {
  const q = header.indexOf('?');
  const path = q < 0 ? header : header.slice(0, q);
  const versionId = q < 0 ? undefined : (new URLSearchParams(header.slice(q + 1)).get('versionId') ?? undefined);
  let decoded: string;
  try {
    decoded = decodeURIComponent(path).replace(/^\//, '');
  } catch {
    decoded = '';
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    throw e.invalidArgument('Invalid copy source object key', 'x-amz-copy-source', header);
  }
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1), versionId };
}

export function copySourceConditions(
  row: ObjectRow,
  input: { CopySourceIfMatch?: string; CopySourceIfNoneMatch?: string; CopySourceIfModifiedSince?: Date; CopySourceIfUnmodifiedSince?: Date },
): void {
  const outcome = evaluateConditions(
    row,
    {
      IfMatch: input.CopySourceIfMatch,
      IfNoneMatch: input.CopySourceIfNoneMatch,
      IfModifiedSince: input.CopySourceIfModifiedSince,
      IfUnmodifiedSince: input.CopySourceIfUnmodifiedSince,
    },
    { ifMatch: 'x-amz-copy-source-If-Match', ifUnmodifiedSince: 'x-amz-copy-source-If-Unmodified-Since' },
  );
  if (outcome === 'not-modified') {
    throw e.preconditionFailed(input.CopySourceIfNoneMatch !== undefined ? 'x-amz-copy-source-If-None-Match' : 'x-amz-copy-source-If-Modified-Since');
  }
}

/** PutObject's own conditional write: If-None-Match: * and If-Match against the current version. */
export function checkWriteConditions(store: S3Core['store'], bucket: string, key: string, input: { IfMatch?: string; IfNoneMatch?: string }): void {
  if (input.IfMatch === undefined && input.IfNoneMatch === undefined) return;
  const current = store.latest(bucket, key);
  const live = current && !current.delete_marker ? current : undefined;
  if (input.IfNoneMatch !== undefined) {
    if (input.IfNoneMatch.trim() !== '*')
      throw new AwsError('NotImplemented', 'A header you provided implies functionality that is not implemented', { status: 501, fields: { Header: 'If-None-Match' } });
    if (live) throw e.preconditionFailed('If-None-Match');
  }
  if (input.IfMatch !== undefined) {
    if (!live) throw e.noSuchKey(key);
    if (!etagList(input.IfMatch).includes(unquoteEtag(live.etag))) throw e.preconditionFailed('If-Match');
  }
}
