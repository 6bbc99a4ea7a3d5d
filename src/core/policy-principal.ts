/**
 * The Principal and NotPrincipal elements of resource-based policies (IAM User Guide, "AWS JSON
 * policy elements: Principal" and "NotPrincipal"):
 * - `"*"` names everyone, anonymous callers included; `{"AWS": "*"}` every AWS principal, anonymous
 *   callers and AWS service principals (a service calling on a resource's behalf): AWS's own older
 *   walkthroughs let S3 publish to a topic or send to a queue with `{"AWS": "*"}` and an
 *   aws:SourceArn condition, and SNS's default topic policy (`{"AWS": "*"}` with AWS:SourceOwner)
 *   admits the owner account's CodeCommit triggers and alarms. Federated (web identity, SAML)
 *   callers are named only under their own key. A role session is named by either as through its
 *   role. (Role trust policies read `{"AWS": "*"}` more narrowly: see iam/trust-policy.ts.)
 * - An account id or `arn:aws:iam::<account>:root` names the account: every principal of it, but the
 *   grant only delegates to the account, whose identity policies must then allow (same account) or
 *   whose administrators must (cross account). For the root user itself it is a direct grant.
 * - A role ARN names the role: every session of it, still limited by boundaries and session policies.
 * - A user ARN or an assumed-role session ARN names that principal directly.
 * - `{"Service": …}` and `{"Federated": …}` name service and federated principals. Wildcards inside
 *   names are not supported by AWS and match nothing but themselves.
 * - NotPrincipal (with Deny) exempts a principal only when its account is listed too: an IAM user
 *   needs its ARN and its account, a role session its role (or session) ARN and its account. AWS
 *   documents that NotPrincipal with Deny always denies a principal that has a permissions boundary.
 */
import type { EvaluationPrincipal } from './policy.js';
import { asList, isObject } from './policy-conditions.js';

/**
 * How a Principal element names the principal, from weakest to strongest: not at all, through its
 * account, through the role its session belongs to, or directly (its own ARN, service or provider, or `*`).
 */
export type PrincipalMatch = 'none' | 'account' | 'role' | 'direct';

const RANK: Record<PrincipalMatch, number> = { none: 0, account: 1, role: 2, direct: 3 };

const ROOT = /^arn:aws[\w-]*:iam::(\d{12}):root$/;

/** The principal's names in a Principal element, by key (`AWS`, `Service` …), as written; `everyone` for `"*"` (or `{"AWS": "*"}` for all but federated callers). */
function namesOf(element: unknown, principal: EvaluationPrincipal): { everyone: boolean; byKey: Map<string, string[]> } | undefined {
  if (element === '*') return { everyone: true, byKey: new Map() };
  if (!isObject(element)) return undefined;
  const byKey = new Map<string, string[]>();
  for (const [key, value] of Object.entries(element)) {
    const names = asList(value).filter((v): v is string => typeof v === 'string');
    byKey.set(key, names);
  }
  return { everyone: principal.kind !== 'federated' && (byKey.get('AWS') ?? []).includes('*'), byKey };
}

/** How one `AWS` name matches the principal. */
function awsNameMatch(name: string, principal: EvaluationPrincipal): PrincipalMatch {
  if (principal.kind === 'service' || principal.kind === 'anonymous' || principal.kind === 'federated') return 'none';
  const account = ROOT.exec(name)?.[1] ?? (/^\d{12}$/.test(name) ? name : undefined);
  if (account !== undefined) {
    if (account !== principal.account) return 'none';
    return principal.kind === 'root' ? 'direct' : 'account';
  }
  if (name === principal.arn) return 'direct';
  if (principal.roleArn !== undefined && name === principal.roleArn) return 'role';
  return 'none';
}

/** How a Principal element names the principal (the strongest of its entries). */
export function principalMatchLevel(element: unknown, principal: EvaluationPrincipal): PrincipalMatch {
  const names = namesOf(element, principal);
  if (!names) return 'none';
  // `*` grants a role session only what its boundary and session policies allow, as naming its role does.
  if (names.everyone) return principal.kind === 'assumed-role' ? 'role' : 'direct';
  let best: PrincipalMatch = 'none';
  for (const name of names.byKey.get('AWS') ?? []) {
    const level = awsNameMatch(name, principal);
    if (RANK[level] > RANK[best]) best = level;
  }
  if (principal.kind === 'service') {
    const service = principal.servicePrincipal ?? principal.arn;
    if ((names.byKey.get('Service') ?? []).includes(service)) best = 'direct';
  }
  if (principal.kind === 'federated') {
    const provider = principal.federatedProvider ?? principal.arn;
    if ((names.byKey.get('Federated') ?? []).includes(provider)) best = 'direct';
  }
  return best;
}

/** Whether a NotPrincipal element exempts the principal (see the header for AWS's rule). */
function exempted(element: unknown, principal: EvaluationPrincipal, hasBoundary: boolean): boolean {
  if (hasBoundary) return false;
  const names = namesOf(element, principal);
  if (!names) return false;
  if (names.everyone) return true;
  if (principal.kind === 'service') return (names.byKey.get('Service') ?? []).includes(principal.servicePrincipal ?? principal.arn);
  if (principal.kind === 'federated') return (names.byKey.get('Federated') ?? []).includes(principal.federatedProvider ?? principal.arn);
  if (principal.kind === 'anonymous') return false;
  const levels = new Set((names.byKey.get('AWS') ?? []).map((name) => awsNameMatch(name, principal)));
  if (principal.kind === 'root') return levels.has('direct');
  return levels.has('account') && (levels.has('direct') || levels.has('role'));
}

/**
 * Whether a statement's Principal (or, with `notPrincipal`, NotPrincipal) element applies to the
 * principal: for Principal, whether it names the principal at all (directly, through its role or
 * through its account); for NotPrincipal, whether the principal is not exempted by it.
 */
export function principalMatches(statementPrincipal: unknown, principal: EvaluationPrincipal, notPrincipal = false, hasBoundary = false): boolean {
  if (notPrincipal) return !exempted(statementPrincipal, principal, hasBoundary);
  return principalMatchLevel(statementPrincipal, principal) !== 'none';
}
