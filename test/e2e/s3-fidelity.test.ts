/**
 * S3 answers as AWS gives them today: owners without DisplayName (gone since November 2025), the
 * ownership controls, ACL values checked, and an extended request id (`x-amz-id-2`) on every answer
 * that error documents repeat as `<HostId>`.
 */
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketOwnershipControlsCommand,
  DeleteObjectCommand,
  GetBucketAclCommand,
  GetBucketOwnershipControlsCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  ListPartsCommand,
  type OwnershipControls,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketVersioningCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { type RawRequest, signedRequest } from './raw-request.js';

/** An owner (or initiator, or canonical-user grantee) as S3 answers it now: the canonical ID alone. */
const CANONICAL_OWNER = { ID: expect.stringMatching(/^[0-9a-f]{64}$/) };
/** AWS's extended request id: 56 bytes, base64. */
const HOST_ID = /^[A-Za-z0-9+/]{75}=$/;

describe('S3 owners and request ids as AWS answers them', () => {
  const server = useServer();
  let s3: S3Client;
  const raw = (path: string, extra: Partial<RawRequest> = {}) => signedRequest(server.url, { service: 's3', method: 'GET', path, signPayloadHeader: true, ...extra });

  beforeAll(async () => {
    s3 = new S3Client(server.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'owners' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'owners', VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutObjectCommand({ Bucket: 'owners', Key: 'k', Body: 'v' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'owners', Key: 'gone' }));
  });

  it('no owner, initiator or grantee carries a DisplayName, in any listing or ACL', async () => {
    expect((await s3.send(new ListBucketsCommand({}))).Owner).toEqual(CANONICAL_OWNER);
    expect((await s3.send(new ListObjectsCommand({ Bucket: 'owners' }))).Contents?.[0].Owner).toEqual(CANONICAL_OWNER);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'owners', FetchOwner: true }))).Contents?.[0].Owner).toEqual(CANONICAL_OWNER);
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'owners' }));
    expect(versions.Versions?.[0].Owner).toEqual(CANONICAL_OWNER);
    expect(versions.DeleteMarkers?.[0].Owner).toEqual(CANONICAL_OWNER);
    const bucketAcl = await s3.send(new GetBucketAclCommand({ Bucket: 'owners' }));
    expect(bucketAcl.Owner).toEqual(CANONICAL_OWNER);
    expect(bucketAcl.Grants).toEqual([{ Grantee: { Type: 'CanonicalUser', ...CANONICAL_OWNER }, Permission: 'FULL_CONTROL' }]);
    const objectAcl = await s3.send(new GetObjectAclCommand({ Bucket: 'owners', Key: 'k' }));
    expect(objectAcl.Owner).toEqual(CANONICAL_OWNER);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'owners', Key: 'big' }));
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'owners' }));
    expect(uploads.Uploads?.[0]).toMatchObject({ Owner: CANONICAL_OWNER, Initiator: CANONICAL_OWNER });
    const parts = await s3.send(new ListPartsCommand({ Bucket: 'owners', Key: 'big', UploadId }));
    expect(parts).toMatchObject({ Owner: CANONICAL_OWNER, Initiator: CANONICAL_OWNER });
    // The documents themselves never name the element (the SDK would drop an empty one silently).
    for (const path of ['/', '/owners', '/owners?versions', '/owners?acl', '/owners/k?acl', '/owners?uploads', `/owners/big?uploadId=${encodeURIComponent(UploadId!)}`]) {
      const [pathname, query] = path.split('?');
      const res = await raw(pathname, { query: query ? Object.fromEntries(new URLSearchParams(query)) : {} });
      expect([res.status, res.text.includes('<ID>'), res.text.includes('DisplayName')], path).toEqual([200, true, false]);
    }
  });

  it('a display name sent in an ACL document is not kept: grantees read back by ID alone', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'acl-names', ObjectOwnership: 'ObjectWriter' }));
    const { Owner } = await s3.send(new GetBucketAclCommand({ Bucket: 'acl-names' }));
    const other = 'a'.repeat(64);
    await s3.send(
      new PutBucketAclCommand({
        Bucket: 'acl-names',
        AccessControlPolicy: {
          Owner: { ID: Owner!.ID, DisplayName: 'me' },
          Grants: [
            { Grantee: { Type: 'CanonicalUser', ID: Owner!.ID, DisplayName: 'me' }, Permission: 'FULL_CONTROL' },
            { Grantee: { Type: 'CanonicalUser', ID: other, DisplayName: 'someone' }, Permission: 'READ' },
          ],
        },
      }),
    );
    expect((await s3.send(new GetBucketAclCommand({ Bucket: 'acl-names' }))).Grants).toEqual([
      { Grantee: { Type: 'CanonicalUser', ID: Owner!.ID }, Permission: 'FULL_CONTROL' },
      { Grantee: { Type: 'CanonicalUser', ID: other }, Permission: 'READ' },
    ]);
    await s3.send(new PutObjectCommand({ Bucket: 'acl-names', Key: 'doc', Body: 'x' }));
    await s3.send(new PutObjectAclCommand({ Bucket: 'acl-names', Key: 'doc', GrantRead: `id="${other}"` }));
    expect((await raw('/acl-names/doc', { query: { acl: '' } })).text).not.toContain('DisplayName');
  });

  it('the ownership controls answer as AWS: the 2023 default, each setting, MalformedXML for a bad rule, not-found once deleted', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'ownership' }));
    const rules = async () => (await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: 'ownership' }))).OwnershipControls?.Rules;
    expect(await rules()).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
    for (const ObjectOwnership of ['ObjectWriter', 'BucketOwnerPreferred', 'BucketOwnerEnforced'] as const) {
      await s3.send(new PutBucketOwnershipControlsCommand({ Bucket: 'ownership', OwnershipControls: { Rules: [{ ObjectOwnership }] } }));
      expect(await rules()).toEqual([{ ObjectOwnership }]);
    }
    const bad: OwnershipControls[] = [
      { Rules: [{ ObjectOwnership: 'Nobody' as 'ObjectWriter' }] },
      { Rules: [{ ObjectOwnership: 'ObjectWriter' }, { ObjectOwnership: 'BucketOwnerPreferred' }] },
      { Rules: [] },
    ];
    for (const OwnershipControls of bad) {
      await expectAwsError(s3.send(new PutBucketOwnershipControlsCommand({ Bucket: 'ownership', OwnershipControls })), { code: 'MalformedXML', status: 400 });
    }
    expect(await rules()).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
    await s3.send(new DeleteBucketOwnershipControlsCommand({ Bucket: 'ownership' }));
    await expectAwsError(s3.send(new GetBucketOwnershipControlsCommand({ Bucket: 'ownership' })), {
      code: 'OwnershipControlsNotFoundError',
      status: 404,
      message: 'The bucket ownership controls were not found',
    });
    await expectAwsError(s3.send(new GetBucketOwnershipControlsCommand({ Bucket: 'no-such-ownership' })), { code: 'NoSuchBucket', status: 404 });
  });

  it('unknown canned ACLs and malformed grants are InvalidArgument, naming the header and value, and write nothing', async () => {
    const bogus = 'public-reed' as 'private';
    const canned = await expectAwsError(s3.send(new PutObjectCommand({ Bucket: 'owners', Key: 'acl-refused', Body: 'x', ACL: bogus })), { code: 'InvalidArgument', status: 400 });
    expect(canned).toMatchObject({ ArgumentName: 'x-amz-acl', ArgumentValue: 'public-reed' });
    await expectAwsError(s3.send(new HeadObjectCommand({ Bucket: 'owners', Key: 'acl-refused' })), { code: 'NotFound', status: 404 });
    await expectAwsError(s3.send(new CreateBucketCommand({ Bucket: 'acl-refused', ACL: bogus })), { code: 'InvalidArgument', status: 400 });
    await expectAwsError(s3.send(new HeadBucketCommand({ Bucket: 'acl-refused' })), { code: 'NotFound', status: 404 });

    await s3.send(new CreateBucketCommand({ Bucket: 'acl-grants', ObjectOwnership: 'ObjectWriter' }));
    const before = await s3.send(new GetBucketAclCommand({ Bucket: 'acl-grants' }));
    const grants: [string, string, string][] = [
      ['nonsense', 'InvalidArgument', 'Argument format not recognized'],
      ['id="not-a-canonical-id"', 'InvalidArgument', 'Invalid id'],
      ['uri="http://acs.amazonaws.com/groups/global/Nobody"', 'InvalidArgument', 'Invalid group uri'],
      ['emailAddress="someone@example.com"', 'UnresolvableGrantByEmailAddress', 'The email address you provided does not match any account on record.'],
    ];
    for (const [GrantRead, code, message] of grants) {
      await expectAwsError(s3.send(new PutBucketAclCommand({ Bucket: 'acl-grants', GrantRead })), { code, status: 400, message });
    }
    await expectAwsError(s3.send(new PutBucketAclCommand({ Bucket: 'acl-grants', ACL: bogus })), { code: 'InvalidArgument', status: 400 });
    await expectAwsError(s3.send(new PutBucketAclCommand({ Bucket: 'acl-grants', ACL: 'private', GrantRead: `id="${'a'.repeat(64)}"` })), {
      code: 'InvalidRequest',
      status: 400,
      message: 'Specifying both Canned ACLs and Header Grants is not allowed',
    });
    expect((await s3.send(new GetBucketAclCommand({ Bucket: 'acl-grants' }))).Grants).toEqual(before.Grants);
  });

  it('every answer carries an x-amz-id-2, and an error document repeats it as HostId after the RequestId', async () => {
    const listed = await s3.send(new ListBucketsCommand({}));
    expect(listed.$metadata.extendedRequestId).toMatch(HOST_ID);

    const err = await expectAwsError(s3.send(new GetObjectCommand({ Bucket: 'owners', Key: 'missing' })), { code: 'NoSuchKey', status: 404 });
    expect((err as unknown as { $metadata: { extendedRequestId?: string } }).$metadata.extendedRequestId).toMatch(HOST_ID);

    const missing = await raw('/owners/missing');
    const hostId = missing.headers['x-amz-id-2'] as string;
    expect(hostId).toMatch(HOST_ID);
    expect(missing.text).toMatch(new RegExp(`<RequestId>${missing.headers['x-amz-request-id']}</RequestId><HostId>${hostId.replace(/[+/]/g, '\\$&')}</HostId></Error>$`));

    // Errors the pipeline answers before any handler runs carry it too.
    const badSignature = await raw('/owners', { secretAccessKey: 'wrong' });
    expect([badSignature.status, badSignature.code]).toEqual([403, 'SignatureDoesNotMatch']);
    expect(badSignature.text).toContain(`<HostId>${badSignature.headers['x-amz-id-2']}</HostId>`);
    // Each answer has its own.
    expect(badSignature.headers['x-amz-id-2']).not.toBe(hostId);
  });
});
