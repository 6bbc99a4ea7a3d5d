/**
 * CodePipeline's Source CodeCommit and Source S3 actions end to end: a real `git push` to a
 * CodeCommit branch starts the pipeline through the EventBridge rule AWS's console creates (the
 * latency from push to InProgress is logged), the CODE_ZIP artifact holds the pushed tree, the
 * CODEBUILD_CLONE_REF artifact names the commit, a sourceRevisions override picks an older commit,
 * a missing branch fails the action; an S3 object version starts the pipeline through S3's
 * EventBridge notifications and is copied as the artifact; an unversioned bucket fails the action.
 */

import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CodeBuildClient, CreateProjectCommand } from '@aws-sdk/client-codebuild';
import { CodeCommitClient, CreateRepositoryCommand } from '@aws-sdk/client-codecommit';
import {
  CodePipelineClient,
  CreatePipelineCommand,
  GetPipelineExecutionCommand,
  ListActionExecutionsCommand,
  ListPipelineExecutionsCommand,
  type PipelineDeclaration,
  StartPipelineExecutionCommand,
} from '@aws-sdk/client-codepipeline';
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createZip, readZip } from '../../src/core/zip.js';
import { useServer } from '../helpers.js';
import { GitRunner, rootUrl } from './codecommit-git-helpers.js';
import { ACCOUNT, actionExecution, createVersionedBuckets, executionEnded, trust } from './codepipeline-helpers.js';

const server = useServer();
const client = <T>(Client: new (config: typeof server.clientConfig) => T) => new Client(server.clientConfig);
const REGION = 'us-east-1';
const PIPELINE_ROLE = `arn:aws:iam::${ACCOUNT}:role/sources-pipeline-role`;
const EVENTS_ROLE = `arn:aws:iam::${ACCOUNT}:role/sources-events-role`;
const ARTIFACTS = 'sources-artifacts';
const git = new GitRunner();

const allow = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
const pipelineArn = (name: string) => `arn:aws:codepipeline:${REGION}:${ACCOUNT}:${name}`;

/** A pipeline of the given source action, then a Deploy S3 stage extracting its artifact into `deployBucket`. */
function pipeline(name: string, source: { provider: string; configuration: Record<string, string> }, deployBucket: string): PipelineDeclaration {
  return {
    name,
    roleArn: PIPELINE_ROLE,
    pipelineType: 'V2',
    artifactStore: { type: 'S3', location: ARTIFACTS },
    stages: [
      {
        name: 'Source',
        actions: [
          {
            name: 'Source',
            namespace: 'SourceVariables',
            actionTypeId: { category: 'Source', owner: 'AWS', provider: source.provider, version: '1' },
            configuration: { PollForSourceChanges: 'false', ...source.configuration },
            outputArtifacts: [{ name: 'SourceOutput' }],
          },
        ],
      },
      {
        name: 'Deploy',
        actions: [
          {
            name: 'Extract',
            actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' },
            configuration: { BucketName: deployBucket, Extract: 'true' },
            inputArtifacts: [{ name: 'SourceOutput' }],
          },
        ],
      },
    ],
  };
}

async function executionIds(name: string): Promise<string[]> {
  const { pipelineExecutionSummaries } = await client(CodePipelineClient).send(new ListPipelineExecutionsCommand({ pipelineName: name }));
  return (pipelineExecutionSummaries ?? []).map((summary) => summary.pipelineExecutionId!);
}

