/**
 * AWS::ECR::Repository through CreateRepository, the settings, policy and tag operations, and
 * DeleteRepository (RepositoryName and EncryptionConfiguration replace it). Ref is the repository
 * name; GetAtt Arn and RepositoryUri. Without RepositoryName, AWS names it
 * `<stack>-<logicalid>-<random>` in lower case (at most 256 characters). EmptyOnDelete deletes it
 * with its images (`force`); without it, a repository holding images fails to delete, as in AWS.
 * A property removed from the template goes back to ECR's default.
 */
import type { CreateRepositoryRequest, EncryptionConfiguration, ImageTagMutabilityExclusionFilter } from '@aws-sdk/client-ecr';
import { orDelete } from './compute-helpers.js';
import { booleanProp, givenOrIntendedName, jsonDocumentProp, listOfObjectsProp, objectProp, sameValue, stringProp, tagChanges, tagListProp, unlessGone } from './foundation-helpers.js';
import type { CurrentResource, Properties, ProvidedResource, ProviderContext, ResourceProvider } from './types.js';

const NOT_FOUND = 'RepositoryNotFoundException';
const MAX_NAME = 256;

function exclusionFilters(props: Properties): ImageTagMutabilityExclusionFilter[] | undefined {
  return listOfObjectsProp(props, 'ImageTagMutabilityExclusionFilters')?.map((filter) => ({
    filterType: stringProp(filter, 'FilterType') as 'WILDCARD',
    filter: stringProp(filter, 'Filter'),
  }));
}

function scanOnPush(props: Properties): boolean {
  const config = objectProp(props, 'ImageScanningConfiguration');
  return (config && booleanProp(config, 'ScanOnPush')) ?? false;
}

function encryption(props: Properties): EncryptionConfiguration | undefined {
  const config = objectProp(props, 'EncryptionConfiguration');
  return config && { encryptionType: stringProp(config, 'EncryptionType') as 'AES256', kmsKey: stringProp(config, 'KmsKey') };
}

function lifecycleText(props: Properties): string | undefined {
  const lifecycle = objectProp(props, 'LifecyclePolicy');
  return lifecycle && stringProp(lifecycle, 'LifecyclePolicyText');
}

/** The repository and lifecycle policies, set when given, removed when the template dropped them. */
async function applyPolicies(ctx: ProviderContext, name: string, props: Properties, previous?: Properties): Promise<void> {
  if (!previous || !sameValue(previous.RepositoryPolicyText, props.RepositoryPolicyText)) {
    const policy = jsonDocumentProp(props, 'RepositoryPolicyText');
    if (policy !== undefined) await ctx.call('ecr', 'SetRepositoryPolicy', { repositoryName: name, policyText: policy });
    else if (previous) await unlessGone(() => ctx.call('ecr', 'DeleteRepositoryPolicy', { repositoryName: name }), 'RepositoryPolicyNotFoundException');
  }
  if (!previous || !sameValue(previous.LifecyclePolicy, props.LifecyclePolicy)) {
    const lifecycle = lifecycleText(props);
    if (lifecycle !== undefined) await ctx.call('ecr', 'PutLifecyclePolicy', { repositoryName: name, lifecyclePolicyText: lifecycle });
    else if (previous) await unlessGone(() => ctx.call('ecr', 'DeleteLifecyclePolicy', { repositoryName: name }), 'LifecyclePolicyNotFoundException');
  }
}

function provided(repository: { repositoryName?: string; repositoryArn?: string; repositoryUri?: string }): ProvidedResource {
  return { physicalId: repository.repositoryName!, attributes: { Arn: repository.repositoryArn, RepositoryUri: repository.repositoryUri } };
}

