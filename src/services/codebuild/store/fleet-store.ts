/**
 * CodeBuild reserved-capacity fleets: table and prepared statements. A fleet is stored as its Fleet
 * JSON (what BatchGetFleets returns, minus the timestamps) plus the columns ListFleets sorts on.
 * The build runner reads fleets through `byArn` to know a fleet's capacity and overflow behaviour
 * as they are now (UpdateFleet applies to builds already waiting).
 *
 * Constructing the class more than once (the fleet handlers and the runner each do) is harmless:
 * migrations apply once per database and statements are only prepared.
 */
import type { Fleet } from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import { preparedOnUse } from '../../../core/prepared.js';
import type { Store } from '../../../core/store.js';
import { type ProjectCursor, type ProjectSortBy, type ProjectStore, SortedPages, type SortOrder } from './project-store.js';

/** ListFleets sorts and pages as ListProjects does (FleetSortByType has the same values). */
export type FleetSortBy = ProjectSortBy;
export type FleetCursor = ProjectCursor;
export type { SortOrder };

export interface FleetRow {
  account: string;
  region: string;
  name: string;
  arn: string;
  created_at: number;
  modified_at: number;
  /** The Fleet without `created`/`lastModified` (JSON has no dates; the columns hold them). */
  fleet: string;
}

type Key = [account: string, region: string, name: string];
type Listed = { name: string; arn: string; value: string | number };

export class FleetStore {
  private readonly stmts;
  private readonly pages: SortedPages<Listed>;

  /** `projects` is asked for only because `projectsUsing` reads its table, which must exist before the statement is prepared. */
  constructor(
    private readonly store: Store,
    _projects: ProjectStore,
  ) {
    this.pages = new SortedPages(store, 'codebuild_fleets', 'name, arn');
    store.migrate('codebuild.fleets', [
      {
        version: 1,
        sql: `CREATE TABLE codebuild_fleets (
          account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, arn TEXT NOT NULL,
          created_at INTEGER NOT NULL, modified_at INTEGER NOT NULL, fleet TEXT NOT NULL,
          PRIMARY KEY (account, region, name)
        );
        CREATE UNIQUE INDEX codebuild_fleets_arn ON codebuild_fleets (arn);
        CREATE INDEX codebuild_fleets_created ON codebuild_fleets (account, region, created_at, name);
        CREATE INDEX codebuild_fleets_modified ON codebuild_fleets (account, region, modified_at, name);`,
      },
    ]);
    const db = store.db;
    this.stmts = preparedOnUse({
      get: () => db.prepare<Key, FleetRow>('SELECT * FROM codebuild_fleets WHERE account = ? AND region = ? AND name = ?'),
      byArn: () => db.prepare<[string, string, string], FleetRow>('SELECT * FROM codebuild_fleets WHERE account = ? AND region = ? AND arn = ?'),
      insert: () =>
        db.prepare<FleetRow>(`INSERT INTO codebuild_fleets (account, region, name, arn, created_at, modified_at, fleet)
        VALUES (@account, @region, @name, @arn, @created_at, @modified_at, @fleet)`),
      update: () => db.prepare<[number, string, ...Key]>('UPDATE codebuild_fleets SET modified_at = ?, fleet = ? WHERE account = ? AND region = ? AND name = ?'),
      remove: () => db.prepare<Key>('DELETE FROM codebuild_fleets WHERE account = ? AND region = ? AND name = ?'),
      projectsUsing: () =>
        db.prepare<[string, string, string], { name: string }>(
          "SELECT name FROM codebuild_projects WHERE account = ? AND region = ? AND json_extract(project, '$.environment.fleet.fleetArn') = ? ORDER BY name",
        ),
    });
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  /**
   * A fleet's row by name, or by ARN (`arn:…:fleet/<name>:<uuid>`, exactly: a fleet deleted and
   * created again under the same name has another ARN). Other accounts' and regions' fleets are not visible.
   */
  row(scope: Scope, nameOrArn: string): FleetRow | undefined {
    if (nameOrArn.startsWith('arn:')) return this.stmts.byArn.get(scope.account, scope.region, nameOrArn);
    return this.stmts.get.get(scope.account, scope.region, nameOrArn);
  }

  /** The fleet as BatchGetFleets returns it, by its exact ARN (what projects, builds and the runner name). */
  byArn(scope: Scope, fleetArn: string): Fleet | undefined {
    const row = this.stmts.byArn.get(scope.account, scope.region, fleetArn);
    return row && fleetOf(row);
  }

  insert(row: FleetRow): void {
    this.stmts.insert.run(row);
  }

  update(scope: Scope, name: string, modifiedAt: number, fleet: string): void {
    this.stmts.update.run(modifiedAt, fleet, scope.account, scope.region, name);
  }

  remove(scope: Scope, name: string): void {
    this.stmts.remove.run(scope.account, scope.region, name);
  }

  /** Names of the projects of this scope whose environment names the fleet. */
  projectsUsing(scope: Scope, fleetArn: string): string[] {
    return this.stmts.projectsUsing.all(scope.account, scope.region, fleetArn).map((r) => r.name);
  }

  /** Up to `limit` fleets in the requested order, after `cursor` when given. */
  list(scope: Scope, sortBy: FleetSortBy, order: SortOrder, cursor: FleetCursor | undefined, limit: number): Listed[] {
    return this.pages.page(scope, sortBy, order, cursor, limit);
  }
}

export function fleetOf(row: FleetRow): Fleet {
  return { ...(JSON.parse(row.fleet) as Fleet), created: new Date(row.created_at), lastModified: new Date(row.modified_at) };
}
