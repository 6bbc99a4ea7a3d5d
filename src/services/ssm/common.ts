/**
 * What every SSM handler file shares: the service context, errors, page tokens, KMS encryption of
 * SecureString values, change events and the output shapes of parameters.
 */
import type { Parameter, ParameterMetadata } from '@aws-sdk/client-ssm';
import type { Scope } from '../../core/accounts.js';
import { AwsError } from '../../core/errors.js';
import { hasMembers, pageToken, readPageToken } from '../../core/pagination.js';
import type { RequestContext } from '../../protocol/types.js';
import type { Runtime } from '../contracts.js';
import type { Filterable } from './filters.js';
import { isReserved, nameKey, type ParameterReference, parameterArn, parseReference } from './names.js';
import { describePolicies } from './policies.js';
import { type PublicParameter, publicParameterArn } from './public.js';
import type { CurrentRow, SsmStore, VersionRow } from './store.js';

/** The service context every handler is given: made once per instance in index.ts. */
export interface SsmContext {
  store: SsmStore;
  rt: Runtime;
}

export function notFound(name: string): AwsError {
  return new AwsError('ParameterNotFound', `Parameter ${name} not found.`);
}

export function versionNotFound(version: number | string, name: string): AwsError {
  return new AwsError('ParameterVersionNotFound', `Systems Manager could not find version ${version} of ${name}. Verify the version and try again.`);
}

function invalidToken(): AwsError {
  return new AwsError('InvalidNextToken', "The specified token isn't valid.");
}

/** Opaque pagination tokens carry the last key (a name key, or a version number) returned. */
export function encodeToken(last: string | number): string {
  return pageToken({ after: last });
}

const afterName = hasMembers<{ after: string }>({ after: 'string' });
const afterVersion = hasMembers<{ after: number }>({ after: 'number' });

/** The name key a NextToken continues after; '' without a token. */
export function nameAfter(token: string | undefined): string {
  return token === undefined ? '' : readPageToken(token, afterName, invalidToken).after;
}

/** The version number a NextToken continues after; 0 without a token. */
export function versionAfter(token: string | undefined): number {
  return token === undefined ? 0 : readPageToken(token, afterVersion, invalidToken).after;
}

export function tagsOf(c: SsmContext, scope: Scope, key: string): Map<string, string> {
  return new Map(c.store.tags(scope.account, scope.region, key).map((t) => [t.tag_key, t.tag_value]));
}

export function filterable(c: SsmContext, scope: Scope, row: CurrentRow): Filterable {
  return { name: row.name, type: row.type, keyId: row.key_id, tier: row.tier, dataType: row.data_type, tags: tagsOf(c, scope, row.name_key) };
}

/**
 * Publishes a `Parameter Store Change` event. Called inside the change's transaction, so the
 * bus's durable deliveries are written (or rolled back) with the change itself.
 */
export function publishChange(c: SsmContext, scope: Scope, name: string, type: string, operation: string, extra: Record<string, unknown> = {}): void {
  c.rt.events.publish({
    source: 'aws.ssm',
    'detail-type': 'Parameter Store Change',
    account: scope.account,
    region: scope.region,
    resources: [parameterArn(scope.region, scope.account, name)],
    detail: { name, type, operation, ...extra },
  });
}

/** A parameter version as read operations answer it, SecureStrings still encrypted (see decryptValues). */
export function toParameter(scope: Scope, name: string, v: Pick<VersionRow, 'type' | 'value' | 'version' | 'modified_at' | 'data_type'>, selector?: string): Parameter {
  return {
    Name: name,
    Type: v.type as Parameter['Type'],
    Value: v.value,
    Version: v.version,
    Selector: selector,
    LastModifiedDate: new Date(v.modified_at),
    ARN: parameterArn(scope.region, scope.account, name),
    DataType: v.data_type,
  };
}

export function publicToParameter(region: string, p: PublicParameter, selector?: string): Parameter {
  return {
    Name: p.name,
    Type: 'String',
    Value: p.value,
    Version: p.version,
    Selector: selector,
    LastModifiedDate: new Date(p.modifiedAt),
    ARN: publicParameterArn(region, p.name),
    DataType: p.dataType,
  };
}

export function metadata(scope: Scope, row: CurrentRow): ParameterMetadata {
  return {
    Name: row.name,
    ARN: parameterArn(scope.region, scope.account, row.name),
    Type: row.type as ParameterMetadata['Type'],
    KeyId: row.key_id ?? undefined,
    LastModifiedDate: new Date(row.modified_at),
    LastModifiedUser: row.modified_by,
    Description: row.description ?? undefined,
    AllowedPattern: row.allowed_pattern ?? undefined,
    Version: row.version,
    Tier: row.tier as ParameterMetadata['Tier'],
    Policies: describePolicies(row.policies),
    DataType: row.data_type,
  };
}

/** Whether a reference (possibly an ARN) points into the caller's own account and region. */
export function ownReference(ctx: RequestContext, ref: ParameterReference): boolean {
  if (ref.arnRegion !== undefined && ref.arnRegion !== ctx.region) return false;
  return ref.arnAccount === undefined || ref.arnAccount === ctx.account || (ref.arnAccount === '' && isReserved(ref.name));
}

/** The parameter a write operation names (no selectors), or ParameterNotFound. */
export function existing(c: SsmContext, ctx: RequestContext, text: string) {
  const ref = parseReference(text);
  const param = ownReference(ctx, ref) && ref.selector === undefined ? c.store.parameter(ctx.account, ctx.region, nameKey(ref.name)) : undefined;
  if (!param) throw notFound(text);
  return param;
}
