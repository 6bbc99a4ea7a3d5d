/**
 * IAM's policy simulator: SimulatePrincipalPolicy (a user's, group's or role's policies, plus any
 * given) and SimulateCustomPolicy (only the given policies), and GetContextKeysForPrincipalPolicy /
 * GetContextKeysForCustomPolicy (the condition keys and policy variables those policies read, as
 * written, without duplicates), answered by the same evaluator that
 * authorizes requests (src/core/policy.ts): identity policies, permissions boundary, resource
 * policy, same-account and cross-account rules.
 *
 * What follows AWS: one EvaluationResult per action and resource (`*` without ResourceArns);
 * MatchedStatements name each statement's policy (inline policies by name, managed ones by name
 * with type aws-managed or user-managed, given policies as `PolicyInputList.N` /
 * `PermissionsBoundaryPolicyInputList.N` of type `IAM Policy`, the resource policy as
 * `ResourcePolicy`) and where it sits in the text (line and column from 1, the end just after the
 * statement's closing brace); MissingContextValues lists the condition keys and policy variables
 * that applicable statements read and ContextEntries did not give; PermissionsBoundaryDecisionDetail
 * says whether the boundary allowed. A given boundary replaces the entity's own. On an explicit deny
 * only the denying statements are listed. With ResourceArns each result also carries its one
 * ResourceSpecificResult, where the missing context keys go, and an empty EvalDecisionDetails
 * within one account.
 * Gaps: no Organizations SCPs (OrganizationsDecisionDetail); EvalDecisionDetails' summary of
 * cross-account decisions is left out; ResourceHandlingOption is accepted and ignored.
 */
import type * as Iam from '@aws-sdk/client-iam';
import { AwsError } from '../../core/errors.js';
import { type ContextValue, contextKeysFor, contextKeysOf, type EvaluationPrincipal, evaluate, type MatchedStatement } from '../../core/policy.js';
import { statementSpans } from '../../core/policy-positions.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { paginate, requireGroup, requireRole, requireUser, roleArn, userArn } from './common.js';
import type { CredentialContext } from './credential-store.js';
import { validatePolicyDocument } from './policy-document.js';
import { defaultDocument, findPolicy } from './policy-handlers.js';
import type { EntityType, IamStore } from './store.js';

/** One policy in a simulation, as MatchedStatements name it. */
interface SimulatedPolicy {
  id: string;
  type: string;
  document: string;
}

interface Simulation {
  principal: EvaluationPrincipal;
  identity: SimulatedPolicy[];
  boundary?: SimulatedPolicy;
}

/** What both operations take beyond their policies. */
type CommonInput = Pick<Iam.SimulateCustomPolicyRequest, 'ActionNames' | 'ResourceArns' | 'ResourcePolicy' | 'ResourceOwner' | 'CallerArn' | 'ContextEntries' | 'MaxItems' | 'Marker'>;

const invalidInput = (message: string): AwsError => new AwsError('InvalidInputException', message);

const ENTITY_ARN = /^arn:aws:iam::(\d{12}):(user|group|role)(\/(?:[^/]+\/)*)([^/]+)$/;

/** Policies given in the request, checked as IAM checks policies it stores. */
function givenPolicies(documents: string[] | undefined, list: string): SimulatedPolicy[] {
  return (documents ?? []).map((document, i) => {
    try {
      validatePolicyDocument(document, 'identity');
    } catch (error) {
      throw invalidInput(error instanceof AwsError ? error.message : 'Syntax errors in policy.');
    }
    return { id: `${list}.${i + 1}`, type: 'IAM Policy', document };
  });
}

