/**
 * The job-worker API: PollForJobs, AcknowledgeJob, GetJobDetails, PutJobSuccessResult and
 * PutJobFailureResult, and their ThirdParty variants (the same jobs, acknowledged with a client
 * token). A result wakes the action waiting for it (engine/jobs.ts).
 */
import type * as CP from '@aws-sdk/client-codepipeline';
import { AwsError } from '../../../core/errors.js';
import { uuid } from '../../../core/ids.js';
import type { RequestContext } from '../../../protocol/types.js';
import { type JobOutcome, jobKey } from '../engine/jobs.js';
import type { JobRow } from '../store.js';
import type { HandlerContext } from './context.js';

const TERMINAL = new Set(['Succeeded', 'Failed', 'TimedOut']);

function existingJob(c: HandlerContext, ctx: RequestContext, jobId: string): JobRow {
  const row = c.store.job(jobId);
  if (!row || row.account !== ctx.account || row.region !== ctx.region) throw new AwsError('JobNotFoundException', `The job with the specified ID '${jobId}' was not found`);
  return row;
}

export function pollForJobs(c: HandlerContext, input: CP.PollForJobsInput, ctx: RequestContext): CP.PollForJobsOutput {
  const type = input.actionTypeId!;
  // AWS's own action types have no job workers: their jobs (Invoke Lambda's) are not for polling.
  if (type.owner === 'AWS') throw new AwsError('ValidationException', "ActionType with owner 'AWS' is not supported");
  return c.store.tx(() => {
    if (type.owner === 'Custom' && !c.store.actionType(ctx.account, ctx.region, type.category!, type.provider!, type.version!)) {
      throw new AwsError('ActionTypeNotFoundException', `ActionType (Category: '${type.category}', Owner: '${type.owner}', Provider: '${type.provider}', Version: '${type.version}') is not available`);
    }
    const key = `${type.category}/${type.owner}/${type.provider}/${type.version}`;
    const query = Object.entries(input.queryParam ?? {});
    const jobs: CP.Job[] = [];
    for (const row of c.store.queuedJobs(ctx.account, ctx.region, key, 1000)) {
      if (jobs.length >= (input.maxBatchSize ?? 1)) break;
      const data = JSON.parse(row.data) as CP.JobData;
      // queryParam selects jobs whose queryable configuration properties have these values.
      if (query.some(([name, value]) => data.actionConfiguration?.configuration?.[name] !== value)) continue;
      const nonce = uuid();
      c.store.putJob({ ...row, status: 'Dispatched', nonce });
      jobs.push({ id: row.id, data, nonce, accountId: row.account });
    }
    return { jobs };
  });
}

export function pollForThirdPartyJobs(c: HandlerContext, input: CP.PollForThirdPartyJobsInput, ctx: RequestContext): CP.PollForThirdPartyJobsOutput {
  const type = input.actionTypeId!;
  return c.store.tx(() => {
    const key = `${type.category}/${type.owner}/${type.provider}/${type.version}`;
    const rows = c.store.queuedJobs(ctx.account, ctx.region, key, input.maxBatchSize ?? 1);
    for (const row of rows) c.store.putJob({ ...row, status: 'Dispatched', nonce: uuid() });
    return { jobs: rows.map((row) => ({ jobId: row.id, clientId: row.account })) };
  });
}

function acknowledge(c: HandlerContext, row: JobRow, nonce: string): CP.JobStatus {
  if (row.nonce !== nonce) throw new AwsError('InvalidNonceException', `The nonce ${nonce} does not match the nonce of job ${row.id}`);
  if (TERMINAL.has(row.status)) return row.status as CP.JobStatus;
  c.store.putJob({ ...row, status: 'InProgress' });
  return 'InProgress';
}

export function acknowledgeJob(c: HandlerContext, input: CP.AcknowledgeJobInput, ctx: RequestContext): CP.AcknowledgeJobOutput {
  return c.store.tx(() => ({ status: acknowledge(c, existingJob(c, ctx, input.jobId!), input.nonce!) }));
}

