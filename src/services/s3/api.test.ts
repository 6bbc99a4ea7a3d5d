import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers.js';
import type { AwsEvent } from '../../core/events.js';
import type { S3Api } from './index.js';

describe('S3 api for other services, accounts and events', () => {
  let server: TestServer;
  let s3: S3Client;
  let api: S3Api;
  const scope = { account: '000000000000', region: 'us-east-1' };
  beforeAll(async () => {
    server = await startTestServer();
    s3 = new S3Client(server.clientConfig);
    api = server.runtime.api('s3');
  });
  afterAll(async () => server.stop());

  it('puts, reads, heads and deletes objects the SDK sees too', async () => {
    api.createBucket(scope, 'artifacts');
    api.createBucket(scope, 'artifacts'); // idempotent for its owner
    expect(api.bucketExists(scope, 'artifacts')).toBe(true);
    const put = await api.putObject(scope, 'artifacts', 'build/output.zip', Buffer.from('zip bytes'), { contentType: 'application/zip', metadata: { pipeline: 'p1' } });
    expect(put).toMatchObject({ size: 9, etag: `"${createHash('md5').update('zip bytes').digest('hex')}"` });
    const streamed = await api.putObject(scope, 'artifacts', 'logs.txt', Readable.from([Buffer.from('line 1\n'), Buffer.from('line 2\n')]));
    expect(streamed.size).toBe(14);

    const viaSdk = await s3.send(new GetObjectCommand({ Bucket: 'artifacts', Key: 'build/output.zip' }));
    expect(viaSdk).toMatchObject({ ContentType: 'application/zip', Metadata: { pipeline: 'p1' }, ETag: put.etag });
    await s3.send(new PutObjectCommand({ Bucket: 'artifacts', Key: 'from-sdk.txt', Body: 'sdk' }));
    const read = api.getObject(scope, 'artifacts', 'from-sdk.txt');
    expect(await text(read.body)).toBe('sdk');
    expect(api.headObject(scope, 'artifacts', 'logs.txt')).toMatchObject({ size: 14, contentType: 'binary/octet-stream' });
    expect(api.listObjects(scope, 'artifacts').map((o) => o.key)).toEqual(['build/output.zip', 'from-sdk.txt', 'logs.txt']);
    expect(api.listObjects(scope, 'artifacts', 'build/').map((o) => [o.key, o.size])).toEqual([['build/output.zip', 9]]);
    api.deleteObject(scope, 'artifacts', 'logs.txt');
    expect(() => api.headObject(scope, 'artifacts', 'logs.txt')).toThrow(expect.objectContaining({ code: 'NoSuchKey' }));
    expect(() => api.getObject(scope, 'nope-bucket', 'k')).toThrow(expect.objectContaining({ code: 'NoSuchBucket' }));
  });

  it('keeps buckets private to their account', async () => {
    const other = new S3Client({ ...server.clientConfig, credentials: { accessKeyId: '111111111111', secretAccessKey: 'test' } });
    await other.send(new CreateBucketCommand({ Bucket: 'other-account' }));
    await expect(s3.send(new ListObjectsV2Command({ Bucket: 'other-account' }))).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'other-account', Key: 'k' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    await expect(s3.send(new CreateBucketCommand({ Bucket: 'other-account' }))).rejects.toMatchObject({ name: 'BucketAlreadyExists', $metadata: { httpStatusCode: 409 } });
    expect(api.bucketExists(scope, 'other-account')).toBe(false);
  });

  it('publishes EventBridge events for buckets that enable them', async () => {
    const events: AwsEvent[] = [];
    const unsubscribe = server.runtime.events.subscribe((event) => events.push(event));
    await s3.send(new CreateBucketCommand({ Bucket: 'evented' }));
    await s3.send(new PutObjectCommand({ Bucket: 'evented', Key: 'quiet', Body: 'x' }));
    expect(events).toHaveLength(0);
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'evented', NotificationConfiguration: { EventBridgeConfiguration: {} } }));
    await s3.send(new PutObjectCommand({ Bucket: 'evented', Key: 'loud', Body: 'xyz' }));
    unsubscribe();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      source: 'aws.s3',
      'detail-type': 'Object Created',
      resources: ['arn:aws:s3:::evented'],
      detail: { bucket: { name: 'evented' }, object: { key: 'loud', size: 3 } },
    });
  });
});
