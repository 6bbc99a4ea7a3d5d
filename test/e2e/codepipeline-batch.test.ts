/**
 * CodePipeline's CodeBuild action with BatchEnabled: a real CodeBuild batch build (the buildspec's
 * build-list) runs for the action; with CombineArtifacts its builds' primary artifacts become one
 * output artifact, a folder per build identifier; without it each output artifact is named after
 * the build (and secondary artifact) it holds; a failing build fails the action with the batch id.
 */
import { BatchGetBuildBatchesCommand, CodeBuildClient } from '@aws-sdk/client-codebuild';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { readZip } from '../../src/core/zip.js';
import { useServer } from '../helpers.js';
import { ACCOUNT, actionExecution, codeBuildStage, createPipelineProject, createSourceThenStage, firstEndedExecution, setUpS3Source } from './codepipeline-helpers.js';

const server = useServer();
const ROLE = `arn:aws:iam::${ACCOUNT}:role/batch-pipeline-role`;
const BUILD_ROLE = `arn:aws:iam::${ACCOUNT}:role/batch-project-role`;

const BUILDSPEC = `version: 0.2
batch:
  build-list:
    - identifier: linux
      env:
        variables:
          FLAVOUR: penguin
    - identifier: other
      env:
        variables:
          FLAVOUR: other
phases:
  build:
    commands:
      - mkdir -p out extra
      - echo "$FLAVOUR from $(cat app.txt)" > out/result.txt
      - echo "notes of $FLAVOUR" > extra/notes.txt
artifacts:
  base-directory: out
  files:
    - result.txt
  secondary-artifacts:
    notes:
      base-directory: extra
      files:
        - notes.txt
`;

/** The S3 source, then a Build stage running `project` as a batch with `configuration` added, into `outputs`. */
function createPipeline(name: string, project: string, configuration: Record<string, string>, outputs: string[]) {
  return createSourceThenStage(server.clientConfig, {
    name,
    roleArn: ROLE,
    artifactBucket: 'batch-artifacts',
    source: { bucket: 'batch-source', artifact: 'Src' },
    stage: codeBuildStage(project, 'Src', { configuration: { BatchEnabled: 'true', ...configuration }, outputArtifacts: outputs.map((output) => ({ name: output })) }),
  });
}

/** An output artifact of the Build action: its zip's files, by name. */
async function outputFiles(pipelineName: string, pipelineExecutionId: string, artifact: string): Promise<Record<string, string>> {
  const build = await actionExecution(server.clientConfig, pipelineName, pipelineExecutionId, 'Build');
  const location = build.output?.outputArtifacts?.find((a) => a.name === artifact)?.s3location;
  if (!location) throw new Error(`no output artifact ${artifact}: ${JSON.stringify(build.output)}`);
  const body = await (await new S3Client(server.clientConfig).send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }))).Body!.transformToByteArray();
  return Object.fromEntries(readZip(body).map((entry) => [entry.name, Buffer.from(entry.data).toString('utf8')]));
}

beforeAll(async () => {
  const roles = { 'batch-pipeline-role': 'codepipeline.amazonaws.com', 'batch-project-role': 'codebuild.amazonaws.com' };
  await setUpS3Source(server.clientConfig, { roles, source: 'batch-source', artifacts: 'batch-artifacts', files: { 'app.txt': 'the source' } });
  const batch = { buildBatchConfig: { serviceRole: BUILD_ROLE } };
  await createPipelineProject(server.clientConfig, 'batch-app', BUILDSPEC, BUILD_ROLE, batch);
  const broken = BUILDSPEC.replace('      - mkdir -p out extra\n', '      - test "$FLAVOUR" = penguin\n      - mkdir -p out extra\n');
  await createPipelineProject(server.clientConfig, 'batch-broken', broken, BUILD_ROLE, batch);
});

describe('Build/AWS/CodeBuild/1 with BatchEnabled', () => {
  it('runs a real batch build and, with CombineArtifacts, puts each build in a folder of the one output artifact', async () => {
    await createPipeline('batch-combined', 'batch-app', { CombineArtifacts: 'true' }, ['Combined']);
    const run = await firstEndedExecution(server.clientConfig, 'batch-combined');
    const build = await actionExecution(server.clientConfig, 'batch-combined', run.id, 'Build');
    expect(run.status, JSON.stringify(build.output?.executionResult)).toBe('Succeeded');
    expect(await outputFiles('batch-combined', run.id, 'Combined')).toEqual({ 'linux/result.txt': 'penguin from the source\n', 'other/result.txt': 'other from the source\n' });

    const batchId = build.output?.executionResult?.externalExecutionId;
    expect(batchId).toMatch(/^batch-app:/);
    const { buildBatches } = await new CodeBuildClient(server.clientConfig).send(new BatchGetBuildBatchesCommand({ ids: [batchId!] }));
    expect(buildBatches?.[0]).toMatchObject({ buildBatchStatus: 'SUCCEEDED', initiator: 'codepipeline/batch-combined' });
    expect(buildBatches?.[0]?.buildGroups?.map((g) => g.identifier)).toEqual(['linux', 'other']);
  });

  it("without CombineArtifacts, names each output artifact after a build's primary or secondary artifact", async () => {
    await createPipeline('batch-separate', 'batch-app', {}, ['linux', 'other', 'other_notes']);
    const run = await firstEndedExecution(server.clientConfig, 'batch-separate');
    expect(run.status).toBe('Succeeded');
    expect(await outputFiles('batch-separate', run.id, 'linux')).toEqual({ 'result.txt': 'penguin from the source\n' });
    expect(await outputFiles('batch-separate', run.id, 'other')).toEqual({ 'result.txt': 'other from the source\n' });
    expect(await outputFiles('batch-separate', run.id, 'other_notes')).toEqual({ 'notes.txt': 'notes of other\n' });
  });

  it('fails the action when a build of the batch fails, and refuses CombineArtifacts with several outputs or without a batch', async () => {
    await createPipeline('batch-failing', 'batch-broken', { CombineArtifacts: 'true' }, ['Combined']);
    const failed = await firstEndedExecution(server.clientConfig, 'batch-failing');
    expect(failed.status).toBe('Failed');
    const build = await actionExecution(server.clientConfig, 'batch-failing', failed.id, 'Build');
    expect(build.output?.executionResult?.errorDetails?.message).toMatch(/^Build batch terminated with state: FAILED.*other FAILED/);
    expect(build.output?.executionResult?.externalExecutionId).toMatch(/^batch-broken:/);

    await createPipeline('batch-two-combined', 'batch-app', { CombineArtifacts: 'true' }, ['One', 'Two']);
    const two = await firstEndedExecution(server.clientConfig, 'batch-two-combined');
    expect(two.status).toBe('Failed');
    expect((await actionExecution(server.clientConfig, 'batch-two-combined', two.id, 'Build')).output?.executionResult?.errorDetails).toMatchObject({
      code: 'ConfigurationError',
      message: expect.stringContaining('only one'),
    });

    await createPipeline('batch-not-enabled', 'batch-app', { BatchEnabled: 'false', CombineArtifacts: 'true' }, ['One']);
    const single = await firstEndedExecution(server.clientConfig, 'batch-not-enabled');
    expect(single.status).toBe('Failed');
    expect((await actionExecution(server.clientConfig, 'batch-not-enabled', single.id, 'Build')).output?.executionResult?.errorDetails?.message).toMatch(/set BatchEnabled to true/);
  });
});
