/**
 * Executions: StartPipelineExecution (variables, sourceRevisions, clientRequestToken),
 * StopPipelineExecution, GetPipelineExecution, ListPipelineExecutions. An execution is a durable
 * job on rt.jobs (engine/runner.ts), enqueued in the request's transaction.
 */
import type * as CP from '@aws-sdk/client-codepipeline';
import { AwsError } from '../../../core/errors.js';
import { uuid } from '../../../core/ids.js';
import { pageToken, readPageToken } from '../../../core/pagination.js';
import type { RequestContext } from '../../../protocol/types.js';
import { declarationOf, executionNotFound, existingPipeline } from '../common.js';
import type { StoredOutput } from '../engine/action-run.js';
import { pipelineEvent } from '../engine/events.js';
import { EXECUTION_JOB, pipelineKey } from '../engine/runner.js';
import type { ExecutionRow, PipelineRow } from '../store.js';
import type { HandlerContext } from './context.js';

/** The pipeline variables of a V2 execution: the declared defaults, overridden by the request's values. */
function resolvedVariables(pipeline: CP.PipelineDeclaration, given: CP.PipelineVariable[]): { name: string; resolvedValue: string }[] {
  const declared = pipeline.variables ?? [];
  for (const variable of given) {
    if (!declared.some((d) => d.name === variable.name)) throw new AwsError('ValidationException', `Variable ${variable.name} is not defined in the pipeline declaration`);
  }
  return declared.map((d) => {
    const value = given.find((v) => v.name === d.name)?.value ?? d.defaultValue;
    if (value === undefined) throw new AwsError('ValidationException', `Variable ${d.name} has no default value and no value was provided`);
    return { name: d.name!, resolvedValue: value };
  });
}

/** Records a new execution of the pipeline's current version and enqueues its job (inside the caller's transaction). */
export function startExecution(
  c: HandlerContext,
  pipeline: PipelineRow,
  trigger: CP.ExecutionTrigger,
  options: { variables?: CP.PipelineVariable[]; sourceRevisions?: CP.SourceRevisionOverride[]; clientToken?: string; rollback?: { stage: string; target: string } },
): ExecutionRow {
  const declaration = declarationOf(pipeline);
  const now = c.rt.clock.now();
  // The execution CreatePipeline starts has no variable values: one without a default fails it at once.
  let variables: { name: string; resolvedValue: string }[] = [];
  let failure: string | undefined;
  try {
    variables = resolvedVariables(declaration, options.variables ?? []);
  } catch (err) {
    if (trigger.triggerType !== 'CreatePipeline' || !(err instanceof AwsError)) throw err;
    failure = err.message;
  }
  const row: ExecutionRow = {
    id: uuid(),
    account: pipeline.account,
    region: pipeline.region,
    pipeline: pipeline.name,
    version: pipeline.version,
    status: failure ? 'Failed' : 'InProgress',
    status_summary: failure ?? null,
    trigger: JSON.stringify(trigger),
    variables: JSON.stringify(variables),
    source_revisions: JSON.stringify(options.sourceRevisions ?? []),
    execution_mode: declaration.executionMode ?? 'SUPERSEDED',
    stop: null,
    client_token: options.clientToken ?? null,
    started_at: now,
    updated_at: now,
    rollback: options.rollback ? JSON.stringify(options.rollback) : null,
  };
  c.store.insertExecution(row);
  if (failure) {
    pipelineEvent(c.rt, row, 'FAILED');
    return row;
  }
  c.rt.jobs.enqueue(EXECUTION_JOB, { executionId: row.id });
  pipelineEvent(c.rt, row, 'STARTED');
  return row;
}

export function startPipelineExecution(c: HandlerContext, input: CP.StartPipelineExecutionInput, ctx: RequestContext): CP.StartPipelineExecutionOutput {
  return c.store.tx(() => {
    const pipeline = existingPipeline(c, ctx.account, ctx.region, input.name!);
    if (input.clientRequestToken) {
      const earlier = c.store.executionByToken(ctx.account, ctx.region, pipeline.name, input.clientRequestToken);
      if (earlier) return { pipelineExecutionId: earlier.id };
    }
    const declaration = declarationOf(pipeline);
    if (input.variables?.length && declaration.pipelineType !== 'V2') throw new AwsError('ValidationException', 'Pipeline variables are only supported in V2 type pipelines');
    for (const revision of input.sourceRevisions ?? []) {
      const action = declaration.stages?.[0]?.actions?.find((a) => a.name === revision.actionName);
      if (!action) throw new AwsError('ValidationException', `The source action ${revision.actionName} does not exist in the pipeline`);
    }
    // An EventBridge rule's target delivery names its rule (AWS: trigger CloudWatchEvent, the rule's ARN as detail).
    const trigger = /^arn:[\w-]+:events:/.test(ctx.sourceArn ?? '')
      ? { triggerType: 'CloudWatchEvent' as const, triggerDetail: ctx.sourceArn }
      : { triggerType: 'StartPipelineExecution' as const, triggerDetail: ctx.principal.arn };
    const row = startExecution(c, pipeline, trigger, { variables: input.variables, sourceRevisions: input.sourceRevisions, clientToken: input.clientRequestToken });
    return { pipelineExecutionId: row.id };
  });
}

/** The execution a request names in the named pipeline, or AWS's not-found errors. */
export function existingExecution(c: HandlerContext, ctx: RequestContext, pipelineName: string, executionId: string): ExecutionRow {
  existingPipeline(c, ctx.account, ctx.region, pipelineName);
  const row = c.store.execution(executionId);
  if (!row || row.account !== ctx.account || row.region !== ctx.region || row.pipeline !== pipelineName) throw executionNotFound(executionId, pipelineName, ctx.account);
  return row;
}

