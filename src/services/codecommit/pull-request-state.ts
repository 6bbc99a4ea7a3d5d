/**
 * What every pull request operation shares: loading the pull request a request names (authorized,
 * brought up to its branches), checking its state, saving changes onto the row as stored now,
 * evaluating its approval rules, and its API shapes.
 */
import type * as CC from '@aws-sdk/client-codecommit';
import type { RequestContext } from '../../protocol/types.js';
import { parseApprovalRuleContent, ruleSatisfied } from './approval-rules.js';
import { type ReviewContext, scopeOf } from './common.js';
import { checkPullRequestId, closed, notCurrent, notFound } from './pull-request-checks.js';
import { addEvent, mergeMetadata, publishPullRequestChange } from './pull-request-events.js';
import type { ApprovalRuleRow, PullRequestRow } from './pull-request-store.js';
import { caughtUp } from './pull-request-sync.js';
import type { RepositoryRow } from './store.js';

export function renderRule(rule: ApprovalRuleRow): CC.ApprovalRule {
  const out: CC.ApprovalRule = {
    approvalRuleId: rule.rule_id,
    approvalRuleName: rule.name,
    approvalRuleContent: rule.content,
    ruleContentSha256: rule.content_sha256,
    lastModifiedDate: new Date(rule.modified_at),
    creationDate: new Date(rule.created_at),
    lastModifiedUser: rule.last_modified_user,
  };
  if (rule.template_id) out.originApprovalRuleTemplate = { approvalRuleTemplateId: rule.template_id, approvalRuleTemplateName: rule.template_name ?? undefined };
  return out;
}

/** A pull request as CodeCommit's `PullRequest` shape (its repository named as it is now). */
export function render(c: ReviewContext, row: PullRequestRow): CC.PullRequest {
  const target: CC.PullRequestTarget = {
    repositoryName: c.store.repositoryById(row.repository_id)?.name ?? row.repository_name,
    sourceReference: row.source_ref,
    destinationReference: row.destination_ref,
    destinationCommit: row.destination_commit,
    sourceCommit: row.source_commit,
    mergeMetadata: mergeMetadata(row),
  };
  if (row.merge_base) target.mergeBase = row.merge_base;
  const out: CC.PullRequest = {
    pullRequestId: row.id,
    title: row.title,
    lastActivityDate: new Date(row.modified_at),
    creationDate: new Date(row.created_at),
    pullRequestStatus: row.status,
    authorArn: row.author_arn,
    pullRequestTargets: [target],
    revisionId: row.revision_id,
    approvalRules: c.pullRequests.approvalRules(row, row.id).map(renderRule),
  };
  if (row.description !== null) out.description = row.description;
  if (row.client_request_token) out.clientRequestToken = row.client_request_token;
  return out;
}

/**
 * The pull request a request names, brought up to its branches (the caller was authorized on its
 * repository before the handler ran). A pull request goes with its repository: once the repository
 * is deleted, the pull request no longer exists.
 */
export async function loadPullRequest(c: ReviewContext, ctx: RequestContext, rawId: unknown): Promise<{ row: PullRequestRow; repo: RepositoryRow }> {
  const id = checkPullRequestId(rawId);
  const found = c.pullRequests.getPullRequest(scopeOf(ctx), id);
  if (!found) throw notFound(id);
  const current = c.store.repositoryById(found.repository_id);
  if (!current) throw notFound(id);
  await caughtUp(c, found.repository_id);
  const row = c.pullRequests.getPullRequest(scopeOf(ctx), id)!;
  return { row, repo: c.store.repositoryById(row.repository_id) ?? current };
}

/** The approval rules of the pull request's current revision, judged on its approvals. */
export function evaluate(c: ReviewContext, row: PullRequestRow): CC.Evaluation {
  const prs = c.pullRequests;
  const approvers = prs
    .approvals(row, row.id, row.revision_id)
    .filter((a) => a.state === 'APPROVE')
    .map((a) => a.user_arn);
  const satisfied: string[] = [];
  const notSatisfied: string[] = [];
  for (const rule of prs.approvalRules(row, row.id)) {
    (ruleSatisfied(parseApprovalRuleContent(rule.content), approvers) ? satisfied : notSatisfied).push(rule.name);
  }
  return {
    approved: notSatisfied.length === 0,
    overridden: prs.override(row, row.id, row.revision_id) !== undefined,
    approvalRulesSatisfied: satisfied,
    approvalRulesNotSatisfied: notSatisfied,
  };
}

export function requireOpen(row: PullRequestRow): void {
  if (row.status !== 'OPEN') throw closed();
}

/** Inside a transaction: the pull request, as stored now, is open and at `revisionId`. */
export function requireCurrent(c: ReviewContext, row: PullRequestRow, revisionId: string): void {
  const now = c.pullRequests.getPullRequest(row, row.id)!;
  requireOpen(now);
  if (revisionId !== now.revision_id) throw notCurrent();
}

/**
 * Saves a change to a pull request's own fields (title, status, merge …) inside a transaction,
 * onto the row as stored now: a refresh may have given it a new revision since it was read.
 */
export function touch(c: ReviewContext, row: PullRequestRow, changes: Partial<PullRequestRow>): PullRequestRow {
  const updated = { ...c.pullRequests.getPullRequest(row, row.id)!, ...changes, modified_at: c.rt.clock.now() };
  c.pullRequests.updatePullRequest(updated);
  return updated;
}

/** A change of a pull request: its fields, its DescribePullRequestEvents record and its published event. */
interface PullRequestChange {
  fields?: Partial<PullRequestRow>;
  type: string;
  metadata: Record<string, unknown>;
  event: string;
  extra?: Record<string, unknown>;
}

/** Inside a transaction: saves the change onto the pull request as stored now, records it and publishes it. */
export function recordChange(c: ReviewContext, row: PullRequestRow, repo: RepositoryRow, caller: string, change: PullRequestChange): PullRequestRow {
  const next = touch(c, row, change.fields ?? {});
  addEvent(c, next, change.type, caller, change.metadata);
  publishPullRequestChange(c, next, repo, change.event, caller, change.extra);
  return next;
}
