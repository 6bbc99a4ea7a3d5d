/**
 * SigV4 authentication end to end: real SDK clients and hand-signed raw requests against a real
 * server, for the three auth styles Drydock speaks (awsJson, awsQuery, S3 REST) and presigned URLs.
 */

import { createHmac } from 'node:crypto';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';
import { parseResponse, presign, type RawRequest, requests, send, sign, signedRequest } from './raw-request.js';

const STS_VERSION = '2011-06-15';
const MINUTE = 60_000;

describe('SigV4', () => {
  const server = useServer();

  const ssmGet = (name: string, extra: Partial<RawRequest> = {}) => requests.json('ssm', 'AmazonSSM', 'GetParameter', { Name: name }, '1.1', extra);
  const stsWhoAmI = (extra: Partial<RawRequest> = {}) => requests.query('sts', 'GetCallerIdentity', STS_VERSION, {}, extra);
  const s3List = (extra: Partial<RawRequest> = {}): RawRequest => ({ service: 's3', method: 'GET', path: '/', signPayloadHeader: true, ...extra });

  describe('header auth', () => {
    it('accepts a hand-signed awsJson request', async () => {
      const put = await signedRequest(server.url, requests.json('ssm', 'AmazonSSM', 'PutParameter', { Name: '/sig/json', Value: 'v', Type: 'String' }));
      expect(put.status).toBe(200);
      expect(JSON.parse(put.text)).toMatchObject({ Version: 1 });
    });

    it('accepts a hand-signed awsQuery request', async () => {
      const res = await signedRequest(server.url, stsWhoAmI());
      expect(res.status).toBe(200);
      expect(res.text).toContain('<Account>000000000000</Account>');
    });

    it('accepts a hand-signed REST request (S3, signed payload header)', async () => {
      const res = await signedRequest(server.url, s3List());
      expect(res.status).toBe(200);
      expect(res.text).toContain('ListAllMyBucketsResult');
    });

    it('accepts what the real SDK clients sign, including S3 streaming uploads', async () => {
      const s3 = new S3Client(server.clientConfig);
      await s3.send(new CreateBucketCommand({ Bucket: 'sigv4-bucket' }));
      await s3.send(new PutObjectCommand({ Bucket: 'sigv4-bucket', Key: 'a b/ü.txt', Body: 'payload' }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'sigv4-bucket', Key: 'a b/ü.txt' }));
      expect(await got.Body!.transformToString()).toBe('payload');
      const id = await new STSClient(server.clientConfig).send(new GetCallerIdentityCommand({}));
      expect(id.Account).toBe('000000000000');
    });
  });

  describe('presigned URLs', () => {
    it('serves a presigned STS GetCallerIdentity GET', async () => {
      const url = await presign(server.url, { service: 'sts', path: '/', query: { Action: 'GetCallerIdentity', Version: STS_VERSION }, expiresIn: 300 });
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<Arn>arn:aws:iam::000000000000:root</Arn>');
    });

    it('serves a presigned S3 GetObject made by the SDK presigner', async () => {
      const s3 = new S3Client(server.clientConfig);
      await s3.send(new CreateBucketCommand({ Bucket: 'presign-bucket' }));
      await s3.send(new PutObjectCommand({ Bucket: 'presign-bucket', Key: 'k', Body: 'presigned body' }));
      const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'presign-bucket', Key: 'k' }), { expiresIn: 60 });
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('presigned body');
    });

    it('refuses an expired presigned URL with AccessDenied "Request has expired"', async () => {
      const signingDate = new Date(Date.now() - 10 * MINUTE);
      for (const service of ['sts', 's3'] as const) {
        const query: Record<string, string> = service === 'sts' ? { Action: 'GetCallerIdentity', Version: STS_VERSION } : {};
        const url = await presign(server.url, { service, path: '/', query, expiresIn: 60, signingDate });
        const res = await fetch(url);
        const parsed = parseResponse(res.status, {}, Buffer.from(await res.text()));
        expect({ service, status: parsed.status, code: parsed.code, message: parsed.message }).toEqual({ service, status: 403, code: 'AccessDenied', message: 'Request has expired' });
      }
    });

    it('serves the legacy SigV2 presigned URLs of `aws s3 presign` (aws CLI v1)', async () => {
      const s3 = new S3Client(server.clientConfig);
      await s3.send(new CreateBucketCommand({ Bucket: 'sigv2-bucket' }));
      await s3.send(new PutObjectCommand({ Bucket: 'sigv2-bucket', Key: 'dir/a b+c.txt', Body: 'legacy' }));
      const { stdout } = await server.aws(['s3', 'presign', 's3://sigv2-bucket/dir/a b+c.txt', '--expires-in', '120']);
      const url = new URL(stdout.trim());
      expect(url.searchParams.get('AWSAccessKeyId')).toBe('test');
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('legacy');

      const tampered = new URL(url);
      tampered.searchParams.set('Expires', String(Number(url.searchParams.get('Expires')) + 1000));
      const bad = await fetch(tampered);
      expect(bad.status).toBe(403);
      expect(await bad.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    });

    it('refuses an expired SigV2 presigned URL', async () => {
      const expires = Math.floor(Date.now() / 1000) - 60;
      const path = '/sigv2-bucket/dir/x';
      const signature = createHmac('sha1', 'test').update(`GET\n\n\n${expires}\n${path}`).digest('base64');
      const res = await fetch(`${server.url}${path}?AWSAccessKeyId=test&Expires=${expires}&Signature=${encodeURIComponent(signature)}`);
      expect(res.status).toBe(403);
      const text = await res.text();
      expect(text).toContain('<Code>AccessDenied</Code>');
      expect(text).toContain('<Message>Request has expired</Message>');
    });

    it('refuses X-Amz-Expires beyond seven days', async () => {
      // The SDK signer itself refuses to presign beyond a week, so a valid URL is altered.
      const url = new URL(await presign(server.url, { service: 's3', path: '/presign-bucket/k', expiresIn: 60 }));
      url.searchParams.set('X-Amz-Expires', '604801');
      const res = await fetch(url);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('<Code>AuthorizationQueryParametersError</Code>');
    });

    it('refuses a presigned URL whose signature does not match', async () => {
      const url = await presign(server.url, { service: 'sts', path: '/', query: { Action: 'GetCallerIdentity', Version: STS_VERSION }, secretAccessKey: 'wrong' });
      const res = await fetch(url);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    });
  });

  describe('rejections', () => {
    it.each([
      ['awsJson', () => ssmGet('/x', { secretAccessKey: 'wrong' })],
      ['awsQuery', () => stsWhoAmI({ secretAccessKey: 'wrong' })],
      ['S3', () => s3List({ secretAccessKey: 'wrong' })],
    ])('wrong secret → 403 SignatureDoesNotMatch (%s)', async (_style, build) => {
      const res = await signedRequest(server.url, build());
      expect([res.status, res.code]).toEqual([403, 'SignatureDoesNotMatch']);
    });

    it.each([
      ['awsJson', () => ssmGet('/x', { accessKeyId: 'AKIAUNKNOWN0000000000' }), 400, 'UnrecognizedClientException'],
      ['awsQuery', () => stsWhoAmI({ accessKeyId: 'AKIAUNKNOWN0000000000' }), 403, 'InvalidClientTokenId'],
      ['S3', () => s3List({ accessKeyId: 'AKIAUNKNOWN0000000000' }), 403, 'InvalidAccessKeyId'],
    ])('unknown access key → AWS error of the protocol (%s)', async (_style, build, status, code) => {
      const res = await signedRequest(server.url, build());
      expect([res.status, res.code]).toEqual([status, code]);
    });

    it.each([
      ['awsJson', () => ssmGet('/x', { signingDate: new Date(Date.now() - 20 * MINUTE) }), 'SignatureDoesNotMatch'],
      ['awsQuery', () => stsWhoAmI({ signingDate: new Date(Date.now() + 20 * MINUTE) }), 'SignatureDoesNotMatch'],
      ['S3', () => s3List({ signingDate: new Date(Date.now() - 20 * MINUTE) }), 'RequestTimeTooSkewed'],
    ])('request time skewed by more than 15 minutes → 403 (%s)', async (style, build, code) => {
      const res = await signedRequest(server.url, build());
      expect([res.status, res.code]).toEqual([403, code]);
      if (style !== 'S3') expect(res.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than/);
    });

    it('accepts a request signed 14 minutes ago', async () => {
      const res = await signedRequest(server.url, stsWhoAmI({ signingDate: new Date(Date.now() - 14 * MINUTE) }));
      expect(res.status).toBe(200);
    });

    it.each([
      ['awsJson', () => ssmGet('/x', { unsigned: true }), 'MissingAuthenticationTokenException'],
      ['awsQuery', () => stsWhoAmI({ unsigned: true }), 'MissingAuthenticationToken'],
      ['S3', () => s3List({ unsigned: true }), 'AccessDenied'],
    ])('missing authentication → 403 (%s)', async (_style, build, code) => {
      const res = await signedRequest(server.url, build());
      expect([res.status, res.code]).toEqual([403, code]);
    });

    const malformedHeaders: [string, (h: string) => string][] = [
      ['no Signature', (h) => h.replace(/, Signature=[0-9a-f]+/, '')],
      ['no SignedHeaders', (h) => h.replace(/SignedHeaders=[^,]+, /, '')],
      ['a Credential without scope', (h) => h.replace(/Credential=[^,]+/, 'Credential=test')],
      ['another algorithm', (h) => h.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512')],
    ];
    for (const [what, mangle] of malformedHeaders) {
      it(`malformed Authorization header (${what}) → IncompleteSignature / AuthorizationHeaderMalformed`, async () => {
        const json = await sign(server.url, ssmGet('/x'));
        json.headers.authorization = mangle(json.headers.authorization);
        const jsonRes = await send(server.url, json);
        expect([jsonRes.status, jsonRes.code]).toEqual([403, 'IncompleteSignature']);

        const s3 = await sign(server.url, s3List());
        s3.headers.authorization = mangle(s3.headers.authorization);
        const s3Res = await send(server.url, s3);
        expect(s3Res.status).toBe(400);
        expect(s3Res.code).toBe(what === 'another algorithm' ? 'InvalidArgument' : 'AuthorizationHeaderMalformed');
      });
    }

    it('a tampered body fails the signature and writes nothing (awsJson)', async () => {
      for (const signPayloadHeader of [false, true]) {
        const prepared = await sign(server.url, requests.json('ssm', 'AmazonSSM', 'PutParameter', { Name: '/tamper/ok', Value: 'v', Type: 'String' }, '1.1', { signPayloadHeader }));
        prepared.body = JSON.stringify({ Name: '/tamper/evil', Value: 'v', Type: 'String' });
        const res = await send(server.url, prepared);
        expect([res.status, res.code]).toEqual([403, 'SignatureDoesNotMatch']);
      }
      const ssm = new SSMClient(server.clientConfig);
      await expect(ssm.send(new GetParameterCommand({ Name: '/tamper/evil' }))).rejects.toMatchObject({ name: 'ParameterNotFound' });
    });

    it('a tampered body under a signed x-amz-content-sha256 is refused (S3)', async () => {
      const s3 = new S3Client(server.clientConfig);
      await s3.send(new CreateBucketCommand({ Bucket: 'tamper-bucket' }));
      const xml = '<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>';
      const prepared = await sign(server.url, {
        service: 's3',
        method: 'PUT',
        path: '/tamper-bucket',
        query: { tagging: '' },
        body: xml,
        signPayloadHeader: true,
        headers: { 'content-type': 'application/xml' },
      });
      prepared.body = xml.replace('<Value>v</Value>', '<Value>evil</Value>');
      const res = await send(server.url, prepared);
      expect([res.status, res.code]).toEqual([400, 'XAmzContentSHA256Mismatch']);
    });

    it('the real SDK with a wrong secret gets SignatureDoesNotMatch for every protocol', async () => {
      const bad = { ...server.clientConfig, credentials: { accessKeyId: 'test', secretAccessKey: 'nope' } };
      await expect(new STSClient(bad).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
      await expect(new S3Client(bad).send(new ListBucketsCommand({}))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
    });
  });

  describe('issued credentials', () => {
    it('STS session credentials need their session token', async () => {
      const sts = new STSClient(server.clientConfig);
      const { Credentials: c } = await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
      const session = { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! };
      const id = await new STSClient({ ...server.clientConfig, credentials: session }).send(new GetCallerIdentityCommand({}));
      expect(id.Account).toBe('000000000000');

      const noToken = await signedRequest(server.url, stsWhoAmI({ accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey }));
      expect([noToken.status, noToken.code]).toEqual([403, 'InvalidClientTokenId']);
      const wrongToken = await signedRequest(server.url, stsWhoAmI({ ...session, sessionToken: 'forged' }));
      expect([wrongToken.status, wrongToken.code]).toEqual([403, 'InvalidClientTokenId']);

      // A presigned URL carries the token in X-Amz-Security-Token.
      const url = await presign(server.url, { service: 'sts', path: '/', query: { Action: 'GetCallerIdentity', Version: STS_VERSION }, ...session });
      expect((await fetch(url)).status).toBe(200);
    });

    it("an IAM user's access key signs as that user until it is made Inactive", async () => {
      const iam = new IAMClient(server.clientConfig);
      await iam.send(new CreateUserCommand({ UserName: 'signer' }));
      const { AccessKey: key } = await iam.send(new CreateAccessKeyCommand({ UserName: 'signer' }));
      const credentials = { accessKeyId: key!.AccessKeyId!, secretAccessKey: key!.SecretAccessKey! };
      const id = await new STSClient({ ...server.clientConfig, credentials }).send(new GetCallerIdentityCommand({}));
      expect(id.Arn).toBe('arn:aws:iam::000000000000:user/signer');

      await iam.send(new UpdateAccessKeyCommand({ UserName: 'signer', AccessKeyId: credentials.accessKeyId, Status: 'Inactive' }));
      const query = await signedRequest(server.url, stsWhoAmI(credentials));
      expect([query.status, query.code]).toEqual([403, 'InvalidClientTokenId']);
      const rest = await signedRequest(server.url, s3List(credentials));
      expect([rest.status, rest.code]).toEqual([403, 'InvalidAccessKeyId']);
    });
  });

  describe('accounts and regions', () => {
    it("a twelve-digit access key with the default secret is that account's root", async () => {
      const sts = new STSClient({ ...server.clientConfig, credentials: { accessKeyId: '123456789012', secretAccessKey: 'test' } });
      const id = await sts.send(new GetCallerIdentityCommand({}));
      expect(id).toMatchObject({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:root' });
    });

    it('accounts are isolated from each other', async () => {
      const a = new SSMClient({ ...server.clientConfig, credentials: { accessKeyId: '111111111111', secretAccessKey: 'test' } });
      const b = new SSMClient({ ...server.clientConfig, credentials: { accessKeyId: '222222222222', secretAccessKey: 'test' } });
      await a.send(new PutParameterCommand({ Name: '/acct/only-a', Value: 'a', Type: 'String' }));
      await expect(b.send(new GetParameterCommand({ Name: '/acct/only-a' }))).rejects.toMatchObject({ name: 'ParameterNotFound' });
      const got = await a.send(new GetParameterCommand({ Name: '/acct/only-a' }));
      expect(got.Parameter?.ARN).toBe('arn:aws:ssm:us-east-1:111111111111:parameter/acct/only-a');
    });

    it('the region comes from the credential scope', async () => {
      const put = await signedRequest(server.url, requests.json('ssm', 'AmazonSSM', 'PutParameter', { Name: '/region/p', Value: 'eu', Type: 'String' }, '1.1', { region: 'eu-west-3' }));
      expect(put.status).toBe(200);
      const here = await signedRequest(server.url, ssmGet('/region/p', { region: 'eu-west-3' }));
      expect(JSON.parse(here.text).Parameter.ARN).toBe('arn:aws:ssm:eu-west-3:000000000000:parameter/region/p');
      const elsewhere = await signedRequest(server.url, ssmGet('/region/p'));
      expect([elsewhere.status, elsewhere.code]).toEqual([400, 'ParameterNotFound']);
    });
  });
});
