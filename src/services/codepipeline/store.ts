/** CodePipeline tables and their prepared statements. No SQL lives anywhere else. */
import { preparedOnUse } from '../../core/prepared.js';
import type { Store } from '../../core/store.js';
import { ConditionStore } from './condition-store.js';
import { HistoryStore } from './history-store.js';

/** A pipeline's current version; every version's declaration is in codepipeline_versions. */
export interface PipelineRow {
  account: string;
  region: string;
  name: string;
  version: number;
  /** The PipelineDeclaration as JSON. */
  declaration: string;
  created_at: number;
  updated_at: number;
  /** Tags as JSON: `[{ key, value }]`. */
  tags: string;
}

export interface ExecutionRow {
  id: string;
  account: string;
  region: string;
  pipeline: string;
  version: number;
  /** Cancelled | InProgress | Stopped | Stopping | Succeeded | Superseded | Failed (AWS's PipelineExecutionStatus). */
  status: string;
  status_summary: string | null;
  /** JSON: the ExecutionTrigger. */
  trigger: string;
  /** JSON: `[{ name, resolvedValue }]`. */
  variables: string;
  /** JSON: StartPipelineExecution's sourceRevisions. */
  source_revisions: string;
  execution_mode: string;
  /** JSON: `{ stopMode?, abandon?, reason? }` once StopPipelineExecution asked. */
  stop: string | null;
  client_token: string | null;
  started_at: number;
  updated_at: number;
  /** JSON `{ stage, target }` of a RollbackStage execution: it runs only that stage, with the target execution's artifacts and variables. */
  rollback: string | null;
}

export interface ActionExecutionRow {
  id: string;
  execution_id: string;
  stage: string;
  action: string;
  /** InProgress | Abandoned | Succeeded | Failed (AWS's ActionExecutionStatus). */
  status: string;
  /** JSON: ListActionExecutions' input (actionTypeId, configuration, resolvedConfiguration, roleArn, region, inputArtifacts, namespace). */
  input: string;
  /** JSON: ListActionExecutions' output (outputArtifacts, executionResult, outputVariables) plus the revision of a source action. */
  output: string | null;
  /** JSON: `{ code, message }` of a failed action. */
  error: string | null;
  /** JSON: the provider's last checkpoint. */
  checkpoint: string | null;
  /** A manual approval's current token. */
  token: string | null;
  /** JSON: a manual approval's decision (PutApprovalResult). */
  decision: string | null;
  started_at: number;
  updated_at: number;
}

export interface StageStateRow {
  execution_id: string;
  stage: string;
  /** Cancelled | InProgress | Failed | Stopped | Stopping | Succeeded | Skipped. */
  status: string;
  /** When the stage's current attempt started (entered, or retried): its action executions are those since. */
  updated_at: number;
}

export interface JobRow {
  id: string;
  account: string;
  region: string;
  action_execution_id: string;
  /** `<category>/<owner>/<provider>/<version>`. */
  type_key: string;
  /** Created | Queued | Dispatched | InProgress | TimedOut | Succeeded | Failed (AWS's JobStatus). */
  status: string;
  nonce: string | null;
  /** JSON: the JobData a worker sees. */
  data: string;
  /** JSON: the worker's PutJobSuccessResult / PutJobFailureResult input. */
  result: string | null;
  /** For ThirdParty jobs: the client token a partner action reports with. */
  client_token: string | null;
  created_at: number;
}

export interface ActionTypeRow {
  account: string;
  region: string;
  category: string;
  provider: string;
  version: string;
  /** JSON: the ActionType as GetActionType/ListActionTypes answer it. */
  body: string;
  tags: string;
}

export interface WebhookRow {
  account: string;
  region: string;
  name: string;
  /** JSON: the WebhookDefinition. */
  definition: string;
  url: string;
  last_triggered: number | null;
  tags: string;
}

export interface TransitionRow {
  account: string;
  region: string;
  pipeline: string;
  stage: string;
  reason: string;
  disabled_by: string;
  disabled_at: number;
}

