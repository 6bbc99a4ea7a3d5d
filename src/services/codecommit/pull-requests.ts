/**
 * CodeCommit operations: pull requests, their events, approval rules, approvals, overrides and
 * merges. A pull request follows its branches: every reference change of its repository (from
 * `git push` or the API) gives open pull requests whose source or destination tip moved a new
 * revision (approvals and overrides are per revision, as in AWS), and a pull request whose source
 * tip became reachable from its destination is marked merged and closed, as AWS does.
 */
import { createHash } from 'node:crypto';
import type * as CC from '@aws-sdk/client-codecommit';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import type { AwsEvent } from '../../core/events.js';
import { AwsError } from '../../core/errors.js';
import { parseArn } from '../../core/arn.js';
import { hex, uuid } from '../../core/ids.js';
import type { RepositoryRow } from './store.js';
import {
  authorize,
  checkBranchName,
  checkRepositoryName,
  gitRepository,
  publishReferenceChange,
  repositoryArn,
  requireRepository,
  type CodeCommitContext,
} from './common.js';
import { withRepositoryLock } from './git.js';
import { PullRequestStore, type ApprovalRuleRow, type PullRequestEventRow, type PullRequestRow, type Scope } from './pull-request-store.js';
import { ApprovalRuleTemplateStore } from './template-store.js';
import { appliesToDestination, parseApprovalRuleContent, ruleSatisfied } from './approval-rules.js';
import { checkConflictDetailLevel, checkConflictResolutionStrategy, computeMerge, type ConflictResolutionInput, type MergeOption } from './merge-engine.js';

const MAX_TITLE = 150;
const MAX_DESCRIPTION = 10240;
const MAX_RULE_NAME = 100;
const MAX_RULE_CONTENT = 3000;
/** AWS quotas: open pull requests per repository, approval rules per pull request, approvals per revision. */
const MAX_OPEN_PULL_REQUESTS = 1000;
const MAX_APPROVAL_RULES = 25;
const MAX_APPROVALS = 200;
const MAX_PAGE = 100;

const EVENT_TYPES = [
  'PULL_REQUEST_CREATED',
  'PULL_REQUEST_STATUS_CHANGED',
  'PULL_REQUEST_SOURCE_REFERENCE_UPDATED',
  'PULL_REQUEST_MERGE_STATE_CHANGED',
  'PULL_REQUEST_APPROVAL_RULE_CREATED',
  'PULL_REQUEST_APPROVAL_RULE_UPDATED',
  'PULL_REQUEST_APPROVAL_RULE_DELETED',
  'PULL_REQUEST_APPROVAL_RULE_OVERRIDDEN',
  'PULL_REQUEST_APPROVAL_STATE_CHANGED',
];

const scopeOf = (ctx: RequestContext): Scope => ({ account: ctx.account, region: ctx.region });

const notFound = (id: string) => new AwsError('PullRequestDoesNotExistException', `The pull request ID could not be found. Make sure that you have specified the correct repository name and pull request ID, and then try again. ID: ${id}`);
const closed = () => new AwsError('PullRequestAlreadyClosedException', 'The pull request status cannot be updated because it is already closed.');
const notCurrent = () => new AwsError('RevisionNotCurrentException', 'The revision ID provided in the request does not match the current revision ID. Use GetPullRequest to retrieve the current revision ID.');

function checkPullRequestId(id: unknown): string {
  if (id === undefined || id === null || id === '') throw new AwsError('PullRequestIdRequiredException', 'A pull request ID is required, but none was provided.');
  if (typeof id !== 'string' || !/^[1-9]\d{0,18}$/.test(id)) throw new AwsError('InvalidPullRequestIdException', `The pull request ID is not valid. Make sure that you have provided the full ID and that the pull request is in the specified repository, and then try again. ID: ${String(id)}`);
  return id;
}

function checkRevisionId(id: unknown): string {
  if (id === undefined || id === null || id === '') throw new AwsError('RevisionIdRequiredException', 'A revision ID is required, but was not provided.');
  if (typeof id !== 'string' || !/^[0-9a-f]{64}$/.test(id)) throw new AwsError('InvalidRevisionIdException', 'The revision ID is not valid. Use GetPullRequest to determine the value.');
  return id;
}

function checkTitle(title: unknown): string {
  if (typeof title !== 'string' || title.trim() === '') {
    if (title === undefined || title === null || typeof title === 'string') throw new AwsError('TitleRequiredException', 'A pull request title is required. It cannot be empty or null.');
    throw new AwsError('InvalidTitleException', 'The title of the pull request is not valid.');
  }
  if (title.length > MAX_TITLE) throw new AwsError('InvalidTitleException', `The title of the pull request is not valid. Pull request titles cannot exceed ${MAX_TITLE} characters.`);
  return title;
}

function checkDescription(description: unknown): string | undefined {
  if (description === undefined || description === null) return undefined;
  if (typeof description !== 'string' || description.length > MAX_DESCRIPTION) {
    throw new AwsError('InvalidDescriptionException', `The pull request description is not valid. Descriptions cannot be more than ${MAX_DESCRIPTION} characters.`);
  }
  return description;
}

/** A branch reference as pull requests take it (`main` or `refs/heads/main`), as its full name. */
function checkBranchReference(reference: unknown): string {
  if (reference === undefined || reference === null || reference === '') throw new AwsError('ReferenceNameRequiredException', 'A reference name is required, but none was provided.');
  if (typeof reference !== 'string') throw new AwsError('InvalidReferenceNameException', 'The specified reference name format is not valid.');
  if (reference.startsWith('refs/') && !reference.startsWith('refs/heads/')) {
    throw new AwsError('ReferenceTypeNotSupportedException', `The specified reference is not a supported type. Only branches are supported: ${reference}`);
  }
  const branch = reference.startsWith('refs/heads/') ? reference.slice('refs/heads/'.length) : reference;
  checkBranchName(branch, 'ReferenceNameRequiredException', 'InvalidReferenceNameException');
  return `refs/heads/${branch}`;
}

