/**
 * What an execution looks like while it runs: GetPipelineState, ListActionExecutions; the inbound
 * transitions (Disable/EnableStageTransition) and manual approvals (PutApprovalResult).
 */
import type * as CP from '@aws-sdk/client-codepipeline';
import { AwsError } from '../../../core/errors.js';
import { pageToken, readPageToken } from '../../../core/pagination.js';
import type { RequestContext } from '../../../protocol/types.js';
import { declarationOf, existingPipeline } from '../common.js';
import type { StoredInput, StoredOutput } from '../engine/action-run.js';
import { approvalKey } from '../engine/approvals.js';
import { INBOUND, pipelineKey } from '../engine/runner.js';
import type { SequencedExecutionRow } from '../history-store.js';
import type { ActionExecutionRow, ExecutionRow, StageStateRow } from '../store.js';
import { conditionStatesOf } from './conditions.js';
import type { HandlerContext } from './context.js';
import { existingExecution } from './executions.js';

function actionExecutionOf(row: ActionExecutionRow): CP.ActionExecution {
  const output = row.output ? (JSON.parse(row.output) as Partial<StoredOutput>) : undefined;
  const error = row.error ? (JSON.parse(row.error) as CP.ErrorDetails) : undefined;
  return {
    actionExecutionId: row.id,
    status: row.status as CP.ActionExecutionStatus,
    summary: output?.executionResult?.externalExecutionSummary,
    lastStatusChange: new Date(row.updated_at),
    token: row.status === 'InProgress' && !row.decision ? (row.token ?? undefined) : undefined,
    externalExecutionId: output?.executionResult?.externalExecutionId,
    externalExecutionUrl: output?.executionResult?.externalExecutionUrl,
    errorDetails: error,
  };
}

export function getPipelineState(c: HandlerContext, input: CP.GetPipelineStateInput, ctx: RequestContext): CP.GetPipelineStateOutput {
  const pipeline = existingPipeline(c, ctx.account, ctx.region, input.name!);
  const declaration = declarationOf(pipeline);
  // Only what the answer shows: per stage its newest entered execution, and the running executions
  // waiting at its entrance (indexed reads, so the cost does not grow with the pipeline's history).
  const running = c.store.history.executionsWithStatus(ctx.account, ctx.region, pipeline.name, 'InProgress');
  const waiting = running.flatMap((execution) =>
    c.store
      .stageStates(execution.id)
      .filter((state) => state.status === INBOUND)
      .map((state) => ({ execution, state })),
  );
  const disabled = c.store.disabledTransitions(ctx.account, ctx.region, pipeline.name);
  return {
    pipelineName: pipeline.name,
    pipelineVersion: pipeline.version,
    created: new Date(pipeline.created_at),
    updated: new Date(pipeline.updated_at),
    stageStates: declaration.stages?.map((stage) => {
      const inbound = waiting.filter((s) => s.state.stage === stage.name);
      const latest = c.store.history.latestInStage(ctx.account, ctx.region, pipeline.name, stage.name!);
      const records = latest ? c.store.actionExecutionsOf(latest.execution.id).filter((r) => r.stage === stage.name) : [];
      const transition = disabled.find((t) => t.stage === stage.name);
      const stageExecution = (s: { execution: ExecutionRow; state: StageStateRow }): CP.StageExecution => ({
        pipelineExecutionId: s.execution.id,
        status: (s.state.status === INBOUND ? 'InProgress' : s.state.status) as CP.StageExecutionStatus,
        type: s.execution.rollback ? 'ROLLBACK' : 'STANDARD',
      });
      return {
        stageName: stage.name,
        inboundExecution: inbound[0] && stageExecution(inbound[0]),
        inboundExecutions: inbound.length ? inbound.map(stageExecution) : undefined,
        inboundTransitionState: {
          enabled: !transition,
          lastChangedBy: transition?.disabled_by,
          lastChangedAt: transition && new Date(transition.disabled_at),
          disabledReason: transition?.reason,
        },
        latestExecution: latest && stageExecution(latest),
        ...conditionStatesOf(c, latest?.execution.id, stage),
        actionStates: stage.actions?.map((action) => {
          const record = records.filter((r) => r.action === action.name).at(-1);
          const output = record?.output ? (JSON.parse(record.output) as Partial<StoredOutput>) : undefined;
          const revision = output?.revision;
          return {
            actionName: action.name,
            latestExecution: record && actionExecutionOf(record),
            currentRevision: revision && { revisionId: revision.revisionId, revisionChangeId: revision.revisionId, created: revision.created && new Date(revision.created) },
          };
        }),
      };
    }),
  };
}

