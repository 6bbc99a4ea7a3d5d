/**
 * Indexed reads of a pipeline's execution history (pages of executions, the newest execution in a
 * stage, the running ones, the revisions a source action produced) and what source polling last
 * saw of each source action. Part of
 * CodePipelineStore (`store.history`), kept apart so neither file grows past its limit.
 */
import { preparedOnUse } from '../../core/prepared.js';
import type { Store } from '../../core/store.js';
import type { ActionExecutionRow, ExecutionRow, PipelineRow, StageStateRow } from './store.js';

/** What source polling last saw of a source action (PollForSourceChanges). */
export interface SourcePollRow {
  account: string;
  region: string;
  pipeline: string;
  stage: string;
  action: string;
  /** The branch head or object version last seen; null while the branch or object did not exist. */
  revision: string | null;
  polled_at: number;
}

/** A revision a source action produced: `revision` is the StoredOutput's revision, as JSON. */
export interface SourceRevisionRow {
  execution_id: string;
  action: string;
  artifact: string | null;
  revision: string;
}

/** An execution with its insertion order, the tie-breaker of keyset pages. */
export type SequencedExecutionRow = ExecutionRow & { seq: number };

type PipelineKey = [account: string, region: string, pipeline: string];
type ActionKey = [...PipelineKey, stage: string, action: string];

export class HistoryStore {
  private readonly stmts;

  /** Constructed after CodePipelineStore's own migrations: these index its tables. */
  constructor(store: Store) {
    // Its own migration owner, so these schema additions never collide with other owners' versions.
    store.migrate('codepipeline.sources', [
      {
        version: 1,
        sql: `CREATE TABLE codepipeline_source_polls (
          account TEXT NOT NULL, region TEXT NOT NULL, pipeline TEXT NOT NULL, stage TEXT NOT NULL, action TEXT NOT NULL, revision TEXT,
          polled_at INTEGER NOT NULL, PRIMARY KEY (account, region, pipeline, stage, action));
        CREATE INDEX codepipeline_executions_by_status ON codepipeline_executions (account, region, pipeline, status);
        CREATE INDEX codepipeline_action_executions_by_token ON codepipeline_action_executions (token) WHERE token IS NOT NULL;`,
      },
    ]);
    const db = store.db;
    this.stmts = preparedOnUse({
      allPipelines: () => db.prepare<[], PipelineRow>('SELECT * FROM codepipeline_pipelines ORDER BY account, region, name'),
      sourcePoll: () => db.prepare<ActionKey, SourcePollRow>('SELECT * FROM codepipeline_source_polls WHERE account = ? AND region = ? AND pipeline = ? AND stage = ? AND action = ?'),
      putSourcePoll: () =>
        db.prepare<SourcePollRow>(`INSERT OR REPLACE INTO codepipeline_source_polls (account, region, pipeline, stage, action, revision, polled_at)
          VALUES (@account, @region, @pipeline, @stage, @action, @revision, @polled_at)`),
      lastExecutionStart: () => db.prepare<PipelineKey, { at: number | null }>('SELECT MAX(started_at) AS at FROM codepipeline_executions WHERE account = ? AND region = ? AND pipeline = ?'),
      deleteSourcePolls: () => db.prepare<PipelineKey>('DELETE FROM codepipeline_source_polls WHERE account = ? AND region = ? AND pipeline = ?'),
      // Newest execution first through codepipeline_executions_by_pipeline; each probe of an action's records is by execution.
      revisionExecutions: () =>
        db.prepare<ActionKey, { execution_id: string; revision: string | null }>(
          `SELECT e.id AS execution_id, json_extract(a.output, '$.revision.revisionId') AS revision FROM codepipeline_executions e
          JOIN codepipeline_action_executions a ON a.execution_id = e.id
          WHERE e.account = ? AND e.region = ? AND e.pipeline = ? AND a.stage = ? AND a.action = ? AND a.status = 'Succeeded'
          ORDER BY e.started_at DESC, e.rowid DESC, a.started_at DESC`,
        ),
      sourceRevisions: () =>
        db.prepare<[string], SourceRevisionRow>(
          `SELECT execution_id, action, json_extract(output, '$.outputArtifacts[0].name') AS artifact, json_extract(output, '$.revision') AS revision
          FROM codepipeline_action_executions
          WHERE execution_id IN (SELECT value FROM json_each(?)) AND status = 'Succeeded' AND json_extract(output, '$.revision') IS NOT NULL
          ORDER BY started_at, rowid`,
        ),
      executionsPage: () =>
        db.prepare<{ account: string; region: string; pipeline: string; before: number; seq: number; stage: string | null; limit: number }, SequencedExecutionRow>(
          `SELECT e.*, e.rowid AS seq FROM codepipeline_executions e
          WHERE e.account = @account AND e.region = @region AND e.pipeline = @pipeline AND (e.started_at, e.rowid) < (@before, @seq)
            AND (@stage IS NULL OR EXISTS (SELECT 1 FROM codepipeline_stage_states s WHERE s.execution_id = e.id AND s.stage = @stage AND s.status = 'Succeeded'))
          ORDER BY e.started_at DESC, e.rowid DESC LIMIT @limit`,
        ),
      latestInStage: () =>
        db.prepare<[...PipelineKey, string], ExecutionRow & { stage_status: string; stage_updated_at: number }>(
          `SELECT e.*, s.status AS stage_status, s.updated_at AS stage_updated_at FROM codepipeline_executions e
          JOIN codepipeline_stage_states s ON s.execution_id = e.id
          WHERE e.account = ? AND e.region = ? AND e.pipeline = ? AND s.stage = ? AND s.status != 'Inbound'
          ORDER BY e.started_at DESC, e.rowid DESC LIMIT 1`,
        ),
      executionsWithStatus: () =>
        db.prepare<[...PipelineKey, string], ExecutionRow>(
          'SELECT * FROM codepipeline_executions WHERE account = ? AND region = ? AND pipeline = ? AND status = ? ORDER BY started_at DESC, rowid DESC',
        ),
      actionExecutionsByToken: () => db.prepare<[string], ActionExecutionRow>('SELECT * FROM codepipeline_action_executions WHERE token = ? ORDER BY started_at, rowid'),
    });
  }

