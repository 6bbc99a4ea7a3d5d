/**
 * The CodeCommit, CodeBuild and CloudWatch Logs subscription-filter providers through real stacks:
 * a repository whose first commit comes from a zip in S3 (on the template's branch, with triggers
 * and tags), a project built from it, a report group and a source credential, and a subscription
 * filter that really delivers to a Lambda function; Ref and GetAtt as AWS documents them; a rename
 * and project settings updated in place, a report group replaced when given a name; and deletion.
 */
import { CloudFormationClient, CreateStackCommand, DeleteStackCommand, DetectStackResourceDriftCommand, type Output, type Stack, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DescribeSubscriptionFiltersCommand, FilterLogEventsCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { BatchGetProjectsCommand, BatchGetReportGroupsCommand, CodeBuildClient, ListSourceCredentialsCommand } from '@aws-sdk/client-codebuild';
import { CodeCommitClient, GetFileCommand, GetRepositoryCommand, GetRepositoryTriggersCommand, ListTagsForResourceCommand, UpdateRepositoryDescriptionCommand } from '@aws-sdk/client-codecommit';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { eventLog, resourcesOf, settled } from './cloudformation-helpers.js';
import { executionRole, NODE_RUNTIME, zipOf } from './lambda-helpers.js';

const server = useServer();
const cfn = () => new CloudFormationClient(server.clientConfig);
const codecommit = () => new CodeCommitClient(server.clientConfig);
const codebuild = () => new CodeBuildClient(server.clientConfig);
const logs = () => new CloudWatchLogsClient(server.clientConfig);
const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const STACK = 'cfn-code';
const BUCKET = 'cfn-code-sources';
const BUILDSPEC = 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo "$STAGE"\n';

/** A function that writes each subscription delivery it receives back into a log group, so the test can see it arrived. */
const RECEIVER = `
const zlib = require('node:zlib');
exports.handler = async (event) => {
  const data = JSON.parse(zlib.gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString());
  console.log('RECEIVED ' + data.logEvents.map((e) => e.message).join(','));
  return data.logEvents.length;
};`;

let role: string;

beforeAll(async () => {
  const s3 = new S3Client({ ...server.clientConfig, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'seed.zip', Body: zipOf({ 'README.md': '# seeded\n', 'src/app.js': 'console.log(1);\n' }) }));
  role = await executionRole(server, 'cfn-code-receiver');
});

interface Options {
  repositoryName?: string;
  description?: string;
  timeout?: string;
  reportGroupName?: string;
}

