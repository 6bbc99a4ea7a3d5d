/**
 * CodeBuild resource policies (Put/Get/DeleteResourcePolicy): JSON policies attached to a
 * project, validated and stored. They matter to AWS for cross-account sharing through RAM, which
 * Drydock does not emulate, so they are recorded and returned, not evaluated.
 */
import type * as CB from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import type { CodeBuildContext } from '../common.js';
import { invalid, scopeOf } from './common.js';

const notFound = (resourceArn: string) => new AwsError('ResourceNotFoundException', `Resource cannot be found: ${resourceArn}`);

/** Checks the policy is an IAM-style resource policy: a JSON object with statements that each have an Effect, a Principal and an Action. */
function checkPolicy(text: string): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalid('the resource policy is not valid JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid('the resource policy must be a JSON object');
  const policy = doc as { Version?: unknown; Statement?: unknown };
  if (policy.Version !== undefined && policy.Version !== '2012-10-17' && policy.Version !== '2008-10-17') {
    throw invalid(`the resource policy Version ${JSON.stringify(policy.Version)} is not 2012-10-17 or 2008-10-17`);
  }
  const statements = Array.isArray(policy.Statement) ? policy.Statement : policy.Statement === undefined ? [] : [policy.Statement];
  if (statements.length === 0) throw invalid('the resource policy needs at least one Statement');
  for (const entry of statements) {
    if (typeof entry !== 'object' || entry === null) throw invalid('every Statement of the resource policy must be an object');
    const s = entry as Record<string, unknown>;
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw invalid('every Statement needs an Effect of Allow or Deny');
    if (s.Principal === undefined && s.NotPrincipal === undefined) throw invalid('every Statement of a resource policy needs a Principal');
    if (s.Action === undefined && s.NotAction === undefined) throw invalid('every Statement needs an Action');
  }
}

/** Whether a resource ARN names something a policy can be attached to in the scope: a project or a report group. */
function resourceExists(c: CodeBuildContext, scope: Scope, resourceArn: string): boolean {
  if (!resourceArn.startsWith('arn:')) return false;
  if (c.stores.projects.row(scope, resourceArn)) return true;
  const group = c.stores.reports.groupByArn(resourceArn);
  return group !== undefined && group.account === scope.account && group.region === scope.region;
}

export function PutResourcePolicy(c: CodeBuildContext, input: CB.PutResourcePolicyInput, ctx: RequestContext): CB.PutResourcePolicyOutput {
  const scope = scopeOf(ctx);
  if (!resourceExists(c, scope, input.resourceArn!)) throw notFound(input.resourceArn!);
  checkPolicy(input.policy!);
  c.stores.projects.tx(() => c.stores.projects.putResourcePolicy(scope, input.resourceArn!, input.policy!));
  return { resourceArn: input.resourceArn };
}

export function GetResourcePolicy(c: CodeBuildContext, input: CB.GetResourcePolicyInput, ctx: RequestContext): CB.GetResourcePolicyOutput {
  const scope = scopeOf(ctx);
  if (!resourceExists(c, scope, input.resourceArn!)) throw notFound(input.resourceArn!);
  const policy = c.stores.projects.resourcePolicy(scope, input.resourceArn!);
  if (policy === undefined) throw new AwsError('ResourceNotFoundException', `Resource policy cannot be found for ${input.resourceArn}`);
  return { policy };
}

export function DeleteResourcePolicy(c: CodeBuildContext, input: CB.DeleteResourcePolicyInput, ctx: RequestContext): CB.DeleteResourcePolicyOutput {
  // AWS answers success whether or not a policy (or the resource) exists.
  c.stores.projects.tx(() => c.stores.projects.deleteResourcePolicy(scopeOf(ctx), input.resourceArn!));
  return {};
}

/** The operations of this file, each taking the context first (bound in index.ts). */
export const resourcePolicyOperations = { PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy };
