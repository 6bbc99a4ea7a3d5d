/**
 * S3 wire details the SDK does not show directly: hand-built aws-chunked uploads (signed chunks,
 * signed and unsigned trailers) and virtual-hosted-style requests, each signed with
 * @smithy/signature-v4 as the SDKs sign them.
 */

import { createHash, createHmac } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Crc32 } from '@aws-crypto/crc32';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSigningKey, SignatureV4 } from '@smithy/signature-v4';
import type { SourceData } from '@smithy/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';

class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', Buffer.from(secret as Uint8Array));
  }
  update(data: Uint8Array | string): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

const EMPTY_SHA256 = createHash('sha256').digest('hex');
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const crc32Base64 = (data: Buffer) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(new Crc32().update(data).digest() >>> 0);
  return out.toString('base64');
};

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(port: number, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function sign(host: string, method: string, path: string, headers: Record<string, string>, date = new Date()) {
  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials, sha256: Sha256, uriEscapePath: false });
  const signed = await signer.sign({ method, protocol: 'http:', hostname: host.replace(/:\d+$/, ''), path, query: {}, headers: { host, ...headers } }, { signingDate: date });
  const authorization = signed.headers.authorization;
  const seed = /Signature=([0-9a-f]{64})/.exec(authorization)![1];
  return { headers: signed.headers as Record<string, string>, seed, longDate: signed.headers['x-amz-date'] };
}

/**
 * Encodes `chunks` as aws-chunked with chained chunk signatures (SigV4 streaming), plus signed
 * trailers when given. `tamper` flips a byte of the first chunk after signing.
 */
