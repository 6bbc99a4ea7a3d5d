/**
 * The IAM policy evaluator: AWS's policy evaluation logic over every policy type that applies to a
 * request (identity-based, resource-based, permissions boundary, session, service control policies).
 * Pure: callers pass the principal, the policy documents and the request context.
 *
 * How the policy types combine (IAM User Guide: "Policy evaluation logic", "Policy evaluation for
 * requests within a single account", "Cross-account policy evaluation logic", "Permissions
 * boundaries", "Session policies"):
 * - An explicit Deny in any policy that applies wins. A resource policy's statement applies when its
 *   Principal names the caller (or its NotPrincipal does not exempt it: policy-principal.ts).
 * - SCPs, when the caller passes any, must allow (they do not limit service principals).
 * - The root user needs no identity policy; boundaries and session policies do not apply to it.
 * - IAM users and role sessions: the identity side allows when an identity policy allows, and the
 *   permissions boundary (if any) and the session policies (if any) allow too (intersections).
 * - Same account: the identity side or the resource policy suffices. A resource policy that names
 *   the user's ARN or the role session's ARN grants directly, past implicit denies of identity
 *   policies, boundaries and session policies; one that names the role's ARN grants past the role's
 *   identity policies but not past its boundary or session policies; one that names the account (or
 *   `*`, for a role session) delegates to the identity side, which must then allow.
 *   `resourcePolicyRequired` (role trust policies, KMS key policies) makes the resource policy's
 *   Allow necessary: naming the account then enables the identity policies, as KMS's root statement does.
 * - Cross account: both the identity side and the resource policy must allow.
 * - Service, federated and anonymous principals have no identity side: only a resource policy allows them.
 * - An IAM federated user session (GetFederationToken) evaluates as kind 'assumed-role' with the
 *   federating user's ARN as roleArn: naming that user is then limited by the session policies, as AWS
 *   says. Such a session without session policies has no permissions on AWS: that is the caller's check.
 * - A denial names the policy type that decided it: for explicit denies the first of identity,
 *   resource, boundary, session, SCP that denies; for implicit ones the first missing Allow in AWS's
 *   order (SCP, a required resource policy, identity, boundary, session, the other account's resource policy).
 *
 * Documents are compiled once and cached by their text (policy-compile.ts): actions indexed by
 * service prefix, regexes built once, the request context built only when a statement reads it.
 *
 * Matching (policy-conditions.ts), from the IAM User Guide (condition operators, policy variables):
 * - Action/NotAction match case-insensitively with `*` and `?`; Resource/NotResource match
 *   case-sensitively, ARN segment by segment (a wildcard does not cross a `:` before the ARN's
 *   resource part), so `arn:aws:codecommit:*:*:repo` never matches a repository named `x:repo`.
 * - Condition: operators ANDed, keys within an operator ANDed, values for one key ORed; negated
 *   operators (StringNotEquals, NotIpAddress, ArnNotLike …) hold when the key matches none of the
 *   values. A missing key fails a positive operator and satisfies a negated one; `…IfExists` makes a
 *   missing key satisfy any operator; Null tests presence. Key names are case-insensitive.
 * - Multivalued keys (a list, e.g. `codecommit:References`): `ForAllValues:` needs every request
 *   value to satisfy the operator (true when the key is missing or empty), `ForAnyValue:` at least
 *   one (false when missing). Without a set operator a positive operator holds when any request value
 *   matches and a negated one when no request value matches, which is what makes the documented
 *   CodeCommit branch-protection policy deny a push that updates main together with other branches.
 * - Policy variables (`${aws:username}`, `${key, 'default'}`, `${*}` `${?}` `${$}`) in Resource and
 *   condition values, for Version 2012-10-17 only; a variable with no single value (and no default)
 *   makes that value match nothing. Substituted text is literal: it never acts as a wildcard.
 * - A document or statement that cannot be read matches nothing rather than failing the request
 *   (IAM validates documents when it stores them; this keeps a bad row from taking the server down).
 */
import { type CompiledDocument, type CompiledStatement, compileDocument, conditionHolds, matchesAction, matchesResource, mayMatchResource, statementsFor } from './policy-compile.js';
import { type Context, type ContextValue, contextOf } from './policy-conditions.js';
import { principalMatches as appliesTo, type PrincipalMatch, principalMatchLevel } from './policy-principal.js';

