import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetContextKeysForCustomPolicyCommand,
  GetContextKeysForPrincipalPolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  SimulateCustomPolicyCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';

const server = useServer();

const policy = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });

describe('IAM SimulateCustomPolicy', () => {
  let iam: IAMClient;
  let account: string;
  let callerArn: string;
  beforeAll(async () => {
    iam = new IAMClient(server.clientConfig);
    const { User } = await iam.send(new CreateUserCommand({ UserName: 'sim-caller' }));
    callerArn = User!.Arn!;
    account = callerArn.split(':')[4]!;
  });

  it('answers allowed, explicitDeny and implicitDeny per action and resource, with the matched statements and where they are', async () => {
    const document =
      '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::photos/*"},\n    {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}\n  ]\n}';
    const out = await iam.send(
      new SimulateCustomPolicyCommand({ PolicyInputList: [document], ActionNames: ['s3:GetObject', 's3:DeleteObject'], ResourceArns: ['arn:aws:s3:::photos/cat.jpg', 'arn:aws:s3:::other/x'] }),
    );
    expect(out.IsTruncated).toBe(false);
    expect(out.EvaluationResults!.map((r) => [r.EvalActionName, r.EvalResourceName, r.EvalDecision])).toEqual([
      ['s3:GetObject', 'arn:aws:s3:::photos/cat.jpg', 'allowed'],
      ['s3:GetObject', 'arn:aws:s3:::other/x', 'implicitDeny'],
      ['s3:DeleteObject', 'arn:aws:s3:::photos/cat.jpg', 'explicitDeny'],
      ['s3:DeleteObject', 'arn:aws:s3:::other/x', 'explicitDeny'],
    ]);
    expect(out.EvaluationResults![0]!.MatchedStatements).toEqual([
      { SourcePolicyId: 'PolicyInputList.1', SourcePolicyType: 'IAM Policy', StartPosition: { Line: 4, Column: 5 }, EndPosition: { Line: 4, Column: 79 } },
    ]);
    expect(out.EvaluationResults![1]!.MatchedStatements).toEqual([]);
    // On an explicit deny only the denying statement is listed.
    expect(out.EvaluationResults![2]!.MatchedStatements!.map((s) => s.StartPosition)).toEqual([{ Line: 5, Column: 5 }]);
    // With ResourceArns each result carries its resource's own result, and an empty cross-account summary within one account.
    expect(out.EvaluationResults![1]).toMatchObject({
      EvalDecisionDetails: {},
      ResourceSpecificResults: [{ EvalResourceName: 'arn:aws:s3:::other/x', EvalResourceDecision: 'implicitDeny', MatchedStatements: [], MissingContextValues: [] }],
    });
  });

  it('simulates against * without ResourceArns and reports the context keys it was not given', async () => {
    const document = policy({ Effect: 'Allow', Action: 'ec2:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' }, Bool: { 'aws:MultiFactorAuthPresent': 'true' } } });
    const without = await iam.send(new SimulateCustomPolicyCommand({ PolicyInputList: [document], ActionNames: ['ec2:RunInstances'] }));
    expect(without.EvaluationResults![0]).toMatchObject({ EvalResourceName: '*', EvalDecision: 'implicitDeny', MissingContextValues: ['aws:SourceIp', 'aws:MultiFactorAuthPresent'] });
    const given = await iam.send(
      new SimulateCustomPolicyCommand({
        PolicyInputList: [document],
        ActionNames: ['ec2:RunInstances'],
        ContextEntries: [
          { ContextKeyName: 'aws:SourceIp', ContextKeyValues: ['203.0.113.9'], ContextKeyType: 'ip' },
          { ContextKeyName: 'aws:MultiFactorAuthPresent', ContextKeyValues: ['true'], ContextKeyType: 'boolean' },
        ],
      }),
    );
    expect(given.EvaluationResults![0]).toMatchObject({ EvalDecision: 'allowed', MissingContextValues: [] });
  });

  it('takes list context keys (ForAllValues over aws:TagKeys)', async () => {
    const document = policy({ Effect: 'Allow', Action: 'ec2:CreateTags', Resource: '*', Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['Environment', 'CostCenter'] } } });
    const decide = async (keys: string[]) =>
      (
        await iam.send(
          new SimulateCustomPolicyCommand({
            PolicyInputList: [document],
            ActionNames: ['ec2:CreateTags'],
            ContextEntries: [{ ContextKeyName: 'aws:TagKeys', ContextKeyValues: keys, ContextKeyType: 'stringList' }],
          }),
        )
      ).EvaluationResults![0]!.EvalDecision;
    expect(await decide(['Environment'])).toBe('allowed');
    expect(await decide(['Environment', 'Owner'])).toBe('implicitDeny');
  });

  it('applies a permissions boundary and says whether it allowed', async () => {
    const out = await iam.send(
      new SimulateCustomPolicyCommand({
        PolicyInputList: [policy({ Effect: 'Allow', Action: ['s3:*', 'iam:CreateUser'], Resource: '*' })],
        PermissionsBoundaryPolicyInputList: [policy({ Effect: 'Allow', Action: 's3:*', Resource: '*' })],
        ActionNames: ['s3:ListBucket', 'iam:CreateUser'],
      }),
    );
    expect(out.EvaluationResults!.map((r) => [r.EvalDecision, r.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary])).toEqual([
      ['allowed', true],
      ['implicitDeny', false],
    ]);
    expect(out.EvaluationResults![0]!.MatchedStatements!.map((s) => s.SourcePolicyId)).toEqual(['PolicyInputList.1', 'PermissionsBoundaryPolicyInputList.1']);
  });

  it('evaluates a resource policy for the CallerArn: same account either side allows, another account needs both', async () => {
    const resourcePolicy = policy({ Effect: 'Allow', Principal: { AWS: callerArn }, Action: 'sqs:SendMessage', Resource: '*' });
    const base = { PolicyInputList: [policy({ Effect: 'Allow', Action: 'sns:Publish', Resource: '*' })], ActionNames: ['sqs:SendMessage'], ResourcePolicy: resourcePolicy, CallerArn: callerArn };
    const same = await iam.send(new SimulateCustomPolicyCommand({ ...base, ResourceArns: [`arn:aws:sqs:us-east-1:${account}:jobs`] }));
    expect(same.EvaluationResults![0]).toMatchObject({ EvalDecision: 'allowed', MatchedStatements: [{ SourcePolicyId: 'ResourcePolicy', SourcePolicyType: 'resource' }] });
    const other = await iam.send(new SimulateCustomPolicyCommand({ ...base, ResourceArns: ['arn:aws:sqs:us-east-1:999999999999:jobs'] }));
    expect(other.EvaluationResults![0]!.EvalDecision).toBe('implicitDeny');
    const owner = await iam.send(
      new SimulateCustomPolicyCommand({ ...base, ResourceArns: ['arn:aws:s3:::bucket'], ResourceOwner: 'arn:aws:iam::999999999999:root', ActionNames: ['sqs:SendMessage'] }),
    );
    expect(owner.EvaluationResults![0]!.EvalDecision).toBe('implicitDeny');
  });

  it('pages with MaxItems and Marker', async () => {
    const input = { PolicyInputList: [policy({ Effect: 'Allow', Action: 's3:Get*', Resource: '*' })], ActionNames: ['s3:GetObject', 's3:PutObject', 's3:GetBucketPolicy'] };
    const first = await iam.send(new SimulateCustomPolicyCommand({ ...input, MaxItems: 2 }));
    expect(first.IsTruncated).toBe(true);
    expect(first.EvaluationResults!.map((r) => r.EvalActionName)).toEqual(['s3:GetObject', 's3:PutObject']);
    const second = await iam.send(new SimulateCustomPolicyCommand({ ...input, MaxItems: 2, Marker: first.Marker }));
    expect(second.IsTruncated).toBe(false);
    expect(second.EvaluationResults!.map((r) => [r.EvalActionName, r.EvalDecision])).toEqual([['s3:GetBucketPolicy', 'allowed']]);
  });

  it('rejects bad input with InvalidInput', async () => {
    await expectAwsError(iam.send(new SimulateCustomPolicyCommand({ PolicyInputList: ['{not json'], ActionNames: ['s3:GetObject'] })), { code: 'InvalidInput', status: 400 });
    const allowAll = policy({ Effect: 'Allow', Action: '*', Resource: '*' });
    await expectAwsError(iam.send(new SimulateCustomPolicyCommand({ PolicyInputList: [allowAll], ActionNames: ['s3:GetObject'], ResourcePolicy: allowAll })), {
      code: 'InvalidInput',
      status: 400,
      message: 'CallerArn',
    });
    await expectAwsError(iam.send(new SimulateCustomPolicyCommand({ PolicyInputList: [allowAll], ActionNames: ['s3:GetObject'], CallerArn: `arn:aws:iam::${account}:role/r` })), {
      code: 'InvalidInput',
      status: 400,
      message: 'CallerArn',
    });
    await expectAwsError(iam.send(new SimulateCustomPolicyCommand({ PolicyInputList: [allowAll], PermissionsBoundaryPolicyInputList: [allowAll, allowAll], ActionNames: ['s3:GetObject'] })), {
      code: 'InvalidInput',
      status: 400,
    });
    await expectAwsError(iam.send(new SimulateCustomPolicyCommand({ PolicyInputList: [allowAll], ActionNames: ['s3:GetObject'], ResourceOwner: 'someone' })), { code: 'InvalidInput', status: 400 });
  });
});