/** The inline and attached policies of one user, group or role. */
function entityPolicies(store: IamStore, account: string, type: EntityType, name: string): SimulatedPolicy[] {
  const out: SimulatedPolicy[] = store.listInline(account, type, name).map((p) => ({ id: p.policy_name, type, document: p.document }));
  for (const attachment of store.attachedTo(account, type, name)) {
    const policy = findPolicy(store, account, attachment.policy_arn);
    if (policy) out.push({ id: policy.name, type: policy.awsManaged ? 'aws-managed' : 'user-managed', document: defaultDocument(store, account, policy) });
  }
  return out;
}

function boundaryOf(c: CredentialContext, account: string, kind: 'user' | 'role', name: string): SimulatedPolicy | undefined {
  const policyArn = c.credentials.boundary(account, kind, name);
  const policy = policyArn === undefined ? undefined : findPolicy(c.store, account, policyArn);
  return policy && { id: policy.name, type: policy.awsManaged ? 'aws-managed' : 'user-managed', document: defaultDocument(c.store, account, policy) };
}

/** The simulated caller: CallerArn (an IAM user's ARN) when given. */
function callerOf(callerArn: string | undefined): EvaluationPrincipal | undefined {
  if (callerArn === undefined) return undefined;
  const match = ENTITY_ARN.exec(callerArn);
  if (match?.[2] !== 'user') throw invalidInput(`Invalid CallerArn ${callerArn}: it must be the ARN of an IAM user.`);
  return { arn: callerArn, account: match[1]!, kind: 'user' };
}

/** The user, group or role PolicySourceArn names, with its identity policies (a user's groups' included). */
function policySource(c: CredentialContext, policySourceArn: string): { account: string; type: EntityType; name: string; identity: SimulatedPolicy[] } {
  const match = ENTITY_ARN.exec(policySourceArn);
  if (!match) throw invalidInput(`Invalid PolicySourceArn ${policySourceArn}: it must be the ARN of an IAM user, group or role.`);
  const [, account, type, , written] = match as unknown as [string, string, EntityType, string, string];
  const row = type === 'user' ? requireUser(c.store, account, written) : type === 'group' ? requireGroup(c.store, account, written) : requireRole(c.store, account, written);
  const identity = entityPolicies(c.store, account, type, row.name);
  if (type === 'user') for (const group of c.store.groupsOfUser(account, row.name)) identity.push(...entityPolicies(c.store, account, 'group', group.name));
  return { account, type, name: row.name, identity };
}

/** The entity PolicySourceArn names, its policies and boundary, and who the simulated caller is. */
function principalSimulation(c: CredentialContext, input: Iam.SimulatePrincipalPolicyRequest): Simulation {
  const { account, type, name, identity } = policySource(c, input.PolicySourceArn!);
  const caller = callerOf(input.CallerArn);
  if (input.ResourcePolicy !== undefined && !caller && type !== 'user')
    throw invalidInput('CallerArn is required when you include a ResourcePolicy and PolicySourceArn is not the ARN of an IAM user.');
  const all = [...identity, ...givenPolicies(input.PolicyInputList, 'PolicyInputList')];
  if (type === 'group') return { principal: caller ?? { arn: input.PolicySourceArn!, account, kind: 'user' }, identity: all };
  if (type === 'user') {
    const user = requireUser(c.store, account, name);
    return { principal: caller ?? { arn: userArn(user), account, kind: 'user' }, identity: all, boundary: boundaryOf(c, account, 'user', name) };
  }
  const arn = roleArn(requireRole(c.store, account, name));
  const session: EvaluationPrincipal = { arn: `arn:aws:sts::${account}:assumed-role/${name}/SimulatePrincipalPolicy`, account, kind: 'assumed-role', roleArn: arn };
  return { principal: caller ?? session, identity: all, boundary: boundaryOf(c, account, 'role', name) };
}

/** ContextEntries as evaluator context: list types (and several values) as lists. */
function contextOf(entries: Iam.ContextEntry[] | undefined): Record<string, ContextValue> {
  const context: Record<string, ContextValue> = {};
  for (const entry of entries ?? []) {
    if (!entry.ContextKeyName) continue;
    const values = entry.ContextKeyValues ?? [];
    context[entry.ContextKeyName] = entry.ContextKeyType?.endsWith('List') || values.length !== 1 ? values : values[0];
  }
  return context;
}

