/**
 * GetObjectAttributes as S3 answers it: the attributes x-amz-object-attributes names (ETag
 * unquoted, the checksum with its type, a multipart object's parts, storage class and size), the
 * version's headers, paging of a COMPOSITE object's parts, and S3's errors for a bad header.
 */
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectAttributesCommand,
  type ObjectAttributes,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamUser, expectAwsError, useServer } from '../helpers.js';
import { signedRequest } from './raw-request.js';

const ALL: ObjectAttributes[] = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'];
const PART = Buffer.alloc(5 * 1024 * 1024, 'p');

describe('S3 GetObjectAttributes', () => {
  const server = useServer();
  let s3: S3Client;
  const attributes = (Key: string, ObjectAttributes: ObjectAttributes[] = ALL, extra: { VersionId?: string; MaxParts?: number; PartNumberMarker?: string } = {}) =>
    s3.send(new GetObjectAttributesCommand({ Bucket: 'attrs', Key, ObjectAttributes, ...extra }));

  /** A multipart object of `bodies`, with the upload's checksum settings. */
  async function multipart(Key: string, bodies: Buffer[], checksum: { ChecksumAlgorithm?: 'SHA256' | 'CRC32'; ChecksumType?: 'COMPOSITE' | 'FULL_OBJECT' } = {}) {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'attrs', Key, ...checksum }));
    const Parts = [];
    for (const [i, Body] of bodies.entries()) {
      const part = await s3.send(new UploadPartCommand({ Bucket: 'attrs', Key, UploadId, PartNumber: i + 1, Body, ChecksumAlgorithm: checksum.ChecksumAlgorithm }));
      Parts.push({ PartNumber: i + 1, ETag: part.ETag, ChecksumSHA256: part.ChecksumSHA256, ChecksumCRC32: part.ChecksumCRC32 });
    }
    return s3.send(new CompleteMultipartUploadCommand({ Bucket: 'attrs', Key, UploadId, MultipartUpload: { Parts } }));
  }

  beforeAll(async () => {
    s3 = new S3Client(server.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'attrs' }));
  });

  it('answers what the header asks for of a single-part object: ETag unquoted, checksum and type, class, size', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'attrs', Key: 'one', Body: 'hello', ChecksumAlgorithm: 'CRC32', StorageClass: 'STANDARD_IA' }));
    const got = await attributes('one');
    expect(got).toMatchObject({
      ETag: put.ETag!.replace(/"/g, ''),
      Checksum: { ChecksumCRC32: put.ChecksumCRC32, ChecksumType: 'FULL_OBJECT' },
      StorageClass: 'STANDARD_IA',
      ObjectSize: 5,
      LastModified: expect.any(Date),
    });
    expect([got.ObjectParts, got.VersionId]).toEqual([undefined, undefined]);
    // Only what was asked for; unknown names beside known ones are ignored.
    const some = await attributes('one', ['ObjectSize', 'Unknown' as ObjectAttributes]);
    expect([some.ObjectSize, some.ETag, some.Checksum, some.StorageClass]).toEqual([5, undefined, undefined, undefined]);
  });

  it("pages a COMPOSITE multipart object's parts and their checksums; a FULL_OBJECT one only counts them", async () => {
    const tail = Buffer.from('tail');
    const done = await multipart('composite', [PART, PART, tail], { ChecksumAlgorithm: 'SHA256' });
    expect(done.ChecksumSHA256).toMatch(/-3$/);
    const first = await attributes('composite', ALL, { MaxParts: 2 });
    expect(first.Checksum).toEqual({ ChecksumSHA256: done.ChecksumSHA256!.replace(/-3$/, ''), ChecksumType: 'COMPOSITE' });
    expect(first.ObjectParts).toMatchObject({ TotalPartsCount: 3, MaxParts: 2, IsTruncated: true, PartNumberMarker: '0', NextPartNumberMarker: '2' });
    expect(first.ObjectParts?.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([
      [1, PART.length],
      [2, PART.length],
    ]);
    expect(first.ObjectParts?.Parts?.[0].ChecksumSHA256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const rest = await attributes('composite', ['ObjectParts'], { MaxParts: 2, PartNumberMarker: '2' });
    expect(rest.ObjectParts).toMatchObject({ TotalPartsCount: 3, IsTruncated: false, NextPartNumberMarker: '3' });
    expect(rest.ObjectParts?.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([[3, tail.length]]);

    await multipart('full', [PART, tail], { ChecksumAlgorithm: 'CRC32', ChecksumType: 'FULL_OBJECT' });
    const full = await attributes('full');
    expect(full.ObjectParts).toEqual({ TotalPartsCount: 2 });
    expect(full.Checksum?.ChecksumType).toBe('FULL_OBJECT');
    await multipart('plain', [PART, tail]);
    expect((await attributes('plain')).ObjectParts).toEqual({ TotalPartsCount: 2 });
  });

  it('answers a named version with its VersionId, a delete marker as GetObject does', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'attrs-versions' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'attrs-versions', VersioningConfiguration: { Status: 'Enabled' } }));
    const v1 = await s3.send(new PutObjectCommand({ Bucket: 'attrs-versions', Key: 'k', Body: 'one' }));
    await s3.send(new PutObjectCommand({ Bucket: 'attrs-versions', Key: 'k', Body: 'three' }));
    const ofVersion = await s3.send(new GetObjectAttributesCommand({ Bucket: 'attrs-versions', Key: 'k', VersionId: v1.VersionId, ObjectAttributes: ['ObjectSize'] }));
    expect([ofVersion.VersionId, ofVersion.ObjectSize]).toEqual([v1.VersionId, 3]);
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: 'attrs-versions', Key: 'k' }));
    await expectAwsError(s3.send(new GetObjectAttributesCommand({ Bucket: 'attrs-versions', Key: 'k', ObjectAttributes: ['ETag'] })), { code: 'NoSuchKey', status: 404 });
    await expectAwsError(s3.send(new GetObjectAttributesCommand({ Bucket: 'attrs-versions', Key: 'k', VersionId: marker.VersionId, ObjectAttributes: ['ETag'] })), {
      code: 'MethodNotAllowed',
      status: 405,
    });
  });

  it("refuses a header that names nothing S3 knows, and a missing one (not answering the object's content instead)", async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'attrs', Key: 'body', Body: 'secret content' }));
    await expectAwsError(attributes('body', ['Nope' as ObjectAttributes]), { code: 'InvalidArgument', status: 400, message: 'Invalid attribute name specified.' });
    const raw = await signedRequest(server.url, { service: 's3', method: 'GET', path: '/attrs/body', query: { attributes: '' }, signPayloadHeader: true });
    expect([raw.status, raw.code, raw.message]).toEqual([400, 'InvalidRequest', 'The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty']);
    expect(raw.text).not.toContain('secret content');
    await expectAwsError(attributes('absent'), { code: 'NoSuchKey', status: 404 });
    await expectAwsError(s3.send(new GetObjectAttributesCommand({ Bucket: 'no-such-attrs', Key: 'k', ObjectAttributes: ['ETag'] })), { code: 'NoSuchBucket', status: 404 });
  });

  it('needs s3:GetObjectAttributes beside s3:GetObject', async () => {
    const allow = (...actions: string[]) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });
    const reader = await createIamUser(server.clientConfig, 'attrs-reader', [allow('s3:GetObject')]);
    const inspector = await createIamUser(server.clientConfig, 'attrs-inspector', [allow('s3:GetObject', 's3:GetObjectAttributes')]);
    const as = (user: typeof reader) => new S3Client({ ...server.clientConfig, credentials: user.credentials });
    await expectAwsError(as(reader).send(new GetObjectAttributesCommand({ Bucket: 'attrs', Key: 'one', ObjectAttributes: ['ETag'] })), { code: 'AccessDenied', status: 403 });
    expect((await as(inspector).send(new GetObjectAttributesCommand({ Bucket: 'attrs', Key: 'one', ObjectAttributes: ['ObjectSize'] }))).ObjectSize).toBe(5);
  });
});
