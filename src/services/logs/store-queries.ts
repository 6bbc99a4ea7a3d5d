/**
 * The CloudWatch Logs tables beside groups, streams and events (store.ts): Logs Insights queries
 * and their results, query definitions, resource policies, export tasks and the data keys that
 * encrypt a group's events; and the statements a query scans events with, built per query from
 * its pushed-down condition (src/services/logs/insights/plan.ts).
 */

import type { Statement } from 'better-sqlite3';
import type { Scope } from '../../core/accounts.js';
import { preparedOnUse } from '../../core/prepared.js';
import type { Store } from '../../core/store.js';
import { toRegExp } from './insights/compile.js';
import type { SqlCondition } from './insights/plan.js';
import { MESSAGE_BYTES } from './store.js';
import { type NewestFirstAfter, newestFirstPage } from './store-pages.js';

export type QueryStatus = 'Scheduled' | 'Running' | 'Complete' | 'Failed' | 'Cancelled' | 'Timeout';

export interface QueryRow {
  id: string;
  account: string;
  region: string;
  query_string: string;
  /** The first queried group's name: DescribeQueries reports it and filters by it. */
  log_group_name: string;
  /** JSON array of the queried groups' ids. */
  group_ids: string;
  start_ms: number;
  end_ms: number;
  row_limit: number;
  status: QueryStatus;
  created_at: number;
  finished_at: number | null;
  job_id: number | null;
  user_identity: string;
  records_matched: number;
  records_scanned: number;
  bytes_scanned: number;
  /** JSON array of result rows, each an array of {field, value}; null until the query completes. */
  results: string | null;
}

export interface QueryDefinitionRow {
  id: string;
  account: string;
  region: string;
  name: string;
  query_string: string;
  /** JSON array of group names. */
  log_group_names: string;
  /** JSON array of {name, defaultValue?, description?}. */
  parameters: string;
  last_modified: number;
}

/** An event as a query reads it: id, stream id, timestamp, ingestion time, message (sealed bytes when the last, its data key, is set). */
export type ScannedEvent = [number, number, number, number, string | Buffer, number | null];

export interface ScanRange {
  groupId: number;
  from: number;
  /** Inclusive, as StartQuery's endTime is. */
  to: number;
  where?: SqlCondition;
}

/** What a query's scan of one group adds to its statistics. */
export interface ScanTotals {
  scanned: number;
  bytes: number;
  matched: number;
}

const MINUTE = 60_000;

/** Queries in a status that holds one of the account's concurrent query slots. */
const ACTIVE = "('Scheduled', 'Running')";

export class QueryStore {
  private readonly stmts;
  private readonly scans = new Map<string, Statement<unknown[], unknown>>();

