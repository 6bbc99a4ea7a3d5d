/** The Build/Test CodeBuild, Approval Manual and Invoke Lambda action providers. */
import { manualApproval } from './approval.js';
import { codeBuildBuild, codeBuildTest } from './codebuild.js';
import { lambdaInvoke } from './lambda.js';
import type { ActionProvider } from './types.js';

export const RUNNER_ACTIONS: ActionProvider[] = [codeBuildBuild, codeBuildTest, manualApproval, lambdaInvoke];
