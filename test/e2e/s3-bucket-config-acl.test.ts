import {
  CreateBucketCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  type Grant,
  ListObjectVersionsCommand,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamUser, expectAwsError, useServer } from '../helpers.js';

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const LOG_DELIVERY = 'http://acs.amazonaws.com/groups/s3/LogDelivery';
const NOT_ALLOWED = { code: 'AccessControlListNotSupported', status: 400, message: 'The bucket does not allow ACLs' };

describe('S3 ACLs under Object Ownership and the public access block', () => {
  const server = useServer();
  let s3: S3Client;
  let ownerId: string;
  // S3 answers canonical users without DisplayName since November 2025.
  const ownerGrant = (): Grant => ({ Grantee: { Type: 'CanonicalUser', ID: ownerId }, Permission: 'FULL_CONTROL' });
  /** A bucket with ACLs enabled (ObjectWriter) and, unless `blocked`, no public access block. */
  const aclBucket = async (Bucket: string, blocked = false) => {
    await s3.send(new CreateBucketCommand({ Bucket, ObjectOwnership: 'ObjectWriter' }));
    if (!blocked) await s3.send(new DeletePublicAccessBlockCommand({ Bucket }));
    return Bucket;
  };

  beforeAll(async () => {
    s3 = new S3Client(server.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'owner-probe' }));
    ownerId = (await s3.send(new GetBucketAclCommand({ Bucket: 'owner-probe' }))).Owner!.ID!;
  });

  it('with ACLs disabled (the default) only the bucket owner full control is accepted, and reads always show it', async () => {
    const Bucket = 'enforced-acls';
    await s3.send(new CreateBucketCommand({ Bucket }));
    await expectAwsError(s3.send(new PutBucketAclCommand({ Bucket, ACL: 'private' })), NOT_ALLOWED);
    await expectAwsError(s3.send(new PutBucketAclCommand({ Bucket, ACL: 'public-read' })), NOT_ALLOWED);
    await expectAwsError(s3.send(new PutBucketAclCommand({ Bucket, GrantFullControl: `id=${ownerId}` })), NOT_ALLOWED);
    await s3.send(new PutBucketAclCommand({ Bucket, ACL: 'bucket-owner-full-control' as never }));
    await s3.send(new PutBucketAclCommand({ Bucket, AccessControlPolicy: { Owner: { ID: ownerId }, Grants: [{ Grantee: { Type: 'CanonicalUser', ID: ownerId }, Permission: 'FULL_CONTROL' }] } }));
    expect((await s3.send(new GetBucketAclCommand({ Bucket }))).Grants).toEqual([ownerGrant()]);

    await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'x', ACL: 'bucket-owner-full-control' }));
    await expectAwsError(s3.send(new PutObjectCommand({ Bucket, Key: 'k2', Body: 'x', ACL: 'public-read' })), NOT_ALLOWED);
    await expectAwsError(s3.send(new PutObjectAclCommand({ Bucket, Key: 'k', ACL: 'private' })), NOT_ALLOWED);
    expect((await s3.send(new GetObjectAclCommand({ Bucket, Key: 'k' }))).Grants).toEqual([ownerGrant()]);
    await expectAwsError(s3.send(new GetObjectAclCommand({ Bucket, Key: 'k2' })), { code: 'NoSuchKey', status: 404 });
  });

  it('CreateBucket refuses ACLs the new bucket cannot have, and keeps the ones it can', async () => {
    await expectAwsError(s3.send(new CreateBucketCommand({ Bucket: 'logs-default', ACL: 'public-read' })), {
      code: 'InvalidBucketAclWithObjectOwnership',
      status: 400,
      message: "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
    });
    await expectAwsError(s3.send(new CreateBucketCommand({ Bucket: 'logs-public', ACL: 'public-read', ObjectOwnership: 'ObjectWriter' })), {
      code: 'InvalidBucketAclWithBlockPublicAccessError',
      status: 400,
      message: 'Bucket cannot have public ACLs set with BlockPublicAccess enabled',
    });
    await expectAwsError(s3.send(new CreateBucketCommand({ Bucket: 'logs-odd', ObjectOwnership: 'Whoever' as never })), {
      code: 'InvalidArgument',
      status: 400,
      message: 'Invalid x-amz-object-ownership header: Whoever',
    });
    await expectAwsError(s3.send(new GetBucketAclCommand({ Bucket: 'logs-public' })), { code: 'NoSuchBucket', status: 404 });
    await s3.send(new CreateBucketCommand({ Bucket: 'logs-target', ACL: 'log-delivery-write' as never, ObjectOwnership: 'BucketOwnerPreferred' }));
    expect((await s3.send(new GetBucketAclCommand({ Bucket: 'logs-target' }))).Grants).toEqual([
      ownerGrant(),
      { Grantee: { Type: 'Group', URI: LOG_DELIVERY }, Permission: 'WRITE' },
      { Grantee: { Type: 'Group', URI: LOG_DELIVERY }, Permission: 'READ_ACP' },
    ]);
  });

  it('with ACLs enabled, bucket ACLs round-trip from canned ACLs, grant headers and documents', async () => {
    const Bucket = await aclBucket('open-acls');
    await s3.send(new PutBucketAclCommand({ Bucket, ACL: 'public-read' }));
    expect((await s3.send(new GetBucketAclCommand({ Bucket }))).Grants).toEqual([ownerGrant(), { Grantee: { Type: 'Group', URI: ALL_USERS }, Permission: 'READ' }]);
    await s3.send(new PutBucketAclCommand({ Bucket, GrantRead: `uri="${LOG_DELIVERY}"`, GrantFullControl: `id="${ownerId}"` }));
    expect((await s3.send(new GetBucketAclCommand({ Bucket }))).Grants).toEqual([ownerGrant(), { Grantee: { Type: 'Group', URI: LOG_DELIVERY }, Permission: 'READ' }]);
    const other = 'a'.repeat(64);
    await s3.send(
      new PutBucketAclCommand({
        Bucket,
        AccessControlPolicy: {
          Owner: { ID: ownerId },
          Grants: [
            { Grantee: { Type: 'CanonicalUser', ID: ownerId }, Permission: 'FULL_CONTROL' },
            { Grantee: { Type: 'CanonicalUser', ID: other }, Permission: 'WRITE_ACP' },
          ],
        },
      }),
    );
    expect((await s3.send(new GetBucketAclCommand({ Bucket }))).Grants).toEqual([ownerGrant(), { Grantee: { Type: 'CanonicalUser', ID: other }, Permission: 'WRITE_ACP' }]);

    // ACLs can be disabled only once the bucket ACL grants nobody else.
    await expectAwsError(s3.send(new PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } })), {
      code: 'InvalidBucketAclWithObjectOwnership',
      status: 400,
    });
    await s3.send(new PutBucketAclCommand({ Bucket, ACL: 'private' }));
    await s3.send(new PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } }));
    await expectAwsError(s3.send(new PutBucketAclCommand({ Bucket, ACL: 'public-read' })), NOT_ALLOWED);
  });

  it('PutBucketAcl refuses malformed requests with S3 errors and writes nothing', async () => {
    const Bucket = await aclBucket('checked-acls');
    const owner = { ID: ownerId };
    await expectAwsError(s3.send(new PutBucketAclCommand({ Bucket })), { code: 'MissingSecurityHeader', status: 400, message: 'Your request was missing a required header' });
    await expectAwsError(s3.send(new PutBucketAclCommand({ Bucket, ACL: 'private', GrantRead: `id=${ownerId}` })), {
      code: 'InvalidRequest',
      status: 400,
      message: 'Specifying both Canned ACLs and Header Grants is not allowed',
    });
    await expectAwsError(s3.send(new PutBucketAclCommand({ Bucket, ACL: 'private', AccessControlPolicy: { Owner: owner, Grants: [] } })), {
      code: 'UnexpectedContent',
      status: 400,
      message: 'This request does not support content',
    });
    await expectAwsError(s3.send(new PutBucketAclCommand({ Bucket, ACL: 'public-ready' as never })), { code: 'InvalidArgument', status: 400 });
    await expectAwsError(s3.send(new PutBucketAclCommand({ Bucket, GrantRead: 'id=not-a-canonical-id' })), { code: 'InvalidArgument', status: 400, message: 'Invalid id' });
    await expectAwsError(s3.send(new PutBucketAclCommand({ Bucket, GrantRead: 'group=everyone' })), { code: 'InvalidArgument', status: 400, message: 'Argument format not recognized' });
    await expectAwsError(s3.send(new PutBucketAclCommand({ Bucket, AccessControlPolicy: { Grants: [] } })), { code: 'MalformedACLError', status: 400 });
    await expectAwsError(
      s3.send(new PutBucketAclCommand({ Bucket, AccessControlPolicy: { Owner: owner, Grants: [{ Grantee: { Type: 'Group', URI: 'http://example.com/all' }, Permission: 'READ' }] } })),
      {
        code: 'InvalidArgument',
        status: 400,
        message: 'Invalid group uri',
      },
    );
    await expectAwsError(
      s3.send(new PutBucketAclCommand({ Bucket, AccessControlPolicy: { Owner: owner, Grants: [{ Grantee: { Type: 'CanonicalUser', ID: ownerId }, Permission: 'ALL' as never }] } })),
      {
        code: 'MalformedACLError',
        status: 400,
      },
    );
    await expectAwsError(
      s3.send(new PutBucketAclCommand({ Bucket, AccessControlPolicy: { Owner: owner, Grants: [{ Grantee: { Type: 'AmazonCustomerByEmail', EmailAddress: 'a@example.com' }, Permission: 'READ' }] } })),
      { code: 'UnresolvableGrantByEmailAddress', status: 400 },
    );
    expect((await s3.send(new GetBucketAclCommand({ Bucket }))).Grants).toEqual([ownerGrant()]);
  });

  it('the public access block refuses public ACLs and public policies until it is deleted', async () => {
    const Bucket = await aclBucket('blocked-acls', true);
    await expectAwsError(s3.send(new PutBucketAclCommand({ Bucket, ACL: 'public-read' })), { code: 'AccessDenied', status: 403, message: 'Access Denied' });
    await expectAwsError(s3.send(new PutBucketAclCommand({ Bucket, ACL: 'authenticated-read' })), { code: 'AccessDenied', status: 403 });
    await s3.send(new PutBucketAclCommand({ Bucket, ACL: 'log-delivery-write' as never }));

    const policy = (extra: object) =>
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${Bucket}/*`, ...extra }] });
    await expectAwsError(s3.send(new PutBucketPolicyCommand({ Bucket, Policy: policy({}) })), { code: 'AccessDenied', status: 403, message: 'Access Denied' });
    await expectAwsError(s3.send(new PutBucketPolicyCommand({ Bucket, Policy: policy({ Condition: { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } } }) })), { code: 'AccessDenied', status: 403 });
    // Pinned to fixed source values the statement is not public.
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: policy({ Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }) }));
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: policy({ Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } } }) }));

    await s3.send(new DeletePublicAccessBlockCommand({ Bucket }));
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: policy({}) }));
    await s3.send(new PutBucketAclCommand({ Bucket, ACL: 'public-read-write' }));
    expect((await s3.send(new GetBucketAclCommand({ Bucket }))).Grants?.filter((g) => g.Grantee?.URI === ALL_USERS).map((g) => g.Permission)).toEqual(['READ', 'WRITE']);
  });

  it('object ACLs belong to each version; ACLs sent with a write beyond the default are not implemented', async () => {
    const Bucket = await aclBucket('object-acls');
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const first = (await s3.send(new PutObjectCommand({ Bucket, Key: 'doc', Body: 'v1' }))).VersionId!;
    await s3.send(new PutObjectAclCommand({ Bucket, Key: 'doc', ACL: 'public-read' }));
    expect((await s3.send(new GetObjectAclCommand({ Bucket, Key: 'doc' }))).Grants).toEqual([ownerGrant(), { Grantee: { Type: 'Group', URI: ALL_USERS }, Permission: 'READ' }]);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'doc', Body: 'v2' }));
    // The new version starts private; the first keeps its grant.
    expect((await s3.send(new GetObjectAclCommand({ Bucket, Key: 'doc' }))).Grants).toEqual([ownerGrant()]);
    expect((await s3.send(new GetObjectAclCommand({ Bucket, Key: 'doc', VersionId: first }))).Grants).toHaveLength(2);
    await s3.send(new PutObjectAclCommand({ Bucket, Key: 'doc', VersionId: first, ACL: 'aws-exec-read' }));
    expect((await s3.send(new GetObjectAclCommand({ Bucket, Key: 'doc', VersionId: first }))).Grants?.[1]).toEqual({
      Grantee: { Type: 'CanonicalUser', ID: '6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c' },
      Permission: 'READ',
    });

    await s3.send(new PutObjectCommand({ Bucket, Key: 'private-write', Body: 'x', ACL: 'private' }));
    await expectAwsError(s3.send(new PutObjectCommand({ Bucket, Key: 'public-write', Body: 'x', ACL: 'public-read' })), { code: 'NotImplemented', status: 501 });
    await expectAwsError(s3.send(new GetObjectAclCommand({ Bucket, Key: 'public-write' })), { code: 'NoSuchKey', status: 404 });
  });

  it('an overwrite in a bucket that never had versioning keeps nothing of the object it replaces: ACL, tags, metadata', async () => {
    const Bucket = await aclBucket('overwritten-acls');
    await s3.send(new PutObjectCommand({ Bucket, Key: 'doc', Body: 'v1', Metadata: { old: 'yes' }, Tagging: 'a=1' }));
    await s3.send(new PutObjectAclCommand({ Bucket, Key: 'doc', ACL: 'public-read' }));
    expect((await s3.send(new GetObjectAclCommand({ Bucket, Key: 'doc' }))).Grants).toHaveLength(2);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'doc', Body: 'v2', ContentType: 'text/plain' }));
    expect((await s3.send(new GetObjectAclCommand({ Bucket, Key: 'doc' }))).Grants).toEqual([ownerGrant()]);
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'doc' }))).TagSet).toEqual([]);
    const read = await s3.send(new GetObjectCommand({ Bucket, Key: 'doc' }));
    expect([read.Metadata, read.ContentType, read.VersionId, await read.Body!.transformToString()]).toEqual([{}, 'text/plain', undefined, 'v2']);
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket }))).Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest, v.Size])).toEqual([['doc', 'null', true, 2]]);
    // Bodies kept in SQLite and in files (over 64 KiB) take each other's place.
    for (const body of ['x'.repeat(70_000), 'v3', 'y'.repeat(80_000), 'z'.repeat(90_000), 'v4']) {
      await s3.send(new PutObjectCommand({ Bucket, Key: 'doc', Body: body }));
      expect(await (await s3.send(new GetObjectCommand({ Bucket, Key: 'doc' }))).Body!.transformToString()).toBe(body);
    }
  });

  it('IAM decides ACL reads and writes on s3:GetBucketAcl, s3:PutBucketAcl and the version actions', async () => {
    const Bucket = await aclBucket('guarded-acls');
    await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'x' }));
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetBucketAcl', 's3:GetObjectAcl'], Resource: '*' }] });
    const { arn, credentials } = await createIamUser(server.clientConfig, 'acl-reader', [policy]);
    const reader = new S3Client({ ...server.clientConfig, credentials, maxAttempts: 1 });
    expect((await reader.send(new GetBucketAclCommand({ Bucket }))).Grants).toEqual([ownerGrant()]);
    expect((await reader.send(new GetObjectAclCommand({ Bucket, Key: 'k' }))).Grants).toEqual([ownerGrant()]);
    await expectAwsError(reader.send(new PutBucketAclCommand({ Bucket, ACL: 'private' })), {
      code: 'AccessDenied',
      status: 403,
      message: `User: ${arn} is not authorized to perform: s3:PutBucketAcl on resource: arn:aws:s3:::${Bucket}`,
    });
    await expectAwsError(reader.send(new GetObjectAclCommand({ Bucket, Key: 'k', VersionId: 'null' })), {
      code: 'AccessDenied',
      status: 403,
      message: 'not authorized to perform: s3:GetObjectVersionAcl',
    });
  });
});
