/**
 * CodeBuild operations: report groups, reports, test cases and code coverages. Builds fill report
 * groups through report-collector.ts; these handlers create, read, trend and delete them.
 */
import type * as CB from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import { parseArn } from '../../../core/arn.js';
import { AwsError } from '../../../core/errors.js';
import { hasMembers, pageToken, readPageToken } from '../../../core/pagination.js';
import type { RequestContext } from '../../../protocol/types.js';
import type { CodeBuildContext } from '../common.js';
import { MAX_REPORT_GROUPS, parseReportGroupArn, reportGroupArn, validGroupName } from '../names.js';
import { TEST_STATUSES } from '../reports/report-parsers.js';
import type { CodeCoverageRow, ReportGroupRow, ReportRow, TestCaseRow } from '../store/report-store.js';
import { PAGE_SIZE, scopeOf } from './common.js';

const TEST_TRENDS = new Set(['PASS_RATE', 'DURATION', 'TOTAL']);

const invalid = (message: string) => new AwsError('InvalidInputException', message);

/** `arn:aws:codebuild:<region>:<account>:report/<group>:<id>`; undefined when it is not one. */
function isReportArn(text: string): boolean {
  const parts = parseArn(text);
  return !!parts && parts.service === 'codebuild' && /^report\/[^:/]+:[^:/]+$/.test(parts.resource);
}

/** The export configuration as AWS stores it: NO_EXPORT carries no destination, S3 needs a bucket. */
export function normalizeExportConfig(config: CB.ReportExportConfig | undefined): CB.ReportExportConfig {
  if (!config?.exportConfigType) throw invalid('Invalid export config: exportConfigType must be S3 or NO_EXPORT');
  if (config.exportConfigType === 'NO_EXPORT') return { exportConfigType: 'NO_EXPORT' };
  const s3 = config.s3Destination;
  if (!s3?.bucket) throw invalid('Invalid export config: s3Destination.bucket is required when exportConfigType is S3');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s3.bucket)) throw invalid(`Invalid export config: ${s3.bucket} is not a valid S3 bucket name`);
  if (s3.encryptionDisabled && s3.encryptionKey) throw invalid('Invalid export config: encryptionKey cannot be set when encryptionDisabled is true');
  // Echoed as given (an empty path stays ""), as AWS returns it; the collector reads absent packaging as NONE.
  return {
    exportConfigType: 'S3',
    s3Destination: {
      bucket: s3.bucket,
      ...(s3.bucketOwner !== undefined ? { bucketOwner: s3.bucketOwner } : {}),
      ...(s3.path !== undefined ? { path: s3.path } : {}),
      ...(s3.packaging !== undefined ? { packaging: s3.packaging } : {}),
      ...(s3.encryptionKey !== undefined ? { encryptionKey: s3.encryptionKey } : {}),
      ...(s3.encryptionDisabled !== undefined ? { encryptionDisabled: s3.encryptionDisabled } : {}),
    },
  };
}

function normalizeTags(tags: CB.Tag[] | undefined): CB.Tag[] {
  const out: CB.Tag[] = [];
  for (const tag of tags ?? []) {
    if (!tag.key) throw invalid('Invalid tag: a tag needs a key');
    if (out.some((t) => t.key === tag.key)) throw invalid(`Invalid tag: duplicate tag key ${tag.key}`);
    out.push({ key: tag.key, value: tag.value ?? '' });
  }
  return out;
}

export function reportGroupOf(row: ReportGroupRow): CB.ReportGroup {
  return {
    arn: row.arn,
    name: row.name,
    type: row.type as CB.ReportType,
    exportConfig: JSON.parse(row.export_config) as CB.ReportExportConfig,
    created: new Date(row.created),
    lastModified: new Date(row.last_modified),
    tags: JSON.parse(row.tags) as CB.Tag[],
    status: 'ACTIVE',
  };
}

export function reportOf(row: ReportRow): CB.Report {
  const summary = row.summary ? (JSON.parse(row.summary) as CB.TestReportSummary | CB.CodeCoverageReportSummary) : undefined;
  return {
    arn: row.arn,
    type: row.type as CB.ReportType,
    name: row.name,
    reportGroupArn: row.group_arn,
    ...(row.execution_id ? { executionId: row.execution_id } : {}),
    status: row.status as CB.ReportStatusType,
    created: new Date(row.created),
    expired: new Date(row.expired),
    exportConfig: JSON.parse(row.export_config) as CB.ReportExportConfig,
    truncated: row.truncated === 1,
    ...(summary && row.type === 'TEST' ? { testSummary: summary as CB.TestReportSummary } : {}),
    ...(summary && row.type === 'CODE_COVERAGE' ? { codeCoverageSummary: summary as CB.CodeCoverageReportSummary } : {}),
  };
}

