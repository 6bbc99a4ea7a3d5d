/**
 * CodeCommit operations: comments on compared commits and on pull requests, replies, edits,
 * content deletion and listings, publishing AWS's "CodeCommit Comment on Commit" and "CodeCommit
 * Comment on Pull Request" events in the change's transaction. Commits and files are checked in
 * the real bare repository; pull requests come from the pull-request area's store. Reactions are
 * in comment-reactions.ts.
 */
import type * as C from '@aws-sdk/client-codecommit';
import { AwsError } from '../../core/errors.js';
import { uuid } from '../../core/ids.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import {
  checkCommitIdFormat,
  checkContent,
  checkPullRequestId,
  checkToken,
  commentDeleted,
  commentDoesNotExist,
  commentShape,
  fingerprint,
  groupedPage,
  insertOnce,
  postedShape,
  publishCommentChange,
  pullRequestOf,
  requireComment,
  requireCommit,
  resolveLocation,
} from './comment-common.js';
import type { CommentRow } from './comment-store.js';
import { type ReviewContext, requireRepository, scopeOf } from './common.js';
import { pageSize } from './paging.js';
import type { PullRequestRow } from './pull-request-store.js';
import type { RepositoryRow } from './store.js';

export function commentsHandlers(c: ReviewContext): Handlers {
  return { ...postHandlers(c), ...readAndEditHandlers(c) };
}

/**
 * A new comment on a comparison of two commits (of a pull request or not), posted once per client
 * request token: the commits must differ and the location must exist in them.
 */
async function postComment(
  c: ReviewContext,
  ctx: RequestContext,
  repository: RepositoryRow,
  post: { pullRequestId: string | null; before: string | null; after: string; location: C.Location | undefined; content: string; token: string | null; request: unknown[] },
): Promise<CommentRow> {
  if (post.before === post.after) {
    throw new AwsError(
      'BeforeCommitIdAndAfterCommitIdAreSameException',
      'The before commit ID and the after commit ID are the same, which is not valid. The before commit ID and the after commit ID must be different commit IDs.',
    );
  }
  const resolved = await resolveLocation(c, repository, post.location, post.before, post.after);
  const now = c.rt.clock.now();
  return insertOnce(
    c,
    ctx,
    {
      id: uuid(),
      account: ctx.account,
      region: ctx.region,
      repository_id: repository.id,
      pull_request_id: post.pullRequestId,
      before_commit_id: post.before,
      after_commit_id: post.after,
      before_blob_id: resolved.beforeBlobId ?? null,
      after_blob_id: resolved.afterBlobId ?? null,
      file_path: resolved.location?.filePath ?? null,
      file_position: resolved.location?.filePosition ?? null,
      relative_file_version: resolved.location?.relativeFileVersion ?? null,
      in_reply_to: null,
      content: post.content,
      deleted: 0,
      author_arn: ctx.principal.arn,
      client_request_token: post.token,
      request_fingerprint: fingerprint([...post.request, resolved.location ?? null, post.content, ctx.principal.arn]),
      created_at: now,
      modified_at: now,
    },
    repository,
  );
}

