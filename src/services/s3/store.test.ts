import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../../test/temp-dirs.js';
import { Store } from '../../core/store.js';
import { type ObjectRow, S3Store } from './store.js';

const tempDir = tempDirs('drydock-s3-store-');

/** A version whose every column holds a value of its own, so that two columns bound in each other's place show. */
function distinctVersion(tag: string, versionId: string): Omit<ObjectRow, 'seq' | 'is_latest'> {
  return {
    bucket: 'b',
    key: 'k',
    version_id: versionId,
    delete_marker: 0,
    blob_id: `blob-${tag}`,
    size: 11,
    etag: `"etag-${tag}"`,
    last_modified: 12_000,
    content_type: `type-${tag}`,
    content_encoding: `encoding-${tag}`,
    content_disposition: `disposition-${tag}`,
    content_language: `language-${tag}`,
    cache_control: `cache-${tag}`,
    expires: `expires-${tag}`,
    website_redirect: `/redirect-${tag}`,
    storage_class: `class-${tag}`,
    metadata: `{"m":"${tag}"}`,
    tags: `[{"Key":"t","Value":"${tag}"}]`,
    checksum_algorithm: `algorithm-${tag}`,
    checksum_type: `checksum-type-${tag}`,
    checksum_value: `checksum-${tag}`,
    parts_count: 13,
    part_sizes: '[14]',
    part_checksums: `["part-${tag}"]`,
    owner_account: `owner-${tag}`,
    sse_algorithm: `sse-${tag}`,
    sse_kms_key_id: `kms-${tag}`,
    sse_bucket_key: 1,
  };
}

describe('S3Store versions', () => {
  it('writes every column where it belongs: inserted, put over another and rewritten in place (keeping its blob until told otherwise)', () => {
    const store = new Store(tempDir());
    const s3 = new S3Store(store);
    const inserted = distinctVersion('one', 'null');
    s3.tx(() => s3.insertVersion(inserted));
    expect(s3.latest('b', 'k')).toEqual({ ...inserted, seq: expect.any(Number), is_latest: 1 });

    const put = distinctVersion('two', 'v2');
    expect(s3.tx(() => s3.putVersion(put))).toBeUndefined();
    expect(s3.latest('b', 'k')).toEqual({ ...put, seq: expect.any(Number), is_latest: 1 });
    expect(s3.version('b', 'k', 'null')).toMatchObject({ is_latest: 0, etag: '"etag-one"' });

    const rewritten = distinctVersion('three', 'null');
    expect(s3.tx(() => s3.rewriteVersion(rewritten))).toEqual({ blob_id: 'blob-one' });
    expect(s3.version('b', 'k', 'null')).toEqual({ ...rewritten, blob_id: 'blob-one', seq: expect.any(Number), is_latest: 0 });
    s3.tx(() => s3.setVersionBlob('b', 'k', 'null', 'blob-three'));
    expect(s3.version('b', 'k', 'null')).toMatchObject({ blob_id: 'blob-three' });
    expect(s3.tx(() => s3.rewriteVersion(distinctVersion('four', 'no-such-version')))).toBeUndefined();
    store.close();
  });
});
