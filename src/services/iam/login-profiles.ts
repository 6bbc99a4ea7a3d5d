/**
 * Console passwords of IAM users (login profiles) and ChangePassword. Passwords are kept only as
 * salted scrypt hashes and checked against the account password policy, or, when the account has
 * none, against AWS's default policy (8 characters, three of the four character kinds).
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type * as Iam from '@aws-sdk/client-iam';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import type { AccountContext } from './account.js';
import type { LoginProfileRow, PasswordPolicyRow } from './account-store.js';
import { alreadyExists, noSuchEntity, requireUser, targetUserName } from './common.js';
import type { UserRow } from './store.js';

/** The characters AWS counts as symbols in a password policy. */
const SYMBOLS = "!@#$%^&*()_+-=[]{}|'";
/** The largest PasswordReusePrevention the model allows: no more history is ever needed. */
const MAX_REUSE_PREVENTION = 24;

function hashPassword(password: string): string {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64')}$${scryptSync(password, salt, 32).toString('base64')}`;
}

function passwordMatches(password: string, stored: string): boolean {
  const [, salt, hash] = stored.split('$');
  const expected = Buffer.from(hash, 'base64');
  return timingSafeEqual(scryptSync(password, Buffer.from(salt, 'base64'), expected.length), expected);
}

/** Why `password` breaks the policy, undefined when it does not. */
/** A login profile's password columns once `password` replaces its current one, which joins the history. */
function withNewPassword(row: LoginProfileRow, password: string, now: number): Pick<LoginProfileRow, 'password_hash' | 'password_changed_at' | 'previous_hashes'> {
  const previous = [row.password_hash, ...(JSON.parse(row.previous_hashes) as string[])].slice(0, MAX_REUSE_PREVENTION);
  return { password_hash: hashPassword(password), password_changed_at: now, previous_hashes: JSON.stringify(previous) };
}

function policyViolation(password: string, policy: PasswordPolicyRow | undefined): string | undefined {
  const kinds = {
    uppercase: /[A-Z]/.test(password),
    lowercase: /[a-z]/.test(password),
    number: /[0-9]/.test(password),
    symbol: [...password].some((ch) => SYMBOLS.includes(ch)),
  };
  if (!policy) {
    if (password.length < 8) return 'Password should have a minimum length of 8';
    if (Object.values(kinds).filter(Boolean).length < 3) return 'Password should include at least three of: uppercase letters, lowercase letters, numbers, symbols';
    return undefined;
  }
  if (password.length < policy.min_length) return `Password should have a minimum length of ${policy.min_length}`;
  if (policy.require_uppercase && !kinds.uppercase) return 'Password should have at least one uppercase letter';
  if (policy.require_lowercase && !kinds.lowercase) return 'Password should have at least one lowercase letter';
  if (policy.require_numbers && !kinds.number) return 'Password should have at least one number';
  if (policy.require_symbols && !kinds.symbol) return 'Password should have at least one symbol';
  return undefined;
}

function requireGoodPassword(c: AccountContext, account: string, password: string): void {
  const violation = policyViolation(password, c.accounts.getPasswordPolicy(account));
  if (violation) throw new AwsError('PasswordPolicyViolationException', violation);
}

function requireLoginProfile(c: AccountContext, user: UserRow): LoginProfileRow {
  const row = c.accounts.getLoginProfile(user.account, user.id);
  if (!row) throw noSuchEntity(`Login Profile for User ${user.name} cannot be found.`);
  return row;
}

function loginProfileOut(user: UserRow, row: LoginProfileRow): Iam.LoginProfile {
  return { UserName: user.name, CreateDate: new Date(row.created_at), PasswordResetRequired: row.reset_required === 1 };
}

function createLoginProfile(c: AccountContext, input: Iam.CreateLoginProfileRequest, ctx: RequestContext): Iam.CreateLoginProfileResponse {
  return c.store.tx(() => {
    const user = requireUser(c.store, ctx.account, targetUserName(input.UserName, ctx));
    if (c.accounts.getLoginProfile(ctx.account, user.id)) throw alreadyExists(`Login Profile for user ${user.name} already exists.`);
    if (input.Password === undefined) throw new AwsError('ValidationError', 'Password is required to create a login profile');
    requireGoodPassword(c, ctx.account, input.Password);
    const now = c.rt.clock.now();
    const row: LoginProfileRow = {
      account: ctx.account,
      user_id: user.id,
      password_hash: hashPassword(input.Password),
      created_at: now,
      password_changed_at: now,
      reset_required: input.PasswordResetRequired ? 1 : 0,
      previous_hashes: '[]',
    };
    c.accounts.putLoginProfile(row);
    return { LoginProfile: loginProfileOut(user, row) };
  });
}