export type { ContextValue } from './policy-conditions.js';
export { wildcardMatch } from './policy-conditions.js';

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

/**
 * Condition keys and their values, or what makes them: a request whose statements read no key
 * then never pays for them (some read the service's state, such as a resource's tags).
 */
export type RequestContextKeys = Record<string, ContextValue> | (() => Record<string, ContextValue>);

export interface PolicyRequest {
  /** `service:Operation`, e.g. `codecommit:GitPush`. */
  action: string;
  /** The ARN the action is on (`*` for actions on no resource). */
  resource: string;
  /** Condition keys and their values (`aws:username`, `codecommit:References` …); absent keys are missing. */
  context: Record<string, ContextValue>;
}

export type PolicySource = 'identity' | 'resource' | 'boundary' | 'session' | 'scp';

export interface EvaluationPrincipal {
  /** The caller's ARN as AWS names it in denials (user ARN, assumed-role session ARN, 'arn:aws:iam::123:root'), or the service principal ('events.amazonaws.com'), or '*' for anonymous. */
  arn: string;
  account: string;
  kind: 'root' | 'user' | 'assumed-role' | 'service' | 'federated' | 'anonymous';
  /** For an assumed-role session, the role's ARN (what a resource policy's Principal names, and aws:PrincipalArn). */
  roleArn?: string;
  /** For a service principal: 'codebuild.amazonaws.com'. For a federated (web identity / SAML) principal: the provider ARN or 'accounts.google.com'-style name. */
  servicePrincipal?: string;
  federatedProvider?: string;
}

export interface EvaluationInput {
  principal: EvaluationPrincipal;
  action: string;
  resource: string;
  /** Condition keys (aws:* and service keys), filled in by the caller. */
  context: RequestContextKeys;
  /** Identity-based policy documents (user + groups, or the role), every one that applies. */
  identityPolicies: string[];
  /** The resource-based policy (bucket policy, key policy, secret policy, role trust policy …) and the account that owns the resource. */
  resourcePolicy?: { document: string; account: string };
  /** The account that owns the resource, when there is no resource policy (cross-account rule); defaults to the principal's. */
  resourceAccount?: string;
  /** The principal's permissions boundary document, if it has one. */
  permissionsBoundary?: string;
  /** Session policies (AssumeRole Policy and PolicyArns documents), if the session has any. */
  sessionPolicies?: string[];
  /** Role trust policies and KMS key policies: the resource policy must allow, even within the account. */
  resourcePolicyRequired?: boolean;
  /** Organizations SCPs that apply to the principal's account; when given, one of them must allow. */
  serviceControlPolicies?: string[];
}

export interface MatchedStatement {
  source: PolicySource;
  policyIndex: number;
  statementIndex: number;
  effect: 'Allow' | 'Deny';
}

export interface EvaluationResult {
  decision: Decision;
  /** Which policy type decided a denial. */
  deniedBy?: PolicySource;
  matched: MatchedStatement[];
}

/** What one request needs while statements are matched; the context map is built only if a statement needs it. */
class Probe {
  readonly actionLower: string;
  readonly service: string;
  private built?: Context;

  constructor(
    readonly action: string,
    readonly resource: string,
    private readonly raw: RequestContextKeys,
  ) {
    this.actionLower = action.toLowerCase();
    this.service = this.actionLower.slice(0, Math.max(0, this.actionLower.indexOf(':')));
  }

  readonly context = (): Context => {
    this.built ??= contextOf(typeof this.raw === 'function' ? this.raw() : this.raw);
    return this.built;
  };
}

/** Whether a statement's Action, Resource and Condition match the request (not its Principal). */
function statementMatches(s: CompiledStatement, doc: CompiledDocument, probe: Probe): boolean {
  if (!matchesAction(s, probe.action, probe.actionLower)) return false;
  const variables = doc.variables ? probe.context : noVariables;
  return matchesResource(s, probe.resource, variables) && conditionHolds(s, probe.context, variables);
}

const noVariables = (): undefined => undefined;

interface Scan {
  allow: boolean;
  deny: boolean;
}

