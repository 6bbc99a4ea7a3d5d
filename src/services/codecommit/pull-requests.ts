/**
 * CodeCommit operations: the pull request lifecycle (create, read, list, events, title,
 * description, status). Approval rules and approvals are in pull-request-approvals.ts, merges in
 * pull-request-merges.ts, and following the branches in pull-request-sync.ts. Every change is
 * recorded as a pull request event and published in its transaction.
 */
import type * as CC from '@aws-sdk/client-codecommit';
import { AwsError } from '../../core/errors.js';
import { uuid } from '../../core/ids.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { appliesToDestination, parseApprovalRuleContent } from './approval-rules.js';
import { gitRepository, type ReviewContext, requireRepository, scopeOf, sha256Hex } from './common.js';
import { invalidToken, offsetToken, readOffsetToken } from './paging.js';
import {
  checkBranchReference,
  checkDescription,
  checkIdentityArn,
  checkMaxResults,
  checkPullRequestId,
  checkTitle,
  EVENT_TYPES,
  MAX_OPEN_PULL_REQUESTS,
  MAX_PAGE,
  newRevisionId,
} from './pull-request-checks.js';
import { addEvent, publishPullRequestChange } from './pull-request-events.js';
import { loadPullRequest, recordChange, render, requireOpen, touch } from './pull-request-state.js';
import type { PullRequestRow } from './pull-request-store.js';
import { caughtUp, followReferenceChanges } from './pull-request-sync.js';
import type { RepositoryRow } from './store.js';
import type { TemplateRow } from './template-store.js';

type AppliedTemplate = Pick<TemplateRow, 'id' | 'name' | 'content'>;

/** The one target of a CreatePullRequest, checked in AWS's order: repository, source, then destination (default branch when absent). */
function checkTarget(c: ReviewContext, ctx: RequestContext, targets: unknown): { repo: RepositoryRow; sourceRef: string; destinationRef: string } {
  if (targets === undefined || targets === null || (Array.isArray(targets) && targets.length === 0)) {
    throw new AwsError('TargetsRequiredException', 'An array of target objects is required. It cannot be empty or null.');
  }
  if (!Array.isArray(targets)) throw new AwsError('InvalidTargetsException', 'The targets for the pull request is not valid or not in a valid format.');
  if (targets.length > 1)
    throw new AwsError(
      'MultipleRepositoriesInPullRequestException',
      'You cannot include more than one repository in a pull request. Make sure you have specified only one repository name in your request, and then try again.',
    );
  const target: unknown = targets[0];
  if (target === undefined || target === null) throw new AwsError('TargetRequiredException', 'A pull request target is required. It cannot be empty or null.');
  if (typeof target !== 'object' || Array.isArray(target)) throw new AwsError('InvalidTargetException', 'The target for the pull request is not valid.');
  const { repositoryName, sourceReference, destinationReference } = target as CC.Target;
  const repo = requireRepository(c, ctx, repositoryName);
  const sourceRef = checkBranchReference(sourceReference);
  const destinationRef =
    destinationReference === undefined || destinationReference === null ? (repo.default_branch ? `refs/heads/${repo.default_branch}` : undefined) : checkBranchReference(destinationReference);
  if (!destinationRef) throw new AwsError('ReferenceNameRequiredException', 'A destination reference name is required: the repository has no default branch.');
  if (sourceRef === destinationRef)
    throw new AwsError(
      'SourceAndDestinationAreSameException',
      'The source branch and destination branch for the pull request are the same. You must specify different branches for the source and destination.',
    );
  return { repo, sourceRef, destinationRef };
}

/** The approval rule templates of the repository whose branch filter takes the destination. */
function applicableTemplates(c: ReviewContext, repositoryId: string, destinationRef: string): AppliedTemplate[] {
  return c.templates.templatesForRepository(repositoryId).filter((template) => {
    try {
      return appliesToDestination(parseApprovalRuleContent(template.content), destinationRef);
    } catch {
      return false;
    }
  });
}

