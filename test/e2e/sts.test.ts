import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  GetRoleCommand,
  GetUserCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, GetAccessKeyInfoCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIamUser, expectAwsError, startTestServer, type TestServer } from '../helpers.js';

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] });

describe('STS', () => {
  let server: TestServer;
  let iam: IAMClient;
  let sts: STSClient;
  /** An IAM user allowed sts:AssumeRole (AWS refuses it to root): who assumes the roles below. */
  let assumer: STSClient;
  let assumerKey: Creds;
  let role: { Arn?: string; RoleId?: string };
  /** Temporary credentials the expiry test at the end warps the clock past. */
  const expiring: { role?: Creds; session?: Creds } = {};

  type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  const stsAs = (credentials: Creds) => new STSClient({ ...server.clientConfig, credentials, maxAttempts: 1 });

  beforeAll(async () => {
    server = await startTestServer();
    iam = new IAMClient(server.clientConfig);
    sts = new STSClient(server.clientConfig);
    assumerKey = (await createIamUser(server.clientConfig, 'assumer')).credentials;
    assumer = stsAs(assumerKey);
    role = (await iam.send(new CreateRoleCommand({ RoleName: 'deployer', Path: '/ci/', AssumeRolePolicyDocument: TRUST, MaxSessionDuration: 7200 }))).Role!;
    // What the role's sessions do below (SSM writes, chaining into the role again), as AWS requires it.
    const allow = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ssm:PutParameter', 'sts:AssumeRole'], Resource: '*' }] });
    await iam.send(new PutRolePolicyCommand({ RoleName: 'deployer', PolicyName: 'deploy', PolicyDocument: allow }));
  });
  afterAll(async () => server.stop());

  it('GetCallerIdentity of the root user', async () => {
    expect(await sts.send(new GetCallerIdentityCommand({}))).toMatchObject({ Account: '000000000000', Arn: 'arn:aws:iam::000000000000:root', UserId: '000000000000' });
    const other = await stsAs({ accessKeyId: '111111111111', secretAccessKey: 'test' }).send(new GetCallerIdentityCommand({}));
    expect(other).toMatchObject({ Account: '111111111111', Arn: 'arn:aws:iam::111111111111:root' });
  });

  it('IAM user keys sign requests as that user until deactivated or deleted', async () => {
    const user = (await iam.send(new CreateUserCommand({ UserName: 'ci-bot', Path: '/bots/' }))).User!;
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'ci-bot' }))).AccessKey!;
    // Describing itself needs iam:GetUser on its own ARN, as in AWS.
    const self = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: user.Arn }] });
    await iam.send(new PutUserPolicyCommand({ UserName: 'ci-bot', PolicyName: 'self', PolicyDocument: self }));
    const asUser = stsAs({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    expect(await asUser.send(new GetCallerIdentityCommand({}))).toEqual(expect.objectContaining({ Account: '000000000000', Arn: 'arn:aws:iam::000000000000:user/bots/ci-bot', UserId: user.UserId }));
    // GetUser without a name describes the caller.
    const described = await new IAMClient({ ...server.clientConfig, credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! } }).send(new GetUserCommand({}));
    expect(described.User!.UserName).toBe('ci-bot');

    await expectAwsError(stsAs({ accessKeyId: key.AccessKeyId!, secretAccessKey: 'wrong'.padEnd(40, 'x') }).send(new GetCallerIdentityCommand({})), { code: 'SignatureDoesNotMatch', status: 403 });
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'ci-bot', AccessKeyId: key.AccessKeyId, Status: 'Inactive' }));
    await expectAwsError(asUser.send(new GetCallerIdentityCommand({})), { code: 'InvalidClientTokenId', status: 403 });
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'ci-bot', AccessKeyId: key.AccessKeyId, Status: 'Active' }));
    expect((await asUser.send(new GetCallerIdentityCommand({}))).Arn).toContain('user/bots/ci-bot');
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'ci-bot', AccessKeyId: key.AccessKeyId }));
    await expectAwsError(asUser.send(new GetCallerIdentityCommand({})), { code: 'InvalidClientTokenId', status: 403 });
  });

  it('AssumeRole issues temporary credentials that act as the assumed role', async () => {
    const assumed = await assumer.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'build-42', DurationSeconds: 900 }));
    const c = assumed.Credentials!;
    expect(c.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(c.SecretAccessKey).toHaveLength(40);
    expect(c.SessionToken!.length).toBeGreaterThan(100);
    expect(Math.abs(c.Expiration!.getTime() - Date.now() - 900_000)).toBeLessThan(60_000);
    expect(assumed.AssumedRoleUser).toEqual({ AssumedRoleId: `${role.RoleId}:build-42`, Arn: 'arn:aws:sts::000000000000:assumed-role/deployer/build-42' });
    expect(assumed.PackedPolicySize).toBeUndefined();

    const creds = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
    expect(await stsAs(creds).send(new GetCallerIdentityCommand({}))).toMatchObject({
      Account: '000000000000',
      Arn: 'arn:aws:sts::000000000000:assumed-role/deployer/build-42',
      UserId: `${role.RoleId}:build-42`,
    });
    const ssm = new SSMClient({ ...server.clientConfig, credentials: creds });
    await ssm.send(new PutParameterCommand({ Name: '/from/role', Value: 'hi', Type: 'String' }));
    expect((await new SSMClient(server.clientConfig).send(new GetParameterCommand({ Name: '/from/role' }))).Parameter!.Value).toBe('hi');

    // The role remembers it was used.
    expect((await iam.send(new GetRoleCommand({ RoleName: 'deployer' }))).Role!.RoleLastUsed!.Region).toBe('us-east-1');

    await expectAwsError(stsAs({ ...creds, sessionToken: 'not-the-token' }).send(new GetCallerIdentityCommand({})), { code: 'InvalidClientTokenId', status: 403 });
    await expectAwsError(stsAs({ accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey }).send(new GetCallerIdentityCommand({})), { code: 'InvalidClientTokenId', status: 403 });

    // Role chaining is capped at one hour; GetSessionToken refuses session credentials.
    await expectAwsError(stsAs(creds).send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'chain', DurationSeconds: 7200 })), { code: 'ValidationError', status: 400 });
    const chained = await stsAs(creds).send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'chain' }));
    expect(chained.AssumedRoleUser!.Arn).toBe('arn:aws:sts::000000000000:assumed-role/deployer/chain');
    await expectAwsError(stsAs(creds).send(new GetSessionTokenCommand({})), { code: 'AccessDenied', status: 403 });
    expiring.role = creds;
  });

  it('AssumeRole errors: unknown role, other account, duration, session name, session policy', async () => {
    const missing = 'arn:aws:iam::000000000000:role/ghost';
    await expect(assumer.send(new AssumeRoleCommand({ RoleArn: missing, RoleSessionName: 's1' }))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: `User: arn:aws:iam::000000000000:user/assumer is not authorized to perform: sts:AssumeRole on resource: ${missing}`,
      $metadata: { httpStatusCode: 403 },
    });
    // The role exists, but in account 000000000000, not 111111111111; and the path must match.
    await expectAwsError(assumer.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::111111111111:role/ci/deployer', RoleSessionName: 's1' })), { code: 'AccessDenied', status: 403 });
    await expectAwsError(assumer.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/deployer', RoleSessionName: 's1' })), { code: 'AccessDenied', status: 403 });

    await expectAwsError(assumer.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 's1', DurationSeconds: 7201 })), { code: 'ValidationError', status: 400 });
    await expectAwsError(assumer.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 's1', DurationSeconds: 899 })), { code: 'ValidationError', status: 400 });
    await expectAwsError(assumer.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'has space' })), { code: 'ValidationError', status: 400 });
    await expectAwsError(assumer.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'x' })), { code: 'ValidationError', status: 400 });
    await expectAwsError(assumer.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 's1', Policy: '{oops' })), { code: 'MalformedPolicyDocumentException', status: 400 });

    const longest = await assumer.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 's1', DurationSeconds: 7200 }));
    expect(longest.Credentials!.Expiration!.getTime() - Date.now()).toBeGreaterThan(7000_000);
    const scoped = await assumer.send(
      new AssumeRoleCommand({
        RoleArn: role.Arn,
        RoleSessionName: 's2',
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*' }] }),
      }),
    );
    expect(scoped.PackedPolicySize).toBeGreaterThan(0);
    expect(scoped.PackedPolicySize).toBeLessThanOrEqual(100);
  });

  it('cross-account: a role in account 111111111111 is assumed by naming that account', async () => {
    const otherIam = new IAMClient({ ...server.clientConfig, credentials: { accessKeyId: '111111111111', secretAccessKey: 'test' } });
    const theirRole = (await otherIam.send(new CreateRoleCommand({ RoleName: 'shared', AssumeRolePolicyDocument: TRUST }))).Role!;
    const assumed = await assumer.send(new AssumeRoleCommand({ RoleArn: theirRole.Arn, RoleSessionName: 'visitor' }));
    const creds = { accessKeyId: assumed.Credentials!.AccessKeyId!, secretAccessKey: assumed.Credentials!.SecretAccessKey!, sessionToken: assumed.Credentials!.SessionToken! };
    expect(await stsAs(creds).send(new GetCallerIdentityCommand({}))).toMatchObject({ Account: '111111111111', Arn: 'arn:aws:sts::111111111111:assumed-role/shared/visitor' });
    expect((await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: creds.accessKeyId }))).Account).toBe('111111111111');
  });

  it('AssumeRole refuses root credentials, whatever the trust policy says, as AWS does', async () => {
    // The deployer role's trust policy names this account's root ARN.
    await expectAwsError(sts.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'as-root' })), {
      code: 'AccessDenied',
      status: 403,
      message: 'Roles may not be assumed by root accounts.',
    });
    // Nor may another account's root user assume a role that trusts its account.
    const otherIam = new IAMClient({ ...server.clientConfig, credentials: { accessKeyId: '111111111111', secretAccessKey: 'test' } });
    const trustsUs = (await otherIam.send(new CreateRoleCommand({ RoleName: 'trusts-000', AssumeRolePolicyDocument: TRUST }))).Role!;
    await expectAwsError(sts.send(new AssumeRoleCommand({ RoleArn: trustsUs.Arn, RoleSessionName: 'as-root' })), {
      code: 'AccessDenied',
      status: 403,
      message: 'Roles may not be assumed by root accounts.',
    });
    // The refusal started no session: the role was never used.
    expect((await otherIam.send(new GetRoleCommand({ RoleName: 'trusts-000' }))).Role!.RoleLastUsed?.LastUsedDate).toBeUndefined();
  });

  it('GetSessionToken keeps the caller identity, for root and IAM users', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'temp-user' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'temp-user' }))).AccessKey!;
    const session = await stsAs({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }).send(new GetSessionTokenCommand({ DurationSeconds: 1800 }));
    const c = session.Credentials!;
    expect(c.AccessKeyId).toMatch(/^ASIA/);
    const asSession = stsAs({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! });
    expect((await asSession.send(new GetCallerIdentityCommand({}))).Arn).toBe('arn:aws:iam::000000000000:user/temp-user');
    expect((await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: key.AccessKeyId! }))).Account).toBe('000000000000');

    const rootSession = (await sts.send(new GetSessionTokenCommand({ DurationSeconds: 129600 }))).Credentials!;
    // Root sessions are capped at one hour.
    expect(rootSession.Expiration!.getTime() - c.Expiration!.getTime()).toBeLessThan(3600_000);
    await expectAwsError(sts.send(new GetSessionTokenCommand({ DurationSeconds: 129601 })), { code: 'ValidationError', status: 400 });
    await expectAwsError(sts.send(new GetSessionTokenCommand({ DurationSeconds: 899 })), { code: 'ValidationError', status: 400 });
    expiring.session = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
  });

  it('aws sts assume-role through the CLI', async () => {
    const { stdout } = await server.aws(['sts', 'assume-role', '--role-arn', role.Arn!, '--role-session-name', 'cli-session'], {
      AWS_ACCESS_KEY_ID: assumerKey.accessKeyId,
      AWS_SECRET_ACCESS_KEY: assumerKey.secretAccessKey,
    });
    const out = JSON.parse(stdout);
    expect(out.AssumedRoleUser.Arn).toBe('arn:aws:sts::000000000000:assumed-role/deployer/cli-session');
    expect(out.Credentials.AccessKeyId).toMatch(/^ASIA/);
    const who = await server.aws(['sts', 'get-caller-identity'], {
      AWS_ACCESS_KEY_ID: out.Credentials.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: out.Credentials.SecretAccessKey,
      AWS_SESSION_TOKEN: out.Credentials.SessionToken,
    });
    expect(JSON.parse(who.stdout).Arn).toBe('arn:aws:sts::000000000000:assumed-role/deployer/cli-session');
  });

  it('temporary credentials expire with the Drydock clock, while signatures keep following the wall clock', async () => {
    await server.advanceClock(901_000);
    await expectAwsError(stsAs(expiring.role!).send(new GetCallerIdentityCommand({})), { code: 'ExpiredToken', status: 403 });
    await server.advanceClock(900_000);
    await expectAwsError(stsAs(expiring.session!).send(new GetCallerIdentityCommand({})), { code: 'ExpiredToken', status: 403 });
    // 30 warped minutes later, a request signed now with long-lived keys is still on time.
    expect((await stsAs(server.clientConfig.credentials).send(new GetCallerIdentityCommand({}))).Account).toBe('000000000000');
  });
});

describe('IAM keys and STS sessions survive a restart', () => {
  it('signs with the same user key and role session after the server restarts on its data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'drydock-sts-restart-'));
    try {
      let first = await startTestServer({ dataDir });
      const iam = new IAMClient(first.clientConfig);
      const key = (await createIamUser(first.clientConfig, 'durable')).credentials;
      const roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'durable-role', AssumeRolePolicyDocument: TRUST }))).Role!.Arn!;
      const asUser = new STSClient({ ...first.clientConfig, credentials: key });
      const session = (await asUser.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'before-restart' }))).Credentials!;
      await first.stop();

      first = await startTestServer({ dataDir });
      try {
        const client = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) => new STSClient({ ...first.clientConfig, credentials });
        expect((await client(key).send(new GetCallerIdentityCommand({}))).Arn).toBe('arn:aws:iam::000000000000:user/durable');
        const asRole = client({ accessKeyId: session.AccessKeyId!, secretAccessKey: session.SecretAccessKey!, sessionToken: session.SessionToken! });
        expect((await asRole.send(new GetCallerIdentityCommand({}))).Arn).toBe('arn:aws:sts::000000000000:assumed-role/durable-role/before-restart');
      } finally {
        await first.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
