/**
 * CodeBuild: projects, and builds that really run their buildspec in a sandbox (bubblewrap when
 * installed), with phases, logs to CloudWatch Logs, artifacts and cache in S3, reports and events.
 *
 * Gaps against AWS:
 * - (filled in as the areas land)
 */
import { loadModel } from '../../protocol/model.js';
import type { ServiceDefinition } from '../../protocol/types.js';
import type { CodeBuildContext } from './common.js';
import { projectsHandlers } from './projects.js';
import { reportsHandlers } from './reports.js';
import { buildsService } from './builds.js';
import { batchesHandlers } from './batches.js';

export const codebuild: ServiceDefinition = {
  name: 'codebuild',
  model: loadModel('codebuild'),
  validationError: 'InvalidInputException',
  create(rt) {
    const c: CodeBuildContext = { rt };
    const builds = buildsService(c);
    return { handlers: { ...projectsHandlers(c), ...reportsHandlers(c), ...builds.handlers, ...batchesHandlers(c, builds.starter) }, stop: () => builds.runner.close() };
  },
};
