/** CodeBuild operations: projects. */
import type { Handlers } from '../../protocol/types.js';
import type { CodeBuildContext } from './common.js';

export function projectsHandlers(_c: CodeBuildContext): Handlers {
  return {};
}
