/**
 * Stage conditions through the API: ListRuleTypes (the rule types Drydock runs), ListRuleExecutions,
 * OverrideStageCondition (an entry or success condition in progress is marked Overridden: its rules
 * are abandoned and the stage goes on), and the condition states and retry metadata GetPipelineState
 * shows for a stage's latest execution.
 */
import type * as CP from '@aws-sdk/client-codepipeline';
import { AwsError } from '../../../core/errors.js';
import { pageToken, readPageToken } from '../../../core/pagination.js';
import type { RequestContext } from '../../../protocol/types.js';
import { declarationOf, existingPipeline } from '../common.js';
import type { RuleExecutionRow } from '../condition-store.js';
import type { StoredRuleInput } from '../engine/conditions.js';
import { RULE_PROVIDERS } from '../engine/rules/index.js';
import type { HandlerContext } from './context.js';
import { existingExecution } from './executions.js';

/** What a rule execution's output column holds. */
type StoredRuleOutput = { externalExecutionId?: string; externalExecutionSummary?: string; errorDetails?: CP.ErrorDetails };

const outputOf = (row: RuleExecutionRow): StoredRuleOutput => (row.output ? (JSON.parse(row.output) as StoredRuleOutput) : {});

export function listRuleTypes(_c: HandlerContext, input: CP.ListRuleTypesInput): CP.ListRuleTypesOutput {
  // Every rule type is AWS's, in every region.
  if (input.ruleOwnerFilter && input.ruleOwnerFilter !== 'AWS') return { ruleTypes: [] };
  return {
    ruleTypes: [...RULE_PROVIDERS.values()].map((provider) => ({
      id: { category: 'Rule', owner: 'AWS', provider: provider.provider, version: '1' },
      ruleConfigurationProperties: provider.configurationProperties,
      inputArtifactDetails: { minimumCount: 0, maximumCount: 5 },
    })),
  };
}

const isPosition = (value: unknown): value is { skip: number } => typeof (value as { skip?: unknown })?.skip === 'number';

export function listRuleExecutions(c: HandlerContext, input: CP.ListRuleExecutionsInput, ctx: RequestContext): CP.ListRuleExecutionsOutput {
  const pipeline = existingPipeline(c, ctx.account, ctx.region, input.pipelineName!);
  const executionId = input.filter?.pipelineExecutionId ?? input.filter?.latestInPipelineExecution?.pipelineExecutionId;
  const executions = executionId ? [existingExecution(c, ctx, pipeline.name, executionId)] : c.store.executionsOf(ctx.account, ctx.region, pipeline.name);
  // Newest first, as ListActionExecutions.
  const rows = executions.flatMap((execution) =>
    c.store.conditions
      .ruleExecutionsOf(execution.id)
      .reverse()
      .map((row) => ({ row, execution })),
  );
  const skip = input.nextToken ? readPageToken(input.nextToken, isPosition, () => new AwsError('InvalidNextTokenException', 'The next token was specified in an invalid format.')).skip : 0;
  const limit = input.maxResults ?? 100;
  return {
    ruleExecutionDetails: rows.slice(skip, skip + limit).map(({ row, execution }) => {
      const stored = JSON.parse(row.input) as StoredRuleInput;
      const output = outputOf(row);
      return {
        pipelineExecutionId: execution.id,
        ruleExecutionId: row.id,
        pipelineVersion: execution.version,
        stageName: row.stage,
        ruleName: row.rule,
        startTime: new Date(row.started_at),
        lastUpdateTime: new Date(row.updated_at),
        updatedBy: row.updated_by ?? undefined,
        status: row.status as CP.RuleExecutionStatus,
        input: {
          ruleTypeId: stored.ruleTypeId,
          configuration: stored.configuration,
          resolvedConfiguration: stored.resolvedConfiguration,
          roleArn: stored.roleArn,
          region: stored.region,
          inputArtifacts: stored.inputArtifacts,
        },
        output: { executionResult: output },
      };
    }),
    nextToken: rows.length > skip + limit ? pageToken({ skip: skip + limit }) : undefined,
  };
}

