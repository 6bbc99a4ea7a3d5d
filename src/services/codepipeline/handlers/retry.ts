/**
 * RetryStageExecution: a failed (or stopped) stage of the pipeline's latest execution in that
 * stage runs again, its failed actions only (FAILED_ACTIONS) or all of them (ALL_ACTIONS), and
 * the execution goes on from there on its durable job.
 */
import type * as CP from '@aws-sdk/client-codepipeline';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import { declarationOf } from '../common.js';
import { pipelineEvent, stageEvent } from '../engine/events.js';
import { EXECUTION_JOB, INBOUND } from '../engine/runner.js';
import type { HandlerContext } from './context.js';
import { existingExecution } from './executions.js';

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
    const now = c.rt.clock.now();
    const records = c.store.actionExecutionsOf(execution.id).filter((r) => r.stage === input.stageName && r.started_at >= state.updated_at);
    // FAILED_ACTIONS keeps the attempt's succeeded actions (the stage's attempt starts where it did); ALL_ACTIONS starts it anew.
    const since = input.retryMode === 'ALL_ACTIONS' ? now : Math.min(state.updated_at, ...records.map((r) => r.started_at));
    c.store.putStageState({ ...state, status: 'InProgress', updated_at: since });
    const resumed = { ...execution, status: 'InProgress', status_summary: null, stop: null, updated_at: now };
    c.store.updateExecution(resumed);
    c.rt.jobs.enqueue(EXECUTION_JOB, { executionId: execution.id });
    pipelineEvent(c.rt, resumed, 'RESUMED');
    stageEvent(c.rt, resumed, input.stageName!, 'RESUMED');
    return { pipelineExecutionId: execution.id };
  });
}
