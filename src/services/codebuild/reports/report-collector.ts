/**
 * The build runner's reports step: for each entry of the buildspec's `reports` section, find the
 * files, parse them, store one report in its report group (created on the fly for a plain name, as
 * CodeBuild does) and export the raw files to S3 when the group says so.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, join, resolve, sep } from 'node:path';
import type * as CB from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import { uuid } from '../../../core/ids.js';
import type { Buildspec, BuildspecReport, CodeBuildContext } from '../common.js';
import { matchFiles } from '../glob.js';
import { MAX_REPORT_GROUPS, parseReportGroupArn, REPORT_RETENTION_MS, reportGroupArn, validGroupName } from '../names.js';
import type { ReportGroupRow, ReportStore } from '../store/report-store.js';
import { isCoverageFormat, type ParsedCoverage, type ParsedTestCase, parseCoverageReport, parseTestReport, ReportParseError, reportFormat, TEST_STATUSES } from './report-parsers.js';

/** fflate is loaded on first use: importing it costs ~30 ms of server start-up. */
let fflateModule: typeof import('fflate') | undefined;
const fflate = (): typeof import('fflate') => (fflateModule ??= createRequire(import.meta.url)('fflate') as typeof import('fflate'));

/** CodeBuild keeps at most this many test case results per report, failed ones first. */
export const MAX_TEST_CASES = 500;
/** Larger report files are not parsed (the report becomes INCOMPLETE) rather than held in memory whole. */
const MAX_REPORT_FILE_BYTES = 64 * 1024 * 1024;

export interface ReportRun {
  scope: Scope;
  buildArn: string;
  projectName: string;
  /** CODEBUILD_SRC_DIR: `base-directory` is relative to it, and no file outside it is read. */
  workDir: string;
  log(line: string): void;
  now(): number;
  /** The build's environment after its commands: report group names may be `$VAR` / `${VAR}` (CodeBuild docs). */
  env?: Record<string, string>;
}

/** `$VAR` and `${VAR}` from the build's environment, unset variables empty as in the shell. */
function expandName(key: string, env: Record<string, string> | undefined): string {
  if (!key.includes('$')) return key;
  return key.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, braced: string | undefined, bare: string | undefined) => env?.[braced ?? bare ?? ''] ?? '');
}

/** Why one buildspec report produced no report; logged, never thrown, so the other reports still run. */
class ReportSkipped extends Error {}

/**
 * Collects every report of the buildspec; resolves with the ARNs of the reports created (the
 * build's `reportArns`). Problems are logged and skip that report only.
 */
export async function collectReports(c: CodeBuildContext, run: ReportRun, reports: Buildspec['reports']): Promise<string[]> {
  const store = c.stores.reports;
  const arns: string[] = [];
  for (const [written, spec] of Object.entries(reports ?? {})) {
    const key = expandName(written, run.env);
    try {
      arns.push(await collectOne(c, store, run, key, spec));
    } catch (err) {
      if (!(err instanceof ReportSkipped)) throw err;
      run.log(`Error in report ${key}: ${err.message}`);
    }
  }
  return arns;
}