/** The account that owns a resource: ResourceOwner, else the ARN's account field, else the caller's. */
function ownerOf(resource: string, resourceOwner: string | undefined, fallback: string): string {
  const owner = resourceOwner === undefined ? undefined : (/^arn:aws:iam::(\d{12}):root$/.exec(resourceOwner)?.[1] ?? (/^\d{12}$/.test(resourceOwner) ? resourceOwner : undefined));
  if (resourceOwner !== undefined && owner === undefined) throw invalidInput(`Invalid ResourceOwner ${resourceOwner}: it must be an account's root ARN.`);
  return owner ?? /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(resource)?.[1] ?? fallback;
}

function statementOut(policy: SimulatedPolicy, statementIndex: number): Iam.Statement {
  const span = statementSpans(policy.document)[statementIndex];
  return {
    SourcePolicyId: policy.id,
    SourcePolicyType: policy.type as Iam.PolicySourceType,
    StartPosition: span && { Line: span.start.line, Column: span.start.column },
    EndPosition: span && { Line: span.end.line, Column: span.end.column },
  };
}

/** Whether the permissions boundary allowed: one of its statements allows and none denies. */
function boundaryAllowed(matched: MatchedStatement[]): boolean {
  const boundary = matched.filter((m) => m.source === 'boundary');
  return boundary.some((m) => m.effect === 'Allow') && !boundary.some((m) => m.effect === 'Deny');
}

const DECISIONS = { Allow: 'allowed', ExplicitDeny: 'explicitDeny', ImplicitDeny: 'implicitDeny' } as const;

/** Evaluates every action on every resource. */
function run(simulation: Simulation, input: CommonInput): Iam.SimulatePolicyResponse {
  const context = contextOf(input.ContextEntries);
  const given = new Set(Object.keys(context).map((k) => k.toLowerCase()));
  const resourcePolicy: SimulatedPolicy | undefined = input.ResourcePolicy === undefined ? undefined : { id: 'ResourcePolicy', type: 'resource', document: input.ResourcePolicy };
  const documents = [...simulation.identity, ...(simulation.boundary ? [simulation.boundary] : []), ...(resourcePolicy ? [resourcePolicy] : [])].map((p) => p.document);
  const results: Iam.EvaluationResult[] = [];
  const byResource = Boolean(input.ResourceArns?.length);
  for (const action of input.ActionNames ?? []) {
    for (const resource of byResource ? input.ResourceArns! : ['*']) {
      const account = ownerOf(resource, input.ResourceOwner, simulation.principal.account);
      const result = evaluate({
        principal: simulation.principal,
        action,
        resource,
        context,
        identityPolicies: simulation.identity.map((p) => p.document),
        permissionsBoundary: simulation.boundary?.document,
        resourcePolicy: resourcePolicy && { document: resourcePolicy.document, account },
        resourceAccount: account,
      });
      const policyOf = (m: MatchedStatement): SimulatedPolicy | undefined =>
        m.source === 'identity' ? simulation.identity[m.policyIndex] : m.source === 'boundary' ? simulation.boundary : m.source === 'resource' ? resourcePolicy : undefined;
      // On an explicit deny AWS lists only the denying statements.
      const decisive = result.decision === 'ExplicitDeny' ? result.matched.filter((m) => m.effect === 'Deny') : result.matched;
      const matched = decisive.flatMap((m) => {
        const policy = policyOf(m);
        return policy ? [statementOut(policy, m.statementIndex)] : [];
      });
      const missing = contextKeysFor(documents, action, resource).filter((key) => !given.has(key.toLowerCase()));
      const boundaryDetail = simulation.boundary ? { AllowedByPermissionsBoundary: boundaryAllowed(result.matched) } : undefined;
      const decision = DECISIONS[result.decision];
      results.push({
        EvalActionName: action,
        EvalResourceName: resource,
        EvalDecision: decision,
        MatchedStatements: matched,
        PermissionsBoundaryDecisionDetail: boundaryDetail,
        // With ResourceArns, AWS reports missing keys per resource; with `*`, on the result.
        ...(byResource
          ? {
              MissingContextValues: [],
              ResourceSpecificResults: [
                { EvalResourceName: resource, EvalResourceDecision: decision, MatchedStatements: matched, MissingContextValues: missing, PermissionsBoundaryDecisionDetail: boundaryDetail },
              ],
              // Present (empty) within one account; AWS's per-policy-type summary of cross-account decisions is not modelled.
              EvalDecisionDetails: account === simulation.principal.account ? {} : undefined,
            }
          : { MissingContextValues: missing }),
      });
    }
  }
  const page = paginate(
    results.map((r, i) => ({ r, key: String(i).padStart(8, '0') })),
    (item) => item.key,
    input,
  );
  return { EvaluationResults: page.items.map((item) => item.r), IsTruncated: page.IsTruncated, Marker: page.Marker };
}