function checkApprovalRuleName(name: unknown): string {
  if (name === undefined || name === null || name === '') throw new AwsError('ApprovalRuleNameRequiredException', 'An approval rule name is required, but was not specified.');
  if (typeof name !== 'string' || name.length > MAX_RULE_NAME) throw new AwsError('InvalidApprovalRuleNameException', `The name for the approval rule is not valid. Approval rule names must be between 1 and ${MAX_RULE_NAME} characters.`);
  return name;
}

function checkApprovalRuleContent(content: unknown): string {
  if (content === undefined || content === null || content === '') throw new AwsError('ApprovalRuleContentRequiredException', 'The content for the approval rule is empty. You must provide some content for an approval rule. The content cannot be null.');
  if (typeof content !== 'string' || content.length > MAX_RULE_CONTENT) throw new AwsError('InvalidApprovalRuleContentException', `The content for the approval rule is not valid. It cannot exceed ${MAX_RULE_CONTENT} characters.`);
  parseApprovalRuleContent(content);
  return content;
}

function checkMaxResults(value: unknown, max: number): number {
  if (value === undefined || value === null) return max;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new AwsError('InvalidMaxResultsException', 'The specified number of maximum results is not valid.');
  }
  return value;
}

/** Opaque continuation tokens: a position, base64-encoded, rejected when they do not decode to one. */
const encodeToken = (position: number): string => Buffer.from(JSON.stringify({ p: position })).toString('base64');
function decodeToken(token: unknown): number {
  if (token === undefined || token === null || token === '') return 0;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(String(token), 'base64').toString('utf8'));
    const position = (parsed as { p?: unknown }).p;
    if (typeof position === 'number' && Number.isInteger(position) && position >= 0) return position;
  } catch {
    // fall through to the AWS error
  }
  throw new AwsError('InvalidContinuationTokenException', 'The specified continuation token is not valid.');
}

