import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChangePasswordCommand,
  CreateAccessKeyCommand,
  CreateAccountAliasCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeactivateMFADeviceCommand,
  DeleteAccountAliasCommand,
  DeleteAccountPasswordPolicyCommand,
  DeleteLoginProfileCommand,
  DeleteVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  GetLoginProfileCommand,
  GetMFADeviceCommand,
  IAMClient,
  ListAccountAliasesCommand,
  ListMFADevicesCommand,
  ListMFADeviceTagsCommand,
  ListVirtualMFADevicesCommand,
  PutUserPolicyCommand,
  ResyncMFADeviceCommand,
  TagMFADeviceCommand,
  UntagMFADeviceCommand,
  UpdateAccountPasswordPolicyCommand,
  UpdateLoginProfileCommand,
} from '@aws-sdk/client-iam';
import { DescribeParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { expectAwsError, startTestServer, useServer } from '../helpers.js';

const server = useServer();

/** An IAM client signed with the root keys of `account` (twelve-digit access key ids are root keys of that account). */
function rootOf(account: string): IAMClient {
  return new IAMClient({ ...server.clientConfig, credentials: { accessKeyId: account, secretAccessKey: 'test' } });
}

/** Lets `user` call exactly `actions` (IAM users start with no permissions). */
async function allow(iam: IAMClient, user: string, actions: string[]): Promise<void> {
  const PolicyDocument = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });
  await iam.send(new PutUserPolicyCommand({ UserName: user, PolicyName: 'allowed', PolicyDocument }));
}

async function advance(ms: number): Promise<number> {
  return server.advanceClock(ms);
}

function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of text) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP (HMAC-SHA1, 30-second steps, 6 digits), computed independently of the server. */
function totp(seed: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(seed)).update(counter).digest();
  const offset = mac[19] & 0xf;
  return String(mac.readUInt32BE(offset) % 1_000_000).padStart(6, '0');
}

/** The server's current TOTP step, moved to a second into a step so two calls fall in the same one. */
async function currentStep(): Promise<number> {
  const now = await advance(0);
  const into = now % 30_000;
  return Math.floor((into > 20_000 ? await advance(30_000 - into + 1000) : now) / 30_000);
}

describe('IAM account password policy', () => {
  it('is absent, then set with defaults for what is left out, then deleted', async () => {
    const iam = rootOf('100000000001');
    await expectAwsError(iam.send(new GetAccountPasswordPolicyCommand({})), { code: 'NoSuchEntity', status: 404, message: '100000000001' });
    await expectAwsError(iam.send(new DeleteAccountPasswordPolicyCommand({})), { code: 'NoSuchEntity', status: 404 });
    await expectAwsError(iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 3 })), { code: 'ValidationError', status: 400 });
    await expectAwsError(iam.send(new GetAccountPasswordPolicyCommand({})), { code: 'NoSuchEntity', status: 404 });

    await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 12, RequireSymbols: true, MaxPasswordAge: 90, AllowUsersToChangePassword: true }));
    const { PasswordPolicy } = await iam.send(new GetAccountPasswordPolicyCommand({}));
    expect(PasswordPolicy).toEqual({
      MinimumPasswordLength: 12,
      RequireSymbols: true,
      RequireNumbers: false,
      RequireUppercaseCharacters: false,
      RequireLowercaseCharacters: false,
      AllowUsersToChangePassword: true,
      ExpirePasswords: true,
      MaxPasswordAge: 90,
    });
    await iam.send(new UpdateAccountPasswordPolicyCommand({ RequireNumbers: true }));
    const again = await iam.send(new GetAccountPasswordPolicyCommand({}));
    expect(again.PasswordPolicy).toMatchObject({ MinimumPasswordLength: 6, RequireNumbers: true, RequireSymbols: false, ExpirePasswords: false });
    expect(again.PasswordPolicy?.MaxPasswordAge).toBeUndefined();
    await iam.send(new DeleteAccountPasswordPolicyCommand({}));
    await expectAwsError(iam.send(new GetAccountPasswordPolicyCommand({})), { code: 'NoSuchEntity', status: 404 });
  });
});

