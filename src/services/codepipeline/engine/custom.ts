/**
 * Custom actions, the engine's own provider: the action becomes a job that the action type's
 * workers take with PollForJobs and answer with PutJobSuccessResult / PutJobFailureResult. A
 * success with a continuationToken queues the next job of the same action execution with it, as
 * AWS does, until a success without one.
 */
import { type ActionContext, ActionFailure, type ActionResult } from '../actions/types.js';
import { createJob, waitForJob } from './jobs.js';

export async function runCustomAction(ctx: ActionContext): Promise<ActionResult> {
  let jobId = typeof ctx.saved?.jobId === 'string' ? ctx.saved.jobId : undefined;
  if (!jobId) {
    jobId = createJob(ctx);
    ctx.checkpoint({ jobId });
  }
  for (;;) {
    const outcome = await waitForJob(ctx, jobId);
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
