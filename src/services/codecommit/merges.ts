/** CodeCommit operations: merges. */
import type { Handlers } from '../../protocol/types.js';
import type { CodeCommitContext } from './common.js';

export function mergesHandlers(_c: CodeCommitContext): Handlers {
  return {};
}
