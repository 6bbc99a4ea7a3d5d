/**
 * CodeBuild sandboxes and their command executions: tables and prepared statements. A sandbox is
 * stored as its Sandbox JSON (what BatchGetSandboxes returns; dates as ISO strings, revived on read)
 * next to the project as it was when StartSandbox was called, which is what the sandbox runs even if
 * the project changes or goes away. A command execution is stored as its CommandExecution JSON;
 * `pending` marks the ones not yet run (SUBMITTED), which the sandbox's runner takes oldest first.
 * `seq` orders both lists.
 */
import type { CommandExecution, Project, Sandbox } from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import { preparedOnUse } from '../../../core/prepared.js';
import type { Store } from '../../../core/store.js';

export interface SandboxRow {
  seq: number;
  account: string;
  region: string;
  id: string;
  arn: string;
  project_name: string;
  /** Sandbox JSON with dates as ISO strings. */
  sandbox: string;
  /** The Project the sandbox runs, JSON with dates as ISO strings. */
  project: string;
  complete: number;
  idempotency_token: string | null;
  created_at: number;
}

export type NewSandbox = Omit<SandboxRow, 'seq'>;

export interface CommandRow {
  seq: number;
  account: string;
  region: string;
  sandbox_id: string;
  id: string;
  /** CommandExecution JSON with dates as ISO strings. */
  execution: string;
  pending: number;
}

type Key = [account: string, region: string, id: string];
type Order = 'ASCENDING' | 'DESCENDING';

export class SandboxStore {
  private readonly stmts;

