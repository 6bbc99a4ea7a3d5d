/**
 * Buckets in other regions, as S3 keeps them: a client of us-east-1 creates a bucket anywhere,
 * the bucket lives in that region (GetBucketLocation, HeadBucket, ListBuckets say so), and SigV4
 * requests for it signed for another region are refused with the region S3 expects.
 */
import { CreateBucketCommand, GetBucketLocationCommand, GetObjectCommand, HeadBucketCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, failure, useServer } from '../helpers.js';
import { signedRequest } from './raw-request.js';

const WRONG_EAST = "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'us-west-2'";

describe('S3 buckets in other regions', () => {
  const server = useServer();
  let east: S3Client;
  let west: S3Client;

  beforeAll(async () => {
    east = new S3Client(server.clientConfig);
    west = new S3Client({ ...server.clientConfig, region: 'us-west-2' });
  });

  it('a client of us-east-1 creates a bucket in us-west-2, which then reports that region everywhere', async () => {
    const created = await east.send(new CreateBucketCommand({ Bucket: 'far-away', CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } }));
    expect(created.Location).toBe(`${server.url}/far-away/`);
    expect((await east.send(new GetBucketLocationCommand({ Bucket: 'far-away' }))).LocationConstraint).toBe('us-west-2');
    expect((await west.send(new HeadBucketCommand({ Bucket: 'far-away' }))).BucketRegion).toBe('us-west-2');
    expect((await east.send(new ListBucketsCommand({}))).Buckets?.find((b) => b.Name === 'far-away')?.BucketRegion).toBe('us-west-2');
    await west.send(new PutObjectCommand({ Bucket: 'far-away', Key: 'k', Body: 'v' }));
    expect(await (await west.send(new GetObjectCommand({ Bucket: 'far-away', Key: 'k' }))).Body!.transformToString()).toBe('v');
  });

  it("a request signed for another region than the bucket's is refused with the region S3 expects, and writes nothing", async () => {
    const err = await expectAwsError(east.send(new PutObjectCommand({ Bucket: 'far-away', Key: 'from-east', Body: 'x' })), {
      code: 'AuthorizationHeaderMalformed',
      status: 400,
      message: WRONG_EAST,
    });
    expect((err as unknown as { Region?: string }).Region).toBe('us-west-2');
    expect((await west.send(new ListObjectsV2Command({ Bucket: 'far-away' }))).Contents?.map((o) => o.Key)).toEqual(['k']);
    await expectAwsError(east.send(new GetObjectCommand({ Bucket: 'far-away', Key: 'k' })), { code: 'AuthorizationHeaderMalformed', status: 400, message: WRONG_EAST });
    // And the other way round.
    await east.send(new CreateBucketCommand({ Bucket: 'at-home' }));
    await expectAwsError(west.send(new ListObjectsV2Command({ Bucket: 'at-home' })), {
      code: 'AuthorizationHeaderMalformed',
      status: 400,
      message: "The authorization header is malformed; the region 'us-west-2' is wrong; expecting 'us-east-1'",
    });
  });

  it("HeadBucket's refusal carries x-amz-bucket-region, which the SDK follows when told to", async () => {
    const refused = await failure(east.send(new HeadBucketCommand({ Bucket: 'far-away' })));
    expect(refused.$metadata.httpStatusCode).toBe(400);
    expect((refused as unknown as { $response?: { headers: Record<string, string> } }).$response?.headers['x-amz-bucket-region']).toBe('us-west-2');
    const following = new S3Client({ ...server.clientConfig, followRegionRedirects: true });
    expect((await following.send(new HeadBucketCommand({ Bucket: 'far-away' }))).BucketRegion).toBe('us-west-2');
  });

  it("a presigned URL signed for another region is refused in the query string's words", async () => {
    const url = await getSignedUrl(east, new GetObjectCommand({ Bucket: 'far-away', Key: 'k' }), { expiresIn: 60 });
    const res = await fetch(url);
    const body = (await res.text()).replace(/&apos;/g, "'");
    expect(res.status).toBe(400);
    expect(body).toContain('<Code>AuthorizationQueryParametersError</Code>');
    expect(body).toContain("<Message>Error parsing the X-Amz-Credential parameter; the region 'us-east-1' is wrong; expecting 'us-west-2'</Message>");
    expect(body).toContain('<Region>us-west-2</Region>');
    const good = await fetch(await getSignedUrl(west, new GetObjectCommand({ Bucket: 'far-away', Key: 'k' }), { expiresIn: 60 }));
    expect([good.status, await good.text()]).toEqual([200, 'v']);
  });

  it("a regional endpoint creates buckets only in its own region; us-east-1's refuses its own name as a constraint", async () => {
    // The SDK adds its own region as the constraint: a bare PUT, signed for us-west-2, sends none.
    const bare = await signedRequest(server.url, { service: 's3', region: 'us-west-2', method: 'PUT', path: '/nowhere', signPayloadHeader: true });
    expect([bare.status, bare.code, bare.message]).toEqual([
      400,
      'IllegalLocationConstraintException',
      'The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.',
    ]);
    await expectAwsError(west.send(new CreateBucketCommand({ Bucket: 'nowhere', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })), {
      code: 'IllegalLocationConstraintException',
      status: 400,
      message: 'The eu-west-1 location constraint is incompatible for the region specific endpoint this request was sent to.',
    });
    await expectAwsError(east.send(new CreateBucketCommand({ Bucket: 'nowhere', CreateBucketConfiguration: { LocationConstraint: 'us-east-1' as never } })), {
      code: 'InvalidLocationConstraint',
      status: 400,
    });
    await expectAwsError(east.send(new HeadBucketCommand({ Bucket: 'nowhere' })), { code: 'NotFound', status: 404 });
  });
});
