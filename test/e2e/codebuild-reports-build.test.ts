/**
 * CodeBuild reports from a real build: a buildspec's commands write JUnit and Cobertura files, the
 * build fails in BUILD, and its reports still reach their report groups (UPLOAD_ARTIFACTS runs after
 * a failed BUILD), read back through the SDK.
 */

import {
  BatchGetBuildsCommand,
  BatchGetReportsCommand,
  type Build,
  CodeBuildClient,
  CreateProjectCommand,
  DescribeCodeCoveragesCommand,
  DescribeTestCasesCommand,
  ListReportsForReportGroupCommand,
  StartBuildCommand,
} from '@aws-sdk/client-codebuild';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers.js';
import { CODEBUILD_TRUST } from './codebuild-helpers.js';

const BUILDSPEC = `version: 0.2
phases:
  build:
    commands:
      - mkdir -p out/junit out/coverage
      - printf '<testsuite name="cart"><testcase classname="Cart" name="adds" time="0.5"/><testcase classname="Cart" name="removes"><failure message="expected 0">at cart.js:3</failure></testcase></testsuite>' > out/junit/TEST-cart.xml
      - printf '<coverage><packages><package name="p"><classes><class name="c" filename="src/cart.js"><lines><line number="1" hits="1"/><line number="2" hits="0"/></lines></class></classes></package></packages></coverage>' > out/coverage/cobertura.xml
      - exit 1
reports:
  unit:
    files: ['**/*']
    base-directory: out/junit
  coverage:
    file-format: CoberturaXml
    files: ['cobertura.xml']
    base-directory: out/coverage
`;

describe('CodeBuild reports from a build', () => {
  let server: TestServer;
  let cb: CodeBuildClient;

  beforeAll(async () => {
    server = await startTestServer();
    cb = new CodeBuildClient(server.clientConfig);
    const role = await new IAMClient(server.clientConfig).send(
      new CreateRoleCommand({
        RoleName: 'codebuild-reports',
        AssumeRolePolicyDocument: CODEBUILD_TRUST,
      }),
    );
    await cb.send(
      new CreateProjectCommand({
        name: 'checkout',
        source: { type: 'NO_SOURCE', buildspec: BUILDSPEC },
        artifacts: { type: 'NO_ARTIFACTS' },
        serviceRole: role.Role!.Arn!,
        environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
      }),
    );
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('stores the reports of a failed build in <project>-<name> groups and lists them on the build', async () => {
    const { build: started } = await cb.send(new StartBuildCommand({ projectName: 'checkout' }));
    let build: Build | undefined;
    for (let i = 0; i < 150 && !build?.buildComplete; i++) {
      if (i) await new Promise((r) => setTimeout(r, 200));
      build = (await cb.send(new BatchGetBuildsCommand({ ids: [started!.id!] }))).builds![0];
    }
    expect(build!.buildStatus).toBe('FAILED');
    expect(build!.reportArns).toHaveLength(2);

    const { reports } = await cb.send(new BatchGetReportsCommand({ reportArns: build!.reportArns }));
    const byName = Object.fromEntries(reports!.map((r) => [r.name, r]));
    expect(byName['checkout-unit']).toMatchObject({
      type: 'TEST',
      status: 'FAILED',
      executionId: build!.arn,
      testSummary: { total: 2, statusCounts: { SUCCEEDED: 1, FAILED: 1 }, durationInNanoSeconds: 500_000_000 },
    });
    expect(byName['checkout-coverage']).toMatchObject({ type: 'CODE_COVERAGE', status: 'SUCCEEDED', codeCoverageSummary: { linesCovered: 1, linesMissed: 1, lineCoveragePercentage: 50 } });

    const listed = await cb.send(new ListReportsForReportGroupCommand({ reportGroupArn: byName['checkout-unit'].reportGroupArn }));
    expect(listed.reports).toEqual([byName['checkout-unit'].arn]);
    const failed = await cb.send(new DescribeTestCasesCommand({ reportArn: byName['checkout-unit'].arn, filter: { status: 'FAILED' } }));
    expect(failed.testCases!.map((t) => [t.prefix, t.name, t.message])).toEqual([['Cart', 'removes', 'expected 0\nat cart.js:3']]);
    const coverage = await cb.send(new DescribeCodeCoveragesCommand({ reportArn: byName['checkout-coverage'].arn }));
    expect(coverage.codeCoverages!.map((f) => [f.filePath, f.lineCoveragePercentage])).toEqual([['src/cart.js', 50]]);
  });
});
