/**
 * CodeBuild build batches: tables and prepared statements. A batch is stored as its BuildBatch JSON
 * (what BatchGetBuildBatches returns; dates as ISO strings, revived on read) next to its plan (what
 * the orchestrator in batches.ts needs and AWS does not show: the overrides every build of the batch
 * starts with, fast-fail). `stop_requested` lets StopBuildBatch reach the orchestrator across a
 * restart. `seq` orders the listings; batch numbers count per project name and are never reused.
 */
import type { BuildBatch, StartBuildInput, StatusType } from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import { preparedOnUse } from '../../../core/prepared.js';
import type { Store } from '../../../core/store.js';

/** One build of the plan: its group in the batch and the StartBuild input it runs with. */
export interface PlannedBuild {
  identifier: string;
  input: StartBuildInput;
}

export interface BatchPlan {
  /** StartBuildBatch's overrides as StartBuild input: what every build of the batch starts from. */
  input: StartBuildInput;
  /** Known once DOWNLOAD_BATCHSPEC has read the batchspec. */
  fastFail: boolean;
  builds: PlannedBuild[];
}

export interface BatchRow {
  seq: number;
  account: string;
  region: string;
  id: string;
  arn: string;
  project_name: string;
  batch: string;
  plan: string;
  status: StatusType;
  complete: number;
  stop_requested: number;
  idempotency_token: string | null;
  created_at: number;
}

export type NewBatch = Omit<BatchRow, 'seq'>;

type Key = [account: string, region: string, id: string];
type Listed = { seq: number; id: string };

export class BatchStore {
  private readonly stmts;

