/**
 * The CodeBuild action's timeout is its build's: AWS's quotas give the CodeBuild action no limit of
 * its own (CodeBuild's timeoutInMinutes, up to 36 hours, ends the build), so a build that outlasts
 * its project's timeout on Drydock's clock ends TIMED_OUT and fails the action with AWS's message,
 * the failed phase's context and the build id.
 */
import { CodeBuildClient, ListBuildsForProjectCommand } from '@aws-sdk/client-codebuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';
import { fetchBuild, waitForBuild } from './codebuild-helpers.js';
import { ACCOUNT, actionExecution, codeBuildStage, createPipelineProject, createSourceThenStage, firstEndedExecution, setUpS3Source } from './codepipeline-helpers.js';

const server = useServer();

beforeAll(async () => {
  const roles = { 'slow-pipeline-role': 'codepipeline.amazonaws.com', 'slow-project-role': 'codebuild.amazonaws.com' };
  await setUpS3Source(server.clientConfig, { roles, source: 'slow-source', artifacts: 'slow-artifacts', files: { 'app.txt': 'app' } });
  await createPipelineProject(server.clientConfig, 'slow-build', 'version: 0.2\nphases:\n  build:\n    commands:\n      - sleep 600\n', `arn:aws:iam::${ACCOUNT}:role/slow-project-role`, {
    timeoutInMinutes: 5,
  });
});

/** The id of the pipeline's build, once CodeBuild has one. */
async function startedBuild(codebuild: CodeBuildClient): Promise<string> {
  const until = Date.now() + 30_000;
  for (;;) {
    const { ids } = await codebuild.send(new ListBuildsForProjectCommand({ projectName: 'slow-build' }));
    if (ids?.length) return ids[0];
    if (Date.now() > until) throw new Error('the pipeline started no build');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('Build/AWS/CodeBuild/1 timeout', () => {
  it("fails the action when its build outlasts the project's timeoutInMinutes on Drydock's clock", async () => {
    await createSourceThenStage(server.clientConfig, {
      name: 'slow',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/slow-pipeline-role`,
      artifactBucket: 'slow-artifacts',
      source: { bucket: 'slow-source', artifact: 'Src' },
      stage: codeBuildStage('slow-build', 'Src'),
    });
    const codebuild = new CodeBuildClient(server.clientConfig);
    const buildId = await startedBuild(codebuild);
    await waitForBuild(codebuild, buildId, (build) => build.currentPhase === 'BUILD');
    await server.advanceClock(6 * 60_000);

    const run = await firstEndedExecution(server.clientConfig, 'slow');
    expect(run.status).toBe('Failed');
    expect((await fetchBuild(codebuild, buildId)).buildStatus).toBe('TIMED_OUT');
    const action = await actionExecution(server.clientConfig, 'slow', run.id, 'Build');
    expect(action.output?.executionResult).toMatchObject({
      externalExecutionId: buildId,
      errorDetails: { code: 'JobFailed', message: 'Build terminated with state: TIMED_OUT. Phase: BUILD, Code: BUILD_TIMED_OUT, Message: Build has timed out. ' },
    });
  }, 60_000);
});
