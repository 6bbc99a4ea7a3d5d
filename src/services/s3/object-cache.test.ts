import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../../test/temp-dirs.js';
import { Store } from '../../core/store.js';
import { type ObjectRow, S3Store } from './store.js';

const tempDir = tempDirs('drydock-s3-store-');
const ACCOUNT = '000000000000';

type NewVersion = Omit<ObjectRow, 'seq' | 'is_latest'>;

function version(key: string, versionId: string, blobId: string, etag: string): NewVersion {
  return {
    bucket: 'b',
    key,
    version_id: versionId,
    delete_marker: 0,
    blob_id: blobId,
    size: 3,
    etag,
    last_modified: 1_000,
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
    owner_account: ACCOUNT,
    sse_algorithm: null,
    sse_kms_key_id: null,
    sse_bucket_key: 0,
  };
}

/** A bucket `b` with an object `k` (version 'null', inline bytes 'one') whose row and bytes a GET already read (so cached). */
function storeWithReadObject() {
  const store = new Store(tempDir());
  const s3 = new S3Store(store);
  s3.tx(() => {
    s3.insertBucket({ name: 'b', account: ACCOUNT, region: 'us-east-1', created_at: 0 });
    store.blobs.insertInline('blob1', Buffer.from('one'));
    s3.insertVersion(version('k', 'null', 'blob1', '"1"'));
  });
  const read = () => {
    const row = s3.latest('b', 'k');
    return row && { etag: row.etag, tags: row.tags, bytes: s3.inlineBytes(row)?.toString() };
  };
  expect(read()).toEqual({ etag: '"1"', tags: '[]', bytes: 'one' });
  expect(s3.latest('b', 'k')).toBe(s3.latest('b', 'k'));
  return { store, s3, read };
}

describe('S3Store.latest and inlineBytes (cached)', () => {
  it('answers a version rewritten in place with its bytes rewritten (an overwrite in a bucket that never had versioning)', () => {
    const { store, s3, read } = storeWithReadObject();
    s3.tx(() => {
      store.blobs.rewriteInline('blob1', Buffer.from('two'));
      s3.rewriteVersion(version('k', 'null', 'blob1', '"2"'));
    });
    expect(read()).toEqual({ etag: '"2"', tags: '[]', bytes: 'two' });
    store.close();
  });

  it('answers a new latest version put over it and an inserted one', () => {
    const { store, s3, read } = storeWithReadObject();
    s3.tx(() => {
      store.blobs.insertInline('blob2', Buffer.from('two'));
      s3.putVersion(version('k', 'v2', 'blob2', '"2"'));
    });
    expect(read()).toEqual({ etag: '"2"', tags: '[]', bytes: 'two' });
    s3.tx(() => s3.deleteVersion(s3.latest('b', 'k')!));
    expect(read()).toEqual({ etag: '"1"', tags: '[]', bytes: 'one' });
    s3.tx(() => s3.deleteVersion(s3.latest('b', 'k')!));
    expect(read()).toBeUndefined();
    s3.tx(() => {
      store.blobs.insertInline('blob3', Buffer.from('three'));
      s3.insertVersion(version('k', 'null', 'blob3', '"3"'));
    });
    expect(read()).toEqual({ etag: '"3"', tags: '[]', bytes: 'three' });
    store.close();
  });

  it('answers tags and ACLs set on the version', () => {
    const { store, s3, read } = storeWithReadObject();
    s3.tx(() => s3.setObjectTags(s3.latest('b', 'k')!, '[{"Key":"a","Value":"b"}]'));
    expect(read()).toMatchObject({ tags: '[{"Key":"a","Value":"b"}]' });
    const before = s3.latest('b', 'k');
    s3.tx(() => s3.setObjectAcl(s3.latest('b', 'k')!, '{"Grants":[]}'));
    expect(s3.latest('b', 'k')).not.toBe(before);
    expect(s3.objectAcl(s3.latest('b', 'k')!)).toBe('{"Grants":[]}');
    store.close();
  });

  it('forgets everything when a bucket is deleted, the store wiped or the service reset', () => {
    const { store, s3, read } = storeWithReadObject();
    s3.tx(() => {
      store.db.prepare("DELETE FROM s3_objects WHERE bucket = 'b'").run();
      s3.deleteBucket('b');
    });
    expect(read()).toBeUndefined();

    const other = storeWithReadObject();
    other.store.wipe();
    expect(other.read()).toBeUndefined();

    const third = storeWithReadObject();
    third.store.db.prepare('UPDATE s3_objects SET etag = \'"4"\'').run();
    third.s3.forgetBuckets();
    expect(third.read()).toMatchObject({ etag: '"4"' });
    store.close();
    other.store.close();
    third.store.close();
  });

  it('keeps nothing a transaction read, and nothing of one rolled back', () => {
    const { store, s3, read } = storeWithReadObject();
    expect(() =>
      s3.tx(() => {
        store.blobs.rewriteInline('blob1', Buffer.from('two'));
        s3.rewriteVersion(version('k', 'null', 'blob1', '"2"'));
        expect(read()).toEqual({ etag: '"2"', tags: '[]', bytes: 'two' });
        throw new Error('roll back');
      }),
    ).toThrow('roll back');
    expect(read()).toEqual({ etag: '"1"', tags: '[]', bytes: 'one' });
    // Read inside a transaction, then changed behind the store's back: a kept row would still answer '"1"'.
    s3.tx(() => s3.setObjectTags(s3.latest('b', 'k')!, '[]'));
    s3.tx(() => read());
    store.db.prepare('UPDATE s3_objects SET etag = \'"5"\'').run();
    expect(read()).toMatchObject({ etag: '"5"' });
    store.close();
  });

  it('shares frozen rows that no caller can change', () => {
    const { store, s3 } = storeWithReadObject();
    const row = s3.latest('b', 'k') as ObjectRow;
    expect(() => {
      row.etag = 'changed';
    }).toThrow(TypeError);
    store.close();
  });
});
