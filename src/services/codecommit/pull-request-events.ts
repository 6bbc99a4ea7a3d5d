/**
 * The records a pull request change leaves: its DescribePullRequestEvents rows and AWS's
 * "CodeCommit Pull Request State Change" event, published inside the change's transaction (so a
 * durable delivery is written with the change, or not at all).
 */
import type * as CC from '@aws-sdk/client-codecommit';
import { eventDate, publishRepositoryEvent, type ReviewContext } from './common.js';
import type { PullRequestEventRow, PullRequestRow } from './pull-request-store.js';
import type { RepositoryRow } from './store.js';

/** Inside a transaction: a DescribePullRequestEvents record of the pull request. */
export function addEvent(c: ReviewContext, row: PullRequestRow, type: string, actor: string, metadata: Record<string, unknown>): void {
  const event: PullRequestEventRow = {
    account: row.account,
    region: row.region,
    pull_request_id: row.id,
    event_type: type,
    actor_arn: actor,
    event_date: c.rt.clock.now(),
    metadata: JSON.stringify(metadata),
  };
  c.pullRequests.addEvent(event);
}

export function mergeMetadata(row: PullRequestRow): CC.MergeMetadata {
  const metadata: CC.MergeMetadata = { isMerged: row.is_merged === 1 };
  if (row.merged_by) metadata.mergedBy = row.merged_by;
  if (row.merge_commit_id) metadata.mergeCommitId = row.merge_commit_id;
  if (row.merge_option) metadata.mergeOption = row.merge_option as CC.MergeOptionTypeEnum;
  return metadata;
}

/** Inside a transaction: the records of a pull request that was merged (and so closed). */
export function recordMerged(c: ReviewContext, row: PullRequestRow, repo: RepositoryRow, actor: string): void {
  addEvent(c, row, 'PULL_REQUEST_MERGE_STATE_CHANGED', actor, {
    pullRequestMergedStateChangedEventMetadata: { repositoryName: repo.name, destinationReference: row.destination_ref, mergeMetadata: mergeMetadata(row) },
  });
  addEvent(c, row, 'PULL_REQUEST_STATUS_CHANGED', actor, { pullRequestStatusChangedEventMetadata: { pullRequestStatus: 'CLOSED' } });
}

const consoleUrl = (row: PullRequestRow, name: string) => `https://${row.region}.console.aws.amazon.com/codesuite/codecommit/repositories/${name}/pull-requests/${row.id}?region=${row.region}`;

/** The notificationBody texts of AWS's published example events, word for word. */
function notificationBody(row: PullRequestRow, name: string, event: string, caller: string, extra: Record<string, unknown>): string {
  const repository = `A pull request event occurred in the following AWS CodeCommit repository: ${name}.`;
  const head = `${repository} User: ${caller}.`;
  const tail = `For more information, go to the AWS CodeCommit console ${consoleUrl(row, name)}`;
  const branch = row.source_ref.replace(/^refs\/heads\//, '');
  switch (event) {
    case 'pullRequestCreated':
      return `${head} Event: Created. The pull request was created with the following information: Pull Request ID as ${row.id} and title as ${row.title}. ${tail.replace(/\?region=.*$/, '')}`;
    case 'pullRequestSourceBranchUpdated':
      return `${head} Event: Updated.  The user updated the following pull request: ${row.id}. The pull request was updated with one or more commits to the source branch: ${branch}. ${tail}`;
    case 'pullRequestStatusChanged':
      return `${repository} ${caller} updated the following PullRequest ${row.id}. The pull request status has been updated. The status is ${row.status === 'OPEN' ? 'open' : 'closed'}. ${tail}`;
    case 'pullRequestMergeStatusUpdated':
      return `${repository} ${caller} updated the following PullRequest ${row.id}. The pull request merge status has been updated. The status is merged. ${tail}`;
    case 'pullRequestApprovalRuleCreated':
      return `${head} Event: Updated. Pull request: ${row.id}. Additional information: An approval rule has been created with the following name: ${String(extra.approvalRuleName)}. ${tail}`;
    case 'pullRequestApprovalRuleUpdated':
      return `${head} Event: Updated. Pull request name: ${row.id}. The content of an approval rule has been updated for the pull request. The name of the updated rule is: ${String(extra.approvalRuleName)}. ${tail}`;
    case 'pullRequestApprovalRuleDeleted':
      // "Created" is what AWS's example event for a deletion says.
      return `${head} Event: Created. Pull request: ${row.id}. Additional information: An approval rule has been deleted: ${String(extra.approvalRuleName)} was deleted. ${tail}`;
    case 'pullRequestApprovalRuleOverridden':
      return `${head} Event: Updated. Pull request name: ${row.id}. Additional information: An override event has occurred for the approval rules for this pull request. Override status: ${String(extra.overrideStatus)}. ${tail}`;
    default:
      return `${head} Event: Updated. Pull request name: ${row.id}. Additional information: A user has changed their approval state for the pull request. State change: ${String(extra.approvalStatus)}. ${tail}`;
  }
}

/** Publishes "CodeCommit Pull Request State Change" with AWS's detail members; called inside the change's transaction. */
export function publishPullRequestChange(
  c: ReviewContext,
  row: PullRequestRow,
  repo: Pick<RepositoryRow, 'account' | 'region' | 'name'>,
  event: string,
  caller: string,
  extra: Record<string, unknown> = {},
): void {
  const detail: Record<string, unknown> = {
    author: row.author_arn,
    callerUserArn: caller,
    creationDate: eventDate(row.created_at),
  };
  if (row.description !== null) detail.description = row.description;
  Object.assign(detail, {
    destinationCommit: row.destination_commit,
    destinationReference: row.destination_ref,
    event,
    isMerged: row.is_merged ? 'True' : 'False',
    lastModifiedDate: eventDate(row.modified_at),
  });
  if (row.is_merged && row.merge_option) detail.mergeOption = row.merge_option;
  Object.assign(detail, extra, {
    notificationBody: notificationBody(row, repo.name, event, caller, extra),
    pullRequestId: row.id,
    pullRequestStatus: row.status === 'OPEN' ? 'Open' : 'Closed',
    repositoryNames: [repo.name],
    revisionId: row.revision_id,
    sourceCommit: row.source_commit,
    sourceReference: row.source_ref,
    title: row.title,
  });
  publishRepositoryEvent(c, 'CodeCommit Pull Request State Change', repo, detail);
}
