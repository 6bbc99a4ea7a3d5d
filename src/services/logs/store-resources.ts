/**
 * Statements over the CloudWatch Logs tables of resource policies, export tasks and data keys
 * (their schema is the `logs.queries` migration in store-queries.ts, which runs first).
 */
import type { Scope } from '../../core/accounts.js';
import { preparedOnUse } from '../../core/prepared.js';
import type { Store } from '../../core/store.js';
import { type NewestFirstAfter, newestFirstPage } from './store-pages.js';

export interface PolicyRow {
  account: string;
  region: string;
  /** The policy's name (ACCOUNT scope) or its log group's ARN (RESOURCE scope). */
  scope_key: string;
  name: string | null;
  resource_arn: string | null;
  policy_scope: 'ACCOUNT' | 'RESOURCE';
  document: string;
  updated_at: number;
  revision_id: string;
}

export type ExportStatus = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'CANCELLED' | 'FAILED' | 'PENDING_CANCEL';

export interface ExportTaskRow {
  id: string;
  account: string;
  region: string;
  name: string | null;
  group_name: string;
  stream_prefix: string | null;
  from_ms: number;
  to_ms: number;
  destination: string;
  destination_prefix: string;
  status: ExportStatus;
  message: string | null;
  created_at: number;
  completed_at: number | null;
  job_id: number | null;
}

/** An event as an export writes it. */
export interface ExportedEvent {
  id: number;
  ts: number;
  message: string | Buffer;
  data_key: number | null;
}

export interface DataKeyRow {
  id: number;
  group_id: number;
  key_arn: string;
  ciphertext: Buffer;
  created_at: number;
}

export class ResourceStore {
  private readonly stmts;

