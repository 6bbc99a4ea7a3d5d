/** CloudFormation tables and their prepared statements. No SQL lives anywhere else. */

import type { Statement } from 'better-sqlite3';
import type { Scope } from '../../core/accounts.js';
import { preparedOnUse } from '../../core/prepared.js';
import type { Store } from '../../core/store.js';

export interface StackRow {
  stack_id: string;
  account: string;
  region: string;
  name: string;
  status: string;
  status_reason: string | null;
  description: string | null;
  created_at: number;
  updated_at: number | null;
  deleted_at: number | null;
  /** The template as the caller gave it (GetTemplate Original). */
  template_body: string;
  /** JSON of the template after transforms (GetTemplate Processed, what the engine runs). */
  processed_template: string;
  /** JSON of the resolved parameters (ResolvedParameter by key, in declaration order). */
  parameters: string;
  /** JSON of the stack's outputs ([{ key, value, description?, exportName? }]), written when an operation completes. */
  outputs: string;
  capabilities: string;
  notification_arns: string;
  role_arn: string | null;
  tags: string;
  termination_protection: number;
  disable_rollback: number;
  /** CreateStack's OnFailure: ROLLBACK, DO_NOTHING or DELETE. */
  on_failure: string;
  retain_except_on_create: number;
  timeout_minutes: number | null;
  stack_policy: string | null;
  /** StackPolicyDuringUpdateBody of the running update: replaces the stack policy for that update only. */
  update_policy: string | null;
  parent_id: string | null;
  root_id: string | null;
  /** JSON of the principal who started the running (or last) operation: what providers act as without a RoleARN. */
  caller: string;
  client_request_token: string | null;
  /**
   * JSON of the stack before the running update ({ template_body, processed_template, parameters,
   * outputs, … }): what a failed update rolls back to.
   */
  previous: string | null;
  /** JSON of operation options: RetainResources of DeleteStack, ResourcesToSkip of ContinueUpdateRollback. */
  operation_options: string;
  /** CancelUpdateStack asked for the running update to stop. */
  cancel_requested: number;
  last_operation_id: string | null;
}

export interface ResourceRow {
  stack_id: string;
  logical_id: string;
  type: string;
  physical_id: string | null;
  status: string;
  status_reason: string | null;
  props: string;
  attributes: string;
  updated_at: number;
  /**
   * JSON of what this resource was before the running update touched it: `{ "added": true }`,
   * `{ "record": {…}, "replaced": bool }`, or `{ "discard": {…} }` (a replacement a rollback
   * threw away, deleted in the rollback's cleanup); null when untouched.
   */
  prior: string | null;
  /** Not in the stack's current template: deleted in the update's cleanup. */
  removed: number;
  /** Position in the template, for listings in template order. */
  position: number;
}

export interface EventRow {
  seq: number;
  stack_id: string;
  event_id: string;
  stack_name: string;
  logical_id: string;
  physical_id: string | null;
  type: string;
  status: string;
  reason: string | null;
  props: string | null;
  timestamp: number;
  client_request_token: string | null;
}

export interface ExportRow {
  account: string;
  region: string;
  name: string;
  value: string;
  stack_id: string;
}

export interface ChangeSetRow {
  change_set_id: string;
  stack_id: string;
  account: string;
  region: string;
  name: string;
  change_set_type: string;
  status: string;
  status_reason: string | null;
  execution_status: string;
  description: string | null;
  created_at: number;
  /** JSON of everything else the change set holds (template, parameters, changes …), owned by the change set engine. */
  data: string;
}

export type NewStackRow = Omit<StackRow, 'deleted_at' | 'cancel_requested' | 'updated_at' | 'previous' | 'outputs' | 'update_policy' | 'status_reason' | 'last_operation_id'> & {
  status_reason?: string | null;
  last_operation_id?: string | null;
};

/** The tables whose rows belong to one stack, purged with it. */
const PURGED_WITH_STACK = ['cloudformation_resources', 'cloudformation_events', 'cloudformation_change_sets', 'cloudformation_request_tokens', 'cloudformation_exports', 'cloudformation_imports'];