/** Posting comments and replies. */
function postHandlers(c: ReviewContext): Handlers {
  return {
    async PostCommentForComparedCommit(input: C.PostCommentForComparedCommitInput, ctx: RequestContext): Promise<C.PostCommentForComparedCommitOutput> {
      const repository = requireRepository(c, ctx, input.repositoryName);
      const content = checkContent(input.content);
      const token = checkToken(input.clientRequestToken);
      checkCommitIdFormat(input.afterCommitId);
      if (input.beforeCommitId !== undefined) checkCommitIdFormat(input.beforeCommitId);
      const after = await requireCommit(c, repository, input.afterCommitId);
      const before = input.beforeCommitId === undefined ? null : await requireCommit(c, repository, input.beforeCommitId);
      const row = await postComment(c, ctx, repository, {
        pullRequestId: null,
        before,
        after,
        location: input.location,
        content,
        token,
        request: ['PostCommentForComparedCommit', repository.id, before, after],
      });
      return postedShape(c, row, repository, ctx.principal.arn);
    },

    async PostCommentForPullRequest(input: C.PostCommentForPullRequestInput, ctx: RequestContext): Promise<C.PostCommentForPullRequestOutput> {
      const pullRequestId = checkPullRequestId(input.pullRequestId);
      const repository = requireRepository(c, ctx, input.repositoryName);
      const content = checkContent(input.content);
      const token = checkToken(input.clientRequestToken);
      checkCommitIdFormat(input.beforeCommitId);
      checkCommitIdFormat(input.afterCommitId);
      const pr = pullRequestOf(c, ctx, pullRequestId);
      if (pr.repository_id !== repository.id) {
        throw new AwsError(
          'RepositoryNotAssociatedWithPullRequestException',
          'The repository does not contain any pull requests with that pull request ID. Use GetPullRequest to verify the correct repository name for the pull request ID.',
        );
      }
      const before = await requireCommit(c, repository, input.beforeCommitId);
      const after = await requireCommit(c, repository, input.afterCommitId);
      const row = await postComment(c, ctx, repository, {
        pullRequestId: pr.id,
        before,
        after,
        location: input.location,
        content,
        token,
        request: ['PostCommentForPullRequest', repository.id, pr.id, before, after],
      });
      return { pullRequestId: pr.id, ...postedShape(c, row, repository, ctx.principal.arn) };
    },

    PostCommentReply(input: C.PostCommentReplyInput, ctx: RequestContext): C.PostCommentReplyOutput {
      const { row: parent, repository } = requireComment(c, ctx, input.inReplyTo);
      const content = checkContent(input.content);
      const token = checkToken(input.clientRequestToken);
      const now = c.rt.clock.now();
      const row = insertOnce(
        c,
        ctx,
        {
          ...parent,
          seq: undefined,
          id: uuid(),
          in_reply_to: parent.id,
          content,
          deleted: 0,
          author_arn: ctx.principal.arn,
          client_request_token: token,
          request_fingerprint: fingerprint(['PostCommentReply', parent.id, content, ctx.principal.arn]),
          created_at: now,
          modified_at: now,
        },
        repository,
      );
      return { comment: commentShape(c, row, ctx.principal.arn) };
    },
  };
}

