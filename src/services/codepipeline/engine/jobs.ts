/**
 * Jobs: how an action is handed to something outside the engine that reports back through the
 * job-worker API. A custom action's job waits for a worker (PollForJobs, AcknowledgeJob,
 * PutJobSuccessResult / PutJobFailureResult); an Invoke Lambda action creates a job, invokes its
 * function with the job's id and data, and waits for the function's PutJobSuccessResult.
 * A result with a continuationToken means "call me again": the caller creates the next job with it.
 * Jobs are rows, so a restarted provider finds its job again (checkpoint its id) and waits on.
 */
import type { JobData } from '@aws-sdk/client-codepipeline';
import { uuid } from '../../../core/ids.js';
import { type ActionContext, ActionFailure } from '../actions/types.js';
import { contextOf } from '../common.js';
import type { JobRow } from '../store.js';

/** What a job ended with. */
export type JobOutcome =
  | {
      status: 'Succeeded';
      continuationToken?: string;
      outputVariables?: Record<string, string>;
      currentRevision?: { revision: string; changeIdentifier: string; created?: Date; revisionSummary?: string };
      executionDetails?: { summary?: string; externalExecutionId?: string; percentComplete?: number };
    }
  | { status: 'Failed'; failureDetails: { type: string; message: string; externalExecutionId?: string } };

/** The wake-up key of a job's result. */
export const jobKey = (jobId: string) => `job:${jobId}`;

/**
 * Creates a job for the running action, Queued for workers of its type (Invoke Lambda passes its id
 * to the function instead), with the JobData AWS gives workers: the resolved configuration, the
 * pipeline context, artifact locations and the pipeline role's temporary artifact credentials.
 */
export function createJob(ctx: ActionContext, options: { continuationToken?: string } = {}): string {
  const c = contextOf(ctx.rt);
  const id = uuid();
  const credentials = c.artifactCredentials.get(ctx.actionExecutionId);
  const location = (a: { name: string; bucket: string; key: string }) => ({ name: a.name, location: { type: 'S3' as const, s3Location: { bucketName: a.bucket, objectKey: a.key } } });
  const data: JobData = {
    actionTypeId: ctx.actionTypeId,
    actionConfiguration: { configuration: ctx.configuration },
    pipelineContext: {
      pipelineName: ctx.pipelineName,
      stage: { name: ctx.stageName },
      action: { name: ctx.actionName, actionExecutionId: ctx.actionExecutionId },
      pipelineArn: ctx.pipelineArn,
      pipelineExecutionId: ctx.executionId,
    },
    inputArtifacts: ctx.inputArtifacts.map(location),
    outputArtifacts: ctx.outputArtifacts.map(location),
    artifactCredentials: credentials,
    continuationToken: options.continuationToken,
    encryptionKey: ctx.artifactStore.encryptionKey,
  };
  const row: JobRow = {
    id,
    account: ctx.account,
    region: ctx.region,
    action_execution_id: ctx.actionExecutionId,
    type_key: `${ctx.actionTypeId.category}/${ctx.actionTypeId.owner}/${ctx.actionTypeId.provider}/${ctx.actionTypeId.version}`,
    status: 'Queued',
    nonce: null,
    data: JSON.stringify(data),
    result: null,
    client_token: null,
    created_at: ctx.clock.now(),
  };
  c.store.tx(() => c.store.putJob(row));
  return id;
}

/** The job's data as GetJobDetails shows it. */
export function jobData(ctx: ActionContext, jobId: string): JobData | undefined {
  const row = contextOf(ctx.rt).store.job(jobId);
  return row ? (JSON.parse(row.data) as JobData) : undefined;
}

/** A job's status once it has ended; TimedOut when nobody finished it in time. */
const ENDED = new Set(['Succeeded', 'Failed', 'TimedOut']);

/**
 * Waits until the job's worker reports (or ctx.signal aborts, which rejects). With a deadline, a
 * job still without a result when Drydock's clock reaches it ends TimedOut (a late result is then
 * refused) and the wait rejects with an ActionFailure saying so. The deadline is derived from
 * stored times, so a resumed wait after a restart keeps it.
 */
export function waitForJob(ctx: ActionContext, jobId: string, deadline?: { at: number; message: string }): Promise<JobOutcome> {
  const c = contextOf(ctx.rt);
  const timer = deadline && ctx.clock.at(deadline.at, () => timeOut(ctx, jobId));
  return c.wakeups
    .until(jobKey(jobId), ctx.signal, () => {
      const row = c.store.job(jobId);
      if (!row) throw new Error(`job ${jobId} does not exist`);
      if (row.status === 'TimedOut') throw new ActionFailure(deadline?.message ?? `The job ${jobId} timed out`, 'JobFailed');
      return row.result && (row.status === 'Succeeded' || row.status === 'Failed') ? (JSON.parse(row.result) as JobOutcome) : undefined;
    })
    .finally(() => timer?.cancel());
}

function timeOut(ctx: ActionContext, jobId: string): void {
  const c = contextOf(ctx.rt);
  c.store.tx(() => {
    const row = c.store.job(jobId);
    if (row && !ENDED.has(row.status)) c.store.putJob({ ...row, status: 'TimedOut' });
  });
  c.wakeups.notify(jobKey(jobId));
}