function testCaseOf(row: TestCaseRow, expired: number): CB.TestCase {
  return {
    reportArn: row.report_arn,
    testRawDataPath: row.test_raw_data_path,
    prefix: row.prefix,
    name: row.name,
    status: row.status,
    durationInNanoSeconds: row.duration_ns,
    ...(row.message !== null ? { message: row.message } : {}),
    expired: new Date(expired),
    ...(row.suite_name !== null ? { testSuiteName: row.suite_name } : {}),
  };
}

function coverageOf(row: CodeCoverageRow, expired: number): CB.CodeCoverage {
  return {
    id: row.id,
    reportARN: row.report_arn,
    filePath: row.file_path,
    lineCoveragePercentage: row.line_pct,
    linesCovered: row.lines_covered,
    linesMissed: row.lines_missed,
    branchCoveragePercentage: row.branch_pct,
    branchesCovered: row.branches_covered,
    branchesMissed: row.branches_missed,
    expired: new Date(expired),
  };
}

/** Offset tokens bound to the listing they came from, so a token cannot page through another list. */
function paginate<T>(items: T[], listing: string, token: string | undefined, maxResults: number | undefined): { page: T[]; nextToken?: string } {
  let offset = 0;
  if (token !== undefined) {
    const bad = () => invalid('Invalid next token');
    const t = readPageToken(token, hasMembers<{ o: number; l: string }>({ o: 'number', l: 'string' }), bad);
    if (!Number.isInteger(t.o) || t.o < 0 || t.l !== listing) throw bad();
    offset = t.o;
  }
  const max = maxResults ?? PAGE_SIZE;
  const page = items.slice(offset, offset + max);
  return { page, ...(offset + max < items.length ? { nextToken: pageToken({ o: offset + max, l: listing }) } : {}) };
}

/** Lists are newest first unless asked otherwise. */
const descending = (order: string | undefined) => order !== 'ASCENDING';

/** The caller's report group for an ARN; InvalidInputException when the text is no report group ARN. */
function groupFor(c: CodeBuildContext, scope: Scope, groupArn: string | undefined): ReportGroupRow | undefined {
  const parts = parseReportGroupArn(groupArn ?? '');
  if (!parts) throw invalid(`Invalid report group ARN: ${groupArn ?? ''}`);
  if (parts.account !== scope.account || parts.region !== scope.region) return undefined;
  return c.stores.reports.groupByName(scope.account, scope.region, parts.name);
}

function requireGroup(c: CodeBuildContext, scope: Scope, groupArn: string | undefined): ReportGroupRow {
  const group = groupFor(c, scope, groupArn);
  if (!group) throw new AwsError('ResourceNotFoundException', `Report group ${groupArn} does not exist`);
  return group;
}

/** The caller's unexpired report for an ARN; InvalidInputException when the text is no report ARN. */
function reportFor(c: CodeBuildContext, scope: Scope, reportArn: string | undefined): ReportRow | undefined {
  if (!isReportArn(reportArn ?? '')) throw invalid(`Invalid report ARN: ${reportArn ?? ''}`);
  const report = c.stores.reports.report(reportArn as string, c.rt.clock.now());
  return report && report.account === scope.account && report.region === scope.region ? report : undefined;
}

function statusFilter(filter: CB.ReportFilter | undefined): (row: ReportRow) => boolean {
  return filter?.status ? (row) => row.status === filter.status : () => true;
}

