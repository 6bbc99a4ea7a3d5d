import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCorsCommand,
  DeleteBucketLifecycleCommand,
  DeleteBucketOwnershipControlsCommand,
  DeleteBucketReplicationCommand,
  DeleteBucketWebsiteCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAccelerateConfigurationCommand,
  GetBucketAclCommand,
  GetBucketCorsCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLoggingCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketReplicationCommand,
  GetBucketRequestPaymentCommand,
  GetBucketWebsiteCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  type LifecycleRule,
  PutBucketAccelerateConfigurationCommand,
  PutBucketCorsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketLoggingCommand,
  PutBucketReplicationCommand,
  PutBucketRequestPaymentCommand,
  PutBucketVersioningCommand,
  PutBucketWebsiteCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamUser, expectAwsError, useServer } from '../helpers.js';
import { signedRequest } from './raw-request.js';

const MALFORMED = { code: 'MalformedXML', status: 400, message: 'The XML you provided was not well-formed or did not validate against our published schema' };
const ROLE = 'arn:aws:iam::000000000000:role/replication';

describe('S3 bucket configurations read by CDK and Terraform', () => {
  const server = useServer();
  let s3: S3Client;
  beforeAll(() => {
    s3 = new S3Client(server.clientConfig);
  });
  const bucket = async (name: string) => {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    return name;
  };

  it("a new bucket reports S3's 2023 defaults, and AWS's not-found error for every configuration never set", async () => {
    const Bucket = await bucket('fresh');
    expect((await s3.send(new GetBucketOwnershipControlsCommand({ Bucket }))).OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    const acl = await s3.send(new GetBucketAclCommand({ Bucket }));
    expect(acl.Grants).toEqual([{ Grantee: { Type: 'CanonicalUser', ID: acl.Owner!.ID, DisplayName: acl.Owner!.DisplayName }, Permission: 'FULL_CONTROL' }]);
    await expectAwsError(s3.send(new GetBucketCorsCommand({ Bucket })), { code: 'NoSuchCORSConfiguration', status: 404, message: 'The CORS configuration does not exist' });
    await expectAwsError(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket })), {
      code: 'NoSuchLifecycleConfiguration',
      status: 404,
      message: 'The lifecycle configuration does not exist',
    });
    await expectAwsError(s3.send(new GetBucketWebsiteCommand({ Bucket })), {
      code: 'NoSuchWebsiteConfiguration',
      status: 404,
      message: 'The specified bucket does not have a website configuration',
    });
    await expectAwsError(s3.send(new GetObjectLockConfigurationCommand({ Bucket })), {
      code: 'ObjectLockConfigurationNotFoundError',
      status: 404,
      message: 'Object Lock configuration does not exist for this bucket',
    });
    await expectAwsError(s3.send(new GetBucketReplicationCommand({ Bucket })), {
      code: 'ReplicationConfigurationNotFoundError',
      status: 404,
      message: 'The replication configuration was not found',
    });
    // Logging, acceleration and request payment answer their empty or default documents instead.
    expect((await s3.send(new GetBucketLoggingCommand({ Bucket }))).LoggingEnabled).toBeUndefined();
    expect((await s3.send(new GetBucketAccelerateConfigurationCommand({ Bucket }))).Status).toBeUndefined();
    expect((await s3.send(new GetBucketRequestPaymentCommand({ Bucket }))).Payer).toBe('BucketOwner');
    await expectAwsError(s3.send(new GetBucketCorsCommand({ Bucket: 'no-such-bucket-here' })), { code: 'NoSuchBucket', status: 404 });
  });

  it('ownership controls and the public access block can be deleted, then answer their not-found errors, and put back', async () => {
    const Bucket = await bucket('unblocked');
    await s3.send(new DeleteBucketOwnershipControlsCommand({ Bucket }));
    await expectAwsError(s3.send(new GetBucketOwnershipControlsCommand({ Bucket })), {
      code: 'OwnershipControlsNotFoundError',
      status: 404,
      message: 'The bucket ownership controls were not found',
    });
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket }));
    await expectAwsError(s3.send(new GetPublicAccessBlockCommand({ Bucket })), {
      code: 'NoSuchPublicAccessBlockConfiguration',
      status: 404,
      message: 'The public access block configuration was not found',
    });
    // Settings left out are off.
    await s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: { BlockPublicPolicy: true } }));
    expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: false,
      IgnorePublicAcls: false,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: false,
    });
  });

  it('CORS rules round-trip and are refused as S3 refuses them', async () => {
    const Bucket = await bucket('cors-rules');
    const rule = { ID: 'web', AllowedOrigins: ['https://*.example.com'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['x-amz-*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 3000 };
    await s3.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules: [rule] } }));
    expect((await s3.send(new GetBucketCorsCommand({ Bucket }))).CORSRules).toEqual([rule]);

    const put = (CORSRules: object[]) => s3.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules } as never }));
    await expectAwsError(put([]), MALFORMED);
    await expectAwsError(put([{ AllowedMethods: ['GET'] }]), MALFORMED);
    await expectAwsError(put([{ AllowedOrigins: ['*'], AllowedMethods: ['OPTIONS'] }]), {
      code: 'InvalidRequest',
      status: 400,
      message: 'Found unsupported HTTP method in CORS config. Unsupported method is OPTIONS',
    });
    await expectAwsError(put([{ AllowedOrigins: ['*example*.com'], AllowedMethods: ['GET'] }]), {
      code: 'InvalidRequest',
      status: 400,
      message: 'AllowedOrigin "*example*.com" can not have more than one wildcard.',
    });
    // Nothing was written half-way.
    expect((await s3.send(new GetBucketCorsCommand({ Bucket }))).CORSRules).toEqual([rule]);
    await s3.send(new DeleteBucketCorsCommand({ Bucket }));
    await expectAwsError(s3.send(new GetBucketCorsCommand({ Bucket })), { code: 'NoSuchCORSConfiguration', status: 404 });
    // Deleting what is not there succeeds, as on S3.
    await s3.send(new DeleteBucketCorsCommand({ Bucket }));
  });

  it('lifecycle rules round-trip with the IDs S3 gives them, and faulty rules get S3 answers', async () => {
    const Bucket = await bucket('lifecycle-rules');
    const rules: LifecycleRule[] = [
      { ID: 'logs', Filter: { Prefix: 'logs/' }, Status: 'Enabled', Expiration: { Days: 365 }, Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }] },
      { Filter: { And: { Prefix: 'tmp/', Tags: [{ Key: 'kind', Value: 'scratch' }] } }, Status: 'Disabled', Expiration: { Date: new Date('2030-01-01T00:00:00Z') } },
      { Filter: {}, Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 }, NoncurrentVersionExpiration: { NoncurrentDays: 30, NewerNoncurrentVersions: 3 } },
    ];
    const put = await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: rules } }));
    expect(put.TransitionDefaultMinimumObjectSize).toBe('all_storage_classes_128K');
    const got = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }));
    expect(got.TransitionDefaultMinimumObjectSize).toBe('all_storage_classes_128K');
    expect(got.Rules?.[0]).toEqual(rules[0]);
    expect(got.Rules?.[1]).toMatchObject({ ...rules[1], ID: expect.stringMatching(/^[A-Za-z0-9+/]{48}$/) });
    expect(got.Rules?.[1].Expiration?.Date?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(got.Rules?.[2]).toMatchObject(rules[2]);

    const refused = (rule: object) => s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: [rule as LifecycleRule] } }));
    await expectAwsError(s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: [] } })), MALFORMED);
    await expectAwsError(refused({ ID: 'no-filter', Status: 'Enabled', Expiration: { Days: 1 } }), MALFORMED);
    await expectAwsError(refused({ Filter: {}, Status: 'enabled', Expiration: { Days: 1 } }), MALFORMED);
    await expectAwsError(refused({ Filter: { Prefix: 'a/', Tag: { Key: 'k', Value: 'v' } }, Status: 'Enabled', Expiration: { Days: 1 } }), MALFORMED);
    await expectAwsError(refused({ Filter: {}, Status: 'Enabled', Expiration: { Days: 1, ExpiredObjectDeleteMarker: true } }), MALFORMED);
    await expectAwsError(refused({ Filter: {}, Status: 'Enabled', Expiration: { Days: 0 } }), {
      code: 'InvalidArgument',
      status: 400,
      message: "'Days' for Expiration action must be a positive integer",
    });
    await expectAwsError(refused({ Filter: {}, Status: 'Enabled', Expiration: { Date: new Date('2030-01-01T12:00:00Z') } }), {
      code: 'InvalidArgument',
      status: 400,
      message: "'Date' must be at midnight GMT",
    });
    await expectAwsError(refused({ Filter: {}, Status: 'Enabled' }), { code: 'InvalidRequest', status: 400, message: 'At least one action needs to be specified in a rule' });
    await expectAwsError(refused({ Filter: { Tag: { Key: 'k', Value: 'v' } }, Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }), {
      code: 'InvalidRequest',
      status: 400,
      message: 'AbortIncompleteMultipartUpload cannot be specified with Tags.',
    });
    await expectAwsError(refused({ Filter: {}, Status: 'Enabled', Transitions: [{ Days: 10, StorageClass: 'ONEZONE_IA' }] }), {
      code: 'InvalidArgument',
      status: 400,
      message: "'Days' in Transition action must be greater than or equal to 30 for storageClass 'ONEZONE_IA'",
    });
    const twice = { ID: 'same', Filter: {}, Status: 'Enabled', Expiration: { Days: 1 } };
    await expectAwsError(s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: [twice, twice] as LifecycleRule[] } })), {
      code: 'InvalidArgument',
      status: 400,
      message: 'Rule ID must be unique. Found same ID for more than one rule',
    });
    await expectAwsError(refused({ ID: 'x'.repeat(256), Filter: {}, Status: 'Enabled', Expiration: { Days: 1 } }), {
      code: 'InvalidArgument',
      status: 400,
      message: 'ID length should not exceed allowed limit of 255',
    });
    expect((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules).toHaveLength(3);

    await s3.send(new DeleteBucketLifecycleCommand({ Bucket }));
    await expectAwsError(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket })), { code: 'NoSuchLifecycleConfiguration', status: 404 });
  });

  it('website configurations round-trip and are checked as S3 checks them', async () => {
    const Bucket = await bucket('static-site');
    const website = {
      IndexDocument: { Suffix: 'index.html' },
      ErrorDocument: { Key: 'error.html' },
      RoutingRules: [{ Condition: { KeyPrefixEquals: 'docs/' }, Redirect: { ReplaceKeyPrefixWith: 'documents/', HttpRedirectCode: '301' } }],
    };
    await s3.send(new PutBucketWebsiteCommand({ Bucket, WebsiteConfiguration: website }));
    expect(await s3.send(new GetBucketWebsiteCommand({ Bucket }))).toMatchObject(website);

    const put = (WebsiteConfiguration: object) => s3.send(new PutBucketWebsiteCommand({ Bucket, WebsiteConfiguration }));
    await expectAwsError(put({ ErrorDocument: { Key: 'error.html' } }), {
      code: 'InvalidArgument',
      status: 400,
      message: 'A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty',
    });
    await expectAwsError(put({ IndexDocument: { Suffix: 'pages/index.html' } }), { code: 'InvalidArgument', status: 400, message: 'The IndexDocument Suffix is not well formed' });
    await expectAwsError(put({ RedirectAllRequestsTo: { HostName: 'example.com' }, IndexDocument: { Suffix: 'index.html' } }), {
      code: 'InvalidArgument',
      status: 400,
      message: 'RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.',
    });
    await expectAwsError(put({ RedirectAllRequestsTo: { HostName: 'example.com', Protocol: 'ftp' } }), { code: 'InvalidRequest', status: 400, message: 'Invalid protocol' });

    await put({ RedirectAllRequestsTo: { HostName: 'example.com', Protocol: 'https' } });
    expect((await s3.send(new GetBucketWebsiteCommand({ Bucket }))).RedirectAllRequestsTo).toEqual({ HostName: 'example.com', Protocol: 'https' });
    await s3.send(new DeleteBucketWebsiteCommand({ Bucket }));
    await expectAwsError(s3.send(new GetBucketWebsiteCommand({ Bucket })), { code: 'NoSuchWebsiteConfiguration', status: 404 });
  });

  it('logging needs an existing target bucket of the same owner in the same region', async () => {
    const Bucket = await bucket('logged');
    const Target = await bucket('access-logs');
    await expectAwsError(s3.send(new PutBucketLoggingCommand({ Bucket, BucketLoggingStatus: { LoggingEnabled: { TargetBucket: 'no-such-log-bucket', TargetPrefix: 'x/' } } })), {
      code: 'InvalidTargetBucketForLogging',
      status: 400,
      message: 'The target bucket for logging does not exist',
    });
    const west = new S3Client({ ...server.clientConfig, region: 'us-west-2' });
    await west.send(new CreateBucketCommand({ Bucket: 'west-logs', CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } }));
    await expectAwsError(s3.send(new PutBucketLoggingCommand({ Bucket, BucketLoggingStatus: { LoggingEnabled: { TargetBucket: 'west-logs', TargetPrefix: 'x/' } } })), {
      code: 'CrossLocationLoggingProhibitted',
      status: 403,
      message: 'Cross S3 location logging not allowed.',
    });
    await s3.send(new PutBucketLoggingCommand({ Bucket, BucketLoggingStatus: { LoggingEnabled: { TargetBucket: Target, TargetPrefix: 'logged/' } } }));
    expect((await s3.send(new GetBucketLoggingCommand({ Bucket }))).LoggingEnabled).toEqual({ TargetBucket: Target, TargetPrefix: 'logged/' });
    // A status without LoggingEnabled turns logging off.
    await s3.send(new PutBucketLoggingCommand({ Bucket, BucketLoggingStatus: {} }));
    expect((await s3.send(new GetBucketLoggingCommand({ Bucket }))).LoggingEnabled).toBeUndefined();
  });

  it('transfer acceleration and request payment round-trip; bad values and dotted names are refused', async () => {
    const Bucket = await bucket('accelerated');
    await s3.send(new PutBucketAccelerateConfigurationCommand({ Bucket, AccelerateConfiguration: { Status: 'Enabled' } }));
    expect((await s3.send(new GetBucketAccelerateConfigurationCommand({ Bucket }))).Status).toBe('Enabled');
    await expectAwsError(s3.send(new PutBucketAccelerateConfigurationCommand({ Bucket, AccelerateConfiguration: { Status: 'On' as never } })), MALFORMED);
    await bucket('dotted.bucket');
    await expectAwsError(s3.send(new PutBucketAccelerateConfigurationCommand({ Bucket: 'dotted.bucket', AccelerateConfiguration: { Status: 'Enabled' } })), {
      code: 'InvalidRequest',
      status: 400,
      message: 'S3 Transfer Acceleration is not supported for buckets with periods (.) in their names',
    });

    await s3.send(new PutBucketRequestPaymentCommand({ Bucket, RequestPaymentConfiguration: { Payer: 'Requester' } }));
    expect((await s3.send(new GetBucketRequestPaymentCommand({ Bucket }))).Payer).toBe('Requester');
    await expectAwsError(s3.send(new PutBucketRequestPaymentCommand({ Bucket, RequestPaymentConfiguration: { Payer: 'Nobody' as never } })), MALFORMED);
    expect((await s3.send(new GetBucketRequestPaymentCommand({ Bucket }))).Payer).toBe('Requester');
  });

  it('replication needs versioning on both buckets, and round-trips with generated rule IDs', async () => {
    const Bucket = await bucket('replicated');
    const Destination = await bucket('replica');
    const config = { Role: ROLE, Rules: [{ Status: 'Enabled' as const, Prefix: '', Destination: { Bucket: `arn:aws:s3:::${Destination}` } }] };
    await expectAwsError(s3.send(new PutBucketReplicationCommand({ Bucket, ReplicationConfiguration: config })), {
      code: 'InvalidRequest',
      status: 400,
      message: "Versioning must be 'Enabled' on the bucket to apply a replication configuration",
    });
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await expectAwsError(s3.send(new PutBucketReplicationCommand({ Bucket, ReplicationConfiguration: config })), {
      code: 'InvalidRequest',
      status: 400,
      message: 'Destination bucket must have versioning enabled.',
    });
    await s3.send(new PutBucketVersioningCommand({ Bucket: Destination, VersioningConfiguration: { Status: 'Enabled' } }));
    await expectAwsError(s3.send(new PutBucketReplicationCommand({ Bucket, ReplicationConfiguration: { Role: ROLE, Rules: [] } })), MALFORMED);
    await s3.send(new PutBucketReplicationCommand({ Bucket, ReplicationConfiguration: config }));
    const got = (await s3.send(new GetBucketReplicationCommand({ Bucket }))).ReplicationConfiguration;
    expect(got).toMatchObject({ Role: ROLE, Rules: [{ ...config.Rules[0], ID: expect.any(String) }] });
    await s3.send(new DeleteBucketReplicationCommand({ Bucket }));
    await expectAwsError(s3.send(new GetBucketReplicationCommand({ Bucket })), { code: 'ReplicationConfigurationNotFoundError', status: 404 });
  });

  it('a body that is not well-formed XML is MalformedXML, and writes nothing', async () => {
    const Bucket = await bucket('raw-bodies');
    for (const [subresource, body] of [
      ['lifecycle', '<LifecycleConfiguration><Rule><Status>Enabled</Status>'],
      ['cors', 'not xml at all'],
      ['ownershipControls', '<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule>'],
    ]) {
      const res = await signedRequest(server.url, {
        service: 's3',
        method: 'PUT',
        path: `/${Bucket}`,
        query: { [subresource]: '' },
        headers: { 'content-md5': createHash('md5').update(body).digest('base64') },
        body,
        signPayloadHeader: true,
      });
      expect([res.status, res.code], res.text).toEqual([400, 'MalformedXML']);
    }
    await expectAwsError(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket })), { code: 'NoSuchLifecycleConfiguration', status: 404 });
    expect((await s3.send(new GetBucketOwnershipControlsCommand({ Bucket }))).OwnershipControls?.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
  });

  it('a bucket with Object Lock is refused as not implemented, never created half-way', async () => {
    await expectAwsError(s3.send(new CreateBucketCommand({ Bucket: 'locked', ObjectLockEnabledForBucket: true })), { code: 'NotImplemented', status: 501 });
    await expectAwsError(s3.send(new GetObjectLockConfigurationCommand({ Bucket: 'locked' })), { code: 'NoSuchBucket', status: 404 });
  });

  it("IAM decides each configuration operation on S3's own action names", async () => {
    const Bucket = await bucket('guarded-config');
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetBucketCORS', 's3:GetLifecycleConfiguration'], Resource: '*' }] });
    const { arn, credentials } = await createIamUser(server.clientConfig, 'config-reader', [policy]);
    const reader = new S3Client({ ...server.clientConfig, credentials, maxAttempts: 1 });
    await expectAwsError(reader.send(new GetBucketCorsCommand({ Bucket })), { code: 'NoSuchCORSConfiguration', status: 404 });
    await expectAwsError(reader.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }] } })), {
      code: 'AccessDenied',
      status: 403,
      message: `User: ${arn} is not authorized to perform: s3:PutBucketCORS on resource: arn:aws:s3:::${Bucket}`,
    });
    await expectAwsError(reader.send(new GetPublicAccessBlockCommand({ Bucket })), {
      code: 'AccessDenied',
      status: 403,
      message: 'not authorized to perform: s3:GetBucketPublicAccessBlock',
    });
  });
});
