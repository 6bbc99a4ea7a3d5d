/**
 * AssumeRole, and what the other ways into a role (web identity, SAML) share: finding the role,
 * deciding with its trust policy and the caller's identity policies, and starting the session.
 *
 * The decision ("How to use trust policies with IAM roles", "Cross-account policy evaluation
 * logic"): an explicit Deny in either policy refuses; the trust policy must allow the caller.
 * When the allowing statement names the caller's whole account (account id or `:root`), or the
 * caller is in another account, the caller's identity policies (bounded by its own session
 * policies) must allow the action on the role too; a statement that names the caller's own user,
 * role or session suffices in the role's account. Service and federated principals need only the
 * trust policy. Passing session tags needs `sts:TagSession` the same way. An account's root user
 * may assume no role, whatever the trust policy says ("Roles may not be assumed by root accounts.").
 */
import type { AssumeRoleRequest, AssumeRoleResponse, Credentials, Tag } from '@aws-sdk/client-sts';
import type { Principal } from '../../core/accounts.js';
import { arn, parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { ContextValue } from '../../core/policy.js';
import type { RequestContext } from '../../protocol/types.js';
import type { IamRole, TrustCaller } from '../iam/index.js';
import { callerSession, checkSessionPolicy, denied, isFederatedUser, issue, packedPolicySize, type SessionExtras, type StsContext, sessionTags, transitiveKeys } from './common.js';
import { requestTagContext, sessionTagging } from './session-tags.js';

const DEFAULT_ROLE_SESSION_SECONDS = 3600;
/** Role chaining (assuming a role with role credentials) caps sessions at one hour. */
const CHAINED_ROLE_MAX_SECONDS = 3600;

type Role = IamRole;

/** Who asks, as the decision needs it. */
export interface Asker {
  trust: TrustCaller;
  /** The ARN denial messages name. */
  arn: string;
  /**
   * The IAM identity whose own policies (with its permissions boundary and session policies) must
   * allow the action when trust alone does not suffice; undefined for non-AWS principals.
   */
  identity?: Principal;
  region?: string;
  /** Condition keys about the caller (aws:PrincipalArn, aws:PrincipalTag/… …). */
  context: Record<string, ContextValue>;
}

/** The role an ARN names, exactly (path included), or AccessDenied as STS answers for a role it cannot see. */
export function findRole(c: StsContext, roleArn: string, deny: () => AwsError): Role {
  const parts = parseArn(roleArn);
  if (parts?.service !== 'iam' || !/^\d{12}$/.test(parts.account) || !parts.resource.startsWith('role/')) {
    throw new AwsError('ValidationError', `${roleArn} is not a valid role ARN`);
  }
  const role = c.rt.api('iam').getRole(parts.account, parts.resource.slice(parts.resource.lastIndexOf('/') + 1));
  if (!role || role.arn !== roleArn) throw deny();
  return role;
}

function timeContext(c: StsContext, region: string): Record<string, ContextValue> {
  const now = c.rt.clock.now();
  return { 'aws:CurrentTime': new Date(now).toISOString(), 'aws:EpochTime': String(Math.floor(now / 1000)), 'aws:RequestedRegion': region };
}

/** The caller of a signed STS request, as AssumeRole decides on it (never an account's root user: AssumeRole refuses it first). */
export function askerOf(c: StsContext, ctx: RequestContext): Asker {
  const p = ctx.principal;
  const iam = c.rt.api('iam');
  const base = { ...timeContext(c, ctx.region), 'aws:PrincipalAccount': p.account, 'aws:userid': p.userId, 'aws:PrincipalIsAWSService': 'false' };
  if (p.kind === 'service') {
    const service = p.servicePrincipal ?? p.arn;
    return {
      trust: { kind: 'service', service },
      arn: service,
      context: { ...timeContext(c, ctx.region), 'aws:PrincipalServiceName': service, 'aws:PrincipalIsAWSService': 'true', 'aws:SourceAccount': p.account },
    };
  }
  const session = callerSession(c, ctx);
  if (p.kind === 'assumed-role' && p.roleName) {
    const role = iam.getRole(p.account, p.roleName);
    const tags = { ...iam.principalTags(p.account, 'role', p.roleName), ...sessionTags(session) };
    const context: Record<string, ContextValue> = { ...base, 'aws:PrincipalArn': role?.arn ?? p.arn, 'aws:PrincipalType': 'AssumedRole', 'aws:SourceIdentity': session?.source_identity ?? undefined };
    for (const [key, value] of Object.entries(tags)) context[`aws:PrincipalTag/${key}`] = value;
    return {
      trust: { kind: 'assumed-role', account: p.account, arn: p.arn, roleArn: role?.arn },
      arn: p.arn,
      identity: p,
      region: ctx.region,
      context,
    };
  }
  const userName = p.userName ?? '';
  const context: Record<string, ContextValue> = { ...base, 'aws:PrincipalArn': p.arn, 'aws:PrincipalType': 'User', 'aws:username': userName };
  for (const [key, value] of Object.entries(iam.principalTags(p.account, 'user', userName))) context[`aws:PrincipalTag/${key}`] = value;
  return { trust: { kind: 'user', account: p.account, arn: p.arn }, arn: p.arn, identity: p, region: ctx.region, context };
}

/** Throws AccessDenied unless `asker` may perform `action` on `role` (see the file header). */
export function authorize(c: StsContext, role: Role, asker: Asker, action: string, context: Record<string, ContextValue>): void {
  const all = { ...asker.context, ...context };
  const trust = c.rt.api('iam').evaluateTrust(role.assumeRolePolicyDocument, asker.trust, action, all);
  if (trust.decision !== 'Allow') throw denied(asker.arn, action, role.arn);
  if (asker.identity === undefined) return;
  // The caller's side alone: identity policies, permissions boundary and session policies.
  const identity = c.rt.api('iam').authorize(asker.identity, { action, resource: role.arn, region: asker.region ?? 'us-east-1', context: all });
  if (identity.decision === 'ExplicitDeny') throw denied(asker.arn, action, role.arn);
  const sameAccount = asker.trust.account === role.account;
  if (!trust.accountLevel && sameAccount) return;
  if (identity.decision !== 'Allow') throw denied(asker.arn, action, role.arn);
}

/** The session's duration: the request's (default one hour) within the role's maximum, and one hour when chaining. */
export function sessionDuration(role: Role, requested: number | undefined, chained: boolean): number {
  const duration = requested ?? DEFAULT_ROLE_SESSION_SECONDS;
  if (chained && duration > CHAINED_ROLE_MAX_SECONDS) {
    throw new AwsError('ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  }
  if (duration > role.maxSessionDuration) throw new AwsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  return duration;
}

/** Starts a session of `role` named `sessionName`: its credentials and AssumedRoleUser. */
export function startRoleSession(
  c: StsContext,
  role: Role,
  sessionName: string,
  duration: number,
  extras: SessionExtras,
  region: string,
): { Credentials: Credentials; AssumedRoleUser: { AssumedRoleId: string; Arn: string } } {
  const assumedRoleId = `${role.roleId}:${sessionName}`;
  const assumedArn = arn('sts', '', role.account, `assumed-role/${role.roleName}/${sessionName}`);
  const principal = { account: role.account, arn: assumedArn, userId: assumedRoleId, kind: 'assumed-role' as const, roleName: role.roleName, sessionName };
  const credentials = issue(c, principal, duration, extras);
  c.rt.api('iam').recordRoleUse(role.account, role.roleName, region);
  return { Credentials: credentials, AssumedRoleUser: { AssumedRoleId: assumedRoleId, Arn: assumedArn } };
}

function assumeContext(input: AssumeRoleRequest, sourceIdentity: string | undefined, tags: Tag[] | undefined): Record<string, ContextValue> {
  return {
    'sts:ExternalId': input.ExternalId,
    'sts:RoleSessionName': input.RoleSessionName,
    'sts:SourceIdentity': input.SourceIdentity,
    'aws:SourceIdentity': sourceIdentity,
    'aws:MultiFactorAuthPresent': input.TokenCode ? 'true' : 'false',
    ...requestTagContext(tags, input.TransitiveTagKeys),
  };
}

export function assumeRole(c: StsContext, input: AssumeRoleRequest, ctx: RequestContext): AssumeRoleResponse {
  if (isFederatedUser(ctx.principal)) throw denied(ctx.principal.arn, 'sts:AssumeRole', input.RoleArn!);
  // AWS refuses the root user whatever the trust policy says, before looking at the role.
  if (ctx.principal.kind === 'root') throw new AwsError('AccessDenied', 'Roles may not be assumed by root accounts.', { status: 403 });
  const role = findRole(c, input.RoleArn!, () => denied(ctx.principal.arn, 'sts:AssumeRole', input.RoleArn!));
  const asker = askerOf(c, ctx);
  const caller = callerSession(c, ctx);
  // A source identity, once set, stays with every session chained from it.
  const previousSource = caller?.source_identity ?? undefined;
  if (previousSource && input.SourceIdentity && input.SourceIdentity !== previousSource) {
    throw new AwsError('AccessDenied', `The source identity is already set to ${previousSource} in the calling session and cannot be changed.`, { status: 403 });
  }
  const sourceIdentity = previousSource ?? input.SourceIdentity;
  const tagging = sessionTagging(input.Tags, input.TransitiveTagKeys, sessionTags(caller), transitiveKeys(caller));
  const context = assumeContext(input, sourceIdentity, input.Tags);
  authorize(c, role, asker, 'sts:AssumeRole', context);
  if (tagging.passed || Object.keys(tagging.tags).length) authorize(c, role, asker, 'sts:TagSession', context);
  if (input.SourceIdentity) authorize(c, role, asker, 'sts:SetSourceIdentity', context);

  const duration = sessionDuration(role, input.DurationSeconds, ctx.principal.kind === 'assumed-role');
  checkSessionPolicy(c, input.Policy);
  const packed = packedPolicySize(input);
  const session = startRoleSession(
    c,
    role,
    input.RoleSessionName!,
    duration,
    { sessionPolicy: input.Policy, policyArns: input.PolicyArns, sourceIdentity, tags: tagging.tags, transitiveTagKeys: tagging.transitiveTagKeys },
    ctx.region,
  );
  return { ...session, PackedPolicySize: packed, SourceIdentity: sourceIdentity };
}
