/** ECR repositories: create, describe, delete, and the settings changed after creation. */
import type * as E from '@aws-sdk/client-ecr';
import { AwsError } from '../../core/errors.js';
import { hasMembers, pageToken, readPageToken } from '../../core/pagination.js';
import type { RequestContext } from '../../protocol/types.js';
import { type EcrContext, existingRepository, invalidParameter, registryOf, toRepository } from './common.js';
import type { RepositoryRow } from './store.js';
import { checkTags } from './tags.js';

const DEFAULT_PAGE = 100;

/** Mutability settings as given, checked as ECR checks them: the `*_WITH_EXCLUSION` kinds need filters, the plain kinds take none. */
function mutabilitySettings(mutability: string | undefined, filters: E.ImageTagMutabilityExclusionFilter[] | undefined): Pick<RepositoryRow, 'image_tag_mutability' | 'mutability_exclusions'> {
  const kind = mutability ?? 'MUTABLE';
  const withExclusion = kind.endsWith('_WITH_EXCLUSION');
  if (withExclusion && !filters?.length) throw invalidParameter('imageTagMutabilityExclusionFilters', `must be provided when imageTagMutability is ${kind}`);
  if (!withExclusion && filters?.length) throw invalidParameter('imageTagMutabilityExclusionFilters', `must not be provided when imageTagMutability is ${kind}`);
  if ((filters?.length ?? 0) > 5) throw invalidParameter('imageTagMutabilityExclusionFilters', 'must have length less than or equal to 5');
  return { image_tag_mutability: kind, mutability_exclusions: JSON.stringify(filters ?? []) };
}

export function createRepository(c: EcrContext, input: E.CreateRepositoryRequest, ctx: RequestContext): E.CreateRepositoryResponse {
  const name = input.repositoryName!;
  const registryId = registryOf(input, ctx);
  if (registryId !== ctx.account) {
    throw new AwsError('AccessDeniedException', `User: ${ctx.principal.arn} is not authorized to perform: ecr:CreateRepository on resource: ${registryId}`, { status: 400 });
  }
  const tags = checkTags(input.tags ?? []);
  const encryption = input.encryptionConfiguration ?? { encryptionType: 'AES256' };
  if (encryption.encryptionType === 'AES256' && encryption.kmsKey) throw invalidParameter('encryptionConfiguration.kmsKey', 'must not be provided when encryptionType is AES256');
  const row: RepositoryRow = {
    account: ctx.account,
    region: ctx.region,
    name,
    created_at: c.rt.clock.now(),
    ...mutabilitySettings(input.imageTagMutability, input.imageTagMutabilityExclusionFilters),
    scan_on_push: input.imageScanningConfiguration?.scanOnPush ? 1 : 0,
    encryption_type: encryption.encryptionType!,
    kms_key: encryption.kmsKey ?? null,
    policy: null,
    lifecycle_policy: null,
    tags: JSON.stringify(Object.fromEntries(tags.map((t) => [t.Key, t.Value]))),
  };
  return c.store.tx(() => {
    if (c.store.repository(ctx.account, ctx.region, name)) {
      throw new AwsError('RepositoryAlreadyExistsException', `The repository with name '${name}' already exists in the registry with id '${ctx.account}'`);
    }
    c.store.insert(row);
    return { repository: toRepository(row) };
  });
}

const afterName = hasMembers<{ after: string }>({ after: 'string' });

export function describeRepositories(c: EcrContext, input: E.DescribeRepositoriesRequest, ctx: RequestContext): E.DescribeRepositoriesResponse {
  const registryId = registryOf(input, ctx);
  const limit = input.maxResults ?? DEFAULT_PAGE;
  const after = input.nextToken === undefined ? '' : readPageToken(input.nextToken, afterName, () => invalidParameter('nextToken', 'Invalid pagination token')).after;
  let rows: RepositoryRow[];
  if (input.repositoryNames?.length) {
    // Every named repository must exist: one missing name fails the whole request, as in AWS.
    const named = [...new Set(input.repositoryNames)].sort().map((name) => existingRepository(c, { registryId, repositoryName: name }, ctx));
    rows = named.filter((row) => row.name > after).slice(0, limit + 1);
  } else {
    rows = registryId === ctx.account ? c.store.repositoriesAfter(ctx.account, ctx.region, after, limit + 1) : [];
  }
  const page = rows.slice(0, limit);
  return {
    repositories: page.map(toRepository),
    nextToken: rows.length > limit ? pageToken({ after: page[page.length - 1].name }) : undefined,
  };
}

export function deleteRepository(c: EcrContext, input: E.DeleteRepositoryRequest, ctx: RequestContext): E.DeleteRepositoryResponse {
  return c.store.tx(() => {
    const row = existingRepository(c, input, ctx);
    // Images cannot be pushed yet (the registry API is not served), so no repository holds any and
    // RepositoryNotEmptyException never applies; `force` is accepted for when they can.
    c.store.delete(row.account, row.region, row.name);
    return { repository: toRepository(row) };
  });
}

export function putImageTagMutability(c: EcrContext, input: E.PutImageTagMutabilityRequest, ctx: RequestContext): E.PutImageTagMutabilityResponse {
  return c.store.tx(() => {
    const row = existingRepository(c, input, ctx);
    const next = { ...row, ...mutabilitySettings(input.imageTagMutability, input.imageTagMutabilityExclusionFilters) };
    c.store.update(next);
    const filters = input.imageTagMutabilityExclusionFilters;
    return { registryId: row.account, repositoryName: row.name, imageTagMutability: input.imageTagMutability, imageTagMutabilityExclusionFilters: filters?.length ? filters : undefined };
  });
}

export function putImageScanningConfiguration(c: EcrContext, input: E.PutImageScanningConfigurationRequest, ctx: RequestContext): E.PutImageScanningConfigurationResponse {
  return c.store.tx(() => {
    const row = existingRepository(c, input, ctx);
    const scanOnPush = input.imageScanningConfiguration?.scanOnPush === true;
    c.store.update({ ...row, scan_on_push: scanOnPush ? 1 : 0 });
    return { registryId: row.account, repositoryName: row.name, imageScanningConfiguration: { scanOnPush } };
  });
}

/** Images cannot be pushed yet, so every existing repository lists none. */
export function listImages(c: EcrContext, input: E.ListImagesRequest, ctx: RequestContext): E.ListImagesResponse {
  existingRepository(c, input, ctx);
  return { imageIds: [] };
}

export function describeImages(c: EcrContext, input: E.DescribeImagesRequest, ctx: RequestContext): E.DescribeImagesResponse {
  const row = existingRepository(c, input, ctx);
  const wanted = input.imageIds?.[0];
  if (wanted) {
    const id = `{imageDigest:'${wanted.imageDigest ?? 'null'}', imageTag:'${wanted.imageTag ?? 'null'}'}`;
    throw new AwsError('ImageNotFoundException', `The image with imageId ${id} does not exist within the repository with name '${row.name}' in the registry with id '${row.account}'`);
  }
  return { imageDetails: [] };
}