function getLoginProfile(c: AccountContext, input: Iam.GetLoginProfileRequest, ctx: RequestContext): Iam.GetLoginProfileResponse {
  const user = requireUser(c.store, ctx.account, targetUserName(input.UserName, ctx));
  return { LoginProfile: loginProfileOut(user, requireLoginProfile(c, user)) };
}

function updateLoginProfile(c: AccountContext, input: Iam.UpdateLoginProfileRequest, ctx: RequestContext): Record<string, never> {
  c.store.tx(() => {
    const user = requireUser(c.store, ctx.account, input.UserName!);
    const row = { ...requireLoginProfile(c, user) };
    if (input.Password !== undefined) {
      requireGoodPassword(c, ctx.account, input.Password);
      Object.assign(row, withNewPassword(row, input.Password, c.rt.clock.now()));
    }
    if (input.PasswordResetRequired !== undefined) row.reset_required = input.PasswordResetRequired ? 1 : 0;
    c.accounts.putLoginProfile(row);
  });
  return {};
}

function deleteLoginProfile(c: AccountContext, input: Iam.DeleteLoginProfileRequest, ctx: RequestContext): Record<string, never> {
  c.store.tx(() => {
    const user = requireUser(c.store, ctx.account, targetUserName(input.UserName, ctx));
    requireLoginProfile(c, user);
    c.accounts.deleteLoginProfile(ctx.account, user.id);
  });
  return {};
}

/**
 * What the password policy's AllowUsersToChangePassword grants every IAM user of the account:
 * iam:ChangePassword on themselves and iam:GetAccountPasswordPolicy. Anyone else, or any user
 * when it is off, needs the permission from their own policies. (Effective when IAM's authorization
 * table leaves these two operations to their handlers; otherwise the pipeline's generic check has
 * already required the identity permission.)
 */
export function authorizeSelfService(c: AccountContext, ctx: RequestContext, action: string, resource: string): void {
  const { principal } = ctx;
  if (principal.kind === 'root' && principal.account === ctx.account) return;
  if (principal.kind === 'user' && principal.account === ctx.account && c.accounts.getPasswordPolicy(ctx.account)?.allow_change === 1) return;
  const result = c.rt.api('iam').authorize(principal, { action, resource, region: ctx.region, resourceAccount: ctx.account });
  if (result.decision !== 'Allow') throw new AwsError('AccessDenied', result.message, { status: 403 });
}

/** The calling IAM user's own password. */
function changePassword(c: AccountContext, input: Iam.ChangePasswordRequest, ctx: RequestContext): Record<string, never> {
  const { principal } = ctx;
  if (principal.kind !== 'user' || !principal.userName) throw new AwsError('InvalidUserTypeException', 'Only IAM Users can change their own password');
  authorizeSelfService(c, ctx, 'iam:ChangePassword', principal.arn);
  c.store.tx(() => {
    const user = requireUser(c.store, ctx.account, principal.userName!);
    const row = requireLoginProfile(c, user);
    if (!passwordMatches(input.OldPassword!, row.password_hash)) throw new AwsError('AccessDenied', 'The old password is incorrect.', { status: 403 });
    requireGoodPassword(c, ctx.account, input.NewPassword!);
    const reuse = c.accounts.getPasswordPolicy(ctx.account)?.reuse_prevention ?? 0;
    const recent = [row.password_hash, ...(JSON.parse(row.previous_hashes) as string[])].slice(0, reuse);
    if (recent.some((hash) => passwordMatches(input.NewPassword!, hash))) {
      throw new AwsError('PasswordPolicyViolationException', `Password should not be one of the last ${reuse} passwords used`);
    }
    c.accounts.putLoginProfile({ ...row, ...withNewPassword(row, input.NewPassword!, c.rt.clock.now()), reset_required: 0 });
  });
  return {};
}

export const LOGIN_PROFILE_OPERATIONS = {
  CreateLoginProfile: createLoginProfile,
  GetLoginProfile: getLoginProfile,
  UpdateLoginProfile: updateLoginProfile,
  DeleteLoginProfile: deleteLoginProfile,
  ChangePassword: changePassword,
};
