/** ECR repository policies and lifecycle policies, one of each per repository. */
import type * as E from '@aws-sdk/client-ecr';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import { type EcrContext, existingRepository, invalidParameter } from './common.js';
import type { RepositoryRow } from './store.js';

/** A repository policy ECR accepts: a JSON object with a Statement (one statement or a list of them). */
function checkRepositoryPolicy(text: string): void {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw invalidParameter('PolicyText', 'Invalid repository policy provided');
  }
  const statement = (document as { Statement?: unknown } | null)?.Statement;
  if (typeof document !== 'object' || Array.isArray(document) || !statement || typeof statement !== 'object') {
    throw invalidParameter('PolicyText', 'Invalid repository policy provided');
  }
}

function lifecycleFailure(reason: string): AwsError {
  return invalidParameter('LifecyclePolicyText', `Lifecycle policy validation failure: ${reason}`);
}

/** A lifecycle policy ECR accepts: `rules`, each with a unique rulePriority, a selection and an `expire` action. */
function checkLifecyclePolicy(text: string): void {
  let document: { rules?: unknown };
  try {
    document = JSON.parse(text) as { rules?: unknown };
  } catch {
    throw lifecycleFailure('the policy is not valid JSON');
  }
  if (!Array.isArray(document?.rules) || document.rules.length === 0) throw lifecycleFailure('object has missing required properties (["rules"])');
  const priorities = new Set<number>();
  for (const rule of document.rules as Record<string, unknown>[]) {
    const priority = rule?.rulePriority;
    if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 1) throw lifecycleFailure('rulePriority must be a positive integer');
    if (priorities.has(priority)) throw lifecycleFailure(`rulePriority ${priority} is used by more than one rule`);
    priorities.add(priority);
    const selection = rule.selection as Record<string, unknown> | undefined;
    if (!selection || typeof selection !== 'object') throw lifecycleFailure('object has missing required properties (["selection"])');
    if (!['tagged', 'untagged', 'any'].includes(selection.tagStatus as string)) throw lifecycleFailure('selection.tagStatus must be one of tagged, untagged, any');
    if (!['imageCountMoreThan', 'sinceImagePushed'].includes(selection.countType as string)) throw lifecycleFailure('selection.countType must be imageCountMoreThan or sinceImagePushed');
    if (typeof selection.countNumber !== 'number' || selection.countNumber < 1) throw lifecycleFailure('selection.countNumber must be a positive integer');
    if (selection.countType === 'sinceImagePushed' && selection.countUnit !== 'days') throw lifecycleFailure('selection.countUnit must be days when countType is sinceImagePushed');
    if (selection.countType === 'imageCountMoreThan' && selection.countUnit !== undefined) throw lifecycleFailure('selection.countUnit is not allowed when countType is imageCountMoreThan');
    const prefixes = [selection.tagPrefixList, selection.tagPatternList].filter((list) => Array.isArray(list) && list.length > 0);
    if (selection.tagStatus === 'tagged' && prefixes.length === 0) throw lifecycleFailure('selection.tagPrefixList or selection.tagPatternList is required when tagStatus is tagged');
    if ((rule.action as { type?: unknown } | undefined)?.type !== 'expire') throw lifecycleFailure('action.type must be expire');
  }
}

export function setRepositoryPolicy(c: EcrContext, input: E.SetRepositoryPolicyRequest, ctx: RequestContext): E.SetRepositoryPolicyResponse {
  checkRepositoryPolicy(input.policyText!);
  return c.store.tx(() => {
    const row = existingRepository(c, input, ctx);
    c.store.update({ ...row, policy: input.policyText! });
    return { registryId: row.account, repositoryName: row.name, policyText: input.policyText };
  });
}

function policyNotFound(row: RepositoryRow): AwsError {
  return new AwsError('RepositoryPolicyNotFoundException', `Repository policy does not exist for the repository with name '${row.name}' in the registry with id '${row.account}'`);
}

export function getRepositoryPolicy(c: EcrContext, input: E.GetRepositoryPolicyRequest, ctx: RequestContext): E.GetRepositoryPolicyResponse {
  const row = existingRepository(c, input, ctx);
  if (row.policy === null) throw policyNotFound(row);
  return { registryId: row.account, repositoryName: row.name, policyText: row.policy };
}

export function deleteRepositoryPolicy(c: EcrContext, input: E.DeleteRepositoryPolicyRequest, ctx: RequestContext): E.DeleteRepositoryPolicyResponse {
  return c.store.tx(() => {
    const row = existingRepository(c, input, ctx);
    if (row.policy === null) throw policyNotFound(row);
    c.store.update({ ...row, policy: null });
    return { registryId: row.account, repositoryName: row.name, policyText: row.policy };
  });
}

export function putLifecyclePolicy(c: EcrContext, input: E.PutLifecyclePolicyRequest, ctx: RequestContext): E.PutLifecyclePolicyResponse {
  checkLifecyclePolicy(input.lifecyclePolicyText!);
  return c.store.tx(() => {
    const row = existingRepository(c, input, ctx);
    c.store.update({ ...row, lifecycle_policy: input.lifecyclePolicyText! });
    return { registryId: row.account, repositoryName: row.name, lifecyclePolicyText: input.lifecyclePolicyText };
  });
}

function lifecycleNotFound(row: RepositoryRow): AwsError {
  return new AwsError('LifecyclePolicyNotFoundException', `Lifecycle policy does not exist for the repository with name '${row.name}' in the registry with id '${row.account}'`);
}

export function getLifecyclePolicy(c: EcrContext, input: E.GetLifecyclePolicyRequest, ctx: RequestContext): E.GetLifecyclePolicyResponse {
  const row = existingRepository(c, input, ctx);
  if (row.lifecycle_policy === null) throw lifecycleNotFound(row);
  return { registryId: row.account, repositoryName: row.name, lifecyclePolicyText: row.lifecycle_policy };
}

export function deleteLifecyclePolicy(c: EcrContext, input: E.DeleteLifecyclePolicyRequest, ctx: RequestContext): E.DeleteLifecyclePolicyResponse {
  return c.store.tx(() => {
    const row = existingRepository(c, input, ctx);
    if (row.lifecycle_policy === null) throw lifecycleNotFound(row);
    c.store.update({ ...row, lifecycle_policy: null });
    return { registryId: row.account, repositoryName: row.name, lifecyclePolicyText: row.lifecycle_policy };
  });
}