  constructor(private readonly store: Store) {
    store.migrate('codebuild.batches', [
      {
        version: 1,
        sql: `CREATE TABLE codebuild_build_batches (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL, arn TEXT NOT NULL,
          project_name TEXT NOT NULL, batch TEXT NOT NULL, plan TEXT NOT NULL, status TEXT NOT NULL,
          complete INTEGER NOT NULL DEFAULT 0, stop_requested INTEGER NOT NULL DEFAULT 0,
          idempotency_token TEXT, created_at INTEGER NOT NULL,
          UNIQUE (account, region, id)
        );
        CREATE INDEX codebuild_build_batches_project ON codebuild_build_batches (account, region, project_name, seq);
        CREATE INDEX codebuild_build_batches_token ON codebuild_build_batches (account, region, idempotency_token);
        CREATE TABLE codebuild_build_batch_numbers (
          account TEXT NOT NULL, region TEXT NOT NULL, project_name TEXT NOT NULL, last INTEGER NOT NULL,
          PRIMARY KEY (account, region, project_name)
        );`,
      },
    ]);
    const db = store.db;
    // One statement per direction; NULL parameters switch the project and status filters off.
    const list = (ascending: boolean) =>
      db.prepare<[string, string, string | null, string | null, string | null, string | null, number, number], Listed>(
        `SELECT seq, id FROM codebuild_build_batches WHERE account = ? AND region = ? AND (? IS NULL OR project_name = ?)
         AND (? IS NULL OR status = ?) AND seq ${ascending ? '>' : '<'} ? ORDER BY seq ${ascending ? 'ASC' : 'DESC'} LIMIT ?`,
      );
    this.stmts = preparedOnUse({
      get: () => db.prepare<Key, BatchRow>('SELECT * FROM codebuild_build_batches WHERE account = ? AND region = ? AND id = ?'),
      byToken: () =>
        db.prepare<[string, string, string, number], BatchRow>(
          'SELECT * FROM codebuild_build_batches WHERE account = ? AND region = ? AND idempotency_token = ? AND created_at >= ? ORDER BY seq DESC LIMIT 1',
        ),
      insert: () =>
        db.prepare<NewBatch>(`INSERT INTO codebuild_build_batches
        (account, region, id, arn, project_name, batch, plan, status, complete, stop_requested, idempotency_token, created_at)
        VALUES (@account, @region, @id, @arn, @project_name, @batch, @plan, @status, @complete, @stop_requested, @idempotency_token, @created_at)`),
      update: () =>
        db.prepare<[string, string, string, number, ...Key]>('UPDATE codebuild_build_batches SET batch = ?, plan = ?, status = ?, complete = ? WHERE account = ? AND region = ? AND id = ?'),
      setToken: () => db.prepare<[string, number, ...Key]>('UPDATE codebuild_build_batches SET idempotency_token = ?, created_at = ? WHERE account = ? AND region = ? AND id = ?'),
      requestStop: () => db.prepare<[number, ...Key]>('UPDATE codebuild_build_batches SET stop_requested = ? WHERE account = ? AND region = ? AND id = ?'),
      byArn: () => db.prepare<[string, string, string], Pick<BatchRow, 'batch'>>('SELECT batch FROM codebuild_build_batches WHERE account = ? AND region = ? AND arn = ?'),
      remove: () => db.prepare<Key>('DELETE FROM codebuild_build_batches WHERE account = ? AND region = ? AND id = ?'),
      nextNumber: () =>
        db.prepare<[string, string, string], { last: number }>(`INSERT INTO codebuild_build_batch_numbers (account, region, project_name, last) VALUES (?, ?, ?, 1)
        ON CONFLICT (account, region, project_name) DO UPDATE SET last = last + 1 RETURNING last`),
      listAsc: () => list(true),
      listDesc: () => list(false),
    });
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  get(scope: Scope, id: string): BatchRow | undefined {
    return this.stmts.get.get(scope.account, scope.region, id);
  }

  /** The batch StartBuildBatch created with this idempotency token at or after `since`, if any. */
  byToken(scope: Scope, token: string, since: number): BatchRow | undefined {
    return this.stmts.byToken.get(scope.account, scope.region, token, since);
  }

  insert(row: NewBatch): void {
    this.stmts.insert.run(row);
  }

  update(scope: Scope, batch: BuildBatch, plan: BatchPlan): void {
    this.stmts.update.run(JSON.stringify(batch), JSON.stringify(plan), batch.buildBatchStatus!, batch.complete ? 1 : 0, scope.account, scope.region, batch.id!);
  }

  /** Records (or, for a retry, clears) StopBuildBatch's request. */
  setStopRequested(scope: Scope, id: string, requested: boolean): void {
    this.stmts.requestStop.run(requested ? 1 : 0, scope.account, scope.region, id);
  }

  /** Makes a RetryBuildBatch's idempotency token find this batch from `at` on. */
  setIdempotencyToken(scope: Scope, id: string, token: string, at: number): void {
    this.stmts.setToken.run(token, at, scope.account, scope.region, id);
  }

  /**
   * The identifier of the group whose current build is `buildArn` in the batch `batchArn`, which a
   * batch's build sees as CODEBUILD_BATCH_BUILD_IDENTIFIER; undefined when the batch is gone.
   */
  buildIdentifier(scope: Scope, batchArn: string, buildArn: string): string | undefined {
    const row = this.stmts.byArn.get(scope.account, scope.region, batchArn);
    return row && batchOf(row).buildGroups?.find((g) => g.currentBuildSummary?.arn === buildArn)?.identifier;
  }

  remove(scope: Scope, id: string): void {
    this.stmts.remove.run(scope.account, scope.region, id);
  }

  /** The next batch number of a project name (1 for its first batch). */
  nextNumber(scope: Scope, projectName: string): number {
    return this.stmts.nextNumber.get(scope.account, scope.region, projectName)!.last;
  }

  /** Up to `limit` batch ids after the `after` sequence number, oldest or newest first; all projects or one, any status or one. */
  list(scope: Scope, filter: { projectName?: string; status?: string }, order: 'ASCENDING' | 'DESCENDING', after: number | undefined, limit: number): Listed[] {
    const ascending = order === 'ASCENDING';
    const from = after ?? (ascending ? 0 : Number.MAX_SAFE_INTEGER);
    const project = filter.projectName ?? null;
    const status = filter.status ?? null;
    return (ascending ? this.stmts.listAsc : this.stmts.listDesc).all(scope.account, scope.region, project, project, status, status, from, limit);
  }
}

/** The BuildBatch of a stored row, dates revived. */
export function batchOf(row: Pick<BatchRow, 'batch'>): BuildBatch {
  return JSON.parse(row.batch, (key, value: unknown) => (typeof value === 'string' && DATE_KEYS.has(key) ? new Date(value) : value)) as BuildBatch;
}

export function planOf(row: Pick<BatchRow, 'plan'>): BatchPlan {
  return JSON.parse(row.plan) as BatchPlan;
}

/** Keys holding dates anywhere in a BuildBatch (the batch, its phases, its build summaries). */
const DATE_KEYS = new Set(['startTime', 'endTime', 'requestedOn']);