async function collectOne(c: CodeBuildContext, store: ReportStore, run: ReportRun, key: string, spec: BuildspecReport): Promise<string> {
  const format = reportFormat(spec.fileFormat || 'JUNITXML');
  if (!format) throw new ReportSkipped(`unsupported file-format ${spec.fileFormat}`);
  const type: CB.ReportType = isCoverageFormat(format) ? 'CODE_COVERAGE' : 'TEST';

  const workDir = resolve(run.workDir);
  const baseDir = resolve(workDir, spec.baseDirectory ?? '.');
  if (baseDir !== workDir && !baseDir.startsWith(workDir + sep)) throw new ReportSkipped(`base-directory ${spec.baseDirectory} is outside the source directory`);
  // Links are resolved before reading, so a file must really lie in the source directory.
  const root = await realpath(workDir);
  // The lines CodeBuild's agent writes while it expands report (and artifact) paths.
  run.log(`Expanding base directory path: ${spec.baseDirectory ?? '.'}`);
  run.log('Assembling file list');
  run.log(`Expanding file paths for base directory ${spec.baseDirectory ?? '.'}`);
  for (const pattern of spec.files) run.log(`Expanding ${pattern}`);
  const files = await matchFiles(baseDir, spec.files);
  if (!files.length) throw new ReportSkipped(`no matching report paths found (files ${spec.files.join(', ')} in base-directory ${spec.baseDirectory ?? '.'})`);
  run.log(`Found ${files.length} file(s)`);

  const group = resolveGroup(store, run, key, type);

  // Parse before writing anything: the report, its test cases and coverages are stored in one transaction.
  const tests: { path: string; cases: ParsedTestCase[] }[] = [];
  const coverages: ParsedCoverage[] = [];
  const raw: { name: string; data: Buffer }[] = [];
  let incomplete = false;
  for (const rel of files) {
    const path = join(baseDir, rel);
    const data = await readInside(root, path);
    if (!data) {
      run.log(`Skipping invalid file path ${rel}`);
      incomplete = true;
      continue;
    }
    raw.push({ name: spec.discardPaths ? basename(rel) : rel, data });
    try {
      const content = data.toString('utf8');
      if (isCoverageFormat(format)) coverages.push(...parseCoverageReport(format, content));
      else tests.push({ path, cases: parseTestReport(format, content) });
    } catch (err) {
      if (!(err instanceof ReportParseError)) throw err;
      run.log(`Unable to parse ${rel} as ${format}: ${err.message}`);
      incomplete = true;
    }
  }

  const at = run.now();
  const id = uuid();
  const reportArn = `${group.arn.replace(':report-group/', ':report/')}:${id}`;
  const summary = isCoverageFormat(format) ? coverageSummary(coverages) : testSummary(tests.flatMap((t) => t.cases));
  const failed = 'statusCounts' in summary && ((summary.statusCounts?.FAILED ?? 0) > 0 || (summary.statusCounts?.ERROR ?? 0) > 0);
  const status: CB.ReportStatusType = incomplete ? 'INCOMPLETE' : failed ? 'FAILED' : 'SUCCEEDED';
  const kept = keepTestCases(tests.flatMap(({ path, cases }) => cases.map((testCase) => ({ path, testCase }))));
  store.tx(() => {
    // DeleteReportGroup may have run while the files were parsed: never leave a report without its group.
    if (!store.groupByArn(group.arn)) throw new ReportSkipped(`report group ${group.arn} was deleted during the build`);
    store.insertReport({
      arn: reportArn,
      account: run.scope.account,
      region: run.scope.region,
      group_arn: group.arn,
      type,
      name: group.name,
      execution_id: run.buildArn,
      status,
      created: at,
      expired: at + REPORT_RETENTION_MS,
      export_config: group.export_config,
      summary: JSON.stringify(summary),
      truncated: kept.truncated ? 1 : 0,
    });
    kept.forEach(({ path, testCase: t }, position) => {
      store.insertTestCase({
        report_arn: reportArn,
        position,
        test_raw_data_path: path,
        prefix: t.prefix,
        name: t.name,
        status: t.status,
        duration_ns: t.durationInNanoSeconds,
        message: t.message ?? null,
        suite_name: t.testSuiteName ?? null,
      });
    });
    for (const f of coverages) {
      store.insertCoverage({
        report_arn: reportArn,
        id: uuid(),
        file_path: f.filePath,
        line_pct: f.lineCoveragePercentage,
        lines_covered: f.linesCovered,
        lines_missed: f.linesMissed,
        branch_pct: f.branchCoveragePercentage,
        branches_covered: f.branchesCovered,
        branches_missed: f.branchesMissed,
      });
    }
  });
  await exportRaw(c, run, group, id, raw);
  run.log(`Report ${reportArn} status: ${status}`);
  return reportArn;
}

/**
 * The group a buildspec report key names: an ARN must name an existing group of the caller; a
 * plain name means `<project>-<name>`, created as a TEST or CODE_COVERAGE group without export
 * when it does not exist yet (CodeBuild's report group naming).
 */
function resolveGroup(store: ReportStore, run: ReportRun, key: string, type: CB.ReportType): ReportGroupRow {
  let group: ReportGroupRow | undefined;
  if (key.startsWith('arn:')) {
    const parts = parseReportGroupArn(key);
    if (!parts) throw new ReportSkipped(`${key} is not a report group ARN`);
    if (parts.account !== run.scope.account || parts.region !== run.scope.region) throw new ReportSkipped(`report group ${key} is not in this account and region`);
    group = store.groupByName(parts.account, parts.region, parts.name);
    if (!group) throw new ReportSkipped(`report group ${key} does not exist`);
  } else {
    const name = `${run.projectName}-${key}`;
    if (!validGroupName(name)) throw new ReportSkipped(`error creating report group: invalid report group name ${name}`);
    group = store.tx(() => {
      const existing = store.groupByName(run.scope.account, run.scope.region, name);
      if (existing) return existing;
      if (store.groups(run.scope.account, run.scope.region).length >= MAX_REPORT_GROUPS) {
        throw new ReportSkipped(`error creating report group: AccountLimitExceededException: the maximum number of report groups (${MAX_REPORT_GROUPS}) has been reached`);
      }
      const at = run.now();
      const row: ReportGroupRow = {
        account: run.scope.account,
        region: run.scope.region,
        name,
        arn: reportGroupArn(run.scope, name),
        type,
        export_config: JSON.stringify({ exportConfigType: 'NO_EXPORT' }),
        tags: '[]',
        created: at,
        last_modified: at,
      };
      store.insertGroup(row);
      run.log(`Created report group ${row.arn}`);
      return row;
    });
  }
  if (group.type !== type) throw new ReportSkipped(`report group ${group.arn} is of type ${group.type}, which cannot hold ${type} reports`);
  return group;
}