describe('IAM login profiles and ChangePassword', () => {
  it('creates, reads, updates and deletes a login profile, enforcing the password policy', async () => {
    const iam = rootOf('100000000002');
    await expectAwsError(iam.send(new CreateLoginProfileCommand({ UserName: 'ghost', Password: 'Str0ng!Passw0rd' })), { code: 'NoSuchEntity', status: 404 });
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    // Without a custom policy AWS's default applies: 8 characters, three kinds of character.
    await expectAwsError(iam.send(new CreateLoginProfileCommand({ UserName: 'alice', Password: 'short' })), { code: 'PasswordPolicyViolation', status: 400 });
    await expectAwsError(iam.send(new CreateLoginProfileCommand({ UserName: 'alice', Password: 'alllowercase' })), { code: 'PasswordPolicyViolation', status: 400 });
    await expectAwsError(iam.send(new GetLoginProfileCommand({ UserName: 'alice' })), { code: 'NoSuchEntity', status: 404, message: 'Login Profile for User alice cannot be found.' });

    await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 10, RequireSymbols: true, RequireNumbers: true }));
    await expectAwsError(iam.send(new CreateLoginProfileCommand({ UserName: 'alice', Password: 'NoSymbols123' })), { code: 'PasswordPolicyViolation', status: 400, message: 'symbol' });
    await expectAwsError(iam.send(new CreateLoginProfileCommand({ UserName: 'alice', Password: 'Sh0rt!' })), { code: 'PasswordPolicyViolation', status: 400, message: 'length of 10' });
    const created = await iam.send(new CreateLoginProfileCommand({ UserName: 'alice', Password: 'Correct-horse-1', PasswordResetRequired: true }));
    expect(created.LoginProfile).toMatchObject({ UserName: 'alice', PasswordResetRequired: true });
    expect(created.LoginProfile?.CreateDate).toBeInstanceOf(Date);
    await expectAwsError(iam.send(new CreateLoginProfileCommand({ UserName: 'ALICE', Password: 'Correct-horse-2' })), { code: 'EntityAlreadyExists', status: 409 });

    await iam.send(new UpdateLoginProfileCommand({ UserName: 'alice', PasswordResetRequired: false }));
    expect((await iam.send(new GetLoginProfileCommand({ UserName: 'alice' }))).LoginProfile?.PasswordResetRequired).toBe(false);
    await expectAwsError(iam.send(new UpdateLoginProfileCommand({ UserName: 'alice', Password: 'weak' })), { code: 'PasswordPolicyViolation', status: 400 });
    await expectAwsError(iam.send(new UpdateLoginProfileCommand({ UserName: 'nobody', PasswordResetRequired: true })), { code: 'NoSuchEntity', status: 404 });

    await iam.send(new DeleteLoginProfileCommand({ UserName: 'alice' }));
    await expectAwsError(iam.send(new DeleteLoginProfileCommand({ UserName: 'alice' })), { code: 'NoSuchEntity', status: 404 });
    await expectAwsError(iam.send(new GetLoginProfileCommand({ UserName: 'alice' })), { code: 'NoSuchEntity', status: 404 });
  });

  it('lets an IAM user change their own password with their own keys, checking the old one and the policy', async () => {
    const iam = rootOf('100000000003');
    await iam.send(new CreateUserCommand({ UserName: 'bob' }));
    await allow(iam, 'bob', ['iam:ChangePassword']);
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'bob' }));
    const bob = new IAMClient({ ...server.clientConfig, credentials: { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! } });
    await expectAwsError(bob.send(new ChangePasswordCommand({ OldPassword: 'Whatever-1', NewPassword: 'Whatever-2' })), { code: 'NoSuchEntity', status: 404, message: 'bob' });

    await iam.send(new CreateLoginProfileCommand({ UserName: 'bob', Password: 'First-pass-1', PasswordResetRequired: true }));
    await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 14, AllowUsersToChangePassword: true }));
    await expectAwsError(bob.send(new ChangePasswordCommand({ OldPassword: 'Not-the-password-1', NewPassword: 'Second-password-2' })), { code: 'AccessDenied', status: 403 });
    await expectAwsError(bob.send(new ChangePasswordCommand({ OldPassword: 'First-pass-1', NewPassword: 'Too-short-2' })), { code: 'PasswordPolicyViolation', status: 400 });
    await bob.send(new ChangePasswordCommand({ OldPassword: 'First-pass-1', NewPassword: 'Second-password-2' }));
    expect((await iam.send(new GetLoginProfileCommand({ UserName: 'bob' }))).LoginProfile?.PasswordResetRequired).toBe(false);
    // The old password no longer matches; the new one does.
    await expectAwsError(bob.send(new ChangePasswordCommand({ OldPassword: 'First-pass-1', NewPassword: 'Third-password-3' })), { code: 'AccessDenied', status: 403 });
    await bob.send(new ChangePasswordCommand({ OldPassword: 'Second-password-2', NewPassword: 'Third-password-3' }));
    // PasswordReusePrevention: 2 forbids the current and the one before it, not older ones.
    await iam.send(new UpdateAccountPasswordPolicyCommand({ PasswordReusePrevention: 2 }));
    await expectAwsError(bob.send(new ChangePasswordCommand({ OldPassword: 'Third-password-3', NewPassword: 'Third-password-3' })), { code: 'PasswordPolicyViolation', status: 400 });
    await expectAwsError(bob.send(new ChangePasswordCommand({ OldPassword: 'Third-password-3', NewPassword: 'Second-password-2' })), { code: 'PasswordPolicyViolation', status: 400 });
    await bob.send(new ChangePasswordCommand({ OldPassword: 'Third-password-3', NewPassword: 'First-pass-1' }));

    await expectAwsError(iam.send(new ChangePasswordCommand({ OldPassword: 'a', NewPassword: 'b' })), { code: 'InvalidUserType', status: 400 });
    await expectAwsError(bob.send(new ChangePasswordCommand({ OldPassword: '', NewPassword: 'x' })), { code: 'ValidationError', status: 400 });
  });
});

