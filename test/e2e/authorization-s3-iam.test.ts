import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreateUserCommand, GetUserCommand, IAMClient, ListUsersCommand, PutUserPolicyCommand, UpdateUserCommand } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeletePublicAccessBlockCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { executionRole, NODE_RUNTIME, zipOf } from './lambda-helpers.js';

const server = useServer();
const ACCOUNT = '000000000000';

type Credentials = { accessKeyId: string; secretAccessKey: string };

function policy(...statements: Record<string, unknown>[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

const denied = (who: string, action: string, resource: string, why = `because no identity-based policy allows the ${action} action`) =>
  `User: ${who} is not authorized to perform: ${action} on resource: ${resource} ${why}`;

describe('authorization of S3, IAM and STS requests', () => {
  let root: S3Client;
  let rootIam: IAMClient;

  /** An IAM user with these identity policy statements (none: no policy at all), and clients signed with its key. */
  async function user(name: string, ...statements: Record<string, unknown>[]) {
    const created = (await rootIam.send(new CreateUserCommand({ UserName: name }))).User!;
    if (statements.length) await rootIam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: policy(...statements) }));
    const key = (await rootIam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    const credentials: Credentials = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    return {
      arn: created.Arn!,
      credentials,
      s3: new S3Client({ ...server.clientConfig, credentials, maxAttempts: 1 }),
      iam: new IAMClient({ ...server.clientConfig, credentials, maxAttempts: 1 }),
      sts: new STSClient({ ...server.clientConfig, credentials, maxAttempts: 1 }),
    };
  }

  const body = async (out: { Body?: { transformToString(): Promise<string> } }) => out.Body!.transformToString();

  beforeAll(async () => {
    root = new S3Client(server.clientConfig);
    rootIam = new IAMClient(server.clientConfig);
    await root.send(new CreateBucketCommand({ Bucket: 'team-data' }));
    for (const key of ['public/a.txt', 'private/b.txt', 'home/alice/notes.txt', 'home/bob/notes.txt']) {
      await root.send(new PutObjectCommand({ Bucket: 'team-data', Key: key, Body: `content of ${key}` }));
    }
  });

  describe('S3 with identity policies', () => {
    it('a user without policies is denied with AWS 403 AccessDenied, naming the action and the object ARN', async () => {
      const nobody = await user('nobody');
      await expectAwsError(nobody.s3.send(new GetObjectCommand({ Bucket: 'team-data', Key: 'public/a.txt' })), {
        code: 'AccessDenied',
        status: 403,
        message: denied(nobody.arn, 's3:GetObject', 'arn:aws:s3:::team-data/public/a.txt'),
      });
      await expectAwsError(nobody.s3.send(new ListObjectsV2Command({ Bucket: 'team-data' })), {
        code: 'AccessDenied',
        status: 403,
        message: denied(nobody.arn, 's3:ListBucket', 'arn:aws:s3:::team-data'),
      });
      await expectAwsError(nobody.s3.send(new PutObjectCommand({ Bucket: 'team-data', Key: 'x', Body: 'x' })), { code: 'AccessDenied', status: 403 });
    });

    it('object ARNs in Resource scope s3:GetObject (HeadObject included) to a prefix of keys', async () => {
      const reader = await user('reader', { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::team-data/public/*' });
      expect(await body(await reader.s3.send(new GetObjectCommand({ Bucket: 'team-data', Key: 'public/a.txt' })))).toBe('content of public/a.txt');
      expect((await reader.s3.send(new HeadObjectCommand({ Bucket: 'team-data', Key: 'public/a.txt' }))).ContentLength).toBe('content of public/a.txt'.length);
      await expectAwsError(reader.s3.send(new GetObjectCommand({ Bucket: 'team-data', Key: 'private/b.txt' })), {
        code: 'AccessDenied',
        status: 403,
        message: denied(reader.arn, 's3:GetObject', 'arn:aws:s3:::team-data/private/b.txt'),
      });
      // s3:GetObject on objects is not s3:ListBucket on the bucket, nor s3:PutObject.
      await expectAwsError(reader.s3.send(new ListObjectsV2Command({ Bucket: 'team-data' })), { code: 'AccessDenied', status: 403 });
      await expectAwsError(reader.s3.send(new PutObjectCommand({ Bucket: 'team-data', Key: 'public/new.txt', Body: 'x' })), { code: 'AccessDenied', status: 403 });
    });

    it('ListObjectsV2 is s3:ListBucket on the bucket, with s3:prefix for conditions', async () => {
      const alice = await user('alice', {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: 'arn:aws:s3:::team-data',
        Condition: { StringLike: { 's3:prefix': ['home/${aws:username}/*', 'home/${aws:username}/'] } },
      });
      const mine = await alice.s3.send(new ListObjectsV2Command({ Bucket: 'team-data', Prefix: 'home/alice/' }));
      expect(mine.Contents!.map((o) => o.Key)).toEqual(['home/alice/notes.txt']);
      await expectAwsError(alice.s3.send(new ListObjectsV2Command({ Bucket: 'team-data', Prefix: 'home/bob/' })), {
        code: 'AccessDenied',
        status: 403,
        message: denied(alice.arn, 's3:ListBucket', 'arn:aws:s3:::team-data'),
      });
      // No prefix at all is the empty s3:prefix, which the condition does not match.
      await expectAwsError(alice.s3.send(new ListObjectsV2Command({ Bucket: 'team-data' })), { code: 'AccessDenied', status: 403 });
    });

    it('a named version needs s3:GetObjectVersion; a copy needs s3:GetObject on the source and s3:PutObject on the target', async () => {
      await root.send(new CreateBucketCommand({ Bucket: 'versioned-data' }));
      await root.send(new PutBucketVersioningCommand({ Bucket: 'versioned-data', VersioningConfiguration: { Status: 'Enabled' } }));
      const v1 = (await root.send(new PutObjectCommand({ Bucket: 'versioned-data', Key: 'doc', Body: 'one' }))).VersionId!;
      const latest = await user('latest-only', { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::versioned-data/*' });
      expect(await body(await latest.s3.send(new GetObjectCommand({ Bucket: 'versioned-data', Key: 'doc' })))).toBe('one');
      await expectAwsError(latest.s3.send(new GetObjectCommand({ Bucket: 'versioned-data', Key: 'doc', VersionId: v1 })), {
        code: 'AccessDenied',
        status: 403,
        message: denied(latest.arn, 's3:GetObjectVersion', 'arn:aws:s3:::versioned-data/doc'),
      });
      await latest.s3.send(new CopyObjectCommand({ Bucket: 'versioned-data', Key: 'copy', CopySource: 'versioned-data/doc' }));
      await expectAwsError(latest.s3.send(new CopyObjectCommand({ Bucket: 'versioned-data', Key: 'copy2', CopySource: 'team-data/public/a.txt' })), {
        code: 'AccessDenied',
        status: 403,
        message: denied(latest.arn, 's3:GetObject', 'arn:aws:s3:::team-data/public/a.txt'),
      });
    });

    it('DeleteObjects needs s3:DeleteObject on every key it names', async () => {
      await root.send(new PutObjectCommand({ Bucket: 'team-data', Key: 'scratch/1', Body: '1' }));
      const cleaner = await user('cleaner', { Effect: 'Allow', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::team-data/scratch/*' });
      await expectAwsError(cleaner.s3.send(new DeleteObjectsCommand({ Bucket: 'team-data', Delete: { Objects: [{ Key: 'scratch/1' }, { Key: 'private/b.txt' }] } })), {
        code: 'AccessDenied',
        status: 403,
      });
      // Nothing was deleted.
      expect((await root.send(new HeadObjectCommand({ Bucket: 'team-data', Key: 'private/b.txt' }))).ContentLength).toBeGreaterThan(0);
      const out = await cleaner.s3.send(new DeleteObjectsCommand({ Bucket: 'team-data', Delete: { Objects: [{ Key: 'scratch/1' }] } }));
      expect(out.Deleted!.map((d) => d.Key)).toEqual(['scratch/1']);
    });

    it('write condition keys (s3:x-amz-server-side-encryption, s3:RequestObjectTag/<key>) and the further actions of tags and ACLs', async () => {
      const uploader = await user(
        'uploader',
        { Effect: 'Allow', Action: ['s3:PutObject', 's3:PutObjectTagging'], Resource: 'arn:aws:s3:::team-data/uploads/*' },
        // AWS's documented pattern: refuse uploads that do not ask for server-side encryption.
        { Effect: 'Deny', Action: 's3:PutObject', Resource: '*', Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'AES256' } } },
        { Effect: 'Deny', Action: 's3:PutObjectTagging', Resource: '*', Condition: { StringNotEquals: { 's3:RequestObjectTag/team': 'data' } } },
      );
      await expectAwsError(uploader.s3.send(new PutObjectCommand({ Bucket: 'team-data', Key: 'uploads/plain', Body: 'x' })), {
        code: 'AccessDenied',
        status: 403,
        message: denied(uploader.arn, 's3:PutObject', 'arn:aws:s3:::team-data/uploads/plain', 'with an explicit deny in an identity-based policy'),
      });
      await uploader.s3.send(new PutObjectCommand({ Bucket: 'team-data', Key: 'uploads/sealed', Body: 'x', ServerSideEncryption: 'AES256' }));
      // A canned ACL needs s3:PutObjectAcl as well.
      await expectAwsError(uploader.s3.send(new PutObjectCommand({ Bucket: 'team-data', Key: 'uploads/shared', Body: 'x', ServerSideEncryption: 'AES256', ACL: 'bucket-owner-full-control' })), {
        code: 'AccessDenied',
        status: 403,
        message: denied(uploader.arn, 's3:PutObjectAcl', 'arn:aws:s3:::team-data/uploads/shared'),
      });
      await uploader.s3.send(new PutObjectCommand({ Bucket: 'team-data', Key: 'uploads/tagged', Body: 'x', ServerSideEncryption: 'AES256', Tagging: 'team=data' }));
      await expectAwsError(uploader.s3.send(new PutObjectCommand({ Bucket: 'team-data', Key: 'uploads/mistagged', Body: 'x', ServerSideEncryption: 'AES256', Tagging: 'team=ops' })), {
        code: 'AccessDenied',
        status: 403,
        message: denied(uploader.arn, 's3:PutObjectTagging', 'arn:aws:s3:::team-data/uploads/mistagged', 'with an explicit deny in an identity-based policy'),
      });
    });

    it('the root user of the account is never limited', async () => {
      expect(await body(await root.send(new GetObjectCommand({ Bucket: 'team-data', Key: 'private/b.txt' })))).toBe('content of private/b.txt');
      expect((await root.send(new ListObjectsV2Command({ Bucket: 'team-data' }))).KeyCount).toBeGreaterThan(0);
    });
  });

  describe('S3 bucket policies', () => {
    it('a bucket policy naming a user lets it read without any identity policy', async () => {
      const guest = await user('guest');
      await root.send(new CreateBucketCommand({ Bucket: 'shared-with-guest' }));
      await root.send(new PutObjectCommand({ Bucket: 'shared-with-guest', Key: 'hello.txt', Body: 'hello' }));
      await expectAwsError(guest.s3.send(new GetObjectCommand({ Bucket: 'shared-with-guest', Key: 'hello.txt' })), { code: 'AccessDenied', status: 403 });
      await root.send(
        new PutBucketPolicyCommand({
          Bucket: 'shared-with-guest',
          Policy: policy({ Effect: 'Allow', Principal: { AWS: guest.arn }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared-with-guest/*' }),
        }),
      );
      expect(await body(await guest.s3.send(new GetObjectCommand({ Bucket: 'shared-with-guest', Key: 'hello.txt' })))).toBe('hello');
      // Only what the policy grants: listing is still denied.
      await expectAwsError(guest.s3.send(new ListObjectsV2Command({ Bucket: 'shared-with-guest' })), { code: 'AccessDenied', status: 403 });
    });

    it('an explicit Deny in the bucket policy overrides an identity policy that allows', async () => {
      const writer = await user('writer', { Effect: 'Allow', Action: 's3:*', Resource: '*' });
      await root.send(new CreateBucketCommand({ Bucket: 'protected-data' }));
      await root.send(new PutObjectCommand({ Bucket: 'protected-data', Key: 'keep.txt', Body: 'keep' }));
      await root.send(
        new PutBucketPolicyCommand({
          Bucket: 'protected-data',
          Policy: policy({ Effect: 'Deny', Principal: { AWS: writer.arn }, Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::protected-data/*' }),
        }),
      );
      expect(await body(await writer.s3.send(new GetObjectCommand({ Bucket: 'protected-data', Key: 'keep.txt' })))).toBe('keep');
      await expectAwsError(writer.s3.send(new DeleteObjectCommand({ Bucket: 'protected-data', Key: 'keep.txt' })), {
        code: 'AccessDenied',
        status: 403,
        message: denied(writer.arn, 's3:DeleteObject', 'arn:aws:s3:::protected-data/keep.txt', 'with an explicit deny in a resource-based policy'),
      });
      expect((await root.send(new HeadObjectCommand({ Bucket: 'protected-data', Key: 'keep.txt' }))).ContentLength).toBe(4);
    });

    const otherRoot = () => new S3Client({ ...server.clientConfig, credentials: { accessKeyId: '111122223333', secretAccessKey: 'test' }, maxAttempts: 1 });
    const grantTo = (bucket: string, principal: string) =>
      root.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy({ Effect: 'Allow', Principal: { AWS: principal }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }) }));

    it("another account's root reads a bucket through a bucket policy that allows its account", async () => {
      const other = otherRoot();
      await root.send(new CreateBucketCommand({ Bucket: 'cross-account-data' }));
      await root.send(new PutObjectCommand({ Bucket: 'cross-account-data', Key: 'report.csv', Body: 'a,b' }));
      await expectAwsError(other.send(new GetObjectCommand({ Bucket: 'cross-account-data', Key: 'report.csv' })), { code: 'AccessDenied', status: 403 });
      await grantTo('cross-account-data', 'arn:aws:iam::111122223333:root');
      expect(await body(await other.send(new GetObjectCommand({ Bucket: 'cross-account-data', Key: 'report.csv' })))).toBe('a,b');
    });

    it("another account's root gets only what the bucket policy grants its account", async () => {
      const other = otherRoot();
      await root.send(new CreateBucketCommand({ Bucket: 'cross-account-other' }));
      await root.send(new PutObjectCommand({ Bucket: 'cross-account-other', Key: 'report.csv', Body: 'a,b' }));
      await grantTo('cross-account-other', '444455556666');
      await expectAwsError(other.send(new GetObjectCommand({ Bucket: 'cross-account-other', Key: 'report.csv' })), {
        code: 'AccessDenied',
        status: 403,
        message: denied('arn:aws:iam::111122223333:root', 's3:GetObject', 'arn:aws:s3:::cross-account-other/report.csv', 'because no resource-based policy allows the s3:GetObject action'),
      });
      await grantTo('cross-account-other', '111122223333');
      await expectAwsError(other.send(new PutObjectCommand({ Bucket: 'cross-account-other', Key: 'x', Body: 'x' })), { code: 'AccessDenied', status: 403 });
    });

    it("another account's IAM user needs both its own identity policy and the bucket policy", async () => {
      const otherIam = new IAMClient({ ...server.clientConfig, credentials: { accessKeyId: '111122223333', secretAccessKey: 'test' } });
      await otherIam.send(new CreateUserCommand({ UserName: 'auditor' }));
      const key = (await otherIam.send(new CreateAccessKeyCommand({ UserName: 'auditor' }))).AccessKey!;
      const auditor = new S3Client({ ...server.clientConfig, credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }, maxAttempts: 1 });
      const auditorArn = 'arn:aws:iam::111122223333:user/auditor';
      await root.send(new CreateBucketCommand({ Bucket: 'audited-data' }));
      await root.send(new PutObjectCommand({ Bucket: 'audited-data', Key: 'ledger', Body: 'ledger' }));
      await root.send(
        new PutBucketPolicyCommand({
          Bucket: 'audited-data',
          Policy: policy({ Effect: 'Allow', Principal: { AWS: auditorArn }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::audited-data/*' }),
        }),
      );
      // The bucket policy alone does not suffice across accounts: the user's own account must allow it too.
      await expectAwsError(auditor.send(new GetObjectCommand({ Bucket: 'audited-data', Key: 'ledger' })), {
        code: 'AccessDenied',
        status: 403,
        message: denied(auditorArn, 's3:GetObject', 'arn:aws:s3:::audited-data/ledger'),
      });
      await otherIam.send(new PutUserPolicyCommand({ UserName: 'auditor', PolicyName: 'read', PolicyDocument: policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }));
      expect(await body(await auditor.send(new GetObjectCommand({ Bucket: 'audited-data', Key: 'ledger' })))).toBe('ledger');
    });

    it('PutBucketPolicy refuses documents S3 cannot take, with its MalformedPolicy messages', async () => {
      await root.send(new CreateBucketCommand({ Bucket: 'policy-checks' }));
      // New buckets block public policies; this one takes them, to check documents granting everyone.
      await root.send(new DeletePublicAccessBlockCommand({ Bucket: 'policy-checks' }));
      const put = (statement: Record<string, unknown>) => root.send(new PutBucketPolicyCommand({ Bucket: 'policy-checks', Policy: policy(statement) }));
      const ok = { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::policy-checks/*' };
      await expectAwsError(put({ ...ok, Action: 'iam:CreateUser' }), { code: 'MalformedPolicy', status: 400, message: 'Policy has invalid action' });
      await expectAwsError(put({ ...ok, Principal: { AWS: 'not-a-principal' } }), { code: 'MalformedPolicy', status: 400, message: 'Invalid principal in policy' });
      await expectAwsError(put({ ...ok, Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/no-such-user` } }), { code: 'MalformedPolicy', status: 400, message: 'Invalid principal in policy' });
      await expectAwsError(put({ ...ok, Principal: { Someone: 'x' } }), { code: 'MalformedPolicy', status: 400, message: 'Invalid principal in policy' });
      await expectAwsError(put({ ...ok, Resource: 'arn:aws:s3:::another-bucket/*' }), { code: 'MalformedPolicy', status: 400, message: 'Policy has invalid resource' });
      await put(ok);
      await put({ ...ok, Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:root`, '111122223333'], Service: 'cloudtrail.amazonaws.com' } });
    });
  });

  describe('aws:SecureTransport', () => {
    it("a bucket policy denying insecure transport refuses plain-HTTP requests, not the calls AWS services make over TLS on a caller's behalf", async () => {
      const deployer = await user('deployer', { Effect: 'Allow', Action: '*', Resource: '*' });
      await root.send(new CreateBucketCommand({ Bucket: 'tls-only-assets' }));
      await root.send(new PutObjectCommand({ Bucket: 'tls-only-assets', Key: 'code.zip', Body: zipOf({ 'index.js': 'exports.handler = async () => 1;' }) }));
      // The statement the CDK's bootstrap stack puts on its asset bucket.
      const insecure = { Bool: { 'aws:SecureTransport': 'false' } };
      const resources = ['arn:aws:s3:::tls-only-assets', 'arn:aws:s3:::tls-only-assets/*'];
      await root.send(new PutBucketPolicyCommand({ Bucket: 'tls-only-assets', Policy: policy({ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: resources, Condition: insecure }) }));

      await expectAwsError(deployer.s3.send(new GetObjectCommand({ Bucket: 'tls-only-assets', Key: 'code.zip' })), {
        code: 'AccessDenied',
        status: 403,
        message: denied(deployer.arn, 's3:GetObject', 'arn:aws:s3:::tls-only-assets/code.zip', 'with an explicit deny in a resource-based policy'),
      });
      // Lambda fetches the code from S3 itself, as the caller, over AWS's own TLS connection.
      const role = await executionRole(server.server, 'tls-only-function-role');
      const lambda = new LambdaClient({ ...server.clientConfig, credentials: deployer.credentials, maxAttempts: 1 });
      const created = await lambda.send(
        new CreateFunctionCommand({ FunctionName: 'tls-only-function', Runtime: NODE_RUNTIME, Role: role, Handler: 'index.handler', Code: { S3Bucket: 'tls-only-assets', S3Key: 'code.zip' } }),
      );
      expect(created.CodeSize).toBeGreaterThan(0);
      lambda.destroy();
    });
  });

  describe('IAM and STS', () => {
    it('IAM operations are denied to a user without iam permissions', async () => {
      const dev = await user('dev');
      await expectAwsError(dev.iam.send(new CreateUserCommand({ UserName: 'sneaky' })), {
        code: 'AccessDenied',
        status: 403,
        message: denied(dev.arn, 'iam:CreateUser', `arn:aws:iam::${ACCOUNT}:user/sneaky`),
      });
      await expectAwsError(dev.iam.send(new ListUsersCommand({})), { code: 'AccessDenied', status: 403, message: `User: ${dev.arn} is not authorized to perform: iam:ListUsers` });
      // Even describing itself needs iam:GetUser on its own ARN.
      await expectAwsError(dev.iam.send(new GetUserCommand({})), { code: 'AccessDenied', status: 403, message: denied(dev.arn, 'iam:GetUser', dev.arn) });
    });

    it('a policy scoped to a path lets a user create users under that path only', async () => {
      const admin = await user(
        'path-admin',
        { Effect: 'Allow', Action: 'iam:CreateUser', Resource: `arn:aws:iam::${ACCOUNT}:user/ci/*` },
        { Effect: 'Allow', Action: 'iam:GetUser', Resource: `arn:aws:iam::${ACCOUNT}:user/\${aws:username}` },
      );
      const created = await admin.iam.send(new CreateUserCommand({ UserName: 'build-bot', Path: '/ci/' }));
      expect(created.User!.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/ci/build-bot`);
      await expectAwsError(admin.iam.send(new CreateUserCommand({ UserName: 'not-ci' })), {
        code: 'AccessDenied',
        status: 403,
        message: denied(admin.arn, 'iam:CreateUser', `arn:aws:iam::${ACCOUNT}:user/not-ci`),
      });
      expect((await admin.iam.send(new GetUserCommand({}))).User!.UserName).toBe('path-admin');
      await expectAwsError(admin.iam.send(new GetUserCommand({ UserName: 'dev' })), { code: 'AccessDenied', status: 403 });
    });

    it('iam:PolicyARN limits which policies a user may attach; a rename needs the permission on the new name too', async () => {
      await rootIam.send(new CreateUserCommand({ UserName: 'intern' }));
      const lead = await user(
        'team-lead',
        { Effect: 'Allow', Action: 'iam:AttachUserPolicy', Resource: '*', Condition: { ArnEquals: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/ReadOnlyAccess' } } },
        { Effect: 'Allow', Action: 'iam:UpdateUser', Resource: `arn:aws:iam::${ACCOUNT}:user/intern` },
      );
      await lead.iam.send(new AttachUserPolicyCommand({ UserName: 'intern', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
      await expectAwsError(lead.iam.send(new AttachUserPolicyCommand({ UserName: 'intern', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' })), {
        code: 'AccessDenied',
        status: 403,
        message: denied(lead.arn, 'iam:AttachUserPolicy', `arn:aws:iam::${ACCOUNT}:user/intern`),
      });
      await expectAwsError(lead.iam.send(new UpdateUserCommand({ UserName: 'intern', NewUserName: 'employee' })), {
        code: 'AccessDenied',
        status: 403,
        message: denied(lead.arn, 'iam:UpdateUser', `arn:aws:iam::${ACCOUNT}:user/employee`),
      });
    });

    it('the root user manages IAM without any policy', async () => {
      await rootIam.send(new CreateUserCommand({ UserName: 'by-root', Path: '/anywhere/' }));
      expect((await rootIam.send(new ListUsersCommand({}))).Users!.map((u) => u.UserName)).toContain('by-root');
    });

    it('GetCallerIdentity needs no permission, even under an explicit deny of everything', async () => {
      const locked = await user('locked-out', { Effect: 'Deny', Action: '*', Resource: '*' });
      expect((await locked.sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(locked.arn);
      await expectAwsError(locked.s3.send(new GetObjectCommand({ Bucket: 'team-data', Key: 'public/a.txt' })), {
        code: 'AccessDenied',
        status: 403,
        message: denied(locked.arn, 's3:GetObject', 'arn:aws:s3:::team-data/public/a.txt', 'with an explicit deny in an identity-based policy'),
      });
    });
  });
});
