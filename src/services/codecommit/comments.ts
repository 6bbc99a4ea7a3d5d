/** CodeCommit operations: comments. */
import type { Handlers } from '../../protocol/types.js';
import type { CodeCommitContext } from './common.js';

export function commentsHandlers(_c: CodeCommitContext): Handlers {
  return {};
}
