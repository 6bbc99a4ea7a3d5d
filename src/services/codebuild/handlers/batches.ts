/**
 * CodeBuild batch builds: StartBuildBatch, BatchGetBuildBatches, StopBuildBatch, RetryBuildBatch,
 * ListBuildBatches, ListBuildBatchesForProject, DeleteBuildBatch. StartBuildBatch and
 * RetryBuildBatch write the batch and its durable job in one transaction; the orchestrator
 * (engine/batch-orchestrator.ts) takes it from there.
 */
import type * as CB from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import { arn } from '../../../core/arn.js';
import { AwsError } from '../../../core/errors.js';
import { uuid } from '../../../core/ids.js';
import type { RequestContext } from '../../../protocol/types.js';
import { BATCH_JOB, begin, buildIdOfArn, finishBatchPhase, PENDING } from '../engine/batch-orchestrator.js';
import { type BatchPlan, type BatchRow, batchOf, planOf } from '../store/batch-store.js';
import { type HandlerContext, IDEMPOTENCY_WINDOW_MS, initiatorOf, invalid, PAGE_SIZE, projectNotFound, resourceIdOf, scopeOf } from './common.js';

/**
 * StopBuildBatch answers once the batch completed or after this long (Drydock time): the wait is for
 * the orchestrator to stop the batch's builds and record the outcome.
 */
const STOP_WAIT_MS = 3000;

const batchArn = (scope: Scope, id: string) => arn('codebuild', scope.region, scope.account, `build-batch/${id}`);

/** StartBuildBatch's overrides as the StartBuild input every build of the batch starts from. */
function buildInputOf(input: CB.StartBuildBatchInput): CB.StartBuildInput {
  const { buildBatchConfigOverride: _config, buildTimeoutInMinutesOverride, reportBuildBatchStatusOverride, idempotencyToken: _token, debugSessionEnabled: _debug, ...same } = input;
  return {
    ...same,
    ...(buildTimeoutInMinutesOverride !== undefined ? { timeoutInMinutesOverride: buildTimeoutInMinutesOverride } : {}),
    ...(reportBuildBatchStatusOverride !== undefined ? { reportBuildStatusOverride: reportBuildBatchStatusOverride } : {}),
  };
}

function rowOrNotFound(c: HandlerContext, scope: Scope, idOrArn: string): BatchRow {
  const id = resourceIdOf(scope, 'build-batch', idOrArn);
  const row = id === undefined ? undefined : c.stores.batches.get(scope, id);
  if (!row) throw new AwsError('ResourceNotFoundException', `Build batch cannot be found: ${idOrArn}`);
  return row;
}

function page(c: HandlerContext, scope: Scope, filter: { projectName?: string; status?: string }, sortOrder: string | undefined, maxResults: number | undefined, nextToken: string | undefined) {
  let after: number | undefined;
  if (nextToken !== undefined) {
    if (!/^\d+$/.test(nextToken)) throw invalid('Invalid nextToken');
    after = Number(nextToken);
  }
  const size = maxResults ?? PAGE_SIZE;
  const rows = c.stores.batches.list(scope, filter, sortOrder === 'ASCENDING' ? 'ASCENDING' : 'DESCENDING', after, size + 1);
  const shown = rows.slice(0, size);
  return { ids: shown.map((r) => r.id), ...(rows.length > size ? { nextToken: String(shown[shown.length - 1].seq) } : {}) };
}

