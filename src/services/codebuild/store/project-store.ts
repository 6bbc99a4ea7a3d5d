/**
 * CodeBuild projects, source credentials and resource policies: tables and prepared statements.
 * A project is stored as its Project JSON (what BatchGetProjects returns, minus the timestamps)
 * plus the columns ListProjects sorts on. The build runner reads projects through `getProject`.
 *
 * Constructing the class more than once (the projects handlers and the runner each may) is
 * harmless: migrations apply once per database and statements are only prepared.
 */
import type { Project } from '@aws-sdk/client-codebuild';
import type { Statement } from 'better-sqlite3';
import type { Scope } from '../../../core/accounts.js';
import { parseArn } from '../../../core/arn.js';
import { preparedOnUse } from '../../../core/prepared.js';
import type { Store } from '../../../core/store.js';

export interface ProjectRow {
  account: string;
  region: string;
  name: string;
  arn: string;
  created_at: number;
  modified_at: number;
  /** The Project without `created`/`lastModified` (JSON has no dates; the columns hold them). */
  project: string;
}

export interface SourceCredentialRow {
  account: string;
  region: string;
  server_type: string;
  auth_type: string;
  arn: string;
  username: string | null;
  /** Personal access tokens and app passwords; connections and secrets are named by `resource`. */
  token: string | null;
  resource: string | null;
}

export type ProjectSortBy = 'NAME' | 'CREATED_TIME' | 'LAST_MODIFIED_TIME';
export type SortOrder = 'ASCENDING' | 'DESCENDING';

/** Where a ListProjects page ends: the sort value and name of its last project. */
export interface ProjectCursor {
  value: string | number;
  name: string;
}

const SORT_COLUMN: Record<ProjectSortBy, string> = { NAME: 'name', CREATED_TIME: 'created_at', LAST_MODIFIED_TIME: 'modified_at' };

/**
 * Keyset pages of a per-account-and-region table (name, created_at, modified_at columns) in the
 * orders ListProjects and ListFleets offer; names break ties between equal times, in the same
 * direction, so the order is total and a cursor never skips or repeats a row.
 */
export class SortedPages<Listed extends { name: string; value: string | number }> {
  private readonly stmts = new Map<string, { first: Statement<[string, string, number], Listed>; after: Statement<[string, string, string | number, string, number], Listed> }>();

  /** `columns`: what each listed row carries besides its sort value (`value`). */
  constructor(
    private readonly store: Store,
    private readonly table: string,
    private readonly columns: string,
  ) {}

  page(scope: Scope, sortBy: ProjectSortBy, order: SortOrder, cursor: ProjectCursor | undefined, limit: number): Listed[] {
    const column = SORT_COLUMN[sortBy];
    const key = `${column} ${order}`;
    let stmts = this.stmts.get(key);
    if (!stmts) {
      const direction = order === 'ASCENDING' ? 'ASC' : 'DESC';
      const compare = order === 'ASCENDING' ? '>' : '<';
      const select = `SELECT ${this.columns}, ${column} AS value FROM ${this.table} WHERE account = ? AND region = ?`;
      const orderBy = `ORDER BY ${column} ${direction}, name ${direction} LIMIT ?`;
      stmts = {
        first: this.store.db.prepare<[string, string, number], Listed>(`${select} ${orderBy}`),
        after: this.store.db.prepare<[string, string, string | number, string, number], Listed>(`${select} AND (${column}, name) ${compare} (?, ?) ${orderBy}`),
      };
      this.stmts.set(key, stmts);
    }
    return cursor ? stmts.after.all(scope.account, scope.region, cursor.value, cursor.name, limit) : stmts.first.all(scope.account, scope.region, limit);
  }
}

type Key = [account: string, region: string, name: string];
type Listed = { name: string; value: string | number };

export class ProjectStore {
  private readonly stmts;
  private readonly pages: SortedPages<Listed>;

