/**
 * CloudWatch Logs resource policies (Put/Describe/DeleteResourcePolicy): account-level policies by
 * name (at most 10 per account and Region, as AWS allows) and log-group-level ones by the group's
 * ARN. They are evaluated: the authorization step reads them (index.ts, `resourcePolicy`) for every
 * request on a log group or stream, so a service principal they allow may write a group's logs.
 */
import type {
  DeleteResourcePolicyRequest,
  DescribeResourcePoliciesRequest,
  DescribeResourcePoliciesResponse,
  PutResourcePolicyRequest,
  PutResourcePolicyResponse,
  ResourcePolicy,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Scope } from '../../../core/accounts.js';
import { parseArn } from '../../../core/arn.js';
import { AwsError } from '../../../core/errors.js';
import { hex } from '../../../core/ids.js';
import { pageToken } from '../../../core/pagination.js';
import type { RequestContext } from '../../../protocol/types.js';
import { groupArn, groupByIdentifier, invalid, type LogsContext, limitExceeded, scopeOf } from '../common.js';
import type { PolicyRow } from '../store-resources.js';
import { readNextToken } from '../tokens.js';

const MAX_ACCOUNT_POLICIES = 10;
const DEFAULT_DESCRIBE_POLICIES = 50;

/** Checks the document is a resource policy: a JSON object whose statements each have an Effect, a Principal and an Action. */
function checkPolicy(text: string): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalid('Policy document is not valid JSON.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid('Policy document must be a JSON object.');
  const statement = (doc as { Statement?: unknown }).Statement;
  const statements = Array.isArray(statement) ? statement : statement === undefined ? [] : [statement];
  if (statements.length === 0) throw invalid('Policy document must contain at least one Statement.');
  for (const entry of statements) {
    const s = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw invalid('Each policy Statement must have an Effect of Allow or Deny.');
    if (s.Principal === undefined && s.NotPrincipal === undefined) throw invalid('Each policy Statement must have a Principal.');
    if (s.Action === undefined && s.NotAction === undefined) throw invalid('Each policy Statement must have an Action.');
  }
}

/** The log group a policy's resourceArn names, as its canonical ARN (policies attach to log groups only). */
function policyGroupArn(c: LogsContext, scope: Scope, resourceArn: string): string {
  const parts = parseArn(resourceArn);
  if (parts?.service !== 'logs' || !parts.resource.startsWith('log-group:')) throw invalid(`Invalid resourceArn: only log group ARNs can have a resource policy.`);
  return groupArn(groupByIdentifier(c, scope, resourceArn.replace(/:\*$/, '')));
}

function toResourcePolicy(row: PolicyRow): ResourcePolicy {
  return {
    ...(row.name !== null ? { policyName: row.name } : {}),
    policyDocument: row.document,
    lastUpdatedTime: row.updated_at,
    policyScope: row.policy_scope,
    ...(row.resource_arn !== null ? { resourceArn: row.resource_arn } : {}),
    revisionId: row.revision_id,
  };
}

function checkRevision(row: PolicyRow | undefined, expected: string | undefined): void {
  if (expected !== undefined && row?.revision_id !== expected) {
    throw new AwsError('OperationAbortedException', "The expected revision ID does not match the policy's current revision ID.");
  }
}

export function putResourcePolicy(c: LogsContext, input: PutResourcePolicyRequest, ctx: RequestContext): PutResourcePolicyResponse {
  const scope = scopeOf(ctx);
  if (input.policyDocument === undefined) throw invalid('policyDocument is required.');
  if (input.resourceArn === undefined && input.policyName === undefined) throw invalid('policyName is required for an account-level resource policy.');
  checkPolicy(input.policyDocument);
  return c.resources.tx(() => {
    const resourceArn = input.resourceArn === undefined ? undefined : policyGroupArn(c, scope, input.resourceArn);
    const key = resourceArn ?? input.policyName!;
    const current = c.resources.policy(scope, key);
    checkRevision(current, input.expectedRevisionId);
    if (!current && !resourceArn && c.resources.countPolicies(scope, 'ACCOUNT') >= MAX_ACCOUNT_POLICIES) throw limitExceeded();
    const row: PolicyRow = {
      account: scope.account,
      region: scope.region,
      scope_key: key,
      name: input.policyName ?? null,
      resource_arn: resourceArn ?? null,
      policy_scope: resourceArn ? 'RESOURCE' : 'ACCOUNT',
      document: input.policyDocument!,
      updated_at: c.rt.clock.now(),
      revision_id: hex(16),
    };
    c.resources.putPolicy(row);
    return { resourcePolicy: toResourcePolicy(row), revisionId: row.revision_id };
  });
}

export function describeResourcePolicies(c: LogsContext, input: DescribeResourcePoliciesRequest, ctx: RequestContext): DescribeResourcePoliciesResponse {
  const scope = scopeOf(ctx);
  const resourceArn = input.resourceArn === undefined ? undefined : policyGroupArn(c, scope, input.resourceArn);
  let rows = c.resources.policies(scope);
  if (resourceArn !== undefined) rows = rows.filter((row) => row.resource_arn === resourceArn);
  if (input.policyScope !== undefined) rows = rows.filter((row) => row.policy_scope === input.policyScope);
  const limit = input.limit ?? DEFAULT_DESCRIBE_POLICIES;
  const offset = input.nextToken !== undefined ? readNextToken<{ o: number }>(input.nextToken, { o: 'number' }).o : 0;
  const page = rows.slice(offset, offset + limit);
  return {
    resourcePolicies: page.map(toResourcePolicy),
    ...(offset + page.length < rows.length ? { nextToken: pageToken({ o: offset + page.length }) } : {}),
  };
}

export function deleteResourcePolicy(c: LogsContext, input: DeleteResourcePolicyRequest, ctx: RequestContext): void {
  const scope = scopeOf(ctx);
  c.resources.tx(() => {
    if (input.resourceArn === undefined && input.policyName === undefined) throw invalid('Either policyName or resourceArn must be specified.');
    const key = input.resourceArn !== undefined ? policyGroupArn(c, scope, input.resourceArn) : input.policyName!;
    const current = c.resources.policy(scope, key);
    if (!current) throw new AwsError('ResourceNotFoundException', input.resourceArn !== undefined ? `No resource policy found for resource ${key}` : `Policy with name [${key}] does not exist`);
    checkRevision(current, input.expectedRevisionId);
    c.resources.deletePolicy(scope, key);
  });
}

/**
 * The policy the authorization step evaluates for a log group (or stream) ARN: the account's
 * account-level policies and the group's own, as one document; none when there is neither.
 */
export function effectivePolicy(c: LogsContext, scope: Scope, groupArnText: string): string | undefined {
  const rows = c.resources.policies(scope).filter((row) => row.policy_scope === 'ACCOUNT' || row.resource_arn === groupArnText);
  if (!rows.length) return undefined;
  const statements = rows.flatMap((row) => {
    const statement = (JSON.parse(row.document) as { Statement: unknown }).Statement;
    return Array.isArray(statement) ? statement : [statement];
  });
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}