/** Inside a transaction: a new pull request, the rules its repository's templates give it, its event record and its event. */
function insertPullRequest(c: ReviewContext, row: PullRequestRow, repo: RepositoryRow, templates: AppliedTemplate[]): void {
  const prs = c.pullRequests;
  if (prs.countOpenPullRequests(repo.id) >= MAX_OPEN_PULL_REQUESTS) {
    throw new AwsError(
      'MaximumOpenPullRequestsExceededException',
      `You cannot create the pull request because the repository has too many open pull requests. The maximum number of open pull requests for a repository is ${MAX_OPEN_PULL_REQUESTS}.`,
    );
  }
  prs.insertPullRequest(row);
  // Approval rule templates associated with the repository become the pull request's rules (AWS).
  for (const template of templates) {
    prs.insertApprovalRule({
      account: row.account,
      region: row.region,
      pull_request_id: row.id,
      rule_id: uuid(),
      name: template.name,
      content: template.content,
      content_sha256: sha256Hex(template.content),
      created_at: row.created_at,
      modified_at: row.created_at,
      last_modified_user: row.author_arn,
      template_id: template.id,
      template_name: template.name,
    });
  }
  addEvent(c, row, 'PULL_REQUEST_CREATED', row.author_arn, {
    pullRequestCreatedEventMetadata: { repositoryName: repo.name, sourceCommitId: row.source_commit, destinationCommitId: row.destination_commit, mergeBase: row.merge_base ?? undefined },
  });
  publishPullRequestChange(c, row, repo, 'pullRequestCreated', row.author_arn);
}

async function createPullRequest(c: ReviewContext, input: CC.CreatePullRequestInput, ctx: RequestContext): Promise<CC.CreatePullRequestOutput> {
  const title = checkTitle(input.title);
  const description = checkDescription(input.description);
  const { repo, sourceRef, destinationRef } = checkTarget(c, ctx, input.targets);
  const token = input.clientRequestToken;
  if (token !== undefined && token !== null && typeof token !== 'string') {
    throw new AwsError(
      'InvalidClientRequestTokenException',
      'The client request token is not valid. Either the token is not in a valid format, or the token has been used in a previous request and cannot be reused.',
    );
  }
  const fingerprint = JSON.stringify([title, description ?? null, repo.id, sourceRef, destinationRef]);
  /** The pull request this token already created with these parameters (a retry), if any. */
  const earlier = (): PullRequestRow | undefined => {
    const found = token ? c.pullRequests.pullRequestByToken(scopeOf(ctx), token) : undefined;
    if (found && found.request_fingerprint !== fingerprint) {
      throw new AwsError('IdempotencyParameterMismatchException', `The client request token is not valid because it has already been used with different parameters: ${token}`);
    }
    return found;
  };
  const retried = earlier();
  if (retried) return { pullRequest: render(c, retried) };

  const git = gitRepository(c, repo);
  const source = await git.refCommit(sourceRef);
  if (!source) throw new AwsError('ReferenceDoesNotExistException', `The specified reference does not exist: ${sourceRef}`);
  const destination = await git.refCommit(destinationRef);
  if (!destination) throw new AwsError('ReferenceDoesNotExistException', `The specified reference does not exist: ${destinationRef}`);
  const mergeBase = (await git.mergeBase(source, destination)) ?? null;
  const now = c.rt.clock.now();
  const templates = applicableTemplates(c, repo.id, destinationRef);
  const created = c.pullRequests.tx(() => {
    // A concurrent retry with the same token may have created it while git ran.
    const concurrent = earlier();
    if (concurrent) return concurrent;
    const row: PullRequestRow = {
      account: ctx.account,
      region: ctx.region,
      id: c.pullRequests.nextPullRequestId(scopeOf(ctx)),
      repository_id: repo.id,
      repository_name: repo.name,
      title,
      description: description ?? null,
      status: 'OPEN',
      author_arn: ctx.principal.arn,
      client_request_token: token ?? null,
      request_fingerprint: token ? fingerprint : null,
      source_ref: sourceRef,
      destination_ref: destinationRef,
      source_commit: source,
      destination_commit: destination,
      merge_base: mergeBase,
      revision_id: newRevisionId(),
      is_merged: 0,
      merged_by: null,
      merge_commit_id: null,
      merge_option: null,
      created_at: now,
      modified_at: now,
    };
    insertPullRequest(c, row, repo, templates);
    return row;
  });
  return { pullRequest: render(c, created) };
}

