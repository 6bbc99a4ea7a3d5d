import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketEncryptionCommand,
  DeleteBucketPolicyCommand,
  DeleteBucketTaggingCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';

describe('S3 buckets and listings', () => {
  const server = useServer();
  let s3: S3Client;
  let west: S3Client;
  beforeAll(async () => {
    s3 = new S3Client(server.clientConfig);
    west = new S3Client({ ...server.clientConfig, region: 'us-west-2' });
  });

  it('creates, heads, lists and locates buckets', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'alpha' }));
    await west.send(new CreateBucketCommand({ Bucket: 'beta.west', CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } }));
    // Requests for a bucket are signed for its region (S3 refuses others with the region it expects).
    const head = await west.send(new HeadBucketCommand({ Bucket: 'beta.west' }));
    expect(head.BucketRegion).toBe('us-west-2');
    const list = await s3.send(new ListBucketsCommand({}));
    expect(list.Buckets?.map((b) => [b.Name, b.BucketRegion])).toEqual([
      ['alpha', 'us-east-1'],
      ['beta.west', 'us-west-2'],
    ]);
    expect(list.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    const paged = await s3.send(new ListBucketsCommand({ MaxBuckets: 1 }));
    expect(paged.Buckets?.map((b) => b.Name)).toEqual(['alpha']);
    const rest = await s3.send(new ListBucketsCommand({ MaxBuckets: 1, ContinuationToken: paged.ContinuationToken }));
    expect(rest.Buckets?.map((b) => b.Name)).toEqual(['beta.west']);
    expect((await s3.send(new GetBucketLocationCommand({ Bucket: 'alpha' }))).LocationConstraint).toBeUndefined();
    expect((await s3.send(new GetBucketLocationCommand({ Bucket: 'beta.west' }))).LocationConstraint).toBe('us-west-2');
    const raw = await server.aws(['s3api', 'get-bucket-location', '--bucket', 'beta.west']);
    expect(JSON.parse(raw.stdout).LocationConstraint).toBe('us-west-2');
  });

  it('refuses bad names, duplicates and wrong location constraints', async () => {
    for (const name of ['ab', 'UPPER', 'has_underscore', 'a..b', '192.168.1.1', '-start', 'x'.repeat(64)]) {
      await expect(s3.send(new CreateBucketCommand({ Bucket: name }))).rejects.toMatchObject({ name: 'InvalidBucketName', $metadata: { httpStatusCode: 400 } });
    }
    // us-east-1 keeps S3's legacy 200 for re-creating your own bucket; other regions say BucketAlreadyOwnedByYou.
    await s3.send(new CreateBucketCommand({ Bucket: 'alpha' }));
    await expect(west.send(new CreateBucketCommand({ Bucket: 'beta.west', CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } }))).rejects.toMatchObject({
      name: 'BucketAlreadyOwnedByYou',
      $metadata: { httpStatusCode: 409 },
      BucketName: 'beta.west',
    });
    await expect(west.send(new CreateBucketCommand({ Bucket: 'gamma', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }))).rejects.toMatchObject({
      name: 'IllegalLocationConstraintException',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(s3.send(new CreateBucketCommand({ Bucket: 'gamma', CreateBucketConfiguration: { LocationConstraint: 'us-east-1' as never } }))).rejects.toMatchObject({
      name: 'InvalidLocationConstraint',
    });
    await expect(s3.send(new HeadBucketCommand({ Bucket: 'no-such-bucket' }))).rejects.toMatchObject({ name: 'NotFound', $metadata: { httpStatusCode: 404 } });
  });

  it('stores versioning, tagging, policy, encryption and notification configuration', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'configured' }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'configured' }))).Status).toBeUndefined();
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'configured', VersioningConfiguration: { Status: 'Suspended' } }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'configured' }))).Status).toBe('Suspended');

    await expect(s3.send(new GetBucketTaggingCommand({ Bucket: 'configured' }))).rejects.toMatchObject({ name: 'NoSuchTagSet', $metadata: { httpStatusCode: 404 } });
    await s3.send(new PutBucketTaggingCommand({ Bucket: 'configured', Tagging: { TagSet: [{ Key: 'team', Value: 'ops' }] } }));
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket: 'configured' }))).TagSet).toEqual([{ Key: 'team', Value: 'ops' }]);
    await s3.send(new DeleteBucketTaggingCommand({ Bucket: 'configured' }));
    await expect(s3.send(new GetBucketTaggingCommand({ Bucket: 'configured' }))).rejects.toMatchObject({ name: 'NoSuchTagSet' });

    await expect(s3.send(new GetBucketPolicyCommand({ Bucket: 'configured' }))).rejects.toMatchObject({ name: 'NoSuchBucketPolicy', $metadata: { httpStatusCode: 404 } });
    await expect(s3.send(new PutBucketPolicyCommand({ Bucket: 'configured', Policy: '{not json' }))).rejects.toMatchObject({ name: 'MalformedPolicy', $metadata: { httpStatusCode: 400 } });
    await expect(s3.send(new PutBucketPolicyCommand({ Bucket: 'configured', Policy: '{"Version":"2012-10-17"}' }))).rejects.toMatchObject({ name: 'MalformedPolicy' });
    // A policy granting one account: new buckets block public policies (BlockPublicPolicy).
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '111122223333' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::configured/*' }] });
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'configured', Policy: policy }));
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: 'configured' }))).Policy).toBe(policy);
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'configured' }));
    await expect(s3.send(new GetBucketPolicyCommand({ Bucket: 'configured' }))).rejects.toMatchObject({ name: 'NoSuchBucketPolicy' });

    // Every S3 bucket has SSE-S3 by default (since 2023); a configured rule replaces it until deleted.
    expect((await s3.send(new GetBucketEncryptionCommand({ Bucket: 'configured' }))).ServerSideEncryptionConfiguration?.Rules?.[0].ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('AES256');
    // S3 looks an SSE-KMS key up in KMS when an object is written: the key must exist.
    const kms = new KMSClient(server.clientConfig);
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/k', TargetKeyId: KeyMetadata!.KeyId }));
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'configured',
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/k' }, BucketKeyEnabled: true }] },
      }),
    );
    const enc = await s3.send(new GetBucketEncryptionCommand({ Bucket: 'configured' }));
    expect(enc.ServerSideEncryptionConfiguration?.Rules?.[0]).toEqual({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/k' }, BucketKeyEnabled: true });
    const put = await s3.send(new PutObjectCommand({ Bucket: 'configured', Key: 'k', Body: 'x' }));
    expect(put.ServerSideEncryption).toBe('aws:kms');
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: 'configured' }));
    expect((await s3.send(new GetBucketEncryptionCommand({ Bucket: 'configured' }))).ServerSideEncryptionConfiguration?.Rules?.[0].ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('AES256');

    expect(await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'configured' }))).not.toHaveProperty('QueueConfigurations');
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'configured',
        // The queue does not exist: only the stored configuration is under test here.
        SkipDestinationValidation: true,
        NotificationConfiguration: {
          QueueConfigurations: [{ Id: 'q', QueueArn: 'arn:aws:sqs:us-east-1:000000000000:q', Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'logs/' }] } } }],
          EventBridgeConfiguration: {},
        },
      }),
    );
    const notification = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'configured' }));
    // S3 answers the rule names capitalized, whatever case they were sent in.
    expect(notification.QueueConfigurations).toEqual([
      { Id: 'q', QueueArn: 'arn:aws:sqs:us-east-1:000000000000:q', Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'Prefix', Value: 'logs/' }] } } },
    ]);
    expect(notification.EventBridgeConfiguration).toEqual({});
    await expect(s3.send(new PutBucketVersioningCommand({ Bucket: 'nope-bucket', VersioningConfiguration: { Status: 'Enabled' } }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });

  it('unimplemented bucket operations answer 501, never a fake success', async () => {
    await expect(s3.send(new GetBucketPolicyStatusCommand({ Bucket: 'alpha' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 501 } });
  });

  it('refuses to delete a non-empty bucket', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'full' }));
    await s3.send(new PutObjectCommand({ Bucket: 'full', Key: 'k', Body: 'x' }));
    await expect(s3.send(new DeleteBucketCommand({ Bucket: 'full' }))).rejects.toMatchObject({ name: 'BucketNotEmpty', $metadata: { httpStatusCode: 409 }, BucketName: 'full' });
    await expect(s3.send(new DeleteBucketCommand({ Bucket: 'never-made' }))).rejects.toMatchObject({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } });
    await s3.send(new CreateBucketCommand({ Bucket: 'empty' }));
    expect((await s3.send(new DeleteBucketCommand({ Bucket: 'empty' }))).$metadata.httpStatusCode).toBe(204);
    await expect(s3.send(new HeadBucketCommand({ Bucket: 'empty' }))).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('lists with prefixes, delimiters, pagination and url encoding (v1 and v2)', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'listing' }));
    const keys = ['a.txt', 'b/1.txt', 'b/2.txt', 'b/c/3.txt', 'd/4.txt', 'e f+g.txt', 'z.txt'];
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: 'listing', Key, Body: Key }));

    const all = await s3.send(new ListObjectsV2Command({ Bucket: 'listing' }));
    expect(all.Contents?.map((c) => c.Key)).toEqual(keys);
    expect(all.KeyCount).toBe(7);

    const top = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    expect(top.Contents?.map((c) => c.Key)).toEqual(['a.txt', 'e f+g.txt', 'z.txt']);
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['b/', 'd/']);

    const underB = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'b/', Delimiter: '/' }));
    expect(underB.Contents?.map((c) => c.Key)).toEqual(['b/1.txt', 'b/2.txt']);
    expect(underB.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['b/c/']);

    // Pages of two with a delimiter: common prefixes count as entries and are never repeated.
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/', MaxKeys: 2, ContinuationToken: token }));
      seen.push(...(page.Contents ?? []).map((c) => c.Key!), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!));
      token = page.NextContinuationToken;
      expect(page.IsTruncated).toBe(token !== undefined);
    } while (token);
    expect(seen.sort()).toEqual(['a.txt', 'b/', 'd/', 'e f+g.txt', 'z.txt']);

    const after = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', StartAfter: 'd/4.txt' }));
    expect(after.Contents?.map((c) => c.Key)).toEqual(['e f+g.txt', 'z.txt']);

    const v1 = await s3.send(new ListObjectsCommand({ Bucket: 'listing', Delimiter: '/', MaxKeys: 2 }));
    expect(v1.IsTruncated).toBe(true);
    expect(v1.NextMarker).toBe('b/');
    const v1next = await s3.send(new ListObjectsCommand({ Bucket: 'listing', Delimiter: '/', Marker: v1.NextMarker }));
    expect(v1next.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['d/']);
    expect(v1next.Contents?.map((c) => c.Key)).toEqual(['e f+g.txt', 'z.txt']);
    const plain = await s3.send(new ListObjectsCommand({ Bucket: 'listing', Marker: 'b/c/3.txt', MaxKeys: 1 }));
    expect(plain.Contents?.map((c) => c.Key)).toEqual(['d/4.txt']);
    expect(plain.Contents?.[0].Owner?.ID).toMatch(/^[0-9a-f]{64}$/);

    const encoded = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'e', EncodingType: 'url' }));
    expect(encoded.Contents?.map((c) => c.Key)).toEqual(['e+f%2Bg.txt']);
    await expect(s3.send(new ListObjectsV2Command({ Bucket: 'listing', ContinuationToken: '!!' }))).rejects.toMatchObject({ name: 'InvalidArgument' });
    await expect(s3.send(new ListObjectsV2Command({ Bucket: 'nope-listing' }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });
});