  /** Every pipeline of every account and region (source polling walks them). */
  allPipelines(): PipelineRow[] {
    return this.stmts.allPipelines.all();
  }

  sourcePoll(...key: ActionKey): SourcePollRow | undefined {
    return this.stmts.sourcePoll.get(...key);
  }

  putSourcePoll(row: SourcePollRow): void {
    this.stmts.putSourcePoll.run(row);
  }

  deleteSourcePolls(...key: PipelineKey): void {
    this.stmts.deleteSourcePolls.run(...key);
  }

  /** When the pipeline's newest execution started (executions_by_pipeline answers it from the index). */
  lastExecutionStart(...key: PipelineKey): number | undefined {
    return this.stmts.lastExecutionStart.get(...key)?.at ?? undefined;
  }

  /** The revision the newest succeeded run of a source action produced. */
  latestSourceRevision(...key: ActionKey): string | undefined {
    return this.stmts.revisionExecutions.get(...key)?.revision ?? undefined;
  }

  /** The newest execution whose run of the source action produced `revision`. */
  executionWithRevision(revision: string, ...key: ActionKey): string | undefined {
    for (const row of this.stmts.revisionExecutions.iterate(...key)) {
      if (row.revision === revision) return row.execution_id;
    }
    return undefined;
  }

  /**
   * One page of a pipeline's executions, newest first, after the position (started_at, seq) of the
   * previous page's last one; only those that succeeded in `stage` when it is given. Reads the page
   * through the pipeline's index, whatever the number of executions.
   */
  executionsPage(account: string, region: string, pipeline: string, options: { after?: { startedAt: number; seq: number }; stage?: string; limit: number }): SequencedExecutionRow[] {
    const after = options.after ?? { startedAt: Number.MAX_SAFE_INTEGER, seq: Number.MAX_SAFE_INTEGER };
    return this.stmts.executionsPage.all({ account, region, pipeline, before: after.startedAt, seq: after.seq, stage: options.stage ?? null, limit: options.limit });
  }

  /**
   * The revisions the source actions of these executions produced, in the order they ran, in one
   * query: SQLite picks the revision out of each output, so a page of executions parses no
   * artifact lists.
   */
  sourceRevisions(executionIds: string[]): SourceRevisionRow[] {
    return this.stmts.sourceRevisions.all(JSON.stringify(executionIds));
  }

  /** The newest execution that entered the stage (not only waiting at its entrance), with its state there. */
  latestInStage(account: string, region: string, pipeline: string, stage: string): { execution: ExecutionRow; state: StageStateRow } | undefined {
    const row = this.stmts.latestInStage.get(account, region, pipeline, stage);
    if (!row) return undefined;
    const { stage_status, stage_updated_at, ...execution } = row;
    return { execution, state: { execution_id: execution.id, stage, status: stage_status, updated_at: stage_updated_at } };
  }

  /** A pipeline's executions in one status, newest first (through codepipeline_executions_by_status). */
  executionsWithStatus(account: string, region: string, pipeline: string, status: string): ExecutionRow[] {
    return this.stmts.executionsWithStatus.all(account, region, pipeline, status);
  }

  /** The action executions holding a manual approval token. */
  actionExecutionsByToken(token: string): ActionExecutionRow[] {
    return this.stmts.actionExecutionsByToken.all(token);
  }
}
