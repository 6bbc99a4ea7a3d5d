/**
 * Role trust policies (AssumeRolePolicyDocument): which principals a statement names, and whether
 * the policy lets a caller perform `sts:AssumeRole…`/`sts:TagSession` on the role. STS makes the
 * full decision (trust policy and the caller's identity policies); CodeBuild asks whether a role
 * trusts it when a project names one.
 *
 * Principal matching follows the IAM User Guide ("AWS JSON policy elements: Principal"):
 * - `"*"` and `{"AWS": "*"}` name everyone;
 * - an account id or `arn:aws:iam::<account>:root` names the account: a match at account level, so
 *   the caller's own identity policies must allow the action too, even in the role's own account;
 * - a user, role (any session of it), assumed-role session or federated-user ARN names that principal;
 * - `Service` names an AWS service principal, `Federated` an OIDC/SAML provider ARN (or a
 *   well-known web identity provider such as `accounts.google.com`).
 * Conditions, actions and their wildcards are evaluated by the core evaluator (src/core/policy.ts):
 * each statement whose principal matches is evaluated as an identity statement on resource `*`.
 */
import { type ContextValue, type Decision, evaluatePolicies } from '../../core/policy.js';

/** An account's root ARN in any partition (`arn:aws:iam::123456789012:root`, `arn:aws-cn:…`). */
const ACCOUNT_ROOT = /^arn:aws[a-z-]*:iam::(\d{12}):root$/;

/** Who asks to assume a role, as trust policies name principals. */
export interface TrustCaller {
  kind: 'root' | 'user' | 'assumed-role' | 'federated-user' | 'service' | 'web-identity' | 'saml';
  /** The caller's account (AWS principals). */
  account?: string;
  /** The caller's ARN (user, assumed-role session, federated user). */
  arn?: string;
  /** The role behind an assumed-role session. */
  roleArn?: string;
  /** `codebuild.amazonaws.com`, for a service principal. */
  service?: string;
  /** The identity provider's ARN (or well-known name), for web identity and SAML callers. */
  provider?: string;
}

export interface TrustDecision {
  decision: Decision;
  /** The allowing statement named the caller's whole account, so its identity policies must allow too. */
  accountLevel: boolean;
}

type Match = 'none' | 'account' | 'principal';

const asList = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function matchAws(value: string, caller: TrustCaller): Match {
  if (value === '*') return caller.kind === 'service' ? 'none' : 'principal';
  if (!caller.account) return 'none';
  if (value === caller.account || ACCOUNT_ROOT.exec(value)?.[1] === caller.account) return 'account';
  if (caller.arn && value === caller.arn) return 'principal';
  if (caller.roleArn && value === caller.roleArn) return 'principal';
  return 'none';
}

/** How a statement's Principal names the caller (the strongest of its entries). */
function principalMatch(principal: unknown, caller: TrustCaller): Match {
  if (principal === '*') return 'principal';
  if (!isObject(principal)) return 'none';
  let best: Match = 'none';
  for (const [type, values] of Object.entries(principal)) {
    for (const value of asList(values)) {
      if (typeof value !== 'string') continue;
      let match: Match = 'none';
      if (type === 'AWS' && ['root', 'user', 'assumed-role', 'federated-user'].includes(caller.kind)) match = matchAws(value, caller);
      else if (type === 'Service' && caller.kind === 'service' && value === caller.service) match = 'principal';
      else if (type === 'Federated' && (caller.kind === 'web-identity' || caller.kind === 'saml') && value === caller.provider) match = 'principal';
      if (match === 'principal') return match;
      if (match === 'account') best = match;
    }
  }
  return best;
}

/**
 * Whether `trustPolicy` lets `caller` perform `action` on the role, with the request's condition
 * keys (`sts:ExternalId`, `aws:PrincipalTag/…`, `<issuer>:sub` …) in `context`.
 */
export function evaluateTrust(trustPolicy: string, caller: TrustCaller, action: string, context: Record<string, ContextValue>): TrustDecision {
  let parsed: unknown;
  try {
    parsed = JSON.parse(trustPolicy);
  } catch {
    return { decision: 'ImplicitDeny', accountLevel: false };
  }
  if (!isObject(parsed)) return { decision: 'ImplicitDeny', accountLevel: false };
  const allow: unknown[] = [];
  const allowByAccount: unknown[] = [];
  const deny: unknown[] = [];
  for (const statement of asList(parsed.Statement)) {
    if (!isObject(statement)) continue;
    const named = statement.NotPrincipal !== undefined ? (principalMatch(statement.NotPrincipal, caller) === 'none' ? 'principal' : 'none') : principalMatch(statement.Principal, caller);
    if (named === 'none') continue;
    const { Principal: _p, NotPrincipal: _n, ...rest } = statement;
    const asIdentity = { ...rest, Resource: '*' };
    if (statement.Effect === 'Deny') deny.push(asIdentity);
    else if (named === 'account') allowByAccount.push(asIdentity);
    else allow.push(asIdentity);
  }
  const request = { action, resource: '*', context };
  const policy = (statements: unknown[]) => JSON.stringify({ Version: parsed.Version, Statement: statements });
  if (deny.length && evaluatePolicies([policy(deny)], request) === 'ExplicitDeny') return { decision: 'ExplicitDeny', accountLevel: false };
  if (allow.length && evaluatePolicies([policy(allow)], request) === 'Allow') return { decision: 'Allow', accountLevel: false };
  if (allowByAccount.length && evaluatePolicies([policy(allowByAccount)], request) === 'Allow') return { decision: 'Allow', accountLevel: true };
  return { decision: 'ImplicitDeny', accountLevel: false };
}
