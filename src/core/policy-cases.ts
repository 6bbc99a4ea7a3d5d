/**
 * Shared fixtures for the policy evaluation tests (policy-evaluation-*.test.ts): principals, policy
 * builders, the expected decisions and the check that a case's decision and denial message are AWS's.
 */
import { expect } from 'vitest';
import { type ContextValue, type Decision, denialMessage, type EvaluationPrincipal, evaluate, type PolicySource } from './policy.js';
export const ACCT = '111122223333';
export const OTHER = '444455556666';

export const user = (name: string, account = ACCT): EvaluationPrincipal => ({ arn: `arn:aws:iam::${account}:user/${name}`, account, kind: 'user' });
export const root = (account = ACCT): EvaluationPrincipal => ({ arn: `arn:aws:iam::${account}:root`, account, kind: 'root' });
export const session = (role: string, name: string, account = ACCT): EvaluationPrincipal => ({
  arn: `arn:aws:sts::${account}:assumed-role/${role}/${name}`,
  account,
  kind: 'assumed-role',
  roleArn: `arn:aws:iam::${account}:role/${role}`,
});
export const service = (name: string): EvaluationPrincipal => ({ arn: name, account: ACCT, kind: 'service', servicePrincipal: name });
export const federated = (provider: string): EvaluationPrincipal => ({ arn: provider, account: ACCT, kind: 'federated', federatedProvider: provider });
export const anonymous: EvaluationPrincipal = { arn: '*', account: '', kind: 'anonymous' };

export type Statement = Record<string, unknown>;
export const policy = (...statements: Statement[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });
export const allow = (Action: string | string[], Resource: string | string[] = '*', extra: Statement = {}): Statement => ({ Effect: 'Allow', Action, Resource, ...extra });
export const deny = (Action: string | string[], Resource: string | string[] = '*', extra: Statement = {}): Statement => ({ Effect: 'Deny', Action, Resource, ...extra });
export const grant = (Principal: unknown, Action: string | string[], Resource?: string | string[], extra: Statement = {}): Statement => ({
  Effect: 'Allow',
  Principal,
  Action,
  ...(Resource === undefined ? {} : { Resource }),
  ...extra,
});
export const refuse = (Principal: unknown, Action: string | string[], Resource?: string | string[], extra: Statement = {}): Statement => ({
  ...grant(Principal, Action, Resource, extra),
  Effect: 'Deny',
});
export const aws = (...arns: string[]): { AWS: string | string[] } => ({ AWS: arns.length === 1 ? arns[0] : arns });

export type Expected = { decision: 'Allow' } | { decision: Exclude<Decision, 'Allow'>; deniedBy: PolicySource };
export const ALLOW: Expected = { decision: 'Allow' };
export const explicit = (deniedBy: PolicySource): Expected => ({ decision: 'ExplicitDeny', deniedBy });
export const implicit = (deniedBy: PolicySource): Expected => ({ decision: 'ImplicitDeny', deniedBy });

/** The reason AWS gives for each denial, written out as AWS words it. */
export const EXPLICIT_REASON: Record<PolicySource, string> = {
  identity: 'with an explicit deny in an identity-based policy',
  resource: 'with an explicit deny in a resource-based policy',
  boundary: 'with an explicit deny in a permissions boundary',
  session: 'with an explicit deny in a session policy',
  scp: 'with an explicit deny in a service control policy',
};
export const IMPLICIT_REASON: Record<PolicySource, (action: string) => string> = {
  identity: (action) => `because no identity-based policy allows the ${action} action`,
  resource: (action) => `because no resource-based policy allows the ${action} action`,
  boundary: (action) => `because no permissions boundary allows the ${action} action`,
  session: (action) => `because no session policy allows the ${action} action`,
  scp: (action) => `because no service control policy allows the ${action} action`,
};

export interface Case {
  name: string;
  principal: EvaluationPrincipal;
  action: string;
  resource: string;
  context?: Record<string, ContextValue>;
  identity?: string[];
  resourcePolicy?: string;
  /** The account that owns the resource (the resource policy's too); defaults to the principal's. */
  resourceAccount?: string;
  boundary?: string;
  session?: string[];
  scps?: string[];
  required?: boolean;
  expect: Expected;
}

export function run(c: Case) {
  const account = c.resourceAccount ?? c.principal.account;
  return evaluate({
    principal: c.principal,
    action: c.action,
    resource: c.resource,
    context: c.context ?? {},
    identityPolicies: c.identity ?? [],
    resourcePolicy: c.resourcePolicy === undefined ? undefined : { document: c.resourcePolicy, account },
    resourceAccount: account,
    permissionsBoundary: c.boundary,
    sessionPolicies: c.session,
    serviceControlPolicies: c.scps,
    resourcePolicyRequired: c.required,
  });
}

export function check(c: Case): void {
  const result = run(c);
  expect({ decision: result.decision, deniedBy: result.deniedBy }).toEqual({ deniedBy: undefined, ...c.expect });
  if (c.expect.decision === 'Allow') return;
  const who = c.principal.arn === '*' ? 'anonymous' : c.principal.arn;
  const on = c.resource === '*' ? '' : ` on resource: ${c.resource}`;
  const reason = c.expect.decision === 'ExplicitDeny' ? EXPLICIT_REASON[c.expect.deniedBy] : IMPLICIT_REASON[c.expect.deniedBy](c.action);
  expect(denialMessage(c.principal.arn, c.action, c.resource, result)).toBe(`User: ${who} is not authorized to perform: ${c.action}${on} ${reason}`);
}

// Resources and policies several files share.
export const ADMIN = policy(allow('*'));
export const BUCKET = 'arn:aws:s3:::amzn-s3-demo-bucket';
export const OBJECT = `${BUCKET}/photo.jpg`;
export const KEY = `arn:aws:kms:us-east-1:${ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