export function pullRequestsHandlers(c: ReviewContext): Handlers {
  followReferenceChanges(c);
  const prs = c.pullRequests;
  return {
    CreatePullRequest(input: CC.CreatePullRequestInput, ctx: RequestContext): Promise<CC.CreatePullRequestOutput> {
      return createPullRequest(c, input, ctx);
    },

    async GetPullRequest(input: CC.GetPullRequestInput, ctx: RequestContext): Promise<CC.GetPullRequestOutput> {
      const { row } = await loadPullRequest(c, ctx, input.pullRequestId);
      return { pullRequest: render(c, row) };
    },

    async ListPullRequests(input: CC.ListPullRequestsInput, ctx: RequestContext): Promise<CC.ListPullRequestsOutput> {
      const repo = requireRepository(c, ctx, input.repositoryName);
      const status = input.pullRequestStatus as unknown;
      if (status !== undefined && status !== 'OPEN' && status !== 'CLOSED') {
        throw new AwsError('InvalidPullRequestStatusException', `The pull request status is not valid. The only valid values are OPEN and CLOSED: ${String(status)}`);
      }
      const author = checkIdentityArn(c, input.authorArn, 'InvalidAuthorArnException', 'AuthorDoesNotExistException');
      // ListPullRequests states no maximum: a larger maxResults is answered page by page.
      const max = Math.min(checkMaxResults(input.maxResults, Number.MAX_SAFE_INTEGER), MAX_PAGE);
      const start = readOffsetToken(input.nextToken);
      await caughtUp(c, repo.id);
      const ids = prs.listPullRequests(repo.id, author, status as string | undefined).map((row) => row.id);
      if (start > ids.length) throw invalidToken();
      const page = ids.slice(start, start + max);
      const out: CC.ListPullRequestsOutput = { pullRequestIds: page };
      if (start + max < ids.length) out.nextToken = offsetToken(start + max);
      return out;
    },

    async DescribePullRequestEvents(input: CC.DescribePullRequestEventsInput, ctx: RequestContext): Promise<CC.DescribePullRequestEventsOutput> {
      checkPullRequestId(input.pullRequestId);
      const type = input.pullRequestEventType as unknown;
      if (type !== undefined && (typeof type !== 'string' || !EVENT_TYPES.includes(type))) {
        throw new AwsError('InvalidPullRequestEventTypeException', `The pull request event type is not valid: ${String(type)}`);
      }
      const actor = checkIdentityArn(c, input.actorArn, 'InvalidActorArnException', 'ActorDoesNotExistException');
      const max = checkMaxResults(input.maxResults, MAX_PAGE);
      // The token is the sequence number of the last event returned.
      const after = readOffsetToken(input.nextToken);
      const { row } = await loadPullRequest(c, ctx, input.pullRequestId);
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
      if (events.length > max) out.nextToken = offsetToken(page[page.length - 1].seq!);
      return out;
    },

    async UpdatePullRequestTitle(input: CC.UpdatePullRequestTitleInput, ctx: RequestContext): Promise<CC.UpdatePullRequestTitleOutput> {
      checkPullRequestId(input.pullRequestId);
      const title = checkTitle(input.title);
      const { row } = await loadPullRequest(c, ctx, input.pullRequestId);
      requireOpen(row);
      return {
        pullRequest: render(
          c,
          prs.tx(() => touch(c, row, { title })),
        ),
      };
    },

    async UpdatePullRequestDescription(input: CC.UpdatePullRequestDescriptionInput, ctx: RequestContext): Promise<CC.UpdatePullRequestDescriptionOutput> {
      checkPullRequestId(input.pullRequestId);
      if (input.description === undefined || input.description === null) throw new AwsError('InvalidDescriptionException', 'The pull request description is not valid. A description is required.');
      const description = checkDescription(input.description)!;
      const { row } = await loadPullRequest(c, ctx, input.pullRequestId);
      requireOpen(row);
      return {
        pullRequest: render(
          c,
          prs.tx(() => touch(c, row, { description })),
        ),
      };
    },

    async UpdatePullRequestStatus(input: CC.UpdatePullRequestStatusInput, ctx: RequestContext): Promise<CC.UpdatePullRequestStatusOutput> {
      checkPullRequestId(input.pullRequestId);
      const status = input.pullRequestStatus as unknown;
      if (status === undefined || status === null || status === '') throw new AwsError('PullRequestStatusRequiredException', 'A pull request status is required, but none was provided.');
      if (status !== 'OPEN' && status !== 'CLOSED')
        throw new AwsError('InvalidPullRequestStatusException', `The pull request status is not valid. The only valid values are OPEN and CLOSED: ${String(status)}`);
      const { row, repo } = await loadPullRequest(c, ctx, input.pullRequestId);
      // OPEN to OPEN and CLOSED to CLOSED are valid and change nothing; a closed pull request never reopens.
      if (row.status === status) return { pullRequest: render(c, row) };
      if (status === 'OPEN') throw new AwsError('InvalidPullRequestStatusUpdateException', 'The pull request status update is not valid. The only valid update is from OPEN to CLOSED.');
      const caller = ctx.principal.arn;
      const updated = prs.tx(() =>
        recordChange(c, row, repo, caller, {
          fields: { status: 'CLOSED' },
          type: 'PULL_REQUEST_STATUS_CHANGED',
          metadata: { pullRequestStatusChangedEventMetadata: { pullRequestStatus: 'CLOSED' } },
          event: 'pullRequestStatusChanged',
        }),
      );
      return { pullRequest: render(c, updated) };
    },
  };
}
