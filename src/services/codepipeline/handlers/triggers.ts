/**
 * V2 pipeline triggers, validated as AWS validates them. AWS applies triggers only to
 * CodeStarSourceConnection source actions (CodeConnections: GitHub, GitLab, Bitbucket …), which
 * Drydock cannot reach offline, so a valid trigger is stored and shown but never fires.
 *
 * The model already bounds the lists (1–3 push and pull-request filters, 1–8 patterns each); what
 * is left is how the filters may be combined and what the trigger points at.
 */
import type { GitPullRequestFilter, GitPushFilter, PipelineDeclaration } from '@aws-sdk/client-codepipeline';
import { invalidStructure } from '../common.js';

// AWS's words (InvalidStructureException), as users have reported them from CreatePipeline/UpdatePipeline.
const NOT_A_CONNECTION_ACTION =
  'Triggers for connection must reference a CodeStarSourceConnection action. Note that when you specify a trigger, you cant specify more than one trigger per source action.';
const INVALID_FILTERS = 'The trigger configuration for the source action is not valid. Make sure to choose valid filter combinations.';

export function checkTriggers(pipeline: PipelineDeclaration): void {
  const sourceActions = new Map((pipeline.stages?.[0]?.actions ?? []).map((action) => [action.name, action]));
  const triggered = new Set<string>();
  for (const trigger of pipeline.triggers ?? []) {
    const name = trigger.gitConfiguration?.sourceActionName;
    const action = name === undefined ? undefined : sourceActions.get(name);
    if (action?.actionTypeId?.provider !== 'CodeStarSourceConnection' || triggered.has(name!)) throw invalidStructure(NOT_A_CONNECTION_ACTION);
    triggered.add(name!);
    const { push = [], pullRequest = [] } = trigger.gitConfiguration!;
    if (!push.every(validPushFilter) || !pullRequest.every(validPullRequestFilter)) throw invalidStructure(INVALID_FILTERS);
  }
}

/**
 * A push filter matches either Git tags, or branches (optionally narrowed by file paths): tags
 * cannot be combined with branches or file paths, and file paths alone name no ref to watch.
 */
function validPushFilter(filter: GitPushFilter): boolean {
  if (filter.tags) return !filter.branches && !filter.filePaths && hasPatterns(filter.tags);
  return !!filter.branches && hasPatterns(filter.branches) && (!filter.filePaths || hasPatterns(filter.filePaths));
}

/** A pull-request filter narrows by events and branches; file paths narrow branches, so they need them. */
function validPullRequestFilter(filter: GitPullRequestFilter): boolean {
  if (filter.branches && !hasPatterns(filter.branches)) return false;
  return !filter.filePaths || (!!filter.branches && hasPatterns(filter.filePaths));
}

function hasPatterns(criteria: { includes?: string[]; excludes?: string[] }): boolean {
  return !!(criteria.includes?.length || criteria.excludes?.length);
}
