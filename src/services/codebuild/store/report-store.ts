/** CodeBuild report groups, reports, test cases and code coverages: tables and prepared statements. */
import { preparedOnUse } from '../../../core/prepared.js';
import type { Store } from '../../../core/store.js';

export interface ReportGroupRow {
  account: string;
  region: string;
  name: string;
  arn: string;
  type: string;
  /** ReportExportConfig as JSON. */
  export_config: string;
  /** TagList as JSON. */
  tags: string;
  created: number;
  last_modified: number;
}

export interface ReportRow {
  arn: string;
  account: string;
  region: string;
  group_arn: string;
  type: string;
  name: string;
  execution_id: string | null;
  status: string;
  created: number;
  expired: number;
  export_config: string;
  /** TestReportSummary or CodeCoverageReportSummary as JSON, by type. */
  summary: string | null;
  /** 1 when the report kept only MAX_TEST_CASES of its test cases. */
  truncated: number;
  /** Insertion order: reports created in the same millisecond still sort by creation. */
  seq: number;
}

export interface TestCaseRow {
  report_arn: string;
  position: number;
  test_raw_data_path: string;
  prefix: string;
  name: string;
  status: string;
  duration_ns: number;
  message: string | null;
  suite_name: string | null;
}

export interface CodeCoverageRow {
  report_arn: string;
  id: string;
  file_path: string;
  line_pct: number;
  lines_covered: number;
  lines_missed: number;
  branch_pct: number;
  branches_covered: number;
  branches_missed: number;
}

export type NewReport = Omit<ReportRow, 'seq'>;

export class ReportStore {
  private readonly stmts;

