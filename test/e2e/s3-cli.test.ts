import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers.js';

const MB = 1000 * 1000;

describe('S3 through the aws CLI', () => {
  // Each CLI run costs a Python start-up: the CLI runs what is under test, the SDK sets up and checks.
  let server: TestServer;
  let s3: S3Client;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer();
    s3 = new S3Client(server.clientConfig);
    dir = mkdtempSync(join(tmpdir(), 'drydock-s3-cli-'));
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('mb, cp (small and 20 MB multipart), ls, presign and round trip', async () => {
    await server.aws(['s3', 'mb', 's3://cli-bucket']);
    const small = join(dir, 'small.txt');
    writeFileSync(small, 'small file\n');
    await server.aws(['s3', 'cp', small, 's3://cli-bucket/docs/small.txt']);
    const big = join(dir, 'big.bin');
    const data = Buffer.alloc(20 * MB);
    for (let i = 0; i < data.length; i += 997) data[i] = i % 256;
    writeFileSync(big, data);
    await server.aws(['s3', 'cp', big, 's3://cli-bucket/big.bin']);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'cli-bucket', Key: 'big.bin' }));
    expect(head.ContentLength).toBe(20 * MB);
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}-\d+"$/); // the CLI switched to multipart

    const back = join(dir, 'back.bin');
    await server.aws(['s3', 'cp', 's3://cli-bucket/big.bin', back]);
    expect(createHash('sha256').update(readFileSync(back)).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));

    const buckets = (await server.aws(['s3', 'ls'])).stdout;
    expect(buckets).toContain('cli-bucket');
    const prefixed = (await server.aws(['s3', 'ls', 's3://cli-bucket/docs/'])).stdout;
    expect(prefixed).toMatch(/11 small\.txt/);
    const url = (await server.aws(['s3', 'presign', 's3://cli-bucket/docs/small.txt'])).stdout.trim();
    expect(await (await fetch(url)).text()).toBe('small file\n');
  });

  it('sync uploads only what changed, and rb --force empties and removes the bucket', async () => {
    const folder = join(dir, 'site');
    mkdirSync(join(folder, 'nested dir'), { recursive: true });
    writeFileSync(join(folder, 'index.html'), '<h1>hi</h1>');
    writeFileSync(join(folder, 'nested dir', 'a+b.txt'), 'plus');
    // S3's LastModified has one-second precision (as AWS's): a file written in the same second as its
    // upload would look newer than its copy to the next sync, so the files are dated a minute back.
    const aMinuteAgo = new Date(Date.now() - 60_000);
    for (const file of [join(folder, 'index.html'), join(folder, 'nested dir', 'a+b.txt')]) utimesSync(file, aMinuteAgo, aMinuteAgo);
    await s3.send(new CreateBucketCommand({ Bucket: 'sync-bucket' }));
    const first = (await server.aws(['s3', 'sync', folder, 's3://sync-bucket/site'])).stdout;
    expect(first.match(/upload:/g)).toHaveLength(2);
    const again = (await server.aws(['s3', 'sync', folder, 's3://sync-bucket/site'])).stdout;
    expect(again).not.toContain('upload:');
    const keys = (await s3.send(new ListObjectsV2Command({ Bucket: 'sync-bucket' }))).Contents?.map((c) => c.Key);
    expect(keys).toEqual(['site/index.html', 'site/nested dir/a+b.txt']);
    const down = join(dir, 'down');
    await server.aws(['s3', 'sync', 's3://sync-bucket/site', down]);
    expect(readFileSync(join(down, 'nested dir', 'a+b.txt'), 'utf8')).toBe('plus');

    const listing = (await server.aws(['s3', 'ls', 's3://sync-bucket/site/'])).stdout;
    expect(listing).toContain('PRE nested dir/');
    expect(listing).toContain('index.html');
    await server.aws(['s3', 'rb', 's3://sync-bucket', '--force']);
    await expect(s3.send(new HeadBucketCommand({ Bucket: 'sync-bucket' }))).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('s3api calls: put/get object with tagging and metadata, ranges, errors, delete-objects', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'api-bucket' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'api-bucket', VersioningConfiguration: { Status: 'Enabled' } }));
    const file = join(dir, 'body.txt');
    writeFileSync(file, 'api body');
    await s3.send(new PutObjectCommand({ Bucket: 'api-bucket', Key: 'sdk', Body: 'x' }));
    const put = JSON.parse((await server.aws(['s3api', 'put-object', '--bucket', 'api-bucket', '--key', 'k', '--body', file, '--tagging', 'a=b', '--metadata', 'x=y'])).stdout);
    expect(put.ETag).toBe(`"${createHash('md5').update('api body').digest('hex')}"`);
    const out = join(dir, 'out.txt');
    const got = JSON.parse((await server.aws(['s3api', 'get-object', '--bucket', 'api-bucket', '--key', 'k', out])).stdout);
    expect(got).toMatchObject({ ContentLength: 8, Metadata: { x: 'y' }, TagCount: 1 });
    expect(readFileSync(out, 'utf8')).toBe('api body');
    const ranged = JSON.parse((await server.aws(['s3api', 'get-object', '--bucket', 'api-bucket', '--key', 'k', '--range', 'bytes=0-2', out])).stdout);
    expect(ranged.ContentRange).toBe('bytes 0-2/8');
    expect(readFileSync(out, 'utf8')).toBe('api');
    await expect(server.aws(['s3api', 'get-object', '--bucket', 'api-bucket', '--key', 'missing', out])).rejects.toMatchObject({ stderr: expect.stringContaining('NoSuchKey') });
    const deleted = JSON.parse((await server.aws(['s3api', 'delete-objects', '--bucket', 'api-bucket', '--delete', 'Objects=[{Key=k}]'])).stdout);
    expect(deleted.Deleted[0]).toMatchObject({ Key: 'k', DeleteMarker: true });
  });
});
