/**
 * The IAM resource providers (Role, ManagedPolicy, Policy, User, Group, UserToGroupAddition,
 * AccessKey, InstanceProfile) and Secrets Manager's RotationSchedule through real stacks: each
 * checked through IAM's (or Secrets Manager's) own client and the stack's Outputs; updates in
 * place (session duration, inline policies, tags, a new default policy version, a user's path, an
 * access key's status) and by replacement (a new role name: the old role is gone); deletion.
 */
import { CloudFormationClient, CreateStackCommand, DeleteStackCommand, type Output, type Stack, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import {
  GetGroupCommand,
  GetInstanceProfileCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { eventLog, resourcesOf, settled } from './cloudformation-helpers.js';
import { NODE_RUNTIME } from './lambda-helpers.js';

const server = useServer();
const cfn = () => new CloudFormationClient(server.clientConfig);
const iam = () => new IAMClient(server.clientConfig);
const secrets = () => new SecretsManagerClient(server.clientConfig);
const ACCOUNT = '000000000000';
const CAPABILITIES = ['CAPABILITY_NAMED_IAM' as const];

const allow = (Action: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action, Resource: '*' }] });
const trust = (Service: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service }, Action: 'sts:AssumeRole' }] });

interface Options {
  roleName?: string;
  maxSession?: number;
  secondInline?: boolean;
  managedAction?: string;
  userPath?: string;
  keyStatus?: 'Active' | 'Inactive';
}

function template(options: Options = {}): string {
  const inline = [{ PolicyName: 'read-logs', PolicyDocument: allow('logs:Get*') }];
  if (options.secondInline !== false) inline.push({ PolicyName: 'read-ssm', PolicyDocument: allow('ssm:GetParameter') });
  const resources = {
    Managed: { Type: 'AWS::IAM::ManagedPolicy', Properties: { Description: 'stack policy', Path: '/cfn/', PolicyDocument: allow(options.managedAction ?? 's3:GetObject') } },
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: options.roleName ?? 'cfn-iam-role',
        Path: '/service/',
        AssumeRolePolicyDocument: trust('lambda.amazonaws.com'),
        MaxSessionDuration: options.maxSession ?? 3600,
        Policies: inline,
        ManagedPolicyArns: [{ Ref: 'Managed' }],
        Tags: [{ Key: 'team', Value: 'iam' }],
      },
    },
    Group: { Type: 'AWS::IAM::Group', Properties: { Path: '/people/' } },
    User: { Type: 'AWS::IAM::User', Properties: { Path: options.userPath ?? '/people/', Tags: [{ Key: 'kind', Value: 'robot' }] } },
    Membership: { Type: 'AWS::IAM::UserToGroupAddition', Properties: { GroupName: { Ref: 'Group' }, Users: [{ Ref: 'User' }] } },
    Inline: { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'shared', PolicyDocument: allow('sqs:SendMessage'), Users: [{ Ref: 'User' }], Groups: [{ Ref: 'Group' }] } },
    Key: { Type: 'AWS::IAM::AccessKey', Properties: { UserName: { Ref: 'User' }, Status: options.keyStatus ?? 'Active' } },
    Profile: { Type: 'AWS::IAM::InstanceProfile', Properties: { Roles: [{ Ref: 'Role' }] } },
    Rotator: {
      Type: 'AWS::Lambda::Function',
      Properties: { Runtime: NODE_RUNTIME, Handler: 'index.handler', Role: { 'Fn::GetAtt': ['Role', 'Arn'] }, Code: { ZipFile: 'exports.handler = async () => {};' } },
    },
    RotatorPermission: {
      Type: 'AWS::Lambda::Permission',
      Properties: { FunctionName: { Ref: 'Rotator' }, Action: 'lambda:InvokeFunction', Principal: 'secretsmanager.amazonaws.com' },
    },
    Secret: { Type: 'AWS::SecretsManager::Secret', Properties: { SecretString: 'initial' } },
    Rotation: {
      Type: 'AWS::SecretsManager::RotationSchedule',
      DependsOn: 'RotatorPermission',
      Properties: {
        SecretId: { Ref: 'Secret' },
        RotationLambdaARN: { 'Fn::GetAtt': ['Rotator', 'Arn'] },
        RotationRules: { AutomaticallyAfterDays: 30 },
        RotateImmediatelyOnUpdate: false,
      },
    },
  };
  const output = (value: unknown) => ({ Value: value });
  const outputs = {
    RoleRef: output({ Ref: 'Role' }),
    RoleArn: output({ 'Fn::GetAtt': ['Role', 'Arn'] }),
    RoleId: output({ 'Fn::GetAtt': ['Role', 'RoleId'] }),
    ManagedRef: output({ Ref: 'Managed' }),
    ManagedId: output({ 'Fn::GetAtt': ['Managed', 'PolicyId'] }),
    ManagedVersion: output({ 'Fn::GetAtt': ['Managed', 'DefaultVersionId'] }),
    GroupRef: output({ Ref: 'Group' }),
    GroupArn: output({ 'Fn::GetAtt': ['Group', 'Arn'] }),
    UserRef: output({ Ref: 'User' }),
    UserArn: output({ 'Fn::GetAtt': ['User', 'Arn'] }),
    MembershipRef: output({ Ref: 'Membership' }),
    InlineRef: output({ Ref: 'Inline' }),
    KeyRef: output({ Ref: 'Key' }),
    KeySecret: output({ 'Fn::GetAtt': ['Key', 'SecretAccessKey'] }),
    ProfileRef: output({ Ref: 'Profile' }),
    ProfileArn: output({ 'Fn::GetAtt': ['Profile', 'Arn'] }),
    SecretRef: output({ Ref: 'Secret' }),
    RotationRef: output({ Ref: 'Rotation' }),
    RotatorArn: output({ 'Fn::GetAtt': ['Rotator', 'Arn'] }),
  };
  return JSON.stringify({ Resources: resources, Outputs: outputs });
}

