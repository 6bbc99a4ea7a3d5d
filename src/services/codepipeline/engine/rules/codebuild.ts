/**
 * Rule/AWS/CodeBuild/1: runs the build project exactly as the CodeBuild test action does (its
 * input artifacts as the build's sources, EnvironmentVariables, batch builds, started as the
 * pipeline's role), by running that action's provider: the rule passes when the build succeeds and
 * fails with the action's message naming the build when it does not.
 */
import { codeBuildTest } from '../../actions/codebuild.js';
import type { RuleProvider } from './types.js';

export const codeBuild: RuleProvider = {
  provider: 'CodeBuild',
  configurationProperties: [
    { name: 'ProjectName', required: true, key: true, secret: false, description: 'The name of the build project in CodeBuild.' },
    { name: 'PrimarySource', required: false, key: false, secret: false, description: 'The input artifact whose directory holds the buildspec, when there are several.' },
    { name: 'BatchEnabled', required: false, key: false, secret: false, description: 'Whether the rule runs a batch build.' },
    { name: 'CombineArtifacts', required: false, key: false, secret: false, description: 'Whether a batch build combines its builds artifacts into one.' },
    { name: 'EnvironmentVariables', required: false, key: false, secret: false, description: 'A JSON array of environment variables (name, value, type) for the build.' },
  ],
  async evaluate(ctx) {
    // The build is the test action's own, so it is started and followed as that action's would be.
    const result = await codeBuildTest.run({ ...ctx, actionTypeId: codeBuildTest.typeId });
    return { summary: result.summary, externalExecutionId: result.externalExecutionId };
  },
};
