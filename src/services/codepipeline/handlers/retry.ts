/**
 * RetryStageExecution: a failed (or stopped) stage of the pipeline's latest execution in that
 * stage runs again, its failed actions only (FAILED_ACTIONS) or all of them (ALL_ACTIONS), and
 * the execution goes on from there on its durable job. RollbackStage: a new ROLLBACK execution of
 * one stage. The engine's automatic retry and rollback (onFailure) reuse restartStage and
 * startRollback.
 */
import type * as CP from '@aws-sdk/client-codepipeline';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import { type CodePipelineContext, declarationOf } from '../common.js';
import { pipelineEvent, stageEvent } from '../engine/events.js';
import { EXECUTION_JOB, INBOUND } from '../engine/runner.js';
import type { ExecutionRow, PipelineRow, StageStateRow } from '../store.js';
import type { HandlerContext } from './context.js';
import { existingExecution, startExecution } from './executions.js';

export function retryStageExecution(c: HandlerContext, input: CP.RetryStageExecutionInput, ctx: RequestContext): CP.RetryStageExecutionOutput {
  return c.store.tx(() => {
    const execution = existingExecution(c, ctx, input.pipelineName!, input.pipelineExecutionId!);
    const pipeline = c.store.pipeline(ctx.account, ctx.region, execution.pipeline)!;
    if (!declarationOf(pipeline).stages?.some((s) => s.name === input.stageName)) {
      throw new AwsError('StageNotFoundException', `Stage '${input.stageName}' does not exist in pipeline '${execution.pipeline}'`);
    }
    const state = c.store.stageStates(execution.id).find((s) => s.stage === input.stageName);
    if (!state || !['Failed', 'Stopped'].includes(state.status) || !['Failed', 'Stopped'].includes(execution.status)) {
      throw new AwsError('StageNotRetryableException', `Stage '${input.stageName}' of pipeline execution ${execution.id} cannot be retried: it has not failed`);
    }
    // Only the latest execution to have run the stage can retry it.
    const newer = c.store
      .executionsOf(ctx.account, ctx.region, execution.pipeline)
      .some((other) => other.started_at > execution.started_at && c.store.stageStates(other.id).some((s) => s.stage === input.stageName && s.status !== INBOUND));
    if (newer) throw new AwsError('NotLatestPipelineExecutionException', `Pipeline execution ${execution.id} is not the latest execution of stage '${input.stageName}'`);
    if (execution.version !== pipeline.version) {
      throw new AwsError('StageNotRetryableException', `Stage '${input.stageName}' cannot be retried because the pipeline has been updated since execution ${execution.id} started`);
    }
    const resumed = { ...execution, status: 'InProgress', status_summary: null, stop: null, updated_at: c.rt.clock.now() };
    c.store.updateExecution(resumed);
    pipelineEvent(c.rt, resumed, 'RESUMED');
    restartStage(c, resumed, state, input.retryMode!, 'ManualStageRetry');
    c.rt.jobs.enqueue(EXECUTION_JOB, { executionId: execution.id });
    return { pipelineExecutionId: execution.id };
  });
}

/**
 * Starts a stage's attempt again (inside the caller's transaction): FAILED_ACTIONS keeps the
 * attempt's succeeded actions (the attempt starts where it did), ALL_ACTIONS starts it anew. The
 * new attempt evaluates its success and failure conditions anew (and its entry conditions, when
 * they had failed); the retry is counted for GetPipelineState's retryStageMetadata.
 */
export function restartStage(c: CodePipelineContext, execution: ExecutionRow, state: StageStateRow, retryMode: string, trigger: 'AutomatedStageRetry' | 'ManualStageRetry'): void {
  const now = c.rt.clock.now();
  const records = c.store.actionExecutionsOf(execution.id).filter((r) => r.stage === state.stage && r.started_at >= state.updated_at);
  const since = retryMode === 'ALL_ACTIONS' ? now : Math.min(state.updated_at, ...records.map((r) => r.started_at));
  c.store.putStageState({ ...state, status: 'InProgress', updated_at: since });
  c.store.conditions.deleteConditionState(execution.id, state.stage, 'ON_SUCCESS');
  c.store.conditions.deleteConditionState(execution.id, state.stage, 'ON_FAILURE');
  // A stage its entry condition kept out checks that condition again.
  if (c.store.conditions.conditionState(execution.id, state.stage, 'BEFORE_ENTRY')?.status === 'Failed') c.store.conditions.deleteConditionState(execution.id, state.stage, 'BEFORE_ENTRY');
  const retries = c.store.conditions.stageRetry(execution.id, state.stage) ?? { execution_id: execution.id, stage: state.stage, auto_attempts: 0, manual_attempts: 0, latest_trigger: trigger };
  c.store.conditions.putStageRetry({
    ...retries,
    auto_attempts: retries.auto_attempts + (trigger === 'AutomatedStageRetry' ? 1 : 0),
    manual_attempts: retries.manual_attempts + (trigger === 'ManualStageRetry' ? 1 : 0),
    latest_trigger: trigger,
  });
  stageEvent(c.rt, execution, state.stage, 'RESUMED');
}

/** Starts a ROLLBACK execution of `stage` with the artifacts and variables of `target` (inside the caller's transaction). */
export function startRollback(c: HandlerContext, pipeline: PipelineRow, stage: string, target: ExecutionRow, trigger: CP.ExecutionTrigger): ExecutionRow {
  return startExecution(c, pipeline, trigger, {
    variables: (JSON.parse(target.variables) as { name: string; resolvedValue: string }[]).map((v) => ({ name: v.name, value: v.resolvedValue })),
    rollback: { stage, target: target.id },
  });
}

/**
 * RollbackStage (V2): a new execution (trigger ManualRollback, type ROLLBACK) runs only the stage,
 * with the artifacts and variables of the target execution, which must have succeeded in it.
 */
export function rollbackStage(c: HandlerContext, input: CP.RollbackStageInput, ctx: RequestContext): CP.RollbackStageOutput {
  return c.store.tx(() => {
    const target = existingExecution(c, ctx, input.pipelineName!, input.targetPipelineExecutionId!);
    const pipeline = c.store.pipeline(ctx.account, ctx.region, target.pipeline)!;
    const declaration = declarationOf(pipeline);
    const index = declaration.stages?.findIndex((s) => s.name === input.stageName) ?? -1;
    if (index < 0) throw new AwsError('StageNotFoundException', `Stage '${input.stageName}' does not exist in pipeline '${target.pipeline}'`);
    if (declaration.pipelineType !== 'V2') throw new AwsError('ValidationException', 'RollbackStage is only supported for V2 type pipelines');
    if (index === 0) throw new AwsError('UnableToRollbackStageException', `Stage '${input.stageName}' is the first stage of the pipeline and cannot be rolled back`);
    const succeeded = c.store.stageStates(target.id).some((s) => s.stage === input.stageName && s.status === 'Succeeded');
    if (!succeeded) throw new AwsError('UnableToRollbackStageException', `Pipeline execution ${target.id} did not succeed in stage '${input.stageName}' and cannot be a rollback target`);
    if (target.version !== pipeline.version) throw new AwsError('UnableToRollbackStageException', `Pipeline execution ${target.id} ran an earlier version of the pipeline`);
    if (target.rollback) throw new AwsError('UnableToRollbackStageException', `Pipeline execution ${target.id} is a rollback execution and cannot be a rollback target`);
    const row = startRollback(c, pipeline, input.stageName!, target, { triggerType: 'ManualRollback', triggerDetail: ctx.principal.arn });
    return { pipelineExecutionId: row.id };
  });
}