/** A page token's position: the execution the next page starts in (its started_at and insertion order) and how many of its action executions were shown. */
interface Position {
  startedAt: number;
  seq: number;
  skip: number;
}
const isPosition = (value: unknown): value is Position => ['startedAt', 'seq', 'skip'].every((key) => typeof (value as Record<string, unknown> | undefined)?.[key] === 'number');

/** The pipeline's executions newest first from `from` (included), read a chunk at a time through the pipeline's index. */
function* executionsFrom(c: HandlerContext, ctx: RequestContext, pipeline: string, from?: Position): Generator<SequencedExecutionRow> {
  // (started_at, seq) < (t, s + 1) includes the execution at (t, s) itself.
  let after = from && { startedAt: from.startedAt, seq: from.seq + 1 };
  for (;;) {
    const chunk = c.store.history.executionsPage(ctx.account, ctx.region, pipeline, { after, limit: 50 });
    yield* chunk;
    const last = chunk.at(-1);
    if (!last || chunk.length < 50) return;
    after = { startedAt: last.started_at, seq: last.seq };
  }
}

export function listActionExecutions(c: HandlerContext, input: CP.ListActionExecutionsInput, ctx: RequestContext): CP.ListActionExecutionsOutput {
  const pipeline = existingPipeline(c, ctx.account, ctx.region, input.pipelineName!);
  const executionId = input.filter?.pipelineExecutionId ?? input.filter?.latestInPipelineExecution?.pipelineExecutionId;
  const from = input.nextToken ? readPageToken(input.nextToken, isPosition, () => new AwsError('InvalidNextTokenException', 'The next token was specified in an invalid format.')) : undefined;
  const limit = input.maxResults ?? 100;
  // Only the executions this page reaches are read, newest first, each one's action executions newest first.
  const executions = executionId ? [{ ...existingExecution(c, ctx, pipeline.name, executionId), seq: 0 }] : executionsFrom(c, ctx, pipeline.name, from);
  const page: { row: ActionExecutionRow; execution: ExecutionRow }[] = [];
  let next: Position | undefined;
  let skip = from?.skip ?? 0;
  walk: for (const execution of executions) {
    const records = c.store.actionExecutionsOf(execution.id).reverse();
    for (let index = skip; index < records.length; index++) {
      if (page.length === limit) {
        next = { startedAt: execution.started_at, seq: execution.seq, skip: index };
        break walk;
      }
      page.push({ row: records[index], execution });
    }
    skip = 0;
  }
  return {
    actionExecutionDetails: page.map(({ row, execution }) => {
      const stored = JSON.parse(row.input) as StoredInput;
      const output = row.output ? (JSON.parse(row.output) as Partial<StoredOutput>) : undefined;
      return {
        pipelineExecutionId: execution.id,
        actionExecutionId: row.id,
        pipelineVersion: execution.version,
        stageName: row.stage,
        actionName: row.action,
        startTime: new Date(row.started_at),
        lastUpdateTime: new Date(row.updated_at),
        status: row.status as CP.ActionExecutionStatus,
        input: {
          actionTypeId: stored.actionTypeId,
          configuration: stored.configuration,
          resolvedConfiguration: stored.resolvedConfiguration,
          roleArn: stored.roleArn,
          region: stored.region,
          inputArtifacts: stored.inputArtifacts,
          namespace: stored.namespace,
        },
        output: {
          outputArtifacts: output?.outputArtifacts ?? [],
          executionResult: { ...output?.executionResult, errorDetails: row.error ? (JSON.parse(row.error) as CP.ErrorDetails) : undefined },
          outputVariables: output?.outputVariables,
        },
      };
    }),
    nextToken: next && pageToken(next),
  };
}