  constructor(private readonly store: Store) {
    store.migrate('codebuild.sandboxes', [
      {
        version: 1,
        sql: `CREATE TABLE codebuild_sandboxes (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL, arn TEXT NOT NULL,
          project_name TEXT NOT NULL, sandbox TEXT NOT NULL, project TEXT NOT NULL,
          complete INTEGER NOT NULL DEFAULT 0, idempotency_token TEXT, created_at INTEGER NOT NULL,
          UNIQUE (account, region, id)
        );
        CREATE INDEX codebuild_sandboxes_project ON codebuild_sandboxes (account, region, project_name, seq);
        CREATE INDEX codebuild_sandboxes_token ON codebuild_sandboxes (account, region, idempotency_token);
        CREATE TABLE codebuild_command_executions (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          account TEXT NOT NULL, region TEXT NOT NULL, sandbox_id TEXT NOT NULL, id TEXT NOT NULL,
          execution TEXT NOT NULL, pending INTEGER NOT NULL,
          UNIQUE (account, region, sandbox_id, id)
        );
        CREATE INDEX codebuild_command_executions_sandbox ON codebuild_command_executions (account, region, sandbox_id, seq);`,
      },
      // The sandbox page (/_drydock/codebuild/sandboxes/<id>) finds a sandbox by its id alone.
      { version: 2, sql: 'CREATE INDEX codebuild_sandboxes_id ON codebuild_sandboxes (id);' },
    ]);
    const db = store.db;
    this.stmts = preparedOnUse({
      get: () => db.prepare<Key, SandboxRow>('SELECT * FROM codebuild_sandboxes WHERE account = ? AND region = ? AND id = ?'),
      find: () => db.prepare<[string], SandboxRow>('SELECT * FROM codebuild_sandboxes WHERE id = ? ORDER BY seq DESC LIMIT 1'),
      byToken: () =>
        db.prepare<[string, string, string, number], SandboxRow>(
          'SELECT * FROM codebuild_sandboxes WHERE account = ? AND region = ? AND idempotency_token = ? AND created_at >= ? ORDER BY seq DESC LIMIT 1',
        ),
      insert: () =>
        db.prepare<NewSandbox>(`INSERT INTO codebuild_sandboxes (account, region, id, arn, project_name, sandbox, project, complete, idempotency_token, created_at)
        VALUES (@account, @region, @id, @arn, @project_name, @sandbox, @project, @complete, @idempotency_token, @created_at)`),
      update: () => db.prepare<[string, number, ...Key]>('UPDATE codebuild_sandboxes SET sandbox = ?, complete = ? WHERE account = ? AND region = ? AND id = ?'),
      listAsc: () =>
        db.prepare<[string, string, number, number], { seq: number; id: string }>('SELECT seq, id FROM codebuild_sandboxes WHERE account = ? AND region = ? AND seq > ? ORDER BY seq ASC LIMIT ?'),
      listDesc: () =>
        db.prepare<[string, string, number, number], { seq: number; id: string }>('SELECT seq, id FROM codebuild_sandboxes WHERE account = ? AND region = ? AND seq < ? ORDER BY seq DESC LIMIT ?'),
      listProjectAsc: () =>
        db.prepare<[string, string, string, number, number], { seq: number; id: string }>(
          'SELECT seq, id FROM codebuild_sandboxes WHERE account = ? AND region = ? AND project_name = ? AND seq > ? ORDER BY seq ASC LIMIT ?',
        ),
      listProjectDesc: () =>
        db.prepare<[string, string, string, number, number], { seq: number; id: string }>(
          'SELECT seq, id FROM codebuild_sandboxes WHERE account = ? AND region = ? AND project_name = ? AND seq < ? ORDER BY seq DESC LIMIT ?',
        ),
      getCommand: () => db.prepare<[string, string, string, string], CommandRow>('SELECT * FROM codebuild_command_executions WHERE account = ? AND region = ? AND sandbox_id = ? AND id = ?'),
      insertCommand: () =>
        db.prepare<Omit<CommandRow, 'seq'>>(`INSERT INTO codebuild_command_executions (account, region, sandbox_id, id, execution, pending)
        VALUES (@account, @region, @sandbox_id, @id, @execution, @pending)`),
      updateCommand: () =>
        db.prepare<[string, number, string, string, string, string]>(
          'UPDATE codebuild_command_executions SET execution = ?, pending = ? WHERE account = ? AND region = ? AND sandbox_id = ? AND id = ?',
        ),
      nextPending: () =>
        db.prepare<[string, string, string], CommandRow>('SELECT * FROM codebuild_command_executions WHERE account = ? AND region = ? AND sandbox_id = ? AND pending = 1 ORDER BY seq ASC LIMIT 1'),
      unfinished: () =>
        db.prepare<[string, string, string], CommandRow>(
          "SELECT * FROM codebuild_command_executions WHERE account = ? AND region = ? AND sandbox_id = ? AND (pending = 1 OR json_extract(execution, '$.status') = 'IN_PROGRESS') ORDER BY seq",
        ),
      commandsAsc: () =>
        db.prepare<[string, string, string, number, number], CommandRow>(
          'SELECT * FROM codebuild_command_executions WHERE account = ? AND region = ? AND sandbox_id = ? AND seq > ? ORDER BY seq ASC LIMIT ?',
        ),
      commandsDesc: () =>
        db.prepare<[string, string, string, number, number], CommandRow>(
          'SELECT * FROM codebuild_command_executions WHERE account = ? AND region = ? AND sandbox_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?',
        ),
    });
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  get(scope: Scope, id: string): SandboxRow | undefined {
    return this.stmts.get.get(scope.account, scope.region, id);
  }

  /** The sandbox with this id in any account and Region (ids carry a UUID: there is one). */
  find(id: string): SandboxRow | undefined {
    return this.stmts.find.get(id);
  }

  /** The sandbox StartSandbox created with this idempotency token at or after `since`, if any. */
  byToken(scope: Scope, token: string, since: number): SandboxRow | undefined {
    return this.stmts.byToken.get(scope.account, scope.region, token, since);
  }

  insert(row: NewSandbox): void {
    this.stmts.insert.run(row);
  }

  update(scope: Scope, sandbox: Sandbox, complete: boolean): void {
    this.stmts.update.run(JSON.stringify(sandbox), complete ? 1 : 0, scope.account, scope.region, sandbox.id!);
  }

  /** Up to `limit` sandbox ids after the `after` sequence number, oldest or newest first; all projects or one. */
  list(scope: Scope, projectName: string | undefined, order: Order, after: number | undefined, limit: number): { seq: number; id: string }[] {
    const ascending = order === 'ASCENDING';
    const from = after ?? (ascending ? 0 : Number.MAX_SAFE_INTEGER);
    if (projectName === undefined) return (ascending ? this.stmts.listAsc : this.stmts.listDesc).all(scope.account, scope.region, from, limit);
    return (ascending ? this.stmts.listProjectAsc : this.stmts.listProjectDesc).all(scope.account, scope.region, projectName, from, limit);
  }

  command(scope: Scope, sandboxId: string, id: string): CommandRow | undefined {
    return this.stmts.getCommand.get(scope.account, scope.region, sandboxId, id);
  }

  insertCommand(scope: Scope, execution: CommandExecution, sandboxId: string): void {
    this.stmts.insertCommand.run({ account: scope.account, region: scope.region, sandbox_id: sandboxId, id: execution.id!, execution: JSON.stringify(execution), pending: 1 });
  }

  updateCommand(scope: Scope, sandboxId: string, execution: CommandExecution): void {
    const pending = execution.status === 'SUBMITTED' ? 1 : 0;
    this.stmts.updateCommand.run(JSON.stringify(execution), pending, scope.account, scope.region, sandboxId, execution.id!);
  }

  /** The oldest command of the sandbox that has not run yet. */
  nextPending(scope: Scope, sandboxId: string): CommandRow | undefined {
    return this.stmts.nextPending.get(scope.account, scope.region, sandboxId);
  }

  /** Commands still waiting or running (a sandbox that ends settles them). */
  unfinished(scope: Scope, sandboxId: string): CommandRow[] {
    return this.stmts.unfinished.all(scope.account, scope.region, sandboxId);
  }

  /** Up to `limit` command executions of a sandbox after the `after` sequence number. */
  commands(scope: Scope, sandboxId: string, order: Order, after: number | undefined, limit: number): CommandRow[] {
    const ascending = order === 'ASCENDING';
    const from = after ?? (ascending ? 0 : Number.MAX_SAFE_INTEGER);
    return (ascending ? this.stmts.commandsAsc : this.stmts.commandsDesc).all(scope.account, scope.region, sandboxId, from, limit);
  }
}

const DATES = ['requestTime', 'startTime', 'endTime', 'submitTime'] as const;

function revive(raw: Record<string, unknown>): void {
  for (const key of DATES) if (typeof raw[key] === 'string') raw[key] = new Date(raw[key]);
}

/** The Sandbox of a stored row, dates revived (its own, its session's and its phases'). */
export function sandboxOf(row: Pick<SandboxRow, 'sandbox'>): Sandbox {
  const raw = JSON.parse(row.sandbox) as Record<string, unknown>;
  revive(raw);
  const sandbox = raw as Sandbox;
  if (sandbox.currentSession) {
    revive(sandbox.currentSession as Record<string, unknown>);
    for (const phase of sandbox.currentSession.phases ?? []) revive(phase as Record<string, unknown>);
  }
  return sandbox;
}

/** The Project a sandbox runs, dates revived. */
export function sandboxProjectOf(row: Pick<SandboxRow, 'project'>): Project {
  const raw = JSON.parse(row.project) as Record<string, unknown>;
  for (const key of ['created', 'lastModified']) if (typeof raw[key] === 'string') raw[key] = new Date(raw[key]);
  return raw as Project;
}

export function commandOf(row: Pick<CommandRow, 'execution'>): CommandExecution {
  const raw = JSON.parse(row.execution) as Record<string, unknown>;
  revive(raw);
  return raw as CommandExecution;
}
