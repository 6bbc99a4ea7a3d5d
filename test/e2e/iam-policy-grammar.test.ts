import {
  CreateGroupCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetPolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListPoliciesCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';

const server = useServer();
let iam: IAMClient;

const malformed = (message: string) => ({ code: 'MalformedPolicyDocumentException', status: 400, message });
const statement = (s: Record<string, unknown>, version: string | undefined = '2012-10-17') => JSON.stringify({ Version: version, Statement: [s] });
const allow = (resource: unknown, action: unknown = 's3:GetObject') => statement({ Effect: 'Allow', Action: action, Resource: resource });
const TRUST = statement({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' });

/** A document of about `size` characters without whitespace: one statement with many resources. */
function sized(size: number): string {
  const resources: string[] = [];
  let doc = allow(resources);
  for (let i = 0; doc.length < size; i++) {
    resources.push(`arn:aws:s3:::bucket-${String(i).padStart(6, '0')}`);
    doc = allow(resources);
  }
  return doc;
}

beforeAll(async () => {
  iam = new IAMClient(server.clientConfig);
  await iam.send(new CreateUserCommand({ UserName: 'u' }));
  await iam.send(new CreateGroupCommand({ GroupName: 'g' }));
  await iam.send(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: TRUST }));
});

describe('IAM policy grammar', () => {
  it('managed policies must use Version 2012-10-17; inline policies may omit it', async () => {
    const noVersion = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
    const message = 'Policy document must be version 2012-10-17 or greater.';
    await expectAwsError(iam.send(new CreatePolicyCommand({ PolicyName: 'nov', PolicyDocument: noVersion })), malformed(message));
    await expectAwsError(iam.send(new CreatePolicyCommand({ PolicyName: 'old', PolicyDocument: allow('*').replace('2012-10-17', '2008-10-17') })), malformed(message));
    const created = await iam.send(new CreatePolicyCommand({ PolicyName: 'ok', PolicyDocument: allow('*') }));
    await expectAwsError(iam.send(new CreatePolicyVersionCommand({ PolicyArn: created.Policy!.Arn, PolicyDocument: noVersion })), malformed(message));
    await iam.send(new PutUserPolicyCommand({ UserName: 'u', PolicyName: 'legacy', PolicyDocument: noVersion }));
    await expectAwsError(iam.send(new CreatePolicyCommand({ PolicyName: 'future', PolicyDocument: allow('*').replace('2012-10-17', '2024-01-01') })), malformed('The policy failed legacy parsing'));
    expect((await iam.send(new ListPoliciesCommand({ Scope: 'Local' }))).Policies!.map((p) => p.PolicyName)).toEqual(['ok']);
  });

  it('S3 and IAM resource ARNs cannot carry a region; other services may', async () => {
    const s3 = 'arn:aws:s3:us-west-2:123456789012:test/athena';
    await expectAwsError(iam.send(new CreatePolicyCommand({ PolicyName: 'p1', PolicyDocument: allow(s3) })), malformed(`Resource ${s3} can not contain region information.`));
    const role = 'arn:aws:iam:us-east-1:123456789012:role/x';
    await expectAwsError(
      iam.send(new PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'p', PolicyDocument: allow(role, 'iam:PassRole') })),
      malformed(`IAM resource ${role} cannot contain region information.`),
    );
    await iam.send(new PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'p', PolicyDocument: allow('arn:aws:ssm:us-east-1:123456789012:parameter/x', 'ssm:GetParameter') }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'p', PolicyDocument: allow(['arn:aws:s3:::b/*', 'arn:aws:iam::*:role/*', 'arn:aws:s3:*:*:b']) }));
  });

  it('malformed resources and actions are refused with IAM messages', async () => {
    const put = (doc: string) => iam.send(new PutUserPolicyCommand({ UserName: 'u', PolicyName: 'p', PolicyDocument: doc }));
    await expectAwsError(put(allow('arn:aws:s3')), malformed('The policy failed legacy parsing'));
    await expectAwsError(put(allow('bucket')), malformed('Resource bucket must be in ARN format or "*".'));
    await expectAwsError(put(allow('*', 's3:Get:Object')), malformed('Actions/Conditions can contain only one colon.'));
    await expectAwsError(put(allow('*', '*:Untag*')), malformed('Action vendors (e.g., aws, ec2, etc.) must not contain wildcards'));
    await expectAwsError(put(allow('*', 'GetObject')), malformed('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.'));
    await expectAwsError(put('{"Version": "2012-10-17", "Statement": ['), malformed('Syntax errors in policy.'));
  });

  it('trust policies: invalid JSON, prohibited Resource, and the 2,048-character quota', async () => {
    await expectAwsError(iam.send(new CreateRoleCommand({ RoleName: 'bad', AssumeRolePolicyDocument: 'some policy' })), malformed('This policy contains invalid Json'));
    await expectAwsError(iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'r', PolicyDocument: '{"Version":' })), malformed('This policy contains invalid Json'));
    const withResource = statement({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole', Resource: '*' });
    await expectAwsError(iam.send(new CreateRoleCommand({ RoleName: 'bad', AssumeRolePolicyDocument: withResource })), malformed('Has prohibited field Resource'));
    const services = Array.from({ length: 80 }, (_, i) => `service${String(i).padStart(2, '0')}.amazonaws.com`);
    const big = statement({ Effect: 'Allow', Principal: { Service: services }, Action: 'sts:AssumeRole' });
    expect(big.length).toBeGreaterThan(2048);
    const quota = { code: 'LimitExceededException', status: 409, message: 'Cannot exceed quota for ACLSizePerRole: 2048' };
    await expectAwsError(iam.send(new CreateRoleCommand({ RoleName: 'big', AssumeRolePolicyDocument: big })), quota);
    await expectAwsError(iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'r', PolicyDocument: big })), quota);
    await expectAwsError(iam.send(new GetRoleCommand({ RoleName: 'big' })), { code: 'NoSuchEntityException', status: 404 });
    // Whitespace is not counted.
    const spaced = TRUST.replace('{', `{${' '.repeat(3000)}`);
    expect(spaced.length).toBeGreaterThan(2048);
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'r', PolicyDocument: spaced }));
  });

  it('size quotas: managed 6,144, inline aggregate 2,048 per user, 5,120 per group, 10,240 per role', async () => {
    await expectAwsError(iam.send(new CreatePolicyCommand({ PolicyName: 'huge', PolicyDocument: sized(6200) })), {
      code: 'LimitExceededException',
      status: 409,
      message: 'Cannot exceed quota for PolicySize: 6144',
    });
    await iam.send(new CreatePolicyCommand({ PolicyName: 'fits', PolicyDocument: sized(6000) }));
    await expectAwsError(iam.send(new PutUserPolicyCommand({ UserName: 'u', PolicyName: 'big', PolicyDocument: sized(2100) })), {
      code: 'LimitExceededException',
      status: 409,
      message: 'Maximum policy size of 2048 bytes exceeded for user u',
    });
    await expectAwsError(iam.send(new PutGroupPolicyCommand({ GroupName: 'g', PolicyName: 'big', PolicyDocument: sized(5200) })), {
      code: 'LimitExceededException',
      status: 409,
      message: 'Maximum policy size of 5120 bytes exceeded for group g',
    });
    await iam.send(new PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'a', PolicyDocument: sized(6000) }));
    await expectAwsError(iam.send(new PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'b', PolicyDocument: sized(4500) })), {
      code: 'LimitExceededException',
      status: 409,
      message: 'Maximum policy size of 10240 bytes exceeded for role r',
    });
  });

  it('resource ARNs must be in the partition of the request region', async () => {
    const cn = new IAMClient({ ...server.clientConfig, region: 'cn-north-1' });
    const doc = allow('arn:aws:ssm:*:*:parameter/x', 'ssm:GetParameter');
    await expectAwsError(cn.send(new CreatePolicyCommand({ PolicyName: 'cn', PolicyDocument: doc })), malformed('Partition "aws" is not valid for resource "arn:aws:ssm:*:*:parameter/x".'));
    await expectAwsError(cn.send(new PutUserPolicyCommand({ UserName: 'u', PolicyName: 'cn', PolicyDocument: doc })), malformed('Partition "aws" is not valid'));
    const created = await cn.send(new CreatePolicyCommand({ PolicyName: 'cn', PolicyDocument: doc.replace('arn:aws:', 'arn:aws-cn:') }));
    expect(created.Policy!.Arn).toBe('arn:aws-cn:iam::000000000000:policy/cn');
  });

  it('CreatePolicy answers without the description; GetPolicy has it, and Tags even when empty', async () => {
    const created = await iam.send(new CreatePolicyCommand({ PolicyName: 'described', Description: 'reads', PolicyDocument: allow('*') }));
    expect(created.Policy!.Description).toBeUndefined();
    const got = await iam.send(new GetPolicyCommand({ PolicyArn: created.Policy!.Arn }));
    expect(got.Policy!.Description).toBe('reads');
    expect(got.Policy!.Tags).toEqual([]);
  });
});