type ScopeKey = [account: string, region: string];

export class CodePipelineStore {
  private readonly stmts;
  /** Indexed reads of the execution history and source polling's memory. */
  readonly history: HistoryStore;
  /** Stage conditions: rule executions, condition states and stage retries. */
  readonly conditions: ConditionStore;

  constructor(private readonly store: Store) {
    store.migrate('codepipeline', [
      {
        version: 1,
        sql: `CREATE TABLE codepipeline_pipelines (
          account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL, declaration TEXT NOT NULL,
          created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, tags TEXT NOT NULL, PRIMARY KEY (account, region, name));
        CREATE TABLE codepipeline_versions (
          account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL, declaration TEXT NOT NULL,
          PRIMARY KEY (account, region, name, version));
        CREATE TABLE codepipeline_executions (
          id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, pipeline TEXT NOT NULL, version INTEGER NOT NULL,
          status TEXT NOT NULL, status_summary TEXT, trigger TEXT NOT NULL, variables TEXT NOT NULL, source_revisions TEXT NOT NULL,
          execution_mode TEXT NOT NULL, stop TEXT, client_token TEXT, started_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
        CREATE INDEX codepipeline_executions_by_pipeline ON codepipeline_executions (account, region, pipeline, started_at);
        CREATE TABLE codepipeline_stage_states (
          execution_id TEXT NOT NULL, stage TEXT NOT NULL, status TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (execution_id, stage));
        CREATE TABLE codepipeline_action_executions (
          id TEXT PRIMARY KEY, execution_id TEXT NOT NULL, stage TEXT NOT NULL, action TEXT NOT NULL, status TEXT NOT NULL,
          input TEXT NOT NULL, output TEXT, error TEXT, checkpoint TEXT, token TEXT, decision TEXT,
          started_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
        CREATE INDEX codepipeline_action_executions_by_execution ON codepipeline_action_executions (execution_id, started_at);
        CREATE TABLE codepipeline_jobs (
          id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, action_execution_id TEXT NOT NULL, type_key TEXT NOT NULL,
          status TEXT NOT NULL, nonce TEXT, data TEXT NOT NULL, result TEXT, client_token TEXT, created_at INTEGER NOT NULL);
        CREATE INDEX codepipeline_jobs_by_type ON codepipeline_jobs (account, region, type_key, status, created_at);
        CREATE TABLE codepipeline_action_types (
          account TEXT NOT NULL, region TEXT NOT NULL, category TEXT NOT NULL, provider TEXT NOT NULL, version TEXT NOT NULL,
          body TEXT NOT NULL, tags TEXT NOT NULL, PRIMARY KEY (account, region, category, provider, version));
        CREATE TABLE codepipeline_webhooks (
          account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, definition TEXT NOT NULL, url TEXT NOT NULL,
          last_triggered INTEGER, tags TEXT NOT NULL, PRIMARY KEY (account, region, name));
        CREATE TABLE codepipeline_transitions (
          account TEXT NOT NULL, region TEXT NOT NULL, pipeline TEXT NOT NULL, stage TEXT NOT NULL, reason TEXT NOT NULL,
          disabled_by TEXT NOT NULL, disabled_at INTEGER NOT NULL, PRIMARY KEY (account, region, pipeline, stage));`,
      },
      { version: 2, sql: 'ALTER TABLE codepipeline_executions ADD COLUMN rollback TEXT;' },
    ]);
    this.history = new HistoryStore(store);
    this.conditions = new ConditionStore(store);
    const db = store.db;
    this.stmts = preparedOnUse({
      pipeline: () => db.prepare<[string, string, string], PipelineRow>('SELECT * FROM codepipeline_pipelines WHERE account = ? AND region = ? AND name = ?'),
      pipelines: () => db.prepare<ScopeKey, PipelineRow>('SELECT * FROM codepipeline_pipelines WHERE account = ? AND region = ? ORDER BY name'),
      putPipeline: () =>
        db.prepare<PipelineRow>(`INSERT OR REPLACE INTO codepipeline_pipelines (account, region, name, version, declaration, created_at, updated_at, tags)
          VALUES (@account, @region, @name, @version, @declaration, @created_at, @updated_at, @tags)`),
      deletePipeline: () => db.prepare<[string, string, string]>('DELETE FROM codepipeline_pipelines WHERE account = ? AND region = ? AND name = ?'),
      version: () =>
        db.prepare<[string, string, string, number], { declaration: string }>('SELECT declaration FROM codepipeline_versions WHERE account = ? AND region = ? AND name = ? AND version = ?'),
      putVersion: () => db.prepare<[string, string, string, number, string]>('INSERT OR REPLACE INTO codepipeline_versions (account, region, name, version, declaration) VALUES (?, ?, ?, ?, ?)'),
      deleteVersions: () => db.prepare<[string, string, string]>('DELETE FROM codepipeline_versions WHERE account = ? AND region = ? AND name = ?'),
      execution: () => db.prepare<[string], ExecutionRow>('SELECT * FROM codepipeline_executions WHERE id = ?'),
      executionsOf: () =>
        db.prepare<[string, string, string], ExecutionRow>('SELECT * FROM codepipeline_executions WHERE account = ? AND region = ? AND pipeline = ? ORDER BY started_at DESC, rowid DESC'),
      executionByToken: () =>
        db.prepare<[string, string, string, string], ExecutionRow>('SELECT * FROM codepipeline_executions WHERE account = ? AND region = ? AND pipeline = ? AND client_token = ?'),
      insertExecution: () =>
        db.prepare<ExecutionRow>(`INSERT INTO codepipeline_executions (id, account, region, pipeline, version, status, status_summary, trigger, variables, source_revisions,
          execution_mode, stop, client_token, started_at, updated_at, rollback) VALUES (@id, @account, @region, @pipeline, @version, @status, @status_summary, @trigger, @variables,
          @source_revisions, @execution_mode, @stop, @client_token, @started_at, @updated_at, @rollback)`),
      updateExecution: () =>
        db.prepare<Pick<ExecutionRow, 'id' | 'status' | 'status_summary' | 'stop' | 'updated_at'>>(
          'UPDATE codepipeline_executions SET status = @status, status_summary = @status_summary, stop = @stop, updated_at = @updated_at WHERE id = @id',
        ),
      deleteExecutions: () => db.prepare<[string, string, string]>('DELETE FROM codepipeline_executions WHERE account = ? AND region = ? AND pipeline = ?'),
      stageStates: () => db.prepare<[string], StageStateRow>('SELECT * FROM codepipeline_stage_states WHERE execution_id = ?'),
      putStageState: () => db.prepare<StageStateRow>('INSERT OR REPLACE INTO codepipeline_stage_states (execution_id, stage, status, updated_at) VALUES (@execution_id, @stage, @status, @updated_at)'),
      deleteStageState: () => db.prepare<[string, string]>('DELETE FROM codepipeline_stage_states WHERE execution_id = ? AND stage = ?'),
      actionExecution: () => db.prepare<[string], ActionExecutionRow>('SELECT * FROM codepipeline_action_executions WHERE id = ?'),
      actionExecutionsOf: () => db.prepare<[string], ActionExecutionRow>('SELECT * FROM codepipeline_action_executions WHERE execution_id = ? ORDER BY started_at, rowid'),
      putActionExecution: () =>
        db.prepare<ActionExecutionRow>(`INSERT OR REPLACE INTO codepipeline_action_executions (id, execution_id, stage, action, status, input, output, error, checkpoint, token,
          decision, started_at, updated_at) VALUES (@id, @execution_id, @stage, @action, @status, @input, @output, @error, @checkpoint, @token, @decision, @started_at, @updated_at)`),
      job: () => db.prepare<[string], JobRow>('SELECT * FROM codepipeline_jobs WHERE id = ?'),
      jobsOfAction: () => db.prepare<[string], JobRow>('SELECT * FROM codepipeline_jobs WHERE action_execution_id = ? ORDER BY created_at, rowid'),
      queuedJobs: () =>
        db.prepare<[string, string, string, number], JobRow>(
          "SELECT * FROM codepipeline_jobs WHERE account = ? AND region = ? AND type_key = ? AND status = 'Queued' ORDER BY created_at, rowid LIMIT ?",
        ),
      putJob: () =>
        db.prepare<JobRow>(`INSERT OR REPLACE INTO codepipeline_jobs (id, account, region, action_execution_id, type_key, status, nonce, data, result, client_token, created_at)
          VALUES (@id, @account, @region, @action_execution_id, @type_key, @status, @nonce, @data, @result, @client_token, @created_at)`),
      actionType: () =>
        db.prepare<[string, string, string, string, string], ActionTypeRow>(
          'SELECT * FROM codepipeline_action_types WHERE account = ? AND region = ? AND category = ? AND provider = ? AND version = ?',
        ),
      actionTypes: () => db.prepare<ScopeKey, ActionTypeRow>('SELECT * FROM codepipeline_action_types WHERE account = ? AND region = ? ORDER BY category, provider, version'),
      putActionType: () =>
        db.prepare<ActionTypeRow>(`INSERT OR REPLACE INTO codepipeline_action_types (account, region, category, provider, version, body, tags)
          VALUES (@account, @region, @category, @provider, @version, @body, @tags)`),
      deleteActionType: () =>
        db.prepare<[string, string, string, string, string]>('DELETE FROM codepipeline_action_types WHERE account = ? AND region = ? AND category = ? AND provider = ? AND version = ?'),
      webhook: () => db.prepare<[string, string, string], WebhookRow>('SELECT * FROM codepipeline_webhooks WHERE account = ? AND region = ? AND name = ?'),
      webhooks: () => db.prepare<ScopeKey, WebhookRow>('SELECT * FROM codepipeline_webhooks WHERE account = ? AND region = ? ORDER BY name'),
      putWebhook: () =>
        db.prepare<WebhookRow>(`INSERT OR REPLACE INTO codepipeline_webhooks (account, region, name, definition, url, last_triggered, tags)
          VALUES (@account, @region, @name, @definition, @url, @last_triggered, @tags)`),
      deleteWebhook: () => db.prepare<[string, string, string]>('DELETE FROM codepipeline_webhooks WHERE account = ? AND region = ? AND name = ?'),
      transitions: () => db.prepare<[string, string, string], TransitionRow>('SELECT * FROM codepipeline_transitions WHERE account = ? AND region = ? AND pipeline = ?'),
      putTransition: () =>
        db.prepare<TransitionRow>(`INSERT OR REPLACE INTO codepipeline_transitions (account, region, pipeline, stage, reason, disabled_by, disabled_at)
          VALUES (@account, @region, @pipeline, @stage, @reason, @disabled_by, @disabled_at)`),
      deleteTransition: () => db.prepare<[string, string, string, string]>('DELETE FROM codepipeline_transitions WHERE account = ? AND region = ? AND pipeline = ? AND stage = ?'),
      deleteTransitions: () => db.prepare<[string, string, string]>('DELETE FROM codepipeline_transitions WHERE account = ? AND region = ? AND pipeline = ?'),
    });
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  afterCommit(hook: () => void): void {
    this.store.afterCommit(hook);
  }

  pipeline(account: string, region: string, name: string): PipelineRow | undefined {
    return this.stmts.pipeline.get(account, region, name);
  }

  pipelines(account: string, region: string): PipelineRow[] {
    return this.stmts.pipelines.all(account, region);
  }

  /** Writes the pipeline and records its declaration as that version. */
  putPipeline(row: PipelineRow): void {
    this.stmts.putPipeline.run(row);
    this.stmts.putVersion.run(row.account, row.region, row.name, row.version, row.declaration);
  }

  /** Removes the pipeline with its versions, executions' index rows and disabled transitions (executions' records go with it, as in AWS). */
  deletePipeline(account: string, region: string, name: string): void {
    this.stmts.deletePipeline.run(account, region, name);
    this.stmts.deleteVersions.run(account, region, name);
    this.stmts.deleteExecutions.run(account, region, name);
    this.stmts.deleteTransitions.run(account, region, name);
    this.history.deleteSourcePolls(account, region, name);
  }

  versionDeclaration(account: string, region: string, name: string, version: number): string | undefined {
    return this.stmts.version.get(account, region, name, version)?.declaration;
  }

  execution(id: string): ExecutionRow | undefined {
    return this.stmts.execution.get(id);
  }

  /** Newest first. */
  executionsOf(account: string, region: string, pipeline: string): ExecutionRow[] {
    return this.stmts.executionsOf.all(account, region, pipeline);
  }

  executionByToken(account: string, region: string, pipeline: string, token: string): ExecutionRow | undefined {
    return this.stmts.executionByToken.get(account, region, pipeline, token);
  }

  insertExecution(row: ExecutionRow): void {
    this.stmts.insertExecution.run(row);
  }

  updateExecution(row: ExecutionRow): void {
    this.stmts.updateExecution.run({ id: row.id, status: row.status, status_summary: row.status_summary, stop: row.stop, updated_at: row.updated_at });
  }

  stageStates(executionId: string): StageStateRow[] {
    return this.stmts.stageStates.all(executionId);
  }

  putStageState(row: StageStateRow): void {
    this.stmts.putStageState.run(row);
  }

  deleteStageState(executionId: string, stage: string): void {
    this.stmts.deleteStageState.run(executionId, stage);
  }

  actionExecution(id: string): ActionExecutionRow | undefined {
    return this.stmts.actionExecution.get(id);
  }

  /** Oldest first. */
  actionExecutionsOf(executionId: string): ActionExecutionRow[] {
    return this.stmts.actionExecutionsOf.all(executionId);
  }

  putActionExecution(row: ActionExecutionRow): void {
    this.stmts.putActionExecution.run(row);
  }

  job(id: string): JobRow | undefined {
    return this.stmts.job.get(id);
  }

  jobsOfAction(actionExecutionId: string): JobRow[] {
    return this.stmts.jobsOfAction.all(actionExecutionId);
  }

  queuedJobs(account: string, region: string, typeKey: string, limit: number): JobRow[] {
    return this.stmts.queuedJobs.all(account, region, typeKey, limit);
  }

  putJob(row: JobRow): void {
    this.stmts.putJob.run(row);
  }

  actionType(account: string, region: string, category: string, provider: string, version: string): ActionTypeRow | undefined {
    return this.stmts.actionType.get(account, region, category, provider, version);
  }

  actionTypes(account: string, region: string): ActionTypeRow[] {
    return this.stmts.actionTypes.all(account, region);
  }

  putActionType(row: ActionTypeRow): void {
    this.stmts.putActionType.run(row);
  }

  deleteActionType(account: string, region: string, category: string, provider: string, version: string): void {
    this.stmts.deleteActionType.run(account, region, category, provider, version);
  }

  webhook(account: string, region: string, name: string): WebhookRow | undefined {
    return this.stmts.webhook.get(account, region, name);
  }

  webhooks(account: string, region: string): WebhookRow[] {
    return this.stmts.webhooks.all(account, region);
  }

  putWebhook(row: WebhookRow): void {
    this.stmts.putWebhook.run(row);
  }

  deleteWebhook(account: string, region: string, name: string): void {
    this.stmts.deleteWebhook.run(account, region, name);
  }

  disabledTransitions(account: string, region: string, pipeline: string): TransitionRow[] {
    return this.stmts.transitions.all(account, region, pipeline);
  }

  disableTransition(row: TransitionRow): void {
    this.stmts.putTransition.run(row);
  }

  enableTransition(account: string, region: string, pipeline: string, stage: string): void {
    this.stmts.deleteTransition.run(account, region, pipeline, stage);
  }
}