  constructor(private readonly store: Store) {
    store.migrate('logs.queries', [
      {
        version: 1,
        sql: `CREATE TABLE logs_queries (
          id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
          query_string TEXT NOT NULL, log_group_name TEXT NOT NULL, group_ids TEXT NOT NULL,
          start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, row_limit INTEGER NOT NULL,
          status TEXT NOT NULL, created_at INTEGER NOT NULL, finished_at INTEGER, job_id INTEGER,
          user_identity TEXT NOT NULL,
          records_matched REAL NOT NULL DEFAULT 0, records_scanned REAL NOT NULL DEFAULT 0, bytes_scanned REAL NOT NULL DEFAULT 0,
          results TEXT
        );
        CREATE INDEX logs_queries_scope ON logs_queries (account, region, created_at);
        CREATE TABLE logs_query_definitions (
          id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
          query_string TEXT NOT NULL, log_group_names TEXT NOT NULL, parameters TEXT NOT NULL, last_modified INTEGER NOT NULL
        );
        CREATE INDEX logs_query_definitions_scope ON logs_query_definitions (account, region, name);
        CREATE TABLE logs_resource_policies (
          account TEXT NOT NULL, region TEXT NOT NULL,
          -- The policy's name for account-level policies, the resource's ARN for resource-level ones.
          scope_key TEXT NOT NULL, name TEXT, resource_arn TEXT, policy_scope TEXT NOT NULL,
          document TEXT NOT NULL, updated_at INTEGER NOT NULL, revision_id TEXT NOT NULL,
          PRIMARY KEY (account, region, scope_key)
        );
        CREATE TABLE logs_export_tasks (
          id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT,
          group_name TEXT NOT NULL, stream_prefix TEXT, from_ms INTEGER NOT NULL, to_ms INTEGER NOT NULL,
          destination TEXT NOT NULL, destination_prefix TEXT NOT NULL,
          status TEXT NOT NULL, message TEXT, created_at INTEGER NOT NULL, completed_at INTEGER, job_id INTEGER
        );
        CREATE INDEX logs_export_tasks_scope ON logs_export_tasks (account, region, created_at);
        -- Envelope keys of groups associated with a KMS key: the ciphertext KMS made, never the plaintext.
        CREATE TABLE logs_data_keys (
          id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL, key_arn TEXT NOT NULL, ciphertext BLOB NOT NULL, created_at INTEGER NOT NULL
        );`,
      },
    ]);
    const db = store.db;
    // The regex test pushed-down filters use; patterns are compiled once per distinct source.
    const compiled = new Map<string, RegExp>();
    db.function('logs_regexp', { deterministic: true }, (pattern: unknown, text: unknown) => {
      const source = String(pattern);
      let regex = compiled.get(source);
      if (!regex) {
        regex = toRegExp(source).regex;
        compiled.set(source, regex);
      }
      return regex.test(String(text)) ? 1 : 0;
    });
    this.stmts = preparedOnUse({
      insertQuery: () =>
        db.prepare<QueryRow>(`INSERT INTO logs_queries
        (id, account, region, query_string, log_group_name, group_ids, start_ms, end_ms, row_limit, status, created_at, finished_at, job_id, user_identity, records_matched, records_scanned, bytes_scanned, results)
        VALUES (@id, @account, @region, @query_string, @log_group_name, @group_ids, @start_ms, @end_ms, @row_limit, @status, @created_at, @finished_at, @job_id, @user_identity, @records_matched, @records_scanned, @bytes_scanned, @results)`),
      query: () => db.prepare<[string, string, string], QueryRow>('SELECT * FROM logs_queries WHERE account = ? AND region = ? AND id = ?'),
      queryById: () => db.prepare<[string], QueryRow>('SELECT * FROM logs_queries WHERE id = ?'),
      activeQueries: () => db.prepare<[string, string], { n: number }>(`SELECT COUNT(*) AS n FROM logs_queries WHERE account = ? AND region = ? AND status IN ${ACTIVE}`),
      setJob: () => db.prepare<[number, string]>('UPDATE logs_queries SET job_id = ? WHERE id = ?'),
      start: () => db.prepare<[string]>("UPDATE logs_queries SET status = 'Running' WHERE id = ? AND status = 'Scheduled'"),
      progress: () => db.prepare<[number, number, number, string]>("UPDATE logs_queries SET records_matched = ?, records_scanned = ?, bytes_scanned = ? WHERE id = ? AND status = 'Running'"),
      finish: () =>
        db.prepare<{ id: string; status: QueryStatus; at: number; matched: number; scanned: number; bytes: number; results: string | null }>(
          `UPDATE logs_queries SET status = @status, finished_at = @at, records_matched = @matched, records_scanned = @scanned, bytes_scanned = @bytes, results = @results
         WHERE id = @id AND status IN ${ACTIVE}`,
        ),
      stop: () => db.prepare<[number, string]>(`UPDATE logs_queries SET status = 'Cancelled', finished_at = ? WHERE id = ? AND status IN ${ACTIVE}`),
      insertDefinition: () =>
        db.prepare<QueryDefinitionRow>(`INSERT OR REPLACE INTO logs_query_definitions (id, account, region, name, query_string, log_group_names, parameters, last_modified)
        VALUES (@id, @account, @region, @name, @query_string, @log_group_names, @parameters, @last_modified)`),
      definition: () => db.prepare<[string, string, string], QueryDefinitionRow>('SELECT * FROM logs_query_definitions WHERE account = ? AND region = ? AND id = ?'),
      countDefinitions: () => db.prepare<[string, string], { n: number }>('SELECT COUNT(*) AS n FROM logs_query_definitions WHERE account = ? AND region = ?'),
      deleteDefinition: () => db.prepare<[string, string, string]>('DELETE FROM logs_query_definitions WHERE account = ? AND region = ? AND id = ?'),
      definitions: () =>
        db.prepare<[string, string, string, string, string, string, number], QueryDefinitionRow>(
          'SELECT * FROM logs_query_definitions WHERE account = ? AND region = ? AND substr(name, 1, length(?)) = ? AND (name, id) > (?, ?) ORDER BY name, id LIMIT ?',
        ),
      bounds: () => db.prepare<[number, number, number], { lo: number | null; hi: number | null }>('SELECT MIN(ts) AS lo, MAX(ts) AS hi FROM logs_events WHERE group_id = ? AND ts >= ? AND ts <= ?'),
      edgeTotals: () =>
        db.prepare<[number, number, number], { events: number; bytes: number }>(
          `SELECT COUNT(*) AS events, COALESCE(SUM(${MESSAGE_BYTES}), 0) AS bytes FROM logs_events WHERE group_id = ? AND ts >= ? AND ts <= ?`,
        ),
      minuteTotals: () =>
        db.prepare<[number, number, number], { events: number; bytes: number }>(
          'SELECT COALESCE(SUM(events), 0) AS events, COALESCE(SUM(bytes), 0) AS bytes FROM logs_event_minutes WHERE group_id = ? AND minute >= ? AND minute <= ?',
        ),
      minuteCounts: () =>
        db.prepare<[number, number, number], { minute: number; events: number }>(
          'SELECT minute, SUM(events) AS events FROM logs_event_minutes WHERE group_id = ? AND minute >= ? AND minute <= ? GROUP BY minute',
        ),
      idSpan: () =>
        db.prepare<[number, number, number], { lo: number | null; hi: number | null }>(
          'SELECT MIN(min_id) AS lo, MAX(max_id) AS hi FROM logs_event_minutes WHERE group_id = ? AND minute >= ? AND minute <= ?',
        ),
    });
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  insertQuery(row: QueryRow): void {
    this.stmts.insertQuery.run(row);
  }

  query(scope: Scope, id: string): QueryRow | undefined {
    return this.stmts.query.get(scope.account, scope.region, id);
  }

  queryById(id: string): QueryRow | undefined {
    return this.stmts.queryById.get(id);
  }

  activeQueries(scope: Scope): number {
    return this.stmts.activeQueries.get(scope.account, scope.region)!.n;
  }

  setJob(id: string, jobId: number): void {
    this.stmts.setJob.run(jobId, id);
  }

  /** Scheduled → Running; false when the query is no longer scheduled (stopped meanwhile). */
  startQuery(id: string): boolean {
    return this.stmts.start.run(id).changes > 0;
  }

  recordProgress(id: string, totals: ScanTotals): void {
    this.stmts.progress.run(totals.matched, totals.scanned, totals.bytes, id);
  }

  /** Records a query's end; false when it had already ended (stopped while it ran). */
  finishQuery(id: string, status: QueryStatus, at: number, totals: ScanTotals, results: unknown[][] | null): boolean {
    const change = this.stmts.finish.run({ id, status, at, matched: totals.matched, scanned: totals.scanned, bytes: totals.bytes, results: results && JSON.stringify(results) });
    return change.changes > 0;
  }

  /** Scheduled or Running → Cancelled; false when the query had already ended. */
  stopQuery(id: string, at: number): boolean {
    return this.stmts.stop.run(at, id).changes > 0;
  }

  /** One page of an account's queries in a Region, newest first. */
  listQueries(scope: Scope, filter: { groupName?: string; status?: string; after?: NewestFirstAfter; limit: number }): QueryRow[] {
    return newestFirstPage<QueryRow>(this.store.db, 'logs_queries', scope, { log_group_name: filter.groupName, status: filter.status }, filter.after, filter.limit);
  }

  putDefinition(row: QueryDefinitionRow): void {
    this.stmts.insertDefinition.run(row);
  }

  definition(scope: Scope, id: string): QueryDefinitionRow | undefined {
    return this.stmts.definition.get(scope.account, scope.region, id);
  }

  countDefinitions(scope: Scope): number {
    return this.stmts.countDefinitions.get(scope.account, scope.region)!.n;
  }

  deleteDefinition(scope: Scope, id: string): boolean {
    return this.stmts.deleteDefinition.run(scope.account, scope.region, id).changes > 0;
  }

  /** One page of query definitions whose name starts with `prefix`, in (name, id) order after `after`. */
  definitions(scope: Scope, prefix: string, after: { name: string; id: string }, limit: number): QueryDefinitionRow[] {
    return this.stmts.definitions.all(scope.account, scope.region, prefix, prefix, after.name, after.id, limit);
  }

  /** The statement for `sql`, prepared once: scans differ only in their pushed-down condition. */
  private scan<T>(sql: string): Statement<unknown[], T> {
    let stmt = this.scans.get(sql);
    if (!stmt) {
      stmt = this.store.db.prepare<unknown[], unknown>(sql);
      this.scans.set(sql, stmt);
    }
    return stmt as Statement<unknown[], T>;
  }

  /**
   * Events in the range, how many bytes their messages hold, and how many pass the pushed-down
   * condition. Whole minutes come from the per-minute counts PutLogEvents keeps; only the partial
   * minutes at either end are counted from the events. The condition needs the messages: those are
   * read in storage order over the row ids the range's minutes span.
   */
  totals(range: ScanRange): ScanTotals {
    const out = { scanned: 0, bytes: 0, matched: 0 };
    const firstWhole = Math.ceil(range.from / MINUTE);
    const lastWhole = Math.floor((range.to + 1) / MINUTE) - 1;
    const exact = (from: number, to: number) => {
      if (from > to) return;
      const edge = this.stmts.edgeTotals.get(range.groupId, from, to)!;
      out.scanned += edge.events;
      out.bytes += edge.bytes;
    };
    if (firstWhole > lastWhole) {
      exact(range.from, range.to);
    } else {
      const whole = this.stmts.minuteTotals.get(range.groupId, firstWhole, lastWhole)!;
      out.scanned += whole.events;
      out.bytes += whole.bytes;
      exact(range.from, firstWhole * MINUTE - 1);
      exact((lastWhole + 1) * MINUTE, range.to);
    }
    if (!range.where || out.scanned === 0) {
      out.matched = range.where ? 0 : out.scanned;
      return out;
    }
    const span = this.idSpan(range);
    const sql = `SELECT COUNT(*) AS n FROM logs_events WHERE id >= ? AND id <= ? AND +group_id = ? AND +ts >= ? AND +ts <= ? AND ${range.where.sql}`;
    out.matched = this.scan<{ n: number }>(sql).get(span.lo, span.hi, range.groupId, range.from, range.to, ...range.where.params)!.n;
    return out;
  }

  /** The row ids the range's events lie between (from the per-minute counts); null bounds when it has none. */
  idSpan(range: ScanRange): { lo: number | null; hi: number | null } {
    return this.stmts.idSpan.get(range.groupId, Math.floor(range.from / MINUTE), Math.floor(range.to / MINUTE))!;
  }

  /** Up to `limit` events of the range passing the pushed-down condition, in storage (row id) order after `afterId`, up to `lastId`. */
  eventsAfterId(range: ScanRange, afterId: number, lastId: number, limit: number): ScannedEvent[] {
    const sql = `SELECT id, stream_id, ts, ingested, message, data_key FROM logs_events
      WHERE id > ? AND id <= ? AND +group_id = ? AND +ts >= ? AND +ts <= ?${range.where ? ` AND ${range.where.sql}` : ''} ORDER BY id LIMIT ?`;
    const stmt = this.scan<ScannedEvent>(sql);
    stmt.raw(true);
    return stmt.all(afterId, lastId, range.groupId, range.from, range.to, ...(range.where?.params ?? []), limit);
  }

  /** Events per whole minute of [from, to) (minute numbers since the epoch), from the per-minute counts. */
  minuteCounts(groupId: number, firstMinute: number, lastMinute: number): { minute: number; events: number }[] {
    return this.stmts.minuteCounts.all(groupId, firstMinute, lastMinute);
  }

  /** The first and last timestamps of the range's events; null when it has none. */
  bounds(range: ScanRange): { lo: number | null; hi: number | null } {
    return this.stmts.bounds.get(range.groupId, range.from, range.to)!;
  }

  /** Events in [from, to) passing the pushed-down condition, counted over the timestamp index. */
  countBetween(range: ScanRange, from: number, to: number): number {
    const sql = `SELECT COUNT(*) AS n FROM logs_events WHERE group_id = ? AND ts >= ? AND ts < ?${range.where ? ` AND ${range.where.sql}` : ''}`;
    return this.scan<{ n: number }>(sql).get(range.groupId, from, to, ...(range.where?.params ?? []))!.n;
  }

  /** Events passing the pushed-down condition per `width`-long bin, by SQL grouping (for ranges too long to count bin by bin). */
  countByBin(range: ScanRange, width: number): { bin: number; n: number }[] {
    const sql = `SELECT ts - (ts % ?) AS bin, COUNT(*) AS n FROM logs_events WHERE group_id = ? AND ts >= ? AND ts <= ?${range.where ? ` AND ${range.where.sql}` : ''} GROUP BY bin`;
    return this.scan<{ bin: number; n: number }>(sql).all(width, range.groupId, range.from, range.to, ...(range.where?.params ?? []));
  }

  /**
   * Up to `limit` events of the range passing the pushed-down condition, newest first, strictly
   * before the cursor (ts, id): the scan reads a chunk at a time so other requests run between.
   */
  eventsBefore(range: ScanRange, cursor: { ts: number; id: number }, limit: number): ScannedEvent[] {
    const sql = `SELECT id, stream_id, ts, ingested, message, data_key FROM logs_events
      WHERE group_id = ? AND ts >= ? AND ts <= ? AND (ts < ? OR id < ?)${range.where ? ` AND ${range.where.sql}` : ''}
      ORDER BY ts DESC, id DESC LIMIT ?`;
    const stmt = this.scan<ScannedEvent>(sql);
    stmt.raw(true);
    return stmt.all(range.groupId, range.from, cursor.ts, cursor.ts, cursor.id, ...(range.where?.params ?? []), limit);
  }
}
