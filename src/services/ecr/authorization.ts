/**
 * What each ECR operation needs to be allowed, from AWS's Service Authorization Reference
 * ("Actions, resources, and condition keys for Amazon Elastic Container Registry"): repository
 * operations on the repository's ARN (in the registry the request names), with the repository's
 * tags as aws:ResourceTag and the request's tags on CreateRepository and TagResource;
 * GetAuthorizationToken on `*`. A repository's policy (SetRepositoryPolicy) is its resource policy.
 */
import type * as E from '@aws-sdk/client-ecr';
import { arn } from '../../core/arn.js';
import type { ContextValue } from '../../core/policy.js';
import type { RequestContext } from '../../protocol/types.js';
import type { ActionRule, ServiceAuthorization } from '../authorization.js';

/** The tags of a repository, by ARN; undefined when there is none. */
export type RepositoryTags = (repositoryArn: string) => Record<string, string> | undefined;

const REPOSITORY = 'arn:${Partition}:ecr:${Region}:${Account}:repository/${repositoryName}';

function repositoryArnOf(input: { registryId?: string; repositoryName?: string }, ctx: RequestContext, name = input.repositoryName): string {
  if (!name) return '*';
  return arn('ecr', ctx.region, input.registryId ?? ctx.account, `repository/${name}`);
}

function requestTags(tags: E.Tag[] | undefined): Record<string, ContextValue> {
  if (!tags?.length) return {};
  const out: Record<string, ContextValue> = { 'aws:TagKeys': tags.map((t) => t.Key ?? '') };
  for (const tag of tags) out[`aws:RequestTag/${tag.Key}`] = tag.Value ?? '';
  return out;
}

export function ecrAuthorization(repositoryTags: RepositoryTags): ServiceAuthorization {
  const resourceTags = (arn: string): Record<string, ContextValue> => Object.fromEntries(Object.entries(repositoryTags(arn) ?? {}).map(([key, value]) => [`aws:ResourceTag/${key}`, value]));
  const onRepository: ActionRule = {
    resource: (input: { registryId?: string; repositoryName?: string }, ctx) => repositoryArnOf(input, ctx),
    context: (input: { registryId?: string; repositoryName?: string }, ctx) => resourceTags(repositoryArnOf(input, ctx)),
  };
  const onArn: ActionRule = { resource: '${resourceArn}', context: (input: { resourceArn?: string }) => resourceTags(input.resourceArn ?? '') };
  return {
    prefix: 'ecr',
    rules: {
      CreateRepository: { resource: REPOSITORY, context: (input: E.CreateRepositoryRequest) => requestTags(input.tags) },
      DescribeRepositories: {
        resource: (input: E.DescribeRepositoriesRequest, ctx) => (input.repositoryNames?.length ? input.repositoryNames.map((name) => repositoryArnOf(input, ctx, name)) : '*'),
      },
      DeleteRepository: onRepository,
      PutImageTagMutability: onRepository,
      PutImageScanningConfiguration: onRepository,
      SetRepositoryPolicy: onRepository,
      GetRepositoryPolicy: onRepository,
      DeleteRepositoryPolicy: onRepository,
      PutLifecyclePolicy: onRepository,
      GetLifecyclePolicy: onRepository,
      DeleteLifecyclePolicy: onRepository,
      ListImages: onRepository,
      DescribeImages: onRepository,
      TagResource: { ...onArn, context: (input: E.TagResourceRequest) => ({ ...resourceTags(input.resourceArn ?? ''), ...requestTags(input.tags) }) },
      UntagResource: { ...onArn, context: (input: E.UntagResourceRequest) => ({ ...resourceTags(input.resourceArn ?? ''), 'aws:TagKeys': input.tagKeys ?? [] }) },
      ListTagsForResource: onArn,
      GetAuthorizationToken: { resource: '*' },
    },
  };
}
