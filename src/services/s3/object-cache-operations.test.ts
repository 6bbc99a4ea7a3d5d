import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeleteObjectTaggingCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../../../test/helpers.js';

const server = useServer();

/**
 * Every operation that changes what GET answers for a key, each after a GET and a HEAD that read
 * the key (and so left its row and bytes in S3Store's cache of latest versions).
 */
describe('GET after every write that changes an object', () => {
  const s3 = () => new S3Client(server.clientConfig);
  const get = async (Bucket: string, Key: string) => {
    const out = await s3().send(new GetObjectCommand({ Bucket, Key }));
    return { body: await out.Body!.transformToString(), etag: out.ETag, tagCount: out.TagCount, versionId: out.VersionId, contentType: out.ContentType };
  };
  /** GET and HEAD once, so that both read through the cache afterwards. */
  const read = async (Bucket: string, Key: string) => {
    await s3().send(new HeadObjectCommand({ Bucket, Key }));
    return get(Bucket, Key);
  };
  const put = (Bucket: string, Key: string, Body: string) => s3().send(new PutObjectCommand({ Bucket, Key, Body }));

  it('answers overwrites, copies onto the key and completed multipart uploads', async () => {
    await s3().send(new CreateBucketCommand({ Bucket: 'cached' }));
    await put('cached', 'k', 'one');
    expect(await read('cached', 'k')).toMatchObject({ body: 'one' });
    await put('cached', 'k', 'two');
    expect(await read('cached', 'k')).toMatchObject({ body: 'two' });

    await put('cached', 'source', 'copied');
    await s3().send(new CopyObjectCommand({ Bucket: 'cached', Key: 'k', CopySource: 'cached/source', ContentType: 'text/plain', MetadataDirective: 'REPLACE' }));
    expect(await read('cached', 'k')).toMatchObject({ body: 'copied', contentType: 'text/plain' });

    const { UploadId } = await s3().send(new CreateMultipartUploadCommand({ Bucket: 'cached', Key: 'k' }));
    const part = await s3().send(new UploadPartCommand({ Bucket: 'cached', Key: 'k', UploadId, PartNumber: 1, Body: 'multipart' }));
    await s3().send(new CompleteMultipartUploadCommand({ Bucket: 'cached', Key: 'k', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    expect(await read('cached', 'k')).toMatchObject({ body: 'multipart', etag: expect.stringMatching(/-1"$/) });
  });

  it('answers tagging and its removal', async () => {
    await put('cached', 'tagged', 'body');
    expect(await read('cached', 'tagged')).toMatchObject({ tagCount: undefined });
    await s3().send(new PutObjectTaggingCommand({ Bucket: 'cached', Key: 'tagged', Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] } }));
    expect(await read('cached', 'tagged')).toMatchObject({ tagCount: 1 });
    await s3().send(new DeleteObjectTaggingCommand({ Bucket: 'cached', Key: 'tagged' }));
    expect(await read('cached', 'tagged')).toMatchObject({ tagCount: undefined });
  });

  it('answers deletes, one key or several, and the key put again', async () => {
    await put('cached', 'gone', 'body');
    await read('cached', 'gone');
    await s3().send(new DeleteObjectCommand({ Bucket: 'cached', Key: 'gone' }));
    await expectAwsError(get('cached', 'gone'), { code: 'NoSuchKey', status: 404 });
    await put('cached', 'gone', 'back');
    expect(await read('cached', 'gone')).toMatchObject({ body: 'back' });
    await s3().send(new DeleteObjectsCommand({ Bucket: 'cached', Delete: { Objects: [{ Key: 'gone' }] } }));
    await expectAwsError(get('cached', 'gone'), { code: 'NoSuchKey', status: 404 });
  });

  it('answers versions and delete markers once versioning is on', async () => {
    await s3().send(new CreateBucketCommand({ Bucket: 'cached-versions' }));
    await put('cached-versions', 'k', 'unversioned');
    expect(await read('cached-versions', 'k')).toMatchObject({ versionId: undefined });
    await s3().send(new PutBucketVersioningCommand({ Bucket: 'cached-versions', VersioningConfiguration: { Status: 'Enabled' } }));
    // The version's row is unchanged; the bucket's versioning makes its 'null' id show.
    expect(await read('cached-versions', 'k')).toMatchObject({ body: 'unversioned', versionId: 'null' });
    const v2 = await put('cached-versions', 'k', 'second');
    expect(await read('cached-versions', 'k')).toMatchObject({ body: 'second', versionId: v2.VersionId });
    const marker = await s3().send(new DeleteObjectCommand({ Bucket: 'cached-versions', Key: 'k' }));
    await expectAwsError(get('cached-versions', 'k'), { code: 'NoSuchKey', status: 404 });
    await s3().send(new DeleteObjectCommand({ Bucket: 'cached-versions', Key: 'k', VersionId: marker.VersionId }));
    expect(await read('cached-versions', 'k')).toMatchObject({ body: 'second', versionId: v2.VersionId });
    await s3().send(new DeleteObjectCommand({ Bucket: 'cached-versions', Key: 'k', VersionId: v2.VersionId }));
    expect(await read('cached-versions', 'k')).toMatchObject({ body: 'unversioned', versionId: 'null' });
  });

  it('answers a bucket deleted and made again, and a reset', async () => {
    await s3().send(new CreateBucketCommand({ Bucket: 'cached-again' }));
    await put('cached-again', 'k', 'first bucket');
    await read('cached-again', 'k');
    await s3().send(new DeleteObjectCommand({ Bucket: 'cached-again', Key: 'k' }));
    await s3().send(new DeleteBucketCommand({ Bucket: 'cached-again' }));
    await expectAwsError(get('cached-again', 'k'), { code: 'NoSuchBucket', status: 404 });
    await s3().send(new CreateBucketCommand({ Bucket: 'cached-again' }));
    await expectAwsError(get('cached-again', 'k'), { code: 'NoSuchKey', status: 404 });

    await put('cached-again', 'k', 'before reset');
    await read('cached-again', 'k');
    expect((await fetch(`${server.url}/_drydock/reset`, { method: 'POST' })).status).toBe(200);
    await expectAwsError(get('cached-again', 'k'), { code: 'NoSuchBucket', status: 404 });
  });
});
