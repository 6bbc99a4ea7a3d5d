/**
 * Resource-based policies: AddPermission writes the statement AWS writes (principal as
 * `{"Service": …}`, `{"AWS": …}` or `*`; SourceArn, SourceAccount, EventSourceToken, PrincipalOrgID
 * and FunctionUrlAuthType as conditions), per function and qualifier; RemovePermission and
 * GetPolicy read and change it. The authorization step reads it through `resourcePolicy(arn)`, so
 * S3, SNS and EventBridge invoking as service principals are allowed exactly what it grants.
 */
import type { AddPermissionRequest, AddPermissionResponse, GetPolicyRequest, GetPolicyResponse, RemovePermissionRequest } from '@aws-sdk/client-lambda';
import { parseArn } from '../../core/arn.js';
import type { RequestContext } from '../../protocol/types.js';
import type { ResourcePolicy } from '../authorization.js';
import { conflict, functionArn, LATEST, type LambdaContext, notFound, revisionMismatch } from './common.js';
import { readConfig, resolveFunction } from './resolve.js';

interface PolicyDocument {
  Version: string;
  Id: string;
  Statement: Record<string, unknown>[];
}

function principalOf(principal: string): unknown {
  if (principal === '*') return '*';
  if (/^\d{12}$/.test(principal)) return { AWS: `arn:aws:iam::${principal}:root` };
  if (principal.startsWith('arn:')) return { AWS: principal };
  return { Service: principal };
}

function statementOf(input: AddPermissionRequest, resource: string): Record<string, unknown> {
  const stringEquals: Record<string, string> = {};
  if (input.SourceAccount) stringEquals['AWS:SourceAccount'] = input.SourceAccount;
  if (input.EventSourceToken) stringEquals['lambda:EventSourceToken'] = input.EventSourceToken;
  if (input.PrincipalOrgID) stringEquals['aws:PrincipalOrgID'] = input.PrincipalOrgID;
  if (input.FunctionUrlAuthType) stringEquals['lambda:FunctionUrlAuthType'] = input.FunctionUrlAuthType;
  const condition: Record<string, Record<string, string>> = {};
  if (Object.keys(stringEquals).length) condition.StringEquals = stringEquals;
  if (input.SourceArn) condition.ArnLike = { 'AWS:SourceArn': input.SourceArn };
  return {
    Sid: input.StatementId,
    Effect: 'Allow',
    Principal: principalOf(input.Principal!),
    Action: input.Action,
    Resource: resource,
    ...(Object.keys(condition).length ? { Condition: condition } : {}),
  };
}

/** The policy key a request names: '' for the unqualified function, else its version or alias. */
function policyTarget(c: LambdaContext, functionName: string, qualifier: string | undefined, ctx: RequestContext) {
  const resolved = resolveFunction(c, functionName, qualifier, ctx);
  const key = resolved.ref.qualifier ?? '';
  return { ...resolved, key, resource: functionArn(resolved.ref, resolved.fn.name, key || undefined) };
}

function readPolicy(c: LambdaContext, scope: { account: string; region: string }, name: string, key: string): PolicyDocument | undefined {
  const text = c.store.getPolicy(scope, name, key);
  return text ? (JSON.parse(text) as PolicyDocument) : undefined;
}

export function addPermission(c: LambdaContext, input: AddPermissionRequest, ctx: RequestContext): AddPermissionResponse {
  return c.store.tx(() => {
    const target = policyTarget(c, input.FunctionName!, input.Qualifier, ctx);
    if (input.RevisionId !== undefined && input.RevisionId !== readConfig(target.version).RevisionId) throw revisionMismatch('GetPolicy');
    const policy = readPolicy(c, target.ref, target.fn.name, target.key) ?? { Version: '2012-10-17', Id: 'default', Statement: [] };
    if (policy.Statement.some((s) => s.Sid === input.StatementId)) {
      throw conflict(`The statement id (${input.StatementId}) provided already exists. Please provide a new statement id, or remove the existing statement.`);
    }
    const statement = statementOf(input, target.resource);
    policy.Statement.push(statement);
    c.store.putPolicy(target.ref, target.fn.name, target.key, JSON.stringify(policy));
    return { Statement: JSON.stringify(statement) };
  });
}

export function removePermission(c: LambdaContext, input: RemovePermissionRequest, ctx: RequestContext): Record<string, never> {
  c.store.tx(() => {
    const target = policyTarget(c, input.FunctionName!, input.Qualifier, ctx);
    if (input.RevisionId !== undefined && input.RevisionId !== readConfig(target.version).RevisionId) throw revisionMismatch('GetPolicy');
    const policy = readPolicy(c, target.ref, target.fn.name, target.key);
    const kept = policy?.Statement.filter((s) => s.Sid !== input.StatementId);
    if (!policy || !kept || kept.length === policy.Statement.length) throw notFound(`Statement ${input.StatementId} is not found in resource policy.`);
    c.store.putPolicy(target.ref, target.fn.name, target.key, kept.length ? JSON.stringify({ ...policy, Statement: kept }) : undefined);
  });
  return {};
}

export function getPolicy(c: LambdaContext, input: GetPolicyRequest, ctx: RequestContext): GetPolicyResponse {
  const target = policyTarget(c, input.FunctionName!, input.Qualifier, ctx);
  const text = c.store.getPolicy(target.ref, target.fn.name, target.key);
  if (!text) throw notFound('The resource you requested does not exist.');
  return { Policy: text, RevisionId: readConfig(target.version).RevisionId };
}

/** The policy of the function, version or alias a Lambda ARN names, for the authorization step. */
export function functionResourcePolicy(c: LambdaContext, resourceArn: string): ResourcePolicy | undefined {
  const parts = parseArn(resourceArn);
  if (parts?.service !== 'lambda') return undefined;
  const m = /^function:([^:]+)(?::(.+))?$/.exec(parts.resource);
  if (!m) return undefined;
  const scope = { account: parts.account, region: parts.region };
  const key = m[2] === undefined ? '' : m[2];
  const text = c.store.getPolicy(scope, m[1], key) ?? (key === LATEST ? c.store.getPolicy(scope, m[1], '') : undefined);
  return text ? { document: text, account: parts.account } : undefined;
}
