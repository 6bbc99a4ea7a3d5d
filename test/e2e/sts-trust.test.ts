import {
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient, type Tag } from '@aws-sdk/client-sts';
import { beforeAll, describe, expect, it } from 'vitest';
import { servicePrincipal } from '../../src/core/accounts.js';
import { expectAwsError, useServer } from '../helpers.js';

const ACCOUNT = '000000000000';
const OTHER = '111111111111';
type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const trust = (Principal: object, extra: object = {}, Action: string | string[] = 'sts:AssumeRole') => policy({ Effect: 'Allow', Principal, Action, ...extra });
const allowAssume = policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' });

describe('STS AssumeRole: trust policies and identity policies', () => {
  const server = useServer();
  let iam: IAMClient;
  let otherIam: IAMClient;
  const users: Record<string, Creds & { arn: string }> = {};
  const stsAs = (credentials: Creds) => new STSClient({ ...server.clientConfig, credentials, maxAttempts: 1 });
  const sessionCreds = (c: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string }): Creds => ({
    accessKeyId: c.AccessKeyId!,
    secretAccessKey: c.SecretAccessKey!,
    sessionToken: c.SessionToken!,
  });
  const roleArn = (name: string, account = ACCOUNT) => `arn:aws:iam::${account}:role/${name}`;
  const createRole = (name: string, document: string, client = iam) => client.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: document }));

  async function createUser(name: string, identityPolicy?: string) {
    const user = (await iam.send(new CreateUserCommand({ UserName: name }))).User!;
    if (identityPolicy) await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: identityPolicy }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    users[name] = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey!, arn: user.Arn! };
  }

  beforeAll(async () => {
    iam = new IAMClient(server.clientConfig);
    otherIam = new IAMClient({ ...server.clientConfig, credentials: { accessKeyId: OTHER, secretAccessKey: 'test' } });
    await createUser('dev');
    await createUser('ops', allowAssume);
    await createUser('denied', policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }, { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: roleArn('named-dev') }));
  });

  it('a trust policy naming the account needs the caller to be allowed sts:AssumeRole by its own policies too', async () => {
    await createRole('account-trust', trust({ AWS: `arn:aws:iam::${ACCOUNT}:root` }));
    await expectAwsError(stsAs(users.dev!).send(new AssumeRoleCommand({ RoleArn: roleArn('account-trust'), RoleSessionName: 'sess' })), {
      code: 'AccessDenied',
      status: 403,
      message: `User: ${users.dev!.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn('account-trust')}`,
    });
    const assumed = await stsAs(users.ops!).send(new AssumeRoleCommand({ RoleArn: roleArn('account-trust'), RoleSessionName: 'ops-session' }));
    expect(assumed.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/account-trust/ops-session`);
    // A bare account id means the same as its root ARN.
    await createRole('account-id-trust', trust({ AWS: ACCOUNT }));
    await stsAs(users.ops!).send(new AssumeRoleCommand({ RoleArn: roleArn('account-id-trust'), RoleSessionName: 'sess' }));
    await expectAwsError(stsAs(users.dev!).send(new AssumeRoleCommand({ RoleArn: roleArn('account-id-trust'), RoleSessionName: 'sess' })), { code: 'AccessDenied', status: 403 });
  });

  it('a trust policy naming the user suffices in the same account; an explicit Deny still refuses', async () => {
    await createRole('named-dev', trust({ AWS: [users.dev!.arn, users.denied!.arn] }));
    const assumed = await stsAs(users.dev!).send(new AssumeRoleCommand({ RoleArn: roleArn('named-dev'), RoleSessionName: 'dev' }));
    expect((await stsAs(sessionCreds(assumed.Credentials!)).send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/named-dev/dev`);
    await expectAwsError(stsAs(users.denied!).send(new AssumeRoleCommand({ RoleArn: roleArn('named-dev'), RoleSessionName: 'x1' })), { code: 'AccessDenied', status: 403 });
    // ops is allowed by its own policy, but the trust policy does not name it.
    await expectAwsError(stsAs(users.ops!).send(new AssumeRoleCommand({ RoleArn: roleArn('named-dev'), RoleSessionName: 'x1' })), { code: 'AccessDenied', status: 403 });
    // The account's root user may assume no role at all, as in AWS.
    await expectAwsError(new STSClient(server.clientConfig).send(new AssumeRoleCommand({ RoleArn: roleArn('named-dev'), RoleSessionName: 'x1' })), {
      code: 'AccessDenied',
      status: 403,
      message: 'Roles may not be assumed by root accounts.',
    });
  });

  it('cross-account: the trust policy and the caller identity policies must both allow', async () => {
    await createRole('partner-named', trust({ AWS: [users.dev!.arn, users.ops!.arn] }), otherIam);
    await createRole('partner-account', trust({ AWS: ACCOUNT }), otherIam);
    await expectAwsError(stsAs(users.dev!).send(new AssumeRoleCommand({ RoleArn: roleArn('partner-named', OTHER), RoleSessionName: 'sess' })), { code: 'AccessDenied', status: 403 });
    const named = await stsAs(users.ops!).send(new AssumeRoleCommand({ RoleArn: roleArn('partner-named', OTHER), RoleSessionName: 'sess' }));
    expect(named.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${OTHER}:assumed-role/partner-named/sess`);
    await expectAwsError(stsAs(users.dev!).send(new AssumeRoleCommand({ RoleArn: roleArn('partner-account', OTHER), RoleSessionName: 'sess' })), { code: 'AccessDenied', status: 403 });
    await stsAs(users.ops!).send(new AssumeRoleCommand({ RoleArn: roleArn('partner-account', OTHER), RoleSessionName: 'sess' }));
    // A role in account 111111111111 that trusts only itself is not for account 000000000000.
    await createRole('partner-private', trust({ AWS: OTHER }), otherIam);
    await expectAwsError(stsAs(users.ops!).send(new AssumeRoleCommand({ RoleArn: roleArn('partner-private', OTHER), RoleSessionName: 'sess' })), { code: 'AccessDenied', status: 403 });
  });

  it("the caller's permissions boundary and session policies limit its sts:AssumeRole permission", async () => {
    await createRole('bounded-target', trust({ AWS: ACCOUNT }));
    await createUser('bounded', allowAssume);
    const boundary = await iam.send(new CreatePolicyCommand({ PolicyName: 'only-ssm', PolicyDocument: policy({ Effect: 'Allow', Action: 'ssm:*', Resource: '*' }) }));
    await iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'bounded', PermissionsBoundary: boundary.Policy!.Arn }));
    await expectAwsError(stsAs(users.bounded!).send(new AssumeRoleCommand({ RoleArn: roleArn('bounded-target'), RoleSessionName: 'sess' })), { code: 'AccessDenied', status: 403 });

    // A role session whose session policy does not allow sts:AssumeRole cannot chain on.
    await createRole('chain-source', trust({ AWS: ACCOUNT }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'chain-source', PolicyName: 'p', PolicyDocument: allowAssume }));
    const limited = await stsAs(users.ops!).send(
      new AssumeRoleCommand({ RoleArn: roleArn('chain-source'), RoleSessionName: 'sess', Policy: policy({ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*' }) }),
    );
    await expectAwsError(stsAs(sessionCreds(limited.Credentials!)).send(new AssumeRoleCommand({ RoleArn: roleArn('bounded-target'), RoleSessionName: 'sess' })), { code: 'AccessDenied', status: 403 });
    const full = await stsAs(users.ops!).send(new AssumeRoleCommand({ RoleArn: roleArn('chain-source'), RoleSessionName: 'sess' }));
    await stsAs(sessionCreds(full.Credentials!)).send(new AssumeRoleCommand({ RoleArn: roleArn('bounded-target'), RoleSessionName: 'sess' }));
  });

  it('sts:ExternalId, sts:RoleSessionName and aws:PrincipalTag conditions', async () => {
    await createRole('third-party', trust({ AWS: ACCOUNT }, { Condition: { StringEquals: { 'sts:ExternalId': 'Unique-1234' } } }));
    const ask = (input: { ExternalId?: string; RoleSessionName?: string }) => stsAs(users.ops!).send(new AssumeRoleCommand({ RoleArn: roleArn('third-party'), RoleSessionName: 'sess', ...input }));
    await expectAwsError(ask({}), { code: 'AccessDenied', status: 403 });
    await expectAwsError(ask({ ExternalId: 'Unique-9999' }), { code: 'AccessDenied', status: 403 });
    expect((await ask({ ExternalId: 'Unique-1234' })).Credentials!.AccessKeyId).toMatch(/^ASIA/);

    await createRole('named-sessions', trust({ AWS: ACCOUNT }, { Condition: { StringLike: { 'sts:RoleSessionName': 'ci-*' } } }));
    await expectAwsError(stsAs(users.ops!).send(new AssumeRoleCommand({ RoleArn: roleArn('named-sessions'), RoleSessionName: 'laptop' })), { code: 'AccessDenied', status: 403 });
    await stsAs(users.ops!).send(new AssumeRoleCommand({ RoleArn: roleArn('named-sessions'), RoleSessionName: 'ci-42' }));

    await createUser('blue-member', allowAssume);
    await iam.send(new TagUserCommand({ UserName: 'blue-member', Tags: [{ Key: 'team', Value: 'blue' }] }));
    await createRole('blue-only', trust({ AWS: ACCOUNT }, { Condition: { StringEquals: { 'aws:PrincipalTag/team': 'blue' } } }));
    await stsAs(users['blue-member']!).send(new AssumeRoleCommand({ RoleArn: roleArn('blue-only'), RoleSessionName: 'sess' }));
    await expectAwsError(stsAs(users.ops!).send(new AssumeRoleCommand({ RoleArn: roleArn('blue-only'), RoleSessionName: 'sess' })), { code: 'AccessDenied', status: 403 });
  });

  it('a service principal (CodeBuild) assumes only roles whose trust policy names the service', async () => {
    await createRole('for-codebuild', trust({ Service: 'codebuild.amazonaws.com' }));
    await createRole('for-ec2', trust({ Service: ['ec2.amazonaws.com'] }));
    const caller = { principal: servicePrincipal(ACCOUNT, 'codebuild.amazonaws.com'), region: 'us-east-1' };
    const ok = await server.runtime.call('sts', 'AssumeRole', { RoleArn: roleArn('for-codebuild'), RoleSessionName: 'build' }, caller);
    expect(ok.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/for-codebuild/build`);
    await expect(server.runtime.call('sts', 'AssumeRole', { RoleArn: roleArn('for-ec2'), RoleSessionName: 'build' }, caller)).rejects.toMatchObject({ code: 'AccessDenied' });
    // Users are not the service, even when allowed sts:AssumeRole everywhere.
    await expectAwsError(stsAs(users.ops!).send(new AssumeRoleCommand({ RoleArn: roleArn('for-codebuild'), RoleSessionName: 'sess' })), { code: 'AccessDenied', status: 403 });
  });

  it('session tags: validated as STS does and only with sts:TagSession', async () => {
    await createRole('untaggable', trust({ AWS: ACCOUNT }));
    await createRole('taggable', trust({ AWS: ACCOUNT }, {}, ['sts:AssumeRole', 'sts:TagSession']));
    await iam.send(new PutUserPolicyCommand({ UserName: 'ops', PolicyName: 'p', PolicyDocument: policy({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' }) }));
    const assume = (RoleArn: string, Tags: Tag[], TransitiveTagKeys?: string[]) => stsAs(users.ops!).send(new AssumeRoleCommand({ RoleArn, RoleSessionName: 'sess', Tags, TransitiveTagKeys }));
    await expectAwsError(assume(roleArn('untaggable'), [{ Key: 'team', Value: 'blue' }]), { code: 'AccessDenied', status: 403, message: 'sts:TagSession' });
    await expectAwsError(
      assume(roleArn('taggable'), [
        { Key: 'team', Value: 'a' },
        { Key: 'Team', Value: 'b' },
      ]),
      { code: 'InvalidParameterValue', status: 400, message: 'case insensitive' },
    );
    await expectAwsError(assume(roleArn('taggable'), [{ Key: 'team', Value: 'a' }], ['project']), { code: 'InvalidParameterValue', status: 400 });
    const tooMany = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await expectAwsError(assume(roleArn('taggable'), tooMany), { code: 'ValidationError', status: 400 });
    await expectAwsError(assume(roleArn('taggable'), [{ Key: 'k'.repeat(129), Value: 'v' }]), { code: 'ValidationError', status: 400 });
    const ok = await assume(roleArn('taggable'), [{ Key: 'team', Value: 'blue' }]);
    expect(ok.PackedPolicySize).toBeGreaterThan(0);
  });

  it('session tags are the session principal tags, and transitive ones follow a role chain', async () => {
    await createRole('tagged-start', trust({ AWS: ACCOUNT }, {}, ['sts:AssumeRole', 'sts:TagSession']));
    await iam.send(
      new PutRolePolicyCommand({ RoleName: 'tagged-start', PolicyName: 'chain', PolicyDocument: policy({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' }) }),
    );
    const blueOnly = { Condition: { StringEquals: { 'aws:PrincipalTag/team': 'blue' } } };
    await createRole('blue-hop', trust({ AWS: roleArn('tagged-start') }, blueOnly, ['sts:AssumeRole', 'sts:TagSession']));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'blue-hop', PolicyName: 'chain', PolicyDocument: policy({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' }) }));
    await createRole('blue-end', trust({ AWS: roleArn('blue-hop') }, blueOnly, ['sts:AssumeRole', 'sts:TagSession']));
    const start = async (Tags: Tag[], TransitiveTagKeys?: string[]) =>
      sessionCreds((await stsAs(users.ops!).send(new AssumeRoleCommand({ RoleArn: roleArn('tagged-start'), RoleSessionName: 'start', Tags, TransitiveTagKeys }))).Credentials!);

    const red = await start([{ Key: 'team', Value: 'red' }]);
    await expectAwsError(stsAs(red).send(new AssumeRoleCommand({ RoleArn: roleArn('blue-hop'), RoleSessionName: 'hop' })), { code: 'AccessDenied', status: 403 });
    // Not transitive: the tag stays with the first session.
    const blue = await start([{ Key: 'team', Value: 'blue' }]);
    const hop = sessionCreds((await stsAs(blue).send(new AssumeRoleCommand({ RoleArn: roleArn('blue-hop'), RoleSessionName: 'hop' }))).Credentials!);
    await expectAwsError(stsAs(hop).send(new AssumeRoleCommand({ RoleArn: roleArn('blue-end'), RoleSessionName: 'end' })), { code: 'AccessDenied', status: 403 });
    // Transitive: the chained session carries it, and may not override it.
    const blueTransitive = await start([{ Key: 'team', Value: 'blue' }], ['team']);
    const hop2 = sessionCreds((await stsAs(blueTransitive).send(new AssumeRoleCommand({ RoleArn: roleArn('blue-hop'), RoleSessionName: 'hop' }))).Credentials!);
    const end = await stsAs(hop2).send(new AssumeRoleCommand({ RoleArn: roleArn('blue-end'), RoleSessionName: 'end' }));
    expect(end.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/blue-end/end`);
    await expectAwsError(stsAs(blueTransitive).send(new AssumeRoleCommand({ RoleArn: roleArn('blue-hop'), RoleSessionName: 'hop', Tags: [{ Key: 'TEAM', Value: 'red' }] })), {
      code: 'InvalidParameterValue',
      status: 400,
    });
  });

  it('SourceIdentity needs sts:SetSourceIdentity, and stays with every chained session', async () => {
    await createRole('no-source', trust({ AWS: ACCOUNT }));
    await createRole('with-source', trust({ AWS: ACCOUNT }, {}, ['sts:AssumeRole', 'sts:SetSourceIdentity']));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'with-source', PolicyName: 'p', PolicyDocument: allowAssume }));
    await iam.send(
      new PutUserPolicyCommand({ UserName: 'ops', PolicyName: 'p', PolicyDocument: policy({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'], Resource: '*' }) }),
    );
    await expectAwsError(stsAs(users.ops!).send(new AssumeRoleCommand({ RoleArn: roleArn('no-source'), RoleSessionName: 'sess', SourceIdentity: 'jane' })), { code: 'AccessDenied', status: 403 });
    const first = await stsAs(users.ops!).send(new AssumeRoleCommand({ RoleArn: roleArn('with-source'), RoleSessionName: 'sess', SourceIdentity: 'jane' }));
    expect(first.SourceIdentity).toBe('jane');
    const chained = await stsAs(sessionCreds(first.Credentials!)).send(new AssumeRoleCommand({ RoleArn: roleArn('with-source'), RoleSessionName: 'again' }));
    expect(chained.SourceIdentity).toBe('jane');
    await expectAwsError(stsAs(sessionCreds(first.Credentials!)).send(new AssumeRoleCommand({ RoleArn: roleArn('with-source'), RoleSessionName: 'again', SourceIdentity: 'mallory' })), {
      code: 'AccessDenied',
      status: 403,
    });
  });

  it('role sessions expire with the Drydock clock: ExpiredToken', async () => {
    await createRole('short', trust({ AWS: ACCOUNT }));
    const creds = sessionCreds((await stsAs(users.ops!).send(new AssumeRoleCommand({ RoleArn: roleArn('short'), RoleSessionName: 'sess', DurationSeconds: 900 }))).Credentials!);
    expect((await stsAs(creds).send(new GetCallerIdentityCommand({}))).Arn).toContain('assumed-role/short/sess');
    await server.advanceClock(901000);
    await expectAwsError(stsAs(creds).send(new GetCallerIdentityCommand({})), { code: 'ExpiredToken', status: 403 });
  });
});