type SourceRevision = { actionName: string; artifactName?: string; revision: NonNullable<StoredOutput['revision']> };

/** The revisions each execution's source actions produced (GetPipelineExecution's artifactRevisions, the summaries' sourceRevisions), by execution id. */
function sourceRevisions(c: HandlerContext, executions: ExecutionRow[]): Map<string, SourceRevision[]> {
  const byExecution = new Map<string, SourceRevision[]>(executions.map((e) => [e.id, []]));
  for (const row of c.store.history.sourceRevisions(executions.map((e) => e.id))) {
    byExecution.get(row.execution_id)!.push({ actionName: row.action, artifactName: row.artifact ?? undefined, revision: JSON.parse(row.revision) });
  }
  return byExecution;
}

export function getPipelineExecution(c: HandlerContext, input: CP.GetPipelineExecutionInput, ctx: RequestContext): CP.GetPipelineExecutionOutput {
  const row = existingExecution(c, ctx, input.pipelineName!, input.pipelineExecutionId!);
  return {
    pipelineExecution: {
      pipelineName: row.pipeline,
      pipelineVersion: row.version,
      pipelineExecutionId: row.id,
      status: row.status as CP.PipelineExecutionStatus,
      statusSummary: row.status_summary ?? undefined,
      artifactRevisions: sourceRevisions(c, [row])
        .get(row.id)!
        .map((r) => ({
          name: r.artifactName,
          revisionId: r.revision.revisionId,
          revisionSummary: r.revision.revisionSummary,
          revisionUrl: r.revision.revisionUrl,
          created: r.revision.created && new Date(r.revision.created),
        })),
      variables: JSON.parse(row.variables),
      trigger: JSON.parse(row.trigger),
      executionMode: row.execution_mode as CP.ExecutionMode,
      executionType: row.rollback ? 'ROLLBACK' : 'STANDARD',
      rollbackMetadata: row.rollback ? { rollbackTargetPipelineExecutionId: (JSON.parse(row.rollback) as { target: string }).target } : undefined,
    },
  };
}

/** A page token's position: the last execution shown (its started_at and insertion order). */
const isPosition = (value: unknown): value is { startedAt: number; seq: number } =>
  typeof (value as { startedAt?: unknown })?.startedAt === 'number' && typeof (value as { seq?: unknown })?.seq === 'number';

export function listPipelineExecutions(c: HandlerContext, input: CP.ListPipelineExecutionsInput, ctx: RequestContext): CP.ListPipelineExecutionsOutput {
  existingPipeline(c, ctx.account, ctx.region, input.pipelineName!);
  const after = input.nextToken ? readPageToken(input.nextToken, isPosition, () => new AwsError('InvalidNextTokenException', 'The next token was specified in an invalid format.')) : undefined;
  const limit = input.maxResults ?? 100;
  // One row more than the page tells whether another page follows.
  const rows = c.store.history.executionsPage(ctx.account, ctx.region, input.pipelineName!, { after, stage: input.filter?.succeededInStage?.stageName, limit: limit + 1 });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const revisions = sourceRevisions(c, page);
  return {
    pipelineExecutionSummaries: page.map((row) => ({
      pipelineExecutionId: row.id,
      status: row.status as CP.PipelineExecutionStatus,
      statusSummary: row.status_summary ?? undefined,
      startTime: new Date(row.started_at),
      lastUpdateTime: new Date(row.updated_at),
      sourceRevisions: revisions.get(row.id)!.map((r) => ({
        actionName: r.actionName,
        revisionId: r.revision.revisionId,
        revisionSummary: r.revision.revisionSummary,
        revisionUrl: r.revision.revisionUrl,
      })),
      trigger: JSON.parse(row.trigger),
      stopTrigger: row.stop ? { reason: (JSON.parse(row.stop) as { reason?: string }).reason } : undefined,
      executionMode: row.execution_mode as CP.ExecutionMode,
      executionType: row.rollback ? 'ROLLBACK' : 'STANDARD',
      rollbackMetadata: row.rollback ? { rollbackTargetPipelineExecutionId: (JSON.parse(row.rollback) as { target: string }).target } : undefined,
    })),
    nextToken: rows.length > limit && last ? pageToken({ startedAt: last.started_at, seq: last.seq }) : undefined,
  };
}

export function stopPipelineExecution(c: HandlerContext, input: CP.StopPipelineExecutionInput, ctx: RequestContext): CP.StopPipelineExecutionOutput {
  return c.store.tx(() => {
    const row = existingExecution(c, ctx, input.pipelineName!, input.pipelineExecutionId!);
    if (row.status === 'Stopping') {
      const earlier = JSON.parse(row.stop ?? '{}') as { abandon?: boolean };
      if (!input.abandon || earlier.abandon) throw new AwsError('DuplicatedStopRequestException', `Execution ${row.id} is already being stopped`);
    } else if (row.status !== 'InProgress') {
      throw new AwsError('PipelineExecutionNotStoppableException', `Unable to stop pipeline execution ${row.id} in pipeline ${row.pipeline} because its status is ${row.status}`);
    }
    const stopping = { ...row, status: 'Stopping', stop: JSON.stringify({ abandon: input.abandon ?? false, reason: input.reason }), updated_at: c.rt.clock.now() };
    c.store.updateExecution(stopping);
    pipelineEvent(c.rt, stopping, 'STOPPING');
    c.store.afterCommit(() => {
      if (input.abandon) c.engine.abandon(row.id);
      c.wakeups.notify(pipelineKey(row.account, row.region, row.pipeline));
    });
    return { pipelineExecutionId: row.id };
  });
}
