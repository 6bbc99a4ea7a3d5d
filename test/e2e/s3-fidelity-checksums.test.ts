/**
 * CRC64NVME flexible checksums as S3 takes them: sent as x-amz-checksum-crc64nvme on PutObject,
 * UploadPart and CompleteMultipartUpload (a full-object checksum for multipart uploads), verified,
 * stored and returned with ChecksumMode ENABLED; a mismatch is BadDigest and writes nothing.
 */

import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';

async function crc64nvme(data: Buffer | string): Promise<string> {
  const crc = new Crc64Nvme();
  crc.update(Buffer.from(data));
  return Buffer.from(await crc.digest()).toString('base64');
}

/** CRC-64/NVME of "123456789", the catalogue's check value 0xAE8B14860A799888. */
const CHECK_VALUE = Buffer.from('ae8b14860a799888', 'hex').toString('base64');

describe('S3 CRC64NVME checksums', () => {
  const server = useServer();
  let s3: S3Client;
  const missing = (Key: string) => expectAwsError(s3.send(new HeadObjectCommand({ Bucket: 'nvme', Key })), { code: 'NotFound', status: 404 });

  beforeAll(async () => {
    s3 = new S3Client(server.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'nvme' }));
  });

  it('PutObject verifies and stores the checksum; HeadObject and GetObject return it with ChecksumMode ENABLED', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'nvme', Key: 'check', Body: '123456789', ChecksumAlgorithm: 'CRC64NVME' }));
    expect([put.ChecksumCRC64NVME, put.ChecksumType]).toEqual([CHECK_VALUE, 'FULL_OBJECT']);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'nvme', Key: 'check', ChecksumMode: 'ENABLED' }));
    expect([head.ChecksumCRC64NVME, head.ChecksumType]).toEqual([CHECK_VALUE, 'FULL_OBJECT']);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'nvme', Key: 'check', ChecksumMode: 'ENABLED' }));
    expect(await got.Body!.transformToString()).toBe('123456789');
    expect(got.ChecksumCRC64NVME).toBe(CHECK_VALUE);
    // Without ChecksumMode the checksum is not sent.
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'nvme', Key: 'check' }))).ChecksumCRC64NVME).toBeUndefined();
    // A value computed by the caller is taken as it is.
    const given = await s3.send(new PutObjectCommand({ Bucket: 'nvme', Key: 'given', Body: 'hello', ChecksumCRC64NVME: await crc64nvme('hello') }));
    expect(given.ChecksumCRC64NVME).toBe(await crc64nvme('hello'));
  });

  it('a CRC64NVME that does not match is BadDigest, a malformed one InvalidRequest, and nothing is written', async () => {
    await expectAwsError(s3.send(new PutObjectCommand({ Bucket: 'nvme', Key: 'wrong', Body: 'hello', ChecksumCRC64NVME: CHECK_VALUE })), {
      code: 'BadDigest',
      status: 400,
      message: 'The CRC64NVME you specified did not match the calculated checksum.',
    });
    await expectAwsError(s3.send(new PutObjectCommand({ Bucket: 'nvme', Key: 'wrong', Body: 'hello', ChecksumCRC64NVME: 'AAAA' })), {
      code: 'InvalidRequest',
      status: 400,
      message: 'Value for x-amz-checksum-crc64nvme header is invalid.',
    });
    await missing('wrong');
  });

  it('multipart uploads default to a FULL_OBJECT CRC64NVME: parts carry theirs, completion checks the whole object', async () => {
    const first = Buffer.alloc(5 * 1024 * 1024, 'a');
    const second = Buffer.from('tail');
    const create = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'nvme', Key: 'mp', ChecksumAlgorithm: 'CRC64NVME' }));
    expect([create.ChecksumAlgorithm, create.ChecksumType]).toEqual(['CRC64NVME', 'FULL_OBJECT']);
    const UploadId = create.UploadId;
    const parts = [];
    for (const [i, body] of [first, second].entries()) {
      const part = await s3.send(new UploadPartCommand({ Bucket: 'nvme', Key: 'mp', UploadId, PartNumber: i + 1, Body: body, ChecksumAlgorithm: 'CRC64NVME' }));
      expect(part.ChecksumCRC64NVME).toBe(await crc64nvme(body));
      parts.push({ PartNumber: i + 1, ETag: part.ETag, ChecksumCRC64NVME: part.ChecksumCRC64NVME });
    }
    expect((await s3.send(new ListPartsCommand({ Bucket: 'nvme', Key: 'mp', UploadId }))).Parts?.map((p) => p.ChecksumCRC64NVME)).toEqual(parts.map((p) => p.ChecksumCRC64NVME));
    const whole = await crc64nvme(Buffer.concat([first, second]));
    // A claimed full-object checksum that is not the object's is BadDigest, and the upload stays.
    await expectAwsError(
      s3.send(new CompleteMultipartUploadCommand({ Bucket: 'nvme', Key: 'mp', UploadId, ChecksumCRC64NVME: CHECK_VALUE, ChecksumType: 'FULL_OBJECT', MultipartUpload: { Parts: parts } })),
      { code: 'BadDigest', status: 400, message: 'The CRC64NVME you specified did not match the calculated checksum.' },
    );
    await missing('mp');
    expect((await s3.send(new ListPartsCommand({ Bucket: 'nvme', Key: 'mp', UploadId }))).Parts).toHaveLength(2);
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'nvme', Key: 'mp', UploadId, ChecksumCRC64NVME: whole, ChecksumType: 'FULL_OBJECT', MultipartUpload: { Parts: parts } }));
    expect([done.ChecksumCRC64NVME, done.ChecksumType]).toEqual([whole, 'FULL_OBJECT']);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'nvme', Key: 'mp', ChecksumMode: 'ENABLED' }));
    expect([head.ChecksumCRC64NVME, head.ChecksumType]).toEqual([whole, 'FULL_OBJECT']);
  });

  it('CRC64NVME cannot make a COMPOSITE multipart checksum', async () => {
    await expectAwsError(s3.send(new CreateMultipartUploadCommand({ Bucket: 'nvme', Key: 'composite', ChecksumAlgorithm: 'CRC64NVME', ChecksumType: 'COMPOSITE' })), {
      code: 'InvalidRequest',
      status: 400,
      message: 'The COMPOSITE checksum type cannot be used with the CRC64NVME checksum algorithm.',
    });
  });
});
