/**
 * Pull requests follow their branches: every reference change of a repository (from `git push` or
 * the API) gives its open pull requests whose source or destination tip moved a new revision
 * (approvals and overrides are per revision, as in AWS), and a pull request whose source tip
 * became reachable from its destination is marked merged and closed, as AWS does. Refreshes run
 * one at a time per repository, queued in `c.refreshes`.
 */
import type { AwsEvent } from '../../core/events.js';
import { gitRepository, type ReviewContext } from './common.js';
import type { GitRepository } from './git.js';
import { newRevisionId } from './pull-request-checks.js';
import { addEvent, publishPullRequestChange, recordMerged } from './pull-request-events.js';
import type { PullRequestRow } from './pull-request-store.js';
import type { RepositoryRow } from './store.js';

/** Queues a refresh of a repository's open pull requests after the refreshes already queued for it. */
export function enqueueRefresh(c: ReviewContext, repositoryId: string, callerUserArn: string): Promise<void> {
  const { queued } = c.refreshes;
  const previous = queued.get(repositoryId) ?? Promise.resolve();
  const next = previous
    .then(() => refreshRepository(c, repositoryId, callerUserArn))
    .catch((err: unknown) => {
      c.rt.log.error({ err, repositoryId }, 'CodeCommit pull request refresh failed');
    });
  queued.set(repositoryId, next);
  void next.then(() => {
    if (queued.get(repositoryId) === next) queued.delete(repositoryId);
  });
  return next;
}

/**
 * Pull request reads wait for the refreshes already started, so a read after `git push` sees the
 * push. The first read of a repository's pull requests since start also checks its branches, in
 * case Drydock stopped between a reference change and its refresh (the change is then
 * attributed to the account's root, the pusher being unknown).
 */
export function caughtUp(c: ReviewContext, repositoryId: string): Promise<void> {
  if (!c.refreshes.checked.has(repositoryId)) {
    c.refreshes.checked.add(repositoryId);
    const repo = c.store.repositoryById(repositoryId);
    if (repo) return enqueueRefresh(c, repositoryId, `arn:aws:iam::${repo.account}:root`);
  }
  return c.refreshes.queued.get(repositoryId) ?? Promise.resolve();
}

/** Subscribes the refreshes to the reference changes of branches that open pull requests name. */
export function followReferenceChanges(c: ReviewContext): void {
  c.rt.events.subscribe((event: AwsEvent) => {
    if (event.source !== 'aws.codecommit' || event['detail-type'] !== 'CodeCommit Repository State Change') return;
    const detail = event.detail as { repositoryId?: string; referenceFullName?: string; callerUserArn?: string };
    if (!detail.repositoryId || !detail.referenceFullName?.startsWith('refs/heads/')) return;
    const ref = detail.referenceFullName;
    const affected = c.pullRequests.openPullRequestsOfRepository(detail.repositoryId).some((pr) => pr.source_ref === ref || pr.destination_ref === ref);
    if (affected) void enqueueRefresh(c, detail.repositoryId, detail.callerUserArn ?? `arn:aws:iam::${event.account}:root`);
  });
}

/** Brings every open pull request of a repository up to its branches' current tips. */
async function refreshRepository(c: ReviewContext, repositoryId: string, callerUserArn: string): Promise<void> {
  const repo = c.store.repositoryById(repositoryId);
  if (!repo) return;
  const git = gitRepository(c, repo);
  const tips = new Map<string, string | undefined>();
  const tip = async (ref: string) => {
    if (!tips.has(ref)) tips.set(ref, await git.refCommit(ref));
    return tips.get(ref);
  };
  for (const row of c.pullRequests.openPullRequestsOfRepository(repositoryId)) {
    const source = await tip(row.source_ref);
    const destination = await tip(row.destination_ref);
    // A deleted branch leaves the pull request at its last commits, as in AWS.
    if (!source || !destination) continue;
    if (source === row.source_commit && destination === row.destination_commit) continue;
    await moveToTips(c, git, repo, row, { source, destination }, callerUserArn);
  }
}

/** Gives a pull request whose branches moved its new revision (merged and closed when its source reached its destination). */
async function moveToTips(c: ReviewContext, git: GitRepository, repo: RepositoryRow, row: PullRequestRow, tips: { source: string; destination: string }, callerUserArn: string): Promise<void> {
  const { source, destination } = tips;
  const mergeBase = (await git.mergeBase(source, destination)) ?? null;
  const merged = await git.isAncestor(source, destination);
  const sourceMoved = source !== row.source_commit;
  const prs = c.pullRequests;
  prs.tx(() => {
    // Other requests may have changed the pull request while git ran: start from what is stored now.
    const current = prs.getPullRequest(row, row.id);
    if (current?.status !== 'OPEN' || current.source_commit !== row.source_commit || current.destination_commit !== row.destination_commit) return;
    const next: PullRequestRow = {
      ...current,
      repository_name: repo.name,
      source_commit: source,
      destination_commit: destination,
      merge_base: mergeBase,
      revision_id: newRevisionId(),
      modified_at: c.rt.clock.now(),
    };
    if (merged) Object.assign(next, { is_merged: 1, merged_by: callerUserArn, status: 'CLOSED' });
    prs.updatePullRequest(next);
    if (sourceMoved) {
      addEvent(c, next, 'PULL_REQUEST_SOURCE_REFERENCE_UPDATED', callerUserArn, {
        pullRequestSourceReferenceUpdatedEventMetadata: { repositoryName: repo.name, beforeCommitId: row.source_commit, afterCommitId: source, mergeBase: mergeBase ?? undefined },
      });
    }
    if (merged) recordMerged(c, next, repo, callerUserArn);
    if (sourceMoved) publishPullRequestChange(c, next, repo, 'pullRequestSourceBranchUpdated', callerUserArn);
    if (merged) publishPullRequestChange(c, next, repo, 'pullRequestMergeStatusUpdated', callerUserArn);
  });
}
