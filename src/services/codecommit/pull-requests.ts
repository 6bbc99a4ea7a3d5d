/** CodeCommit operations: pull-requests. */
import type { Handlers } from '../../protocol/types.js';
import type { CodeCommitContext } from './common.js';

export function pullRequestsHandlers(_c: CodeCommitContext): Handlers {
  return {};
}