function existingStage(c: HandlerContext, ctx: RequestContext, pipelineName: string, stageName: string) {
  const pipeline = existingPipeline(c, ctx.account, ctx.region, pipelineName);
  if (!declarationOf(pipeline).stages?.some((s) => s.name === stageName)) throw new AwsError('StageNotFoundException', `Stage '${stageName}' does not exist in pipeline '${pipelineName}'`);
  return pipeline;
}

export function disableStageTransition(c: HandlerContext, input: CP.DisableStageTransitionInput, ctx: RequestContext): void {
  c.store.tx(() => {
    const pipeline = existingStage(c, ctx, input.pipelineName!, input.stageName!);
    // Outbound transitions are the next stage's inbound one; the last stage has none.
    let stage = input.stageName!;
    if (input.transitionType === 'Outbound') {
      const stages = declarationOf(pipeline).stages ?? [];
      const next = stages[stages.findIndex((s) => s.name === stage) + 1];
      if (!next) throw new AwsError('ValidationException', `Stage '${stage}' is the last stage of pipeline '${pipeline.name}' and has no outbound transition`);
      stage = next.name!;
    }
    c.store.disableTransition({ account: ctx.account, region: ctx.region, pipeline: pipeline.name, stage, reason: input.reason!, disabled_by: ctx.principal.arn, disabled_at: c.rt.clock.now() });
  });
}

export function enableStageTransition(c: HandlerContext, input: CP.EnableStageTransitionInput, ctx: RequestContext): void {
  c.store.tx(() => {
    const pipeline = existingStage(c, ctx, input.pipelineName!, input.stageName!);
    let stage = input.stageName!;
    if (input.transitionType === 'Outbound') {
      const stages = declarationOf(pipeline).stages ?? [];
      stage = stages[stages.findIndex((s) => s.name === stage) + 1]?.name ?? stage;
    }
    c.store.enableTransition(ctx.account, ctx.region, pipeline.name, stage);
    c.store.afterCommit(() => c.wakeups.notify(pipelineKey(ctx.account, ctx.region, pipeline.name)));
  });
}

export function putApprovalResult(c: HandlerContext, input: CP.PutApprovalResultInput, ctx: RequestContext): CP.PutApprovalResultOutput {
  return c.store.tx(() => {
    const pipeline = existingStage(c, ctx, input.pipelineName!, input.stageName!);
    const action = declarationOf(pipeline)
      .stages!.find((s) => s.name === input.stageName)!
      .actions?.find((a) => a.name === input.actionName);
    if (!action) throw new AwsError('ActionNotFoundException', `Action '${input.actionName}' does not exist in stage '${input.stageName}' of pipeline '${pipeline.name}'`);
    const record = c.store.history.actionExecutionsByToken(input.token!).find((r) => {
      const execution = c.store.execution(r.execution_id);
      return execution?.account === ctx.account && execution.region === ctx.region && execution.pipeline === pipeline.name && r.stage === input.stageName && r.action === input.actionName;
    });
    if (!record) throw new AwsError('InvalidApprovalTokenException', `The approval token ${input.token} is not valid for action '${input.actionName}' in stage '${input.stageName}'`);
    if (record.decision || record.status !== 'InProgress') throw new AwsError('ApprovalAlreadyCompletedException', `The approval action '${input.actionName}' has already been completed`);
    const at = c.rt.clock.now();
    const decision = { status: input.result!.status, summary: input.result!.summary, approvedBy: ctx.principal.arn, at };
    c.store.putActionExecution({ ...record, decision: JSON.stringify(decision), updated_at: at });
    c.store.afterCommit(() => c.wakeups.notify(approvalKey(record.id)));
    return { approvedAt: new Date(at) };
  });
}
