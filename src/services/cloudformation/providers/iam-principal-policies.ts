/**
 * What AWS::IAM::Role, User and Group share: inline `Policies` and `ManagedPolicyArns`, applied
 * with the Put/Delete<Kind>Policy and Attach/Detach<Kind>Policy operations of the principal's kind,
 * and the generated names and tag diffs the three use.
 */
import { jsonDocumentProp, listOfObjectsProp, requiredStringProp, sameValue, stringListProp, unlessGone } from './foundation-helpers.js';
import type { Properties, ProviderContext } from './types.js';

export type PrincipalKind = 'Role' | 'User' | 'Group';

interface InlinePolicy {
  name: string;
  document: string;
}

function inlinePolicies(props: Properties): InlinePolicy[] {
  return (listOfObjectsProp(props, 'Policies') ?? []).map((policy) => ({
    name: requiredStringProp(policy, 'PolicyName'),
    document: jsonDocumentProp(policy, 'PolicyDocument') ?? requiredStringProp(policy, 'PolicyDocument'),
  }));
}

/** The member that names the principal in its kind's operations (`RoleName`, `UserName`, `GroupName`). */
export const nameMember = (kind: PrincipalKind) => `${kind}Name`;

export async function putInlinePolicy(ctx: ProviderContext, kind: PrincipalKind, principal: string, policyName: string, document: string): Promise<void> {
  await ctx.invoke({ service: 'iam', operation: `Put${kind}Policy`, input: { [nameMember(kind)]: principal, PolicyName: policyName, PolicyDocument: document } });
}

/** Deletes an inline policy; one already gone (or whose principal is gone) counts as deleted. */
export async function deleteInlinePolicy(ctx: ProviderContext, kind: PrincipalKind, principal: string, policyName: string): Promise<void> {
  await unlessGone(() => ctx.invoke({ service: 'iam', operation: `Delete${kind}Policy`, input: { [nameMember(kind)]: principal, PolicyName: policyName } }), 'NoSuchEntityException');
}

async function attach(ctx: ProviderContext, kind: PrincipalKind, principal: string, policyArn: string): Promise<void> {
  await ctx.invoke({ service: 'iam', operation: `Attach${kind}Policy`, input: { [nameMember(kind)]: principal, PolicyArn: policyArn } });
}

async function detach(ctx: ProviderContext, kind: PrincipalKind, principal: string, policyArn: string): Promise<void> {
  await unlessGone(() => ctx.invoke({ service: 'iam', operation: `Detach${kind}Policy`, input: { [nameMember(kind)]: principal, PolicyArn: policyArn } }), 'NoSuchEntityException');
}

/** Makes the principal's inline and managed policies those of `after` (everything `before` had and `after` lacks is removed). */
export async function syncPolicies(ctx: ProviderContext, kind: PrincipalKind, principal: string, before: Properties, after: Properties): Promise<void> {
  const previous = new Map(inlinePolicies(before).map((policy) => [policy.name, policy.document]));
  const next = inlinePolicies(after);
  for (const policy of next) {
    if (!sameValue(previous.get(policy.name), policy.document)) await putInlinePolicy(ctx, kind, principal, policy.name, policy.document);
  }
  const kept = new Set(next.map((policy) => policy.name));
  for (const name of previous.keys()) if (!kept.has(name)) await deleteInlinePolicy(ctx, kind, principal, name);

  const attached = new Set(stringListProp(before, 'ManagedPolicyArns') ?? []);
  const wanted = new Set(stringListProp(after, 'ManagedPolicyArns') ?? []);
  for (const arn of wanted) if (!attached.has(arn)) await attach(ctx, kind, principal, arn);
  for (const arn of attached) if (!wanted.has(arn)) await detach(ctx, kind, principal, arn);
}

/** Removes every inline and attached policy, as the principal must be bare before IAM deletes it (including those added outside the stack). */
export async function removeAllPolicies(ctx: ProviderContext, kind: PrincipalKind, principal: string): Promise<void> {
  const name = { [nameMember(kind)]: principal };
  const inline = (await unlessGone(() => ctx.invoke({ service: 'iam', operation: `List${kind}Policies`, input: name }), 'NoSuchEntityException')) as { PolicyNames?: string[] } | undefined;
  for (const policyName of inline?.PolicyNames ?? []) await deleteInlinePolicy(ctx, kind, principal, policyName);
  const managed = (await unlessGone(() => ctx.invoke({ service: 'iam', operation: `ListAttached${kind}Policies`, input: name }), 'NoSuchEntityException')) as
    | { AttachedPolicies?: { PolicyArn?: string }[] }
    | undefined;
  for (const policy of managed?.AttachedPolicies ?? []) if (policy.PolicyArn) await detach(ctx, kind, principal, policy.PolicyArn);
}

/** The principal's inline policies and managed policy ARNs now, in the template's shape (for drift). */
export async function readPolicies(ctx: ProviderContext, kind: PrincipalKind, principal: string): Promise<Properties> {
  const name = { [nameMember(kind)]: principal };
  const actual: Properties = {};
  const inline = (await ctx.invoke({ service: 'iam', operation: `List${kind}Policies`, input: name })) as { PolicyNames?: string[] };
  const policies: Properties[] = [];
  for (const policyName of inline.PolicyNames ?? []) {
    const policy = (await ctx.invoke({ service: 'iam', operation: `Get${kind}Policy`, input: { ...name, PolicyName: policyName } })) as { PolicyDocument?: string };
    policies.push({ PolicyName: policyName, PolicyDocument: JSON.parse(decodeURIComponent(policy.PolicyDocument ?? '{}')) as unknown });
  }
  if (policies.length) actual.Policies = policies;
  const managed = (await ctx.invoke({ service: 'iam', operation: `ListAttached${kind}Policies`, input: name })) as { AttachedPolicies?: { PolicyArn?: string }[] };
  if (managed.AttachedPolicies?.length) actual.ManagedPolicyArns = managed.AttachedPolicies.map((policy) => policy.PolicyArn);
  return actual;
}