export function CreateReportGroup(c: CodeBuildContext, input: CB.CreateReportGroupInput, ctx: RequestContext): CB.CreateReportGroupOutput {
  const scope = scopeOf(ctx);
  const name = input.name as string;
  if (!validGroupName(name)) throw invalid(`Invalid report group name: ${name}. It must start with a letter or digit and contain only letters, digits, hyphens and underscores`);
  const exportConfig = normalizeExportConfig(input.exportConfig);
  const tags = normalizeTags(input.tags);
  return c.stores.reports.tx(() => {
    const groupArn = reportGroupArn(scope, name);
    if (c.stores.reports.groupByName(scope.account, scope.region, name)) throw new AwsError('ResourceAlreadyExistsException', `Report group ${groupArn} already exists`);
    if (c.stores.reports.groups(scope.account, scope.region).length >= MAX_REPORT_GROUPS) {
      throw new AwsError('AccountLimitExceededException', `The maximum number of report groups (${MAX_REPORT_GROUPS}) for this account has been reached`);
    }
    const at = c.rt.clock.now();
    const row: ReportGroupRow = {
      account: scope.account,
      region: scope.region,
      name,
      arn: groupArn,
      type: input.type as string,
      export_config: JSON.stringify(exportConfig),
      tags: JSON.stringify(tags),
      created: at,
      last_modified: at,
    };
    c.stores.reports.insertGroup(row);
    return { reportGroup: reportGroupOf(row) };
  });
}

export function UpdateReportGroup(c: CodeBuildContext, input: CB.UpdateReportGroupInput, ctx: RequestContext): CB.UpdateReportGroupOutput {
  const scope = scopeOf(ctx);
  const exportConfig = input.exportConfig ? normalizeExportConfig(input.exportConfig) : undefined;
  const tags = input.tags ? normalizeTags(input.tags) : undefined;
  return c.stores.reports.tx(() => {
    const group = requireGroup(c, scope, input.arn);
    const export_config = exportConfig ? JSON.stringify(exportConfig) : group.export_config;
    const tagsJson = tags ? JSON.stringify(tags) : group.tags;
    const at = c.rt.clock.now();
    c.stores.reports.updateGroup(group.arn, export_config, tagsJson, at);
    return { reportGroup: reportGroupOf({ ...group, export_config, tags: tagsJson, last_modified: at }) };
  });
}

export function DeleteReportGroup(c: CodeBuildContext, input: CB.DeleteReportGroupInput, ctx: RequestContext): CB.DeleteReportGroupOutput {
  const scope = scopeOf(ctx);
  c.stores.reports.tx(() => {
    // Deleting a group that is already gone succeeds, as AWS's other Delete operations do.
    const group = groupFor(c, scope, input.arn);
    if (!group) return;
    if (!input.deleteReports && c.stores.reports.hasReports(group.arn, c.rt.clock.now())) {
      throw invalid(`Report group ${group.arn} contains reports: delete them first or set deleteReports to true`);
    }
    c.stores.reports.deleteGroup(group.arn);
    c.stores.projects.deleteResourcePolicy(scope, group.arn);
  });
  return {};
}

export function BatchGetReportGroups(c: CodeBuildContext, input: CB.BatchGetReportGroupsInput, ctx: RequestContext): CB.BatchGetReportGroupsOutput {
  const scope = scopeOf(ctx);
  const reportGroups: CB.ReportGroup[] = [];
  const reportGroupsNotFound: string[] = [];
  for (const groupArn of input.reportGroupArns ?? []) {
    const parts = parseReportGroupArn(groupArn);
    const group = parts && parts.account === scope.account && parts.region === scope.region ? c.stores.reports.groupByName(scope.account, scope.region, parts.name) : undefined;
    if (group) reportGroups.push(reportGroupOf(group));
    else reportGroupsNotFound.push(groupArn);
  }
  return { reportGroups, reportGroupsNotFound };
}

export function ListReportGroups(c: CodeBuildContext, input: CB.ListReportGroupsInput, ctx: RequestContext): CB.ListReportGroupsOutput {
  const scope = scopeOf(ctx);
  const sortBy = input.sortBy ?? 'CREATED_TIME';
  const key = (g: ReportGroupRow): string | number => (sortBy === 'NAME' ? g.name : sortBy === 'LAST_MODIFIED_TIME' ? g.last_modified : g.created);
  // Names default to A–Z, times to the most recent first.
  const sign = (input.sortOrder ?? (sortBy === 'NAME' ? 'ASCENDING' : 'DESCENDING')) === 'DESCENDING' ? -1 : 1;
  // Ties (groups created in the same millisecond) keep creation order, reversed when descending.
  const groups = c.stores.reports
    .groups(scope.account, scope.region)
    .map((g, created) => ({ g, created }))
    .sort((a, b) => {
      const ka = key(a.g);
      const kb = key(b.g);
      return sign * (ka < kb ? -1 : ka > kb ? 1 : a.created - b.created);
    })
    .map(({ g }) => g);
  const { page, nextToken } = paginate(groups, `groups:${sortBy}:${input.sortOrder ?? ''}`, input.nextToken, input.maxResults);
  return { reportGroups: page.map((g) => g.arn), ...(nextToken ? { nextToken } : {}) };
}