export const ecrRepositoryProvider: ResourceProvider = {
  async create(ctx, props) {
    const name = givenOrIntendedName(ctx, stringProp(props, 'RepositoryName'), { maxLength: MAX_NAME, lowercase: true });
    const { repository } = await ctx.call('ecr', 'CreateRepository', {
      repositoryName: name,
      imageTagMutability: stringProp(props, 'ImageTagMutability') as CreateRepositoryRequest['imageTagMutability'],
      imageTagMutabilityExclusionFilters: exclusionFilters(props),
      imageScanningConfiguration: props.ImageScanningConfiguration === undefined ? undefined : { scanOnPush: scanOnPush(props) },
      encryptionConfiguration: encryption(props),
      tags: tagListProp(props),
    });
    await orDelete(
      () => applyPolicies(ctx, name, props),
      () => ctx.call('ecr', 'DeleteRepository', { repositoryName: name, force: true }),
    );
    return provided(repository!);
  },

  async update(ctx, current, props) {
    const name = current.physicalId;
    if (!sameValue(current.props.ImageTagMutability, props.ImageTagMutability) || !sameValue(current.props.ImageTagMutabilityExclusionFilters, props.ImageTagMutabilityExclusionFilters)) {
      const mutability = (stringProp(props, 'ImageTagMutability') ?? 'MUTABLE') as CreateRepositoryRequest['imageTagMutability'];
      await ctx.call('ecr', 'PutImageTagMutability', { repositoryName: name, imageTagMutability: mutability, imageTagMutabilityExclusionFilters: exclusionFilters(props) });
    }
    if (!sameValue(current.props.ImageScanningConfiguration, props.ImageScanningConfiguration)) {
      await ctx.call('ecr', 'PutImageScanningConfiguration', { repositoryName: name, imageScanningConfiguration: { scanOnPush: scanOnPush(props) } });
    }
    await applyPolicies(ctx, name, props, current.props);
    const arn = String(current.attributes.Arn);
    const { set, removed } = tagChanges(tagListProp(current.props), tagListProp(props));
    if (removed.length > 0) await ctx.call('ecr', 'UntagResource', { resourceArn: arn, tagKeys: removed });
    if (set.length > 0) await ctx.call('ecr', 'TagResource', { resourceArn: arn, tags: set });
    return { physicalId: name, attributes: current.attributes };
  },

  async delete(ctx, current) {
    const force = booleanProp(current.props, 'EmptyOnDelete') ?? false;
    await unlessGone(() => ctx.call('ecr', 'DeleteRepository', { repositoryName: current.physicalId, force }), NOT_FOUND);
  },

  read: readRepository,
};

async function readRepository(ctx: ProviderContext, current: CurrentResource): Promise<Properties | undefined> {
  const found = await unlessGone(() => ctx.call('ecr', 'DescribeRepositories', { repositoryNames: [current.physicalId] }), NOT_FOUND);
  const repository = found?.repositories?.[0];
  if (!repository) return undefined;
  const actual: Properties = { ...current.props };
  if (current.props.ImageTagMutability !== undefined || repository.imageTagMutability !== 'MUTABLE') actual.ImageTagMutability = repository.imageTagMutability;
  if (current.props.ImageScanningConfiguration !== undefined || repository.imageScanningConfiguration?.scanOnPush) {
    actual.ImageScanningConfiguration = { ScanOnPush: repository.imageScanningConfiguration?.scanOnPush ?? false };
  }
  const policy = await unlessGone(() => ctx.call('ecr', 'GetRepositoryPolicy', { repositoryName: current.physicalId }), 'RepositoryPolicyNotFoundException');
  if (policy?.policyText) actual.RepositoryPolicyText = JSON.parse(policy.policyText);
  else delete actual.RepositoryPolicyText;
  const lifecycle = await unlessGone(() => ctx.call('ecr', 'GetLifecyclePolicy', { repositoryName: current.physicalId }), 'LifecyclePolicyNotFoundException');
  if (lifecycle?.lifecyclePolicyText) actual.LifecyclePolicy = { ...objectProp(current.props, 'LifecyclePolicy'), LifecyclePolicyText: lifecycle.lifecyclePolicyText };
  else delete actual.LifecyclePolicy;
  const { tags } = await ctx.call('ecr', 'ListTagsForResource', { resourceArn: repository.repositoryArn! });
  if (tags?.length) actual.Tags = tags;
  else delete actual.Tags;
  return actual;
}