/** Waits (polling the API) for an execution of `name` other than `known`, and answers it with when it was seen. */
async function newExecution(name: string, known: string[]): Promise<{ id: string; seenAt: number }> {
  const until = Date.now() + 10_000;
  for (;;) {
    const fresh = (await executionIds(name)).find((id) => !known.includes(id));
    if (fresh) return { id: fresh, seenAt: performance.now() };
    if (Date.now() > until) throw new Error(`no new execution of ${name}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const finished = (name: string, pipelineExecutionId: string) => executionEnded(server.clientConfig, name, pipelineExecutionId, 30_000, 25);

/** Waits for the executions CreatePipeline starts by itself, so later ones are told apart. */
async function settledExecutions(name: string): Promise<string[]> {
  const ids = await executionIds(name);
  for (const id of ids) await finished(name, id);
  return ids;
}

const sourceAction = (pipelineName: string, pipelineExecutionId: string) => actionExecution(server.clientConfig, pipelineName, pipelineExecutionId, 'Source');

async function objectBytes(bucket: string, key: string): Promise<Buffer> {
  const out = await client(S3Client).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

/** The source action's output artifact's zip entries, by name. */
async function artifactFiles(pipelineName: string, pipelineExecutionId: string): Promise<Map<string, string>> {
  const action = await sourceAction(pipelineName, pipelineExecutionId);
  const location = action.output!.outputArtifacts![0].s3location!;
  return new Map(readZip(await objectBytes(location.bucket!, location.key!)).map((entry) => [entry.name, Buffer.from(entry.data).toString('utf8')]));
}

/** The source action's output artifact's zip entry modes, by name. */
async function artifactModes(pipelineName: string, pipelineExecutionId: string): Promise<Record<string, number>> {
  const location = (await sourceAction(pipelineName, pipelineExecutionId)).output!.outputArtifacts![0].s3location!;
  return Object.fromEntries(readZip(await objectBytes(location.bucket!, location.key!)).map((entry) => [entry.name, entry.mode]));
}

async function commitAndPush(work: string, files: Record<string, string>, message: string): Promise<{ commitId: string; pushedAt: number }> {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(work, name), text);
  await git.ok(['add', '.'], { cwd: work });
  await git.ok(['commit', '-q', '-m', message], { cwd: work });
  await git.ok(['push', '-q', 'origin', 'HEAD:main'], { cwd: work });
  const pushedAt = performance.now();
  return { commitId: (await git.ok(['rev-parse', 'HEAD'], { cwd: work })).trim(), pushedAt };
}

beforeAll(async () => {
  const iam = client(IAMClient);
  await iam.send(new CreateRoleCommand({ RoleName: 'sources-pipeline-role', AssumeRolePolicyDocument: trust('codepipeline.amazonaws.com') }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'sources-pipeline-role', PolicyName: 'admin', PolicyDocument: allow('*') }));
  await iam.send(new CreateRoleCommand({ RoleName: 'sources-events-role', AssumeRolePolicyDocument: trust('events.amazonaws.com') }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'sources-events-role', PolicyName: 'start', PolicyDocument: allow('codepipeline:StartPipelineExecution') }));
  await createVersionedBuckets(server.clientConfig, [ARTIFACTS, 'sources-site', 'sources-objects', 'sources-object-site']);
  const s3 = client(S3Client);
  await s3.send(new CreateBucketCommand({ Bucket: 'sources-unversioned' }));
});

describe('Source CodeCommit', () => {
  let work: string;
  let first: string;

  beforeAll(async () => {
    await client(CodeCommitClient).send(new CreateRepositoryCommand({ repositoryName: 'sources-app' }));
    work = git.dir('sources-app');
    await git.ok(['clone', '-q', rootUrl(server, 'sources-app'), '.'], { cwd: work });
    first = (await commitAndPush(work, { 'README.md': 'first\n' }, 'First commit')).commitId;
  });

  it('starts on a git push through the console rule, within 200 ms, and the CODE_ZIP artifact holds the pushed tree', async () => {
    const events = client(EventBridgeClient);
    await events.send(
      new PutRuleCommand({
        Name: 'sources-app-push',
        EventPattern: JSON.stringify({
          source: ['aws.codecommit'],
          'detail-type': ['CodeCommit Repository State Change'],
          resources: [`arn:aws:codecommit:${REGION}:${ACCOUNT}:sources-app`],
          detail: { event: ['referenceCreated', 'referenceUpdated'], referenceType: ['branch'], referenceName: ['main'] },
        }),
      }),
    );
    await events.send(new PutTargetsCommand({ Rule: 'sources-app-push', Targets: [{ Id: 'pipeline', Arn: pipelineArn('sources-app'), RoleArn: EVENTS_ROLE }] }));
    await client(CodePipelineClient).send(
      new CreatePipelineCommand({ pipeline: pipeline('sources-app', { provider: 'CodeCommit', configuration: { RepositoryName: 'sources-app', BranchName: 'main' } }, 'sources-site') }),
    );
    const known = await settledExecutions('sources-app');

    // AWS's CODE_ZIP keeps modes and leaves symbolic links out.
    symlinkSync('README.md', join(work, 'readme-link'));
    writeFileSync(join(work, 'run.sh'), '#!/bin/sh\necho run\n', { mode: 0o755 });
    const pushed = await commitAndPush(work, { 'app.js': 'console.log("v2");\n', 'README.md': 'second\n' }, 'Second commit');
    const started = await newExecution('sources-app', known);
    const latencyMs = started.seenAt - pushed.pushedAt;
    console.log(`git push returned → pipeline execution listed: ${latencyMs.toFixed(1)} ms`);
    // AWS's goal and Drydock's is 200 ms; the bound leaves room for a machine shared by parallel test files.
    expect(latencyMs).toBeLessThan(1_000);
    expect(await finished('sources-app', started.id)).toBe('Succeeded');

    const files = await artifactFiles('sources-app', started.id);
    expect([...files.keys()].sort()).toEqual(['README.md', 'app.js', 'run.sh']);
    expect(await artifactModes('sources-app', started.id)).toMatchObject({ 'run.sh': 0o100755, 'app.js': 0o100644 });
    expect(files.get('app.js')).toBe('console.log("v2");\n');
    expect((await objectBytes('sources-site', 'README.md')).toString()).toBe('second\n');

    const action = await sourceAction('sources-app', started.id);
    expect(action.output?.outputVariables).toMatchObject({ CommitId: pushed.commitId, BranchName: 'main', RepositoryName: 'sources-app', CommitMessage: 'Second commit\n' });
    expect(action.output?.outputVariables?.AuthorDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const { pipelineExecution } = await client(CodePipelineClient).send(new GetPipelineExecutionCommand({ pipelineName: 'sources-app', pipelineExecutionId: started.id }));
    expect(pipelineExecution?.artifactRevisions?.[0]?.revisionId).toBe(pushed.commitId);
    expect(pipelineExecution?.trigger?.triggerType).toBe('CloudWatchEvent');
  });

  it('honours a sourceRevisions COMMIT_ID override', async () => {
    const { pipelineExecutionId } = await client(CodePipelineClient).send(
      new StartPipelineExecutionCommand({ name: 'sources-app', sourceRevisions: [{ actionName: 'Source', revisionType: 'COMMIT_ID', revisionValue: first }] }),
    );
    expect(await finished('sources-app', pipelineExecutionId!)).toBe('Succeeded');
    expect((await sourceAction('sources-app', pipelineExecutionId!)).output?.outputVariables?.CommitId).toBe(first);
    expect([...(await artifactFiles('sources-app', pipelineExecutionId!)).keys()]).toEqual(['README.md']);
  });

  it('takes the commit an EventBridge input transformer names as the source revision', async () => {
    const events = client(EventBridgeClient);
    await events.send(new PutRuleCommand({ Name: 'sources-app-replay', EventPattern: JSON.stringify({ source: ['custom.release'] }) }));
    const InputTemplate = '{"sourceRevisions": {"actionName": "Source", "revisionType": "COMMIT_ID", "revisionValue": <commit>}}';
    await events.send(
      new PutTargetsCommand({
        Rule: 'sources-app-replay',
        Targets: [{ Id: 'pipeline', Arn: pipelineArn('sources-app'), RoleArn: EVENTS_ROLE, InputTransformer: { InputPathsMap: { commit: '$.detail.commitId' }, InputTemplate } }],
      }),
    );
    const known = await settledExecutions('sources-app');
    await events.send(new PutEventsCommand({ Entries: [{ Source: 'custom.release', DetailType: 'Release', Detail: JSON.stringify({ commitId: first }) }] }));
    const started = await newExecution('sources-app', known);
    expect(await finished('sources-app', started.id)).toBe('Succeeded');
    expect((await sourceAction('sources-app', started.id)).output?.outputVariables?.CommitId).toBe(first);
  });

  it('writes a CODEBUILD_CLONE_REF artifact naming the commit', async () => {
    const configuration = { RepositoryName: 'sources-app', BranchName: 'main', OutputArtifactFormat: 'CODEBUILD_CLONE_REF' };
    await client(CodePipelineClient).send(new CreatePipelineCommand({ pipeline: pipeline('sources-clone-ref', { provider: 'CodeCommit', configuration }, 'sources-site') }));
    const { pipelineExecutionId } = await client(CodePipelineClient).send(new StartPipelineExecutionCommand({ name: 'sources-clone-ref' }));
    await finished('sources-clone-ref', pipelineExecutionId!);
    const head = (await git.ok(['rev-parse', 'HEAD'], { cwd: work })).trim();
    const ref = JSON.parse((await artifactFiles('sources-clone-ref', pipelineExecutionId!)).get('codepipeline-clone-ref.json')!);
    expect(ref).toMatchObject({ repositoryName: 'sources-app', branchName: 'main', commitId: head });
    expect(ref.cloneUrlHttp).toMatch(/\/v1\/repos\/sources-app$/);
  });

  it('a CODEBUILD_CLONE_REF artifact makes the next CodeBuild action clone the repository at the commit', async () => {
    const iam = client(IAMClient);
    await iam.send(new CreateRoleCommand({ RoleName: 'sources-build-role', AssumeRolePolicyDocument: trust('codebuild.amazonaws.com') }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'sources-build-role', PolicyName: 'admin', PolicyDocument: allow('*') }));
    const buildspec =
      'version: 0.2\nenv:\n  exported-variables:\n    - HEAD_COMMIT\n    - FILES\nphases:\n  build:\n    commands:\n      - export HEAD_COMMIT="$(git rev-parse HEAD)"\n      - export FILES="$(ls | tr \'\\n\' \' \')"\n';
    await client(CodeBuildClient).send(
      new CreateProjectCommand({
        name: 'sources-clone',
        source: { type: 'CODEPIPELINE', buildspec },
        artifacts: { type: 'CODEPIPELINE' },
        environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
        serviceRole: `arn:aws:iam::${ACCOUNT}:role/sources-build-role`,
      }),
    );
    const declaration = pipeline(
      'sources-clone',
      { provider: 'CodeCommit', configuration: { RepositoryName: 'sources-app', BranchName: 'main', OutputArtifactFormat: 'CODEBUILD_CLONE_REF' } },
      'sources-site',
    );
    declaration.stages![1] = {
      name: 'Build',
      actions: [
        {
          name: 'Build',
          namespace: 'BuildVariables',
          actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
          configuration: { ProjectName: 'sources-clone' },
          inputArtifacts: [{ name: 'SourceOutput' }],
        },
      ],
    };
    await client(CodePipelineClient).send(new CreatePipelineCommand({ pipeline: declaration }));
    const known = await settledExecutions('sources-clone');
    const { pipelineExecutionId } = await client(CodePipelineClient).send(new StartPipelineExecutionCommand({ name: 'sources-clone' }));
    expect(known).not.toContain(pipelineExecutionId);
    expect(await finished('sources-clone', pipelineExecutionId!)).toBe('Succeeded');
    const { actionExecutionDetails } = await client(CodePipelineClient).send(new ListActionExecutionsCommand({ pipelineName: 'sources-clone', filter: { pipelineExecutionId } }));
    const build = actionExecutionDetails!.find((detail) => detail.actionName === 'Build')!;
    const head = (await git.ok(['rev-parse', 'HEAD'], { cwd: work })).trim();
    expect(build.output?.outputVariables?.HEAD_COMMIT).toBe(head);
    const tree = (await git.ok(['ls-tree', '--name-only', 'HEAD'], { cwd: work })).trim().split('\n');
    expect(build.output?.outputVariables?.FILES?.trim().split(' ').sort()).toEqual(tree.sort());
  });

  it('fails the action when the pipeline role may not archive the repository (codecommit:UploadArchive)', async () => {
    const iam = client(IAMClient);
    await iam.send(new CreateRoleCommand({ RoleName: 'sources-no-archive', AssumeRolePolicyDocument: trust('codepipeline.amazonaws.com') }));
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 'codecommit:UploadArchive', Resource: '*' },
      ],
    };
    await iam.send(new PutRolePolicyCommand({ RoleName: 'sources-no-archive', PolicyName: 'no-archive', PolicyDocument: JSON.stringify(policy) }));
    const declaration = pipeline('sources-no-archive', { provider: 'CodeCommit', configuration: { RepositoryName: 'sources-app', BranchName: 'main' } }, 'sources-site');
    await client(CodePipelineClient).send(new CreatePipelineCommand({ pipeline: { ...declaration, roleArn: `arn:aws:iam::${ACCOUNT}:role/sources-no-archive` } }));
    const { pipelineExecutionId } = await client(CodePipelineClient).send(new StartPipelineExecutionCommand({ name: 'sources-no-archive' }));
    expect(await finished('sources-no-archive', pipelineExecutionId!)).toBe('Failed');
    const action = await sourceAction('sources-no-archive', pipelineExecutionId!);
    expect(action.output?.executionResult?.errorDetails?.message).toMatch(/codecommit:UploadArchive/);
  });

  it('fails the action when the branch does not exist', async () => {
    await client(CodePipelineClient).send(
      new CreatePipelineCommand({ pipeline: pipeline('sources-no-branch', { provider: 'CodeCommit', configuration: { RepositoryName: 'sources-app', BranchName: 'nope' } }, 'sources-site') }),
    );
    const { pipelineExecutionId } = await client(CodePipelineClient).send(new StartPipelineExecutionCommand({ name: 'sources-no-branch' }));
    expect(await finished('sources-no-branch', pipelineExecutionId!)).toBe('Failed');
    const action = await sourceAction('sources-no-branch', pipelineExecutionId!);
    expect(action.status).toBe('Failed');
    expect(action.output?.executionResult?.errorDetails?.message).toMatch(/^The action failed because no branch named nope was found in the selected AWS CodeCommit repository sources-app\./);
  });
});

describe('Source S3', () => {
  it('starts on a new object version through S3 EventBridge notifications and copies that version as the artifact', async () => {
    const s3 = client(S3Client);
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'sources-objects', NotificationConfiguration: { EventBridgeConfiguration: {} } }));
    const events = client(EventBridgeClient);
    await events.send(
      new PutRuleCommand({
        Name: 'sources-object-created',
        EventPattern: JSON.stringify({ source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: ['sources-objects'] }, object: { key: ['app.zip'] } } }),
      }),
    );
    await events.send(new PutTargetsCommand({ Rule: 'sources-object-created', Targets: [{ Id: 'pipeline', Arn: pipelineArn('sources-object'), RoleArn: EVENTS_ROLE }] }));
    await s3.send(new PutObjectCommand({ Bucket: 'sources-objects', Key: 'app.zip', Body: createZip([{ name: 'index.html', data: Buffer.from('v1'), mode: 0o100644 }]) }));
    await client(CodePipelineClient).send(
      new CreatePipelineCommand({ pipeline: pipeline('sources-object', { provider: 'S3', configuration: { S3Bucket: 'sources-objects', S3ObjectKey: 'app.zip' } }, 'sources-object-site') }),
    );
    const known = await settledExecutions('sources-object');

    const zip = createZip([{ name: 'index.html', data: Buffer.from('v2'), mode: 0o100644 }]);
    const put = await s3.send(new PutObjectCommand({ Bucket: 'sources-objects', Key: 'app.zip', Body: zip }));
    const started = await newExecution('sources-object', known);
    expect(await finished('sources-object', started.id)).toBe('Succeeded');
    const action = await sourceAction('sources-object', started.id);
    expect(action.output?.outputVariables).toEqual({ VersionId: put.VersionId, ETag: put.ETag!.replace(/"/g, '') });
    const location = action.output!.outputArtifacts![0].s3location!;
    expect(await objectBytes(location.bucket!, location.key!)).toEqual(zip);
    expect((await objectBytes('sources-object-site', 'index.html')).toString()).toBe('v2');
  });

  it('fails the action when the object does not exist', async () => {
    await client(CodePipelineClient).send(
      new CreatePipelineCommand({ pipeline: pipeline('sources-no-object', { provider: 'S3', configuration: { S3Bucket: 'sources-objects', S3ObjectKey: 'missing.zip' } }, 'sources-site') }),
    );
    const { pipelineExecutionId } = await client(CodePipelineClient).send(new StartPipelineExecutionCommand({ name: 'sources-no-object' }));
    expect(await finished('sources-no-object', pipelineExecutionId!)).toBe('Failed');
    const action = await sourceAction('sources-no-object', pipelineExecutionId!);
    expect(action.output?.executionResult?.errorDetails?.message).toBe("The object with key 'missing.zip' does not exist in the Amazon S3 bucket sources-objects.");
  });

  it('fails the action when the bucket is not versioned', async () => {
    await client(S3Client).send(new PutObjectCommand({ Bucket: 'sources-unversioned', Key: 'app.zip', Body: 'x' }));
    await client(CodePipelineClient).send(
      new CreatePipelineCommand({ pipeline: pipeline('sources-unversioned', { provider: 'S3', configuration: { S3Bucket: 'sources-unversioned', S3ObjectKey: 'app.zip' } }, 'sources-site') }),
    );
    const { pipelineExecutionId } = await client(CodePipelineClient).send(new StartPipelineExecutionCommand({ name: 'sources-unversioned' }));
    expect(await finished('sources-unversioned', pipelineExecutionId!)).toBe('Failed');
    const action = await sourceAction('sources-unversioned', pipelineExecutionId!);
    expect(action.output?.executionResult?.errorDetails?.message).toBe('The Amazon S3 bucket sources-unversioned is not versioned. Enable versioning on the bucket and try again.');
  });
});
