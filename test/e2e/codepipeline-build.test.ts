/**
 * CodePipeline's Build/Test CodeBuild action end to end: two S3 source actions feed a real
 * CodeBuild build (primary and secondary sources, PLAINTEXT and PARAMETER_STORE variables), whose
 * primary and secondary artifacts land in the pipeline's output artifacts and whose exported
 * variables become the action's output variables; a failing build fails the action with AWS's
 * message and the build id.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchGetBuildsCommand, CodeBuildClient, ListBuildsForProjectCommand } from '@aws-sdk/client-codebuild';
import { CodeCommitClient, CreateRepositoryCommand, PutFileCommand } from '@aws-sdk/client-codecommit';
import { type ActionDeclaration, CodePipelineClient, CreatePipelineCommand, ListActionExecutionsCommand, ListPipelineExecutionsCommand, type PipelineDeclaration } from '@aws-sdk/client-codepipeline';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { beforeAll, describe, expect, it } from 'vitest';
import { readZip } from '../../src/core/zip.js';
import { startTestServer, type TestServer, useServer } from '../helpers.js';
import { ACCOUNT, actionExecution, codeBuildStage, createPipelineProject, firstEndedExecution, putSourceZip, setUpS3Source } from './codepipeline-helpers.js';

const server = useServer();
const client = <T>(Client: new (config: typeof server.clientConfig) => T) => new Client(server.clientConfig);
const PIPELINE_ROLE = `arn:aws:iam::${ACCOUNT}:role/build-pipeline-role`;
const BUILD_ROLE = `arn:aws:iam::${ACCOUNT}:role/build-project-role`;

const BUILDSPEC = `version: 0.2
env:
  exported-variables:
    - GREETING
    - SOURCES
phases:
  build:
    commands:
      - test "$(cat app.txt)" = "primary source"
      - test "$(cat "$CODEBUILD_SRC_DIR_ExtraOutput/extra.txt")" = "secondary source"
      - export GREETING="$STAGE_NAME-$SECRET_SETTING"
      - export SOURCES="$(ls "$CODEBUILD_SRC_DIR_ExtraOutput")"
      - mkdir -p out report && echo "built by $CODEBUILD_INITIATOR" > out/result.txt && echo "$GREETING" > report/summary.txt
artifacts:
  files:
    - out/result.txt
  secondary-artifacts:
    ReportOutput:
      base-directory: report
      files:
        - summary.txt
`;

const s3Source = (name: string, key: string, output: string) => ({
  name,
  actionTypeId: { category: 'Source' as const, owner: 'AWS' as const, provider: 'S3', version: '1' },
  configuration: { S3Bucket: 'build-source', S3ObjectKey: key, PollForSourceChanges: 'false' },
  outputArtifacts: [{ name: output }],
});

function pipeline(name: string, project: string, build: Partial<ActionDeclaration> = {}): PipelineDeclaration {
  return {
    name,
    roleArn: PIPELINE_ROLE,
    pipelineType: 'V2',
    artifactStore: { type: 'S3', location: 'build-artifacts' },
    stages: [{ name: 'Source', actions: [s3Source('App', 'app.zip', 'SourceOutput'), s3Source('Extra', 'extra.zip', 'ExtraOutput')] }, codeBuildStage(project, 'SourceOutput', build)],
  };
}

const runPipeline = (name: string) => firstEndedExecution(server.clientConfig, name);
const buildAction = (pipelineName: string, pipelineExecutionId: string) => actionExecution(server.clientConfig, pipelineName, pipelineExecutionId, 'Build');

async function zipText(bucket: string, key: string, name: string): Promise<string> {
  const body = await (await client(S3Client).send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray();
  const entry = readZip(body).find((e) => e.name === name);
  return entry ? Buffer.from(entry.data).toString('utf8') : `(no ${name} in ${readZip(body).map((e) => e.name)})`;
}

/** The roles, buckets and the two source objects the pipelines read, on `config`'s server. */
async function setUpSources(config: TestServer['clientConfig']): Promise<void> {
  const roles = { 'build-pipeline-role': 'codepipeline.amazonaws.com', 'build-project-role': 'codebuild.amazonaws.com' };
  await setUpS3Source(config, { roles, source: 'build-source', artifacts: 'build-artifacts', files: { 'app.txt': 'primary source' } });
  await putSourceZip(config, 'build-source', { 'extra.txt': 'secondary source' }, 'extra.zip');
}

