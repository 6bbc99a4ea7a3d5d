/**
 * CodeCommit operations: branches (create, get, list, delete, the default branch), and the
 * default-branch bookkeeping every area relies on: the first branch a repository gets becomes its
 * default, and HEAD follows the default so `git clone` checks it out.
 */
import { spawnSync } from 'node:child_process';
import type * as CC from '@aws-sdk/client-codecommit';
import { AwsError } from '../../core/errors.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { type CodeCommitContext, checkBranchName, checkRepositoryName, gitRepository, publishReferenceChange, requireRepository } from './common.js';
import { gitEnv, withRepositoryLock, ZERO_ID } from './git.js';
import { keyToken, readKeyToken } from './paging.js';
import { updateRow } from './repositories.js';
import type { RepositoryRow } from './store.js';
import { REFERENCE_EVENT } from './triggers.js';

const BRANCHES_PAGE = 100;
/** Branches preferred as the new default when the default branch disappears (git push --delete). */
const PREFERRED_DEFAULTS = ['main', 'master'];
const DELETE_RETRIES = 5;

const branchNotExists = (name: string) => new AwsError('BranchDoesNotExistException', `Branch ${name} does not exist`);

/**
 * Points the bare repository's HEAD at the default branch so `git clone` checks it out.
 * Synchronous on purpose: it runs from the reference-event listener while a push or API call
 * publishes, and the very next clone must already see it.
 */
function pointHead(c: CodeCommitContext, row: RepositoryRow, branch: string): void {
  const result = spawnSync('git', ['--git-dir', gitRepository(c, row).dir, 'symbolic-ref', 'HEAD', `refs/heads/${branch}`], { env: gitEnv() });
  if (result.status !== 0) c.rt.log.warn({ repository: row.name, branch, stderr: result.stderr?.toString() }, 'CodeCommit could not point HEAD at the default branch');
}

function setDefaultBranch(c: CodeCommitContext, row: RepositoryRow, branch: string | null): RepositoryRow {
  const updated = updateRow(c, row, () => ({ default_branch: branch }));
  if (branch) pointHead(c, updated, branch);
  return updated;
}

/**
 * After the default branch disappeared (only `git push --delete` can do that; the API refuses),
 * another branch becomes the default (main, then master, then the first by name); with none left
 * the repository has no default until the next branch is created.
 */
async function replaceDeletedDefault(c: CodeCommitContext, repositoryId: string, deleted: string): Promise<void> {
  await withRepositoryLock(repositoryId, async () => {
    const row = c.store.repositoryById(repositoryId);
    if (!row || row.default_branch !== deleted) return;
    const git = gitRepository(c, row);
    if (await git.refCommit(`refs/heads/${deleted}`)) return;
    const branches = (await git.refs('refs/heads/')).map((ref) => ref.name.slice('refs/heads/'.length));
    setDefaultBranch(c, row, PREFERRED_DEFAULTS.find((name) => branches.includes(name)) ?? branches[0] ?? null);
  });
}

/**
 * The first branch a repository gets (by push or by API) becomes its default, as on AWS: every
 * reference change, wherever it comes from, publishes the state-change event this listens to.
 */
function trackDefaultBranch(c: CodeCommitContext): void {
  c.rt.events.subscribe((event) => {
    if (event.source !== 'aws.codecommit' || event['detail-type'] !== REFERENCE_EVENT) return;
    const detail = event.detail;
    if (detail.referenceType !== 'branch' || typeof detail.repositoryId !== 'string' || typeof detail.referenceName !== 'string') return;
    const row = c.store.repositoryById(detail.repositoryId);
    if (!row) return;
    if (detail.event === 'referenceCreated' && !row.default_branch) setDefaultBranch(c, row, detail.referenceName);
    else if (detail.event === 'referenceDeleted' && row.default_branch === detail.referenceName) {
      replaceDeletedDefault(c, row.id, detail.referenceName).catch((err: unknown) => c.rt.log.error({ err, repository: row.name }, 'CodeCommit could not choose a new default branch'));
    }
  });
}

/** Branch-request preamble: repository name, then branch name, then the repository. */
function branchRequest(c: CodeCommitContext, ctx: RequestContext, input: { repositoryName?: string; branchName?: string }) {
  checkRepositoryName(input.repositoryName);
  const branchName = checkBranchName(input.branchName);
  const ref = `refs/heads/${branchName}`;
  const row = requireRepository(c, ctx, input.repositoryName);
  return { row, branchName, ref, git: gitRepository(c, row) };
}

