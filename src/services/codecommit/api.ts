/**
 * CodeCommit's public interface for other services: CloudFormation creates repositories with
 * initial code; CodeBuild and CodePipeline check out source from the bare repositories.
 */
import type { Scope } from '../../core/accounts.js';
import type { CodeCommitContext } from './common.js';
import { gitRepository, resolveCommit } from './common.js';
import { type CodeCommitRepositoriesApi, repositoriesApi } from './repositories.js';

export interface CodeCommitApi extends CodeCommitRepositoriesApi {
  /**
   * Where a repository's Git data is (a bare repository a build can `git clone` from) and the
   * commit a source version names (branch, `refs/...`, tag or commit id; default branch when
   * omitted); undefined when the repository does not exist. Throws CommitDoesNotExistException
   * when the version names no commit.
   */
  checkout(scope: Scope, repositoryName: string, version?: string): Promise<{ gitDir: string; commitId: string | undefined; defaultBranch?: string } | undefined>;
}

export function createCodeCommitApi(c: CodeCommitContext): CodeCommitApi {
  return {
    ...repositoriesApi(c),
    async checkout(scope, repositoryName, version) {
      const row = c.store.getRepository(scope.account, scope.region, repositoryName);
      if (!row) return undefined;
      const spec = version ?? row.default_branch ?? undefined;
      const commitId = spec ? await resolveCommit(c, row, spec) : undefined;
      return { gitDir: gitRepository(c, row).dir, commitId, defaultBranch: row.default_branch ?? undefined };
    },
  };
}
