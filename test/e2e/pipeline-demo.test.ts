/**
 * The pipeline demo (examples/pipeline-demo) run as a user runs it: run.sh, with only the aws CLI
 * and git, deploys the pipeline template, pushes the app, approves, and waits for the app's stack
 * and the validating Lambda; then a push with a failing unit test stops at Build with its report.
 * What run.sh printed is checked, and so is what it left, through the SDK.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CodeBuildClient, DescribeTestCasesCommand, ListReportsForReportGroupCommand } from '@aws-sdk/client-codebuild';
import { CodePipelineClient, ListPipelineExecutionsCommand } from '@aws-sdk/client-codepipeline';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';

const server = useServer();

function runDemo(): Promise<{ code: number; output: string }> {
  const home = mkdtempSync(join(tmpdir(), 'drydock-demo-home-'));
  writeFileSync(join(home, '.gitconfig'), '[init]\n\tdefaultBranch = main\n');
  return new Promise((resolve) => {
    const child = execFile(
      'bash',
      ['examples/pipeline-demo/run.sh'],
      {
        env: {
          PATH: process.env.PATH,
          HOME: home,
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_TERMINAL_PROMPT: '0',
          AWS_ENDPOINT_URL: server.url,
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          DEMO_POLL_SECONDS: '0.2',
        },
        maxBuffer: 16 * 1024 * 1024,
      },
      (err) => resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, output }),
    );
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
  });
}

describe('examples/pipeline-demo', () => {
  it('run.sh deploys the app through the whole pipeline, then a failing unit test stops the next push at Build', { timeout: 300_000 }, async () => {
    const { code, output } = await runDemo();
    expect(code, output).toBe(0);
    expect(output).toMatch(/Approve\s+approved by run\.sh/);
    expect(output).toMatch(/Validate\s+Succeeded/);
    expect(output).toContain('Stack pipeline-demo-app: CREATE_COMPLETE');
    expect(output).toContain('answered "Hello, pipeline!" to the validator');
    expect(output).toMatch(/Build\s+Failed/);
    expect(output).toMatch(/FAILED\s+greets by name/);

    const stack = (await new CloudFormationClient(server.clientConfig).send(new DescribeStacksCommand({ StackName: 'pipeline-demo-app' }))).Stacks![0];
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    const greeting = await new SSMClient(server.clientConfig).send(new GetParameterCommand({ Name: '/pipeline-demo/greeting' }));
    expect(greeting.Parameter?.Value).toBe('Hello');

    const { pipelineExecutionSummaries } = await new CodePipelineClient(server.clientConfig).send(new ListPipelineExecutionsCommand({ pipelineName: 'pipeline-demo' }));
    // Newest first: the two pushes through the push rule, and the execution creating a pipeline starts, before main existed.
    expect(pipelineExecutionSummaries!.map((execution) => [execution.status, execution.trigger?.triggerType])).toEqual([
      ['Failed', 'CloudWatchEvent'],
      ['Succeeded', 'CloudWatchEvent'],
      ['Failed', 'CreatePipeline'],
    ]);

    const codebuild = new CodeBuildClient(server.clientConfig);
    const { reports } = await codebuild.send(
      new ListReportsForReportGroupCommand({ reportGroupArn: 'arn:aws:codebuild:us-east-1:000000000000:report-group/pipeline-demo-build-unit', sortOrder: 'DESCENDING' }),
    );
    const { testCases } = await codebuild.send(new DescribeTestCasesCommand({ reportArn: reports![0] }));
    expect(testCases!.map((testCase) => [testCase.name, testCase.status]).sort()).toEqual([
      ['greets by name', 'FAILED'],
      ['greets the world when no name is given', 'SUCCEEDED'],
    ]);
  });
});