function template(options: Options = {}): string {
  const getAtt = (logicalId: string, attribute: string) => ({ 'Fn::GetAtt': [logicalId, attribute] });
  const resources = {
    Pushes: { Type: 'AWS::SNS::Topic', Properties: {} },
    Repo: {
      Type: 'AWS::CodeCommit::Repository',
      Properties: {
        RepositoryName: options.repositoryName ?? 'cfn-code-repo',
        RepositoryDescription: options.description ?? 'seeded from S3',
        Code: { S3: { Bucket: BUCKET, Key: 'seed.zip' }, BranchName: 'trunk' },
        Triggers: [{ Name: 'all-pushes', DestinationArn: { Ref: 'Pushes' }, Events: ['all'], CustomData: 'cfn' }],
        Tags: [{ Key: 'team', Value: 'source' }],
      },
    },
    BuildRole: {
      Type: 'AWS::IAM::Role',
      Properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'codebuild.amazonaws.com' }, Action: 'sts:AssumeRole' }] } },
    },
    Project: {
      Type: 'AWS::CodeBuild::Project',
      Properties: {
        Description: options.description ?? 'seeded from S3',
        ServiceRole: getAtt('BuildRole', 'Arn'),
        Source: { Type: 'CODECOMMIT', Location: getAtt('Repo', 'CloneUrlHttp'), BuildSpec: BUILDSPEC, GitCloneDepth: '1' },
        SourceVersion: 'refs/heads/trunk',
        Artifacts: { Type: 'NO_ARTIFACTS' },
        Environment: { Type: 'LINUX_CONTAINER', ComputeType: 'BUILD_GENERAL1_SMALL', Image: 'aws/codebuild/standard:7.0', EnvironmentVariables: [{ Name: 'STAGE', Value: 'dev' }] },
        TimeoutInMinutes: options.timeout ?? '30',
        LogsConfig: { CloudWatchLogs: { Status: 'ENABLED', GroupName: 'cfn-code-builds' } },
        Tags: [{ Key: 'team', Value: 'build' }],
      },
    },
    Reports: {
      Type: 'AWS::CodeBuild::ReportGroup',
      Properties: { ...(options.reportGroupName ? { Name: options.reportGroupName } : {}), Type: 'TEST', ExportConfig: { ExportConfigType: 'NO_EXPORT' }, DeleteReports: true },
    },
    GitHub: { Type: 'AWS::CodeBuild::SourceCredential', Properties: { ServerType: 'GITHUB', AuthType: 'PERSONAL_ACCESS_TOKEN', Token: 'ghp_cfn' } },
    AppLogs: { Type: 'AWS::Logs::LogGroup', Properties: {} },
    AppStream: { Type: 'AWS::Logs::LogStream', Properties: { LogGroupName: { Ref: 'AppLogs' }, LogStreamName: 'main' } },
    Receiver: { Type: 'AWS::Lambda::Function', Properties: { Runtime: NODE_RUNTIME, Handler: 'index.handler', Role: role, Code: { ZipFile: RECEIVER } } },
    ReceiverPermission: {
      Type: 'AWS::Lambda::Permission',
      Properties: { FunctionName: { Ref: 'Receiver' }, Action: 'lambda:InvokeFunction', Principal: 'logs.amazonaws.com', SourceArn: getAtt('AppLogs', 'Arn') },
    },
    Forward: {
      Type: 'AWS::Logs::SubscriptionFilter',
      DependsOn: 'ReceiverPermission',
      Properties: { LogGroupName: { Ref: 'AppLogs' }, FilterPattern: 'ERROR', DestinationArn: getAtt('Receiver', 'Arn') },
    },
  };
  const outputs: Record<string, unknown> = {
    RepoRef: { Ref: 'Repo' },
    RepoId: getAtt('Repo', 'Id'),
    RepoArn: getAtt('Repo', 'Arn'),
    RepoName: getAtt('Repo', 'Name'),
    CloneUrlHttp: getAtt('Repo', 'CloneUrlHttp'),
    CloneUrlSsh: getAtt('Repo', 'CloneUrlSsh'),
    ProjectRef: { Ref: 'Project' },
    ProjectArn: getAtt('Project', 'Arn'),
    ReportsRef: { Ref: 'Reports' },
    ReportsArn: getAtt('Reports', 'Arn'),
    GitHubRef: { Ref: 'GitHub' },
    AppLogsRef: { Ref: 'AppLogs' },
    ForwardRef: { Ref: 'Forward' },
    ReceiverRef: { Ref: 'Receiver' },
  };
  return JSON.stringify({ Resources: resources, Outputs: Object.fromEntries(Object.entries(outputs).map(([key, value]) => [key, { Value: value }])) });
}

const outputsOf = (outputs: Output[] | undefined): Record<string, string> => Object.fromEntries((outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));

async function expectStatus(stackName: string, status: string): Promise<Stack> {
  const stack = await settled(cfn(), stackName, 60_000);
  const failures = (await eventLog(cfn(), stack.StackId!)).filter(([, state]) => state.endsWith('_FAILED'));
  expect(stack.StackStatus, JSON.stringify(failures)).toBe(status);
  return stack;
}

