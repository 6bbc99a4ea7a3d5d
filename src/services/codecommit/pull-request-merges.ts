/**
 * CodeCommit operations: merging pull requests (MergePullRequestByFastForward/Squash/ThreeWay).
 * The merge is computed by the merge engine and moves the destination branch by compare-and-swap
 * under the repository lock; the pull request is then closed as merged, and the reference change
 * and the pull request change are published in that transaction.
 */
import type * as CC from '@aws-sdk/client-codecommit';
import { AwsError } from '../../core/errors.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { checkRepositoryName, gitRepository, publishReferenceChange, type ReviewContext, scopeOf } from './common.js';
import { type GitRepository, withRepositoryLock } from './git.js';
import { type ConflictDetailLevel, type ConflictResolutionStrategy, checkConflictDetailLevel, checkConflictResolutionStrategy, type MergeOption } from './merge-analysis.js';
import { type ConflictResolutionInput, computeMerge, type MergeResult } from './merge-engine.js';
import { checkPullRequestId } from './pull-request-checks.js';
import { publishPullRequestChange, recordMerged } from './pull-request-events.js';
import { evaluate, loadPullRequest, render, requireOpen, touch } from './pull-request-state.js';
import type { PullRequestRow } from './pull-request-store.js';
import { enqueueRefresh } from './pull-request-sync.js';
import type { RepositoryRow } from './store.js';

interface PullRequestMerge {
  option: MergeOption;
  conflictDetailLevel: ConflictDetailLevel;
  conflictResolutionStrategy: ConflictResolutionStrategy;
}

/**
 * Under the repository lock: the pull request as its branches are now, which must be at the tips
 * the request expects and have its approval rules satisfied (or overridden).
 */
async function mergeablePullRequest(c: ReviewContext, ctx: RequestContext, repo: RepositoryRow, id: string, git: GitRepository, expectedSource: string | undefined) {
  let row = c.pullRequests.getPullRequest(scopeOf(ctx), id)!;
  requireOpen(row);
  const source = await git.refCommit(row.source_ref);
  const destination = await git.refCommit(row.destination_ref);
  if (!source) throw new AwsError('ReferenceDoesNotExistException', `The source reference does not exist: ${row.source_ref}`);
  if (!destination) throw new AwsError('ReferenceDoesNotExistException', `The destination reference does not exist: ${row.destination_ref}`);
  if (expectedSource !== undefined && expectedSource !== source) {
    throw new AwsError('TipOfSourceReferenceIsDifferentException', `The tip of the source reference is different from the specified source commit ID: ${expectedSource}`);
  }
  if (source !== row.source_commit || destination !== row.destination_commit) {
    // A branch moved while this merge waited for the lock (another merge, a push): the pull
    // request takes the new revision first, and the approval rules are judged on that one.
    await enqueueRefresh(c, repo.id, ctx.principal.arn);
    row = c.pullRequests.getPullRequest(scopeOf(ctx), id)!;
    requireOpen(row);
    if (source !== row.source_commit || destination !== row.destination_commit) {
      throw new AwsError('ConcurrentReferenceUpdateException', 'The merge cannot be completed because the source or destination reference changed while the merge was in progress. Try again.');
    }
  }
  const evaluation = evaluate(c, row);
  if (!evaluation.approved && !evaluation.overridden) {
    throw new AwsError(
      'PullRequestApprovalRulesNotSatisfiedException',
      `The pull request cannot be merged because one or more approval rules applied to the pull request have conditions that have not been met: ${evaluation.approvalRulesNotSatisfied!.join(', ')}`,
    );
  }
  return { row, source, destination };
}

/**
 * Closes the pull request as merged and publishes the destination's reference change (when the
 * merge moved it) and the pull request change, in one transaction. The destination branch already
 * moved in git: if Drydock stops before this transaction commits, the next refresh brings the pull
 * request to the moved destination (closing it as merged when its source became reachable, as
 * fast-forward and three-way merges make it) and the reference event is lost, as for a push (http.ts).
 */
