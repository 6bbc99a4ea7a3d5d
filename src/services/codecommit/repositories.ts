/** CodeCommit operations: repositories. */
import type { Handlers } from '../../protocol/types.js';
import type { CodeCommitContext } from './common.js';

export function repositoriesHandlers(_c: CodeCommitContext): Handlers {
  return {};
}
