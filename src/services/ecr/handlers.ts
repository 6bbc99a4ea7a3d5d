/**
 * The ECR handlers map: every operation Drydock serves, each a module-level function of the
 * context, behind ECR's own input validation.
 */
import type { ServiceModel } from '../../protocol/model.js';
import type { Handlers } from '../../protocol/types.js';
import { validateInput } from '../../protocol/validate.js';
import { bindOperations } from '../bind.js';
import { getAuthorizationToken } from './authorization-token.js';
import { type EcrContext, invalidParameter } from './common.js';
import { deleteLifecyclePolicy, deleteRepositoryPolicy, getLifecyclePolicy, getRepositoryPolicy, putLifecyclePolicy, setRepositoryPolicy } from './policies.js';
import { createRepository, deleteRepository, describeImages, describeRepositories, listImages, putImageScanningConfiguration, putImageTagMutability } from './repositories.js';
import { listTagsForResource, tagResource, untagResource } from './tags.js';

const OPERATIONS = {
  CreateRepository: createRepository,
  DescribeRepositories: describeRepositories,
  DeleteRepository: deleteRepository,
  PutImageTagMutability: putImageTagMutability,
  PutImageScanningConfiguration: putImageScanningConfiguration,
  SetRepositoryPolicy: setRepositoryPolicy,
  GetRepositoryPolicy: getRepositoryPolicy,
  DeleteRepositoryPolicy: deleteRepositoryPolicy,
  PutLifecyclePolicy: putLifecyclePolicy,
  GetLifecyclePolicy: getLifecyclePolicy,
  DeleteLifecyclePolicy: deleteLifecyclePolicy,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
  GetAuthorizationToken: getAuthorizationToken,
  ListImages: listImages,
  DescribeImages: describeImages,
};

/**
 * The constraints ECR words its own way, checked before the model's: ECR names the regular
 * expression it documents for repository names, which is older and stricter-looking than the
 * model's pattern (the model's, which allows `__` and repeated `-`, decides what is accepted).
 */
const REPOSITORY_NAME_REGEX = '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*';
const REPOSITORY_NAME = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;

function checkEcrParameters(input: Record<string, unknown>): void {
  const name = input.repositoryName;
  if (typeof name === 'string') {
    if (name.length < 2) throw invalidParameter('repositoryName', 'must have length greater than or equal to 2');
    if (name.length > 256) throw invalidParameter('repositoryName', 'must have length less than or equal to 256');
    if (!REPOSITORY_NAME.test(name)) throw invalidParameter('repositoryName', `must satisfy regular expression '${REPOSITORY_NAME_REGEX}'`);
  }
  if (typeof input.registryId === 'string' && !/^[0-9]{12}$/.test(input.registryId)) throw invalidParameter('registryId', "must satisfy regular expression '[0-9]{12}'");
}

export function createHandlers(c: EcrContext, model: ServiceModel): Handlers {
  const handlers = bindOperations(c, OPERATIONS);
  for (const [name, handler] of Object.entries(handlers)) {
    const shape = model.operations.get(name)?.input;
    handlers[name] = (input, ctx) => {
      checkEcrParameters(input as Record<string, unknown>);
      validateInput(model, shape, input as Record<string, unknown>, 'InvalidParameterException');
      return handler(input, ctx);
    };
  }
  return handlers;
}
