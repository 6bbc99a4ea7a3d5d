/**
 * S3's legacy Signature Version 2 `Authorization: AWS <AKID>:<signature>` header, which S3 still
 * accepts in the regions that had it before 2014: verified over the string S3 signs, refused in
 * S3's words and order (header form, date, skew, access key, signature), reachable only for buckets
 * of those regions, and seen by policies as s3:signatureversion AWS.
 */
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { promisify } from 'node:util';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamUser, expectAwsError, useServer } from '../helpers.js';
import { type RawResponse, send } from './raw-request.js';

const run = promisify(execFile);

/** Subresources S3 signs in the resource (those these tests use). */
const SUBRESOURCES = new Set(['acl', 'response-content-type', 'tagging', 'versions']);

/** The SigV2 header signature of a request, as botocore's HmacV1Auth makes it. */
function signature(method: string, path: string, query: Record<string, string>, headers: Record<string, string>, secret = 'test'): string {
  const amz = Object.keys(headers)
    .filter((h) => h.startsWith('x-amz-'))
    .sort()
    .map((h) => `${h}:${headers[h].trim()}\n`)
    .join('');
  const subresources = Object.entries(query)
    .filter(([k]) => SUBRESOURCES.has(k))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`));
  const resource = subresources.length ? `${path}?${subresources.join('&')}` : path;
  const dateLine = headers['x-amz-date'] !== undefined ? '' : (headers.date ?? '');
  const toSign = `${method}\n${headers['content-md5'] ?? ''}\n${headers['content-type'] ?? ''}\n${dateLine}\n${amz}${resource}`;
  return createHmac('sha1', secret).update(toSign).digest('base64');
}

describe('S3 SigV2 Authorization headers', () => {
  const server = useServer();
  let s3: S3Client;
  /** Sends a SigV2-signed request; `authorization` replaces the header the signature would make. */
  const v2 = (
    method: string,
    path: string,
    opts: { query?: Record<string, string>; headers?: Record<string, string>; body?: string; accessKeyId?: string; secret?: string; authorization?: string } = {},
  ): Promise<RawResponse> => {
    const headers = { date: new Date().toUTCString(), ...opts.headers };
    const authorization = opts.authorization ?? `AWS ${opts.accessKeyId ?? 'test'}:${signature(method, path, opts.query ?? {}, headers, opts.secret)}`;
    return send(server.url, { method, path, query: opts.query, headers: { ...headers, authorization }, body: opts.body });
  };

  beforeAll(async () => {
    s3 = new S3Client(server.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'legacy' }));
  });

  it('a SigV2-signed PUT, GET (with a signed response-* override), ACL and listing are served', async () => {
    const put = await v2('PUT', '/legacy/doc.txt', { headers: { 'content-type': 'text/plain', 'x-amz-meta-origin': 'v2', 'x-amz-tagging': 'a=1' }, body: 'legacy body' });
    expect(put.status).toBe(200);
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'legacy', Key: 'doc.txt' }))).Metadata).toEqual({ origin: 'v2' });
    const got = await v2('GET', '/legacy/doc.txt', { query: { 'response-content-type': 'application/x-legacy' } });
    expect([got.status, got.text, got.headers['content-type']]).toEqual([200, 'legacy body', 'application/x-legacy']);
    expect((await v2('GET', '/legacy/doc.txt', { query: { tagging: '' } })).text).toContain('<Key>a</Key><Value>1</Value>');
    expect((await v2('GET', '/legacy', { query: { versions: '' } })).text).toContain('<Key>doc.txt</Key>');
    // x-amz-date stands for Date, signed among the x-amz-* headers with an empty date line.
    const amzDated = await v2('GET', '/legacy/doc.txt', { headers: { 'x-amz-date': new Date().toUTCString() } });
    expect(amzDated.status).toBe(200);
  });

  it("botocore's own SigV2 signer (HmacV1Auth, the aws CLI v1's) is accepted", async () => {
    // The aws CLI itself signs S3 with SigV4 whatever its configuration says; its library still has the SigV2 signer.
    const script = [
      'import sys, urllib.request',
      'from botocore.auth import HmacV1Auth',
      'from botocore.awsrequest import AWSRequest',
      'from botocore.credentials import Credentials',
      "request = AWSRequest(method='PUT', url=sys.argv[1], data=b'signed by botocore', headers={'Content-Type': 'text/plain', 'x-amz-meta-signer': 'hmacv1'})",
      "HmacV1Auth(Credentials('test', 'test')).add_auth(request)",
      'prepared = request.prepare()',
      'print(urllib.request.urlopen(urllib.request.Request(prepared.url, data=prepared.body, headers=dict(prepared.headers), method=prepared.method)).status)',
    ].join('\n');
    const { stdout } = await run('python3', ['-c', script, `${server.url}/legacy/botocore.txt`], { env: { PATH: process.env.PATH, HOME: process.env.HOME } });
    expect(stdout.trim()).toBe('200');
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'legacy', Key: 'botocore.txt' }));
    expect([head.ContentLength, head.ContentType, head.Metadata]).toEqual([18, 'text/plain', { signer: 'hmacv1' }]);
  });

  it("refuses a malformed header, a missing or skewed date, an unknown key and a bad signature in S3's words, writing nothing", async () => {
    const refusals: [Promise<RawResponse>, number, string, string][] = [
      [v2('PUT', '/legacy/bad', { authorization: 'AWStest:abc', body: 'x' }), 400, 'InvalidArgument', "Authorization header is invalid -- one and only one ' ' (space) required"],
      [v2('PUT', '/legacy/bad', { authorization: 'AWS  test:abc', body: 'x' }), 400, 'InvalidArgument', "Authorization header is invalid -- one and only one ' ' (space) required"],
      [v2('PUT', '/legacy/bad', { authorization: 'Bearer token', body: 'x' }), 400, 'InvalidArgument', 'Unsupported Authorization Type'],
      [v2('PUT', '/legacy/bad', { authorization: 'AWS test', body: 'x' }), 400, 'InvalidArgument', 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature'],
      [v2('PUT', '/legacy/bad', { authorization: 'AWS test:a:b', body: 'x' }), 400, 'InvalidArgument', 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature'],
      [v2('PUT', '/legacy/bad', { headers: { date: 'yesterday' }, body: 'x' }), 403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header'],
      [
        v2('PUT', '/legacy/bad', { headers: { date: new Date(Date.now() - 20 * 60_000).toUTCString() }, body: 'x' }),
        403,
        'RequestTimeTooSkewed',
        'The difference between the request time and the current time is too large.',
      ],
      [v2('PUT', '/legacy/bad', { accessKeyId: 'AKIANOBODY0000000000', body: 'x' }), 403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'],
      [v2('PUT', '/legacy/bad', { secret: 'wrong', body: 'x' }), 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.'],
      [
        v2('PUT', '/legacy/bad', { query: { Signature: 'x' }, body: 'x' }),
        400,
        'InvalidArgument',
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      ],
    ];
    for (const [response, status, code, message] of refusals) {
      const res = await response;
      expect([res.status, res.code], res.text).toEqual([status, code]);
      expect(res.message).toContain(message);
    }
    await expectAwsError(s3.send(new HeadObjectCommand({ Bucket: 'legacy', Key: 'bad' })), { code: 'NotFound', status: 404 });
  });

  it('reaches no bucket of a region opened after 2014, and policies see s3:signatureversion AWS', async () => {
    const frankfurt = new S3Client({ ...server.clientConfig, region: 'eu-central-1' });
    await frankfurt.send(new CreateBucketCommand({ Bucket: 'legacy-frankfurt', CreateBucketConfiguration: { LocationConstraint: 'eu-central-1' } }));
    const refused = await v2('PUT', '/legacy-frankfurt/k', { body: 'x' });
    expect([refused.status, refused.code, refused.message]).toEqual([400, 'InvalidRequest', 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.']);

    const onlyV4 = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:*', Resource: '*' },
        { Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { StringEquals: { 's3:signatureversion': 'AWS' } } },
      ],
    });
    const user = await createIamUser(server.clientConfig, 'v4-only', [onlyV4]);
    const { accessKeyId, secretAccessKey } = user.credentials;
    const denied = await v2('PUT', '/legacy/by-user', { accessKeyId, secret: secretAccessKey, body: 'x' });
    expect([denied.status, denied.code]).toEqual([403, 'AccessDenied']);
    await new S3Client({ ...server.clientConfig, credentials: user.credentials }).send(new PutObjectCommand({ Bucket: 'legacy', Key: 'by-user', Body: 'x' }));
  });
});