const outputsOf = (outputs: Output[] | undefined): Record<string, string> => Object.fromEntries((outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));

async function expectStatus(stackName: string, status: string): Promise<Stack> {
  const stack = await settled(cfn(), stackName, 60_000);
  const failures = (await eventLog(cfn(), stack.StackId!)).filter(([, state]) => state.endsWith('_FAILED'));
  expect(stack.StackStatus, JSON.stringify(failures)).toBe(status);
  return stack;
}

const decoded = (document: string | undefined) => JSON.parse(decodeURIComponent(document ?? '{}'));

describe('CloudFormation IAM providers and the Secrets Manager rotation schedule', () => {
  it('creates each resource, with Ref and GetAtt as AWS documents them', async () => {
    await cfn().send(new CreateStackCommand({ StackName: 'iam', TemplateBody: template(), Capabilities: CAPABILITIES }));
    const out = outputsOf((await expectStatus('iam', 'CREATE_COMPLETE')).Outputs);

    expect(out.RoleRef).toBe('cfn-iam-role');
    expect(out.RoleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/service/cfn-iam-role`);
    const { Role } = await iam().send(new GetRoleCommand({ RoleName: 'cfn-iam-role' }));
    expect(Role).toMatchObject({ RoleId: out.RoleId, Path: '/service/', MaxSessionDuration: 3600, Tags: [{ Key: 'team', Value: 'iam' }] });
    expect(decoded(Role?.AssumeRolePolicyDocument).Statement[0].Principal).toEqual({ Service: 'lambda.amazonaws.com' });
    expect((await iam().send(new ListRolePoliciesCommand({ RoleName: 'cfn-iam-role' }))).PolicyNames).toEqual(['read-logs', 'read-ssm']);
    expect((await iam().send(new ListAttachedRolePoliciesCommand({ RoleName: 'cfn-iam-role' }))).AttachedPolicies?.map((p) => p.PolicyArn)).toEqual([out.ManagedRef]);

    // ManagedPolicy: Ref is the ARN, named <stack>-<LogicalId>-<random> under its path.
    expect(out.ManagedRef).toMatch(new RegExp(`^arn:aws:iam::${ACCOUNT}:policy/cfn/iam-Managed-[A-Z0-9]{12}$`));
    const { Policy } = await iam().send(new GetPolicyCommand({ PolicyArn: out.ManagedRef }));
    expect(Policy).toMatchObject({ PolicyId: out.ManagedId, DefaultVersionId: 'v1', AttachmentCount: 1, Description: 'stack policy' });
    expect(out.ManagedVersion).toBe('v1');

    expect(out.GroupRef).toMatch(/^iam-Group-[A-Z0-9]{12}$/);
    expect(out.GroupArn).toBe(`arn:aws:iam::${ACCOUNT}:group/people/${out.GroupRef}`);
    expect(out.UserRef).toMatch(/^iam-User-[A-Z0-9]{12}$/);
    expect(out.UserArn).toBe(`arn:aws:iam::${ACCOUNT}:user/people/${out.UserRef}`);
    const group = await iam().send(new GetGroupCommand({ GroupName: out.GroupRef }));
    expect(group.Users?.map((user) => user.UserName)).toEqual([out.UserRef]);
    expect(out.MembershipRef).toMatch(/^iam-Membership-[A-Z0-9]{12}$/);

    expect(out.InlineRef).toMatch(/^iam-Inline-[A-Z0-9]{12}$/);
    const userPolicy = await iam().send(new GetUserPolicyCommand({ UserName: out.UserRef, PolicyName: 'shared' }));
    expect(decoded(userPolicy.PolicyDocument).Statement[0].Action).toBe('sqs:SendMessage');

    // AccessKey: Ref is the key id, GetAtt SecretAccessKey its secret.
    const keys = await iam().send(new ListAccessKeysCommand({ UserName: out.UserRef }));
    expect(keys.AccessKeyMetadata?.map((key) => [key.AccessKeyId, key.Status])).toEqual([[out.KeyRef, 'Active']]);
    expect(out.KeySecret).toMatch(/^[A-Za-z0-9/+]{40}$/);

    expect(out.ProfileRef).toMatch(/^iam-Profile-[A-Z0-9]{12}$/);
    expect(out.ProfileArn).toBe(`arn:aws:iam::${ACCOUNT}:instance-profile/${out.ProfileRef}`);
    const profile = await iam().send(new GetInstanceProfileCommand({ InstanceProfileName: out.ProfileRef }));
    expect(profile.InstanceProfile?.Roles?.map((role) => role.RoleName)).toEqual(['cfn-iam-role']);

    // RotationSchedule: Ref is the secret's ARN; rotation set up without rotating at once.
    expect(out.RotationRef).toBe(out.SecretRef);
    const secret = await secrets().send(new DescribeSecretCommand({ SecretId: out.SecretRef }));
    expect(secret).toMatchObject({ RotationEnabled: true, RotationLambdaARN: out.RotatorArn, RotationRules: { AutomaticallyAfterDays: 30 } });
  });

  it('updates in place, with a new default policy version, and replaces a role whose name changed', async () => {
    const before = await resourcesOf(cfn(), 'iam');
    const out0 = outputsOf((await settled(cfn(), 'iam')).Outputs);
    await cfn().send(
      new UpdateStackCommand({
        StackName: 'iam',
        TemplateBody: template({ roleName: 'cfn-iam-role-2', maxSession: 7200, secondInline: false, managedAction: 's3:PutObject', userPath: '/robots/', keyStatus: 'Inactive' }),
        Capabilities: CAPABILITIES,
      }),
    );
    const out = outputsOf((await expectStatus('iam', 'UPDATE_COMPLETE')).Outputs);
    const after = await resourcesOf(cfn(), 'iam');
    for (const logicalId of ['Managed', 'User', 'Group', 'Key', 'Profile']) expect(after[logicalId].PhysicalResourceId).toBe(before[logicalId].PhysicalResourceId);

    // RoleName is immutable: a new role, the old one deleted in cleanup; the profile follows it in place.
    expect(out.RoleRef).toBe('cfn-iam-role-2');
    expect(out.RoleId).not.toBe(out0.RoleId);
    await expectAwsError(iam().send(new GetRoleCommand({ RoleName: 'cfn-iam-role' })), { code: 'NoSuchEntity', status: 404 });
    const { Role } = await iam().send(new GetRoleCommand({ RoleName: 'cfn-iam-role-2' }));
    expect(Role?.MaxSessionDuration).toBe(7200);
    expect((await iam().send(new ListRolePoliciesCommand({ RoleName: 'cfn-iam-role-2' }))).PolicyNames).toEqual(['read-logs']);
    await expectAwsError(iam().send(new GetRolePolicyCommand({ RoleName: 'cfn-iam-role-2', PolicyName: 'read-ssm' })), { code: 'NoSuchEntity', status: 404 });
    const profile = await iam().send(new GetInstanceProfileCommand({ InstanceProfileName: out.ProfileRef }));
    expect(profile.InstanceProfile?.Roles?.map((role) => role.RoleName)).toEqual(['cfn-iam-role-2']);

    expect(out.ManagedVersion).toBe('v2');
    const version = await iam().send(new GetPolicyVersionCommand({ PolicyArn: out.ManagedRef, VersionId: 'v2' }));
    expect(decoded(version.PolicyVersion?.Document).Statement[0].Action).toBe('s3:PutObject');
    expect((await iam().send(new GetPolicyCommand({ PolicyArn: out.ManagedRef }))).Policy?.AttachmentCount).toBe(1);

    expect((await iam().send(new GetUserCommand({ UserName: out.UserRef }))).User?.Path).toBe('/robots/');
    const keys = await iam().send(new ListAccessKeysCommand({ UserName: out.UserRef }));
    expect(keys.AccessKeyMetadata?.map((key) => [key.AccessKeyId, key.Status])).toEqual([[out.KeyRef, 'Inactive']]);
  });

  it('deletes every resource with the stack, emptying principals first', async () => {
    const { Outputs, StackId } = await settled(cfn(), 'iam');
    const out = outputsOf(Outputs);
    await cfn().send(new DeleteStackCommand({ StackName: 'iam' }));
    await expectStatus(StackId!, 'DELETE_COMPLETE');

    await expectAwsError(iam().send(new GetRoleCommand({ RoleName: 'cfn-iam-role-2' })), { code: 'NoSuchEntity', status: 404 });
    await expectAwsError(iam().send(new GetPolicyCommand({ PolicyArn: out.ManagedRef })), { code: 'NoSuchEntity', status: 404 });
    await expectAwsError(iam().send(new GetUserCommand({ UserName: out.UserRef })), { code: 'NoSuchEntity', status: 404 });
    await expectAwsError(iam().send(new GetGroupCommand({ GroupName: out.GroupRef })), { code: 'NoSuchEntity', status: 404 });
    await expectAwsError(iam().send(new GetInstanceProfileCommand({ InstanceProfileName: out.ProfileRef })), { code: 'NoSuchEntity', status: 404 });
    await expectAwsError(secrets().send(new DescribeSecretCommand({ SecretId: out.SecretRef })), { code: 'ResourceNotFoundException', status: 400 });
  });

  it("fails IAM's refusals in each type's handler form: the registry's wrapping for a role, the SDK v1 suffix for an inline policy", async () => {
    const template = JSON.stringify({
      Resources: {
        Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: trust('lambda.amazonaws.com') } },
        Inline: {
          Type: 'AWS::IAM::Policy',
          Properties: { PolicyName: 'broken', Roles: [{ Ref: 'Role' }], PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Resource: '*' }] } },
        },
        Named: { Type: 'AWS::IAM::Role', DependsOn: 'Role', Properties: { RoleName: 'cfn-iam-bad-path', Path: 'no-slashes', AssumeRolePolicyDocument: trust('lambda.amazonaws.com') } },
      },
    });
    const { StackId } = await cfn().send(new CreateStackCommand({ StackName: 'iam-refusals', TemplateBody: template, Capabilities: CAPABILITIES }));
    await expectStatus(StackId!, 'ROLLBACK_COMPLETE');
    const reasons = Object.fromEntries((await eventLog(cfn(), StackId!)).filter(([, status]) => status === 'CREATE_FAILED').map(([id, , reason]) => [id, reason]));
    expect(reasons.Inline).toMatch(/^.+ \(Service: AmazonIdentityManagement; Status Code: 400; Error Code: MalformedPolicyDocument; Request ID: [0-9a-f-]{36}; Proxy: null\)$/);
    expect(reasons.Named).toMatch(
      /^Resource handler returned message: ".+ \(Service: Iam, Status Code: 400, Request ID: [0-9a-f-]{36}\)" \(RequestToken: [0-9a-f-]{36}, HandlerErrorCode: InvalidRequest\)$/,
    );
  });
});
