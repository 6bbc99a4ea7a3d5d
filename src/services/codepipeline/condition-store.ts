/**
 * Stage conditions' tables: rule executions (ListRuleExecutions), the latest evaluation of each
 * stage's conditions of a type in an execution (GetPipelineState's condition states), and how often
 * a stage was retried (retryStageMetadata). Part of CodePipelineStore (`store.conditions`), kept
 * apart so neither file grows past its limit.
 */
import { preparedOnUse } from '../../core/prepared.js';
import type { Store } from '../../core/store.js';

/** One evaluation of one rule of a stage condition (ListRuleExecutions). */
export interface RuleExecutionRow {
  id: string;
  execution_id: string;
  stage: string;
  /** BEFORE_ENTRY | ON_SUCCESS | ON_FAILURE. */
  condition_type: string;
  /** The condition's position in its list. */
  condition_index: number;
  rule: string;
  /** InProgress | Abandoned | Succeeded | Failed (AWS's RuleExecutionStatus). */
  status: string;
  /** JSON: ListRuleExecutions' input (ruleTypeId, configuration, resolvedConfiguration, roleArn, region, inputArtifacts). */
  input: string;
  /** JSON: the RuleExecutionResult (externalExecutionId, externalExecutionSummary, errorDetails). */
  output: string | null;
  /** JSON: the rule provider's last checkpoint. */
  checkpoint: string | null;
  /** Who last changed it: a principal's ARN for an override. */
  updated_by: string | null;
  started_at: number;
  updated_at: number;
}

/** The latest evaluation of a stage's conditions of one type in an execution (GetPipelineState's condition states). */
export interface ConditionStateRow {
  execution_id: string;
  stage: string;
  condition_type: string;
  /** InProgress | Failed | Errored | Succeeded | Cancelled | Abandoned | Overridden (AWS's ConditionExecutionStatus). */
  status: string;
  summary: string | null;
  /** The Result of the condition that decided: the failed one, else the last. */
  result: string | null;
  updated_by: string | null;
  started_at: number;
  updated_at: number;
}

/** How often a stage of an execution was retried (GetPipelineState's retryStageMetadata). */
export interface StageRetryRow {
  execution_id: string;
  stage: string;
  auto_attempts: number;
  manual_attempts: number;
  /** AutomatedStageRetry | ManualStageRetry. */
  latest_trigger: string;
}

export class ConditionStore {
  private readonly stmts;

  constructor(store: Store) {
    // Its own migration owner, so these tables never collide with the other CodePipeline tables' versions.
    store.migrate('codepipeline.conditions', [
      {
        version: 1,
        sql: `CREATE TABLE codepipeline_rule_executions (
        id TEXT PRIMARY KEY, execution_id TEXT NOT NULL, stage TEXT NOT NULL, condition_type TEXT NOT NULL, condition_index INTEGER NOT NULL,
        rule TEXT NOT NULL, status TEXT NOT NULL, input TEXT NOT NULL, output TEXT, checkpoint TEXT, updated_by TEXT,
        started_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
      CREATE INDEX codepipeline_rule_executions_by_execution ON codepipeline_rule_executions (execution_id, started_at);
      CREATE TABLE codepipeline_condition_states (
        execution_id TEXT NOT NULL, stage TEXT NOT NULL, condition_type TEXT NOT NULL, status TEXT NOT NULL, summary TEXT, result TEXT,
        updated_by TEXT, started_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (execution_id, stage, condition_type));
      CREATE TABLE codepipeline_stage_retries (
        execution_id TEXT NOT NULL, stage TEXT NOT NULL, auto_attempts INTEGER NOT NULL, manual_attempts INTEGER NOT NULL,
        latest_trigger TEXT NOT NULL, PRIMARY KEY (execution_id, stage));`,
      },
    ]);
    const db = store.db;
    this.stmts = preparedOnUse({
      ruleExecution: () => db.prepare<[string], RuleExecutionRow>('SELECT * FROM codepipeline_rule_executions WHERE id = ?'),
      ruleExecutionsOf: () => db.prepare<[string], RuleExecutionRow>('SELECT * FROM codepipeline_rule_executions WHERE execution_id = ? ORDER BY started_at, rowid'),
      putRuleExecution: () =>
        db.prepare<RuleExecutionRow>(`INSERT OR REPLACE INTO codepipeline_rule_executions (id, execution_id, stage, condition_type, condition_index, rule, status, input, output,
        checkpoint, updated_by, started_at, updated_at) VALUES (@id, @execution_id, @stage, @condition_type, @condition_index, @rule, @status, @input, @output, @checkpoint,
        @updated_by, @started_at, @updated_at)`),
      conditionStates: () => db.prepare<[string], ConditionStateRow>('SELECT * FROM codepipeline_condition_states WHERE execution_id = ?'),
      putConditionState: () =>
        db.prepare<ConditionStateRow>(`INSERT OR REPLACE INTO codepipeline_condition_states (execution_id, stage, condition_type, status, summary, result, updated_by, started_at,
        updated_at) VALUES (@execution_id, @stage, @condition_type, @status, @summary, @result, @updated_by, @started_at, @updated_at)`),
      deleteConditionState: () => db.prepare<[string, string, string]>('DELETE FROM codepipeline_condition_states WHERE execution_id = ? AND stage = ? AND condition_type = ?'),
      stageRetry: () => db.prepare<[string, string], StageRetryRow>('SELECT * FROM codepipeline_stage_retries WHERE execution_id = ? AND stage = ?'),
      putStageRetry: () =>
        db.prepare<StageRetryRow>(`INSERT OR REPLACE INTO codepipeline_stage_retries (execution_id, stage, auto_attempts, manual_attempts, latest_trigger)
        VALUES (@execution_id, @stage, @auto_attempts, @manual_attempts, @latest_trigger)`),
    });
  }

  ruleExecution(id: string): RuleExecutionRow | undefined {
    return this.stmts.ruleExecution.get(id);
  }

  /** Oldest first. */
  ruleExecutionsOf(executionId: string): RuleExecutionRow[] {
    return this.stmts.ruleExecutionsOf.all(executionId);
  }

  putRuleExecution(row: RuleExecutionRow): void {
    this.stmts.putRuleExecution.run(row);
  }

  conditionState(executionId: string, stage: string, type: string): ConditionStateRow | undefined {
    return this.stmts.conditionStates.all(executionId).find((row) => row.stage === stage && row.condition_type === type);
  }

  putConditionState(row: ConditionStateRow): void {
    this.stmts.putConditionState.run(row);
  }

  deleteConditionState(executionId: string, stage: string, type: string): void {
    this.stmts.deleteConditionState.run(executionId, stage, type);
  }

  stageRetry(executionId: string, stage: string): StageRetryRow | undefined {
    return this.stmts.stageRetry.get(executionId, stage);
  }

  putStageRetry(row: StageRetryRow): void {
    this.stmts.putStageRetry.run(row);
  }
}
