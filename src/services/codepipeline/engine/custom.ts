/**
 * Custom actions, the engine's own provider: the action becomes a job that the action type's
 * workers take with PollForJobs and answer with PutJobSuccessResult / PutJobFailureResult. A
 * success with a continuationToken queues the next job of the same action execution with it, as
 * AWS does, until a success without one.
 *
 * Timeout, on Drydock's clock: an action no worker has finished after AWS's custom action timeout
 * (24 hours) fails, its job ends TimedOut and a worker's late result is refused.
 */
import { type ActionContext, ActionFailure, type ActionResult } from '../actions/types.js';
import { contextOf } from '../common.js';
import { createJob, waitForJob } from './jobs.js';

/** AWS's quota "Length of time before an action times out" for custom actions. */
const CUSTOM_ACTION_TIMEOUT_MS = 24 * 60 * 60 * 1000;

/** When the action must have ended: 24 hours after it started (also after a restart, from its stored start). */
function deadlineOf(ctx: ActionContext): { at: number; message: string } {
  const started = contextOf(ctx.rt).store.actionExecution(ctx.actionExecutionId)?.started_at ?? ctx.clock.now();
  return { at: started + CUSTOM_ACTION_TIMEOUT_MS, message: 'The action timed out: no job worker completed it within 24 hours' };
}

export async function runCustomAction(ctx: ActionContext): Promise<ActionResult> {
  let jobId = typeof ctx.saved?.jobId === 'string' ? ctx.saved.jobId : undefined;
  if (!jobId) {
    jobId = createJob(ctx);
    ctx.checkpoint({ jobId });
  }
  for (;;) {
    const outcome = await waitForJob(ctx, jobId, deadlineOf(ctx));
    if (outcome.status === 'Failed') {
      throw new ActionFailure(outcome.failureDetails.message, outcome.failureDetails.type as ActionFailure['code'], outcome.failureDetails.externalExecutionId);
    }
    if (!outcome.continuationToken) {
      const revision = outcome.currentRevision;
      return {
        outputVariables: outcome.outputVariables,
        summary: outcome.executionDetails?.summary,
        externalExecutionId: outcome.executionDetails?.externalExecutionId,
        revision: revision && { revisionId: revision.revision, revisionSummary: revision.revisionSummary, created: revision.created && new Date(revision.created) },
      };
    }
    jobId = createJob(ctx, { continuationToken: outcome.continuationToken });
    ctx.checkpoint({ jobId });
  }
}