export function acknowledgeThirdPartyJob(c: HandlerContext, input: CP.AcknowledgeThirdPartyJobInput, ctx: RequestContext): CP.AcknowledgeThirdPartyJobOutput {
  return c.store.tx(() => {
    const row = existingJob(c, ctx, input.jobId!);
    const status = acknowledge(c, row, input.nonce!);
    c.store.putJob({ ...c.store.job(row.id)!, client_token: input.clientToken! });
    return { status };
  });
}

export function getJobDetails(c: HandlerContext, input: CP.GetJobDetailsInput, ctx: RequestContext): CP.GetJobDetailsOutput {
  const row = existingJob(c, ctx, input.jobId!);
  return { jobDetails: { id: row.id, data: JSON.parse(row.data) as CP.JobData, accountId: row.account } };
}

export function getThirdPartyJobDetails(c: HandlerContext, input: CP.GetThirdPartyJobDetailsInput, ctx: RequestContext): CP.GetThirdPartyJobDetailsOutput {
  const row = thirdPartyJob(c, ctx, input.jobId!, input.clientToken!);
  return { jobDetails: { id: row.id, data: JSON.parse(row.data) as CP.ThirdPartyJobData, nonce: row.nonce ?? undefined } };
}

function thirdPartyJob(c: HandlerContext, ctx: RequestContext, jobId: string, clientToken: string): JobRow {
  const row = existingJob(c, ctx, jobId);
  if (row.client_token !== clientToken) throw new AwsError('InvalidClientTokenException', `The client token ${clientToken} was not found for job ${jobId}`);
  return row;
}

/** Records a worker's result once: a job already ended refuses another. */
function complete(c: HandlerContext, row: JobRow, outcome: JobOutcome): void {
  if (TERMINAL.has(row.status)) throw new AwsError('InvalidJobStateException', `Job ${row.id} is in state ${row.status} and cannot be updated`);
  c.store.putJob({ ...row, status: outcome.status, result: JSON.stringify(outcome) });
  c.store.afterCommit(() => c.wakeups.notify(jobKey(row.id)));
}

function success(input: CP.PutJobSuccessResultInput | CP.PutThirdPartyJobSuccessResultInput): JobOutcome {
  const outputVariables = 'outputVariables' in input ? input.outputVariables : undefined;
  if (outputVariables && JSON.stringify(outputVariables).length > 122_880)
    throw new AwsError('OutputVariablesSizeExceededException', 'The output variables exceed the size limit of 122880 characters');
  const revision = input.currentRevision;
  return {
    status: 'Succeeded',
    continuationToken: input.continuationToken,
    outputVariables,
    currentRevision: revision && { revision: revision.revision!, changeIdentifier: revision.changeIdentifier!, created: revision.created, revisionSummary: revision.revisionSummary },
    executionDetails: input.executionDetails,
  };
}

export function putJobSuccessResult(c: HandlerContext, input: CP.PutJobSuccessResultInput, ctx: RequestContext): void {
  if (input.continuationToken && input.outputVariables) throw new AwsError('ValidationException', 'Output variables can only be set on the last job of an action, without a continuation token');
  c.store.tx(() => complete(c, existingJob(c, ctx, input.jobId!), success(input)));
}

export function putJobFailureResult(c: HandlerContext, input: CP.PutJobFailureResultInput, ctx: RequestContext): void {
  const failure = input.failureDetails!;
  c.store.tx(() =>
    complete(c, existingJob(c, ctx, input.jobId!), { status: 'Failed', failureDetails: { type: failure.type!, message: failure.message!, externalExecutionId: failure.externalExecutionId } }),
  );
}

export function putThirdPartyJobSuccessResult(c: HandlerContext, input: CP.PutThirdPartyJobSuccessResultInput, ctx: RequestContext): void {
  c.store.tx(() => complete(c, thirdPartyJob(c, ctx, input.jobId!, input.clientToken!), success(input)));
}

export function putThirdPartyJobFailureResult(c: HandlerContext, input: CP.PutThirdPartyJobFailureResultInput, ctx: RequestContext): void {
  const failure = input.failureDetails!;
  c.store.tx(() =>
    complete(c, thirdPartyJob(c, ctx, input.jobId!, input.clientToken!), {
      status: 'Failed',
      failureDetails: { type: failure.type!, message: failure.message!, externalExecutionId: failure.externalExecutionId },
    }),
  );
}