describe('IAM SimulatePrincipalPolicy', () => {
  let iam: IAMClient;
  let account: string;
  beforeAll(async () => {
    iam = new IAMClient(server.clientConfig);
    const { User } = await iam.send(new CreateUserCommand({ UserName: 'sim-alice' }));
    account = User!.Arn!.split(':')[4]!;
    await iam.send(new PutUserPolicyCommand({ UserName: 'sim-alice', PolicyName: 'own-s3', PolicyDocument: policy({ Effect: 'Allow', Action: ['s3:*', 'iam:CreateUser'], Resource: '*' }) }));
    await iam.send(new CreateGroupCommand({ GroupName: 'sim-readers' }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'sim-readers', UserName: 'sim-alice' }));
    const { Policy } = await iam.send(new CreatePolicyCommand({ PolicyName: 'sim-dynamo-read', PolicyDocument: policy({ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*' }) }));
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'sim-readers', PolicyArn: Policy!.Arn! }));
  });

  it("evaluates a user's own and group policies, naming each matched policy", async () => {
    const out = await iam.send(
      new SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${account}:user/sim-alice`, ActionNames: ['s3:GetObject', 'dynamodb:GetItem', 'ec2:RunInstances'] }),
    );
    expect(out.EvaluationResults!.map((r) => [r.EvalActionName, r.EvalDecision, r.MatchedStatements!.map((s) => `${s.SourcePolicyType}:${s.SourcePolicyId}`)])).toEqual([
      ['s3:GetObject', 'allowed', ['user:own-s3']],
      ['dynamodb:GetItem', 'allowed', ['user-managed:sim-dynamo-read']],
      ['ec2:RunInstances', 'implicitDeny', []],
    ]);
  });

  it('adds PolicyInputList to the entity policies and applies its permissions boundary', async () => {
    const { Policy } = await iam.send(new CreatePolicyCommand({ PolicyName: 'sim-boundary', PolicyDocument: policy({ Effect: 'Allow', Action: ['s3:*', 'dynamodb:*', 'ec2:*'], Resource: '*' }) }));
    await iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'sim-alice', PermissionsBoundary: Policy!.Arn! }));
    const out = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: `arn:aws:iam::${account}:user/sim-alice`,
        PolicyInputList: [policy({ Effect: 'Allow', Action: 'ec2:RunInstances', Resource: '*' })],
        ActionNames: ['iam:CreateUser', 'ec2:RunInstances'],
      }),
    );
    expect(out.EvaluationResults!.map((r) => [r.EvalDecision, r.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary])).toEqual([
      ['implicitDeny', false],
      ['allowed', true],
    ]);
    expect(out.EvaluationResults![1]!.MatchedStatements!.map((s) => s.SourcePolicyId)).toEqual(['PolicyInputList.1', 'sim-boundary']);
  });

  it("evaluates a role's policies", async () => {
    const trust = policy({ Effect: 'Allow', Principal: { Service: 'codebuild.amazonaws.com' }, Action: 'sts:AssumeRole' });
    await iam.send(new CreateRoleCommand({ RoleName: 'sim-builder', AssumeRolePolicyDocument: trust }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'sim-builder', PolicyName: 'logs', PolicyDocument: policy({ Effect: 'Allow', Action: 'logs:*', Resource: '*' }) }));
    const out = await iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${account}:role/sim-builder`, ActionNames: ['logs:PutLogEvents', 's3:GetObject'] }));
    expect(out.EvaluationResults!.map((r) => [r.EvalDecision, r.MatchedStatements!.map((s) => `${s.SourcePolicyType}:${s.SourcePolicyId}`)])).toEqual([
      ['allowed', ['role:logs']],
      ['implicitDeny', []],
    ]);
  });

  it('answers NoSuchEntity for an entity that does not exist and InvalidInput for an ARN that is not one', async () => {
    await expectAwsError(iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${account}:user/nobody`, ActionNames: ['s3:GetObject'] })), {
      code: 'NoSuchEntity',
      status: 404,
      message: 'nobody',
    });
    await expectAwsError(iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${account}:role/nobody`, ActionNames: ['s3:GetObject'] })), {
      code: 'NoSuchEntity',
      status: 404,
    });
    await expectAwsError(iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:s3:::bucket-name-long`, ActionNames: ['s3:GetObject'] })), {
      code: 'InvalidInput',
      status: 400,
    });
    await expectAwsError(
      iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: `arn:aws:iam::${account}:group/sim-readers`,
          ActionNames: ['s3:GetObject'],
          ResourcePolicy: policy({ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }),
        }),
      ),
      { code: 'InvalidInput', status: 400, message: 'CallerArn' },
    );
  });
});

describe('IAM GetContextKeysForCustomPolicy and GetContextKeysForPrincipalPolicy', () => {
  let iam: IAMClient;
  let account: string;
  beforeAll(async () => {
    iam = new IAMClient(server.clientConfig);
    const { User } = await iam.send(new CreateUserCommand({ UserName: 'keys-user' }));
    account = User!.Arn!.split(':')[4]!;
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'keys-user',
        PolicyName: 'home',
        PolicyDocument: policy({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::home/${aws:username}/*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } }),
      }),
    );
  });

  it('lists the condition keys and policy variables of the given policies, once each', async () => {
    const out = await iam.send(
      new GetContextKeysForCustomPolicyCommand({
        PolicyInputList: [
          policy({ Effect: 'Allow', Action: 'ec2:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' }, DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } } }),
          policy({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': 'eu-west-1' }, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }),
        ],
      }),
    );
    expect(out.ContextKeyNames).toEqual(['aws:SourceIp', 'aws:CurrentTime', 'aws:RequestedRegion']);
    await expectAwsError(iam.send(new GetContextKeysForCustomPolicyCommand({ PolicyInputList: ['nope'] })), { code: 'InvalidInput', status: 400 });
  });

  it("lists the keys of a user's policies and of the given ones", async () => {
    const out = await iam.send(
      new GetContextKeysForPrincipalPolicyCommand({
        PolicySourceArn: `arn:aws:iam::${account}:user/keys-user`,
        PolicyInputList: [policy({ Effect: 'Allow', Action: 'sqs:*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'a' } } })],
      }),
    );
    expect(out.ContextKeyNames).toEqual(['aws:SecureTransport', 'aws:username', 'aws:PrincipalTag/team']);
    await expectAwsError(iam.send(new GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${account}:user/nobody` })), { code: 'NoSuchEntity', status: 404 });
  });
});