export function ListSharedReportGroups(_c: CodeBuildContext, input: CB.ListSharedReportGroupsInput): CB.ListSharedReportGroupsOutput {
  // Sharing goes through AWS RAM, which Drydock does not emulate: no group is ever shared with the caller.
  paginate([], `shared:${input.sortBy ?? ''}:${input.sortOrder ?? ''}`, input.nextToken, input.maxResults);
  return { reportGroups: [] };
}

export function ListReports(c: CodeBuildContext, input: CB.ListReportsInput, ctx: RequestContext): CB.ListReportsOutput {
  const scope = scopeOf(ctx);
  const rows = c.stores.reports.reportsInScope(scope.account, scope.region, c.rt.clock.now()).filter(statusFilter(input.filter));
  if (descending(input.sortOrder)) rows.reverse();
  const { page, nextToken } = paginate(rows, `reports:${input.sortOrder ?? ''}:${input.filter?.status ?? ''}`, input.nextToken, input.maxResults);
  return { reports: page.map((r) => r.arn), ...(nextToken ? { nextToken } : {}) };
}

export function ListReportsForReportGroup(c: CodeBuildContext, input: CB.ListReportsForReportGroupInput, ctx: RequestContext): CB.ListReportsForReportGroupOutput {
  const group = requireGroup(c, scopeOf(ctx), input.reportGroupArn);
  const rows = c.stores.reports.reportsOfGroup(group.arn, c.rt.clock.now()).filter(statusFilter(input.filter));
  if (descending(input.sortOrder)) rows.reverse();
  const { page, nextToken } = paginate(rows, `group-reports:${group.arn}:${input.sortOrder ?? ''}:${input.filter?.status ?? ''}`, input.nextToken, input.maxResults);
  return { reports: page.map((r) => r.arn), ...(nextToken ? { nextToken } : {}) };
}

export function BatchGetReports(c: CodeBuildContext, input: CB.BatchGetReportsInput, ctx: RequestContext): CB.BatchGetReportsOutput {
  const scope = scopeOf(ctx);
  const reports: CB.Report[] = [];
  const reportsNotFound: string[] = [];
  for (const reportArn of input.reportArns ?? []) {
    const row = isReportArn(reportArn) ? c.stores.reports.report(reportArn, c.rt.clock.now()) : undefined;
    if (row && row.account === scope.account && row.region === scope.region) reports.push(reportOf(row));
    else reportsNotFound.push(reportArn);
  }
  return { reports, reportsNotFound };
}

export function DeleteReport(c: CodeBuildContext, input: CB.DeleteReportInput, ctx: RequestContext): CB.DeleteReportOutput {
  const scope = scopeOf(ctx);
  c.stores.reports.tx(() => {
    const report = reportFor(c, scope, input.arn);
    if (report) c.stores.reports.deleteReport(report.arn);
  });
  return {};
}

export function DescribeTestCases(c: CodeBuildContext, input: CB.DescribeTestCasesInput, ctx: RequestContext): CB.DescribeTestCasesOutput {
  const report = reportFor(c, scopeOf(ctx), input.reportArn);
  const status = input.filter?.status;
  if (status !== undefined && !(TEST_STATUSES as readonly string[]).includes(status)) {
    throw invalid(`Invalid test case status filter: ${status}. Valid values are ${TEST_STATUSES.join(', ')}`);
  }
  if (!report) throw new AwsError('ResourceNotFoundException', `Report ${input.reportArn} does not exist`);
  if (report.type !== 'TEST') throw invalid(`Report ${report.arn} is not a test report`);
  const keyword = input.filter?.keyword;
  const rows = c.stores.reports.testCases(report.arn).filter((t) => (!status || t.status === status) && (!keyword || t.name.includes(keyword) || t.prefix.includes(keyword)));
  const { page, nextToken } = paginate(rows, `tests:${report.arn}:${status ?? ''}:${keyword ?? ''}`, input.nextToken, input.maxResults);
  return { testCases: page.map((t) => testCaseOf(t, report.expired)), ...(nextToken ? { nextToken } : {}) };
}