/** Reading, editing and deleting comments. */
function readAndEditHandlers(c: ReviewContext): Handlers {
  return {
    GetComment(input: C.GetCommentInput, ctx: RequestContext): C.GetCommentOutput {
      const { row } = requireComment(c, ctx, input.commentId);
      if (row.deleted) throw commentDeleted();
      return { comment: commentShape(c, row, ctx.principal.arn) };
    },

    UpdateComment(input: C.UpdateCommentInput, ctx: RequestContext): C.UpdateCommentOutput {
      const { row: current, repository } = requireComment(c, ctx, input.commentId);
      const content = checkContent(input.content);
      const row = c.comments.tx(() => {
        const fresh = c.comments.getComment(ctx.account, ctx.region, current.id);
        if (!fresh) throw commentDoesNotExist();
        if (fresh.deleted) throw commentDeleted();
        if (fresh.author_arn !== ctx.principal.arn) {
          throw new AwsError('CommentNotCreatedByCallerException', 'You cannot modify or delete this comment. Only comment authors can modify or delete their comments.');
        }
        const updated = { ...fresh, content, modified_at: c.rt.clock.now() };
        c.comments.updateComment(updated);
        publishCommentChange(c, ctx, updated, repository, 'Updated');
        return updated;
      });
      return { comment: commentShape(c, row, ctx.principal.arn) };
    },

    DeleteCommentContent(input: C.DeleteCommentContentInput, ctx: RequestContext): C.DeleteCommentContentOutput {
      const { row: current } = requireComment(c, ctx, input.commentId);
      const row = c.comments.tx(() => {
        const fresh = c.comments.getComment(ctx.account, ctx.region, current.id);
        if (!fresh) throw commentDoesNotExist();
        if (fresh.deleted) throw commentDeleted();
        // The content is gone for good: AWS keeps only the comment's metadata.
        const updated = { ...fresh, content: '', deleted: 1, modified_at: c.rt.clock.now() };
        c.comments.updateComment(updated);
        return updated;
      });
      return { comment: commentShape(c, row, ctx.principal.arn) };
    },

    async GetCommentsForComparedCommit(input: C.GetCommentsForComparedCommitInput, ctx: RequestContext): Promise<C.GetCommentsForComparedCommitOutput> {
      const repository = requireRepository(c, ctx, input.repositoryName);
      const size = pageSize(input.maxResults, 100, 500);
      const after = await requireCommit(c, repository, input.afterCommitId);
      const before = input.beforeCommitId === undefined ? null : await requireCommit(c, repository, input.beforeCommitId);
      const { groups, nextToken } = groupedPage(c.comments.commentsForComparedCommit(repository.id, before, after), input.nextToken, size);
      return {
        commentsForComparedCommitData: groups.map(({ rows }) => {
          const { comment: _omitted, ...head } = postedShape(c, rows[0], repository, ctx.principal.arn);
          return { ...head, comments: rows.map((r) => commentShape(c, r, ctx.principal.arn)) };
        }),
        ...(nextToken ? { nextToken } : {}),
      };
    },

    async GetCommentsForPullRequest(input: C.GetCommentsForPullRequestInput, ctx: RequestContext): Promise<C.GetCommentsForPullRequestOutput> {
      const pullRequestId = checkPullRequestId(input.pullRequestId);
      const size = pageSize(input.maxResults, 100, 500);
      const hasCommits = input.beforeCommitId !== undefined || input.afterCommitId !== undefined;
      let repository: RepositoryRow;
      let pr: PullRequestRow;
      let commits: { before: string; after: string } | undefined;
      if (input.repositoryName !== undefined) {
        repository = requireRepository(c, ctx, input.repositoryName);
        pr = pullRequestOf(c, ctx, pullRequestId);
        if (pr.repository_id !== repository.id) {
          throw new AwsError(
            'RepositoryNotAssociatedWithPullRequestException',
            'The repository does not contain any pull requests with that pull request ID. Use GetPullRequest to verify the correct repository name for the pull request ID.',
          );
        }
        // The commit pair is required with a repository name, and the reverse.
        commits = { before: await requireCommit(c, repository, input.beforeCommitId), after: await requireCommit(c, repository, input.afterCommitId) };
      } else {
        if (hasCommits) throw new AwsError('RepositoryNameRequiredException', 'A repository name is required when beforeCommitId and afterCommitId are specified.');
        const found = c.pullRequests.getPullRequest(scopeOf(ctx), pullRequestId);
        const owner = found ? c.store.repositoryById(found.repository_id) : undefined;
        pr = pullRequestOf(c, ctx, pullRequestId);
        if (!owner) throw new AwsError('RepositoryDoesNotExistException', `The repository of pull request ${pullRequestId} no longer exists.`);
        repository = owner;
      }
      const rows = c.comments.commentsForPullRequest(ctx.account, ctx.region, pr.id).filter((r) => !commits || (r.before_commit_id === commits.before && r.after_commit_id === commits.after));
      const { groups, nextToken } = groupedPage(rows, input.nextToken, size);
      return {
        commentsForPullRequestData: groups.map(({ rows: group }) => {
          const { comment: _omitted, ...head } = postedShape(c, group[0], repository, ctx.principal.arn);
          return { pullRequestId: pr.id, ...head, comments: group.map((r) => commentShape(c, r, ctx.principal.arn)) };
        }),
        ...(nextToken ? { nextToken } : {}),
      };
    },
  };
}