async function chunkedUpload(port: number, path: string, chunks: Buffer[], options: { trailer?: Record<string, string>; tamper?: boolean } = {}) {
  const host = `127.0.0.1:${port}`;
  const payload = Buffer.concat(chunks);
  const mode = options.trailer ? 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER' : 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
  const headers: Record<string, string> = {
    'x-amz-content-sha256': mode,
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': String(payload.length),
  };
  if (options.trailer) headers['x-amz-trailer'] = Object.keys(options.trailer).join(',');
  const now = new Date();
  const { headers: signedHeaders, seed, longDate } = await sign(host, 'PUT', path, headers, now);
  const shortDate = longDate.slice(0, 8);
  const scope = `${shortDate}/us-east-1/s3/aws4_request`;
  const key = await getSigningKey(Sha256, credentials, shortDate, 'us-east-1', 's3');
  let previous = seed;
  const parts: Buffer[] = [];
  for (const chunk of [...chunks, Buffer.alloc(0)]) {
    const toSign = `AWS4-HMAC-SHA256-PAYLOAD\n${longDate}\n${scope}\n${previous}\n${EMPTY_SHA256}\n${sha256Hex(chunk)}`;
    previous = createHmac('sha256', key).update(toSign).digest('hex');
    const data = Buffer.from(chunk);
    if (options.tamper && parts.length === 0 && data.length) data[0] ^= 1;
    parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${previous}\r\n`), data, chunk.length ? Buffer.from('\r\n') : Buffer.alloc(0));
  }
  if (options.trailer) {
    const text = Object.entries(options.trailer)
      .map(([k, v]) => `${k}:${v}\n`)
      .join('');
    const toSign = `AWS4-HMAC-SHA256-TRAILER\n${longDate}\n${scope}\n${previous}\n${sha256Hex(text)}`;
    const trailerSignature = createHmac('sha256', key).update(toSign).digest('hex');
    parts.push(Buffer.from(`${text.replace(/\n/g, '\r\n')}x-amz-trailer-signature:${trailerSignature}\r\n\r\n`));
  } else {
    parts.push(Buffer.from('\r\n'));
  }
  const body = Buffer.concat(parts);
  return send(port, 'PUT', path, { ...signedHeaders, 'content-length': String(body.length) }, body);
}

describe('S3 wire: aws-chunked uploads and virtual-hosted-style requests', () => {
  const server = useServer();
  let s3: S3Client;
  let port: number;
  beforeAll(async () => {
    s3 = new S3Client(server.clientConfig);
    port = Number(new URL(server.url).port);
    await s3.send(new CreateBucketCommand({ Bucket: 'wire' }));
  });

  const blobCount = () => readdirSync(join(server.dataDir, 'blobs'), { recursive: true, withFileTypes: true }).filter((d) => d.isFile() && !d.parentPath.includes('.tmp')).length;

  it('accepts a signed aws-chunked upload, chunk by chunk', async () => {
    const chunks = [Buffer.alloc(65536, 'x'), Buffer.alloc(1000, 'y')];
    const res = await chunkedUpload(port, '/wire/chunked.bin', chunks);
    expect(res.status).toBe(200);
    const payload = Buffer.concat(chunks);
    expect(res.headers.etag).toBe(`"${createHash('md5').update(payload).digest('hex')}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'wire', Key: 'chunked.bin' }));
    expect(got.ContentEncoding).toBeUndefined();
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(payload)).toBe(true);
  });

  it('verifies a signed trailer checksum and returns it', async () => {
    const chunks = [Buffer.from('hello '), Buffer.from('trailer')];
    const crc = crc32Base64(Buffer.concat(chunks));
    const res = await chunkedUpload(port, '/wire/trailer.txt', chunks, { trailer: { 'x-amz-checksum-crc32': crc } });
    expect(res.status).toBe(200);
    expect(res.headers['x-amz-checksum-crc32']).toBe(crc);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'wire', Key: 'trailer.txt', ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumCRC32).toBe(crc);
  });

  it('a tampered chunk is SignatureDoesNotMatch and nothing is stored', async () => {
    const before = blobCount();
    const res = await chunkedUpload(port, '/wire/tampered.bin', [Buffer.alloc(8192, 'a'), Buffer.alloc(10, 'b')], { tamper: true });
    expect(res.status).toBe(403);
    expect(res.body).toContain('<Code>SignatureDoesNotMatch</Code>');
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'wire', Key: 'tampered.bin' }))).rejects.toMatchObject({ name: 'NotFound' });
    expect(blobCount()).toBe(before);
  });

  it('a wrong signed trailer checksum is BadDigest and nothing is stored', async () => {
    const before = blobCount();
    const res = await chunkedUpload(port, '/wire/bad-trailer.txt', [Buffer.from('abc')], { trailer: { 'x-amz-checksum-crc32': crc32Base64(Buffer.from('xyz')) } });
    expect(res.status).toBe(400);
    expect(res.body).toContain('<Code>BadDigest</Code>');
    expect(blobCount()).toBe(before);
  });

  it('accepts an unsigned-payload trailer body (what the JS SDK streams) and checks its checksum', async () => {
    const host = `127.0.0.1:${port}`;
    const data = Buffer.from('unsigned trailer body');
    const encode = (crc: string) => Buffer.from(`${data.length.toString(16)}\r\n${data.toString()}\r\n0\r\nx-amz-checksum-crc32:${crc}\r\n\r\n`);
    const put = async (key: string, crc: string, declaredLength = data.length) => {
      const body = encode(crc);
      const { headers } = await sign(host, 'PUT', `/wire/${key}`, {
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': String(declaredLength),
        'x-amz-trailer': 'x-amz-checksum-crc32',
      });
      return send(port, 'PUT', `/wire/${key}`, { ...headers, 'content-length': String(body.length) }, body);
    };
    const ok = await put('unsigned.txt', crc32Base64(data));
    expect(ok.status).toBe(200);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'wire', Key: 'unsigned.txt' }))).Body!.transformToString()).toBe('unsigned trailer body');
    const bad = await put('unsigned-bad.txt', crc32Base64(Buffer.from('other')));
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('BadDigest');
    const tooLarge = await put('too-large.bin', crc32Base64(data), 6 * 1024 ** 3);
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.body).toContain('<Code>EntityTooLarge</Code>');
    const lying = await put('short.bin', crc32Base64(data), data.length + 5);
    expect(lying.status).toBe(400);
    expect(lying.body).toContain('<Code>IncompleteBody</Code>');
  });

  it('routes virtual-hosted-style requests (bucket in the Host header)', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'wire', Key: 'dir/vhost.txt', Body: 'virtual host' }));
    for (const host of [`wire.localhost:${port}`, `wire.s3.localhost.localstack.cloud:${port}`]) {
      const { headers } = await sign(host, 'GET', '/dir/vhost.txt', { 'x-amz-content-sha256': EMPTY_SHA256 });
      const res = await send(port, 'GET', '/dir/vhost.txt', headers);
      expect(res.status).toBe(200);
      expect(res.body).toBe('virtual host');
    }
    const { headers } = await sign(`wire.localhost:${port}`, 'GET', '/', { 'x-amz-content-sha256': EMPTY_SHA256 });
    const list = await send(port, 'GET', '/?list-type=2', headers);
    // The query string was not signed above: a different canonical request must be refused.
    expect(list.status).toBe(403);
    const signedList = await new SignatureV4({ service: 's3', region: 'us-east-1', credentials, sha256: Sha256, uriEscapePath: false }).sign({
      method: 'GET',
      protocol: 'http:',
      hostname: 'wire.localhost',
      path: '/',
      query: { 'list-type': '2' },
      headers: { host: `wire.localhost:${port}`, 'x-amz-content-sha256': EMPTY_SHA256 },
    });
    const listed = await send(port, 'GET', '/?list-type=2', signedList.headers as Record<string, string>);
    expect(listed.status).toBe(200);
    expect(listed.body).toContain('<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">');
    expect(listed.body).toContain('<Key>dir/vhost.txt</Key>');
  });

  it('DeleteObjects needs a body digest, and a wrong Content-MD5 on a buffered body is BadDigest', async () => {
    const body = Buffer.from('<Delete><Object><Key>k</Key></Object></Delete>');
    const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials, sha256: Sha256, uriEscapePath: false });
    const post = async (extra: Record<string, string>) => {
      const signed = await signer.sign({
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        path: '/wire',
        query: { delete: '' },
        headers: { host: `127.0.0.1:${port}`, 'x-amz-content-sha256': sha256Hex(body), ...extra },
      });
      return send(port, 'POST', '/wire?delete=', { ...(signed.headers as Record<string, string>), 'content-length': String(body.length) }, body);
    };
    const missing = await post({});
    expect(missing.status).toBe(400);
    expect(missing.body).toContain('<Code>InvalidRequest</Code>');
    const wrong = await post({ 'content-md5': createHash('md5').update('other').digest('base64') });
    expect(wrong.body).toContain('<Code>BadDigest</Code>');
    const ok = await post({ 'content-md5': createHash('md5').update(body).digest('base64') });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Deleted><Key>k</Key></Deleted></DeleteResult>');
  });

  it('sends S3 root element names with the S3 namespace', async () => {
    const { headers } = await sign(`127.0.0.1:${port}`, 'GET', '/', { 'x-amz-content-sha256': EMPTY_SHA256 });
    const res = await send(port, 'GET', '/', headers);
    expect(res.body).toContain('<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">');
    const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials, sha256: Sha256, uriEscapePath: false });
    const loc = await signer.sign({
      method: 'GET',
      protocol: 'http:',
      hostname: '127.0.0.1',
      path: '/wire',
      query: { location: '' },
      headers: { host: `127.0.0.1:${port}`, 'x-amz-content-sha256': EMPTY_SHA256 },
    });
    const locRes = await send(port, 'GET', '/wire?location=', loc.headers as Record<string, string>);
    expect(locRes.body).toContain('<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>');
  });
});