describe('IAM account aliases', () => {
  it('keeps one alias per account, unique across accounts', async () => {
    const first = rootOf('100000000004');
    const second = rootOf('100000000005');
    expect((await first.send(new ListAccountAliasesCommand({}))).AccountAliases).toEqual([]);
    await expectAwsError(first.send(new CreateAccountAliasCommand({ AccountAlias: 'Bad_Alias' })), { code: 'ValidationError', status: 400 });
    await expectAwsError(first.send(new CreateAccountAliasCommand({ AccountAlias: 'double--dash' })), { code: 'ValidationError', status: 400 });
    await first.send(new CreateAccountAliasCommand({ AccountAlias: 'drydock-ci' }));
    await first.send(new CreateAccountAliasCommand({ AccountAlias: 'drydock-ci' }));
    expect((await first.send(new ListAccountAliasesCommand({}))).AccountAliases).toEqual(['drydock-ci']);
    await expectAwsError(second.send(new CreateAccountAliasCommand({ AccountAlias: 'drydock-ci' })), { code: 'EntityAlreadyExists', status: 409 });
    expect((await second.send(new ListAccountAliasesCommand({}))).AccountAliases).toEqual([]);

    await first.send(new CreateAccountAliasCommand({ AccountAlias: 'drydock-ci-2' }));
    expect((await first.send(new ListAccountAliasesCommand({}))).AccountAliases).toEqual(['drydock-ci-2']);
    await expectAwsError(first.send(new DeleteAccountAliasCommand({ AccountAlias: 'drydock-ci' })), { code: 'NoSuchEntity', status: 404 });
    await first.send(new DeleteAccountAliasCommand({ AccountAlias: 'drydock-ci-2' }));
    expect((await first.send(new ListAccountAliasesCommand({}))).AccountAliases).toEqual([]);
    // Freed, the alias can be taken by another account.
    await second.send(new CreateAccountAliasCommand({ AccountAlias: 'drydock-ci' }));
  });
});

