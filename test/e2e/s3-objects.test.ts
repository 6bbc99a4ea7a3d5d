import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeleteObjectTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';

const md5 = (data: string | Buffer) => createHash('md5').update(data).digest('hex');

describe('S3 objects', () => {
  const server = useServer();
  let s3: S3Client;
  beforeAll(async () => {
    s3 = new S3Client(server.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'objects' }));
  });

  /** Blob files present on disk (temp files excluded). */
  const blobCount = () => readdirSync(join(server.dataDir, 'blobs'), { recursive: true, withFileTypes: true }).filter((d) => d.isFile() && !d.parentPath.includes('.tmp')).length;

  it('round-trips content, headers and metadata with AWS ETags', async () => {
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'objects',
        Key: 'dir/hello world.txt',
        Body: 'hello',
        ContentType: 'text/plain',
        ContentDisposition: 'attachment',
        ContentEncoding: 'identity',
        CacheControl: 'max-age=60',
        ContentLanguage: 'en',
        Metadata: { colour: 'blue', 'mixed-Case': 'x' },
      }),
    );
    expect(put.ETag).toBe(`"${md5('hello')}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'dir/hello world.txt' }));
    expect(await got.Body!.transformToString()).toBe('hello');
    expect(got).toMatchObject({
      ETag: put.ETag,
      ContentType: 'text/plain',
      ContentDisposition: 'attachment',
      ContentEncoding: 'identity',
      CacheControl: 'max-age=60',
      ContentLanguage: 'en',
      ContentLength: 5,
      Metadata: { colour: 'blue', 'mixed-case': 'x' },
      AcceptRanges: 'bytes',
    });
    expect(got.LastModified).toBeInstanceOf(Date);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'dir/hello world.txt' }));
    expect(head).toMatchObject({ ContentLength: 5, ETag: put.ETag, ContentType: 'text/plain' });
  });

  it('round-trips keys with characters that need encoding', async () => {
    const keys = ['folder/', 'ü nicode/ε.txt', 'percent%20literal', 'plus+sign', 'q?x=1', 'hash#tag', 'semi;colon', "quote'd", 'a//double', '(paren) [bracket] {brace}', 'tilde~star*'];
    for (const Key of keys) {
      await s3.send(new PutObjectCommand({ Bucket: 'objects', Key, Body: Key }));
      expect(await (await s3.send(new GetObjectCommand({ Bucket: 'objects', Key }))).Body!.transformToString()).toBe(Key);
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'objects' }));
    for (const Key of keys) expect(listed.Contents?.map((c) => c.Key)).toContain(Key);
    await s3.send(new DeleteObjectsCommand({ Bucket: 'objects', Delete: { Objects: keys.map((Key) => ({ Key })) } }));
  });

  it('streams a body the SDK sends aws-chunked with a CRC32 trailer and returns checksums on request', async () => {
    const data = Buffer.alloc(300_000, 7);
    const watched = new S3Client(server.clientConfig);
    const sent: Record<string, string>[] = [];
    watched.middlewareStack.add(
      (next) => async (args) => {
        sent.push({ ...(args.request as { headers: Record<string, string> }).headers });
        return next(args);
      },
      { step: 'finalizeRequest' },
    );
    const put = await watched.send(
      new PutObjectCommand({ Bucket: 'objects', Key: 'stream.bin', Body: Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]), ContentLength: data.length }),
    );
    expect(sent[0]).toMatchObject({ 'content-encoding': 'aws-chunked', 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'x-amz-trailer': 'x-amz-checksum-crc32' });
    expect(put.ETag).toBe(`"${md5(data)}"`);
    expect(put.ChecksumCRC32).toBeDefined();
    const got = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'stream.bin', ChecksumMode: 'ENABLED' }));
    expect(got.ChecksumCRC32).toBe(put.ChecksumCRC32);
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
    const sha = await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'sha.txt', Body: 'abc', ChecksumAlgorithm: 'SHA256' }));
    expect(sha.ChecksumSHA256).toBe(createHash('sha256').update('abc').digest('base64'));
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'sha.txt', ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumSHA256).toBe(sha.ChecksumSHA256);
    const sha1 = await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'sha1.txt', Body: 'abc', ChecksumAlgorithm: 'SHA1' }));
    expect(sha1.ChecksumSHA1).toBe(createHash('sha1').update('abc').digest('base64'));
    // CRC32C of "123456789" is the standard check value 0xE3069283.
    const crc32c = await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'crc32c.txt', Body: '123456789', ChecksumAlgorithm: 'CRC32C' }));
    expect(crc32c.ChecksumCRC32C).toBe(Buffer.from('e3069283', 'hex').toString('base64'));
    const withCrc32c = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'crc32c.txt', ChecksumMode: 'ENABLED' }));
    expect(withCrc32c.ChecksumCRC32C).toBe(crc32c.ChecksumCRC32C);
    await withCrc32c.Body!.transformToString();
    // SHA512 is modelled but not computed by Drydock: refused rather than stored unverified.
    const sha512 = createHash('sha512').update('abc').digest('base64');
    await expect(s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'sha512', Body: 'abc', ChecksumSHA512: sha512 }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 501 } });
  });

  it('rejects a wrong checksum or Content-MD5 and stores nothing', async () => {
    const before = blobCount();
    await expect(s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'bad-md5', Body: 'hello', ContentMD5: createHash('md5').update('other').digest('base64') }))).rejects.toMatchObject({
      name: 'BadDigest',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'bad-md5', Body: 'hello', ContentMD5: 'not-md5' }))).rejects.toMatchObject({
      name: 'InvalidDigest',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'bad-crc', Body: 'hello', ChecksumCRC32: 'AAAAAA==' }))).rejects.toMatchObject({ name: 'BadDigest' });
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'bad-md5' }))).rejects.toMatchObject({ name: 'NotFound', $metadata: { httpStatusCode: 404 } });
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'bad-crc' }))).rejects.toMatchObject({ name: 'NotFound' });
    expect(blobCount()).toBe(before);
    const ok = await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'good-md5', Body: 'hello', ContentMD5: createHash('md5').update('hello').digest('base64') }));
    expect(ok.ETag).toBe(`"${md5('hello')}"`);
  });

  it('serves ranges with 206 and refuses unsatisfiable ones with 416', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'digits', Body: '0123456789' }));
    const part = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'digits', Range: 'bytes=2-5' }));
    expect(part.$metadata.httpStatusCode).toBe(206);
    expect(part.ContentRange).toBe('bytes 2-5/10');
    expect(part.ContentLength).toBe(4);
    expect(await part.Body!.transformToString()).toBe('2345');
    const suffix = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'digits', Range: 'bytes=-3' }));
    expect(await suffix.Body!.transformToString()).toBe('789');
    const open = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'digits', Range: 'bytes=8-' }));
    expect(await open.Body!.transformToString()).toBe('89');
    await expect(s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'digits', Range: 'bytes=10-20' }))).rejects.toMatchObject({ name: 'InvalidRange', $metadata: { httpStatusCode: 416 } });
  });

  it('evaluates conditional headers: 412 PreconditionFailed and 304', async () => {
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'cond', Body: 'x' }));
    const ok = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'cond', IfMatch: ETag }));
    expect(await ok.Body!.transformToString()).toBe('x');
    await expect(s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'cond', IfMatch: '"0000"' }))).rejects.toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
      Condition: 'If-Match',
    });
    await expect(s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'cond', IfNoneMatch: ETag }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 304 } });
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'cond', IfModifiedSince: new Date(Date.now() + 3600_000) }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 304 } });
    await expect(s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'cond', IfUnmodifiedSince: new Date(Date.now() - 3600_000) }))).rejects.toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
    });
    await expect(s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'cond', Body: 'y', IfNoneMatch: '*' }))).rejects.toMatchObject({ name: 'PreconditionFailed' });
  });

  it('answers NoSuchKey and NoSuchBucket with the AWS fields', async () => {
    const err = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'missing' })).catch((x: unknown) => x);
    expect(err).toMatchObject({ name: 'NoSuchKey', Key: 'missing', $metadata: { httpStatusCode: 404 } });
    await expect(s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket-here', Key: 'k' }))).rejects.toMatchObject({
      name: 'NoSuchBucket',
      BucketName: 'no-such-bucket-here',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('copies objects with COPY and REPLACE metadata directives', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'src', Body: 'copy me', ContentType: 'text/x', Metadata: { a: '1' }, Tagging: 't=1' }));
    const copy = await s3.send(new CopyObjectCommand({ Bucket: 'objects', Key: 'dst', CopySource: 'objects/src' }));
    expect(copy.CopyObjectResult?.ETag).toBe(`"${md5('copy me')}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'dst' }));
    expect(got).toMatchObject({ ContentType: 'text/x', Metadata: { a: '1' }, TagCount: 1 });
    expect(await got.Body!.transformToString()).toBe('copy me');
    await s3.send(new CopyObjectCommand({ Bucket: 'objects', Key: 'dst 2', CopySource: encodeURIComponent('objects/src'), MetadataDirective: 'REPLACE', Metadata: { b: '2' }, ContentType: 'text/y' }));
    const replaced = await s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'dst 2' }));
    expect(replaced).toMatchObject({ ContentType: 'text/y', Metadata: { b: '2' } });
    await expect(s3.send(new CopyObjectCommand({ Bucket: 'objects', Key: 'src', CopySource: 'objects/src' }))).rejects.toMatchObject({ name: 'InvalidRequest', $metadata: { httpStatusCode: 400 } });
    await expect(s3.send(new CopyObjectCommand({ Bucket: 'objects', Key: 'x', CopySource: 'objects/nope' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
    await expect(s3.send(new CopyObjectCommand({ Bucket: 'objects', Key: 'x', CopySource: 'objects/src', CopySourceIfMatch: '"abc"' }))).rejects.toMatchObject({ name: 'PreconditionFailed' });
  });

  it('tags objects', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'tagged', Body: 'x', Tagging: 'a=1&b=two%20words' }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: 'objects', Key: 'tagged' }))).TagSet).toEqual([
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: 'two words' },
    ]);
    await s3.send(new PutObjectTaggingCommand({ Bucket: 'objects', Key: 'tagged', Tagging: { TagSet: [{ Key: 'c', Value: '3' }] } }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: 'objects', Key: 'tagged' }))).TagSet).toEqual([{ Key: 'c', Value: '3' }]);
    await s3.send(new DeleteObjectTaggingCommand({ Bucket: 'objects', Key: 'tagged' }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: 'objects', Key: 'tagged' }))).TagSet).toEqual([]);
    await expect(
      s3.send(
        new PutObjectTaggingCommand({
          Bucket: 'objects',
          Key: 'tagged',
          Tagging: {
            TagSet: [
              { Key: 'c', Value: '1' },
              { Key: 'c', Value: '2' },
            ],
          },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidTag' });
  });

  it('deletes objects singly and in batches (Quiet)', async () => {
    for (const k of ['d1', 'd2', 'd3']) await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: k, Body: k }));
    const del = await s3.send(new DeleteObjectCommand({ Bucket: 'objects', Key: 'd1' }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    const batch = await s3.send(new DeleteObjectsCommand({ Bucket: 'objects', Delete: { Objects: [{ Key: 'd2' }, { Key: 'never-existed' }, { Key: 'd3', VersionId: 'bad' }] } }));
    expect(batch.Deleted?.map((d) => d.Key)).toEqual(['d2', 'never-existed']);
    expect(batch.Errors).toEqual([{ Key: 'd3', VersionId: 'bad', Code: 'InvalidArgument', Message: 'Invalid version id specified' }]);
    const quiet = await s3.send(new DeleteObjectsCommand({ Bucket: 'objects', Delete: { Objects: [{ Key: 'd3' }], Quiet: true } }));
    expect(quiet.Deleted ?? []).toEqual([]);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: 'objects', Prefix: 'd' }));
    expect(left.Contents?.map((c) => c.Key)).toEqual(['digits', 'dir/hello world.txt', 'dst', 'dst 2']);
  });

  it('keeps versions and delete markers in a versioned bucket', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'versions' }));
    await s3.send(new PutObjectCommand({ Bucket: 'versions', Key: 'pre', Body: 'before versioning' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'versions', VersioningConfiguration: { Status: 'Enabled' } }));
    const v1 = await s3.send(new PutObjectCommand({ Bucket: 'versions', Key: 'k', Body: 'one' }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket: 'versions', Key: 'k', Body: 'two' }));
    expect(v1.VersionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(v2.VersionId).not.toBe(v1.VersionId);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'versions', Key: 'k', VersionId: v1.VersionId }))).Body!.transformToString()).toBe('one');
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: 'versions', Key: 'k' }));
    expect(marker.DeleteMarker).toBe(true);
    const gone = await s3.send(new GetObjectCommand({ Bucket: 'versions', Key: 'k' })).catch((x: unknown) => x as { name: string; $response?: { headers: Record<string, string> } });
    expect(gone).toMatchObject({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'versions', Key: 'k', VersionId: marker.VersionId }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 405 } });
    await expect(s3.send(new GetObjectCommand({ Bucket: 'versions', Key: 'k', VersionId: 'a'.repeat(32) }))).rejects.toMatchObject({ name: 'NoSuchVersion', $metadata: { httpStatusCode: 404 } });
    await expect(s3.send(new GetObjectCommand({ Bucket: 'versions', Key: 'k', VersionId: 'bad' }))).rejects.toMatchObject({ name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } });
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: 'versions' }));
    expect(listed.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest])).toEqual([
      ['k', v2.VersionId, false],
      ['k', v1.VersionId, false],
      ['pre', 'null', true],
    ]);
    expect(listed.DeleteMarkers?.map((d) => [d.Key, d.VersionId, d.IsLatest])).toEqual([['k', marker.VersionId, true]]);
    // Removing the delete marker brings the previous version back.
    const undo = await s3.send(new DeleteObjectCommand({ Bucket: 'versions', Key: 'k', VersionId: marker.VersionId }));
    expect(undo.DeleteMarker).toBe(true);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'versions', Key: 'k' }))).Body!.transformToString()).toBe('two');
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: 'versions', MaxKeys: 1 }));
    expect(page.IsTruncated).toBe(true);
    const next = await s3.send(new ListObjectVersionsCommand({ Bucket: 'versions', MaxKeys: 5, KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker }));
    expect(next.Versions?.map((v) => v.VersionId)).toEqual([v1.VersionId, 'null']);
  });

  it('refuses long keys, unknown storage classes, foreign expected owners and reads of archived objects', async () => {
    await expect(s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'k'.repeat(1025), Body: 'x' }))).rejects.toMatchObject({ name: 'KeyTooLongError', $metadata: { httpStatusCode: 400 } });
    await expect(s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'sc', Body: 'x', StorageClass: 'COLD' as never }))).rejects.toMatchObject({ name: 'InvalidStorageClass' });
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'digits', ExpectedBucketOwner: '111111111111' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'archived', Body: 'cold', StorageClass: 'GLACIER' }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'archived' }))).StorageClass).toBe('GLACIER');
    await expect(s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'archived' }))).rejects.toMatchObject({ name: 'InvalidObjectState', $metadata: { httpStatusCode: 403 } });
    await expect(s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'digits', Range: 'bytes=0-1', PartNumber: 1 }))).rejects.toMatchObject({ name: 'InvalidRequest' });
  });

  it('presigned GET and PUT work; an expired URL is AccessDenied', async () => {
    // Without the SDK's default CRC32 of the (absent) body: S3 checks a presigned URL's checksum against what is uploaded.
    const presigner = new S3Client({ ...server.clientConfig, requestChecksumCalculation: 'WHEN_REQUIRED' });
    const putUrl = await getSignedUrl(presigner, new PutObjectCommand({ Bucket: 'objects', Key: 'presigned.txt' }), { expiresIn: 60 });
    const put = await fetch(putUrl, { method: 'PUT', body: 'via url' });
    expect(put.status).toBe(200);
    expect(put.headers.get('etag')).toBe(`"${md5('via url')}"`);
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'objects', Key: 'presigned.txt' }), { expiresIn: 60 });
    const get = await fetch(getUrl);
    expect(await get.text()).toBe('via url');
    const expiredUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'objects', Key: 'presigned.txt' }), { expiresIn: 1, signingDate: new Date(Date.now() - 60_000) });
    const expired = await fetch(expiredUrl);
    expect(expired.status).toBe(403);
    const text = await expired.text();
    expect(text).toContain('<Code>AccessDenied</Code>');
    expect(text).toContain('Request has expired');
  });
});