export function overrideStageCondition(c: HandlerContext, input: CP.OverrideStageConditionInput, ctx: RequestContext): void {
  c.store.tx(() => {
    const pipeline = existingPipeline(c, ctx.account, ctx.region, input.pipelineName!);
    const stage = input.stageName!;
    if (!declarationOf(pipeline).stages?.some((s) => s.name === stage)) throw new AwsError('StageNotFoundException', `Stage '${stage}' does not exist in pipeline '${pipeline.name}'`);
    const execution = existingExecution(c, ctx, pipeline.name, input.pipelineExecutionId!);
    const type = input.conditionType!;
    const state = c.store.conditions.conditionState(execution.id, stage, type);
    if (state?.status !== 'InProgress') {
      throw new AwsError('ConditionNotOverridableException', `The ${type} condition of stage '${stage}' is not in progress in pipeline execution ${execution.id} and cannot be overridden`);
    }
    const now = c.rt.clock.now();
    c.store.conditions.putConditionState({ ...state, status: 'Overridden', summary: `Overridden by ${ctx.principal.arn}`, updated_by: ctx.principal.arn, updated_at: now });
    for (const row of c.store.conditions.ruleExecutionsOf(execution.id)) {
      if (row.stage === stage && row.condition_type === type && row.status === 'InProgress') {
        c.store.conditions.putRuleExecution({ ...row, status: 'Abandoned', updated_by: ctx.principal.arn, updated_at: now });
      }
    }
    c.store.afterCommit(() => c.engine.conditions.overridden(execution.id, stage, type));
  });
}

function ruleExecutionOf(row: RuleExecutionRow): CP.RuleExecution {
  const output = outputOf(row);
  return {
    ruleExecutionId: row.id,
    status: row.status as CP.RuleExecutionStatus,
    summary: output.externalExecutionSummary,
    lastStatusChange: new Date(row.updated_at),
    lastUpdatedBy: row.updated_by ?? undefined,
    externalExecutionId: output.externalExecutionId,
    errorDetails: output.errorDetails,
  };
}

/** A condition's status from its rules' latest executions (undefined before any ran). */
function conditionStatus(rules: (RuleExecutionRow | undefined)[]): CP.ConditionExecutionStatus | undefined {
  const statuses = rules.flatMap((rule) => (rule ? [rule.status] : []));
  if (!statuses.length) return undefined;
  for (const status of ['Failed', 'Abandoned', 'InProgress'] as const) if (statuses.includes(status)) return status;
  return statuses.length === rules.length ? 'Succeeded' : 'InProgress';
}

function stageConditionState(c: HandlerContext, executionId: string, stage: string, type: string, conditions: CP.Condition[] | undefined): CP.StageConditionState | undefined {
  const state = conditions?.length ? c.store.conditions.conditionState(executionId, stage, type) : undefined;
  if (!state || !conditions) return undefined;
  const rows = c.store.conditions.ruleExecutionsOf(executionId).filter((r) => r.stage === stage && r.condition_type === type && r.started_at >= state.started_at);
  return {
    latestExecution: { status: state.status as CP.ConditionExecutionStatus, summary: state.summary ?? undefined },
    conditionStates: conditions.map((condition, index) => {
      const latest = (condition.rules ?? []).map((rule) => rows.filter((r) => r.condition_index === index && r.rule === rule.name).at(-1));
      const status = state.status === 'Overridden' ? 'Overridden' : conditionStatus(latest);
      const changed = Math.max(...latest.map((r) => r?.updated_at ?? 0));
      return {
        latestExecution: status && { status, lastStatusChange: new Date(state.status === 'Overridden' ? state.updated_at : changed) },
        ruleStates: (condition.rules ?? []).map((rule, ruleIndex) => ({ ruleName: rule.name, latestExecution: latest[ruleIndex] && ruleExecutionOf(latest[ruleIndex]) })),
      };
    }),
  };
}

/** GetPipelineState's condition states and retry metadata of a stage in its latest execution. */
export function conditionStatesOf(
  c: HandlerContext,
  executionId: string | undefined,
  stage: CP.StageDeclaration,
): Pick<CP.StageState, 'beforeEntryConditionState' | 'onSuccessConditionState' | 'onFailureConditionState' | 'retryStageMetadata'> {
  if (!executionId) return {};
  const name = stage.name!;
  const retries = c.store.conditions.stageRetry(executionId, name);
  return {
    beforeEntryConditionState: stageConditionState(c, executionId, name, 'BEFORE_ENTRY', stage.beforeEntry?.conditions),
    onSuccessConditionState: stageConditionState(c, executionId, name, 'ON_SUCCESS', stage.onSuccess?.conditions),
    onFailureConditionState: stageConditionState(c, executionId, name, 'ON_FAILURE', stage.onFailure?.conditions),
    retryStageMetadata: retries && {
      autoStageRetryAttempt: retries.auto_attempts || undefined,
      manualStageRetryAttempt: retries.manual_attempts || undefined,
      latestRetryTrigger: retries.latest_trigger as CP.RetryTrigger,
    },
  };
}