describe('IAM virtual MFA devices', () => {
  it('enables a device with two consecutive TOTP codes, then resyncs, deactivates and deletes it', async () => {
    const iam = rootOf('100000000006');
    await iam.send(new CreateUserCommand({ UserName: 'carol' }));
    const { VirtualMFADevice } = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'carol-phone', Tags: [{ Key: 'team', Value: 'ci' }] }));
    const serial = VirtualMFADevice!.SerialNumber!;
    expect(serial).toBe('arn:aws:iam::100000000006:mfa/carol-phone');
    const seed = Buffer.from(VirtualMFADevice!.Base32StringSeed!).toString('ascii');
    expect(seed).toMatch(/^[A-Z2-7]{64}$/);
    await expectAwsError(iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'carol-phone' })), { code: 'EntityAlreadyExists', status: 409 });
    await expectAwsError(iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'bad name' })), { code: 'ValidationError', status: 400 });

    const unassigned = await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' }));
    expect(unassigned.VirtualMFADevices?.map((d) => d.SerialNumber)).toEqual([serial]);

    const step = await currentStep();
    const enable = (code1: string, code2: string, user = 'carol') =>
      iam.send(new EnableMFADeviceCommand({ UserName: user, SerialNumber: serial, AuthenticationCode1: code1, AuthenticationCode2: code2 }));
    await expectAwsError(enable(totp(seed, step + 1), totp(seed, step)), { code: 'InvalidAuthenticationCode', status: 403 });
    await expectAwsError(enable('123456', '654321'), { code: 'InvalidAuthenticationCode', status: 403 });
    await expectAwsError(enable(totp(seed, step), totp(seed, step + 1), 'nobody'), { code: 'NoSuchEntity', status: 404 });
    await expectAwsError(enable('12345', '123456'), { code: 'ValidationError', status: 400 });
    expect((await iam.send(new ListMFADevicesCommand({ UserName: 'carol' }))).MFADevices).toEqual([]);
    await enable(totp(seed, step - 1), totp(seed, step));

    const devices = await iam.send(new ListMFADevicesCommand({ UserName: 'carol' }));
    expect(devices.MFADevices).toEqual([{ UserName: 'carol', SerialNumber: serial, EnableDate: expect.any(Date) }]);
    expect(await iam.send(new GetMFADeviceCommand({ SerialNumber: serial, UserName: 'carol' }))).toMatchObject({ UserName: 'carol', SerialNumber: serial });
    const assigned = await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Assigned' }));
    expect(assigned.VirtualMFADevices?.[0]).toMatchObject({ SerialNumber: serial, User: { UserName: 'carol' }, Tags: [{ Key: 'team', Value: 'ci' }] });
    expect((await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' }))).VirtualMFADevices).toEqual([]);
    await expectAwsError(enable(totp(seed, step), totp(seed, step + 1)), { code: 'EntityAlreadyExists', status: 409 });
    await expectAwsError(iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial })), { code: 'DeleteConflict', status: 409 });

    // A code already accepted is never accepted again; later ones resync the device.
    const resync = (code1: string, code2: string) => iam.send(new ResyncMFADeviceCommand({ UserName: 'carol', SerialNumber: serial, AuthenticationCode1: code1, AuthenticationCode2: code2 }));
    await expectAwsError(resync(totp(seed, step - 1), totp(seed, step)), { code: 'InvalidAuthenticationCode', status: 403 });
    await advance(60_000);
    await resync(totp(seed, step + 2), totp(seed, step + 3));

    await iam.send(new TagMFADeviceCommand({ SerialNumber: serial, Tags: [{ Key: 'owner', Value: 'carol' }] }));
    await iam.send(new UntagMFADeviceCommand({ SerialNumber: serial, TagKeys: ['team'] }));
    expect((await iam.send(new ListMFADeviceTagsCommand({ SerialNumber: serial }))).Tags).toEqual([{ Key: 'owner', Value: 'carol' }]);
    await expectAwsError(iam.send(new ListMFADeviceTagsCommand({ SerialNumber: 'arn:aws:iam::100000000006:mfa/none' })), { code: 'NoSuchEntity', status: 404 });

    await expectAwsError(iam.send(new DeactivateMFADeviceCommand({ UserName: 'nobody', SerialNumber: serial })), { code: 'NoSuchEntity', status: 404 });
    await iam.send(new DeactivateMFADeviceCommand({ UserName: 'carol', SerialNumber: serial }));
    await expectAwsError(iam.send(new DeactivateMFADeviceCommand({ UserName: 'carol', SerialNumber: serial })), { code: 'NoSuchEntity', status: 404 });
    await expectAwsError(iam.send(new GetMFADeviceCommand({ SerialNumber: serial, UserName: 'carol' })), { code: 'NoSuchEntity', status: 404 });
    await iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial }));
    await expectAwsError(iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial })), { code: 'NoSuchEntity', status: 404 });
    expect((await iam.send(new ListVirtualMFADevicesCommand({}))).VirtualMFADevices).toEqual([]);
  });
  it('pages virtual devices and writes nothing for a create with duplicate tag keys', async () => {
    const iam = rootOf('100000000010');
    await expectAwsError(
      iam.send(
        new CreateVirtualMFADeviceCommand({
          VirtualMFADeviceName: 'dup',
          Tags: [
            { Key: 'a', Value: '1' },
            { Key: 'A', Value: '2' },
          ],
        }),
      ),
      { code: 'InvalidInput', status: 400 },
    );
    await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'one', Path: '/team/' }));
    await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'two' }));
    const first = await iam.send(new ListVirtualMFADevicesCommand({ MaxItems: 1 }));
    expect(first.IsTruncated).toBe(true);
    const second = await iam.send(new ListVirtualMFADevicesCommand({ MaxItems: 1, Marker: first.Marker }));
    expect([...first.VirtualMFADevices!, ...second.VirtualMFADevices!].map((d) => d.SerialNumber)).toEqual(['arn:aws:iam::100000000010:mfa/team/one', 'arn:aws:iam::100000000010:mfa/two']);
    expect(second.IsTruncated).toBe(false);
  });
});