/** The test cases a report keeps: all of them up to MAX_TEST_CASES, else failed ones first, in file order. */
function keepTestCases<T extends { testCase: ParsedTestCase }>(cases: T[]): T[] & { truncated?: boolean } {
  if (cases.length <= MAX_TEST_CASES) return cases;
  const failed = cases.filter((c) => c.testCase.status === 'FAILED');
  const others = cases.filter((c) => c.testCase.status !== 'FAILED');
  const keep = new Set([...failed, ...others].slice(0, MAX_TEST_CASES));
  return Object.assign(
    cases.filter((c) => keep.has(c)),
    { truncated: true },
  );
}

/** A file's bytes when it really lies inside `root` (links resolved) and is a readable regular file. */
async function readInside(root: string, path: string): Promise<Buffer | undefined> {
  try {
    const real = await realpath(path);
    if (!real.startsWith(root + sep)) return undefined;
    const info = await stat(real);
    if (!info.isFile() || info.size > MAX_REPORT_FILE_BYTES) return undefined;
    return await readFile(real);
  } catch {
    return undefined;
  }
}

function testSummary(cases: ParsedTestCase[]): CB.TestReportSummary {
  const statusCounts: Record<string, number> = Object.fromEntries(TEST_STATUSES.map((s) => [s, 0]));
  for (const t of cases) statusCounts[t.status]++;
  return { total: cases.length, statusCounts, durationInNanoSeconds: cases.reduce((sum, t) => sum + t.durationInNanoSeconds, 0) };
}

function coverageSummary(files: ParsedCoverage[]): CB.CodeCoverageReportSummary {
  const sum = (key: 'linesCovered' | 'linesMissed' | 'branchesCovered' | 'branchesMissed') => files.reduce((n, f) => n + f[key], 0);
  const pct = (covered: number, missed: number) => (covered + missed ? Math.round((covered / (covered + missed)) * 10000) / 100 : 0);
  const linesCovered = sum('linesCovered');
  const linesMissed = sum('linesMissed');
  const branchesCovered = sum('branchesCovered');
  const branchesMissed = sum('branchesMissed');
  return {
    lineCoveragePercentage: pct(linesCovered, linesMissed),
    linesCovered,
    linesMissed,
    branchCoveragePercentage: pct(branchesCovered, branchesMissed),
    branchesCovered,
    branchesMissed,
  };
}

/**
 * Raw report files to the group's S3 export: `<path>/<group>/<report id>/<file>` one object per
 * file, or `<path>/<group>/<report id>.zip` with packaging ZIP. A failed export is logged; the
 * report itself is kept, as CodeBuild keeps reports whose export failed.
 */
async function exportRaw(c: CodeBuildContext, run: ReportRun, group: ReportGroupRow, reportId: string, files: { name: string; data: Buffer }[]): Promise<void> {
  const config = JSON.parse(group.export_config) as CB.ReportExportConfig;
  const dest = config.exportConfigType === 'S3' ? config.s3Destination : undefined;
  if (!dest?.bucket || !files.length) return;
  const prefix = `${dest.path ? `${dest.path.replace(/^\/+|\/+$/g, '')}/` : ''}${group.name}/${reportId}`;
  const s3 = c.rt.api('s3');
  try {
    if (!s3.bucketExists(run.scope, dest.bucket)) throw new Error(`bucket ${dest.bucket} does not exist in this account`);
    if (dest.packaging === 'ZIP') {
      const zip = fflate().zipSync(Object.fromEntries(files.map((f) => [f.name, new Uint8Array(f.data)])));
      await s3.putObject(run.scope, dest.bucket, `${prefix}.zip`, Buffer.from(zip), { contentType: 'application/zip' });
    } else {
      for (const f of files) await s3.putObject(run.scope, dest.bucket, `${prefix}/${f.name}`, f.data);
    }
    run.log(`Exported raw report files to s3://${dest.bucket}/${prefix}${dest.packaging === 'ZIP' ? '.zip' : '/'}`);
  } catch (err) {
    run.log(`Unable to export report files to s3://${dest.bucket}/${prefix}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
