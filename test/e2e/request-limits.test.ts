/**
 * Requests beyond AWS's size limits get AWS's answer, never a dropped connection: 70 KB object keys
 * in the URL (KeyTooLongError, as S3 answers for any key over 1024 bytes), a 70 KB prefix (no key,
 * so no key limit: an empty listing), more than S3's 8 KB of headers (RequestHeaderSectionTooLarge),
 * and headers beyond even the server's own 1 MiB limit (a 400 from the HTTP layer). Hand-signed raw
 * requests, since the SDK itself refuses some of these; the server keeps serving afterwards.
 */

import { request } from 'node:http';
import { CreateBucketCommand, CreateMultipartUploadCommand, ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers.js';
import { parseResponse, type RawRequest, type RawResponse, signedRequest } from './raw-request.js';

const BUCKET = 'limits';
const LONG_KEY = 'k'.repeat(70 * 1024);

describe('requests beyond the size limits', () => {
  let server: TestServer;
  let s3: S3Client;
  let uploadId: string;

  const s3Request = (method: string, path: string, query: Record<string, string> = {}, headers: Record<string, string> = {}): RawRequest => ({
    service: 's3',
    method,
    path,
    query,
    headers,
    signPayloadHeader: true,
  });

  beforeAll(async () => {
    server = await startTestServer();
    s3 = new S3Client({ ...server.clientConfig, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'source', Body: 'source body' }));
    uploadId = (await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'upload' }))).UploadId!;
  });
  afterAll(async () => server.stop());

  it('ListParts with a 70 KB key in the URL: KeyTooLongError', async () => {
    const res = await signedRequest(server.url, s3Request('GET', `/${BUCKET}/${LONG_KEY}`, { uploadId }));
    expect({ status: res.status, code: res.code, message: res.message }).toEqual({ status: 400, code: 'KeyTooLongError', message: 'Your key is too long' });
    expect(res.text).toContain('<MaxSizeAllowed>1024</MaxSizeAllowed>');
  });

  it('UploadPartCopy with a 70 KB key, or a copy source key over 1024 bytes: KeyTooLongError', async () => {
    const longTarget = await signedRequest(server.url, s3Request('PUT', `/${BUCKET}/${LONG_KEY}`, { partNumber: '1', uploadId }, { 'x-amz-copy-source': `${BUCKET}/source` }));
    expect({ status: longTarget.status, code: longTarget.code }).toEqual({ status: 400, code: 'KeyTooLongError' });
    const longSource = await signedRequest(server.url, s3Request('PUT', `/${BUCKET}/upload`, { partNumber: '1', uploadId }, { 'x-amz-copy-source': `${BUCKET}/${'s'.repeat(2048)}` }));
    expect({ status: longSource.status, code: longSource.code }).toEqual({ status: 400, code: 'KeyTooLongError' });
  });

  it('ListMultipartUploads with a 70 KB prefix: no key can match it, so an empty listing', async () => {
    const res = await signedRequest(server.url, s3Request('GET', `/${BUCKET}`, { uploads: '', prefix: LONG_KEY }));
    expect(res.status).toBe(200);
    expect(res.text).toContain('<ListMultipartUploadsResult');
    expect(res.text).not.toContain('<Upload>');
  });

  it('a 70 KB header value: RequestHeaderSectionTooLarge, as S3 answers beyond its 8 KB of headers', async () => {
    const metadata = await signedRequest(server.url, { ...s3Request('PUT', `/${BUCKET}/big-metadata`, {}, { 'x-amz-meta-big': 'v'.repeat(70 * 1024) }), body: 'x' });
    expect({ status: metadata.status, code: metadata.code }).toEqual({ status: 400, code: 'RequestHeaderSectionTooLarge' });
    expect(metadata.text).toContain('<MaxSizeAllowed>8192</MaxSizeAllowed>');
    const copySource = await signedRequest(server.url, s3Request('PUT', `/${BUCKET}/upload`, { partNumber: '1', uploadId }, { 'x-amz-copy-source': `${BUCKET}/${LONG_KEY}` }));
    expect({ status: copySource.status, code: copySource.code }).toEqual({ status: 400, code: 'RequestHeaderSectionTooLarge' });
    // Nothing was written.
    const head = await signedRequest(server.url, s3Request('HEAD', `/${BUCKET}/big-metadata`));
    expect(head.status).toBe(404);
  });

  it("headers beyond the server's own limit still get an HTTP answer, not a reset", async () => {
    const res = await rawGet(server.port, `/${BUCKET}`, { 'x-huge': 'h'.repeat(2 * 1024 * 1024) });
    expect({ status: res.status, code: res.code }).toEqual({ status: 400, code: 'RequestHeaderSectionTooLarge' });
  });

  it('keeps serving afterwards, on new and reused connections', async () => {
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual([BUCKET]);
    expect((await fetch(`${server.url}/_drydock/health`)).status).toBe(200);
  });
});

/** A GET with exactly these headers; resolves with the answer even if the server stops reading the request. */
function rawGet(port: number, path: string, headers: Record<string, string>): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(parseResponse(res.statusCode ?? 0, res.headers, Buffer.concat(chunks))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
