import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { type AwsErrorLike, expectAwsError, useServer } from '../../test/helpers.js';
import { presignUrl } from './presign.js';

const server = useServer();

/** PUTs `body` to `url` as curl does (no credentials of its own); an S3 error answer rejects in the SDK's error shape. */
async function curlPut(url: string, body: string): Promise<Response> {
  const response = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' } });
  if (response.ok) return response;
  const text = await response.text();
  const error: AwsErrorLike = {
    name: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? 'Unknown',
    message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? text,
    $metadata: { httpStatusCode: response.status },
  };
  throw error;
}

describe('presignUrl', () => {
  it('makes a PUT URL that S3 accepts without further credentials', async () => {
    const s3 = new S3Client(server.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'presigned-responses' }));
    const key = 'arn:aws:cloudformation:us-east-1:000000000000:stack/s/1|Custom Thing|request (1)!';
    const url = await presignUrl({
      method: 'PUT',
      url: `${server.url}/presigned-responses/${encodeURIComponent(key)}`,
      credentials: server.clientConfig.credentials,
      region: 'us-east-1',
      service: 's3',
      expiresInSeconds: 7200,
      now: Date.now(),
    });
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('7200');
    expect(new URL(url).searchParams.get('X-Amz-SignedHeaders')).toBe('host');

    await curlPut(url, '{"Status":"SUCCESS"}');
    const object = await s3.send(new GetObjectCommand({ Bucket: 'presigned-responses', Key: key }));
    expect(await object.Body?.transformToString()).toBe('{"Status":"SUCCESS"}');
  });

  it('signs the session token of temporary credentials into the URL', async () => {
    const url = await presignUrl({
      method: 'PUT',
      url: 'http://127.0.0.1:4566/bucket/key?existing=a b',
      credentials: { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token/with+chars' },
      region: 'eu-west-1',
      service: 's3',
      expiresInSeconds: 60,
      now: Date.UTC(2026, 0, 2, 3, 4, 5),
    });
    const parsed = new URL(url);
    expect(parsed.pathname).toBe('/bucket/key');
    expect(parsed.searchParams.get('existing')).toBe('a b');
    expect(parsed.searchParams.get('X-Amz-Security-Token')).toBe('token/with+chars');
    expect(parsed.searchParams.get('X-Amz-Date')).toBe('20260102T030405Z');
    expect(parsed.searchParams.get('X-Amz-Credential')).toBe('ASIAEXAMPLE/20260102/eu-west-1/s3/aws4_request');
    expect(parsed.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('makes URLs S3 refuses once they have expired, as AWS does', async () => {
    const url = await presignUrl({
      method: 'PUT',
      url: `${server.url}/presigned-responses/late`,
      credentials: server.clientConfig.credentials,
      region: 'us-east-1',
      service: 's3',
      expiresInSeconds: 60,
      now: Date.now() - 120_000,
    });
    await expectAwsError(curlPut(url, 'too late'), { code: 'AccessDenied', status: 403, message: 'Request has expired' });
  });

  it('makes URLs S3 refuses when tampered with', async () => {
    const url = await presignUrl({
      method: 'PUT',
      url: `${server.url}/presigned-responses/original`,
      credentials: server.clientConfig.credentials,
      region: 'us-east-1',
      service: 's3',
      expiresInSeconds: 60,
      now: Date.now(),
    });
    await expectAwsError(curlPut(url.replace('/original?', '/other?'), 'x'), { code: 'SignatureDoesNotMatch', status: 403 });
  });

  it('refuses a validity AWS would not accept', async () => {
    const request = { method: 'PUT', url: 'http://127.0.0.1/b/k', credentials: { accessKeyId: 'a', secretAccessKey: 's' }, region: 'us-east-1', service: 's3', now: 0 };
    await expect(presignUrl({ ...request, expiresInSeconds: 604801 })).rejects.toThrow(RangeError);
    await expect(presignUrl({ ...request, expiresInSeconds: 0 })).rejects.toThrow(RangeError);
  });
});