describe('CloudFormation CodeCommit, CodeBuild and Logs subscription filter providers', () => {
  it('creates a repository from an S3 zip, a project, a report group, a credential and a delivering subscription filter', async () => {
    await cfn().send(new CreateStackCommand({ StackName: STACK, TemplateBody: template(), Capabilities: ['CAPABILITY_IAM'] }));
    const out = outputsOf((await expectStatus(STACK, 'CREATE_COMPLETE')).Outputs);

    // CodeCommit: Ref is the repository ID; the zip is the first commit on the template's branch.
    const { repositoryMetadata: repo } = await codecommit().send(new GetRepositoryCommand({ repositoryName: 'cfn-code-repo' }));
    expect(out.RepoRef).toBe(repo!.repositoryId);
    expect(out.RepoId).toBe(repo!.repositoryId);
    expect([out.RepoArn, out.RepoName]).toEqual([`arn:aws:codecommit:${REGION}:${ACCOUNT}:cfn-code-repo`, 'cfn-code-repo']);
    expect([out.CloneUrlHttp, out.CloneUrlSsh]).toEqual([repo!.cloneUrlHttp, repo!.cloneUrlSsh]);
    expect([repo!.defaultBranch, repo!.repositoryDescription]).toEqual(['trunk', 'seeded from S3']);
    const file = await codecommit().send(new GetFileCommand({ repositoryName: 'cfn-code-repo', filePath: 'src/app.js' }));
    expect(Buffer.from(file.fileContent!).toString()).toBe('console.log(1);\n');
    const { triggers } = await codecommit().send(new GetRepositoryTriggersCommand({ repositoryName: 'cfn-code-repo' }));
    expect(triggers).toEqual([expect.objectContaining({ name: 'all-pushes', destinationArn: expect.stringMatching(/:cfn-code-Pushes-[A-Z0-9]{12}$/), events: ['all'], customData: 'cfn' })]);
    expect((await codecommit().send(new ListTagsForResourceCommand({ resourceArn: out.RepoArn }))).tags).toEqual({ team: 'source' });

    // CodeBuild: the project's Ref is its generated name; the template's structures in the API's shape.
    expect(out.ProjectRef).toMatch(/^cfn-code-Project-[A-Z0-9]{12}$/);
    expect(out.ProjectArn).toBe(`arn:aws:codebuild:${REGION}:${ACCOUNT}:project/${out.ProjectRef}`);
    const project = (await codebuild().send(new BatchGetProjectsCommand({ names: [out.ProjectRef] }))).projects![0]!;
    expect(project).toMatchObject({
      source: { type: 'CODECOMMIT', location: out.CloneUrlHttp, buildspec: BUILDSPEC, gitCloneDepth: 1 },
      sourceVersion: 'refs/heads/trunk',
      environment: { image: 'aws/codebuild/standard:7.0', environmentVariables: [{ name: 'STAGE', value: 'dev', type: 'PLAINTEXT' }] },
      timeoutInMinutes: 30,
      logsConfig: { cloudWatchLogs: { status: 'ENABLED', groupName: 'cfn-code-builds' } },
      tags: [{ key: 'team', value: 'build' }],
    });
    expect(out.ReportsRef).toBe(out.ReportsArn);
    expect(out.ReportsArn).toMatch(new RegExp(`^arn:aws:codebuild:${REGION}:${ACCOUNT}:report-group/cfn-code-Reports-[A-Z0-9]{12}$`));
    expect((await codebuild().send(new BatchGetReportGroupsCommand({ reportGroupArns: [out.ReportsArn] }))).reportGroups?.[0]).toMatchObject({ type: 'TEST' });
    expect(out.GitHubRef).toBe(`arn:aws:codebuild:${REGION}:${ACCOUNT}:token/github`);
    expect((await codebuild().send(new ListSourceCredentialsCommand({}))).sourceCredentialsInfos).toEqual([{ arn: out.GitHubRef, serverType: 'GITHUB', authType: 'PERSONAL_ACCESS_TOKEN' }]);

    // Logs: the subscription filter's Ref is its generated name, and matching events reach the function.
    expect(out.ForwardRef).toMatch(/^cfn-code-Forward-[A-Z0-9]{12}$/);
    const filters = (await logs().send(new DescribeSubscriptionFiltersCommand({ logGroupName: out.AppLogsRef }))).subscriptionFilters!;
    expect(filters.map((f) => [f.filterName, f.filterPattern, f.destinationArn])).toEqual([[out.ForwardRef, 'ERROR', expect.stringContaining(`:function:${out.ReceiverRef}`)]]);
    await logs().send(new PutLogEventsCommand({ logGroupName: out.AppLogsRef, logStreamName: 'main', logEvents: [{ timestamp: Date.now(), message: 'ERROR disk full' }] }));
    await expect.poll(() => receiverLog(out.ReceiverRef), { timeout: 20_000, interval: 100 }).toContain('RECEIVED ERROR disk full');
  });

  it('renames the repository and updates the project in place, and replaces a report group given a name', async () => {
    const before = await resourcesOf(cfn(), STACK);
    await cfn().send(
      new UpdateStackCommand({
        StackName: STACK,
        TemplateBody: template({ repositoryName: 'cfn-code-renamed', description: 'renamed', timeout: '45', reportGroupName: 'cfn-code-tests' }),
        Capabilities: ['CAPABILITY_IAM'],
      }),
    );
    const out = outputsOf((await expectStatus(STACK, 'UPDATE_COMPLETE')).Outputs);
    expect(out.RepoRef).toBe(before.Repo.PhysicalResourceId);
    expect(out.RepoName).toBe('cfn-code-renamed');
    const { repositoryMetadata: repo } = await codecommit().send(new GetRepositoryCommand({ repositoryName: 'cfn-code-renamed' }));
    expect([repo!.repositoryId, repo!.repositoryDescription, repo!.defaultBranch]).toEqual([out.RepoRef, 'renamed', 'trunk']);
    await expectAwsError(codecommit().send(new GetRepositoryCommand({ repositoryName: 'cfn-code-repo' })), { code: 'RepositoryDoesNotExistException', status: 400 });

    expect(out.ProjectRef).toBe(before.Project.PhysicalResourceId);
    const project = (await codebuild().send(new BatchGetProjectsCommand({ names: [out.ProjectRef] }))).projects![0]!;
    expect([project.description, project.timeoutInMinutes, project.source?.location]).toEqual(['renamed', 45, repo!.cloneUrlHttp]);

    expect(out.ReportsArn).toBe(`arn:aws:codebuild:${REGION}:${ACCOUNT}:report-group/cfn-code-tests`);
    const groups = await codebuild().send(new BatchGetReportGroupsCommand({ reportGroupArns: [before.Reports.PhysicalResourceId!, out.ReportsArn] }));
    expect([groups.reportGroups?.map((g) => g.arn), groups.reportGroupsNotFound]).toEqual([[out.ReportsArn], [before.Reports.PhysicalResourceId]]);
  });

  it('reads each resource back for drift detection', async () => {
    const drift = async (logicalId: string) => (await cfn().send(new DetectStackResourceDriftCommand({ StackName: STACK, LogicalResourceId: logicalId }))).StackResourceDrift!;
    for (const logicalId of ['Repo', 'Project', 'Reports', 'GitHub', 'AppLogs', 'AppStream', 'Forward']) {
      const result = await drift(logicalId);
      expect([logicalId, result.StackResourceDriftStatus, result.PropertyDifferences]).toEqual([logicalId, 'IN_SYNC', []]);
    }
    await codecommit().send(new UpdateRepositoryDescriptionCommand({ repositoryName: 'cfn-code-renamed', repositoryDescription: 'edited by hand' }));
    expect((await drift('Repo')).PropertyDifferences).toEqual([{ PropertyPath: '/RepositoryDescription', ExpectedValue: 'renamed', ActualValue: 'edited by hand', DifferenceType: 'NOT_EQUAL' }]);
  });

  it('deletes the repository, the project, the report group and the credential', async () => {
    const resources = await resourcesOf(cfn(), STACK);
    const { StackId } = await settled(cfn(), STACK);
    await cfn().send(new DeleteStackCommand({ StackName: STACK }));
    await expectStatus(StackId!, 'DELETE_COMPLETE');
    await expectAwsError(codecommit().send(new GetRepositoryCommand({ repositoryName: 'cfn-code-renamed' })), { code: 'RepositoryDoesNotExistException', status: 400 });
    expect((await codebuild().send(new BatchGetProjectsCommand({ names: [resources.Project.PhysicalResourceId!] }))).projectsNotFound).toEqual([resources.Project.PhysicalResourceId]);
    expect((await codebuild().send(new BatchGetReportGroupsCommand({ reportGroupArns: [resources.Reports.PhysicalResourceId!] }))).reportGroupsNotFound).toHaveLength(1);
    expect((await codebuild().send(new ListSourceCredentialsCommand({}))).sourceCredentialsInfos).toEqual([]);
  });
});

/** Everything the receiver function logged, from its log group. */
async function receiverLog(functionName: string): Promise<string> {
  // The group appears with the function's first invocation.
  const found = await logs()
    .send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${functionName}` }))
    .catch(() => undefined);
  return (found?.events ?? []).map((e) => e.message).join('\n');
}