/** Scans policies without a Principal element (identity, boundary, session, SCP), recording matches. */
function scanPolicies(source: PolicySource, documents: string[], probe: Probe, matched: MatchedStatement[]): Scan {
  const scan: Scan = { allow: false, deny: false };
  for (let policyIndex = 0; policyIndex < documents.length; policyIndex++) {
    const doc = compileDocument(documents[policyIndex]);
    for (const s of statementsFor(doc, probe.service)) {
      // These policy types name no principal and always name their resources.
      if (s.principal !== undefined || !s.resources || !statementMatches(s, doc, probe)) continue;
      matched.push({ source, policyIndex, statementIndex: s.index, effect: s.effect });
      if (s.effect === 'Deny') scan.deny = true;
      else scan.allow = true;
    }
  }
  return scan;
}

const RANK: Record<PrincipalMatch, number> = { none: 0, account: 1, role: 2, direct: 3 };

/** Scans a resource policy: statements apply through their Principal/NotPrincipal; the strongest Allow is kept. */
function scanResourcePolicy(text: string, input: EvaluationInput, probe: Probe, matched: MatchedStatement[]): { deny: boolean; grant: PrincipalMatch } {
  const result = { deny: false, grant: 'none' as PrincipalMatch };
  const doc = compileDocument(text);
  const hasBoundary = input.permissionsBoundary !== undefined;
  for (const s of statementsFor(doc, probe.service)) {
    if (s.principal === undefined || !statementMatches(s, doc, probe)) continue;
    let level: PrincipalMatch;
    if (s.notPrincipal) level = appliesTo(s.principal, input.principal, true, hasBoundary) ? 'direct' : 'none';
    else level = principalMatchLevel(s.principal, input.principal);
    if (level === 'none') continue;
    matched.push({ source: 'resource', policyIndex: 0, statementIndex: s.index, effect: s.effect });
    if (s.effect === 'Deny') result.deny = true;
    else if (RANK[level] > RANK[result.grant]) result.grant = level;
  }
  return result;
}

const hasIdentitySide = (kind: EvaluationPrincipal['kind']): boolean => kind === 'user' || kind === 'assumed-role' || kind === 'root';

/** Explicit denies first (in this order of reporting), then the implicit checks of AWS's flow. */
const DENY_ORDER: PolicySource[] = ['identity', 'resource', 'boundary', 'session', 'scp'];

export function evaluate(input: EvaluationInput): EvaluationResult {
  const { principal } = input;
  const probe = new Probe(input.action, input.resource, input.context);
  const matched: MatchedStatement[] = [];
  const constrained = principal.kind === 'user' || principal.kind === 'assumed-role';
  const identity = scanPolicies('identity', input.identityPolicies, probe, matched);
  const boundary = constrained && input.permissionsBoundary !== undefined ? scanPolicies('boundary', [input.permissionsBoundary], probe, matched) : undefined;
  const session = constrained && input.sessionPolicies?.length ? scanPolicies('session', input.sessionPolicies, probe, matched) : undefined;
  const scp = hasIdentitySide(principal.kind) && input.serviceControlPolicies ? scanPolicies('scp', input.serviceControlPolicies, probe, matched) : undefined;
  const resource = input.resourcePolicy ? scanResourcePolicy(input.resourcePolicy.document, input, probe, matched) : { deny: false, grant: 'none' as PrincipalMatch };

  const denies: Record<PolicySource, boolean> = { identity: identity.deny, resource: resource.deny, boundary: boundary?.deny ?? false, session: session?.deny ?? false, scp: scp?.deny ?? false };
  const explicit = DENY_ORDER.find((source) => denies[source]);
  if (explicit) return { decision: 'ExplicitDeny', deniedBy: explicit, matched };
  const implicit = implicitDenial(input, { identity, boundary, session, scp, grant: resource.grant });
  return implicit ? { decision: 'ImplicitDeny', deniedBy: implicit, matched } : { decision: 'Allow', matched };
}

interface Scans {
  identity: Scan;
  boundary?: Scan;
  session?: Scan;
  scp?: Scan;
  grant: PrincipalMatch;
}