beforeAll(async () => {
  await setUpSources(server.clientConfig);
  await client(SSMClient).send(new PutParameterCommand({ Name: '/build/secret', Value: 'from-ssm', Type: 'String' }));
  const project = (name: string, buildspec: string) => createPipelineProject(server.clientConfig, name, buildspec, BUILD_ROLE);
  await project('pipeline-app', BUILDSPEC);
  await project('pipeline-clone', 'version: 0.2\nenv:\n  exported-variables: [HEAD, TEXT]\nphases:\n  build:\n    commands:\n      - export HEAD="$(git rev-parse HEAD)" TEXT="$(cat app.txt)"\n');
  await project('pipeline-broken', 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo about to fail\n      - exit 3\n');
});

describe('Build/AWS/CodeBuild/1', () => {
  it('builds the input artifacts into the output artifacts, started by codepipeline/<pipeline>, with exported variables as output variables', async () => {
    const codepipeline = client(CodePipelineClient);
    await codepipeline.send(
      new CreatePipelineCommand({
        pipeline: pipeline('build-ok', 'pipeline-app', {
          namespace: 'BuildVariables',
          configuration: {
            ProjectName: 'pipeline-app',
            PrimarySource: 'SourceOutput',
            EnvironmentVariables: JSON.stringify([
              { name: 'STAGE_NAME', value: 'beta', type: 'PLAINTEXT' },
              { name: 'SECRET_SETTING', value: '/build/secret', type: 'PARAMETER_STORE' },
            ]),
          },
          inputArtifacts: [{ name: 'SourceOutput' }, { name: 'ExtraOutput' }],
          outputArtifacts: [{ name: 'BuildOutput' }, { name: 'ReportOutput' }],
        }),
      }),
    );
    const { id, status } = await runPipeline('build-ok');
    const action = await buildAction('build-ok', id);
    expect({ status, action: action.status, error: action.output?.executionResult }).toMatchObject({ status: 'Succeeded', action: 'Succeeded' });
    expect(action.output?.outputVariables).toEqual({ GREETING: 'beta-from-ssm', SOURCES: 'extra.txt' });

    const buildId = action.output!.executionResult!.externalExecutionId!;
    const codebuild = client(CodeBuildClient);
    expect((await codebuild.send(new ListBuildsForProjectCommand({ projectName: 'pipeline-app' }))).ids).toContain(buildId);
    const build = (await codebuild.send(new BatchGetBuildsCommand({ ids: [buildId] }))).builds![0];
    expect(build).toMatchObject({ buildStatus: 'SUCCEEDED', initiator: 'codepipeline/build-ok', source: { type: 'CODEPIPELINE' } });
    expect(build.secondarySources).toEqual([expect.objectContaining({ type: 'S3', sourceIdentifier: 'ExtraOutput' })]);

    const outputs = Object.fromEntries(action.output!.outputArtifacts!.map((a) => [a.name, a.s3location!]));
    expect(await zipText(outputs.BuildOutput.bucket!, outputs.BuildOutput.key!, 'out/result.txt')).toBe('built by codepipeline/build-ok\n');
    expect(await zipText(outputs.ReportOutput.bucket!, outputs.ReportOutput.key!, 'summary.txt')).toBe('beta-from-ssm\n');
  });

  it('fails the action with the build id and AWS\'s "Build terminated with state" message when the build fails', async () => {
    await client(CodePipelineClient).send(new CreatePipelineCommand({ pipeline: pipeline('build-broken', 'pipeline-broken', { configuration: { ProjectName: 'pipeline-broken' } }) }));
    const { id, status } = await runPipeline('build-broken');
    expect(status).toBe('Failed');
    const action = await buildAction('build-broken', id);
    expect(action.status).toBe('Failed');
    const buildId = action.output?.executionResult?.externalExecutionId;
    expect(buildId).toMatch(/^pipeline-broken:/);
    expect(action.output?.executionResult?.externalExecutionSummary ?? action.output?.executionResult?.errorDetails?.message).toMatch(
      /^Build terminated with state: FAILED\. Phase: BUILD, Code: COMMAND_EXECUTION_ERROR, Message: Error while executing command: exit 3\. Reason: exit status 3/,
    );
    const build = (await client(CodeBuildClient).send(new BatchGetBuildsCommand({ ids: [buildId!] }))).builds![0];
    expect(build).toMatchObject({ buildStatus: 'FAILED', initiator: 'codepipeline/build-broken' });
  });

  it('clones the CodeCommit repository at the source commit for a CODEBUILD_CLONE_REF input', async () => {
    const codecommit = client(CodeCommitClient);
    await codecommit.send(new CreateRepositoryCommand({ repositoryName: 'clone-ref-app' }));
    const { commitId } = await codecommit.send(new PutFileCommand({ repositoryName: 'clone-ref-app', branchName: 'main', filePath: 'app.txt', fileContent: Buffer.from('from git') }));
    await client(CodePipelineClient).send(
      new CreatePipelineCommand({
        pipeline: {
          ...pipeline('build-clone-ref', 'pipeline-clone'),
          stages: [
            {
              name: 'Source',
              actions: [
                {
                  name: 'App',
                  actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' },
                  configuration: { RepositoryName: 'clone-ref-app', BranchName: 'main', OutputArtifactFormat: 'CODEBUILD_CLONE_REF', PollForSourceChanges: 'false' },
                  outputArtifacts: [{ name: 'SourceOutput' }],
                },
              ],
            },
            codeBuildStage('pipeline-clone', 'SourceOutput'),
          ],
        },
      }),
    );
    const { id, status } = await runPipeline('build-clone-ref');
    const action = await buildAction('build-clone-ref', id);
    expect({ status, action: action.status, result: action.output?.executionResult }).toMatchObject({ status: 'Succeeded', action: 'Succeeded' });
    expect(action.output?.outputVariables).toEqual({ HEAD: commitId, TEXT: 'from git' });
    const build = (await client(CodeBuildClient).send(new BatchGetBuildsCommand({ ids: [action.output!.executionResult!.externalExecutionId!] }))).builds![0];
    expect(build.resolvedSourceVersion).toBe(commitId);
  });

  it('fails the action naming the project when it does not exist', async () => {
    await client(CodePipelineClient).send(new CreatePipelineCommand({ pipeline: pipeline('build-missing', 'no-such-project') }));
    const { id, status } = await runPipeline('build-missing');
    expect(status).toBe('Failed');
    const action = await buildAction('build-missing', id);
    expect(JSON.stringify(action.output?.executionResult)).toContain('Error calling startBuild');
  });
});

describe('Build/AWS/CodeBuild/1 across a restart', () => {
  it('reattaches to the checkpointed build instead of starting another, and fails with what became of it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'drydock-pipeline-build-'));
    let running = await startTestServer({ dataDir });
    try {
      const on = <T>(Client: new (config: typeof running.clientConfig) => T) => new Client(running.clientConfig);
      await setUpSources(running.clientConfig);
      await createPipelineProject(running.clientConfig, 'pipeline-slow', 'version: 0.2\nphases:\n  build:\n    commands:\n      - sleep 60\n', BUILD_ROLE);
      await on(CodePipelineClient).send(new CreatePipelineCommand({ pipeline: pipeline('build-restart', 'pipeline-slow') }));
      const until = Date.now() + 30_000;
      let buildId: string | undefined;
      while (!buildId) {
        const ids = (await on(CodeBuildClient).send(new ListBuildsForProjectCommand({ projectName: 'pipeline-slow' }))).ids ?? [];
        const builds = ids.length ? ((await on(CodeBuildClient).send(new BatchGetBuildsCommand({ ids }))).builds ?? []) : [];
        buildId = builds.find((b) => b.currentPhase === 'BUILD')?.id;
        if (Date.now() > until) throw new Error('the build never reached BUILD');
        if (!buildId) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await running.stop();
      running = await startTestServer({ dataDir });

      const codepipeline = new CodePipelineClient(running.clientConfig);
      const ended = Date.now() + 30_000;
      let summary = (await codepipeline.send(new ListPipelineExecutionsCommand({ pipelineName: 'build-restart' }))).pipelineExecutionSummaries![0];
      while (summary.status === 'InProgress' && Date.now() < ended) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        summary = (await codepipeline.send(new ListPipelineExecutionsCommand({ pipelineName: 'build-restart' }))).pipelineExecutionSummaries![0];
      }
      expect(summary.status).toBe('Failed');
      const { actionExecutionDetails } = await codepipeline.send(new ListActionExecutionsCommand({ pipelineName: 'build-restart', filter: { pipelineExecutionId: summary.pipelineExecutionId } }));
      const action = actionExecutionDetails!.find((d) => d.actionName === 'Build')!;
      expect(action.output?.executionResult?.externalExecutionId).toBe(buildId);
      expect(action.output?.executionResult?.errorDetails?.message).toBe(
        'Build terminated with state: FAILED. Phase: BUILD, Code: BUILD_INTERRUPTED, Message: Drydock restarted while the build was running',
      );
      expect((await new CodeBuildClient(running.clientConfig).send(new ListBuildsForProjectCommand({ projectName: 'pipeline-slow' }))).ids).toEqual([buildId]);
    } finally {
      await running.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