/** Java's Date.toString() in UTC, which CodeCommit's events use for dates ("Wed Nov 06 19:10:58 UTC 2019"). */
function eventDate(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

const newRevisionId = (): string => hex(32);
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export function pullRequestsHandlers(c: CodeCommitContext): Handlers {
  const prs = new PullRequestStore(c.rt.store);
  const templates = new ApprovalRuleTemplateStore(c.rt.store);

  /** Per repository, the tail of the queue of pull request refreshes that reference changes started. */
  const refreshes = new Map<string, Promise<void>>();
  function enqueueRefresh(repositoryId: string, callerUserArn: string): Promise<void> {
    const previous = refreshes.get(repositoryId) ?? Promise.resolve();
    const next = previous.then(() => refreshRepository(repositoryId, callerUserArn)).catch((err: unknown) => {
      c.rt.log.error({ err, repositoryId }, 'CodeCommit pull request refresh failed');
    });
    refreshes.set(repositoryId, next);
    void next.then(() => {
      if (refreshes.get(repositoryId) === next) refreshes.delete(repositoryId);
    });
    return next;
  }
  /**
   * Pull request reads wait for the refreshes already started, so a read after `git push` sees the
   * push. The first read of a repository's pull requests since start also checks its branches, in
   * case Drydock stopped between a reference change and its refresh (the change is then
   * attributed to the account's root, the pusher being unknown).
   */
  const checkedSinceStart = new Set<string>();
  function caughtUp(repositoryId: string): Promise<void> {
    if (!checkedSinceStart.has(repositoryId)) {
      checkedSinceStart.add(repositoryId);
      const repo = c.store.repositoryById(repositoryId);
      if (repo) return enqueueRefresh(repositoryId, `arn:aws:iam::${repo.account}:root`);
    }
    return refreshes.get(repositoryId) ?? Promise.resolve();
  }

  c.rt.events.subscribe((event: AwsEvent) => {
    if (event.source !== 'aws.codecommit' || event['detail-type'] !== 'CodeCommit Repository State Change') return;
    const detail = event.detail as { repositoryId?: string; referenceFullName?: string; callerUserArn?: string };
    if (!detail.repositoryId || !detail.referenceFullName?.startsWith('refs/heads/')) return;
    const ref = detail.referenceFullName;
    const affected = prs.openPullRequestsOfRepository(detail.repositoryId).some((pr) => pr.source_ref === ref || pr.destination_ref === ref);
    if (affected) void enqueueRefresh(detail.repositoryId, detail.callerUserArn ?? `arn:aws:iam::${event.account}:root`);
  });

  /** Brings every open pull request of a repository up to its branches' current tips. */
  async function refreshRepository(repositoryId: string, callerUserArn: string): Promise<void> {
    const repo = c.store.repositoryById(repositoryId);
    if (!repo) return;
    const git = gitRepository(c, repo);
    const tips = new Map<string, string | undefined>();
    const tip = async (ref: string) => {
      if (!tips.has(ref)) tips.set(ref, await git.refCommit(ref));
      return tips.get(ref);
    };
    for (const row of prs.openPullRequestsOfRepository(repositoryId)) {
      const source = await tip(row.source_ref);
      const destination = await tip(row.destination_ref);
      // A deleted branch leaves the pull request at its last commits, as in AWS.
      if (!source || !destination) continue;
      if (source === row.source_commit && destination === row.destination_commit) continue;
      const mergeBase = (await git.mergeBase(source, destination)) ?? null;
      const merged = await git.isAncestor(source, destination);
      const sourceMoved = source !== row.source_commit;
      const updated = prs.tx(() => {
        // Other requests may have changed the pull request while git ran: start from what is stored now.
        const current = prs.getPullRequest(row, row.id);
        if (!current || current.status !== 'OPEN' || current.source_commit !== row.source_commit || current.destination_commit !== row.destination_commit) return undefined;
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
          addEvent(next, 'PULL_REQUEST_SOURCE_REFERENCE_UPDATED', callerUserArn, {
            pullRequestSourceReferenceUpdatedEventMetadata: { repositoryName: repo.name, beforeCommitId: row.source_commit, afterCommitId: source, mergeBase: mergeBase ?? undefined },
          });
        }
        if (merged) recordMerged(next, repo, callerUserArn);
        return next;
      });
      if (!updated) continue;
      if (sourceMoved) publish(updated, repo, 'pullRequestSourceBranchUpdated', callerUserArn);
      if (merged) publish(updated, repo, 'pullRequestMergeStatusUpdated', callerUserArn);
    }
  }

  function addEvent(row: PullRequestRow, type: string, actor: string, metadata: Record<string, unknown>): void {
    const event: PullRequestEventRow = {
      account: row.account, region: row.region, pull_request_id: row.id, event_type: type, actor_arn: actor,
      event_date: c.rt.clock.now(), metadata: JSON.stringify(metadata),
    };
    prs.addEvent(event);
  }

  function recordMerged(row: PullRequestRow, repo: RepositoryRow, actor: string): void {
    addEvent(row, 'PULL_REQUEST_MERGE_STATE_CHANGED', actor, {
      pullRequestMergedStateChangedEventMetadata: { repositoryName: repo.name, destinationReference: row.destination_ref, mergeMetadata: mergeMetadata(row) },
    });
    addEvent(row, 'PULL_REQUEST_STATUS_CHANGED', actor, { pullRequestStatusChangedEventMetadata: { pullRequestStatus: 'CLOSED' } });
  }

  const consoleUrl = (row: PullRequestRow, name: string) =>
    `https://${row.region}.console.aws.amazon.com/codesuite/codecommit/repositories/${name}/pull-requests/${row.id}?region=${row.region}`;

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

  /** Publishes "CodeCommit Pull Request State Change" with AWS's detail members. */
  function publish(row: PullRequestRow, repo: Pick<RepositoryRow, 'account' | 'region' | 'name'>, event: string, caller: string, extra: Record<string, unknown> = {}): void {
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
    c.rt.events.publish({
      source: 'aws.codecommit',
      'detail-type': 'CodeCommit Pull Request State Change',
      account: row.account,
      region: row.region,
      resources: [repositoryArn(repo)],
      detail,
    });
  }

  function mergeMetadata(row: PullRequestRow): CC.MergeMetadata {
    const metadata: CC.MergeMetadata = { isMerged: row.is_merged === 1 };
    if (row.merged_by) metadata.mergedBy = row.merged_by;
    if (row.merge_commit_id) metadata.mergeCommitId = row.merge_commit_id;
    if (row.merge_option) metadata.mergeOption = row.merge_option as CC.MergeOptionTypeEnum;
    return metadata;
  }

  function renderRule(rule: ApprovalRuleRow): CC.ApprovalRule {
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

  function repositoryName(row: PullRequestRow): string {
    return c.store.repositoryById(row.repository_id)?.name ?? row.repository_name;
  }

  function render(row: PullRequestRow): CC.PullRequest {
    const target: CC.PullRequestTarget = {
      repositoryName: repositoryName(row),
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
      approvalRules: prs.approvalRules(row, row.id).map(renderRule),
    };
    if (row.description !== null) out.description = row.description;
    if (row.client_request_token) out.clientRequestToken = row.client_request_token;
    return out;
  }

  /**
   * The pull request a request names, brought up to its branches, with the caller authorized for
   * the operation on its repository (`references` for merges). A pull request goes with its
   * repository: once the repository is deleted, the pull request no longer exists.
   */
  async function loadPullRequest(ctx: RequestContext, rawId: unknown, references?: (row: PullRequestRow) => string[]): Promise<{ row: PullRequestRow; repo: RepositoryRow }> {
    const id = checkPullRequestId(rawId);
    const found = prs.getPullRequest(scopeOf(ctx), id);
    if (!found) throw notFound(id);
    const current = c.store.repositoryById(found.repository_id);
    authorize(c, ctx.principal, ctx.region, ctx.operation, repositoryArn({ account: found.account, region: found.region, name: current?.name ?? found.repository_name }), references?.(found));
    if (!current) throw notFound(id);
    await caughtUp(found.repository_id);
    const row = prs.getPullRequest(scopeOf(ctx), id)!;
    return { row, repo: c.store.repositoryById(row.repository_id) ?? current };
  }

  function evaluate(row: PullRequestRow): CC.Evaluation {
    const approvers = prs.approvals(row, row.id, row.revision_id).filter((a) => a.state === 'APPROVE').map((a) => a.user_arn);
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

  /** Checks an ARN filter (authorArn, actorArn) the way CodeCommit does: well formed, and naming an identity that exists. */
  function checkIdentityArn(value: unknown, invalidError: string, missingError: string): string | undefined {
    if (value === undefined || value === null || value === '') return undefined;
    const parts = typeof value === 'string' ? parseArn(value) : undefined;
    if (!parts || (parts.service !== 'iam' && parts.service !== 'sts') || !/^\d{12}$/.test(parts.account)) {
      throw new AwsError(invalidError, `The Amazon Resource Name (ARN) is not valid: ${String(value)}`);
    }
    const [kind, ...rest] = parts.resource.split('/');
    const iam = c.rt.api('iam');
    const exists =
      parts.resource === 'root' ||
      (kind === 'user' && rest.length > 0 && iam.getUser(parts.account, rest[rest.length - 1]) !== undefined) ||
      (kind === 'assumed-role' && rest.length === 2 && iam.getRole(parts.account, rest[0]) !== undefined) ||
      kind === 'federated-user';
    if (!exists) throw new AwsError(missingError, `The specified Amazon Resource Name (ARN) does not exist in the AWS account: ${String(value)}`);
    return value as string;
  }

  function requireOpen(row: PullRequestRow): void {
    if (row.status !== 'OPEN') throw closed();
  }

  /** Inside a transaction: the pull request, as stored now, is open and at `revisionId`. */
  function requireCurrent(row: PullRequestRow, revisionId: string): void {
    const now = prs.getPullRequest(row, row.id)!;
    requireOpen(now);
    if (revisionId !== now.revision_id) throw notCurrent();
  }

  /**
   * Saves a change to a pull request's own fields (title, status, merge …) inside a transaction,
   * onto the row as stored now: a refresh may have given it a new revision since it was read.
   */
  function touch(row: PullRequestRow, changes: Partial<PullRequestRow>): PullRequestRow {
    const updated = { ...prs.getPullRequest(row, row.id)!, ...changes, modified_at: c.rt.clock.now() };
    prs.updatePullRequest(updated);
    return updated;
  }

  async function merge(input: CC.MergePullRequestBySquashInput, ctx: RequestContext, option: MergeOption): Promise<{ pullRequest: CC.PullRequest }> {
    checkPullRequestId(input.pullRequestId);
    const named = checkRepositoryName(input.repositoryName);
    if (input.sourceCommitId !== undefined && (typeof input.sourceCommitId !== 'string' || !/^[0-9a-f]{40}$/.test(input.sourceCommitId))) {
      throw new AwsError('InvalidCommitIdException', `The specified commit ID is not valid: ${String(input.sourceCommitId)}`);
    }
    const conflictDetailLevel = checkConflictDetailLevel(input.conflictDetailLevel);
    const conflictResolutionStrategy = checkConflictResolutionStrategy(input.conflictResolutionStrategy);
    const { row: found } = await loadPullRequest(ctx, input.pullRequestId, (row) => [row.destination_ref]);
    const repo = c.store.getRepository(ctx.account, ctx.region, named);
    if (!repo) throw new AwsError('RepositoryDoesNotExistException', `${named} does not exist`);
    if (repo.id !== found.repository_id) throw new AwsError('RepositoryNotAssociatedWithPullRequestException', `The repository ${named} is not associated with the pull request ${found.id}.`);
    requireOpen(found);
    // Any reference change not yet applied to the pull request is applied first, so the revision
    // (and the approvals it carries) is the one the branches are at.
    await enqueueRefresh(repo.id, ctx.principal.arn);
    return withRepositoryLock(repo.id, async () => {
      let row = prs.getPullRequest(scopeOf(ctx), found.id)!;
      requireOpen(row);
      const git = gitRepository(c, repo);
      const source = await git.refCommit(row.source_ref);
      const destination = await git.refCommit(row.destination_ref);
      if (!source) throw new AwsError('ReferenceDoesNotExistException', `The source reference does not exist: ${row.source_ref}`);
      if (!destination) throw new AwsError('ReferenceDoesNotExistException', `The destination reference does not exist: ${row.destination_ref}`);
      if (input.sourceCommitId !== undefined && input.sourceCommitId !== source) {
        throw new AwsError('TipOfSourceReferenceIsDifferentException', `The tip of the source reference is different from the specified source commit ID: ${input.sourceCommitId}`);
      }
      if (source !== row.source_commit || destination !== row.destination_commit) {
        // A branch moved while this merge waited for the lock (another merge, a push): the pull
        // request takes the new revision first, and the approval rules are judged on that one.
        await enqueueRefresh(repo.id, ctx.principal.arn);
        row = prs.getPullRequest(scopeOf(ctx), found.id)!;
        requireOpen(row);
        if (source !== row.source_commit || destination !== row.destination_commit) {
          throw new AwsError('ConcurrentReferenceUpdateException', 'The merge cannot be completed because the source or destination reference changed while the merge was in progress. Try again.');
        }
      }
      const evaluation = evaluate(row);
      if (!evaluation.approved && !evaluation.overridden) {
        throw new AwsError('PullRequestApprovalRulesNotSatisfiedException', `The pull request cannot be merged because one or more approval rules applied to the pull request have conditions that have not been met: ${evaluation.approvalRulesNotSatisfied!.join(', ')}`);
      }
      const result = await computeMerge({
        git,
        sourceCommitId: source,
        destinationCommitId: destination,
        option,
        conflictDetailLevel,
        conflictResolutionStrategy,
        conflictResolution: input.conflictResolution as ConflictResolutionInput | undefined,
        author: input.authorName !== undefined || input.email !== undefined ? { name: input.authorName ?? '', email: input.email ?? '' } : undefined,
        commitMessage: input.commitMessage,
        keepEmptyFolders: input.keepEmptyFolders,
        time: Math.floor(c.rt.clock.now() / 1000),
      });
      const moved = result.commitId !== destination;
      if (moved && !(await git.updateRef(row.destination_ref, result.commitId, destination))) {
        throw new AwsError('ConcurrentReferenceUpdateException', 'The merge cannot be completed because the destination reference changed while the merge was in progress. Try again.');
      }
      const caller = ctx.principal.arn;
      const merged = prs.tx(() => {
        const updated = touch(row, {
          repository_name: repo.name, status: 'CLOSED', is_merged: 1, merged_by: caller, merge_commit_id: result.commitId, merge_option: option,
          destination_commit: moved ? result.commitId : destination,
        });
        recordMerged(updated, repo, caller);
        return updated;
      });
      if (moved) {
        const extra: Record<string, unknown> = { sourceCommitId: source, destinationCommitId: destination, mergeOption: option };
        if (result.baseCommitId) extra.baseCommitId = result.baseCommitId;
        if (option !== 'FAST_FORWARD_MERGE') {
          extra.conflictDetailsLevel = conflictDetailLevel;
          extra.conflictResolutionStrategy = conflictResolutionStrategy;
        }
        publishReferenceChange(c, repo, { event: 'referenceUpdated', refName: row.destination_ref, commitId: result.commitId, oldCommitId: destination, callerUserArn: caller, extra });
      }
      publish(merged, repo, 'pullRequestMergeStatusUpdated', caller);
      return { pullRequest: render(merged) };
    });
  }

  return {
    async CreatePullRequest(input: CC.CreatePullRequestInput, ctx: RequestContext): Promise<CC.CreatePullRequestOutput> {
      const title = checkTitle(input.title);
      const description = checkDescription(input.description);
      const targets: unknown = input.targets;
      if (targets === undefined || targets === null || (Array.isArray(targets) && targets.length === 0)) {
        throw new AwsError('TargetsRequiredException', 'An array of target objects is required. It cannot be empty or null.');
      }
      if (!Array.isArray(targets)) throw new AwsError('InvalidTargetsException', 'The targets for the pull request is not valid or not in a valid format.');
      if (targets.length > 1) throw new AwsError('MultipleRepositoriesInPullRequestException', 'You cannot include more than one repository in a pull request. Make sure you have specified only one repository name in your request, and then try again.');
      const target: unknown = targets[0];
      if (target === undefined || target === null) throw new AwsError('TargetRequiredException', 'A pull request target is required. It cannot be empty or null.');
      if (typeof target !== 'object' || Array.isArray(target)) throw new AwsError('InvalidTargetException', 'The target for the pull request is not valid.');
      const { repositoryName, sourceReference, destinationReference } = target as CC.Target;
      const repo = requireRepository(c, ctx, repositoryName);
      const sourceRef = checkBranchReference(sourceReference);
      const destinationRef =
        destinationReference === undefined || destinationReference === null
          ? repo.default_branch
            ? `refs/heads/${repo.default_branch}`
            : undefined
          : checkBranchReference(destinationReference);
      if (!destinationRef) throw new AwsError('ReferenceNameRequiredException', 'A destination reference name is required: the repository has no default branch.');
      if (sourceRef === destinationRef) throw new AwsError('SourceAndDestinationAreSameException', 'The source branch and destination branch for the pull request are the same. You must specify different branches for the source and destination.');

      const token = input.clientRequestToken;
      if (token !== undefined && token !== null && typeof token !== 'string') {
        throw new AwsError('InvalidClientRequestTokenException', 'The client request token is not valid. Either the token is not in a valid format, or the token has been used in a previous request and cannot be reused.');
      }
      const fingerprint = JSON.stringify([title, description ?? null, repo.id, sourceRef, destinationRef]);
      /** The pull request this token already created with these parameters (a retry), if any. */
      const earlier = (): PullRequestRow | undefined => {
        const found = token ? prs.pullRequestByToken(scopeOf(ctx), token) : undefined;
        if (found && found.request_fingerprint !== fingerprint) {
          throw new AwsError('IdempotencyParameterMismatchException', `The client request token is not valid because it has already been used with different parameters: ${token}`);
        }
        return found;
      };
      const retried = earlier();
      if (retried) return { pullRequest: render(retried) };

      const git = gitRepository(c, repo);
      const source = await git.refCommit(sourceRef);
      if (!source) throw new AwsError('ReferenceDoesNotExistException', `The specified reference does not exist: ${sourceRef}`);
      const destination = await git.refCommit(destinationRef);
      if (!destination) throw new AwsError('ReferenceDoesNotExistException', `The specified reference does not exist: ${destinationRef}`);
      const mergeBase = (await git.mergeBase(source, destination)) ?? null;
      const now = c.rt.clock.now();
      const author = ctx.principal.arn;

      const applicable = templates
        .templatesForRepository(repo.id)
        .filter((template) => {
          try {
            return appliesToDestination(parseApprovalRuleContent(template.content), destinationRef);
          } catch {
            return false;
          }
        });

      const created = prs.tx(() => {
        // A concurrent retry with the same token may have created it while git ran.
        const concurrent = earlier();
        if (concurrent) return { row: concurrent, fresh: false };
        if (prs.countOpenPullRequests(repo.id) >= MAX_OPEN_PULL_REQUESTS) {
          throw new AwsError('MaximumOpenPullRequestsExceededException', `You cannot create the pull request because the repository has too many open pull requests. The maximum number of open pull requests for a repository is ${MAX_OPEN_PULL_REQUESTS}.`);
        }
        const row: PullRequestRow = {
          account: ctx.account, region: ctx.region, id: prs.nextPullRequestId(scopeOf(ctx)), repository_id: repo.id, repository_name: repo.name,
          title, description: description ?? null, status: 'OPEN', author_arn: author, client_request_token: token ?? null,
          request_fingerprint: token ? fingerprint : null, source_ref: sourceRef, destination_ref: destinationRef, source_commit: source,
          destination_commit: destination, merge_base: mergeBase, revision_id: newRevisionId(), is_merged: 0, merged_by: null,
          merge_commit_id: null, merge_option: null, created_at: now, modified_at: now,
        };
        prs.insertPullRequest(row);
        // Approval rule templates associated with the repository become the pull request's rules (AWS).
        for (const template of applicable) {
          prs.insertApprovalRule({
            account: row.account, region: row.region, pull_request_id: row.id, rule_id: uuid(), name: template.name,
            content: template.content, content_sha256: sha256(template.content), created_at: now, modified_at: now,
            last_modified_user: author, template_id: template.id, template_name: template.name,
          });
        }
        addEvent(row, 'PULL_REQUEST_CREATED', author, {
          pullRequestCreatedEventMetadata: { repositoryName: repo.name, sourceCommitId: source, destinationCommitId: destination, mergeBase: mergeBase ?? undefined },
        });
        return { row, fresh: true };
      });
      if (created.fresh) publish(created.row, repo, 'pullRequestCreated', author);
      return { pullRequest: render(created.row) };
    },

    async GetPullRequest(input: CC.GetPullRequestInput, ctx: RequestContext): Promise<CC.GetPullRequestOutput> {
      const { row } = await loadPullRequest(ctx, input.pullRequestId);
      return { pullRequest: render(row) };
    },

    async ListPullRequests(input: CC.ListPullRequestsInput, ctx: RequestContext): Promise<CC.ListPullRequestsOutput> {
      const repo = requireRepository(c, ctx, input.repositoryName);
      const status = input.pullRequestStatus as unknown;
      if (status !== undefined && status !== 'OPEN' && status !== 'CLOSED') {
        throw new AwsError('InvalidPullRequestStatusException', `The pull request status is not valid. The only valid values are OPEN and CLOSED: ${String(status)}`);
      }
      const author = checkIdentityArn(input.authorArn, 'InvalidAuthorArnException', 'AuthorDoesNotExistException');
      // ListPullRequests states no maximum: a larger maxResults is answered page by page.
      const max = Math.min(checkMaxResults(input.maxResults, Number.MAX_SAFE_INTEGER), MAX_PAGE);
      const start = decodeToken(input.nextToken);
      await caughtUp(repo.id);
      const ids = prs.listPullRequests(repo.id, author, status as string | undefined).map((row) => row.id);
      if (start > ids.length) throw new AwsError('InvalidContinuationTokenException', 'The specified continuation token is not valid.');
      const page = ids.slice(start, start + max);
      const out: CC.ListPullRequestsOutput = { pullRequestIds: page };
      if (start + max < ids.length) out.nextToken = encodeToken(start + max);
      return out;
    },

    async DescribePullRequestEvents(input: CC.DescribePullRequestEventsInput, ctx: RequestContext): Promise<CC.DescribePullRequestEventsOutput> {
      checkPullRequestId(input.pullRequestId);
      const type = input.pullRequestEventType as unknown;
      if (type !== undefined && (typeof type !== 'string' || !EVENT_TYPES.includes(type))) {
        throw new AwsError('InvalidPullRequestEventTypeException', `The pull request event type is not valid: ${String(type)}`);
      }
      const actor = checkIdentityArn(input.actorArn, 'InvalidActorArnException', 'ActorDoesNotExistException');
      const max = checkMaxResults(input.maxResults, MAX_PAGE);
      const after = decodeToken(input.nextToken);
      const { row } = await loadPullRequest(ctx, input.pullRequestId);
      const events = prs.events(row, row.id, { type: type as string | undefined, actor, afterSeq: after });
      const page = events.slice(0, max);
      const out: CC.DescribePullRequestEventsOutput = {
        pullRequestEvents: page.map((event) => ({
          pullRequestId: event.pull_request_id,
          eventDate: new Date(event.event_date),
          pullRequestEventType: event.event_type as CC.PullRequestEventType,
          actorArn: event.actor_arn,
          ...(JSON.parse(event.metadata) as Partial<CC.PullRequestEvent>),
        })),
      };
      if (events.length > max) out.nextToken = encodeToken(page[page.length - 1].seq!);
      return out;
    },

    async UpdatePullRequestTitle(input: CC.UpdatePullRequestTitleInput, ctx: RequestContext): Promise<CC.UpdatePullRequestTitleOutput> {
      checkPullRequestId(input.pullRequestId);
      const title = checkTitle(input.title);
      const { row } = await loadPullRequest(ctx, input.pullRequestId);
      requireOpen(row);
      return { pullRequest: render(prs.tx(() => touch(row, { title }))) };
    },

    async UpdatePullRequestDescription(input: CC.UpdatePullRequestDescriptionInput, ctx: RequestContext): Promise<CC.UpdatePullRequestDescriptionOutput> {
      checkPullRequestId(input.pullRequestId);
      if (input.description === undefined || input.description === null) throw new AwsError('InvalidDescriptionException', 'The pull request description is not valid. A description is required.');
      const description = checkDescription(input.description)!;
      const { row } = await loadPullRequest(ctx, input.pullRequestId);
      requireOpen(row);
      return { pullRequest: render(prs.tx(() => touch(row, { description }))) };
    },

    async UpdatePullRequestStatus(input: CC.UpdatePullRequestStatusInput, ctx: RequestContext): Promise<CC.UpdatePullRequestStatusOutput> {
      checkPullRequestId(input.pullRequestId);
      const status = input.pullRequestStatus as unknown;
      if (status === undefined || status === null || status === '') throw new AwsError('PullRequestStatusRequiredException', 'A pull request status is required, but none was provided.');
      if (status !== 'OPEN' && status !== 'CLOSED') throw new AwsError('InvalidPullRequestStatusException', `The pull request status is not valid. The only valid values are OPEN and CLOSED: ${String(status)}`);
      const { row, repo } = await loadPullRequest(ctx, input.pullRequestId);
      // OPEN to OPEN and CLOSED to CLOSED are valid and change nothing; a closed pull request never reopens.
      if (row.status === status) return { pullRequest: render(row) };
      if (status === 'OPEN') throw new AwsError('InvalidPullRequestStatusUpdateException', 'The pull request status update is not valid. The only valid update is from OPEN to CLOSED.');
      const caller = ctx.principal.arn;
      const updated = prs.tx(() => {
        const next = touch(row, { status: 'CLOSED' });
        addEvent(next, 'PULL_REQUEST_STATUS_CHANGED', caller, { pullRequestStatusChangedEventMetadata: { pullRequestStatus: 'CLOSED' } });
        return next;
      });
      publish(updated, repo, 'pullRequestStatusChanged', caller);
      return { pullRequest: render(updated) };
    },

    MergePullRequestByFastForward(input: CC.MergePullRequestByFastForwardInput, ctx: RequestContext) {
      return merge(input, ctx, 'FAST_FORWARD_MERGE');
    },

    MergePullRequestBySquash(input: CC.MergePullRequestBySquashInput, ctx: RequestContext) {
      return merge(input, ctx, 'SQUASH_MERGE');
    },

    MergePullRequestByThreeWay(input: CC.MergePullRequestByThreeWayInput, ctx: RequestContext) {
      return merge(input, ctx, 'THREE_WAY_MERGE');
    },

    async GetPullRequestApprovalStates(input: CC.GetPullRequestApprovalStatesInput, ctx: RequestContext): Promise<CC.GetPullRequestApprovalStatesOutput> {
      checkPullRequestId(input.pullRequestId);
      const revisionId = checkRevisionId(input.revisionId);
      const { row } = await loadPullRequest(ctx, input.pullRequestId);
      return { approvals: prs.approvals(row, row.id, revisionId).map((a) => ({ userArn: a.user_arn, approvalState: a.state as CC.ApprovalState })) };
    },

    async UpdatePullRequestApprovalState(input: CC.UpdatePullRequestApprovalStateInput, ctx: RequestContext): Promise<Record<string, never>> {
      checkPullRequestId(input.pullRequestId);
      const revisionId = checkRevisionId(input.revisionId);
      const state = input.approvalState as unknown;
      if (state === undefined || state === null || state === '') throw new AwsError('ApprovalStateRequiredException', 'An approval state is required, but none was provided.');
      if (state !== 'APPROVE' && state !== 'REVOKE') throw new AwsError('InvalidApprovalStateException', `The state for the approval is not valid. Valid values include APPROVE and REVOKE: ${String(state)}`);
      const { row, repo } = await loadPullRequest(ctx, input.pullRequestId);
      const caller = ctx.principal.arn;
      const updated = prs.tx(() => {
        requireCurrent(row, revisionId);
        if (state === 'APPROVE' && caller === row.author_arn) {
          throw new AwsError('PullRequestCannotBeApprovedByAuthorException', 'The approval cannot be applied because the user approving the pull request matches the user who created the pull request. You cannot approve a pull request that you created.');
        }
        if (state === 'APPROVE') {
          const already = prs.approvals(row, row.id, revisionId).some((a) => a.user_arn === caller);
          if (!already && prs.countApprovals(row, row.id, revisionId) >= MAX_APPROVALS) {
            throw new AwsError('MaximumNumberOfApprovalsExceededException', `The number of approvals required for the approval rule exceeds the maximum number allowed (${MAX_APPROVALS}).`);
          }
          prs.setApproval(row, row.id, revisionId, caller, c.rt.clock.now());
        } else {
          prs.removeApproval(row, row.id, revisionId, caller);
        }
        const next = touch(row, {});
        addEvent(next, 'PULL_REQUEST_APPROVAL_STATE_CHANGED', caller, { approvalStateChangedEventMetadata: { revisionId, approvalStatus: state } });
        return next;
      });
      publish(updated, repo, 'pullRequestApprovalStateChanged', caller, { approvalStatus: state });
      return {};
    },

    async CreatePullRequestApprovalRule(input: CC.CreatePullRequestApprovalRuleInput, ctx: RequestContext): Promise<CC.CreatePullRequestApprovalRuleOutput> {
      checkPullRequestId(input.pullRequestId);
      const name = checkApprovalRuleName(input.approvalRuleName);
      const content = checkApprovalRuleContent(input.approvalRuleContent);
      const { row, repo } = await loadPullRequest(ctx, input.pullRequestId);
      requireOpen(row);
      const caller = ctx.principal.arn;
      const now = c.rt.clock.now();
      const rule: ApprovalRuleRow = {
        account: row.account, region: row.region, pull_request_id: row.id, rule_id: uuid(), name, content,
        content_sha256: sha256(content), created_at: now, modified_at: now, last_modified_user: caller, template_id: null, template_name: null,
      };
      const updated = prs.tx(() => {
        if (prs.approvalRule(row, row.id, name)) throw new AwsError('ApprovalRuleNameAlreadyExistsException', `An approval rule with that name already exists. Approval rule names must be unique within the scope of a pull request: ${name}`);
        if (prs.approvalRules(row, row.id).length >= MAX_APPROVAL_RULES) {
          throw new AwsError('NumberOfRulesExceededException', `The approval rule cannot be added. The pull request has the maximum number of approval rules associated with it (${MAX_APPROVAL_RULES}).`);
        }
        prs.insertApprovalRule(rule);
        const next = touch(row, {});
        addEvent(next, 'PULL_REQUEST_APPROVAL_RULE_CREATED', caller, { approvalRuleEventMetadata: { approvalRuleName: name, approvalRuleId: rule.rule_id, approvalRuleContent: content } });
        return next;
      });
      publish(updated, repo, 'pullRequestApprovalRuleCreated', caller, {
        approvalRuleContentSha256: rule.content_sha256, approvalRuleId: rule.rule_id, approvalRuleName: name,
      });
      return { approvalRule: renderRule(rule) };
    },

    async UpdatePullRequestApprovalRuleContent(input: CC.UpdatePullRequestApprovalRuleContentInput, ctx: RequestContext): Promise<CC.UpdatePullRequestApprovalRuleContentOutput> {
      checkPullRequestId(input.pullRequestId);
      const name = checkApprovalRuleName(input.approvalRuleName);
      const content = checkApprovalRuleContent(input.newRuleContent);
      const { row, repo } = await loadPullRequest(ctx, input.pullRequestId);
      requireOpen(row);
      const caller = ctx.principal.arn;
      const { rule, updated } = prs.tx(() => {
        const existing = prs.approvalRule(row, row.id, name);
        if (!existing) throw new AwsError('ApprovalRuleDoesNotExistException', `The specified approval rule does not exist: ${name}`);
        if (existing.template_id) throw new AwsError('CannotModifyApprovalRuleFromTemplateException', 'The approval rule cannot be modified for the pull request because it was created by an approval rule template and applied to the pull request automatically.');
        if (input.existingRuleContentSha256 !== undefined && input.existingRuleContentSha256 !== existing.content_sha256) {
          throw new AwsError('InvalidRuleContentSha256Exception', 'The SHA-256 hash signature for the rule content is not valid.');
        }
        const changed: ApprovalRuleRow = { ...existing, content, content_sha256: sha256(content), modified_at: c.rt.clock.now(), last_modified_user: caller };
        prs.updateApprovalRule(changed);
        const next = touch(row, {});
        addEvent(next, 'PULL_REQUEST_APPROVAL_RULE_UPDATED', caller, { approvalRuleEventMetadata: { approvalRuleName: name, approvalRuleId: changed.rule_id, approvalRuleContent: content } });
        return { rule: changed, updated: next };
      });
      publish(updated, repo, 'pullRequestApprovalRuleUpdated', caller, {
        approvalRuleContentSha256: rule.content_sha256, approvalRuleId: rule.rule_id, approvalRuleName: name,
      });
      return { approvalRule: renderRule(rule) };
    },

    async DeletePullRequestApprovalRule(input: CC.DeletePullRequestApprovalRuleInput, ctx: RequestContext): Promise<Partial<CC.DeletePullRequestApprovalRuleOutput>> {
      checkPullRequestId(input.pullRequestId);
      const name = checkApprovalRuleName(input.approvalRuleName);
      const { row, repo } = await loadPullRequest(ctx, input.pullRequestId);
      requireOpen(row);
      const caller = ctx.principal.arn;
      const result = prs.tx(() => {
        const existing = prs.approvalRule(row, row.id, name);
        // AWS answers a rule that is already gone with 200 and no content, not an error.
        if (!existing) return undefined;
        if (existing.template_id) throw new AwsError('CannotDeleteApprovalRuleFromTemplateException', 'The approval rule cannot be deleted from the pull request because it was created by an approval rule template and applied to the pull request automatically.');
        prs.deleteApprovalRule(row, row.id, name);
        const next = touch(row, {});
        addEvent(next, 'PULL_REQUEST_APPROVAL_RULE_DELETED', caller, { approvalRuleEventMetadata: { approvalRuleName: name, approvalRuleId: existing.rule_id, approvalRuleContent: existing.content } });
        return { rule: existing, updated: next };
      });
      if (!result) return {};
      publish(result.updated, repo, 'pullRequestApprovalRuleDeleted', caller, {
        approvalRuleContentSha256: result.rule.content_sha256, approvalRuleId: result.rule.rule_id, approvalRuleName: name,
      });
      return { approvalRuleId: result.rule.rule_id };
    },

    async EvaluatePullRequestApprovalRules(input: CC.EvaluatePullRequestApprovalRulesInput, ctx: RequestContext): Promise<CC.EvaluatePullRequestApprovalRulesOutput> {
      checkPullRequestId(input.pullRequestId);
      const revisionId = checkRevisionId(input.revisionId);
      const { row } = await loadPullRequest(ctx, input.pullRequestId);
      if (revisionId !== row.revision_id) throw notCurrent();
      return { evaluation: evaluate(row) };
    },

    async OverridePullRequestApprovalRules(input: CC.OverridePullRequestApprovalRulesInput, ctx: RequestContext): Promise<Record<string, never>> {
      checkPullRequestId(input.pullRequestId);
      const revisionId = checkRevisionId(input.revisionId);
      const status = input.overrideStatus as unknown;
      if (status === undefined || status === null || status === '') throw new AwsError('OverrideStatusRequiredException', 'An override status is required, but no value was provided. Valid values include OVERRIDE and REVOKE.');
      if (status !== 'OVERRIDE' && status !== 'REVOKE') throw new AwsError('InvalidOverrideStatusException', `The override status is not valid. Valid statuses are OVERRIDE and REVOKE: ${String(status)}`);
      const { row, repo } = await loadPullRequest(ctx, input.pullRequestId);
      const caller = ctx.principal.arn;
      const updated = prs.tx(() => {
        requireCurrent(row, revisionId);
        const current = prs.override(row, row.id, revisionId);
        if (status === 'OVERRIDE') {
          if (current) throw new AwsError('OverrideAlreadySetException', 'The pull request has already had its approval rules set to override.');
          prs.setOverride(row, row.id, revisionId, caller);
        } else {
          // Revoking an override that is not set changes nothing, so it records nothing.
          if (!current) return undefined;
          prs.removeOverride(row, row.id, revisionId);
        }
        const next = touch(row, {});
        addEvent(next, 'PULL_REQUEST_APPROVAL_RULE_OVERRIDDEN', caller, { approvalRuleOverriddenEventMetadata: { revisionId, overrideStatus: status } });
        return next;
      });
      if (updated) {
        publish(updated, repo, 'pullRequestApprovalRuleOverridden', caller, { overrideStatus: status });
      }
      return {};
    },

    async GetPullRequestOverrideState(input: CC.GetPullRequestOverrideStateInput, ctx: RequestContext): Promise<CC.GetPullRequestOverrideStateOutput> {
      checkPullRequestId(input.pullRequestId);
      const revisionId = checkRevisionId(input.revisionId);
      const { row } = await loadPullRequest(ctx, input.pullRequestId);
      const override = prs.override(row, row.id, revisionId);
      return override ? { overridden: true, overrider: override.overrider } : { overridden: false };
    },
  };
}
