/**
 * Account-wide IAM settings and views: the password policy, the account alias, GetAccountSummary
 * and the credential report.
 */
import type * as Iam from '@aws-sdk/client-iam';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import type { AccessKeyUsage } from './access-key-usage.js';
import type { AccountStore, PasswordPolicyRow } from './account-store.js';
import { alreadyExists, type IamContext, iamArn, noSuchEntity, paginate } from './common.js';
import { authorizeSelfService } from './login-profiles.js';

export interface AccountContext extends IamContext {
  accounts: AccountStore;
  usage: AccessKeyUsage;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** A credential report is reused for four hours, then a new one is generated (and the old one has expired). */
const REPORT_LIFETIME_MS = 4 * HOUR_MS;

/** AWS's default IAM quotas, as GetAccountSummary reports them. */
const QUOTAS = {
  UsersQuota: 5000,
  GroupsQuota: 300,
  RolesQuota: 1000,
  PoliciesQuota: 1500,
  InstanceProfilesQuota: 1000,
  ServerCertificatesQuota: 20,
  AccessKeysPerUserQuota: 2,
  SigningCertificatesPerUserQuota: 2,
  GroupsPerUserQuota: 10,
  AttachedPoliciesPerUserQuota: 10,
  AttachedPoliciesPerGroupQuota: 10,
  AttachedPoliciesPerRoleQuota: 10,
  VersionsPerPolicyQuota: 5,
  PolicyVersionsInUseQuota: 10000,
  PolicySizeQuota: 6144,
  UserPolicySizeQuota: 2048,
  GroupPolicySizeQuota: 5120,
  RolePolicySizeQuota: 10240,
  AssumeRolePolicySizeQuota: 2048,
  GlobalEndpointTokenVersion: 1,
};

// --- password policy ---

const flag = (value: boolean | undefined): number => (value ? 1 : 0);

function updateAccountPasswordPolicy(c: AccountContext, input: Iam.UpdateAccountPasswordPolicyRequest, ctx: RequestContext): Record<string, never> {
  // Every parameter left out reverts to its default, as in AWS.
  c.accounts.tx(() =>
    c.accounts.putPasswordPolicy({
      account: ctx.account,
      min_length: input.MinimumPasswordLength ?? 6,
      require_symbols: flag(input.RequireSymbols),
      require_numbers: flag(input.RequireNumbers),
      require_uppercase: flag(input.RequireUppercaseCharacters),
      require_lowercase: flag(input.RequireLowercaseCharacters),
      allow_change: flag(input.AllowUsersToChangePassword),
      max_age: input.MaxPasswordAge || null,
      reuse_prevention: input.PasswordReusePrevention || null,
      hard_expiry: input.HardExpiry === undefined ? null : flag(input.HardExpiry),
    }),
  );
  return {};
}

function requirePasswordPolicy(c: AccountContext, account: string): PasswordPolicyRow {
  const row = c.accounts.getPasswordPolicy(account);
  if (!row) throw noSuchEntity(`The Password Policy with domain name ${account} cannot be found.`);
  return row;
}

function getAccountPasswordPolicy(c: AccountContext, _input: object, ctx: RequestContext): Iam.GetAccountPasswordPolicyResponse {
  authorizeSelfService(c, ctx, 'iam:GetAccountPasswordPolicy', '*');
  const row = requirePasswordPolicy(c, ctx.account);
  return {
    PasswordPolicy: {
      MinimumPasswordLength: row.min_length,
      RequireSymbols: row.require_symbols === 1,
      RequireNumbers: row.require_numbers === 1,
      RequireUppercaseCharacters: row.require_uppercase === 1,
      RequireLowercaseCharacters: row.require_lowercase === 1,
      AllowUsersToChangePassword: row.allow_change === 1,
      ExpirePasswords: row.max_age !== null,
      MaxPasswordAge: row.max_age ?? undefined,
      PasswordReusePrevention: row.reuse_prevention ?? undefined,
      HardExpiry: row.hard_expiry === null ? undefined : row.hard_expiry === 1,
    },
  };
}

function deleteAccountPasswordPolicy(c: AccountContext, _input: object, ctx: RequestContext): Record<string, never> {
  c.accounts.tx(() => {
    requirePasswordPolicy(c, ctx.account);
    c.accounts.deletePasswordPolicy(ctx.account);
  });
  return {};
}

// --- account alias ---

/** An account has at most one alias, unique across all accounts; a new one replaces the old. */
function createAccountAlias(c: AccountContext, input: Iam.CreateAccountAliasRequest, ctx: RequestContext): Record<string, never> {
  const alias = input.AccountAlias!;
  c.accounts.tx(() => {
    const owner = c.accounts.aliasOwner(alias);
    if (owner === ctx.account) return;
    if (owner !== undefined) throw alreadyExists(`The account alias ${alias} already exists.`);
    c.accounts.setAlias(ctx.account, alias);
  });
  return {};
}

function listAccountAliases(c: AccountContext, input: Iam.ListAccountAliasesRequest, ctx: RequestContext): Iam.ListAccountAliasesResponse {
  const alias = c.accounts.aliasOf(ctx.account);
  const page = paginate(alias === undefined ? [] : [alias], (a) => a, input);
  return { AccountAliases: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
}

function deleteAccountAlias(c: AccountContext, input: Iam.DeleteAccountAliasRequest, ctx: RequestContext): Record<string, never> {
  c.accounts.tx(() => {
    if (c.accounts.deleteAlias(ctx.account, input.AccountAlias!) === 0) throw noSuchEntity(`The account alias ${input.AccountAlias} cannot be found.`);
  });
  return {};
}

// --- summary ---

function getAccountSummary(c: AccountContext, _input: object, ctx: RequestContext): Iam.GetAccountSummaryResponse {
  const { account } = ctx;
  const count = (key: Parameters<AccountStore['count']>[0]): number => c.accounts.count(key, account);
  return {
    SummaryMap: {
      ...QUOTAS,
      Users: count('Users'),
      Groups: count('Groups'),
      Roles: count('Roles'),
      Policies: count('Policies'),
      PolicyVersionsInUse: count('PolicyVersionsInUse'),
      InstanceProfiles: count('InstanceProfiles'),
      MFADevices: count('MFADevices'),
      MFADevicesInUse: count('MFADevicesInUse'),
      ServerCertificates: c.accounts.countOf('iam_server_certificates', account),
      Providers: c.accounts.countOf('iam_oidc_providers', account) + c.accounts.countOf('iam_saml_providers', account),
      // The root user has no password, MFA device or signing certificate in Drydock, and its keys
      // are not IAM's.
      AccountMFAEnabled: 0,
      AccountAccessKeysPresent: 0,
      AccountPasswordPresent: 0,
      AccountSigningCertificatesPresent: 0,
    },
  };
}

// --- credential report ---

const REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  ...[1, 2].flatMap((n) => [`access_key_${n}_active`, `access_key_${n}_last_rotated`, `access_key_${n}_last_used_date`, `access_key_${n}_last_used_region`, `access_key_${n}_last_used_service`]),
  ...[1, 2].flatMap((n) => [`cert_${n}_active`, `cert_${n}_last_rotated`]),
];

/** Report timestamps: ISO 8601 with an explicit UTC offset and no milliseconds, as AWS writes them. */
const reportTime = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}+00:00`;

const NO_CERT = ['false', 'N/A'];
const NO_CERTS = [...NO_CERT, ...NO_CERT];
const NO_KEY = ['false', 'N/A', 'N/A', 'N/A', 'N/A'];

function keyColumns(c: AccountContext, key: { access_key_id: string; status: string; created_at: number } | undefined): string[] {
  if (!key) return NO_KEY;
  const use = c.usage.lastUse(key.access_key_id);
  return [String(key.status === 'Active'), reportTime(key.created_at), use ? reportTime(use.used_at) : 'N/A', use?.region ?? 'N/A', use?.service ?? 'N/A'];
}

const certColumns = (cert: { status: string; uploaded_at: number } | undefined): string[] => (cert ? [String(cert.status === 'Active'), reportTime(cert.uploaded_at)] : NO_CERT);

function buildCredentialReport(c: AccountContext, account: string, now: number): string {
  const policy = c.accounts.getPasswordPolicy(account);
  const lines = [REPORT_COLUMNS.join(',')];
  lines.push(['<root_account>', `arn:aws:iam::${account}:root`, reportTime(now), 'not_supported', 'N/A', 'not_supported', 'not_supported', 'false', ...NO_KEY, ...NO_KEY, ...NO_CERTS].join(','));
  for (const user of c.accounts.users(account)) {
    const login = c.accounts.getLoginProfile(account, user.id);
    const nextRotation = login && policy?.max_age ? reportTime(login.password_changed_at + policy.max_age * DAY_MS) : 'N/A';
    const keys = c.store.accessKeysOf(account, user.name);
    const certs = c.accounts.signingCertificatesOf(account, user.name);
    lines.push(
      [
        user.name,
        iamArn(account, 'user', user.path, user.name),
        reportTime(user.created_at),
        String(login !== undefined),
        login ? 'no_information' : 'N/A',
        login ? reportTime(login.password_changed_at) : 'N/A',
        nextRotation,
        String(c.accounts.mfaDevicesOf(account, user.id).length > 0),
        ...keyColumns(c, keys[0]),
        ...keyColumns(c, keys[1]),
        ...certColumns(certs[0]),
        ...certColumns(certs[1]),
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

function generateCredentialReport(c: AccountContext, _input: object, ctx: RequestContext): Iam.GenerateCredentialReportResponse {
  return c.accounts.tx(() => {
    const now = c.rt.clock.now();
    const existing = c.accounts.getCredentialReport(ctx.account);
    if (existing && now - existing.generated_at < REPORT_LIFETIME_MS) return { State: 'COMPLETE' };
    c.accounts.putCredentialReport({ account: ctx.account, generated_at: now, content: Buffer.from(buildCredentialReport(c, ctx.account, now)) });
    return { State: 'STARTED', Description: 'No report exists. Starting a new report generation task' };
  });
}

function getCredentialReport(c: AccountContext, _input: object, ctx: RequestContext): Iam.GetCredentialReportResponse {
  const report = c.accounts.getCredentialReport(ctx.account);
  if (!report) throw new AwsError('CredentialReportNotPresentException', 'Credential report not present. Call GenerateCredentialReport to generate a credential report.');
  if (c.rt.clock.now() - report.generated_at >= REPORT_LIFETIME_MS) {
    throw new AwsError('CredentialReportExpiredException', 'Credential report has expired. Call GenerateCredentialReport to generate a new credential report.');
  }
  return { Content: report.content, ReportFormat: 'text/csv', GeneratedTime: new Date(report.generated_at) };
}

export const ACCOUNT_OPERATIONS = {
  UpdateAccountPasswordPolicy: updateAccountPasswordPolicy,
  GetAccountPasswordPolicy: getAccountPasswordPolicy,
  DeleteAccountPasswordPolicy: deleteAccountPasswordPolicy,
  CreateAccountAlias: createAccountAlias,
  ListAccountAliases: listAccountAliases,
  DeleteAccountAlias: deleteAccountAlias,
  GetAccountSummary: getAccountSummary,
  GenerateCredentialReport: generateCredentialReport,
  GetCredentialReport: getCredentialReport,
};
