/**
 * CodeCommit: real Git repositories (bare repositories under the data directory, served over Git
 * smart HTTP at `/v1/repos/<name>`) with the CodeCommit API on top, IAM-enforced for IAM users and
 * assumed roles, publishing AWS's events for every change.
 *
 * Gaps against AWS:
 * - (filled in as the areas land)
 */
import { loadModel } from '../../protocol/model.js';
import type { ServiceDefinition } from '../../protocol/types.js';
import { CodeCommitStore } from './store.js';
import type { CodeCommitContext } from './common.js';
import { repositoriesHandlers } from './repositories.js';
import { commitsHandlers } from './commits.js';
import { mergesHandlers } from './merges.js';
import { pullRequestsHandlers } from './pull-requests.js';
import { commentsHandlers } from './comments.js';
import { approvalRuleTemplatesHandlers } from './approval-rule-templates.js';
import { gitHttpHandler } from './http.js';
import { createCodeCommitApi } from './api.js';

export type { CodeCommitApi } from './api.js';

export const codecommit: ServiceDefinition = {
  name: 'codecommit',
  model: loadModel('codecommit'),
  // CodeCommit answers each bad member with its own exception (RepositoryNameRequiredException,
  // InvalidRepositoryNameException …), so handlers validate instead of the generic validator.
  validationError: false,
  httpPrefix: '/v1/repos/',
  create(rt) {
    const c: CodeCommitContext = { rt, store: new CodeCommitStore(rt.store) };
    return {
      handlers: { ...repositoriesHandlers(c), ...commitsHandlers(c), ...mergesHandlers(c), ...pullRequestsHandlers(c), ...commentsHandlers(c), ...approvalRuleTemplatesHandlers(c) },
      handleHttp: gitHttpHandler(c),
      api: createCodeCommitApi(c),
    };
  },
};
