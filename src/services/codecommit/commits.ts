/** CodeCommit operations: commits. */
import type { Handlers } from '../../protocol/types.js';
import type { CodeCommitContext } from './common.js';

export function commitsHandlers(_c: CodeCommitContext): Handlers {
  return {};
}