  constructor(private readonly store: Store) {
    this.pages = new SortedPages(store, 'codebuild_projects', 'name');
    store.migrate('codebuild.projects', [
      {
        version: 1,
        sql: `CREATE TABLE codebuild_projects (
          account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, arn TEXT NOT NULL,
          created_at INTEGER NOT NULL, modified_at INTEGER NOT NULL, project TEXT NOT NULL,
          PRIMARY KEY (account, region, name)
        );
        CREATE INDEX codebuild_projects_created ON codebuild_projects (account, region, created_at, name);
        CREATE INDEX codebuild_projects_modified ON codebuild_projects (account, region, modified_at, name);
        CREATE TABLE codebuild_source_credentials (
          account TEXT NOT NULL, region TEXT NOT NULL, server_type TEXT NOT NULL, auth_type TEXT NOT NULL,
          arn TEXT NOT NULL, username TEXT, token TEXT, resource TEXT,
          PRIMARY KEY (account, region, server_type)
        );
        CREATE TABLE codebuild_resource_policies (
          account TEXT NOT NULL, region TEXT NOT NULL, resource_arn TEXT NOT NULL, policy TEXT NOT NULL,
          PRIMARY KEY (account, region, resource_arn)
        );`,
      },
    ]);
    const db = store.db;
    this.stmts = preparedOnUse({
      get: () => db.prepare<Key, ProjectRow>('SELECT * FROM codebuild_projects WHERE account = ? AND region = ? AND name = ?'),
      count: () => db.prepare<[string, string], { n: number }>('SELECT COUNT(*) AS n FROM codebuild_projects WHERE account = ? AND region = ?'),
      insert: () =>
        db.prepare<ProjectRow>(`INSERT INTO codebuild_projects (account, region, name, arn, created_at, modified_at, project)
        VALUES (@account, @region, @name, @arn, @created_at, @modified_at, @project)`),
      update: () => db.prepare<[number, string, ...Key]>('UPDATE codebuild_projects SET modified_at = ?, project = ? WHERE account = ? AND region = ? AND name = ?'),
      remove: () => db.prepare<Key>('DELETE FROM codebuild_projects WHERE account = ? AND region = ? AND name = ?'),
      credential: () => db.prepare<[string, string, string], SourceCredentialRow>('SELECT * FROM codebuild_source_credentials WHERE account = ? AND region = ? AND server_type = ?'),
      credentialByArn: () => db.prepare<[string, string, string], SourceCredentialRow>('SELECT * FROM codebuild_source_credentials WHERE account = ? AND region = ? AND arn = ?'),
      credentials: () => db.prepare<[string, string], SourceCredentialRow>('SELECT * FROM codebuild_source_credentials WHERE account = ? AND region = ? ORDER BY server_type'),
      putCredential: () =>
        db.prepare<SourceCredentialRow>(`INSERT INTO codebuild_source_credentials (account, region, server_type, auth_type, arn, username, token, resource)
        VALUES (@account, @region, @server_type, @auth_type, @arn, @username, @token, @resource)
        ON CONFLICT (account, region, server_type) DO UPDATE SET auth_type = excluded.auth_type, arn = excluded.arn,
          username = excluded.username, token = excluded.token, resource = excluded.resource`),
      deleteCredential: () => db.prepare<[string, string, string]>('DELETE FROM codebuild_source_credentials WHERE account = ? AND region = ? AND arn = ?'),
      policy: () => db.prepare<[string, string, string], { policy: string }>('SELECT policy FROM codebuild_resource_policies WHERE account = ? AND region = ? AND resource_arn = ?'),
      putPolicy: () =>
        db.prepare<[string, string, string, string]>(`INSERT INTO codebuild_resource_policies (account, region, resource_arn, policy) VALUES (?, ?, ?, ?)
        ON CONFLICT (account, region, resource_arn) DO UPDATE SET policy = excluded.policy`),
      deletePolicy: () => db.prepare<[string, string, string]>('DELETE FROM codebuild_resource_policies WHERE account = ? AND region = ? AND resource_arn = ?'),
    });
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  /** A project's row by name, or by ARN when the ARN is this scope's (other accounts' and regions' projects are not visible). */
  row(scope: Scope, nameOrArn: string): ProjectRow | undefined {
    const name = projectNameOf(scope, nameOrArn);
    return name === undefined ? undefined : this.stmts.get.get(scope.account, scope.region, name);
  }

  /** The project as BatchGetProjects returns it, by name or ARN (what the build runner reads). */
  getProject(scope: Scope, nameOrArn: string): Project | undefined {
    const row = this.row(scope, nameOrArn);
    return row && projectOf(row);
  }

  count(scope: Scope): number {
    return this.stmts.count.get(scope.account, scope.region)!.n;
  }

  insert(row: ProjectRow): void {
    this.stmts.insert.run(row);
  }

  update(scope: Scope, name: string, modifiedAt: number, project: string): void {
    this.stmts.update.run(modifiedAt, project, scope.account, scope.region, name);
  }

  remove(scope: Scope, name: string): void {
    this.stmts.remove.run(scope.account, scope.region, name);
  }

  /** Up to `limit` project names in the requested order, after `cursor` when given. */
  list(scope: Scope, sortBy: ProjectSortBy, order: SortOrder, cursor: ProjectCursor | undefined, limit: number): Listed[] {
    return this.pages.page(scope, sortBy, order, cursor, limit);
  }

  sourceCredential(scope: Scope, serverType: string): SourceCredentialRow | undefined {
    return this.stmts.credential.get(scope.account, scope.region, serverType);
  }

  sourceCredentialByArn(scope: Scope, arn: string): SourceCredentialRow | undefined {
    return this.stmts.credentialByArn.get(scope.account, scope.region, arn);
  }

  sourceCredentials(scope: Scope): SourceCredentialRow[] {
    return this.stmts.credentials.all(scope.account, scope.region);
  }

  putSourceCredential(row: SourceCredentialRow): void {
    this.stmts.putCredential.run(row);
  }

  deleteSourceCredential(scope: Scope, arn: string): void {
    this.stmts.deleteCredential.run(scope.account, scope.region, arn);
  }

  resourcePolicy(scope: Scope, resourceArn: string): string | undefined {
    return this.stmts.policy.get(scope.account, scope.region, resourceArn)?.policy;
  }

  putResourcePolicy(scope: Scope, resourceArn: string, policy: string): void {
    this.stmts.putPolicy.run(scope.account, scope.region, resourceArn, policy);
  }

  deleteResourcePolicy(scope: Scope, resourceArn: string): void {
    this.stmts.deletePolicy.run(scope.account, scope.region, resourceArn);
  }
}

/** The project name a name or project ARN designates in this scope; undefined for ARNs of other scopes or resources. */
export function projectNameOf(scope: Scope, nameOrArn: string): string | undefined {
  if (!nameOrArn.startsWith('arn:')) return nameOrArn;
  const parts = parseArn(nameOrArn);
  if (parts?.service !== 'codebuild' || parts.account !== scope.account || parts.region !== scope.region) return undefined;
  if (!parts.resource.startsWith('project/')) return undefined;
  return parts.resource.slice('project/'.length);
}

export function projectOf(row: ProjectRow): Project {
  return { ...(JSON.parse(row.project) as Project), created: new Date(row.created_at), lastModified: new Date(row.modified_at) };
}
