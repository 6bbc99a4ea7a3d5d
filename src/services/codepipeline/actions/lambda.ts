/**
 * Invoke/AWS/Lambda/1: invokes FunctionName asynchronously (InvocationType Event, as the pipeline's
 * role) with AWS's CodePipeline job event, `{"CodePipeline.job": {id, accountId, data}}`, whose data
 * holds the action configuration (UserParameters included), the input and output artifact
 * locations, temporary STS credentials for the artifact store, the store's KMS key when it has one
 * and, on a re-invocation, the continuation token. The function ends the job with
 * PutJobSuccessResult or PutJobFailureResult; a success with a continuationToken invokes the
 * function again with a new job carrying it. The success's outputVariables become the action's
 * output variables.
 *
 * The job id is checkpointed around the invocation, so a restarted execution waits on for the same
 * job (a function already invoked is not invoked again; one whose invocation was cut short is).
 *
 * Timeouts, on Drydock's clock, as AWS's quotas page states them: a job the function has not
 * answered within 20 minutes fails the action with AWS's message; each continuation token (the
 * function's "still in progress") starts a new 20 minutes, but the action fails once it has run
 * 24 hours. Both count from stored times (the job's creation, the action's start), so they hold
 * across a restart.
 */
import { AwsError } from '../../../core/errors.js';
import { contextOf } from '../common.js';
import { createJob, jobData, waitForJob } from '../engine/jobs.js';
import { type ActionContext, ActionFailure, type ActionProvider, type ActionResult } from './types.js';

/** The event the function receives for `jobId`. */
function jobEvent(ctx: ActionContext, jobId: string): Record<string, unknown> {
  const data = jobData(ctx, jobId);
  if (!data) throw new Error(`job ${jobId} does not exist`);
  return {
    'CodePipeline.job': {
      id: jobId,
      accountId: ctx.account,
      data: {
        actionConfiguration: data.actionConfiguration,
        inputArtifacts: (data.inputArtifacts ?? []).map((a) => ({ ...a, revision: a.revision ?? null })),
        outputArtifacts: (data.outputArtifacts ?? []).map((a) => ({ ...a, revision: a.revision ?? null })),
        artifactCredentials: data.artifactCredentials,
        ...(data.continuationToken ? { continuationToken: data.continuationToken } : {}),
        ...(data.encryptionKey ? { encryptionKey: data.encryptionKey } : {}),
      },
    },
  };
}

async function invoke(ctx: ActionContext, jobId: string): Promise<void> {
  const functionName = ctx.configuration.FunctionName;
  try {
    await ctx.call('lambda', 'Invoke', { FunctionName: functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(jobEvent(ctx, jobId))) });
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    const code = err.code === 'AccessDeniedException' ? 'PermissionError' : err.code === 'ResourceNotFoundException' ? 'ConfigurationError' : 'JobFailed';
    throw new ActionFailure(`Failed to invoke the Lambda function ${functionName}: ${err.code}: ${err.message}`, code);
  }
}

/** How long CodePipeline waits for the function to answer one job. */
const REPLY_TIMEOUT_MS = 20 * 60 * 1000;
/** How long an Invoke Lambda action may run in all, continuation tokens included. */
const ACTION_TIMEOUT_MS = 24 * 60 * 60 * 1000;

/**
 * When a job of the action must have been answered, and the action's failure then: 20 minutes after
 * the job was created, but never after the action's 24 hours.
 */
export function jobDeadline(functionName: string, jobCreatedAt: number, actionStartedAt: number): { at: number; message: string } {
  const replyBy = jobCreatedAt + REPLY_TIMEOUT_MS;
  const actionEndsAt = actionStartedAt + ACTION_TIMEOUT_MS;
  if (actionEndsAt < replyBy) return { at: actionEndsAt, message: `The AWS Lambda function ${functionName} did not complete the action within 24 hours` };
  return {
    at: replyBy,
    message: `The AWS Lambda function ${functionName} failed to return a result. Check the function to verify that it has permission to call the PutJobSuccessResult action and that it made a call to PutJobSuccessResult.`,
  };
}

/** The job's deadline from its stored creation and the action's stored start, so a restart keeps it. */
function deadlineOf(ctx: ActionContext, jobId: string): { at: number; message: string } {
  const { store } = contextOf(ctx.rt);
  const now = ctx.clock.now();
  return jobDeadline(ctx.configuration.FunctionName, store.job(jobId)?.created_at ?? now, store.actionExecution(ctx.actionExecutionId)?.started_at ?? now);
}

/** Invokes the function for a job, checkpointed before and after: a restart in between invokes it again (at least once, never never). */
async function start(ctx: ActionContext, jobId: string): Promise<void> {
  ctx.checkpoint({ jobId, invoked: false });
  await invoke(ctx, jobId);
  ctx.checkpoint({ jobId, invoked: true });
}

async function run(ctx: ActionContext): Promise<ActionResult> {
  const savedJob = typeof ctx.saved?.jobId === 'string' ? ctx.saved.jobId : undefined;
  let jobId = savedJob ?? createJob(ctx);
  if (!savedJob || ctx.saved?.invoked !== true) await start(ctx, jobId);
  for (;;) {
    const outcome = await waitForJob(ctx, jobId, deadlineOf(ctx, jobId));
    if (outcome.status === 'Failed') {
      const failure = outcome.failureDetails;
      throw new ActionFailure(failure.message, 'JobFailed', failure.externalExecutionId);
    }
    if (!outcome.continuationToken) {
      const details = outcome.executionDetails;
      return {
        ...(outcome.outputVariables && Object.keys(outcome.outputVariables).length ? { outputVariables: outcome.outputVariables } : {}),
        ...(details?.summary ? { summary: details.summary } : {}),
        ...(details?.externalExecutionId ? { externalExecutionId: details.externalExecutionId } : {}),
      };
    }
    jobId = createJob(ctx, { continuationToken: outcome.continuationToken });
    await start(ctx, jobId);
  }
}

export const lambdaInvoke: ActionProvider = {
  typeId: { category: 'Invoke', owner: 'AWS', provider: 'Lambda', version: '1' },
  settings: {
    configurationProperties: [
      { name: 'FunctionName', required: true, key: true, secret: false },
      { name: 'UserParameters', required: false, key: false, secret: false },
    ],
    inputArtifacts: { minimumCount: 0, maximumCount: 5 },
    outputArtifacts: { minimumCount: 0, maximumCount: 5 },
  },
  run,
};
