import { createHash } from 'node:crypto';
import { Crc32 } from '@aws-crypto/crc32';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';

const MiB = 1024 * 1024;
const md5 = (data: Buffer) => createHash('md5').update(data).digest();

describe('S3 multipart uploads', () => {
  const server = useServer();
  let s3: S3Client;
  beforeAll(async () => {
    s3 = new S3Client(server.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'mpu' }));
  });

  it('completes with the AWS multipart ETag, part reads and a composite checksum', async () => {
    const part1 = Buffer.alloc(5 * MiB, 'a');
    const part2 = Buffer.from('tail');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: 'big', ContentType: 'text/plain', Metadata: { m: '1' }, ChecksumAlgorithm: 'CRC32' }));
    const p1 = await s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'big', UploadId, PartNumber: 1, Body: part1, ChecksumAlgorithm: 'CRC32' }));
    const p2 = await s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'big', UploadId, PartNumber: 2, Body: part2, ChecksumAlgorithm: 'CRC32' }));
    expect(p1.ETag).toBe(`"${md5(part1).toString('hex')}"`);

    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'mpu' }));
    expect(uploads.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([['big', UploadId]]);
    const parts = await s3.send(new ListPartsCommand({ Bucket: 'mpu', Key: 'big', UploadId }));
    expect(parts.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([
      [1, 5 * MiB, p1.ETag],
      [2, 4, p2.ETag],
    ]);

    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'mpu',
        Key: 'big',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.ETag, ChecksumCRC32: p1.ChecksumCRC32 },
            { PartNumber: 2, ETag: p2.ETag, ChecksumCRC32: p2.ChecksumCRC32 },
          ],
        },
      }),
    );
    const expected = createHash('md5')
      .update(Buffer.concat([md5(part1), md5(part2)]))
      .digest('hex');
    expect(done.ETag).toBe(`"${expected}-2"`);
    const crcs = new Crc32();
    for (const c of [p1.ChecksumCRC32!, p2.ChecksumCRC32!]) crcs.update(Buffer.from(c, 'base64'));
    const composite = Buffer.alloc(4);
    composite.writeUInt32BE(crcs.digest() >>> 0);
    expect(done.ChecksumCRC32).toBe(`${composite.toString('base64')}-2`);

    const head = await s3.send(new HeadObjectCommand({ Bucket: 'mpu', Key: 'big' }));
    expect(head).toMatchObject({ ContentLength: 5 * MiB + 4, ContentType: 'text/plain', Metadata: { m: '1' }, ETag: done.ETag });
    const second = await s3.send(new GetObjectCommand({ Bucket: 'mpu', Key: 'big', PartNumber: 2 }));
    expect(second.$metadata.httpStatusCode).toBe(206);
    expect(second.PartsCount).toBe(2);
    expect(await second.Body!.transformToString()).toBe('tail');
    const whole = await s3.send(new GetObjectCommand({ Bucket: 'mpu', Key: 'big', ChecksumMode: 'ENABLED' }));
    expect(Buffer.from(await whole.Body!.transformToByteArray()).equals(Buffer.concat([part1, part2]))).toBe(true);
    await expect(s3.send(new ListPartsCommand({ Bucket: 'mpu', Key: 'big', UploadId }))).rejects.toMatchObject({ name: 'NoSuchUpload', $metadata: { httpStatusCode: 404 } });
  });

  it('computes a FULL_OBJECT checksum over the whole content and checks the one the client claims', async () => {
    const part1 = Buffer.alloc(5 * MiB, 'b');
    const part2 = Buffer.from('end');
    const crc = (data: Buffer) => {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(new Crc32().update(data).digest() >>> 0);
      return out.toString('base64');
    };
    const whole = crc(Buffer.concat([part1, part2]));
    const upload = async (key: string) => {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: key, ChecksumAlgorithm: 'CRC32', ChecksumType: 'FULL_OBJECT' }));
      const p1 = await s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: key, UploadId, PartNumber: 1, Body: part1, ChecksumAlgorithm: 'CRC32' }));
      const p2 = await s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: key, UploadId, PartNumber: 2, Body: part2, ChecksumAlgorithm: 'CRC32' }));
      return {
        UploadId,
        Parts: [
          { PartNumber: 1, ETag: p1.ETag, ChecksumCRC32: p1.ChecksumCRC32 },
          { PartNumber: 2, ETag: p2.ETag, ChecksumCRC32: p2.ChecksumCRC32 },
        ],
      };
    };
    const good = await upload('full');
    const done = await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: 'mpu', Key: 'full', UploadId: good.UploadId, ChecksumCRC32: whole, ChecksumType: 'FULL_OBJECT', MultipartUpload: { Parts: good.Parts } }),
    );
    expect(done).toMatchObject({ ChecksumCRC32: whole, ChecksumType: 'FULL_OBJECT' });
    const got = await s3.send(new GetObjectCommand({ Bucket: 'mpu', Key: 'full', ChecksumMode: 'ENABLED' }));
    expect(got.ChecksumCRC32).toBe(whole);
    expect((await got.Body!.transformToByteArray()).length).toBe(5 * MiB + 3);
    const bad = await upload('full-bad');
    await expect(
      s3.send(
        new CompleteMultipartUploadCommand({ Bucket: 'mpu', Key: 'full-bad', UploadId: bad.UploadId, ChecksumCRC32: crc(part2), ChecksumType: 'FULL_OBJECT', MultipartUpload: { Parts: bad.Parts } }),
      ),
    ).rejects.toMatchObject({ name: 'BadDigest' });
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'mpu', Key: 'full-bad' }))).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('refuses small parts, unknown parts and out-of-order lists', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: 'bad' }));
    const a = await s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'bad', UploadId, PartNumber: 1, Body: 'small' }));
    const b = await s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'bad', UploadId, PartNumber: 2, Body: 'small' }));
    const complete = (Parts: { PartNumber: number; ETag?: string }[]) => s3.send(new CompleteMultipartUploadCommand({ Bucket: 'mpu', Key: 'bad', UploadId, MultipartUpload: { Parts } }));
    await expect(
      complete([
        { PartNumber: 1, ETag: a.ETag },
        { PartNumber: 2, ETag: b.ETag },
      ]),
    ).rejects.toMatchObject({ name: 'EntityTooSmall', $metadata: { httpStatusCode: 400 } });
    await expect(
      complete([
        { PartNumber: 2, ETag: b.ETag },
        { PartNumber: 1, ETag: a.ETag },
      ]),
    ).rejects.toMatchObject({ name: 'InvalidPartOrder' });
    await expect(complete([{ PartNumber: 3, ETag: a.ETag }])).rejects.toMatchObject({ name: 'InvalidPart' });
    await expect(complete([{ PartNumber: 1, ETag: '"00000000000000000000000000000000"' }])).rejects.toMatchObject({ name: 'InvalidPart' });
    await expect(s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'bad', UploadId, PartNumber: 10001, Body: 'x' }))).rejects.toMatchObject({ name: 'InvalidArgument' });
    // A single small part is a valid (last) part.
    const single = await complete([{ PartNumber: 2, ETag: b.ETag }]);
    expect(single.ETag).toMatch(/-1"$/);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'mpu', Key: 'bad' }))).Body!.transformToString()).toBe('small');
  });

  it('aborts uploads and copies parts from existing objects', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: 'aborted' }));
    await s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'aborted', UploadId, PartNumber: 1, Body: 'x' }));
    expect((await s3.send(new AbortMultipartUploadCommand({ Bucket: 'mpu', Key: 'aborted', UploadId }))).$metadata.httpStatusCode).toBe(204);
    await expect(s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'aborted', UploadId, PartNumber: 2, Body: 'x' }))).rejects.toMatchObject({ name: 'NoSuchUpload', UploadId });
    await expect(s3.send(new AbortMultipartUploadCommand({ Bucket: 'mpu', Key: 'aborted', UploadId }))).rejects.toMatchObject({ name: 'NoSuchUpload' });

    await s3.send(new PutObjectCommand({ Bucket: 'mpu', Key: 'source', Body: '0123456789' }));
    const copy = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: 'copied' }));
    const part = await s3.send(new UploadPartCopyCommand({ Bucket: 'mpu', Key: 'copied', UploadId: copy.UploadId, PartNumber: 1, CopySource: 'mpu/source', CopySourceRange: 'bytes=2-5' }));
    expect(part.CopyPartResult?.ETag).toBe(`"${md5(Buffer.from('2345')).toString('hex')}"`);
    await expect(
      s3.send(new UploadPartCopyCommand({ Bucket: 'mpu', Key: 'copied', UploadId: copy.UploadId, PartNumber: 2, CopySource: 'mpu/source', CopySourceRange: 'bytes=5-50' })),
    ).rejects.toMatchObject({ name: 'InvalidArgument' });
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'mpu', Key: 'copied', UploadId: copy.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.CopyPartResult?.ETag }] } }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'mpu', Key: 'copied' }))).Body!.transformToString()).toBe('2345');
  });

  it('lib-storage Upload of a 12 MiB stream goes through multipart', async () => {
    const data = Buffer.alloc(12 * MiB);
    for (let i = 0; i < data.length; i += 4096) data[i] = i % 251;
    const result = await new Upload({ client: s3, params: { Bucket: 'mpu', Key: 'lib-storage', Body: data }, partSize: 5 * MiB, queueSize: 2 }).done();
    expect(result.ETag).toMatch(/-3"$/);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'mpu', Key: 'lib-storage' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
  });
});