export class CloudFormationStore {
  private readonly stmts;
  /** UPDATE statements by the set of columns they write, prepared on first use. */
  private readonly stackUpdates = new Map<string, Statement>();

  constructor(private readonly store: Store) {
    store.migrate('cloudformation', [
      {
        version: 1,
        sql: `CREATE TABLE cloudformation_stacks (
          stack_id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
          status TEXT NOT NULL, status_reason TEXT, description TEXT,
          created_at INTEGER NOT NULL, updated_at INTEGER, deleted_at INTEGER,
          template_body TEXT NOT NULL, processed_template TEXT NOT NULL, parameters TEXT NOT NULL, outputs TEXT NOT NULL DEFAULT '[]',
          capabilities TEXT NOT NULL, notification_arns TEXT NOT NULL, role_arn TEXT, tags TEXT NOT NULL,
          termination_protection INTEGER NOT NULL, disable_rollback INTEGER NOT NULL, on_failure TEXT NOT NULL,
          retain_except_on_create INTEGER NOT NULL, timeout_minutes INTEGER, stack_policy TEXT, update_policy TEXT,
          parent_id TEXT, root_id TEXT, caller TEXT NOT NULL, client_request_token TEXT, previous TEXT,
          operation_options TEXT NOT NULL DEFAULT '{}', cancel_requested INTEGER NOT NULL DEFAULT 0, last_operation_id TEXT,
          position INTEGER NOT NULL
        );
        CREATE INDEX cloudformation_stacks_scope ON cloudformation_stacks (account, region, name, deleted_at);
        CREATE INDEX cloudformation_stacks_position ON cloudformation_stacks (account, region, position);
        CREATE TABLE cloudformation_resources (
          stack_id TEXT NOT NULL, logical_id TEXT NOT NULL, type TEXT NOT NULL, physical_id TEXT,
          status TEXT NOT NULL, status_reason TEXT, props TEXT NOT NULL, attributes TEXT NOT NULL,
          updated_at INTEGER NOT NULL, prior TEXT, removed INTEGER NOT NULL DEFAULT 0, position INTEGER NOT NULL,
          PRIMARY KEY (stack_id, logical_id)
        );
        CREATE INDEX cloudformation_resources_physical ON cloudformation_resources (physical_id);
        CREATE TABLE cloudformation_events (
          seq INTEGER PRIMARY KEY AUTOINCREMENT, stack_id TEXT NOT NULL, event_id TEXT NOT NULL, stack_name TEXT NOT NULL,
          logical_id TEXT NOT NULL, physical_id TEXT, type TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,
          props TEXT, timestamp INTEGER NOT NULL, client_request_token TEXT
        );
        CREATE INDEX cloudformation_events_stack ON cloudformation_events (stack_id, seq);
        CREATE TABLE cloudformation_exports (
          account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, stack_id TEXT NOT NULL,
          PRIMARY KEY (account, region, name)
        );
        CREATE INDEX cloudformation_exports_stack ON cloudformation_exports (stack_id);
        CREATE TABLE cloudformation_imports (
          account TEXT NOT NULL, region TEXT NOT NULL, export_name TEXT NOT NULL, stack_id TEXT NOT NULL,
          PRIMARY KEY (account, region, export_name, stack_id)
        );
        CREATE INDEX cloudformation_imports_stack ON cloudformation_imports (stack_id);
        CREATE TABLE cloudformation_change_sets (
          change_set_id TEXT PRIMARY KEY, stack_id TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
          change_set_type TEXT NOT NULL, status TEXT NOT NULL, status_reason TEXT, execution_status TEXT NOT NULL,
          description TEXT, created_at INTEGER NOT NULL, data TEXT NOT NULL
        );
        CREATE INDEX cloudformation_change_sets_stack ON cloudformation_change_sets (stack_id, name);`,
      },
      {
        version: 2,
        sql: `CREATE TABLE cloudformation_request_tokens (
          stack_id TEXT NOT NULL, token TEXT NOT NULL, operation TEXT NOT NULL, PRIMARY KEY (stack_id, token)
        );`,
      },
    ]);
    const db = store.db;
    this.stmts = preparedOnUse({
      stack: () => db.prepare<[string], StackRow>('SELECT * FROM cloudformation_stacks WHERE stack_id = ?'),
      liveStackByName: () => db.prepare<[string, string, string], StackRow>('SELECT * FROM cloudformation_stacks WHERE account = ? AND region = ? AND name = ? AND deleted_at IS NULL'),
      insertStack: () =>
        db.prepare(
          `INSERT INTO cloudformation_stacks (stack_id, account, region, name, status, status_reason, description, created_at, template_body, processed_template,
            parameters, capabilities, notification_arns, role_arn, tags, termination_protection, disable_rollback, on_failure, retain_except_on_create,
            timeout_minutes, stack_policy, parent_id, root_id, caller, client_request_token, operation_options, last_operation_id, position)
          VALUES (@stack_id, @account, @region, @name, @status, @status_reason, @description, @created_at, @template_body, @processed_template,
            @parameters, @capabilities, @notification_arns, @role_arn, @tags, @termination_protection, @disable_rollback, @on_failure, @retain_except_on_create,
            @timeout_minutes, @stack_policy, @parent_id, @root_id, @caller, @client_request_token, @operation_options, @last_operation_id,
            (SELECT COALESCE(MAX(position), 0) + 1 FROM cloudformation_stacks))`,
        ),
      stacksNewestFirst: () =>
        db.prepare<[string, string, number, number], StackRow & { position: number }>(
          'SELECT * FROM cloudformation_stacks WHERE account = ? AND region = ? AND position < ? ORDER BY position DESC LIMIT ?',
        ),
      liveStacksNewestFirst: () =>
        db.prepare<[string, string, number, number], StackRow & { position: number }>(
          'SELECT * FROM cloudformation_stacks WHERE account = ? AND region = ? AND deleted_at IS NULL AND position < ? ORDER BY position DESC LIMIT ?',
        ),
      positionOf: () => db.prepare<[string], { position: number }>('SELECT position FROM cloudformation_stacks WHERE stack_id = ?'),
      purgeDeleted: () => {
        const purged = 'SELECT stack_id FROM cloudformation_stacks WHERE account = ? AND region = ? AND deleted_at IS NOT NULL AND deleted_at < ?';
        // What belongs to a purged stack goes with it; the stack row last, since the others find it through it.
        const statements = [
          ...PURGED_WITH_STACK.map((table) => db.prepare<[string, string, number]>(`DELETE FROM ${table} WHERE stack_id IN (${purged})`)),
          db.prepare<[string, string, number]>(`DELETE FROM cloudformation_stacks WHERE stack_id IN (${purged})`),
        ];
        return {
          run: (account: string, region: string, before: number) => {
            for (const statement of statements) statement.run(account, region, before);
          },
        };
      },
      resources: () => db.prepare<[string], ResourceRow>('SELECT * FROM cloudformation_resources WHERE stack_id = ? ORDER BY position'),
      resource: () => db.prepare<[string, string], ResourceRow>('SELECT * FROM cloudformation_resources WHERE stack_id = ? AND logical_id = ?'),
      resourcesByPhysical: () =>
        db.prepare<[string], ResourceRow>(
          `SELECT r.* FROM cloudformation_resources r JOIN cloudformation_stacks s ON s.stack_id = r.stack_id
           WHERE r.physical_id = ? AND s.deleted_at IS NULL`,
        ),
      upsertResource: () =>
        db.prepare(
          `INSERT INTO cloudformation_resources (stack_id, logical_id, type, physical_id, status, status_reason, props, attributes, updated_at, prior, removed, position)
           VALUES (@stack_id, @logical_id, @type, @physical_id, @status, @status_reason, @props, @attributes, @updated_at, @prior, @removed, @position)
           ON CONFLICT (stack_id, logical_id) DO UPDATE SET type = excluded.type, physical_id = excluded.physical_id, status = excluded.status,
             status_reason = excluded.status_reason, props = excluded.props, attributes = excluded.attributes, updated_at = excluded.updated_at,
             prior = excluded.prior, removed = excluded.removed, position = excluded.position`,
        ),
      deleteResource: () => db.prepare<[string, string]>('DELETE FROM cloudformation_resources WHERE stack_id = ? AND logical_id = ?'),
      insertEvent: () =>
        db.prepare(
          `INSERT INTO cloudformation_events (stack_id, event_id, stack_name, logical_id, physical_id, type, status, reason, props, timestamp, client_request_token)
           VALUES (@stack_id, @event_id, @stack_name, @logical_id, @physical_id, @type, @status, @reason, @props, @timestamp, @client_request_token)`,
        ),
      events: () => db.prepare<[string, number, number], EventRow>('SELECT * FROM cloudformation_events WHERE stack_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?'),
      export: () => db.prepare<[string, string, string], ExportRow>('SELECT * FROM cloudformation_exports WHERE account = ? AND region = ? AND name = ?'),
      exports: () => db.prepare<[string, string, string, number], ExportRow>('SELECT * FROM cloudformation_exports WHERE account = ? AND region = ? AND name > ? ORDER BY name LIMIT ?'),
      exportsOf: () => db.prepare<[string], ExportRow>('SELECT * FROM cloudformation_exports WHERE stack_id = ? ORDER BY name'),
      insertExport: () => db.prepare<[string, string, string, string, string]>('INSERT INTO cloudformation_exports (account, region, name, value, stack_id) VALUES (?, ?, ?, ?, ?)'),
      deleteExportsOf: () => db.prepare<[string]>('DELETE FROM cloudformation_exports WHERE stack_id = ?'),
      importers: () =>
        db.prepare<[string, string, string, string, number], { stack_id: string; name: string }>(
          `SELECT i.stack_id, s.name FROM cloudformation_imports i JOIN cloudformation_stacks s ON s.stack_id = i.stack_id
           WHERE i.account = ? AND i.region = ? AND i.export_name = ? AND s.name > ? ORDER BY s.name LIMIT ?`,
        ),
      insertImport: () => db.prepare<[string, string, string, string]>('INSERT OR IGNORE INTO cloudformation_imports (account, region, export_name, stack_id) VALUES (?, ?, ?, ?)'),
      importsOf: () => db.prepare<[string], { export_name: string }>('SELECT export_name FROM cloudformation_imports WHERE stack_id = ? ORDER BY export_name'),
      deleteImportsOf: () => db.prepare<[string]>('DELETE FROM cloudformation_imports WHERE stack_id = ?'),
      changeSet: () => db.prepare<[string], ChangeSetRow>('SELECT * FROM cloudformation_change_sets WHERE change_set_id = ?'),
      changeSetByName: () => db.prepare<[string, string], ChangeSetRow>('SELECT * FROM cloudformation_change_sets WHERE stack_id = ? AND name = ?'),
      changeSetsOf: () => db.prepare<[string], ChangeSetRow>('SELECT * FROM cloudformation_change_sets WHERE stack_id = ? ORDER BY created_at, rowid'),
      insertChangeSet: () =>
        db.prepare(
          `INSERT INTO cloudformation_change_sets (change_set_id, stack_id, account, region, name, change_set_type, status, status_reason, execution_status, description, created_at, data)
           VALUES (@change_set_id, @stack_id, @account, @region, @name, @change_set_type, @status, @status_reason, @execution_status, @description, @created_at, @data)`,
        ),
      setExecutionStatus: () => db.prepare<[string, string]>('UPDATE cloudformation_change_sets SET execution_status = ? WHERE change_set_id = ?'),
      obsoleteOtherChangeSets: () =>
        db.prepare<[string, string]>(
          `UPDATE cloudformation_change_sets SET execution_status = 'OBSOLETE' WHERE stack_id = ? AND change_set_id <> ? AND execution_status IN ('AVAILABLE', 'UNAVAILABLE')`,
        ),
      setChangeSetData: () => db.prepare<[string, string]>('UPDATE cloudformation_change_sets SET data = ? WHERE change_set_id = ?'),
      deleteChangeSet: () => db.prepare<[string]>('DELETE FROM cloudformation_change_sets WHERE change_set_id = ?'),
      requestTokenOperation: () => db.prepare<[string, string], { operation: string }>('SELECT operation FROM cloudformation_request_tokens WHERE stack_id = ? AND token = ?'),
      deletedStackTookToken: () =>
        db.prepare<[string, string, string, string], { found: number }>(
          `SELECT 1 AS found FROM cloudformation_request_tokens t JOIN cloudformation_stacks s ON s.stack_id = t.stack_id
           WHERE s.account = ? AND s.region = ? AND s.name = ? AND s.deleted_at IS NOT NULL AND t.token = ? LIMIT 1`,
        ),
      insertRequestToken: () => db.prepare<[string, string, string]>('INSERT OR IGNORE INTO cloudformation_request_tokens (stack_id, token, operation) VALUES (?, ?, ?)'),
      latestEventSeq: () => db.prepare<[string], { seq: number }>('SELECT COALESCE(MAX(seq), 0) AS seq FROM cloudformation_events WHERE stack_id = ?'),
      firstFinalStackEventAfter: () =>
        db.prepare<[string, string, number], EventRow>(
          `SELECT * FROM cloudformation_events WHERE stack_id = ? AND logical_id = ? AND seq > ? AND type = 'AWS::CloudFormation::Stack' AND status NOT LIKE '%_IN_PROGRESS'
           ORDER BY seq LIMIT 1`,
        ),
    });
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  stack(stackId: string): StackRow | undefined {
    return this.stmts.stack.get(stackId);
  }

  liveStackByName(scope: Scope, name: string): StackRow | undefined {
    return this.stmts.liveStackByName.get(scope.account, scope.region, name);
  }

  insertStack(row: NewStackRow): void {
    this.stmts.insertStack.run({ status_reason: null, last_operation_id: null, ...row });
  }

  /** Sets the given columns of a stack. Column names come from StackRow's keys, never from input. */
  updateStack(stackId: string, changes: Partial<Omit<StackRow, 'stack_id'>>): void {
    const columns = Object.keys(changes);
    if (columns.length === 0) return;
    const key = columns.join(',');
    let statement = this.stackUpdates.get(key);
    if (!statement) {
      statement = this.store.db.prepare(`UPDATE cloudformation_stacks SET ${columns.map((name) => `${name} = @${name}`).join(', ')} WHERE stack_id = @stack_id`);
      this.stackUpdates.set(key, statement);
    }
    statement.run({ ...changes, stack_id: stackId });
  }

  /** A page of stacks, newest first, from before `beforePosition`; `live` leaves deleted stacks out. */
  stacksNewestFirst(scope: Scope, beforePosition: number, limit: number, live: boolean): (StackRow & { position: number })[] {
    return (live ? this.stmts.liveStacksNewestFirst : this.stmts.stacksNewestFirst).all(scope.account, scope.region, beforePosition, limit);
  }

  positionOf(stackId: string): number | undefined {
    return this.stmts.positionOf.get(stackId)?.position;
  }

  /** The operation a ClientRequestToken was first given to on the stack, if any. */
  requestTokenOperation(stackId: string, token: string): string | undefined {
    return this.stmts.requestTokenOperation.get(stackId, token)?.operation;
  }

  /** Whether a deleted stack of that name (not yet purged) took the ClientRequestToken. */
  deletedStackTookToken(scope: Scope, name: string, token: string): boolean {
    return this.stmts.deletedStackTookToken.get(scope.account, scope.region, name, token) !== undefined;
  }

  rememberRequestToken(stackId: string, token: string, operation: string): void {
    this.stmts.insertRequestToken.run(stackId, token, operation);
  }

  /** Forgets stacks deleted before `before` (AWS lists deleted stacks for 90 days), with their resources, events, change sets and request tokens. */
  purgeDeleted(scope: Scope, before: number): void {
    this.store.tx(() => this.stmts.purgeDeleted.run(scope.account, scope.region, before));
  }

  resources(stackId: string): ResourceRow[] {
    return this.stmts.resources.all(stackId);
  }

  resource(stackId: string, logicalId: string): ResourceRow | undefined {
    return this.stmts.resource.get(stackId, logicalId);
  }

  /** Resources of live stacks with this physical id (DescribeStackResources by PhysicalResourceId). */
  resourcesByPhysicalId(physicalId: string): ResourceRow[] {
    return this.stmts.resourcesByPhysical.all(physicalId);
  }

  putResource(row: ResourceRow): void {
    this.stmts.upsertResource.run(row);
  }

  deleteResource(stackId: string, logicalId: string): void {
    this.stmts.deleteResource.run(stackId, logicalId);
  }

  insertEvent(row: Omit<EventRow, 'seq'>): void {
    this.stmts.insertEvent.run(row);
  }

  /** A page of a stack's events, newest first, from before `beforeSeq`. */
  events(stackId: string, beforeSeq: number, limit: number): EventRow[] {
    return this.stmts.events.all(stackId, beforeSeq, limit);
  }

  export(scope: Scope, name: string): ExportRow | undefined {
    return this.stmts.export.get(scope.account, scope.region, name);
  }

  exports(scope: Scope, afterName: string, limit: number): ExportRow[] {
    return this.stmts.exports.all(scope.account, scope.region, afterName, limit);
  }

  exportsOf(stackId: string): ExportRow[] {
    return this.stmts.exportsOf.all(stackId);
  }

  /** Replaces a stack's exports. */
  setExports(stackId: string, scope: Scope, exports: { name: string; value: string }[]): void {
    this.stmts.deleteExportsOf.run(stackId);
    for (const e of exports) this.stmts.insertExport.run(scope.account, scope.region, e.name, e.value, stackId);
  }

  /** Stacks importing an export, by name, after `afterName`. */
  importers(scope: Scope, exportName: string, afterName: string, limit: number): { stack_id: string; name: string }[] {
    return this.stmts.importers.all(scope.account, scope.region, exportName, afterName, limit);
  }

  /** The exports a stack imports. */
  importsOf(stackId: string): string[] {
    return this.stmts.importsOf.all(stackId).map((row) => row.export_name);
  }

  /** Replaces the exports a stack imports. */
  setImports(stackId: string, scope: Scope, exportNames: Iterable<string>): void {
    this.stmts.deleteImportsOf.run(stackId);
    for (const name of exportNames) this.stmts.insertImport.run(scope.account, scope.region, name, stackId);
  }

  changeSet(changeSetId: string): ChangeSetRow | undefined {
    return this.stmts.changeSet.get(changeSetId);
  }

  changeSetByName(stackId: string, name: string): ChangeSetRow | undefined {
    return this.stmts.changeSetByName.get(stackId, name);
  }

  /** A stack's change sets, oldest first. */
  changeSetsOf(stackId: string): ChangeSetRow[] {
    return this.stmts.changeSetsOf.all(stackId);
  }

  insertChangeSet(row: ChangeSetRow): void {
    this.stmts.insertChangeSet.run(row);
  }

  setChangeSetExecutionStatus(changeSetId: string, executionStatus: string): void {
    this.stmts.setExecutionStatus.run(executionStatus, changeSetId);
  }

  setChangeSetData(changeSetId: string, data: string): void {
    this.stmts.setChangeSetData.run(data, changeSetId);
  }

  /** Marks every other change set of the stack that could still run as OBSOLETE (one was executed). */
  obsoleteOtherChangeSets(stackId: string, executedId: string): void {
    this.stmts.obsoleteOtherChangeSets.run(stackId, executedId);
  }

  deleteChangeSet(changeSetId: string): void {
    this.stmts.deleteChangeSet.run(changeSetId);
  }

  /** The sequence number of the stack's newest event (0 without any). */
  latestEventSeq(stackId: string): number {
    return this.stmts.latestEventSeq.get(stackId)?.seq ?? 0;
  }

  /** The first event of the stack itself after `afterSeq` with a final (not *_IN_PROGRESS) status: how an operation started then ended. */
  firstFinalStackEventAfter(stackId: string, stackName: string, afterSeq: number): EventRow | undefined {
    return this.stmts.firstFinalStackEventAfter.get(stackId, stackName, afterSeq);
  }
}