  constructor(private readonly store: Store) {
    store.migrate('codebuild.reports', [
      {
        version: 1,
        sql: `CREATE TABLE codebuild_report_groups (
          account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, arn TEXT NOT NULL UNIQUE,
          type TEXT NOT NULL, export_config TEXT NOT NULL, tags TEXT NOT NULL,
          created INTEGER NOT NULL, last_modified INTEGER NOT NULL,
          PRIMARY KEY (account, region, name)
        );
        CREATE TABLE codebuild_reports (
          seq INTEGER PRIMARY KEY AUTOINCREMENT, arn TEXT NOT NULL UNIQUE,
          account TEXT NOT NULL, region TEXT NOT NULL, group_arn TEXT NOT NULL,
          type TEXT NOT NULL, name TEXT NOT NULL, execution_id TEXT, status TEXT NOT NULL,
          created INTEGER NOT NULL, expired INTEGER NOT NULL, export_config TEXT NOT NULL, summary TEXT
        );
        CREATE INDEX codebuild_reports_by_group ON codebuild_reports (group_arn, seq);
        CREATE INDEX codebuild_reports_by_scope ON codebuild_reports (account, region, seq);
        CREATE TABLE codebuild_test_cases (
          report_arn TEXT NOT NULL, position INTEGER NOT NULL, test_raw_data_path TEXT NOT NULL,
          prefix TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL, duration_ns INTEGER NOT NULL,
          message TEXT, suite_name TEXT,
          PRIMARY KEY (report_arn, position)
        );
        CREATE TABLE codebuild_code_coverages (
          report_arn TEXT NOT NULL, id TEXT NOT NULL, file_path TEXT NOT NULL,
          line_pct REAL NOT NULL, lines_covered INTEGER NOT NULL, lines_missed INTEGER NOT NULL,
          branch_pct REAL NOT NULL, branches_covered INTEGER NOT NULL, branches_missed INTEGER NOT NULL,
          PRIMARY KEY (report_arn, id)
        );`,
      },
      {
        version: 2,
        sql: 'ALTER TABLE codebuild_reports ADD COLUMN truncated INTEGER NOT NULL DEFAULT 0',
      },
    ]);
    const db = store.db;
    this.stmts = preparedOnUse({
      insertGroup: () =>
        db.prepare<[ReportGroupRow]>(
          `INSERT INTO codebuild_report_groups (account, region, name, arn, type, export_config, tags, created, last_modified)
         VALUES (@account, @region, @name, @arn, @type, @export_config, @tags, @created, @last_modified)`,
        ),
      updateGroup: () =>
        db.prepare<[{ arn: string; export_config: string; tags: string; last_modified: number }]>(
          'UPDATE codebuild_report_groups SET export_config = @export_config, tags = @tags, last_modified = @last_modified WHERE arn = @arn',
        ),
      deleteGroup: () => db.prepare<[string]>('DELETE FROM codebuild_report_groups WHERE arn = ?'),
      groupByArn: () => db.prepare<[string], ReportGroupRow>('SELECT * FROM codebuild_report_groups WHERE arn = ?'),
      groupByName: () => db.prepare<[string, string, string], ReportGroupRow>('SELECT * FROM codebuild_report_groups WHERE account = ? AND region = ? AND name = ?'),
      groups: () => db.prepare<[string, string], ReportGroupRow>('SELECT * FROM codebuild_report_groups WHERE account = ? AND region = ? ORDER BY rowid'),
      insertReport: () =>
        db.prepare<[NewReport]>(
          `INSERT INTO codebuild_reports (arn, account, region, group_arn, type, name, execution_id, status, created, expired, export_config, summary, truncated)
         VALUES (@arn, @account, @region, @group_arn, @type, @name, @execution_id, @status, @created, @expired, @export_config, @summary, @truncated)`,
        ),
      finishReport: () => db.prepare<[{ arn: string; status: string; summary: string | null }]>('UPDATE codebuild_reports SET status = @status, summary = @summary WHERE arn = @arn'),
      reportByArn: () => db.prepare<[string, number], ReportRow>('SELECT * FROM codebuild_reports WHERE arn = ? AND expired > ?'),
      reportsInScope: () => db.prepare<[string, string, number], ReportRow>('SELECT * FROM codebuild_reports WHERE account = ? AND region = ? AND expired > ? ORDER BY seq'),
      reportsOfGroup: () => db.prepare<[string, number], ReportRow>('SELECT * FROM codebuild_reports WHERE group_arn = ? AND expired > ? ORDER BY seq'),
      countReportsOfGroup: () => db.prepare<[string, number], { n: number }>('SELECT COUNT(*) AS n FROM codebuild_reports WHERE group_arn = ? AND expired > ?'),
      reportArnsOfGroup: () => db.prepare<[string], { arn: string }>('SELECT arn FROM codebuild_reports WHERE group_arn = ?'),
      deleteReport: () => db.prepare<[string]>('DELETE FROM codebuild_reports WHERE arn = ?'),
      insertTestCase: () =>
        db.prepare<[TestCaseRow]>(
          `INSERT INTO codebuild_test_cases (report_arn, position, test_raw_data_path, prefix, name, status, duration_ns, message, suite_name)
         VALUES (@report_arn, @position, @test_raw_data_path, @prefix, @name, @status, @duration_ns, @message, @suite_name)`,
        ),
      testCases: () => db.prepare<[string], TestCaseRow>('SELECT * FROM codebuild_test_cases WHERE report_arn = ? ORDER BY position'),
      deleteTestCases: () => db.prepare<[string]>('DELETE FROM codebuild_test_cases WHERE report_arn = ?'),
      insertCoverage: () =>
        db.prepare<[CodeCoverageRow]>(
          `INSERT INTO codebuild_code_coverages (report_arn, id, file_path, line_pct, lines_covered, lines_missed, branch_pct, branches_covered, branches_missed)
         VALUES (@report_arn, @id, @file_path, @line_pct, @lines_covered, @lines_missed, @branch_pct, @branches_covered, @branches_missed)`,
        ),
      coverages: () => db.prepare<[string], CodeCoverageRow>('SELECT * FROM codebuild_code_coverages WHERE report_arn = ?'),
      deleteCoverages: () => db.prepare<[string]>('DELETE FROM codebuild_code_coverages WHERE report_arn = ?'),
    });
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  insertGroup(row: ReportGroupRow): void {
    this.stmts.insertGroup.run(row);
  }

  updateGroup(arn: string, exportConfig: string, tags: string, lastModified: number): void {
    this.stmts.updateGroup.run({ arn, export_config: exportConfig, tags, last_modified: lastModified });
  }

  groupByArn(arn: string): ReportGroupRow | undefined {
    return this.stmts.groupByArn.get(arn);
  }

  groupByName(account: string, region: string, name: string): ReportGroupRow | undefined {
    return this.stmts.groupByName.get(account, region, name);
  }

  groups(account: string, region: string): ReportGroupRow[] {
    return this.stmts.groups.all(account, region);
  }

  /** Deletes the group and every report it holds (with their test cases and coverages). */
  deleteGroup(arn: string): void {
    for (const { arn: reportArn } of this.stmts.reportArnsOfGroup.all(arn)) this.deleteReport(reportArn);
    this.stmts.deleteGroup.run(arn);
  }

  insertReport(row: NewReport): void {
    this.stmts.insertReport.run(row);
  }

  finishReport(arn: string, status: string, summary: string | null): void {
    this.stmts.finishReport.run({ arn, status, summary });
  }

  /** A report that has not expired yet (CodeBuild keeps reports 30 days). */
  report(arn: string, now: number): ReportRow | undefined {
    return this.stmts.reportByArn.get(arn, now);
  }

  reportsInScope(account: string, region: string, now: number): ReportRow[] {
    return this.stmts.reportsInScope.all(account, region, now);
  }

  reportsOfGroup(groupArn: string, now: number): ReportRow[] {
    return this.stmts.reportsOfGroup.all(groupArn, now);
  }

  hasReports(groupArn: string, now: number): boolean {
    return (this.stmts.countReportsOfGroup.get(groupArn, now)?.n ?? 0) > 0;
  }

  deleteReport(arn: string): void {
    this.stmts.deleteTestCases.run(arn);
    this.stmts.deleteCoverages.run(arn);
    this.stmts.deleteReport.run(arn);
  }

  insertTestCase(row: TestCaseRow): void {
    this.stmts.insertTestCase.run(row);
  }

  testCases(reportArn: string): TestCaseRow[] {
    return this.stmts.testCases.all(reportArn);
  }

  insertCoverage(row: CodeCoverageRow): void {
    this.stmts.insertCoverage.run(row);
  }

  coverages(reportArn: string): CodeCoverageRow[] {
    return this.stmts.coverages.all(reportArn);
  }
}
