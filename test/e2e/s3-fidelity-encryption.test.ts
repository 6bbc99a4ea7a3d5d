/**
 * S3 server-side encryption as AWS reports it: every object SSE-S3 (AES256) by default since
 * January 2023, SSE-KMS when the request or the bucket's default asks for it, with the key looked
 * up in KMS when the object is written and refused with S3's `KMS.*` errors.
 */
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketEncryptionCommand,
  GetBucketEncryptionCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';

describe('S3 server-side encryption as AWS reports it', () => {
  const server = useServer();
  let s3: S3Client;
  let kms: KMSClient;
  let keyArn: string;
  let keyId: string;

  const newKey = async (spec?: 'RSA_2048') => (await kms.send(new CreateKeyCommand(spec ? { KeySpec: spec, KeyUsage: 'ENCRYPT_DECRYPT' } : {}))).KeyMetadata!;
  const missing = async (Bucket: string, Key: string) => expectAwsError(s3.send(new HeadObjectCommand({ Bucket, Key })), { code: 'NotFound', status: 404 });

  beforeAll(async () => {
    s3 = new S3Client(server.clientConfig);
    kms = new KMSClient(server.clientConfig);
    ({ Arn: keyArn, KeyId: keyId } = (await newKey()) as { Arn: string; KeyId: string });
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/objects', TargetKeyId: keyId }));
    await s3.send(new CreateBucketCommand({ Bucket: 'plain' }));
  });

  it('a new bucket reports the SSE-S3 default rule, and every object is AES256 on every answer', async () => {
    expect((await s3.send(new GetBucketEncryptionCommand({ Bucket: 'plain' }))).ServerSideEncryptionConfiguration).toEqual({
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }],
    });
    const put = await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'a', Body: 'x' }));
    expect([put.ServerSideEncryption, put.SSEKMSKeyId, put.BucketKeyEnabled]).toEqual(['AES256', undefined, undefined]);
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'plain', Key: 'a' }))).ServerSideEncryption).toBe('AES256');
    const got = await s3.send(new GetObjectCommand({ Bucket: 'plain', Key: 'a' }));
    await got.Body!.transformToString();
    expect(got.ServerSideEncryption).toBe('AES256');
    expect((await s3.send(new CopyObjectCommand({ Bucket: 'plain', Key: 'b', CopySource: 'plain/a' }))).ServerSideEncryption).toBe('AES256');
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'plain', Key: 'mp' }));
    expect(created.ServerSideEncryption).toBe('AES256');
    const part = await s3.send(new UploadPartCommand({ Bucket: 'plain', Key: 'mp', UploadId: created.UploadId, PartNumber: 1, Body: 'part' }));
    expect(part.ServerSideEncryption).toBe('AES256');
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'plain', Key: 'mp', UploadId: created.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    expect(done.ServerSideEncryption).toBe('AES256');
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'plain', Key: 'mp' }))).ServerSideEncryption).toBe('AES256');
  });

  it('SSE-KMS from the request reports the key ARN (by id, alias or ARN), and without a key the aws/s3 managed key', async () => {
    for (const [Key, SSEKMSKeyId] of [
      ['by-id', keyId],
      ['by-alias', 'alias/objects'],
      ['by-arn', keyArn],
    ]) {
      const put = await s3.send(new PutObjectCommand({ Bucket: 'plain', Key, Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId, BucketKeyEnabled: true }));
      expect([put.ServerSideEncryption, put.SSEKMSKeyId, put.BucketKeyEnabled], Key).toEqual(['aws:kms', keyArn, true]);
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'plain', Key }));
      expect([head.ServerSideEncryption, head.SSEKMSKeyId, head.BucketKeyEnabled], Key).toEqual(['aws:kms', keyArn, true]);
    }
    const managed = await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'managed', Body: 'x', ServerSideEncryption: 'aws:kms' }));
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/s3' }));
    expect([managed.ServerSideEncryption, managed.SSEKMSKeyId, managed.BucketKeyEnabled]).toEqual(['aws:kms', KeyMetadata!.Arn, undefined]);
    const dsse = await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'dsse', Body: 'x', ServerSideEncryption: 'aws:kms:dsse', SSEKMSKeyId: keyId }));
    expect([dsse.ServerSideEncryption, dsse.SSEKMSKeyId]).toEqual(['aws:kms:dsse', keyArn]);
  });

  it("the bucket's SSE-KMS default applies to writes without SSE headers; objects keep their encryption; copies follow the target", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'kms-default' }));
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'kms-default',
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/objects' }, BucketKeyEnabled: true }] },
      }),
    );
    const put = await s3.send(new PutObjectCommand({ Bucket: 'kms-default', Key: 'k', Body: 'x' }));
    expect([put.ServerSideEncryption, put.SSEKMSKeyId, put.BucketKeyEnabled]).toEqual(['aws:kms', keyArn, true]);
    // An explicit AES256 header overrides the default.
    expect((await s3.send(new PutObjectCommand({ Bucket: 'kms-default', Key: 's3', Body: 'x', ServerSideEncryption: 'AES256' }))).ServerSideEncryption).toBe('AES256');
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'kms-default', Key: 'mp' }));
    expect([upload.ServerSideEncryption, upload.SSEKMSKeyId]).toEqual(['aws:kms', keyArn]);
    // A copy into a bucket with the SSE-S3 default is AES256, whatever its source was.
    expect((await s3.send(new CopyObjectCommand({ Bucket: 'plain', Key: 'copied', CopySource: 'kms-default/k' }))).ServerSideEncryption).toBe('AES256');
    const into = await s3.send(new CopyObjectCommand({ Bucket: 'kms-default', Key: 'copied', CopySource: 'plain/a' }));
    expect([into.ServerSideEncryption, into.SSEKMSKeyId]).toEqual(['aws:kms', keyArn]);
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: 'kms-default' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'kms-default', Key: 'k' }));
    expect([head.ServerSideEncryption, head.SSEKMSKeyId]).toEqual(['aws:kms', keyArn]);
  });

  it('bad SSE headers answer InvalidArgument and write nothing', async () => {
    await expectAwsError(s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'bad-alg', Body: 'x', ServerSideEncryption: 'AES512' as 'AES256' })), {
      code: 'InvalidArgument',
      status: 400,
      message: 'The encryption method specified is not supported',
    });
    await expectAwsError(s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'bad-alg', Body: 'x', ServerSideEncryption: 'AES256', SSEKMSKeyId: keyId })), {
      code: 'InvalidArgument',
      status: 400,
      message: 'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
    });
    await missing('plain', 'bad-alg');
  });

  it("a KMS key that does not exist, lives in another region, is disabled, pending deletion or asymmetric refuses the write with KMS's error", async () => {
    const disabled = await newKey();
    await kms.send(new DisableKeyCommand({ KeyId: disabled.KeyId }));
    const deleting = await newKey();
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: deleting.KeyId, PendingWindowInDays: 7 }));
    const asymmetric = await newKey('RSA_2048');
    const unknownId = '0d0e0a0d-1111-2222-3333-444455556666';
    const cases: [string, string, string][] = [
      [unknownId, 'KMS.NotFoundException', `Key 'arn:aws:kms:us-east-1:000000000000:key/${unknownId}' does not exist`],
      ['alias/nothing', 'KMS.NotFoundException', 'alias/nothing'],
      [keyArn.replace('us-east-1', 'us-west-2'), 'KMS.NotFoundException', 'Invalid arn us-west-2'],
      [disabled.KeyId!, 'KMS.DisabledException', `${disabled.Arn} is disabled.`],
      [deleting.KeyId!, 'KMS.KMSInvalidStateException', `${deleting.Arn} is pending deletion.`],
      [asymmetric.KeyId!, 'KMS.InvalidKeyUsageException', asymmetric.Arn!],
    ];
    for (const [SSEKMSKeyId, code, message] of cases) {
      await expectAwsError(s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'refused', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId })), { code, status: 400, message });
    }
    await missing('plain', 'refused');
    await expectAwsError(s3.send(new CopyObjectCommand({ Bucket: 'plain', Key: 'refused', CopySource: 'plain/a', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: unknownId })), {
      code: 'KMS.NotFoundException',
      status: 400,
    });
    await missing('plain', 'refused');
    await expectAwsError(s3.send(new CreateMultipartUploadCommand({ Bucket: 'plain', Key: 'refused', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: unknownId })), {
      code: 'KMS.NotFoundException',
      status: 400,
    });
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'plain', Prefix: 'refused' }))).Uploads ?? []).toEqual([]);

    // A bucket default naming a key that is gone refuses writes the same way (S3 does not check it when the default is set).
    await s3.send(new CreateBucketCommand({ Bucket: 'stale-default' }));
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'stale-default',
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: disabled.Arn } }] },
      }),
    );
    await expectAwsError(s3.send(new PutObjectCommand({ Bucket: 'stale-default', Key: 'k', Body: 'x' })), { code: 'KMS.DisabledException', status: 400 });
    await missing('stale-default', 'k');
  });
});
