/**
 * What every ECR handler file shares: the service context, ECR's errors in its own words, the
 * repository lookup and the repository's output shape.
 */
import type { Repository } from '@aws-sdk/client-ecr';
import { arn, partitionOf } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import type { Runtime } from '../contracts.js';
import type { EcrStore, RepositoryRow } from './store.js';

/** The service context every handler is given: made once per instance in index.ts. */
export interface EcrContext {
  store: EcrStore;
  rt: Runtime;
}

/** ECR's message for any parameter that breaks a constraint: `Invalid parameter at '<name>' failed to satisfy constraint: '<constraint>'`. */
export function invalidParameter(parameter: string, constraint: string): AwsError {
  return new AwsError('InvalidParameterException', `Invalid parameter at '${parameter}' failed to satisfy constraint: '${constraint}'`);
}

export function repositoryNotFound(name: string, registryId: string): AwsError {
  return new AwsError('RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${registryId}'`);
}

/** The registry a request names: its registryId, else the caller's account's. */
export function registryOf(input: { registryId?: string }, ctx: RequestContext): string {
  return input.registryId ?? ctx.account;
}

/**
 * The repository a request names, or RepositoryNotFoundException. A registryId of another account
 * finds nothing: cross-account repositories are not served (see the Gaps).
 */
export function existingRepository(c: EcrContext, input: { registryId?: string; repositoryName?: string }, ctx: RequestContext): RepositoryRow {
  const registryId = registryOf(input, ctx);
  const name = input.repositoryName ?? '';
  const row = registryId === ctx.account ? c.store.repository(ctx.account, ctx.region, name) : undefined;
  if (!row) throw repositoryNotFound(name, registryId);
  return row;
}

export function repositoryArn(row: Pick<RepositoryRow, 'account' | 'region' | 'name'>): string {
  return arn('ecr', row.region, row.account, `repository/${row.name}`);
}

/** The registry's host name, as AWS names it (`<account>.dkr.ecr.<region>.amazonaws.com`). */
export function registryHost(account: string, region: string): string {
  const suffix = partitionOf(region) === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `${account}.dkr.ecr.${region}.${suffix}`;
}

export function toRepository(row: RepositoryRow): Repository {
  const exclusions = JSON.parse(row.mutability_exclusions) as Repository['imageTagMutabilityExclusionFilters'];
  return {
    repositoryArn: repositoryArn(row),
    registryId: row.account,
    repositoryName: row.name,
    repositoryUri: `${registryHost(row.account, row.region)}/${row.name}`,
    createdAt: new Date(row.created_at),
    imageTagMutability: row.image_tag_mutability as Repository['imageTagMutability'],
    imageTagMutabilityExclusionFilters: exclusions?.length ? exclusions : undefined,
    imageScanningConfiguration: { scanOnPush: row.scan_on_push === 1 },
    encryptionConfiguration: { encryptionType: row.encryption_type as 'AES256', kmsKey: row.kms_key ?? undefined },
  };
}

export function tagsOf(row: RepositoryRow): Record<string, string> {
  return JSON.parse(row.tags) as Record<string, string>;
}
