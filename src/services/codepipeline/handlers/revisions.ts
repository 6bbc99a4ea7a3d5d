/**
 * PutActionRevision (a source's new revision starts an execution, as a change detected by polling
 * does) and ListDeployActionExecutionTargets (the targets of CodeDeploy and ECS deploy actions).
 */
import type * as CP from '@aws-sdk/client-codepipeline';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import { declarationOf, existingPipeline } from '../common.js';
import type { HandlerContext } from './context.js';
import { startExecution } from './executions.js';

/** How each built-in source provider names a revision in StartPipelineExecution's sourceRevisions, so the new execution fetches exactly it. */
const REVISION_TYPES: Record<string, CP.SourceRevisionType> = { CodeCommit: 'COMMIT_ID', S3: 'S3_OBJECT_VERSION_ID' };

export function putActionRevision(c: HandlerContext, input: CP.PutActionRevisionInput, ctx: RequestContext): CP.PutActionRevisionOutput {
  return c.store.tx(() => {
    const pipeline = existingPipeline(c, ctx.account, ctx.region, input.pipelineName!);
    const stage = declarationOf(pipeline).stages?.find((s) => s.name === input.stageName);
    if (!stage) throw new AwsError('StageNotFoundException', `Stage '${input.stageName}' does not exist in pipeline '${pipeline.name}'`);
    const action = stage.actions?.find((a) => a.name === input.actionName);
    if (!action) throw new AwsError('ActionNotFoundException', `Action '${input.actionName}' does not exist in stage '${input.stageName}' of pipeline '${pipeline.name}'`);
    if (action.actionTypeId?.category !== 'Source') throw new AwsError('ValidationException', `Action '${action.name}' is not a source action: only source actions have revisions`);
    const revision = input.actionRevision!.revisionId!;
    const scope = [ctx.account, ctx.region, pipeline.name, stage.name!, action.name!] as const;
    const usedBy = c.store.history.executionWithRevision(revision, ...scope);
    const lastSeen = c.store.history.sourcePoll(...scope);
    if (usedBy || lastSeen?.revision === revision) return { newRevision: false, pipelineExecutionId: usedBy };
    // Seen now: polling and a repeated PutActionRevision do not start it again.
    c.store.history.putSourcePoll({ account: ctx.account, region: ctx.region, pipeline: pipeline.name, stage: stage.name!, action: action.name!, revision, polled_at: c.rt.clock.now() });
    const revisionType = action.actionTypeId.owner === 'AWS' ? REVISION_TYPES[action.actionTypeId.provider ?? ''] : undefined;
    const execution = startExecution(
      c,
      pipeline,
      { triggerType: 'PutActionRevision', triggerDetail: ctx.principal.arn },
      { sourceRevisions: revisionType ? [{ actionName: action.name!, revisionType, revisionValue: revision }] : [] },
    );
    return { newRevision: true, pipelineExecutionId: execution.id };
  });
}

/**
 * Only CodeDeploy and ECS deploy actions have targets, and Drydock runs neither: an action execution
 * of this pipeline has none. Unknown ones are AWS's not-found errors.
 */
export function listDeployActionExecutionTargets(c: HandlerContext, input: CP.ListDeployActionExecutionTargetsInput, ctx: RequestContext): CP.ListDeployActionExecutionTargetsOutput {
  if (input.pipelineName) existingPipeline(c, ctx.account, ctx.region, input.pipelineName);
  const record = c.store.actionExecution(input.actionExecutionId!);
  const execution = record && c.store.execution(record.execution_id);
  const found = execution?.account === ctx.account && execution.region === ctx.region && (!input.pipelineName || execution.pipeline === input.pipelineName);
  if (!found) throw new AwsError('ActionExecutionNotFoundException', `The action execution ${input.actionExecutionId} was not found`);
  // No page is ever cut short here, so no token of ours can come back.
  if (input.nextToken) throw new AwsError('InvalidNextTokenException', 'The next token was specified in an invalid format.');
  return { targets: [] };
}
