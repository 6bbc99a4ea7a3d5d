/**
 * CodeBuild report groups and reports end to end: the SDK and the aws CLI manage report groups;
 * the build runner's collectReports turns real report files (every supported format) into reports
 * read back through ListReports*, BatchGetReports, DescribeTestCases, DescribeCodeCoverages and
 * GetReportGroupTrend; bad input gets CodeBuild's exceptions with nothing written.
 */

import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchGetReportGroupsCommand,
  BatchGetReportsCommand,
  CodeBuildClient,
  CreateReportGroupCommand,
  DeleteReportCommand,
  DeleteReportGroupCommand,
  DescribeCodeCoveragesCommand,
  DescribeTestCasesCommand,
  GetReportGroupTrendCommand,
  GetResourcePolicyCommand,
  ListReportGroupsCommand,
  ListReportsCommand,
  ListReportsForReportGroupCommand,
  ListSharedReportGroupsCommand,
  PutResourcePolicyCommand,
  UpdateReportGroupCommand,
} from '@aws-sdk/client-codebuild';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuildspecReport, createContext } from '../../src/services/codebuild/common.js';
import { collectReports } from '../../src/services/codebuild/reports/report-collector.js';
import { expectAwsError, startTestServer, type TestServer } from '../helpers.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/codebuild-reports');
const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const groupArn = (name: string) => `arn:aws:codebuild:${REGION}:${ACCOUNT}:report-group/${name}`;
const report = (fileFormat: string, files: string[], baseDirectory?: string, discardPaths = false): BuildspecReport => ({ fileFormat, files, baseDirectory, discardPaths });