export function DescribeCodeCoverages(c: CodeBuildContext, input: CB.DescribeCodeCoveragesInput, ctx: RequestContext): CB.DescribeCodeCoveragesOutput {
  const min = input.minLineCoveragePercentage ?? 0;
  const max = input.maxLineCoveragePercentage ?? 100;
  if (min > max) throw invalid('minLineCoveragePercentage cannot be greater than maxLineCoveragePercentage');
  const report = reportFor(c, scopeOf(ctx), input.reportArn);
  // The operation has no not-found error: an unknown report simply has no coverage.
  if (!report) return { codeCoverages: [] };
  if (report.type !== 'CODE_COVERAGE') throw invalid(`Report ${report.arn} is not a code coverage report`);
  const sortBy = input.sortBy ?? 'FILE_PATH';
  const sign = input.sortOrder === 'DESCENDING' ? -1 : 1;
  const rows = c.stores.reports
    .coverages(report.arn)
    .filter((r) => r.line_pct >= min && r.line_pct <= max)
    .sort((a, b) => {
      const byPath = a.file_path < b.file_path ? -1 : a.file_path > b.file_path ? 1 : 0;
      return sign * (sortBy === 'LINE_COVERAGE_PERCENTAGE' ? a.line_pct - b.line_pct || byPath : byPath);
    });
  const { page, nextToken } = paginate(rows, `coverage:${report.arn}:${sortBy}:${input.sortOrder ?? ''}:${min}:${max}`, input.nextToken, input.maxResults);
  return { codeCoverages: page.map((r) => coverageOf(r, report.expired)), ...(nextToken ? { nextToken } : {}) };
}

export function GetReportGroupTrend(c: CodeBuildContext, input: CB.GetReportGroupTrendInput, ctx: RequestContext): CB.GetReportGroupTrendOutput {
  const group = requireGroup(c, scopeOf(ctx), input.reportGroupArn);
  const field = input.trendField as string;
  if ((group.type === 'TEST') !== TEST_TRENDS.has(field)) {
    throw invalid(`Trend field ${field} is not valid for a report group of type ${group.type}`);
  }
  const reports = c.stores.reports
    .reportsOfGroup(group.arn, c.rt.clock.now())
    .filter((r) => r.summary !== null)
    .reverse()
    .slice(0, input.numOfReports ?? 100);
  const rawData = reports.map((r) => ({ reportArn: r.arn, value: trendValue(field, JSON.parse(r.summary as string) as Record<string, unknown>) }));
  if (!rawData.length) return { stats: {}, rawData: [] };
  const values = rawData.map((d) => d.value);
  return {
    stats: {
      average: formatNumber(values.reduce((a, b) => a + b, 0) / values.length),
      max: formatNumber(Math.max(...values)),
      min: formatNumber(Math.min(...values)),
    },
    rawData: rawData.map((d) => ({ reportArn: d.reportArn, data: formatNumber(d.value) })),
  };
}

/** The operations of this file, each taking the context first (bound in index.ts). */
export const reportOperations = {
  CreateReportGroup,
  UpdateReportGroup,
  DeleteReportGroup,
  BatchGetReportGroups,
  ListReportGroups,
  ListSharedReportGroups,
  ListReports,
  ListReportsForReportGroup,
  BatchGetReports,
  DeleteReport,
  DescribeTestCases,
  DescribeCodeCoverages,
  GetReportGroupTrend,
};

/** One report's value of a trend field, from its stored summary. */
function trendValue(field: string, summary: Record<string, unknown>): number {
  const num = (key: string) => (typeof summary[key] === 'number' ? (summary[key] as number) : 0);
  switch (field) {
    case 'PASS_RATE': {
      const total = num('total');
      const passed = (summary.statusCounts as Record<string, number> | undefined)?.SUCCEEDED ?? 0;
      return total ? (passed / total) * 100 : 0;
    }
    case 'DURATION':
      return num('durationInNanoSeconds');
    case 'TOTAL':
      return num('total');
    case 'LINE_COVERAGE':
      return num('lineCoveragePercentage');
    case 'LINES_COVERED':
      return num('linesCovered');
    case 'LINES_MISSED':
      return num('linesMissed');
    case 'BRANCH_COVERAGE':
      return num('branchCoveragePercentage');
    case 'BRANCHES_COVERED':
      return num('branchesCovered');
    default:
      return num('branchesMissed');
  }
}

/** Integers as they are, fractions to two decimals. */
function formatNumber(n: number): string {
  return String(Math.round(n * 100) / 100);
}