export function StartBuildBatch(c: HandlerContext, input: CB.StartBuildBatchInput, ctx: RequestContext): CB.StartBuildBatchOutput {
  const scope = scopeOf(ctx);
  const token = input.idempotencyToken;
  if (token !== undefined) {
    const previous = c.stores.batches.byToken(scope, token, c.rt.clock.now() - IDEMPOTENCY_WINDOW_MS);
    if (previous) return { buildBatch: batchOf(previous) };
  }
  const projectRow = c.stores.projects.row(scope, input.projectName!);
  if (!projectRow) throw projectNotFound(input.projectName!);
  const buildInput = { ...buildInputOf(input), projectName: projectRow.name };
  // The builds' overrides are checked as StartBuild checks them, before anything is written.
  const project = c.starter.effectiveProject(scope, buildInput);
  const config = input.buildBatchConfigOverride ?? project.buildBatchConfig;
  if (!config?.serviceRole) throw invalid(`Batch build is not enabled for project ${project.name}: the project needs a buildBatchConfig with a serviceRole`);
  const maximum = config.restrictions?.maximumBuildsAllowed;
  if (maximum !== undefined && maximum < 1) throw invalid('buildBatchConfig.restrictions.maximumBuildsAllowed must be at least 1');
  if (config.timeoutInMins !== undefined && (config.timeoutInMins < 5 || config.timeoutInMins > 2160)) throw invalid('buildBatchConfig.timeoutInMins must be between 5 and 2160');

  const name = project.name!;
  const id = `${name}:${uuid()}`;
  const now = c.rt.clock.date();
  const batch: CB.BuildBatch = {
    id,
    arn: batchArn(scope, id),
    startTime: now,
    currentPhase: 'SUBMITTED',
    buildBatchStatus: 'IN_PROGRESS',
    ...(project.sourceVersion !== undefined ? { sourceVersion: project.sourceVersion } : {}),
    projectName: name,
    phases: [{ phaseType: 'SUBMITTED', startTime: now }],
    source: project.source,
    secondarySources: project.secondarySources ?? [],
    secondarySourceVersions: project.secondarySourceVersions ?? [],
    artifacts: { location: '' },
    secondaryArtifacts: [],
    cache: project.cache,
    environment: project.environment,
    serviceRole: project.serviceRole,
    logConfig: {
      cloudWatchLogs: project.logsConfig?.cloudWatchLogs ?? { status: 'ENABLED' },
      s3Logs: project.logsConfig?.s3Logs ?? { status: 'DISABLED' },
    },
    buildTimeoutInMinutes: project.timeoutInMinutes,
    queuedTimeoutInMinutes: project.queuedTimeoutInMinutes,
    complete: false,
    initiator: initiatorOf(ctx),
    ...(project.vpcConfig ? { vpcConfig: project.vpcConfig } : {}),
    encryptionKey: project.encryptionKey,
    ...(project.fileSystemLocations?.length ? { fileSystemLocations: project.fileSystemLocations } : {}),
    buildBatchConfig: config,
    buildGroups: [],
    ...(input.debugSessionEnabled !== undefined ? { debugSessionEnabled: input.debugSessionEnabled } : {}),
  };
  const plan: BatchPlan = { input: buildInput, fastFail: false, builds: [] };
  c.stores.batches.tx(() => {
    batch.buildBatchNumber = c.stores.batches.nextNumber(scope, name);
    c.stores.batches.insert({
      account: scope.account,
      region: scope.region,
      id,
      arn: batch.arn!,
      project_name: name,
      batch: JSON.stringify(batch),
      plan: JSON.stringify(plan),
      status: 'IN_PROGRESS',
      complete: 0,
      stop_requested: 0,
      idempotency_token: token ?? null,
      created_at: now.getTime(),
    });
    c.rt.jobs.enqueue(BATCH_JOB, { account: scope.account, region: scope.region, id });
  });
  return { buildBatch: batch };
}

export function BatchGetBuildBatches(c: HandlerContext, input: CB.BatchGetBuildBatchesInput, ctx: RequestContext): CB.BatchGetBuildBatchesOutput {
  const scope = scopeOf(ctx);
  if (input.ids!.length === 0) throw invalid('ids must contain at least one batch id');
  const found: CB.BuildBatch[] = [];
  const notFound: string[] = [];
  for (const idOrArn of new Set(input.ids)) {
    const id = resourceIdOf(scope, 'build-batch', idOrArn);
    const row = id === undefined ? undefined : c.stores.batches.get(scope, id);
    if (row) found.push(batchOf(row));
    else notFound.push(idOrArn);
  }
  return { buildBatches: found, buildBatchesNotFound: notFound };
}

export async function StopBuildBatch(c: HandlerContext, input: CB.StopBuildBatchInput, ctx: RequestContext): Promise<CB.StopBuildBatchOutput> {
  const scope = scopeOf(ctx);
  const row = rowOrNotFound(c, scope, input.id!);
  if (row.complete) throw invalid(`Failed to stop build batch: build batch ${row.id} has already completed`);
  c.stores.batches.setStopRequested(scope, row.id, true);
  c.orchestrator.wake(scope, row.id);
  return { buildBatch: batchOf((await c.orchestrator.settled(scope, row.id, STOP_WAIT_MS)) ?? row) };
}