describe('IAM access key last use, account summary and credential report', () => {
  it('records a key’s last use from a real signed request', async () => {
    const iam = rootOf('100000000007');
    await iam.send(new CreateUserCommand({ UserName: 'deployer' }));
    await allow(iam, 'deployer', ['ssm:DescribeParameters', 'iam:GetAccessKeyLastUsed']);
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'deployer' }));
    const before = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: AccessKey!.AccessKeyId! }));
    expect(before).toMatchObject({ UserName: 'deployer', AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' } });
    expect(before.AccessKeyLastUsed?.LastUsedDate).toBeUndefined();

    const credentials = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
    const ssm = new SSMClient({ ...server.clientConfig, region: 'eu-west-1', credentials });
    const now = await advance(0);
    await ssm.send(new DescribeParametersCommand({}));
    const after = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: AccessKey!.AccessKeyId! }));
    expect(after.AccessKeyLastUsed).toMatchObject({ ServiceName: 'ssm', Region: 'eu-west-1' });
    expect(after.AccessKeyLastUsed!.LastUsedDate!.getTime()).toBeGreaterThanOrEqual(now - 1000);

    // A later use within the minute is reported too (kept in memory until written).
    const iamAsDeployer = new IAMClient({ ...server.clientConfig, credentials });
    await iamAsDeployer.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: AccessKey!.AccessKeyId! }));
    expect((await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: AccessKey!.AccessKeyId! }))).AccessKeyLastUsed).toMatchObject({ ServiceName: 'iam', Region: 'us-east-1' });
    await expectAwsError(iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: 'AKIAIOSFODNN7EXAMPLE' })), { code: 'NoSuchEntity', status: 404 });
  });

  it('counts the account’s entities in GetAccountSummary', async () => {
    const iam = rootOf('100000000008');
    const empty = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!;
    expect(empty).toMatchObject({ Users: 0, Groups: 0, Roles: 0, MFADevices: 0, UsersQuota: 5000, RolesQuota: 1000, AccessKeysPerUserQuota: 2, AccountMFAEnabled: 0 });
    await iam.send(new CreateUserCommand({ UserName: 'u1' }));
    await iam.send(new CreateUserCommand({ UserName: 'u2' }));
    await iam.send(new CreateGroupCommand({ GroupName: 'g1' }));
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'codebuild.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
    await iam.send(new CreateRoleCommand({ RoleName: 'r1', AssumeRolePolicyDocument: trust }));
    await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'spare' }));
    const summary = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!;
    expect(summary).toMatchObject({ Users: 2, Groups: 1, Roles: 1, MFADevices: 1, MFADevicesInUse: 0, InstanceProfiles: 0, Policies: 0 });
  });

  it('generates a credential report with AWS’s columns, the root account first', async () => {
    const iam = rootOf('100000000009');
    await expectAwsError(iam.send(new GetCredentialReportCommand({})), { code: 'ReportNotPresent', status: 410 });
    await iam.send(new CreateUserCommand({ UserName: 'erin' }));
    await iam.send(new CreateUserCommand({ UserName: 'frank' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'erin', Password: 'Erin-password-1' }));
    await allow(iam, 'frank', ['ssm:DescribeParameters']);
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'frank' }));
    const ssm = new SSMClient({ ...server.clientConfig, credentials: { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! } });
    await ssm.send(new DescribeParametersCommand({}));

    expect(await iam.send(new GenerateCredentialReportCommand({}))).toMatchObject({ State: 'STARTED' });
    expect(await iam.send(new GenerateCredentialReportCommand({}))).toMatchObject({ State: 'COMPLETE' });
    const report = await iam.send(new GetCredentialReportCommand({}));
    expect(report.ReportFormat).toBe('text/csv');
    expect(report.GeneratedTime).toBeInstanceOf(Date);
    const lines = Buffer.from(report.Content!).toString('utf8').trim().split('\n');
    expect(lines[0]).toBe(
      'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,' +
        'access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,' +
        'access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,' +
        'cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated',
    );
    const rows = lines.slice(1).map((line) => Object.fromEntries(lines[0].split(',').map((column, i) => [column, line.split(',')[i]])));
    expect(rows.map((r) => r.user)).toEqual(['<root_account>', 'erin', 'frank']);
    expect(rows[0]).toMatchObject({ arn: 'arn:aws:iam::100000000009:root', password_enabled: 'not_supported', access_key_1_active: 'false' });
    expect(rows[1]).toMatchObject({ arn: 'arn:aws:iam::100000000009:user/erin', password_enabled: 'true', password_last_used: 'no_information', mfa_active: 'false', access_key_1_active: 'false' });
    expect(rows[1].password_last_changed).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    expect(rows[2]).toMatchObject({
      password_enabled: 'false',
      access_key_1_active: 'true',
      access_key_1_last_used_service: 'ssm',
      access_key_1_last_used_region: 'us-east-1',
      access_key_2_active: 'false',
      cert_1_active: 'false',
    });

    // Four hours on, the report has expired and a new one is generated.
    await advance(4 * 3_600_000);
    await expectAwsError(iam.send(new GetCredentialReportCommand({})), { code: 'ReportExpired', status: 410 });
    expect(await iam.send(new GenerateCredentialReportCommand({}))).toMatchObject({ State: 'STARTED' });
    expect((await iam.send(new GetCredentialReportCommand({}))).Content).toBeDefined();
  });

  it('keeps a key’s latest use across a restart, though it was not yet written when the server stopped', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'drydock-iam-usage-'));
    try {
      const first = await startTestServer({ dataDir });
      const root = new IAMClient(first.clientConfig);
      await root.send(new CreateUserCommand({ UserName: 'restarter' }));
      await allow(root, 'restarter', ['ssm:DescribeParameters', 'iam:GetAccessKeyLastUsed']);
      const { AccessKey } = await root.send(new CreateAccessKeyCommand({ UserName: 'restarter' }));
      const credentials = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
      await new SSMClient({ ...first.clientConfig, credentials }).send(new DescribeParametersCommand({}));
      // Within the minute: kept in memory, written when the server stops.
      await new IAMClient({ ...first.clientConfig, region: 'eu-central-1', credentials }).send(new GetAccessKeyLastUsedCommand({ AccessKeyId: credentials.accessKeyId }));
      await first.stop();

      const second = await startTestServer({ dataDir });
      const used = await new IAMClient(second.clientConfig).send(new GetAccessKeyLastUsedCommand({ AccessKeyId: credentials.accessKeyId }));
      expect(used.AccessKeyLastUsed).toMatchObject({ ServiceName: 'iam', Region: 'eu-central-1' });
      await second.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