describe('CodeBuild reports', () => {
  let server: TestServer;
  let cb: CodeBuildClient;
  let s3: S3Client;
  let workDir: string;
  let buildNumber = 0;
  const logs: string[] = [];

  /** One build's reports step, as the runner calls it. */
  function collect(reports: Record<string, BuildspecReport>, projectName = 'shop', env?: Record<string, string>): Promise<string[]> {
    buildNumber++;
    return collectReports(
      createContext(server.runtime),
      {
        scope: { account: ACCOUNT, region: REGION },
        buildArn: `arn:aws:codebuild:${REGION}:${ACCOUNT}:build/${projectName}:build-${buildNumber}`,
        projectName,
        workDir,
        log: (line) => logs.push(line),
        now: () => server.runtime.clock.now(),
        env,
      },
      reports,
    );
  }

  async function groupNames(): Promise<string[]> {
    const out = await cb.send(new ListReportGroupsCommand({ sortBy: 'NAME', sortOrder: 'ASCENDING' }));
    return (out.reportGroups ?? []).map((a) => a.slice(a.indexOf('/') + 1));
  }

  beforeAll(async () => {
    server = await startTestServer();
    cb = new CodeBuildClient(server.clientConfig);
    s3 = new S3Client(server.clientConfig);
    workDir = mkdtempSync(join(tmpdir(), 'drydock-reports-'));
    cpSync(FIXTURES, join(workDir, 'reports'), { recursive: true });
    mkdirSync(join(workDir, 'green/nested'), { recursive: true });
    writeFileSync(join(workDir, 'green/nested/TEST-ok.xml'), '<testsuite name="ok"><testcase classname="Ok" name="a" time="1"/><testcase classname="Ok" name="b" time="2"/></testsuite>');
    mkdirSync(join(workDir, 'broken'));
    writeFileSync(join(workDir, 'broken/half.xml'), '<testsuite name="half"><testcase name="x">');
    writeFileSync(join(workDir, 'broken/good.xml'), '<testsuite name="good"><testcase classname="G" name="g"/></testsuite>');
    mkdirSync(join(workDir, 'escape'));
    symlinkSync('/etc/hostname', join(workDir, 'escape/link.xml'));
  });

  afterAll(async () => {
    rmSync(workDir, { recursive: true, force: true });
    await server?.stop();
  });

  it('creates, reads, updates and lists report groups', async () => {
    const created = await cb.send(
      new CreateReportGroupCommand({
        name: 'unit-tests',
        type: 'TEST',
        exportConfig: { exportConfigType: 'NO_EXPORT' },
        tags: [{ key: 'team', value: 'shop' }],
      }),
    );
    expect(created.reportGroup).toMatchObject({
      arn: groupArn('unit-tests'),
      name: 'unit-tests',
      type: 'TEST',
      status: 'ACTIVE',
      exportConfig: { exportConfigType: 'NO_EXPORT' },
      tags: [{ key: 'team', value: 'shop' }],
    });
    expect(created.reportGroup!.created).toBeInstanceOf(Date);

    const updated = await cb.send(
      new UpdateReportGroupCommand({
        arn: groupArn('unit-tests'),
        exportConfig: { exportConfigType: 'S3', s3Destination: { bucket: 'report-exports', path: 'raw', packaging: 'ZIP' } },
      }),
    );
    expect(updated.reportGroup!.exportConfig).toEqual({ exportConfigType: 'S3', s3Destination: { bucket: 'report-exports', path: 'raw', packaging: 'ZIP' } });
    expect(updated.reportGroup!.tags).toEqual([{ key: 'team', value: 'shop' }]);
    expect(updated.reportGroup!.lastModified!.getTime()).toBeGreaterThanOrEqual(created.reportGroup!.created!.getTime());

    const got = await cb.send(new BatchGetReportGroupsCommand({ reportGroupArns: [groupArn('unit-tests'), groupArn('nope'), 'not-an-arn'] }));
    expect(got.reportGroups!.map((g) => g.name)).toEqual(['unit-tests']);
    expect(got.reportGroups![0].exportConfig!.s3Destination!.packaging).toBe('ZIP');
    expect(got.reportGroupsNotFound).toEqual([groupArn('nope'), 'not-an-arn']);

    await cb.send(new CreateReportGroupCommand({ name: 'coverage', type: 'CODE_COVERAGE', exportConfig: { exportConfigType: 'NO_EXPORT' } }));
    await cb.send(new CreateReportGroupCommand({ name: 'alpha', type: 'TEST', exportConfig: { exportConfigType: 'NO_EXPORT' } }));
    expect(await groupNames()).toEqual(['alpha', 'coverage', 'unit-tests']);
    const byName = await cb.send(new ListReportGroupsCommand({ sortBy: 'NAME', sortOrder: 'DESCENDING' }));
    expect(byName.reportGroups).toEqual([groupArn('unit-tests'), groupArn('coverage'), groupArn('alpha')]);
    // Names default to A–Z, times to the newest first.
    expect((await cb.send(new ListReportGroupsCommand({ sortBy: 'NAME' }))).reportGroups).toEqual([groupArn('alpha'), groupArn('coverage'), groupArn('unit-tests')]);
    expect((await cb.send(new ListReportGroupsCommand({}))).reportGroups![0]).toBe(groupArn('alpha'));
    const byModified = await cb.send(new ListReportGroupsCommand({ sortBy: 'LAST_MODIFIED_TIME', sortOrder: 'ASCENDING' }));
    expect(byModified.reportGroups!.at(-1)).toBe(groupArn('alpha'));

    // Pagination: a page of two, then the rest with the token.
    const first = await cb.send(new ListReportGroupsCommand({ sortBy: 'NAME', sortOrder: 'ASCENDING', maxResults: 2 }));
    expect(first.reportGroups).toEqual([groupArn('alpha'), groupArn('coverage')]);
    const second = await cb.send(new ListReportGroupsCommand({ sortBy: 'NAME', sortOrder: 'ASCENDING', maxResults: 2, nextToken: first.nextToken }));
    expect(second.reportGroups).toEqual([groupArn('unit-tests')]);
    expect(second.nextToken).toBeUndefined();
    await expectAwsError(cb.send(new ListReportGroupsCommand({ sortBy: 'CREATED_TIME', maxResults: 2, nextToken: first.nextToken })), {
      code: 'InvalidInputException',
      status: 400,
      message: /next token/,
    });

    const { stdout } = await server.aws(['codebuild', 'batch-get-report-groups', '--report-group-arns', groupArn('alpha')]);
    expect(JSON.parse(stdout).reportGroups[0]).toMatchObject({ name: 'alpha', type: 'TEST', status: 'ACTIVE' });
  });

  it('refuses bad report group input with nothing written', async () => {
    const before = await groupNames();
    await expectAwsError(cb.send(new CreateReportGroupCommand({ name: 'alpha', type: 'TEST', exportConfig: { exportConfigType: 'NO_EXPORT' } })), {
      code: 'ResourceAlreadyExistsException',
      status: 400,
    });
    await expectAwsError(cb.send(new CreateReportGroupCommand({ name: 'has space', type: 'TEST', exportConfig: { exportConfigType: 'NO_EXPORT' } })), {
      code: 'InvalidInputException',
      status: 400,
      message: /report group name/,
    });
    await expectAwsError(cb.send(new CreateReportGroupCommand({ name: 'x', type: 'TEST', exportConfig: { exportConfigType: 'NO_EXPORT' } })), { code: 'InvalidInputException', status: 400 });
    await expectAwsError(cb.send(new CreateReportGroupCommand({ name: 'no-bucket', type: 'TEST', exportConfig: { exportConfigType: 'S3' } })), {
      code: 'InvalidInputException',
      status: 400,
      message: /bucket/,
    });
    await expectAwsError(cb.send(new CreateReportGroupCommand({ name: 'no-type', type: 'TEST', exportConfig: {} })), { code: 'InvalidInputException', status: 400, message: /exportConfigType/ });
    // @ts-expect-error: a type outside the enum, as a hand-written request could send it
    await expectAwsError(cb.send(new CreateReportGroupCommand({ name: 'bad-type', type: 'LINT', exportConfig: { exportConfigType: 'NO_EXPORT' } })), { code: 'InvalidInputException', status: 400 });
    await expectAwsError(
      cb.send(
        new CreateReportGroupCommand({
          name: 'dup-tags',
          type: 'TEST',
          exportConfig: { exportConfigType: 'NO_EXPORT' },
          tags: [
            { key: 'a', value: '1' },
            { key: 'a', value: '2' },
          ],
        }),
      ),
      { code: 'InvalidInputException', status: 400, message: /duplicate/ },
    );
    await expectAwsError(cb.send(new UpdateReportGroupCommand({ arn: groupArn('missing') })), { code: 'ResourceNotFoundException', status: 400 });
    await expectAwsError(cb.send(new UpdateReportGroupCommand({ arn: 'alpha' })), { code: 'InvalidInputException', status: 400, message: /report group ARN/ });
    await expectAwsError(cb.send(new UpdateReportGroupCommand({ arn: groupArn('alpha'), exportConfig: { exportConfigType: 'S3', s3Destination: { bucket: 'Bad_Bucket' } } })), {
      code: 'InvalidInputException',
      status: 400,
    });
    await expectAwsError(cb.send(new DeleteReportGroupCommand({ arn: 'arn:aws:s3:::bucket' })), { code: 'InvalidInputException', status: 400 });
    await expectAwsError(cb.send(new ListReportGroupsCommand({ maxResults: 0 })), { code: 'InvalidInputException', status: 400 });
    await expectAwsError(cb.send(new BatchGetReportGroupsCommand({ reportGroupArns: [] })), { code: 'InvalidInputException', status: 400 });
    expect(await groupNames()).toEqual(before);
    const alpha = await cb.send(new BatchGetReportGroupsCommand({ reportGroupArns: [groupArn('alpha')] }));
    expect(alpha.reportGroups![0].exportConfig).toEqual({ exportConfigType: 'NO_EXPORT' });
  });

  it('collects a JUnit report into an auto-created <project>-<name> group with its test cases', async () => {
    const arns = await collect({ 'unit-tests': report('JUNITXML', ['**/junit.xml'], 'reports') });
    expect(arns).toHaveLength(1);
    // The existing "unit-tests" group is not used: a plain name means <project>-<name>.
    expect(arns[0]).toMatch(new RegExp(`^arn:aws:codebuild:${REGION}:${ACCOUNT}:report/shop-unit-tests:[0-9a-f-]{36}$`));
    expect(logs).toContain(`Created report group ${groupArn('shop-unit-tests')}`);
    const group = await cb.send(new BatchGetReportGroupsCommand({ reportGroupArns: [groupArn('shop-unit-tests')] }));
    expect(group.reportGroups![0]).toMatchObject({ type: 'TEST', exportConfig: { exportConfigType: 'NO_EXPORT' } });

    const listed = await cb.send(new ListReportsForReportGroupCommand({ reportGroupArn: groupArn('shop-unit-tests') }));
    expect(listed.reports).toEqual(arns);
    const { reports } = await cb.send(new BatchGetReportsCommand({ reportArns: arns }));
    expect(reports![0]).toMatchObject({
      arn: arns[0],
      type: 'TEST',
      name: 'shop-unit-tests',
      reportGroupArn: groupArn('shop-unit-tests'),
      status: 'FAILED',
      executionId: `arn:aws:codebuild:${REGION}:${ACCOUNT}:build/shop:build-${buildNumber}`,
      truncated: false,
      testSummary: { total: 4, statusCounts: { SUCCEEDED: 1, FAILED: 1, ERROR: 1, SKIPPED: 1, UNKNOWN: 0 }, durationInNanoSeconds: 1_001_517_000_000 },
    });
    expect(reports![0].expired!.getTime() - reports![0].created!.getTime()).toBe(30 * 86_400_000);

    const all = await cb.send(new DescribeTestCasesCommand({ reportArn: arns[0] }));
    expect(all.testCases!.map((t) => [t.prefix, t.name, t.status])).toEqual([
      ['calculator adds', 'adds two numbers', 'SUCCEEDED'],
      ['calculator divides', 'divides by zero', 'FAILED'],
      ['calculator parses', 'parses input', 'ERROR'],
      ['calculator', 'pending feature', 'SKIPPED'],
    ]);
    expect(all.testCases![1]).toMatchObject({
      reportArn: arns[0],
      testRawDataPath: join(workDir, 'reports/junit.xml'),
      durationInNanoSeconds: 12_000_000,
      testSuiteName: 'calculator',
    });
    expect(all.testCases![1].message).toContain('expected Infinity to equal 0');
    expect(all.testCases![1].expired).toEqual(reports![0].expired);

    const failed = await cb.send(new DescribeTestCasesCommand({ reportArn: arns[0], filter: { status: 'FAILED' } }));
    expect(failed.testCases!.map((t) => t.name)).toEqual(['divides by zero']);
    const keyword = await cb.send(new DescribeTestCasesCommand({ reportArn: arns[0], filter: { keyword: 'parses' } }));
    expect(keyword.testCases!.map((t) => t.name)).toEqual(['parses input']);
    const page1 = await cb.send(new DescribeTestCasesCommand({ reportArn: arns[0], maxResults: 3 }));
    const page2 = await cb.send(new DescribeTestCasesCommand({ reportArn: arns[0], maxResults: 3, nextToken: page1.nextToken }));
    expect([...page1.testCases!, ...page2.testCases!].map((t) => t.name)).toEqual(all.testCases!.map((t) => t.name));
    expect(page2.nextToken).toBeUndefined();

    await expectAwsError(cb.send(new DescribeTestCasesCommand({ reportArn: arns[0], filter: { status: 'PASSED' } })), { code: 'InvalidInputException', status: 400, message: /status/ });
    await expectAwsError(cb.send(new DescribeTestCasesCommand({ reportArn: `arn:aws:codebuild:${REGION}:${ACCOUNT}:report/shop-unit-tests:00000000-0000-0000-0000-000000000000` })), {
      code: 'ResourceNotFoundException',
      status: 400,
    });
    await expectAwsError(cb.send(new DescribeTestCasesCommand({ reportArn: 'report' })), { code: 'InvalidInputException', status: 400 });
    await expectAwsError(cb.send(new ListReportsForReportGroupCommand({ reportGroupArn: groupArn('ghost') })), { code: 'ResourceNotFoundException', status: 400 });

    const cli = await server.aws(['codebuild', 'describe-test-cases', '--report-arn', arns[0], '--filter', 'status=SKIPPED']);
    expect(JSON.parse(cli.stdout).testCases.map((t: { name: string }) => t.name)).toEqual(['pending feature']);
  });

  it('collects every test and coverage format in one build', async () => {
    const arns = await collect(
      {
        junit: report('JunitXml', ['junit.xml'], 'reports'),
        nunit: report('NUNITXML', ['nunit2.xml'], 'reports'),
        nunit3: report('NUNIT3XML', ['nunit3.xml'], 'reports'),
        testng: report('TESTNGXML', ['testng-*.xml'], 'reports'),
        cucumber: report('CUCUMBERJSON', ['cucumber.json'], 'reports'),
        trx: report('VISUALSTUDIOTRX', ['*.trx'], 'reports'),
        cobertura: report('COBERTURAXML', ['cobertura.xml'], 'reports'),
        jacoco: report('JACOCOXML', ['jacoco.xml'], 'reports'),
        clover: report('CLOVERXML', ['clover.xml'], 'reports'),
        simplecov: report('SIMPLECOV', ['.resultset.json'], 'reports'),
      },
      'poly',
    );
    expect(arns).toHaveLength(10);
    const { reports } = await cb.send(new BatchGetReportsCommand({ reportArns: arns }));
    const byName = Object.fromEntries(reports!.map((r) => [r.name, r]));
    expect(byName['poly-nunit'].testSummary!.statusCounts).toEqual({ SUCCEEDED: 1, FAILED: 1, ERROR: 1, SKIPPED: 1, UNKNOWN: 0 });
    expect(byName['poly-nunit3'].testSummary!.statusCounts).toEqual({ SUCCEEDED: 1, FAILED: 1, ERROR: 1, SKIPPED: 1, UNKNOWN: 0 });
    expect(byName['poly-testng'].testSummary!.total).toBe(3);
    expect(byName['poly-cucumber'].testSummary!.statusCounts!.UNKNOWN).toBe(1);
    expect(byName['poly-trx'].testSummary!.durationInNanoSeconds).toBe(1_265_000_000);
    for (const name of ['poly-junit', 'poly-nunit', 'poly-nunit3', 'poly-testng', 'poly-cucumber', 'poly-trx']) {
      expect(byName[name]).toMatchObject({ type: 'TEST', status: 'FAILED' });
    }
    expect(byName['poly-cobertura']).toMatchObject({
      type: 'CODE_COVERAGE',
      status: 'SUCCEEDED',
      codeCoverageSummary: { linesCovered: 6, linesMissed: 2, lineCoveragePercentage: 75, branchesCovered: 1, branchesMissed: 1, branchCoveragePercentage: 50 },
    });
    expect(byName['poly-jacoco'].codeCoverageSummary).toMatchObject({ linesCovered: 8, linesMissed: 6, branchesCovered: 3, branchesMissed: 1 });
    expect(byName['poly-clover'].codeCoverageSummary).toMatchObject({ linesCovered: 9, linesMissed: 3, branchCoveragePercentage: 75 });
    expect(byName['poly-simplecov'].codeCoverageSummary).toMatchObject({ linesCovered: 6, linesMissed: 1 });
    const groups = await cb.send(new BatchGetReportGroupsCommand({ reportGroupArns: [groupArn('poly-jacoco'), groupArn('poly-trx')] }));
    expect(groups.reportGroups!.map((g) => g.type)).toEqual(['CODE_COVERAGE', 'TEST']);

    const coverages = await cb.send(new DescribeCodeCoveragesCommand({ reportArn: byName['poly-jacoco'].arn! }));
    expect(coverages.codeCoverages!.map((f) => [f.filePath, f.lineCoveragePercentage, f.branchesCovered])).toEqual([
      ['com/example/orders/Money.java', 0, 0],
      ['com/example/orders/Order.java', 80, 3],
    ]);
    expect(coverages.codeCoverages![0]).toMatchObject({ reportARN: byName['poly-jacoco'].arn, linesMissed: 4, expired: byName['poly-jacoco'].expired });
    expect(coverages.codeCoverages![0].id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('filters and sorts code coverages, and exports raw files to S3 as the group says', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'report-exports' }));
    await cb.send(
      new UpdateReportGroupCommand({
        arn: groupArn('coverage'),
        exportConfig: { exportConfigType: 'S3', s3Destination: { bucket: 'report-exports', path: 'raw/', packaging: 'ZIP' } },
      }),
    );
    const [arn] = await collect({ [groupArn('coverage')]: report('COBERTURAXML', ['**/cobertura.xml'], undefined, true) });
    expect(arn.startsWith(`arn:aws:codebuild:${REGION}:${ACCOUNT}:report/coverage:`)).toBe(true);
    const reportId = arn.slice(arn.lastIndexOf(':') + 1);

    const min = await cb.send(new DescribeCodeCoveragesCommand({ reportArn: arn, minLineCoveragePercentage: 70 }));
    expect(min.codeCoverages!.map((f) => f.filePath)).toEqual(['app/calc.py']);
    const sorted = await cb.send(new DescribeCodeCoveragesCommand({ reportArn: arn, sortBy: 'LINE_COVERAGE_PERCENTAGE', sortOrder: 'ASCENDING' }));
    expect(sorted.codeCoverages!.map((f) => f.lineCoveragePercentage)).toEqual([66.67, 80]);
    const paged = await cb.send(new DescribeCodeCoveragesCommand({ reportArn: arn, maxResults: 1 }));
    expect(paged.codeCoverages).toHaveLength(1);
    const rest = await cb.send(new DescribeCodeCoveragesCommand({ reportArn: arn, maxResults: 1, nextToken: paged.nextToken }));
    expect(rest.codeCoverages!.map((f) => f.filePath)).toEqual(['app/util.py']);
    await expectAwsError(cb.send(new DescribeCodeCoveragesCommand({ reportArn: arn, minLineCoveragePercentage: 90, maxLineCoveragePercentage: 10 })), { code: 'InvalidInputException', status: 400 });
    await expectAwsError(cb.send(new DescribeCodeCoveragesCommand({ reportArn: arn, minLineCoveragePercentage: 101 })), { code: 'InvalidInputException', status: 400 });
    await expectAwsError(cb.send(new DescribeCodeCoveragesCommand({ reportArn: 'nope' })), { code: 'InvalidInputException', status: 400 });

    const objects = await s3.send(new ListObjectsV2Command({ Bucket: 'report-exports' }));
    expect(objects.Contents!.map((o) => o.Key)).toEqual([`raw/coverage/${reportId}.zip`]);
    const zip = await s3.send(new GetObjectCommand({ Bucket: 'report-exports', Key: `raw/coverage/${reportId}.zip` }));
    const entries = unzipSync(await zip.Body!.transformToByteArray());
    // discard-paths: the file is stored under its base name.
    expect(Object.keys(entries)).toEqual(['cobertura.xml']);
    expect(Buffer.from(entries['cobertura.xml']).toString('utf8')).toContain('<coverage');
  });

  it('marks unreadable files INCOMPLETE and skips reports it cannot make, logging why', async () => {
    logs.length = 0;
    const arns = await collect({
      broken: report('JUNITXML', ['*.xml'], 'broken'),
      escaped: report('JUNITXML', ['*.xml'], 'escape'),
      nothing: report('JUNITXML', ['*.xml'], 'no-such-dir'),
      outside: report('JUNITXML', ['*'], '../..'),
      [groupArn('alpha')]: report('COBERTURAXML', ['cobertura.xml'], 'reports'),
      [groupArn('ghost')]: report('JUNITXML', ['junit.xml'], 'reports'),
    });
    expect(arns).toHaveLength(2);
    const { reports } = await cb.send(new BatchGetReportsCommand({ reportArns: arns }));
    expect(reports!.map((r) => [r.name, r.status])).toEqual([
      ['shop-broken', 'INCOMPLETE'],
      ['shop-escaped', 'INCOMPLETE'],
    ]);
    expect(reports![0].testSummary!.total).toBe(1);
    expect(reports![1].testSummary!.total).toBe(0);
    expect(logs.some((l) => /^Unable to parse half.xml as JUNITXML: not well-formed XML/.test(l))).toBe(true);
    expect(logs).toContain('Skipping invalid file path link.xml');
    expect(logs).toContain('Error in report nothing: no matching report paths found (files *.xml in base-directory no-such-dir)');
    expect(logs.some((l) => l.startsWith('Error in report outside: base-directory ../.. is outside'))).toBe(true);
    expect(logs).toContain(`Error in report ${groupArn('alpha')}: report group ${groupArn('alpha')} is of type TEST, which cannot hold CODE_COVERAGE reports`);
    expect(logs).toContain(`Error in report ${groupArn('ghost')}: report group ${groupArn('ghost')} does not exist`);
    expect(await groupNames()).not.toContain('shop-nothing');
    expect((await cb.send(new ListReportsForReportGroupCommand({ reportGroupArn: groupArn('alpha') }))).reports).toEqual([]);
  });

  it('expands $VAR and ${VAR} in report group keys from the build environment', async () => {
    await cb.send(new CreateReportGroupCommand({ name: 'env-target', type: 'TEST', exportConfig: { exportConfigType: 'NO_EXPORT' } }));
    const arns = await collect(
      {
        $SUITE: report('JUNITXML', ['**/*.xml'], 'green'),
        '${GROUP}': report('JUNITXML', ['**/*.xml'], 'green'),
        // An absolute base-directory inside CODEBUILD_SRC_DIR is fine.
        absolute: report('JUNITXML', ['**/*.xml'], join(workDir, 'green')),
      },
      'shop',
      { SUITE: 'from-env', GROUP: groupArn('env-target') },
    );
    expect(arns.map((a) => a.slice(a.indexOf('/') + 1, a.lastIndexOf(':')))).toEqual(['shop-from-env', 'env-target', 'shop-absolute']);
  });

  it('keeps 500 test cases of a larger report, failed ones first, and says it truncated', async () => {
    mkdirSync(join(workDir, 'big'));
    const cases = Array.from({ length: 520 }, (_, i) =>
      i >= 490 ? `<testcase classname="Big" name="t${i}"><failure message="boom ${i}"/></testcase>` : `<testcase classname="Big" name="t${i}" time="0.001"/>`,
    );
    writeFileSync(join(workDir, 'big/TEST-big.xml'), `<testsuite name="big">${cases.join('')}</testsuite>`);
    const [arn] = await collect({ big: report('JUNITXML', ['*.xml'], 'big') });
    const { reports } = await cb.send(new BatchGetReportsCommand({ reportArns: [arn] }));
    expect(reports![0]).toMatchObject({ status: 'FAILED', truncated: true, testSummary: { total: 520, statusCounts: { SUCCEEDED: 490, FAILED: 30 } } });
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await cb.send(new DescribeTestCasesCommand({ reportArn: arn, nextToken }));
      names.push(...page.testCases!.map((t) => t.name!));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(names).toHaveLength(500);
    expect(names.filter((n) => Number(n.slice(1)) >= 490)).toHaveLength(30);
    const failed = await cb.send(new DescribeTestCasesCommand({ reportArn: arn, filter: { status: 'FAILED' } }));
    expect(failed.testCases!.map((t) => t.message)).toContain('boom 519');
  });

  it('computes trends over the latest reports of a group', async () => {
    const green1 = await collect({ trend: report('JUNITXML', ['**/TEST-*.xml'], 'green') });
    const red = await collect({ trend: report('JUNITXML', ['junit.xml'], 'reports') });
    const green2 = await collect({ trend: report('JUNITXML', ['**/*.xml'], 'green') });
    const group = groupArn('shop-trend');
    const passRate = await cb.send(new GetReportGroupTrendCommand({ reportGroupArn: group, trendField: 'PASS_RATE' }));
    expect(passRate.rawData).toEqual([
      { reportArn: green2[0], data: '100' },
      { reportArn: red[0], data: '25' },
      { reportArn: green1[0], data: '100' },
    ]);
    expect(passRate.stats).toEqual({ average: '75', max: '100', min: '25' });
    const total = await cb.send(new GetReportGroupTrendCommand({ reportGroupArn: group, trendField: 'TOTAL', numOfReports: 2 }));
    expect(total.rawData!.map((d) => d.data)).toEqual(['2', '4']);
    expect(total.stats).toEqual({ average: '3', max: '4', min: '2' });
    const duration = await cb.send(new GetReportGroupTrendCommand({ reportGroupArn: group, trendField: 'DURATION', numOfReports: 1 }));
    expect(duration.rawData).toEqual([{ reportArn: green2[0], data: '3000000000' }]);

    const coverage = await cb.send(new GetReportGroupTrendCommand({ reportGroupArn: groupArn('coverage'), trendField: 'LINE_COVERAGE' }));
    expect(coverage.stats).toEqual({ average: '75', max: '75', min: '75' });
    const missed = await cb.send(new GetReportGroupTrendCommand({ reportGroupArn: groupArn('coverage'), trendField: 'BRANCHES_MISSED' }));
    expect(missed.rawData!.map((d) => d.data)).toEqual(['1']);
    const empty = await cb.send(new GetReportGroupTrendCommand({ reportGroupArn: groupArn('alpha'), trendField: 'PASS_RATE' }));
    expect(empty.rawData).toEqual([]);

    await expectAwsError(cb.send(new GetReportGroupTrendCommand({ reportGroupArn: groupArn('coverage'), trendField: 'PASS_RATE' })), {
      code: 'InvalidInputException',
      status: 400,
      message: /not valid/,
    });
    await expectAwsError(cb.send(new GetReportGroupTrendCommand({ reportGroupArn: group, trendField: 'LINES_COVERED' })), { code: 'InvalidInputException', status: 400 });
    await expectAwsError(cb.send(new GetReportGroupTrendCommand({ reportGroupArn: groupArn('ghost'), trendField: 'TOTAL' })), { code: 'ResourceNotFoundException', status: 400 });
    await expectAwsError(cb.send(new GetReportGroupTrendCommand({ reportGroupArn: group, trendField: 'TOTAL', numOfReports: 101 })), { code: 'InvalidInputException', status: 400 });
    // @ts-expect-error: a trend field outside the enum
    await expectAwsError(cb.send(new GetReportGroupTrendCommand({ reportGroupArn: group, trendField: 'FLAKINESS' })), { code: 'InvalidInputException', status: 400 });
  });

  it('lists reports by status and order, deletes reports and groups', async () => {
    const group = groupArn('shop-trend');
    const newestFirst = await cb.send(new ListReportsForReportGroupCommand({ reportGroupArn: group }));
    expect(newestFirst.reports).toHaveLength(3);
    const oldestFirst = await cb.send(new ListReportsForReportGroupCommand({ reportGroupArn: group, sortOrder: 'ASCENDING' }));
    expect(oldestFirst.reports).toEqual([...newestFirst.reports!].reverse());
    const failedOnly = await cb.send(new ListReportsForReportGroupCommand({ reportGroupArn: group, filter: { status: 'FAILED' } }));
    expect(failedOnly.reports).toEqual([newestFirst.reports![1]]);

    const everywhere = await cb.send(new ListReportsCommand({}));
    expect(everywhere.reports!.length).toBeGreaterThanOrEqual(16);
    expect(everywhere.reports![0]).toBe(newestFirst.reports![0]);
    const incomplete = await cb.send(new ListReportsCommand({ filter: { status: 'INCOMPLETE' } }));
    expect(incomplete.reports).toHaveLength(2);
    const page = await cb.send(new ListReportsCommand({ maxResults: 5 }));
    expect(page.reports).toEqual(everywhere.reports!.slice(0, 5));
    const next = await cb.send(new ListReportsCommand({ maxResults: 5, nextToken: page.nextToken }));
    expect(next.reports).toEqual(everywhere.reports!.slice(5, 10));
    await expectAwsError(cb.send(new ListReportsCommand({ nextToken: 'garbage' })), { code: 'InvalidInputException', status: 400 });
    // @ts-expect-error: a status outside the enum
    await expectAwsError(cb.send(new ListReportsCommand({ filter: { status: 'DONE' } })), { code: 'InvalidInputException', status: 400 });

    // A group with reports is kept unless deleteReports says otherwise.
    await expectAwsError(cb.send(new DeleteReportGroupCommand({ arn: group })), { code: 'InvalidInputException', status: 400, message: /contains reports/ });
    expect((await cb.send(new ListReportsForReportGroupCommand({ reportGroupArn: group }))).reports).toHaveLength(3);

    await cb.send(new DeleteReportCommand({ arn: newestFirst.reports![0] }));
    const afterDelete = await cb.send(new BatchGetReportsCommand({ reportArns: [newestFirst.reports![0], newestFirst.reports![1]] }));
    expect(afterDelete.reportsNotFound).toEqual([newestFirst.reports![0]]);
    expect(afterDelete.reports!.map((r) => r.arn)).toEqual([newestFirst.reports![1]]);
    await expectAwsError(cb.send(new DescribeTestCasesCommand({ reportArn: newestFirst.reports![0] })), { code: 'ResourceNotFoundException', status: 400 });
    await expectAwsError(cb.send(new DeleteReportCommand({ arn: 'not-a-report' })), { code: 'InvalidInputException', status: 400 });

    await cb.send(new DeleteReportGroupCommand({ arn: group, deleteReports: true }));
    const gone = await cb.send(new BatchGetReportsCommand({ reportArns: newestFirst.reports! }));
    expect(gone.reports).toEqual([]);
    expect((await cb.send(new BatchGetReportGroupsCommand({ reportGroupArns: [group] }))).reportGroupsNotFound).toEqual([group]);
    expect((await cb.send(new ListReportsCommand({ filter: { status: 'FAILED' } }))).reports).not.toContain(newestFirst.reports![1]);
    // An empty group goes without the flag; deleting it again is harmless.
    await cb.send(new DeleteReportGroupCommand({ arn: groupArn('unit-tests') }));
    await cb.send(new DeleteReportGroupCommand({ arn: groupArn('unit-tests') }));
    expect(await groupNames()).not.toContain('unit-tests');

    // The builds' next run recreates its group on demand.
    const again = await collect({ trend: report('JUNITXML', ['**/*.xml'], 'green') });
    expect((await cb.send(new ListReportsForReportGroupCommand({ reportGroupArn: group }))).reports).toEqual(again);
  });

  it("deletes a report group's resource policy with the group", async () => {
    const arn = groupArn('shared-tests');
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: ['codebuild:BatchGetReportGroups'], Resource: arn }],
    });
    await cb.send(new CreateReportGroupCommand({ name: 'shared-tests', type: 'TEST', exportConfig: { exportConfigType: 'NO_EXPORT' } }));
    await cb.send(new PutResourcePolicyCommand({ resourceArn: arn, policy }));
    expect((await cb.send(new GetResourcePolicyCommand({ resourceArn: arn }))).policy).toBe(policy);
    await cb.send(new DeleteReportGroupCommand({ arn }));
    // A group created again under the same name starts without the old policy.
    await cb.send(new CreateReportGroupCommand({ name: 'shared-tests', type: 'TEST', exportConfig: { exportConfigType: 'NO_EXPORT' } }));
    await expectAwsError(cb.send(new GetResourcePolicyCommand({ resourceArn: arn })), { code: 'ResourceNotFoundException', status: 400 });
  });

  it('answers that no report group is shared (no AWS RAM)', async () => {
    const shared = await cb.send(new ListSharedReportGroupsCommand({ sortBy: 'ARN' }));
    expect(shared.reportGroups).toEqual([]);
    // @ts-expect-error: a sort key outside the enum
    await expectAwsError(cb.send(new ListSharedReportGroupsCommand({ sortBy: 'NAME' })), { code: 'InvalidInputException', status: 400 });
  });
});