export function branchesHandlers(c: CodeCommitContext): Handlers {
  trackDefaultBranch(c);
  return {
    async UpdateDefaultBranch(input: CC.UpdateDefaultBranchInput, ctx: RequestContext): Promise<void> {
      checkRepositoryName(input.repositoryName);
      const branchName = checkBranchName(input.defaultBranchName);
      const row = requireRepository(c, ctx, input.repositoryName);
      await withRepositoryLock(row.id, async () => {
        if (!(await gitRepository(c, row).refCommit(`refs/heads/${branchName}`))) throw branchNotExists(branchName);
        setDefaultBranch(c, row, branchName);
      });
    },

    async CreateBranch(input: CC.CreateBranchInput, ctx: RequestContext): Promise<void> {
      checkRepositoryName(input.repositoryName);
      checkBranchName(input.branchName);
      if (!input.commitId) throw new AwsError('CommitIdRequiredException', 'A commit ID is required, but was not specified.');
      if (!/^[0-9a-f]{40}$/i.test(input.commitId)) throw new AwsError('InvalidCommitIdException', `The commit ID is not valid: ${input.commitId}`);
      const commitId = input.commitId.toLowerCase();
      const { row, branchName, ref, git } = branchRequest(c, ctx, input);
      await withRepositoryLock(row.id, async () => {
        if ((await git.objectType(commitId)) !== 'commit') throw new AwsError('CommitDoesNotExistException', `Could not find the specified commit: ${commitId}`);
        if (!(await git.updateRef(ref, commitId, ZERO_ID))) throw new AwsError('BranchNameExistsException', `Branch ${branchName} already exists`);
        // Published under the lock, before the answer: see publishReferenceChange for a stop in between.
        publishReferenceChange(c, row, { event: 'referenceCreated', refName: ref, commitId, callerUserArn: ctx.principal.arn });
      });
    },

    async GetBranch(input: CC.GetBranchInput, ctx: RequestContext): Promise<CC.GetBranchOutput> {
      const { branchName, ref, git } = branchRequest(c, ctx, input);
      const commitId = await git.refCommit(ref);
      if (!commitId) throw branchNotExists(branchName);
      return { branch: { branchName, commitId } };
    },

    async ListBranches(input: CC.ListBranchesInput, ctx: RequestContext): Promise<CC.ListBranchesOutput> {
      const row = requireRepository(c, ctx, input.repositoryName);
      const after = readKeyToken(input.nextToken);
      // for-each-ref sorts by refname byte order, which keeps pages stable across requests.
      const names = (await gitRepository(c, row).refs('refs/heads/')).map((ref) => ref.name.slice('refs/heads/'.length));
      const rest = after === undefined ? names : names.filter((name) => name > after);
      const page = rest.slice(0, BRANCHES_PAGE);
      return { branches: page, nextToken: rest.length > page.length ? keyToken(page[page.length - 1]) : undefined };
    },

    async DeleteBranch(input: CC.DeleteBranchInput, ctx: RequestContext): Promise<CC.DeleteBranchOutput> {
      const { row, branchName, ref, git } = branchRequest(c, ctx, input);
      return withRepositoryLock(row.id, async () => {
        if (c.store.repositoryById(row.id)?.default_branch === branchName) {
          throw new AwsError(
            'DefaultBranchCannotBeDeletedException',
            `The branch ${branchName} is the default branch for the repository and cannot be deleted. To delete this branch, you must first set another branch as the default branch.`,
          );
        }
        // Compare-and-swap against a concurrent push: re-read and retry if the branch moved meanwhile.
        for (let attempt = 0; attempt < DELETE_RETRIES; attempt++) {
          const commitId = await git.refCommit(ref);
          // AWS answers a branch that does not exist with an empty result, not an error.
          if (!commitId) return {};
          if (await git.deleteRef(ref, commitId)) {
            publishReferenceChange(c, row, { event: 'referenceDeleted', refName: ref, oldCommitId: commitId, callerUserArn: ctx.principal.arn });
            return { deletedBranch: { branchName, commitId } };
          }
        }
        throw new Error(`branch ${ref} kept moving while it was being deleted`);
      });
    },
  };
}