/** The policy type whose missing Allow denies the request, or undefined when it is allowed. */
function implicitDenial(input: EvaluationInput, scans: Scans): PolicySource | undefined {
  const { principal } = input;
  const { grant } = scans;
  if (!hasIdentitySide(principal.kind)) return grant === 'none' ? 'resource' : undefined;
  if (scans.scp && !scans.scp.allow) return 'scp';
  if (input.resourcePolicyRequired && grant === 'none') return 'resource';

  const boundaryOk = !scans.boundary || scans.boundary.allow;
  const sessionOk = !scans.session || scans.session.allow;
  const identityOk = principal.kind === 'root' || scans.identity.allow;
  const identitySide: PolicySource | undefined = !identityOk ? 'identity' : !boundaryOk ? 'boundary' : !sessionOk ? 'session' : undefined;
  const resourceAccount = input.resourcePolicy?.account ?? input.resourceAccount ?? principal.account;
  if (resourceAccount !== principal.account) return identitySide ?? (grant === 'none' ? 'resource' : undefined);

  // Same account: a resource policy that names the principal (or its role) grants without the identity policies.
  if (grant === 'direct') return principal.kind === 'user' && !sessionOk ? 'session' : undefined;
  if (grant === 'role') return !boundaryOk ? 'boundary' : !sessionOk ? 'session' : undefined;
  return identitySide;
}

const PHRASES: Record<PolicySource, string> = {
  identity: 'an identity-based policy',
  resource: 'a resource-based policy',
  boundary: 'a permissions boundary',
  session: 'a session policy',
  scp: 'a service control policy',
};

const NO_ALLOW: Record<PolicySource, string> = {
  identity: 'identity-based policy',
  resource: 'resource-based policy',
  boundary: 'permissions boundary',
  session: 'session policy',
  scp: 'service control policy',
};

/** AWS's AccessDenied message for a denial (for an Allow, the sentence without a reason). */
export function denialMessage(principalArn: string, action: string, resource: string, result: EvaluationResult): string {
  const who = principalArn === '*' ? 'anonymous' : principalArn;
  const on = resource && resource !== '*' ? ` on resource: ${resource}` : '';
  const head = `User: ${who} is not authorized to perform: ${action}${on}`;
  const source = result.deniedBy ?? 'identity';
  if (result.decision === 'ExplicitDeny') return `${head} with an explicit deny in ${PHRASES[source]}`;
  if (result.decision === 'ImplicitDeny') return `${head} because no ${NO_ALLOW[source]} allows the ${action} action`;
  return head;
}

/** Whether a policy's Principal/NotPrincipal block matches the principal (AWS: account id or arn:aws:iam::acct:root means any principal of that account; role ARN matches sessions of that role; Service; Federated; '*' and {"AWS":"*"}). */
export function principalMatches(statementPrincipal: unknown, principal: EvaluationPrincipal, notPrincipal?: boolean): boolean {
  return appliesTo(statementPrincipal, principal, notPrincipal ?? false);
}

/**
 * The context keys (condition keys and policy variables, as written) read by the statements of the
 * documents that may apply to `action` on `resource`: what IAM's simulator lists as missing when the
 * caller gives no value for them.
 */
export function contextKeysFor(documents: string[], action: string, resource: string): string[] {
  const probe = new Probe(action, resource, {});
  const keys = new Set<string>();
  for (const text of documents) {
    for (const s of statementsFor(compileDocument(text), probe.service)) {
      if (matchesAction(s, probe.action, probe.actionLower) && mayMatchResource(s, resource)) for (const key of s.contextKeys) keys.add(key);
    }
  }
  return [...keys];
}

/** Every context key (condition keys and policy variables, as written) the documents' statements read. */
export function contextKeysOf(documents: string[]): string[] {
  const keys = new Set<string>();
  for (const text of documents) for (const s of compileDocument(text).statements) for (const key of s.contextKeys) keys.add(key);
  return [...keys];
}

/** Evaluates identity policy documents (raw JSON text) against one request: Allow, or why not. */
export function evaluatePolicies(documents: string[], request: PolicyRequest): Decision {
  const probe = new Probe(request.action, request.resource, request.context);
  const scan = scanPolicies('identity', documents, probe, []);
  return scan.deny ? 'ExplicitDeny' : scan.allow ? 'Allow' : 'ImplicitDeny';
}