  constructor(private readonly store: Store) {
    const db = store.db;
    this.stmts = preparedOnUse({
      policy: () => db.prepare<[string, string, string], PolicyRow>('SELECT * FROM logs_resource_policies WHERE account = ? AND region = ? AND scope_key = ?'),
      putPolicy: () =>
        db.prepare<PolicyRow>(`INSERT OR REPLACE INTO logs_resource_policies (account, region, scope_key, name, resource_arn, policy_scope, document, updated_at, revision_id)
        VALUES (@account, @region, @scope_key, @name, @resource_arn, @policy_scope, @document, @updated_at, @revision_id)`),
      deletePolicy: () => db.prepare<[string, string, string]>('DELETE FROM logs_resource_policies WHERE account = ? AND region = ? AND scope_key = ?'),
      countPolicies: () => db.prepare<[string, string, string], { n: number }>('SELECT COUNT(*) AS n FROM logs_resource_policies WHERE account = ? AND region = ? AND policy_scope = ?'),
      policies: () => db.prepare<[string, string], PolicyRow>('SELECT * FROM logs_resource_policies WHERE account = ? AND region = ? ORDER BY policy_scope, scope_key'),
      insertExport: () =>
        db.prepare<ExportTaskRow>(`INSERT INTO logs_export_tasks (id, account, region, name, group_name, stream_prefix, from_ms, to_ms, destination, destination_prefix, status, message, created_at, completed_at, job_id)
        VALUES (@id, @account, @region, @name, @group_name, @stream_prefix, @from_ms, @to_ms, @destination, @destination_prefix, @status, @message, @created_at, @completed_at, @job_id)`),
      exportTask: () => db.prepare<[string], ExportTaskRow>('SELECT * FROM logs_export_tasks WHERE id = ?'),
      activeExports: () =>
        db.prepare<[string, string], { n: number }>("SELECT COUNT(*) AS n FROM logs_export_tasks WHERE account = ? AND region = ? AND status IN ('PENDING', 'RUNNING', 'PENDING_CANCEL')"),
      setExportJob: () => db.prepare<[number, string]>('UPDATE logs_export_tasks SET job_id = ? WHERE id = ?'),
      setExportStatus: () =>
        db.prepare<{ id: string; status: ExportStatus; message: string; completed_at: number | null; from: string }>(
          'UPDATE logs_export_tasks SET status = @status, message = @message, completed_at = @completed_at WHERE id = @id AND status = @from',
        ),
      dataKey: () => db.prepare<[number], DataKeyRow>('SELECT * FROM logs_data_keys WHERE id = ?'),
      latestDataKey: () => db.prepare<[number, string], DataKeyRow>('SELECT * FROM logs_data_keys WHERE group_id = ? AND key_arn = ? ORDER BY id DESC LIMIT 1'),
      insertDataKey: () => db.prepare<[number, string, Buffer, number]>('INSERT INTO logs_data_keys (group_id, key_arn, ciphertext, created_at) VALUES (?, ?, ?, ?)'),
      deleteDataKeys: () => db.prepare<[number]>('DELETE FROM logs_data_keys WHERE group_id = ?'),
      dataKeys: () => db.prepare<[number], DataKeyRow>('SELECT * FROM logs_data_keys WHERE group_id = ? ORDER BY id'),
      streamChunk: () =>
        db.prepare<[number, number, number, number, number, number], ExportedEvent>(
          'SELECT id, ts, message, data_key FROM logs_events WHERE stream_id = ? AND ts >= ? AND ts <= ? AND (ts > ? OR id > ?) ORDER BY ts, id LIMIT ?',
        ),
    });
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  policy(scope: Scope, key: string): PolicyRow | undefined {
    return this.stmts.policy.get(scope.account, scope.region, key);
  }

  putPolicy(row: PolicyRow): void {
    this.stmts.putPolicy.run(row);
  }

  deletePolicy(scope: Scope, key: string): boolean {
    return this.stmts.deletePolicy.run(scope.account, scope.region, key).changes > 0;
  }

  countPolicies(scope: Scope, policyScope: PolicyRow['policy_scope']): number {
    return this.stmts.countPolicies.get(scope.account, scope.region, policyScope)!.n;
  }

  /** Every resource policy of an account in a Region: account-level ones first, each kind by name or ARN. */
  policies(scope: Scope): PolicyRow[] {
    return this.stmts.policies.all(scope.account, scope.region);
  }

  insertExport(row: ExportTaskRow): void {
    this.stmts.insertExport.run(row);
  }

  exportTask(id: string): ExportTaskRow | undefined {
    return this.stmts.exportTask.get(id);
  }

  /** Export tasks that are pending or running (AWS allows one at a time per account and Region). */
  activeExports(scope: Scope): number {
    return this.stmts.activeExports.get(scope.account, scope.region)!.n;
  }

  setExportJob(id: string, jobId: number): void {
    this.stmts.setExportJob.run(jobId, id);
  }

  /** Moves a task from `from` to `status`; false when it was no longer `from`. */
  moveExport(id: string, from: ExportStatus, status: ExportStatus, message: string, completedAt: number | null): boolean {
    return this.stmts.setExportStatus.run({ id, from, status, message, completed_at: completedAt }).changes > 0;
  }

  /** One page of export tasks, newest first, optionally one task or one status. */
  listExports(scope: Scope, filter: { id?: string; status?: string; after?: NewestFirstAfter; limit: number }): ExportTaskRow[] {
    return newestFirstPage<ExportTaskRow>(this.store.db, 'logs_export_tasks', scope, { id: filter.id, status: filter.status }, filter.after, filter.limit);
  }

  /** Up to `limit` of a stream's events in [from, to] after the position (ts, id), oldest first. */
  streamChunk(streamId: number, from: number, to: number, after: { ts: number; id: number }, limit: number): ExportedEvent[] {
    return this.stmts.streamChunk.all(streamId, Math.max(from, after.ts), to, after.ts, after.id, limit);
  }

  dataKey(id: number): DataKeyRow | undefined {
    return this.stmts.dataKey.get(id);
  }

  /** Every data key a group's events may be sealed under. */
  dataKeys(groupId: number): DataKeyRow[] {
    return this.stmts.dataKeys.all(groupId);
  }

  /** The group's newest data key made under `keyArn`, if it has one. */
  latestDataKey(groupId: number, keyArn: string): DataKeyRow | undefined {
    return this.stmts.latestDataKey.get(groupId, keyArn);
  }

  insertDataKey(groupId: number, keyArn: string, ciphertext: Buffer, now: number): number {
    return Number(this.stmts.insertDataKey.run(groupId, keyArn, ciphertext, now).lastInsertRowid);
  }

  deleteDataKeys(groupId: number): void {
    this.stmts.deleteDataKeys.run(groupId);
  }
}
