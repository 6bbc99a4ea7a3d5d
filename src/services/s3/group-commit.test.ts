import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers.js';

const principal = { account: '000000000000', arn: 'arn:aws:iam::000000000000:root', userId: '000000000000', kind: 'root', accessKeyId: 'test' } as const;
const caller = { principal, region: 'us-east-1' };
/** Larger than what SQLite keeps inline: the body goes to a file of its own. */
const LARGE = Buffer.alloc(100 * 1024, 1);

/**
 * With group commit (Store.batched) a request's transaction ends before the batch's COMMIT: blob
 * files its rows stop naming must outlive that moment, or a kill -9 then would leave committed rows
 * naming files already gone.
 */
describe('S3 blob files under group commit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await server.runtime.call('s3', 'CreateBucket', { Bucket: 'batched' }, caller);
  });
  afterAll(async () => server.stop());

  const blobFile = (key: string) => {
    const row = server.runtime.store.db.prepare("SELECT blob_id FROM s3_objects WHERE bucket = 'batched' AND key = ?").get(key) as { blob_id: string };
    return join(server.runtime.store.blobs.dir, row.blob_id.slice(0, 2), row.blob_id);
  };

  it('answers PutObjects whose bodies end in one turn once their shared commit is done', async () => {
    // Another connection sees committed rows only.
    const reader = new Database(join(server.dataDir, 'drydock.sqlite'), { readonly: true });
    const committedEtags = () => reader.prepare("SELECT key, etag FROM s3_objects WHERE bucket = 'batched' AND key LIKE 'shared-%' ORDER BY key").all();
    const puts = [0, 1, 2].map((i) => server.runtime.call('s3', 'PutObject', { Bucket: 'batched', Key: `shared-${i}`, Body: Buffer.from(`body ${i}`) }, caller));
    const answers = await Promise.all(puts);
    expect(committedEtags()).toEqual(answers.map((answer, i) => ({ key: `shared-${i}`, etag: answer.ETag })));
    expect(server.runtime.store.committed()).toBeUndefined();
    reader.close();
  });

  it('removes a deleted object’s file only once the batch that deleted its row has committed', async () => {
    await server.runtime.call('s3', 'PutObject', { Bucket: 'batched', Key: 'large', Body: LARGE }, caller);
    const file = blobFile('large');
    expect(existsSync(file)).toBe(true);
    const { store } = server.runtime;
    // The handler runs synchronously inside `batched`, as the pipeline runs a request.
    const deleted = store.batched(() => server.runtime.call('s3', 'DeleteObject', { Bucket: 'batched', Key: 'large' }, caller));
    const committed = store.committed();
    expect(committed).toBeDefined();
    expect(existsSync(file)).toBe(true);
    await deleted;
    await committed;
    expect(existsSync(file)).toBe(false);
  });

  it('removes the files of an aborted upload’s parts only once the batch has committed', async () => {
    const { UploadId } = await server.runtime.call('s3', 'CreateMultipartUpload', { Bucket: 'batched', Key: 'parts' }, caller);
    await server.runtime.call('s3', 'UploadPart', { Bucket: 'batched', Key: 'parts', UploadId, PartNumber: 1, Body: LARGE }, caller);
    const part = server.runtime.store.db.prepare('SELECT blob_id FROM s3_parts WHERE upload_id = ?').get(UploadId) as { blob_id: string };
    const file = join(server.runtime.store.blobs.dir, part.blob_id.slice(0, 2), part.blob_id);
    expect(existsSync(file)).toBe(true);
    const { store } = server.runtime;
    const aborted = store.batched(() => server.runtime.call('s3', 'AbortMultipartUpload', { Bucket: 'batched', Key: 'parts', UploadId }, caller));
    const committed = store.committed();
    expect(existsSync(file)).toBe(true);
    await aborted;
    await committed;
    expect(existsSync(file)).toBe(false);
  });
});