export function simulationHandlers(c: CredentialContext): Handlers {
  return {
    SimulatePrincipalPolicy(input: Iam.SimulatePrincipalPolicyRequest): Iam.SimulatePolicyResponse {
      const simulation = principalSimulation(c, input);
      if (input.PermissionsBoundaryPolicyInputList?.length) simulation.boundary = singleBoundary(input.PermissionsBoundaryPolicyInputList);
      if (input.ResourcePolicy !== undefined) checkResourcePolicy(input.ResourcePolicy);
      return run(simulation, input);
    },
    GetContextKeysForPrincipalPolicy(input: Iam.GetContextKeysForPrincipalPolicyRequest): Iam.GetContextKeysForPolicyResponse {
      const { identity } = policySource(c, input.PolicySourceArn!);
      const given = givenPolicies(input.PolicyInputList, 'PolicyInputList');
      return { ContextKeyNames: contextKeysOf([...identity, ...given].map((p) => p.document)) };
    },
    GetContextKeysForCustomPolicy(input: Iam.GetContextKeysForCustomPolicyRequest): Iam.GetContextKeysForPolicyResponse {
      return { ContextKeyNames: contextKeysOf(givenPolicies(input.PolicyInputList, 'PolicyInputList').map((p) => p.document)) };
    },
    SimulateCustomPolicy(input: Iam.SimulateCustomPolicyRequest, ctx: RequestContext): Iam.SimulatePolicyResponse {
      const identity = givenPolicies(input.PolicyInputList, 'PolicyInputList');
      const caller = callerOf(input.CallerArn);
      if (input.ResourcePolicy !== undefined) {
        if (!caller) throw invalidInput('CallerArn is required when you include a ResourcePolicy.');
        checkResourcePolicy(input.ResourcePolicy);
      }
      const boundary = input.PermissionsBoundaryPolicyInputList?.length ? singleBoundary(input.PermissionsBoundaryPolicyInputList) : undefined;
      const principal = caller ?? { arn: `arn:aws:iam::${ctx.account}:user/SimulateCustomPolicy`, account: ctx.account, kind: 'user' };
      return run({ principal, identity, boundary }, input);
    },
  };
}

/** IAM takes one permissions boundary per simulation. */
function singleBoundary(documents: string[]): SimulatedPolicy {
  if (documents.length > 1) throw invalidInput('PermissionsBoundaryPolicyInputList can hold only one policy.');
  return givenPolicies(documents, 'PermissionsBoundaryPolicyInputList')[0]!;
}

function checkResourcePolicy(document: string): void {
  try {
    JSON.parse(document);
  } catch {
    throw invalidInput('Syntax errors in policy.');
  }
}
