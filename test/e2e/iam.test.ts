import {
  AddRoleToInstanceProfileCommand,
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateServiceSpecificCredentialCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteGroupCommand,
  DeleteGroupPolicyCommand,
  DeleteInstanceProfileCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteServiceSpecificCredentialCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountAuthorizationDetailsCommand,
  GetGroupCommand,
  GetGroupPolicyCommand,
  GetInstanceProfileCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListGroupPoliciesCommand,
  ListGroupsCommand,
  ListGroupsForUserCommand,
  ListInstanceProfilesCommand,
  ListInstanceProfilesForRoleCommand,
  ListInstanceProfileTagsCommand,
  ListPoliciesCommand,
  ListPolicyTagsCommand,
  ListPolicyVersionsCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  ListServiceSpecificCredentialsCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
  RemoveUserFromGroupCommand,
  ResetServiceSpecificCredentialCommand,
  SetDefaultPolicyVersionCommand,
  TagInstanceProfileCommand,
  TagPolicyCommand,
  TagRoleCommand,
  TagUserCommand,
  UntagInstanceProfileCommand,
  UntagPolicyCommand,
  UntagRoleCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateGroupCommand,
  UpdateRoleCommand,
  UpdateRoleDescriptionCommand,
  UpdateServiceSpecificCredentialCommand,
  UpdateUserCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const doc = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

describe('IAM', () => {
  const server = useServer();
  let iam: IAMClient;
  const account = '000000000000';

  beforeAll(async () => {
    iam = new IAMClient(server.clientConfig);
  });

  /** Expects the call to fail with this AWS code and HTTP status. */
  it('users: create, get, list with path prefix and paging, update, delete', async () => {
    const created = await iam.send(new CreateUserCommand({ UserName: 'alice', Path: '/eng/', Tags: [{ Key: 'team', Value: 'core' }] }));
    expect(created.User).toMatchObject({ UserName: 'alice', Path: '/eng/', Arn: `arn:aws:iam::${account}:user/eng/alice` });
    expect(created.User!.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    expect(created.User!.CreateDate).toBeInstanceOf(Date);
    for (const name of ['bob', 'carol', 'dave']) await iam.send(new CreateUserCommand({ UserName: name }));

    const got = await iam.send(new GetUserCommand({ UserName: 'ALICE' }));
    expect(got.User).toMatchObject({ UserName: 'alice', UserId: created.User!.UserId, Tags: [{ Key: 'team', Value: 'core' }] });

    const eng = await iam.send(new ListUsersCommand({ PathPrefix: '/eng/' }));
    expect(eng.Users!.map((u) => u.UserName)).toEqual(['alice']);

    const first = await iam.send(new ListUsersCommand({ MaxItems: 2 }));
    expect(first.Users!.map((u) => u.UserName)).toEqual(['alice', 'bob']);
    expect(first.IsTruncated).toBe(true);
    const second = await iam.send(new ListUsersCommand({ MaxItems: 2, Marker: first.Marker }));
    expect(second.Users!.map((u) => u.UserName)).toEqual(['carol', 'dave']);
    expect(second.IsTruncated).toBe(false);

    await iam.send(new UpdateUserCommand({ UserName: 'dave', NewUserName: 'david', NewPath: '/ops/' }));
    expect((await iam.send(new GetUserCommand({ UserName: 'david' }))).User).toMatchObject({ Path: '/ops/', Arn: `arn:aws:iam::${account}:user/ops/david` });
    await expectAwsError(iam.send(new GetUserCommand({ UserName: 'dave' })), { code: 'NoSuchEntityException', status: 404 });
    await expectAwsError(iam.send(new UpdateUserCommand({ UserName: 'david', NewUserName: 'Bob' })), { code: 'EntityAlreadyExistsException', status: 409 });

    await expectAwsError(iam.send(new CreateUserCommand({ UserName: 'Alice' })), { code: 'EntityAlreadyExistsException', status: 409 });
    await expectAwsError(iam.send(new CreateUserCommand({ UserName: 'bad name!' })), { code: 'ValidationError', status: 400 });
    await expectAwsError(iam.send(new CreateUserCommand({ UserName: 'x'.repeat(65) })), { code: 'ValidationError', status: 400 });

    await iam.send(new DeleteUserCommand({ UserName: 'david' }));
    await expectAwsError(iam.send(new DeleteUserCommand({ UserName: 'david' })), { code: 'NoSuchEntityException', status: 404 });
  });

  it('groups: membership, GetGroup with users, delete conflicts', async () => {
    const group = await iam.send(new CreateGroupCommand({ GroupName: 'devs' }));
    expect(group.Group!.GroupId).toMatch(/^AGPA/);
    expect(group.Group!.Arn).toBe(`arn:aws:iam::${account}:group/devs`);
    await expectAwsError(iam.send(new CreateGroupCommand({ GroupName: 'devs' })), { code: 'EntityAlreadyExistsException', status: 409 });
    await iam.send(new CreateUserCommand({ UserName: 'gina' }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'gina' }));
    await expectAwsError(iam.send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'nobody' })), { code: 'NoSuchEntityException', status: 404 });

    const got = await iam.send(new GetGroupCommand({ GroupName: 'devs' }));
    expect(got.Users!.map((u) => u.UserName)).toEqual(['gina']);
    expect((await iam.send(new ListGroupsForUserCommand({ UserName: 'gina' }))).Groups!.map((g) => g.GroupName)).toEqual(['devs']);
    expect((await iam.send(new ListGroupsCommand({}))).Groups!.map((g) => g.GroupName)).toContain('devs');

    await expectAwsError(iam.send(new DeleteUserCommand({ UserName: 'gina' })), { code: 'DeleteConflictException', status: 409 });
    await expectAwsError(iam.send(new DeleteGroupCommand({ GroupName: 'devs' })), { code: 'DeleteConflictException', status: 409 });
    await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'devs', UserName: 'gina' }));
    await expectAwsError(iam.send(new RemoveUserFromGroupCommand({ GroupName: 'devs', UserName: 'gina' })), { code: 'NoSuchEntityException', status: 404 });
    await iam.send(new DeleteGroupCommand({ GroupName: 'devs' }));
    await iam.send(new DeleteUserCommand({ UserName: 'gina' }));
  });

  it('renaming a user or group carries its keys, memberships, policies and tags along', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'old-name', Tags: [{ Key: 'k', Value: 'v' }] }));
    await iam.send(new CreateGroupCommand({ GroupName: 'old-group' }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'old-group', UserName: 'old-name' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'old-name', PolicyName: 'p', PolicyDocument: doc('s3:*') }));
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'old-group', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'old-name' }))).AccessKey!;

    await iam.send(new UpdateUserCommand({ UserName: 'old-name', NewUserName: 'new-name' }));
    await iam.send(new UpdateGroupCommand({ GroupName: 'old-group', NewGroupName: 'new-group' }));

    const sts = new STSClient({ ...server.clientConfig, credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! } });
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:iam::${account}:user/new-name`);
    expect((await iam.send(new GetGroupCommand({ GroupName: 'new-group' }))).Users!.map((u) => u.UserName)).toEqual(['new-name']);
    expect((await iam.send(new ListUserPoliciesCommand({ UserName: 'new-name' }))).PolicyNames).toEqual(['p']);
    expect((await iam.send(new ListUserTagsCommand({ UserName: 'new-name' }))).Tags).toEqual([{ Key: 'k', Value: 'v' }]);
    expect((await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'new-group' }))).AttachedPolicies!.map((p) => p.PolicyName)).toEqual(['ReadOnlyAccess']);
    expect((await iam.send(new ListAccessKeysCommand({ UserName: 'new-name' }))).AccessKeyMetadata!.map((k) => k.AccessKeyId)).toEqual([key.AccessKeyId]);
    await expectAwsError(iam.send(new GetGroupCommand({ GroupName: 'old-group' })), { code: 'NoSuchEntityException', status: 404 });
  });

  it('roles: trust policy URL-encoded, max session duration, updates, delete', async () => {
    const created = await iam.send(new CreateRoleCommand({ RoleName: 'app', Path: '/svc/', AssumeRolePolicyDocument: TRUST, Description: 'the app', MaxSessionDuration: 7200 }));
    expect(created.Role).toMatchObject({ RoleName: 'app', Arn: `arn:aws:iam::${account}:role/svc/app`, Description: 'the app' });
    // As on AWS, CreateRole's answer carries no MaxSessionDuration; GetRole's does.
    expect(created.Role).not.toHaveProperty('MaxSessionDuration');
    expect((await iam.send(new GetRoleCommand({ RoleName: 'app' }))).Role!.MaxSessionDuration).toBe(7200);
    expect(created.Role!.RoleId).toMatch(/^AROA/);
    expect(created.Role!.AssumeRolePolicyDocument).toBe(encodeURIComponent(TRUST));

    await iam.send(new CreateRoleCommand({ RoleName: 'plain', AssumeRolePolicyDocument: TRUST }));
    expect((await iam.send(new GetRoleCommand({ RoleName: 'plain' }))).Role!.MaxSessionDuration).toBe(3600);
    expect((await iam.send(new ListRolesCommand({ PathPrefix: '/svc/' }))).Roles!.map((r) => r.RoleName)).toEqual(['app']);

    await iam.send(new UpdateRoleCommand({ RoleName: 'app', MaxSessionDuration: 43200 }));
    const described = await iam.send(new UpdateRoleDescriptionCommand({ RoleName: 'app', Description: 'new words' }));
    expect(described.Role).toMatchObject({ Description: 'new words', MaxSessionDuration: 43200 });
    const trust2 = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }] });
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'app', PolicyDocument: trust2 }));
    expect(decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: 'app' }))).Role!.AssumeRolePolicyDocument!)).toBe(trust2);

    await expectAwsError(iam.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: TRUST })), { code: 'EntityAlreadyExistsException', status: 409 });
    await expectAwsError(iam.send(new CreateRoleCommand({ RoleName: 'r2', AssumeRolePolicyDocument: '{not json' })), { code: 'MalformedPolicyDocumentException', status: 400 });
    await expectAwsError(iam.send(new CreateRoleCommand({ RoleName: 'r2', AssumeRolePolicyDocument: doc('s3:*') })), { code: 'MalformedPolicyDocumentException', status: 400 });
    await expectAwsError(iam.send(new CreateRoleCommand({ RoleName: 'r2', AssumeRolePolicyDocument: TRUST, MaxSessionDuration: 100 })), { code: 'ValidationError', status: 400 });
    await expectAwsError(iam.send(new GetRoleCommand({ RoleName: 'ghost' })), { code: 'NoSuchEntityException', status: 404 });
    // A permissions boundary must name a managed policy that exists (iam-credentials.test.ts covers the rest).
    await expectAwsError(iam.send(new CreateRoleCommand({ RoleName: 'bounded', AssumeRolePolicyDocument: TRUST, PermissionsBoundary: `arn:aws:iam::${account}:policy/ghost` })), {
      code: 'NoSuchEntityException',
      status: 404,
    });
    await expectAwsError(iam.send(new GetRoleCommand({ RoleName: 'bounded' })), { code: 'NoSuchEntityException', status: 404 });

    await iam.send(new DeleteRoleCommand({ RoleName: 'plain' }));
    await expectAwsError(iam.send(new GetRoleCommand({ RoleName: 'plain' })), { code: 'NoSuchEntityException', status: 404 });
  });

  it('managed policies: create, versions (max 5), default version, scope filters, delete rules', async () => {
    const created = await iam.send(new CreatePolicyCommand({ PolicyName: 'ReadS3', Path: '/team/', PolicyDocument: doc('s3:Get*'), Description: 'read' }));
    const arn = `arn:aws:iam::${account}:policy/team/ReadS3`;
    expect(created.Policy).toMatchObject({ PolicyName: 'ReadS3', Arn: arn, DefaultVersionId: 'v1', AttachmentCount: 0, IsAttachable: true });
    expect(created.Policy!.PolicyId).toMatch(/^ANPA/);
    await expectAwsError(iam.send(new CreatePolicyCommand({ PolicyName: 'ReadS3', PolicyDocument: doc('s3:Get*') })), { code: 'EntityAlreadyExistsException', status: 409 });
    await expectAwsError(iam.send(new CreatePolicyCommand({ PolicyName: 'Bad', PolicyDocument: '{"Statement":[{"Effect":"Maybe","Action":"s3:*","Resource":"*"}]}' })), {
      code: 'MalformedPolicyDocumentException',
      status: 400,
    });
    await expectAwsError(iam.send(new CreatePolicyCommand({ PolicyName: 'Bad', PolicyDocument: '{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Principal":"*"}]}' })), {
      code: 'MalformedPolicyDocumentException',
      status: 400,
    });
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.Description).toBe('read');

    for (let i = 2; i <= 5; i++) {
      const v = await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc(`s3:Get${i}*`), SetAsDefault: i === 3 }));
      expect(v.PolicyVersion).toMatchObject({ VersionId: `v${i}`, IsDefaultVersion: i === 3 });
    }
    await expectAwsError(iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('s3:*') })), { code: 'LimitExceededException', status: 409 });
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.DefaultVersionId).toBe('v3');
    const versions = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }));
    expect(versions.Versions!.map((v) => v.VersionId)).toEqual(['v5', 'v4', 'v3', 'v2', 'v1']);
    const v3 = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v3' }));
    expect(decodeURIComponent(v3.PolicyVersion!.Document!)).toBe(doc('s3:Get3*'));
    expect(v3.PolicyVersion!.IsDefaultVersion).toBe(true);

    await expectAwsError(iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v3' })), { code: 'DeleteConflictException', status: 409 });
    await expectAwsError(iam.send(new DeletePolicyCommand({ PolicyArn: arn })), { code: 'DeleteConflictException', status: 409 });
    await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v5' }));
    for (const v of ['v1', 'v2', 'v3', 'v4']) await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: v }));
    await expectAwsError(iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' })), { code: 'NoSuchEntityException', status: 404 });
    await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('s3:List*') }));
    expect((await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions!.map((v) => v.VersionId)).toEqual(['v6', 'v5']);

    const local = await iam.send(new ListPoliciesCommand({ Scope: 'Local' }));
    expect(local.Policies!.map((p) => p.Arn)).toEqual([arn]);
    const awsPolicies = await iam.send(new ListPoliciesCommand({ Scope: 'AWS', MaxItems: 1000 }));
    expect(awsPolicies.Policies!.map((p) => p.PolicyName)).toEqual(expect.arrayContaining(['AdministratorAccess', 'ReadOnlyAccess', 'AWSCodeCommitPowerUser', 'AmazonS3FullAccess']));
    expect((await iam.send(new ListPoliciesCommand({ Scope: 'Local', PathPrefix: '/other/' }))).Policies).toEqual([]);

    await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v6' }));
    await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
    await expectAwsError(iam.send(new GetPolicyCommand({ PolicyArn: arn })), { code: 'NoSuchEntityException', status: 404 });
  });

  it('AWS managed policies carry their documents and attach like any other', async () => {
    const admin = 'arn:aws:iam::aws:policy/AdministratorAccess';
    const got = await iam.send(new GetPolicyCommand({ PolicyArn: admin }));
    expect(got.Policy).toMatchObject({ PolicyName: 'AdministratorAccess', Path: '/', DefaultVersionId: 'v1' });
    const version = await iam.send(new GetPolicyVersionCommand({ PolicyArn: admin, VersionId: 'v1' }));
    expect(JSON.parse(decodeURIComponent(version.PolicyVersion!.Document!))).toEqual({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
    await expectAwsError(iam.send(new CreatePolicyVersionCommand({ PolicyArn: admin, PolicyDocument: doc('s3:*') })), { code: 'AccessDenied', status: 403 });
    await expectAwsError(iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/NoSuchThing' })), { code: 'NoSuchEntityException', status: 404 });
    // The CDK's bootstrap deploy role and its functions' roles attach these two, one under a path.
    const lambdaBasic = await iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole' }));
    expect(lambdaBasic.Policy).toMatchObject({ PolicyName: 'AWSLambdaBasicExecutionRole', Path: '/service-role/' });
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/AWSCloudFormationReadOnlyAccess' }))).Policy!.DefaultVersionId).toBe('v4');

    await iam.send(new CreateUserCommand({ UserName: 'admin-user' }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'admin-user', PolicyArn: admin }));
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: admin }))).Policy!.AttachmentCount).toBe(1);
    const attachedOnly = await iam.send(new ListPoliciesCommand({ OnlyAttached: true }));
    expect(attachedOnly.Policies!.map((p) => p.PolicyName)).toContain('AdministratorAccess');
    expect(attachedOnly.Policies!.map((p) => p.PolicyName)).not.toContain('PowerUserAccess');
    expect(attachedOnly.Policies!.every((p) => p.AttachmentCount! > 0)).toBe(true);
    await iam.send(new DetachUserPolicyCommand({ UserName: 'admin-user', PolicyArn: admin }));
    await iam.send(new DeleteUserCommand({ UserName: 'admin-user' }));
  });

  it('attachments to users, groups, roles; ListEntitiesForPolicy; DeleteConflict while attached', async () => {
    const policy = (await iam.send(new CreatePolicyCommand({ PolicyName: 'Shared', PolicyDocument: doc('ssm:*') }))).Policy!;
    await iam.send(new CreateUserCommand({ UserName: 'u1' }));
    await iam.send(new CreateGroupCommand({ GroupName: 'g1' }));
    await iam.send(new CreateRoleCommand({ RoleName: 'r1', AssumeRolePolicyDocument: TRUST }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'u1', PolicyArn: policy.Arn }));
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'g1', PolicyArn: policy.Arn }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'r1', PolicyArn: policy.Arn }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'r1', PolicyArn: 'arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess' }));
    await expectAwsError(iam.send(new AttachRolePolicyCommand({ RoleName: 'r1', PolicyArn: `arn:aws:iam::${account}:policy/Missing` })), { code: 'NoSuchEntityException', status: 404 });
    await expectAwsError(iam.send(new AttachRolePolicyCommand({ RoleName: 'ghost', PolicyArn: policy.Arn })), { code: 'NoSuchEntityException', status: 404 });

    expect((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'u1' }))).AttachedPolicies).toEqual([{ PolicyName: 'Shared', PolicyArn: policy.Arn }]);
    expect((await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'g1' }))).AttachedPolicies).toEqual([{ PolicyName: 'Shared', PolicyArn: policy.Arn }]);
    expect((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'r1' }))).AttachedPolicies!.map((p) => p.PolicyName).sort()).toEqual(['AmazonSSMReadOnlyAccess', 'Shared']);
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: policy.Arn }))).Policy!.AttachmentCount).toBe(3);

    const entities = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: policy.Arn }));
    expect(entities.PolicyUsers!.map((u) => u.UserName)).toEqual(['u1']);
    expect(entities.PolicyGroups!.map((g) => g.GroupName)).toEqual(['g1']);
    expect(entities.PolicyRoles!.map((r) => r.RoleName)).toEqual(['r1']);
    expect((await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: policy.Arn, EntityFilter: 'Role' }))).PolicyUsers).toEqual([]);

    await expectAwsError(iam.send(new DeletePolicyCommand({ PolicyArn: policy.Arn })), { code: 'DeleteConflictException', status: 409 });
    await expectAwsError(iam.send(new DeleteUserCommand({ UserName: 'u1' })), { code: 'DeleteConflictException', status: 409 });
    await expectAwsError(iam.send(new DeleteRoleCommand({ RoleName: 'r1' })), { code: 'DeleteConflictException', status: 409 });

    // What the CodeCommit policy evaluator will read, through IAM's api.
    const api = server.runtime.api('iam');
    await iam.send(new AddUserToGroupCommand({ GroupName: 'g1', UserName: 'u1' }));
    const forUser = api.policiesForUser(account, 'u1');
    expect(forUser.map((p) => [p.name, p.group])).toEqual([
      ['Shared', undefined],
      ['Shared', 'g1'],
    ]);
    expect(JSON.parse(forUser[0].document).Statement[0].Action).toBe('ssm:*');
    expect(
      api
        .policiesForRole(account, 'r1')
        .map((p) => p.name)
        .sort(),
    ).toEqual(['AmazonSSMReadOnlyAccess', 'Shared']);
    expect(api.getRole(account, 'r1')).toMatchObject({ roleName: 'r1', arn: `arn:aws:iam::${account}:role/r1`, maxSessionDuration: 3600 });
    expect(api.getUser(account, 'U1')).toMatchObject({ userName: 'u1' });
    await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'g1', UserName: 'u1' }));

    await expectAwsError(iam.send(new DetachUserPolicyCommand({ UserName: 'u1', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' })), { code: 'NoSuchEntityException', status: 404 });
    await iam.send(new DetachUserPolicyCommand({ UserName: 'u1', PolicyArn: policy.Arn }));
    await iam.send(new DetachGroupPolicyCommand({ GroupName: 'g1', PolicyArn: policy.Arn }));
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'r1', PolicyArn: policy.Arn }));
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'r1', PolicyArn: 'arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess' }));
    await iam.send(new DeletePolicyCommand({ PolicyArn: policy.Arn }));
    await iam.send(new DeleteUserCommand({ UserName: 'u1' }));
    await iam.send(new DeleteGroupCommand({ GroupName: 'g1' }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'r1' }));
  });

  it('inline policies for users, groups and roles', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'inl' }));
    await iam.send(new CreateGroupCommand({ GroupName: 'inlg' }));
    await iam.send(new CreateRoleCommand({ RoleName: 'inlr', AssumeRolePolicyDocument: TRUST }));
    const document = doc('logs:*');

    await iam.send(new PutUserPolicyCommand({ UserName: 'inl', PolicyName: 'p', PolicyDocument: document }));
    expect(await iam.send(new GetUserPolicyCommand({ UserName: 'inl', PolicyName: 'p' }))).toMatchObject({ UserName: 'inl', PolicyName: 'p', PolicyDocument: encodeURIComponent(document) });
    expect((await iam.send(new ListUserPoliciesCommand({ UserName: 'inl' }))).PolicyNames).toEqual(['p']);
    await expectAwsError(iam.send(new DeleteUserCommand({ UserName: 'inl' })), { code: 'DeleteConflictException', status: 409 });
    await iam.send(new DeleteUserPolicyCommand({ UserName: 'inl', PolicyName: 'p' }));
    await expectAwsError(iam.send(new GetUserPolicyCommand({ UserName: 'inl', PolicyName: 'p' })), { code: 'NoSuchEntityException', status: 404 });

    await iam.send(new PutGroupPolicyCommand({ GroupName: 'inlg', PolicyName: 'gp', PolicyDocument: document }));
    expect((await iam.send(new GetGroupPolicyCommand({ GroupName: 'inlg', PolicyName: 'gp' }))).GroupName).toBe('inlg');
    expect((await iam.send(new ListGroupPoliciesCommand({ GroupName: 'inlg' }))).PolicyNames).toEqual(['gp']);
    await iam.send(new DeleteGroupPolicyCommand({ GroupName: 'inlg', PolicyName: 'gp' }));

    await iam.send(new PutRolePolicyCommand({ RoleName: 'inlr', PolicyName: 'rp', PolicyDocument: document }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'inlr', PolicyName: 'rp', PolicyDocument: doc('kms:*') }));
    expect(decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: 'inlr', PolicyName: 'rp' }))).PolicyDocument!)).toBe(doc('kms:*'));
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: 'inlr' }))).PolicyNames).toEqual(['rp']);
    await expectAwsError(iam.send(new PutRolePolicyCommand({ RoleName: 'inlr', PolicyName: 'bad', PolicyDocument: '{"Statement":[]' })), { code: 'MalformedPolicyDocumentException', status: 400 });
    await expectAwsError(iam.send(new PutRolePolicyCommand({ RoleName: 'inlr', PolicyName: 'bad', PolicyDocument: doc('nonsense') })), { code: 'MalformedPolicyDocumentException', status: 400 });
    const huge = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: Array.from({ length: 200 }, (_, i) => `s3:GetObjectNumber${i}`), Resource: '*' }] });
    await expectAwsError(iam.send(new PutUserPolicyCommand({ UserName: 'inl', PolicyName: 'huge', PolicyDocument: huge })), { code: 'LimitExceededException', status: 409 });
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'inlr', PolicyName: 'rp' }));
    await expectAwsError(iam.send(new DeleteRolePolicyCommand({ RoleName: 'inlr', PolicyName: 'rp' })), { code: 'NoSuchEntityException', status: 404 });

    await iam.send(new DeleteUserCommand({ UserName: 'inl' }));
    await iam.send(new DeleteGroupCommand({ GroupName: 'inlg' }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'inlr' }));
  });

  it('access keys: create (max 2), list, deactivate, last used, delete', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'keyed' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'keyed' }))).AccessKey!;
    expect(key.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(key.SecretAccessKey).toHaveLength(40);
    expect(key.Status).toBe('Active');
    await iam.send(new CreateAccessKeyCommand({ UserName: 'keyed' }));
    await expectAwsError(iam.send(new CreateAccessKeyCommand({ UserName: 'keyed' })), { code: 'LimitExceededException', status: 409 });

    const listed = await iam.send(new ListAccessKeysCommand({ UserName: 'keyed' }));
    expect(listed.AccessKeyMetadata).toHaveLength(2);
    expect(listed.AccessKeyMetadata![0]).not.toHaveProperty('SecretAccessKey');
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'keyed', AccessKeyId: key.AccessKeyId, Status: 'Inactive' }));
    const after = await iam.send(new ListAccessKeysCommand({ UserName: 'keyed' }));
    expect(after.AccessKeyMetadata!.find((k) => k.AccessKeyId === key.AccessKeyId)!.Status).toBe('Inactive');
    expect(await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.AccessKeyId }))).toMatchObject({ UserName: 'keyed', AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' } });

    await expectAwsError(iam.send(new DeleteUserCommand({ UserName: 'keyed' })), { code: 'DeleteConflictException', status: 409 });
    await expectAwsError(iam.send(new DeleteAccessKeyCommand({ UserName: 'keyed', AccessKeyId: 'AKIAAAAAAAAAAAAAAAAA' })), { code: 'NoSuchEntityException', status: 404 });
    for (const k of after.AccessKeyMetadata!) await iam.send(new DeleteAccessKeyCommand({ UserName: 'keyed', AccessKeyId: k.AccessKeyId }));
    await iam.send(new DeleteUserCommand({ UserName: 'keyed' }));
  });

  it('instance profiles: one role at most, list for role, delete conflicts', async () => {
    const created = await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'web', Path: '/ec2/' }));
    expect(created.InstanceProfile).toMatchObject({ InstanceProfileName: 'web', Arn: `arn:aws:iam::${account}:instance-profile/ec2/web`, Roles: [] });
    expect(created.InstanceProfile!.InstanceProfileId).toMatch(/^AIPA/);
    await expectAwsError(iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'web' })), { code: 'EntityAlreadyExistsException', status: 409 });
    await iam.send(new CreateRoleCommand({ RoleName: 'web-role', AssumeRolePolicyDocument: TRUST }));
    await iam.send(new CreateRoleCommand({ RoleName: 'other-role', AssumeRolePolicyDocument: TRUST }));
    await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'web', RoleName: 'web-role' }));
    await expectAwsError(iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'web', RoleName: 'other-role' })), { code: 'LimitExceededException', status: 409 });

    expect((await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'web' }))).InstanceProfile!.Roles!.map((r) => r.RoleName)).toEqual(['web-role']);
    expect((await iam.send(new ListInstanceProfilesCommand({}))).InstanceProfiles!.map((p) => p.InstanceProfileName)).toEqual(['web']);
    expect((await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'web-role' }))).InstanceProfiles!.map((p) => p.InstanceProfileName)).toEqual(['web']);
    await expectAwsError(iam.send(new DeleteRoleCommand({ RoleName: 'web-role' })), { code: 'DeleteConflictException', status: 409 });
    await expectAwsError(iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'web' })), { code: 'DeleteConflictException', status: 409 });

    await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'web', RoleName: 'web-role' }));
    await expectAwsError(iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'web', RoleName: 'web-role' })), { code: 'NoSuchEntityException', status: 404 });
    await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'web' }));
    await expectAwsError(iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'web' })), { code: 'NoSuchEntityException', status: 404 });
    await iam.send(new DeleteRoleCommand({ RoleName: 'web-role' }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'other-role' }));
  });

  it('service-specific credentials for CodeCommit, verified through the api', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'git-user' }));
    const created = (await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'git-user', ServiceName: 'codecommit.amazonaws.com' }))).ServiceSpecificCredential!;
    expect(created).toMatchObject({ UserName: 'git-user', ServiceName: 'codecommit.amazonaws.com', ServiceUserName: `git-user-at-${account}`, Status: 'Active' });
    expect(created.ServicePassword!.length).toBeGreaterThanOrEqual(40);
    await expectAwsError(iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'git-user', ServiceName: 'nope.amazonaws.com' })), { code: 'ServiceNotSupportedException', status: 404 });

    const api = server.runtime.api('iam');
    const principal = api.verifyServiceSpecificCredential(created.ServiceUserName!, created.ServicePassword!);
    expect(principal).toMatchObject({ kind: 'user', userName: 'git-user', account, arn: `arn:aws:iam::${account}:user/git-user` });
    expect(api.verifyServiceSpecificCredential(created.ServiceUserName!, 'wrong')).toBeUndefined();

    const listed = await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'git-user' }));
    expect(listed.ServiceSpecificCredentials!.map((c) => c.ServiceSpecificCredentialId)).toEqual([created.ServiceSpecificCredentialId]);
    expect(listed.ServiceSpecificCredentials![0]).not.toHaveProperty('ServicePassword');

    const reset = (await iam.send(new ResetServiceSpecificCredentialCommand({ UserName: 'git-user', ServiceSpecificCredentialId: created.ServiceSpecificCredentialId }))).ServiceSpecificCredential!;
    expect(reset.ServicePassword).not.toBe(created.ServicePassword);
    expect(api.verifyServiceSpecificCredential(created.ServiceUserName!, created.ServicePassword!)).toBeUndefined();
    expect(api.verifyServiceSpecificCredential(created.ServiceUserName!, reset.ServicePassword!)).toBeDefined();

    await iam.send(new UpdateServiceSpecificCredentialCommand({ UserName: 'git-user', ServiceSpecificCredentialId: created.ServiceSpecificCredentialId, Status: 'Inactive' }));
    expect(api.verifyServiceSpecificCredential(created.ServiceUserName!, reset.ServicePassword!)).toBeUndefined();

    await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'git-user', ServiceName: 'codecommit.amazonaws.com' }));
    await expectAwsError(iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'git-user', ServiceName: 'codecommit.amazonaws.com' })), { code: 'LimitExceededException', status: 409 });
    await expectAwsError(iam.send(new DeleteUserCommand({ UserName: 'git-user' })), { code: 'DeleteConflictException', status: 409 });
    for (const c of (await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'git-user' }))).ServiceSpecificCredentials!) {
      await iam.send(new DeleteServiceSpecificCredentialCommand({ UserName: 'git-user', ServiceSpecificCredentialId: c.ServiceSpecificCredentialId }));
    }
    await expectAwsError(iam.send(new DeleteServiceSpecificCredentialCommand({ UserName: 'git-user', ServiceSpecificCredentialId: created.ServiceSpecificCredentialId })), {
      code: 'NoSuchEntityException',
      status: 404,
    });
    await iam.send(new DeleteUserCommand({ UserName: 'git-user' }));
  });

  it('tags on users, roles, policies and instance profiles', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'tagged' }));
    await iam.send(
      new TagUserCommand({
        UserName: 'tagged',
        Tags: [
          { Key: 'a', Value: '1' },
          { Key: 'b', Value: '2' },
        ],
      }),
    );
    await iam.send(new TagUserCommand({ UserName: 'tagged', Tags: [{ Key: 'a', Value: '3' }] }));
    await iam.send(new UntagUserCommand({ UserName: 'tagged', TagKeys: ['b'] }));
    expect((await iam.send(new ListUserTagsCommand({ UserName: 'tagged' }))).Tags).toEqual([{ Key: 'a', Value: '3' }]);
    await expectAwsError(iam.send(new TagUserCommand({ UserName: 'tagged', Tags: Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) })), {
      code: 'LimitExceededException',
      status: 409,
    });
    await expectAwsError(iam.send(new TagUserCommand({ UserName: 'ghost', Tags: [{ Key: 'a', Value: '1' }] })), { code: 'NoSuchEntityException', status: 404 });

    await iam.send(new CreateRoleCommand({ RoleName: 'tagged-role', AssumeRolePolicyDocument: TRUST, Tags: [{ Key: 'env', Value: 'dev' }] }));
    await iam.send(new TagRoleCommand({ RoleName: 'tagged-role', Tags: [{ Key: 'owner', Value: 'me' }] }));
    await iam.send(new UntagRoleCommand({ RoleName: 'tagged-role', TagKeys: ['env'] }));
    expect((await iam.send(new ListRoleTagsCommand({ RoleName: 'tagged-role' }))).Tags).toEqual([{ Key: 'owner', Value: 'me' }]);
    expect((await iam.send(new GetRoleCommand({ RoleName: 'tagged-role' }))).Role!.Tags).toEqual([{ Key: 'owner', Value: 'me' }]);

    const policy = (await iam.send(new CreatePolicyCommand({ PolicyName: 'TaggedPolicy', PolicyDocument: doc('s3:*'), Tags: [{ Key: 'x', Value: 'y' }] }))).Policy!;
    await iam.send(new TagPolicyCommand({ PolicyArn: policy.Arn, Tags: [{ Key: 'z', Value: 'w' }] }));
    await iam.send(new UntagPolicyCommand({ PolicyArn: policy.Arn, TagKeys: ['x'] }));
    expect((await iam.send(new ListPolicyTagsCommand({ PolicyArn: policy.Arn }))).Tags).toEqual([{ Key: 'z', Value: 'w' }]);

    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'tagged-ip' }));
    await iam.send(new TagInstanceProfileCommand({ InstanceProfileName: 'tagged-ip', Tags: [{ Key: 'k', Value: 'v' }] }));
    expect((await iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: 'tagged-ip' }))).Tags).toEqual([{ Key: 'k', Value: 'v' }]);
    await iam.send(new UntagInstanceProfileCommand({ InstanceProfileName: 'tagged-ip', TagKeys: ['k'] }));
    expect((await iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: 'tagged-ip' }))).Tags).toEqual([]);
  });

  it('GetAccountAuthorizationDetails reports entities with their policies', async () => {
    const other = new IAMClient({ ...server.clientConfig, credentials: { accessKeyId: '222222222222', secretAccessKey: 'test' } });
    await other.send(new CreateUserCommand({ UserName: 'auditee' }));
    await other.send(new CreateGroupCommand({ GroupName: 'auditors' }));
    await other.send(new AddUserToGroupCommand({ GroupName: 'auditors', UserName: 'auditee' }));
    await other.send(new PutUserPolicyCommand({ UserName: 'auditee', PolicyName: 'own', PolicyDocument: doc('s3:GetObject') }));
    await other.send(new CreateRoleCommand({ RoleName: 'audited-role', AssumeRolePolicyDocument: TRUST }));
    await other.send(new AttachRolePolicyCommand({ RoleName: 'audited-role', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    await other.send(new CreatePolicyCommand({ PolicyName: 'Local1', PolicyDocument: doc('ssm:GetParameter') }));

    const all = await other.send(new GetAccountAuthorizationDetailsCommand({}));
    expect(all.UserDetailList).toEqual([
      expect.objectContaining({ UserName: 'auditee', GroupList: ['auditors'], UserPolicyList: [{ PolicyName: 'own', PolicyDocument: encodeURIComponent(doc('s3:GetObject')) }] }),
    ]);
    expect(all.GroupDetailList!.map((g) => g.GroupName)).toEqual(['auditors']);
    expect(all.RoleDetailList![0]).toMatchObject({ RoleName: 'audited-role', AttachedManagedPolicies: [{ PolicyName: 'ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }] });
    expect(all.Policies!.map((p) => p.PolicyName).sort()).toEqual(['Local1', 'ReadOnlyAccess']);
    expect(all.Policies!.find((p) => p.PolicyName === 'Local1')!.PolicyVersionList).toEqual([expect.objectContaining({ VersionId: 'v1', IsDefaultVersion: true })]);

    const rolesOnly = await other.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Role'] }));
    expect(rolesOnly.UserDetailList).toEqual([]);
    expect(rolesOnly.RoleDetailList!.map((r) => r.RoleName)).toEqual(['audited-role']);
    const paged = await other.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 2 }));
    expect(paged.IsTruncated).toBe(true);
    const rest = await other.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 100, Marker: paged.Marker }));
    expect(paged.UserDetailList!.length + paged.GroupDetailList!.length + rest.GroupDetailList!.length + rest.RoleDetailList!.length + rest.Policies!.length).toBe(5);
  });

  it('accounts are isolated: a 12-digit key is the root of its own account', async () => {
    const other = new IAMClient({ ...server.clientConfig, credentials: { accessKeyId: '111111111111', secretAccessKey: 'test' } });
    await other.send(new CreateUserCommand({ UserName: 'alice' }));
    await other.send(new CreateUserCommand({ UserName: 'only-in-111' }));
    const theirs = await other.send(new ListUsersCommand({}));
    expect(theirs.Users!.map((u) => u.UserName)).toEqual(['alice', 'only-in-111']);
    expect(theirs.Users![0].Arn).toBe('arn:aws:iam::111111111111:user/alice');
    const ours = await iam.send(new ListUsersCommand({}));
    expect(ours.Users!.map((u) => u.UserName)).not.toContain('only-in-111');
    await expectAwsError(iam.send(new GetUserCommand({ UserName: 'only-in-111' })), { code: 'NoSuchEntityException', status: 404 });
  });

  it('the aws CLI creates users and keys and decodes policy documents', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'cli-role', AssumeRolePolicyDocument: TRUST }));
    // The CLI starts slowly: independent calls run side by side.
    const [created, role] = await Promise.all([server.aws(['iam', 'create-user', '--user-name', 'cli-user']), server.aws(['iam', 'get-role', '--role-name', 'cli-role'])]);
    expect(JSON.parse(created.stdout).User.Arn).toBe(`arn:aws:iam::${account}:user/cli-user`);
    // botocore URL-decodes and parses IAM's documents, which proves they are encoded as IAM does.
    expect(JSON.parse(role.stdout).Role.AssumeRolePolicyDocument).toEqual(JSON.parse(TRUST));
    const [listed, key] = await Promise.all([server.aws(['iam', 'list-users']), server.aws(['iam', 'create-access-key', '--user-name', 'cli-user'])]);
    expect(JSON.parse(listed.stdout).Users.map((u: { UserName: string }) => u.UserName)).toContain('cli-user');
    expect(JSON.parse(key.stdout).AccessKey.AccessKeyId).toMatch(/^AKIA/);
    expect(JSON.parse(key.stdout).AccessKey.SecretAccessKey).toHaveLength(40);
  });
});