export function RetryBuildBatch(c: HandlerContext, input: CB.RetryBuildBatchInput, ctx: RequestContext): CB.RetryBuildBatchOutput {
  const scope = scopeOf(ctx);
  const token = input.idempotencyToken;
  if (token !== undefined) {
    const previous = c.stores.batches.byToken(scope, token, c.rt.clock.now() - IDEMPOTENCY_WINDOW_MS);
    if (previous) return { buildBatch: batchOf(previous) };
  }
  if (input.id === undefined) throw invalid('id must be specified unless idempotencyToken names a previous RetryBuildBatch');
  const row = rowOrNotFound(c, scope, input.id);
  // Only a batch that did not succeed can be retried (the API reference: "Only batch builds that have failed can be retried").
  if (!row.complete || row.status === 'SUCCEEDED') throw invalid(`Only batch builds that have failed can be retried: build batch ${row.id} is ${row.complete ? 'SUCCEEDED' : 'IN_PROGRESS'}`);
  if (!c.stores.projects.row(scope, row.project_name)) throw projectNotFound(row.project_name);
  const batch = batchOf(row);
  const plan = planOf(row);
  const retryType = input.retryType ?? 'RETRY_ALL_BUILDS';
  const now = c.rt.clock.date();
  // The terminal phase ends; the batch goes back to work on the groups it retries.
  finishBatchPhase(batch, batch.buildBatchStatus!, now);
  delete batch.endTime;
  batch.complete = false;
  batch.buildBatchStatus = 'IN_PROGRESS';
  if (plan.builds.length === 0) {
    // The batchspec never expanded (it failed in DOWNLOAD_BATCHSPEC): it is read again.
    begin(batch, 'DOWNLOAD_BATCHSPEC', now);
  } else {
    begin(batch, 'IN_PROGRESS', now);
    for (const group of batch.buildGroups ?? []) {
      const current = group.currentBuildSummary!;
      if (retryType === 'RETRY_FAILED_BUILDS' && current.buildStatus === 'SUCCEEDED') continue;
      if (current.arn) group.priorBuildSummaryList = [...(group.priorBuildSummaryList ?? []), current];
      group.currentBuildSummary = { requestedOn: now, buildStatus: PENDING };
    }
  }
  c.stores.batches.tx(() => {
    c.stores.batches.update(scope, batch, plan);
    c.stores.batches.setStopRequested(scope, row.id, false);
    if (token !== undefined) c.stores.batches.setIdempotencyToken(scope, row.id, token, now.getTime());
    c.rt.jobs.enqueue(BATCH_JOB, { account: scope.account, region: scope.region, id: row.id });
  });
  return { buildBatch: batch };
}

export function ListBuildBatches(c: HandlerContext, input: CB.ListBuildBatchesInput, ctx: RequestContext): CB.ListBuildBatchesOutput {
  return page(c, scopeOf(ctx), { status: input.filter?.status }, input.sortOrder, input.maxResults, input.nextToken);
}

export function ListBuildBatchesForProject(c: HandlerContext, input: CB.ListBuildBatchesForProjectInput, ctx: RequestContext): CB.ListBuildBatchesForProjectOutput {
  const scope = scopeOf(ctx);
  if (input.projectName === undefined) throw invalid('projectName must be specified');
  const projectRow = c.stores.projects.row(scope, input.projectName);
  if (!projectRow) throw projectNotFound(input.projectName);
  return page(c, scope, { projectName: projectRow.name, status: input.filter?.status }, input.sortOrder, input.maxResults, input.nextToken);
}

export function DeleteBuildBatch(c: HandlerContext, input: CB.DeleteBuildBatchInput, ctx: RequestContext): CB.DeleteBuildBatchOutput {
  const scope = scopeOf(ctx);
  const id = resourceIdOf(scope, 'build-batch', input.id!);
  const row = id === undefined ? undefined : c.stores.batches.get(scope, id);
  // DeleteBuildBatch declares only InvalidInputException.
  if (!row) throw invalid(`Build batch cannot be found: ${input.id}`);
  if (!row.complete) throw invalid(`Failed to delete build batch: build batch ${row.id} is still in progress`);
  const batch = batchOf(row);
  const deleted: string[] = [];
  const notDeleted: CB.BuildNotDeleted[] = [];
  const arns = (batch.buildGroups ?? []).flatMap((g) => [g.currentBuildSummary, ...(g.priorBuildSummaryList ?? [])]).flatMap((s) => (s?.arn ? [s.arn] : []));
  c.stores.batches.tx(() => {
    for (const buildArn of arns) {
      const buildRow = c.stores.builds.get(scope, buildIdOfArn(buildArn));
      if (!buildRow) continue;
      if (!buildRow.complete) notDeleted.push({ id: buildRow.arn, statusCode: 'BUILD_IN_PROGRESS' });
      else {
        c.stores.builds.remove(scope, buildRow.id);
        deleted.push(buildRow.arn);
      }
    }
    c.stores.batches.remove(scope, row.id);
  });
  return { buildsDeleted: deleted, buildsNotDeleted: notDeleted };
}

/** The operations of this file, each taking the context first (bound in index.ts). */
export const batchOperations = { StartBuildBatch, BatchGetBuildBatches, StopBuildBatch, RetryBuildBatch, ListBuildBatches, ListBuildBatchesForProject, DeleteBuildBatch };