function recordPullRequestMerge(
  c: ReviewContext,
  ctx: RequestContext,
  repo: RepositoryRow,
  merge: PullRequestMerge,
  tips: { row: PullRequestRow; source: string; destination: string },
  result: MergeResult,
): PullRequestRow {
  const { row, source, destination } = tips;
  const { option } = merge;
  const moved = result.commitId !== destination;
  const caller = ctx.principal.arn;
  return c.pullRequests.tx(() => {
    const updated = touch(c, row, {
      repository_name: repo.name,
      status: 'CLOSED',
      is_merged: 1,
      merged_by: caller,
      merge_commit_id: result.commitId,
      merge_option: option,
      destination_commit: moved ? result.commitId : destination,
    });
    recordMerged(c, updated, repo, caller);
    if (moved) {
      const extra: Record<string, unknown> = { sourceCommitId: source, destinationCommitId: destination, mergeOption: option };
      if (result.baseCommitId) extra.baseCommitId = result.baseCommitId;
      if (option !== 'FAST_FORWARD_MERGE') {
        extra.conflictDetailsLevel = merge.conflictDetailLevel;
        extra.conflictResolutionStrategy = merge.conflictResolutionStrategy;
      }
      publishReferenceChange(c, repo, { event: 'referenceUpdated', refName: row.destination_ref, commitId: result.commitId, oldCommitId: destination, callerUserArn: caller, extra });
    }
    publishPullRequestChange(c, updated, repo, 'pullRequestMergeStatusUpdated', caller);
    return updated;
  });
}

async function mergePullRequest(c: ReviewContext, input: CC.MergePullRequestBySquashInput, ctx: RequestContext, option: MergeOption): Promise<{ pullRequest: CC.PullRequest }> {
  checkPullRequestId(input.pullRequestId);
  const named = checkRepositoryName(input.repositoryName);
  if (input.sourceCommitId !== undefined && (typeof input.sourceCommitId !== 'string' || !/^[0-9a-f]{40}$/.test(input.sourceCommitId))) {
    throw new AwsError('InvalidCommitIdException', `The specified commit ID is not valid: ${String(input.sourceCommitId)}`);
  }
  const merge: PullRequestMerge = {
    option,
    conflictDetailLevel: checkConflictDetailLevel(input.conflictDetailLevel),
    conflictResolutionStrategy: checkConflictResolutionStrategy(input.conflictResolutionStrategy),
  };
  const { row: found } = await loadPullRequest(c, ctx, input.pullRequestId);
  const repo = c.store.getRepository(ctx.account, ctx.region, named);
  if (!repo) throw new AwsError('RepositoryDoesNotExistException', `${named} does not exist`);
  if (repo.id !== found.repository_id) throw new AwsError('RepositoryNotAssociatedWithPullRequestException', `The repository ${named} is not associated with the pull request ${found.id}.`);
  requireOpen(found);
  // Any reference change not yet applied to the pull request is applied first, so the revision
  // (and the approvals it carries) is the one the branches are at.
  await enqueueRefresh(c, repo.id, ctx.principal.arn);
  return withRepositoryLock(repo.id, async () => {
    const git = gitRepository(c, repo);
    const tips = await mergeablePullRequest(c, ctx, repo, found.id, git, input.sourceCommitId);
    const result = await computeMerge({
      git,
      sourceCommitId: tips.source,
      destinationCommitId: tips.destination,
      option,
      conflictDetailLevel: merge.conflictDetailLevel,
      conflictResolutionStrategy: merge.conflictResolutionStrategy,
      conflictResolution: input.conflictResolution as ConflictResolutionInput | undefined,
      author: input.authorName !== undefined || input.email !== undefined ? { name: input.authorName ?? '', email: input.email ?? '' } : undefined,
      commitMessage: input.commitMessage,
      keepEmptyFolders: input.keepEmptyFolders,
      time: Math.floor(c.rt.clock.now() / 1000),
    });
    if (result.commitId !== tips.destination && !(await git.updateRef(tips.row.destination_ref, result.commitId, tips.destination))) {
      throw new AwsError('ConcurrentReferenceUpdateException', 'The merge cannot be completed because the destination reference changed while the merge was in progress. Try again.');
    }
    return { pullRequest: render(c, recordPullRequestMerge(c, ctx, repo, merge, tips, result)) };
  });
}

export function pullRequestMergesHandlers(c: ReviewContext): Handlers {
  return {
    MergePullRequestByFastForward(input: CC.MergePullRequestByFastForwardInput, ctx: RequestContext) {
      return mergePullRequest(c, input, ctx, 'FAST_FORWARD_MERGE');
    },

    MergePullRequestBySquash(input: CC.MergePullRequestBySquashInput, ctx: RequestContext) {
      return mergePullRequest(c, input, ctx, 'SQUASH_MERGE');
    },

    MergePullRequestByThreeWay(input: CC.MergePullRequestByThreeWayInput, ctx: RequestContext) {
      return mergePullRequest(c, input, ctx, 'THREE_WAY_MERGE');
    },
  };
}
