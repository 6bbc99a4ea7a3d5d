/**
 * CodeBuild builds: tables and prepared statements. A build is stored as its Build JSON (what
 * BatchGetBuilds returns; dates as ISO strings, revived on read) next to the project as it
 * was when the build started, overrides applied, which is what the runner executes even if the
 * project changes or goes away meanwhile. `seq` orders ListBuilds; build numbers count per project
 * name and are never reused.
 */
import type { Build, Project } from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import { preparedOnUse } from '../../../core/prepared.js';
import type { Store } from '../../../core/store.js';

export interface BuildRow {
  seq: number;
  account: string;
  region: string;
  id: string;
  arn: string;
  project_name: string;
  /** Build JSON with dates as ISO strings. */
  build: string;
  /** The Project the build runs (overrides applied), JSON with dates as ISO strings. */
  project: string;
  complete: number;
  idempotency_token: string | null;
  created_at: number;
}

export type NewBuild = Omit<BuildRow, 'seq'>;

type Key = [account: string, region: string, id: string];

export class BuildStore {
  private readonly stmts;

  constructor(private readonly store: Store) {
    store.migrate('codebuild.builds', [
      {
        version: 1,
        sql: `CREATE TABLE codebuild_builds (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL, arn TEXT NOT NULL,
          project_name TEXT NOT NULL, build TEXT NOT NULL, project TEXT NOT NULL,
          complete INTEGER NOT NULL DEFAULT 0, idempotency_token TEXT, created_at INTEGER NOT NULL,
          UNIQUE (account, region, id)
        );
        CREATE INDEX codebuild_builds_project ON codebuild_builds (account, region, project_name, seq);
        CREATE INDEX codebuild_builds_token ON codebuild_builds (account, region, idempotency_token);
        CREATE TABLE codebuild_build_numbers (
          account TEXT NOT NULL, region TEXT NOT NULL, project_name TEXT NOT NULL, last INTEGER NOT NULL,
          PRIMARY KEY (account, region, project_name)
        );`,
      },
      // The build page (/_drydock/codebuild/builds/<id>) finds a build by its id alone.
      { version: 2, sql: 'CREATE INDEX codebuild_builds_id ON codebuild_builds (id);' },
    ]);
    const db = store.db;
    this.stmts = preparedOnUse({
      get: () => db.prepare<Key, BuildRow>('SELECT * FROM codebuild_builds WHERE account = ? AND region = ? AND id = ?'),
      find: () => db.prepare<[string], BuildRow>('SELECT * FROM codebuild_builds WHERE id = ? ORDER BY seq DESC LIMIT 1'),
      byToken: () =>
        db.prepare<[string, string, string, number], BuildRow>(
          'SELECT * FROM codebuild_builds WHERE account = ? AND region = ? AND idempotency_token = ? AND created_at >= ? ORDER BY seq DESC LIMIT 1',
        ),
      insert: () =>
        db.prepare<NewBuild>(`INSERT INTO codebuild_builds (account, region, id, arn, project_name, build, project, complete, idempotency_token, created_at)
        VALUES (@account, @region, @id, @arn, @project_name, @build, @project, @complete, @idempotency_token, @created_at)`),
      update: () => db.prepare<[string, number, ...Key]>('UPDATE codebuild_builds SET build = ?, complete = ? WHERE account = ? AND region = ? AND id = ?'),
      remove: () => db.prepare<Key>('DELETE FROM codebuild_builds WHERE account = ? AND region = ? AND id = ?'),
      nextNumber: () =>
        db.prepare<[string, string, string], { last: number }>(`INSERT INTO codebuild_build_numbers (account, region, project_name, last) VALUES (?, ?, ?, 1)
        ON CONFLICT (account, region, project_name) DO UPDATE SET last = last + 1 RETURNING last`),
      incomplete: () => db.prepare<[string, string], { n: number }>('SELECT COUNT(*) AS n FROM codebuild_builds WHERE account = ? AND region = ? AND complete = 0'),
      listAsc: () =>
        db.prepare<[string, string, number, number], { seq: number; id: string }>('SELECT seq, id FROM codebuild_builds WHERE account = ? AND region = ? AND seq > ? ORDER BY seq ASC LIMIT ?'),
      listDesc: () =>
        db.prepare<[string, string, number, number], { seq: number; id: string }>('SELECT seq, id FROM codebuild_builds WHERE account = ? AND region = ? AND seq < ? ORDER BY seq DESC LIMIT ?'),
      listProjectAsc: () =>
        db.prepare<[string, string, string, number, number], { seq: number; id: string }>(
          'SELECT seq, id FROM codebuild_builds WHERE account = ? AND region = ? AND project_name = ? AND seq > ? ORDER BY seq ASC LIMIT ?',
        ),
      listProjectDesc: () =>
        db.prepare<[string, string, string, number, number], { seq: number; id: string }>(
          'SELECT seq, id FROM codebuild_builds WHERE account = ? AND region = ? AND project_name = ? AND seq < ? ORDER BY seq DESC LIMIT ?',
        ),
    });
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  get(scope: Scope, id: string): BuildRow | undefined {
    return this.stmts.get.get(scope.account, scope.region, id);
  }

  /** The build with this id in any account and Region (ids carry a UUID: there is one). */
  find(id: string): BuildRow | undefined {
    return this.stmts.find.get(id);
  }

  /** The build StartBuild created with this idempotency token at or after `since`, if any. */
  byToken(scope: Scope, token: string, since: number): BuildRow | undefined {
    return this.stmts.byToken.get(scope.account, scope.region, token, since);
  }

  insert(row: NewBuild): void {
    this.stmts.insert.run(row);
  }

  update(scope: Scope, id: string, build: Build): void {
    this.stmts.update.run(encodeBuild(build), build.buildComplete ? 1 : 0, scope.account, scope.region, id);
  }

  remove(scope: Scope, id: string): void {
    this.stmts.remove.run(scope.account, scope.region, id);
  }

  /** The next build number of a project name (1 for its first build). */
  nextNumber(scope: Scope, projectName: string): number {
    return this.stmts.nextNumber.get(scope.account, scope.region, projectName)!.last;
  }

  /** Builds of the scope that have not completed (queued or running). */
  incompleteCount(scope: Scope): number {
    return this.stmts.incomplete.get(scope.account, scope.region)!.n;
  }

  /** Up to `limit` build ids after the `after` sequence number, oldest or newest first; all projects or one. */
  list(scope: Scope, projectName: string | undefined, order: 'ASCENDING' | 'DESCENDING', after: number | undefined, limit: number): { seq: number; id: string }[] {
    const ascending = order === 'ASCENDING';
    const from = after ?? (ascending ? 0 : Number.MAX_SAFE_INTEGER);
    if (projectName === undefined) {
      return (ascending ? this.stmts.listAsc : this.stmts.listDesc).all(scope.account, scope.region, from, limit);
    }
    return (ascending ? this.stmts.listProjectAsc : this.stmts.listProjectDesc).all(scope.account, scope.region, projectName, from, limit);
  }
}

/** Build JSON keys holding dates, at the top level and in phases. */
const BUILD_DATES = ['startTime', 'endTime'] as const;

/** JSON for a Build (dates become ISO strings through Date.toJSON). */
export function encodeBuild(build: Build): string {
  return JSON.stringify(build);
}

/** The Build of a stored row, dates revived. */
export function buildOf(row: Pick<BuildRow, 'build'>): Build {
  const raw = JSON.parse(row.build) as Record<string, unknown>;
  for (const key of BUILD_DATES) if (typeof raw[key] === 'string') raw[key] = new Date(raw[key]);
  const build = raw as Build;
  for (const phase of build.phases ?? []) {
    const p = phase as Record<string, unknown>;
    for (const key of BUILD_DATES) if (typeof p[key] === 'string') p[key] = new Date(p[key]);
  }
  return build;
}

/** The Project a build runs, dates revived. */
export function buildProjectOf(row: Pick<BuildRow, 'project'>): Project {
  const raw = JSON.parse(row.project) as Record<string, unknown>;
  for (const key of ['created', 'lastModified']) if (typeof raw[key] === 'string') raw[key] = new Date(raw[key]);
  return raw as Project;
}
