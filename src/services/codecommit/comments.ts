/**
 * CodeCommit operations: comments on compared commits and on pull requests, replies, edits,
 * content deletion and emoji reactions, publishing AWS's "CodeCommit Comment on Commit" and
 * "CodeCommit Comment on Pull Request" events. Commits and files are checked in the real bare
 * repository; pull requests come from the pull-request area's store.
 */
import { createHash } from 'node:crypto';
import type * as C from '@aws-sdk/client-codecommit';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { AwsError } from '../../core/errors.js';
import { parseArn } from '../../core/arn.js';
import { uuid } from '../../core/ids.js';
import { authorize, gitRepository, repositoryArn, requireRepository, type CodeCommitContext } from './common.js';
import type { RepositoryRow } from './store.js';
import { CommentStore, type CommentRow, type ReactionRow } from './comment-store.js';
import { PullRequestStore, type PullRequestRow } from './pull-request-store.js';
import { entryAt, normalizePath } from './trees.js';
import { encodeToken, decodeToken, pageSize } from './approval-rule-templates.js';

const MAX_CONTENT_LENGTH = 10240;
const COMMIT_ID = /^[0-9a-f]{40}$/i;
const COMMENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PULL_REQUEST_ID = /^[1-9]\d{0,18}$/;

/**
 * The reactions CodeCommit supports, by the value its comments report (callerReactions and the
 * reactionCounts keys); a request may name one by emoji, short code (with or without colons),
 * Unicode code point (`U+1F44D`) or this name.
 */
const REACTIONS: { name: string; emoji: string; shortCode: string; unicode: string; aliases?: string[] }[] = [
  { name: 'THUMBSUP', emoji: '👍', shortCode: 'thumbsup', unicode: 'U+1F44D', aliases: ['+1'] },
  { name: 'THUMBSDOWN', emoji: '👎', shortCode: 'thumbsdown', unicode: 'U+1F44E', aliases: ['-1'] },
  { name: 'SMILE', emoji: '😄', shortCode: 'smile', unicode: 'U+1F604' },
  { name: 'LAUGHING', emoji: '😆', shortCode: 'laughing', unicode: 'U+1F606', aliases: ['laugh'] },
  { name: 'CONFUSED', emoji: '😕', shortCode: 'confused', unicode: 'U+1F615' },
  { name: 'HEART', emoji: '❤️', shortCode: 'heart', unicode: 'U+2764' },
  { name: 'CLAP', emoji: '👏', shortCode: 'clap', unicode: 'U+1F44F' },
  { name: 'HOORAY', emoji: '🎉', shortCode: 'tada', unicode: 'U+1F389', aliases: ['hooray'] },
  { name: 'ROCKET', emoji: '🚀', shortCode: 'rocket', unicode: 'U+1F680' },
  { name: 'EYES', emoji: '👀', shortCode: 'eyes', unicode: 'U+1F440' },
];
const REACTION_BY_NAME = new Map(REACTIONS.map((r) => [r.name, r]));
const REACTION_LOOKUP = new Map<string, string>();
for (const r of REACTIONS) {
  for (const key of [r.name, r.shortCode, `:${r.shortCode}:`, r.unicode, r.emoji, r.emoji.replace('\uFE0F', ''), ...(r.aliases ?? []).flatMap((a) => [a, `:${a}:`])]) {
    REACTION_LOOKUP.set(key.toUpperCase(), r.name);
  }
}

/** What a reaction request asks for: a reaction name, or null to remove the caller's reaction. */
function parseReaction(value: unknown): string | null {
  if (value === undefined || value === null) throw new AwsError('ReactionValueRequiredException', 'A reaction value is required.');
  if (typeof value !== 'string') throw new AwsError('InvalidReactionValueException', 'The value of the reaction is not valid.');
  const text = value.trim();
  if (text === '' || text.toLowerCase() === 'none') return null;
  const name = REACTION_LOOKUP.get(text.toUpperCase());
  if (!name) throw new AwsError('InvalidReactionValueException', `The value of the reaction is not valid: ${value}. For more information, see the AWS CodeCommit User Guide.`);
  return name;
}

function checkContent(content: unknown): string {
  if (content === undefined || content === null || content === '') {
    throw new AwsError('CommentContentRequiredException', 'The comment is empty. You must provide some content for a comment. The content cannot be null.');
  }
  if (typeof content !== 'string') throw new AwsError('CommentContentRequiredException', 'The comment content must be a string.');
  if (content.length > MAX_CONTENT_LENGTH) throw new AwsError('CommentContentSizeLimitExceededException', 'The comment is too large. Comments are limited to 10,240 characters.');
  return content;
}

function checkCommentId(id: unknown): string {
  if (id === undefined || id === null || id === '') throw new AwsError('CommentIdRequiredException', 'The comment ID is missing or null. A comment ID is required.');
  if (typeof id !== 'string' || !COMMENT_ID.test(id)) {
    throw new AwsError('InvalidCommentIdException', 'The comment ID is not in a valid format. Make sure that you have provided the full comment ID.');
  }
  return id.toLowerCase();
}

function checkCommitIdFormat(id: unknown): string {
  if (id === undefined || id === null || id === '') throw new AwsError('CommitIdRequiredException', 'A commit ID was not specified.');
  if (typeof id !== 'string' || !COMMIT_ID.test(id)) throw new AwsError('InvalidCommitIdException', `The specified commit ID is not valid: ${String(id)}`);
  return id.toLowerCase();
}

function checkPullRequestId(id: unknown): string {
  if (id === undefined || id === null || id === '') throw new AwsError('PullRequestIdRequiredException', 'A pull request ID is required, but none was provided.');
  if (typeof id !== 'string' || !PULL_REQUEST_ID.test(id)) {
    throw new AwsError('InvalidPullRequestIdException', 'The pull request ID is not valid. Make sure that you have provided the full ID and that the pull request is in the specified repository, and then try again.');
  }
  return id;
}

/** The idempotency token every posting operation requires (SDKs and the CLI generate one). */
function checkToken(token: unknown): string {
  if (token === undefined || token === null || token === '') {
    throw new AwsError('ClientRequestTokenRequiredException', 'A client request token is required. A client request token is an unique, client-generated idempotency token.');
  }
  if (typeof token !== 'string') throw new AwsError('InvalidClientRequestTokenException', 'The client request token is not valid.');
  return token;
}

const fingerprint = (parts: unknown[]): string => createHash('sha256').update(JSON.stringify(parts)).digest('hex');

const commentDoesNotExist = () => new AwsError('CommentDoesNotExistException', 'No comment exists with the provided ID. Verify that you have used the correct ID, and then try again.');
const commentDeleted = () => new AwsError('CommentDeletedException', 'This comment has already been deleted. You cannot edit or delete a deleted comment.');

interface ResolvedLocation {
  filePath: string;
  filePosition?: number;
  relativeFileVersion: 'BEFORE' | 'AFTER';
}

/** The order comments of one request are grouped and paged in: by group (first comment), then by comment. */
interface Grouped {
  key: string;
  groupSeq: number;
  row: CommentRow;
}

const pad = (n: number) => String(n).padStart(15, '0');

export function commentsHandlers(c: CodeCommitContext): Handlers {
  const comments = new CommentStore(c.rt.store);
  const pullRequests = new PullRequestStore(c.rt.store);

  /** A commit id of the request, which must name a commit of the repository. */
  const requireCommit = async (row: RepositoryRow, raw: unknown): Promise<string> => {
    const id = checkCommitIdFormat(raw);
    if (!(await gitRepository(c, row).commit(id))) throw new AwsError('CommitDoesNotExistException', `Could not find the specified commit: ${id}`);
    return id;
  };

  /** The blob at `path` in a commit, or undefined when the path names no file there. */
  const blobAt = async (row: RepositoryRow, commitId: string | null, path: string): Promise<{ id: string; type: string } | undefined> => {
    if (!commitId) return undefined;
    const entry = await entryAt(gitRepository(c, row), commitId, path);
    return entry ? { id: entry.id, type: entry.type } : undefined;
  };

  /**
   * Checks a comment location against the commits it refers to: the file must exist in the version
   * the comment is on, and the position must be a line of that version.
   */
  const resolveLocation = async (
    row: RepositoryRow,
    location: C.Location | undefined,
    before: string | null,
    after: string,
  ): Promise<{ location?: ResolvedLocation; beforeBlobId?: string; afterBlobId?: string }> => {
    if (location === undefined || location === null) return {};
    if (typeof location !== 'object') throw new AwsError('InvalidFileLocationException', 'The location of the file is not valid. Make sure that you include the file name and extension.');
    const filePath = normalizePath(location.filePath);
    const version = location.relativeFileVersion;
    if (version !== 'BEFORE' && version !== 'AFTER') {
      throw new AwsError('InvalidRelativeFileVersionEnumException', 'Either the enum is not in a valid format, or the specified file version enum is not valid in respect to the current file version. Valid values are BEFORE and AFTER.');
    }
    if (version === 'BEFORE' && !before) {
      throw new AwsError('InvalidRelativeFileVersionEnumException', 'The BEFORE file version requires a before commit ID.');
    }
    const position = location.filePosition;
    if (position !== undefined && position !== null && (typeof position !== 'number' || !Number.isInteger(position) || position < 0)) {
      throw new AwsError('InvalidFilePositionException', 'The position is not valid. Make sure that the line number exists in the version of the file you want to comment on.');
    }
    const [beforeBlob, afterBlob] = await Promise.all([blobAt(row, before, filePath), blobAt(row, after, filePath)]);
    const target = version === 'BEFORE' ? beforeBlob : afterBlob;
    if (!target) throw new AwsError('PathDoesNotExistException', `The specified path does not exist: ${filePath}`);
    if (target.type !== 'blob') throw new AwsError('InvalidFileLocationException', `The location of the file is not valid: ${filePath} is not a file. Make sure that you include the file name and extension.`);
    if (typeof position === 'number' && position > 0) {
      const text = (await gitRepository(c, row).blob(target.id)).toString('utf8');
      const lines = text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
      if (position > lines) {
        throw new AwsError('InvalidFilePositionException', `The position is not valid. Make sure that the line number exists in the version of the file you want to comment on (${filePath} has ${lines} lines).`);
      }
    }
    return {
      location: { filePath, ...(typeof position === 'number' ? { filePosition: position } : {}), relativeFileVersion: version },
      ...(beforeBlob?.type === 'blob' ? { beforeBlobId: beforeBlob.id } : {}),
      ...(afterBlob?.type === 'blob' ? { afterBlobId: afterBlob.id } : {}),
    };
  };

  const locationOf = (row: CommentRow): C.Location | undefined =>
    row.file_path === null
      ? undefined
      : {
          filePath: row.file_path,
          ...(row.file_position !== null ? { filePosition: row.file_position } : {}),
          relativeFileVersion: row.relative_file_version as C.RelativeFileVersionEnum,
        };

  /** A comment as the caller sees it: content unless deleted, their own reactions and the counts. */
  const commentShape = (row: CommentRow, callerArn: string): C.Comment => {
    const reactions = comments.reactions(row.id);
    const counts: Record<string, number> = {};
    for (const r of reactions) counts[r.reaction] = (counts[r.reaction] ?? 0) + 1;
    return {
      commentId: row.id,
      ...(row.deleted ? {} : { content: row.content }),
      ...(row.in_reply_to ? { inReplyTo: row.in_reply_to } : {}),
      creationDate: new Date(row.created_at),
      lastModifiedDate: new Date(row.modified_at),
      authorArn: row.author_arn,
      deleted: row.deleted === 1,
      ...(row.client_request_token ? { clientRequestToken: row.client_request_token } : {}),
      callerReactions: reactions.filter((r) => r.user_arn === callerArn).map((r) => r.reaction),
      reactionCounts: counts,
    };
  };

  const postedShape = (row: CommentRow, repository: RepositoryRow, callerArn: string) => ({
    repositoryName: repository.name,
    ...(row.before_commit_id ? { beforeCommitId: row.before_commit_id } : {}),
    afterCommitId: row.after_commit_id,
    ...(row.before_blob_id ? { beforeBlobId: row.before_blob_id } : {}),
    ...(row.after_blob_id ? { afterBlobId: row.after_blob_id } : {}),
    ...(row.file_path !== null ? { location: locationOf(row) } : {}),
    comment: commentShape(row, callerArn),
  });

  /** "CodeCommit Comment on Commit" / "… on Pull Request", with AWS's detail members. */
  const publish = (ctx: RequestContext, row: CommentRow, repository: RepositoryRow, kind: 'Created' | 'Updated'): void => {
    const caller = ctx.principal.arn;
    const region = repository.region;
    const onPullRequest = row.pull_request_id !== null;
    const action = kind === 'Created' ? 'made a comment' : 'updated a comment or replied to a comment';
    let notificationBody: string;
    if (onPullRequest) {
      const console =
        kind === 'Created'
          ? `https://${region}.console.aws.amazon.com/codecommit/home?region=${region}#/repository/${repository.name}/pull-request/${row.pull_request_id}/activity#${row.id}`
          : `https://${region}.console.aws.amazon.com/codesuite/codecommit/repositories/${repository.name}/pull-requests/${row.pull_request_id}/activity#${row.id}`;
      notificationBody = `A comment event occurred in the following AWS CodeCommit repository: ${repository.name}. The user ${caller} ${action}. The comment was made on the following Pull Request: ${row.pull_request_id}. For more information, go to the AWS CodeCommit console ${console}`;
    } else {
      const console =
        kind === 'Created'
          ? `https://${region}.console.aws.amazon.com/codecommit/home?region=${region}#/repository/${repository.name}/compare/${row.before_commit_id ?? ''}...${row.after_commit_id}#${row.id}`
          : `https://${region}.console.aws.amazon.com/codesuite/codecommit/repositories/${repository.name}/compare/${row.before_commit_id ?? ''}/.../${row.after_commit_id}?region=${region}`;
      notificationBody = `A comment event occurred in the following AWS CodeCommit repository: ${repository.name}. The user ${caller} ${action}. The comment was made on the following comment ID: ${row.id}. For more information, go to the AWS CodeCommit console ${console}`;
    }
    c.rt.events.publish({
      source: 'aws.codecommit',
      'detail-type': onPullRequest ? 'CodeCommit Comment on Pull Request' : 'CodeCommit Comment on Commit',
      account: repository.account,
      region,
      resources: [repositoryArn(repository)],
      detail: {
        ...(row.before_commit_id ? { beforeCommitId: row.before_commit_id } : {}),
        afterCommitId: row.after_commit_id,
        callerUserArn: caller,
        commentId: row.id,
        event: `${onPullRequest ? 'commentOnPullRequest' : 'commentOnCommit'}${kind}`,
        ...(row.in_reply_to ? { inReplyTo: row.in_reply_to } : {}),
        notificationBody,
        ...(onPullRequest ? { pullRequestId: row.pull_request_id } : {}),
        repositoryId: repository.id,
        repositoryName: repository.name,
      },
    });
  };

  /**
   * The comment a request names and its repository, after authorizing the request's operation on
   * that repository. A comment whose repository was deleted no longer exists.
   */
  const requireComment = (ctx: RequestContext, rawId: unknown): { row: CommentRow; repository: RepositoryRow } => {
    const id = checkCommentId(rawId);
    const row = comments.getComment(ctx.account, ctx.region, id);
    const repository = row ? c.store.repositoryById(row.repository_id) : undefined;
    if (!row || !repository) {
      authorize(c, ctx.principal, ctx.region, ctx.operation, '*');
      throw commentDoesNotExist();
    }
    authorize(c, ctx.principal, ctx.region, ctx.operation, repositoryArn(repository));
    return { row, repository };
  };

  /**
   * Idempotent insert: a token already used returns its comment when the request is the same and
   * IdempotencyParameterMismatchException when it differs.
   */
  const insertOnce = (row: CommentRow): { row: CommentRow; fresh: boolean } =>
    comments.tx(() => {
      const existing = row.client_request_token ? comments.commentByToken(row.account, row.region, row.client_request_token) : undefined;
      if (existing) {
        if (existing.request_fingerprint !== row.request_fingerprint) {
          throw new AwsError('IdempotencyParameterMismatchException', 'The client request token is not valid. Either the token is not in a valid format, or the token has been used in a previous request and cannot be reused.');
        }
        return { row: existing, fresh: false };
      }
      comments.insertComment(row);
      return { row, fresh: true };
    });

  const pullRequestOf = (ctx: RequestContext, id: string): PullRequestRow => {
    const pr = pullRequests.getPullRequest({ account: ctx.account, region: ctx.region }, id);
    if (!pr) throw new AwsError('PullRequestDoesNotExistException', `The pull request ID could not be found: ${id}. Make sure that you have specified the correct repository name and pull request ID, and then try again.`);
    return pr;
  };

  /**
   * Groups comments by commit pair and location as AWS returns them, pages them by comment
   * (a group cut by the page boundary continues on the next page).
   */
  const groupedPage = (rows: CommentRow[], nextToken: unknown, size: number): { groups: { key: string; rows: CommentRow[] }[]; nextToken?: string } => {
    const firstSeq = new Map<string, number>();
    const ordered: Grouped[] = rows.map((row) => {
      const key = JSON.stringify([row.before_commit_id, row.after_commit_id, row.file_path, row.file_position, row.relative_file_version]);
      if (!firstSeq.has(key)) firstSeq.set(key, row.seq ?? 0);
      return { key, groupSeq: firstSeq.get(key) ?? 0, row };
    });
    ordered.sort((a, b) => a.groupSeq - b.groupSeq || (a.row.seq ?? 0) - (b.row.seq ?? 0));
    const sortKey = (g: Grouped) => `${pad(g.groupSeq)}:${pad(g.row.seq ?? 0)}`;
    const after = decodeToken(nextToken);
    const start = after === undefined ? 0 : ordered.findIndex((g) => sortKey(g) > after);
    const rest = start < 0 ? [] : ordered.slice(start);
    const page = rest.slice(0, size);
    const groups: { key: string; rows: CommentRow[] }[] = [];
    for (const g of page) {
      const last = groups[groups.length - 1];
      if (last && last.key === g.key) last.rows.push(g.row);
      else groups.push({ key: g.key, rows: [g.row] });
    }
    return { groups, nextToken: rest.length > size ? encodeToken(sortKey(page[page.length - 1])) : undefined };
  };

  return {
    async PostCommentForComparedCommit(input: C.PostCommentForComparedCommitInput, ctx: RequestContext): Promise<C.PostCommentForComparedCommitOutput> {
      const repository = requireRepository(c, ctx, input.repositoryName);
      const content = checkContent(input.content);
      const token = checkToken(input.clientRequestToken);
      checkCommitIdFormat(input.afterCommitId);
      if (input.beforeCommitId !== undefined) checkCommitIdFormat(input.beforeCommitId);
      const after = await requireCommit(repository, input.afterCommitId);
      const before = input.beforeCommitId === undefined ? null : await requireCommit(repository, input.beforeCommitId);
      if (before === after) {
        throw new AwsError('BeforeCommitIdAndAfterCommitIdAreSameException', 'The before commit ID and the after commit ID are the same, which is not valid. The before commit ID and the after commit ID must be different commit IDs.');
      }
      const resolved = await resolveLocation(repository, input.location, before, after);
      const now = c.rt.clock.now();
      const { row, fresh } = insertOnce({
        id: uuid(), account: ctx.account, region: ctx.region, repository_id: repository.id, pull_request_id: null,
        before_commit_id: before, after_commit_id: after, before_blob_id: resolved.beforeBlobId ?? null, after_blob_id: resolved.afterBlobId ?? null,
        file_path: resolved.location?.filePath ?? null, file_position: resolved.location?.filePosition ?? null,
        relative_file_version: resolved.location?.relativeFileVersion ?? null, in_reply_to: null, content, deleted: 0,
        author_arn: ctx.principal.arn, client_request_token: token,
        request_fingerprint: fingerprint(['PostCommentForComparedCommit', repository.id, before, after, resolved.location ?? null, content, ctx.principal.arn]),
        created_at: now, modified_at: now,
      });
      if (fresh) publish(ctx, row, repository, 'Created');
      return postedShape(row, repository, ctx.principal.arn);
    },

    async PostCommentForPullRequest(input: C.PostCommentForPullRequestInput, ctx: RequestContext): Promise<C.PostCommentForPullRequestOutput> {
      const pullRequestId = checkPullRequestId(input.pullRequestId);
      const repository = requireRepository(c, ctx, input.repositoryName);
      const content = checkContent(input.content);
      const token = checkToken(input.clientRequestToken);
      checkCommitIdFormat(input.beforeCommitId);
      checkCommitIdFormat(input.afterCommitId);
      const pr = pullRequestOf(ctx, pullRequestId);
      if (pr.repository_id !== repository.id) {
        throw new AwsError('RepositoryNotAssociatedWithPullRequestException', 'The repository does not contain any pull requests with that pull request ID. Use GetPullRequest to verify the correct repository name for the pull request ID.');
      }
      const before = await requireCommit(repository, input.beforeCommitId);
      const after = await requireCommit(repository, input.afterCommitId);
      if (before === after) {
        throw new AwsError('BeforeCommitIdAndAfterCommitIdAreSameException', 'The before commit ID and the after commit ID are the same, which is not valid. The before commit ID and the after commit ID must be different commit IDs.');
      }
      const resolved = await resolveLocation(repository, input.location, before, after);
      const now = c.rt.clock.now();
      const { row, fresh } = insertOnce({
        id: uuid(), account: ctx.account, region: ctx.region, repository_id: repository.id, pull_request_id: pr.id,
        before_commit_id: before, after_commit_id: after, before_blob_id: resolved.beforeBlobId ?? null, after_blob_id: resolved.afterBlobId ?? null,
        file_path: resolved.location?.filePath ?? null, file_position: resolved.location?.filePosition ?? null,
        relative_file_version: resolved.location?.relativeFileVersion ?? null, in_reply_to: null, content, deleted: 0,
        author_arn: ctx.principal.arn, client_request_token: token,
        request_fingerprint: fingerprint(['PostCommentForPullRequest', repository.id, pr.id, before, after, resolved.location ?? null, content, ctx.principal.arn]),
        created_at: now, modified_at: now,
      });
      if (fresh) publish(ctx, row, repository, 'Created');
      return { pullRequestId: pr.id, ...postedShape(row, repository, ctx.principal.arn) };
    },

    PostCommentReply(input: C.PostCommentReplyInput, ctx: RequestContext): C.PostCommentReplyOutput {
      const { row: parent, repository } = requireComment(ctx, input.inReplyTo);
      const content = checkContent(input.content);
      const token = checkToken(input.clientRequestToken);
      const now = c.rt.clock.now();
      const { row, fresh } = insertOnce({
        ...parent, seq: undefined, id: uuid(), in_reply_to: parent.id, content, deleted: 0, author_arn: ctx.principal.arn,
        client_request_token: token, request_fingerprint: fingerprint(['PostCommentReply', parent.id, content, ctx.principal.arn]),
        created_at: now, modified_at: now,
      });
      if (fresh) publish(ctx, row, repository, 'Created');
      return { comment: commentShape(row, ctx.principal.arn) };
    },

    GetComment(input: C.GetCommentInput, ctx: RequestContext): C.GetCommentOutput {
      const { row } = requireComment(ctx, input.commentId);
      if (row.deleted) throw commentDeleted();
      return { comment: commentShape(row, ctx.principal.arn) };
    },

    UpdateComment(input: C.UpdateCommentInput, ctx: RequestContext): C.UpdateCommentOutput {
      const { row: current, repository } = requireComment(ctx, input.commentId);
      const content = checkContent(input.content);
      const row = comments.tx(() => {
        const fresh = comments.getComment(ctx.account, ctx.region, current.id);
        if (!fresh) throw commentDoesNotExist();
        if (fresh.deleted) throw commentDeleted();
        if (fresh.author_arn !== ctx.principal.arn) {
          throw new AwsError('CommentNotCreatedByCallerException', 'You cannot modify or delete this comment. Only comment authors can modify or delete their comments.');
        }
        const updated = { ...fresh, content, modified_at: c.rt.clock.now() };
        comments.updateComment(updated);
        return updated;
      });
      publish(ctx, row, repository, 'Updated');
      return { comment: commentShape(row, ctx.principal.arn) };
    },

    DeleteCommentContent(input: C.DeleteCommentContentInput, ctx: RequestContext): C.DeleteCommentContentOutput {
      const { row: current } = requireComment(ctx, input.commentId);
      const row = comments.tx(() => {
        const fresh = comments.getComment(ctx.account, ctx.region, current.id);
        if (!fresh) throw commentDoesNotExist();
        if (fresh.deleted) throw commentDeleted();
        // The content is gone for good: AWS keeps only the comment's metadata.
        const updated = { ...fresh, content: '', deleted: 1, modified_at: c.rt.clock.now() };
        comments.updateComment(updated);
        return updated;
      });
      return { comment: commentShape(row, ctx.principal.arn) };
    },

    PutCommentReaction(input: C.PutCommentReactionInput, ctx: RequestContext): Record<string, never> {
      const { row: current } = requireComment(ctx, input.commentId);
      const reaction = parseReaction(input.reactionValue);
      comments.tx(() => {
        const fresh = comments.getComment(ctx.account, ctx.region, current.id);
        if (!fresh) throw commentDoesNotExist();
        if (fresh.deleted) throw commentDeleted();
        // One reaction per user and comment: a new value replaces the old one.
        if (reaction === null) comments.removeReaction(fresh.id, ctx.principal.arn);
        else comments.setReaction({ comment_id: fresh.id, user_arn: ctx.principal.arn, reaction, created_at: c.rt.clock.now() });
      });
      return {};
    },

    GetCommentReactions(input: C.GetCommentReactionsInput, ctx: RequestContext): C.GetCommentReactionsOutput {
      const { row } = requireComment(ctx, input.commentId);
      const size = pageSize(input.maxResults, 1000);
      const filter = input.reactionUserArn;
      if (filter !== undefined && (typeof filter !== 'string' || !parseArn(filter))) {
        throw new AwsError('InvalidReactionUserArnException', 'The Amazon Resource Name (ARN) of the user or identity is not valid.');
      }
      if (row.deleted) throw commentDeleted();
      const byReaction = new Map<string, ReactionRow[]>();
      for (const r of comments.reactions(row.id)) {
        if (filter !== undefined && r.user_arn !== filter) continue;
        byReaction.set(r.reaction, [...(byReaction.get(r.reaction) ?? []), r]);
      }
      // Reactions are listed in CodeCommit's reaction order; the token names the last one returned.
      const order = (name: string) => REACTIONS.findIndex((r) => r.name === name);
      const after = decodeToken(input.nextToken);
      if (after !== undefined && !REACTION_BY_NAME.has(after)) {
        throw new AwsError('InvalidContinuationTokenException', 'The specified continuation token is not valid.');
      }
      const rest = REACTIONS.map((r) => r.name).filter((name) => byReaction.has(name) && (after === undefined || order(name) > order(after)));
      const page = rest.slice(0, size);
      return {
        reactionsForComment: page.map((name) => {
          const r = REACTION_BY_NAME.get(name);
          return {
            reaction: { emoji: r?.emoji, shortCode: r?.shortCode, unicode: r?.unicode },
            reactionUsers: (byReaction.get(name) ?? []).map((x) => x.user_arn),
            reactionsFromDeletedUsersCount: 0,
          };
        }),
        ...(rest.length > size ? { nextToken: encodeToken(page[page.length - 1]) } : {}),
      };
    },

    async GetCommentsForComparedCommit(input: C.GetCommentsForComparedCommitInput, ctx: RequestContext): Promise<C.GetCommentsForComparedCommitOutput> {
      const repository = requireRepository(c, ctx, input.repositoryName);
      const size = pageSize(input.maxResults, 100, 500);
      const after = await requireCommit(repository, input.afterCommitId);
      const before = input.beforeCommitId === undefined ? null : await requireCommit(repository, input.beforeCommitId);
      const { groups, nextToken } = groupedPage(comments.commentsForComparedCommit(repository.id, before, after), input.nextToken, size);
      return {
        commentsForComparedCommitData: groups.map(({ rows }) => {
          const { comment: _omitted, ...head } = postedShape(rows[0], repository, ctx.principal.arn);
          return { ...head, comments: rows.map((r) => commentShape(r, ctx.principal.arn)) };
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
        pr = pullRequestOf(ctx, pullRequestId);
        if (pr.repository_id !== repository.id) {
          throw new AwsError('RepositoryNotAssociatedWithPullRequestException', 'The repository does not contain any pull requests with that pull request ID. Use GetPullRequest to verify the correct repository name for the pull request ID.');
        }
        // The commit pair is required with a repository name, and the reverse.
        commits = { before: await requireCommit(repository, input.beforeCommitId), after: await requireCommit(repository, input.afterCommitId) };
      } else {
        if (hasCommits) throw new AwsError('RepositoryNameRequiredException', 'A repository name is required when beforeCommitId and afterCommitId are specified.');
        const found = pullRequests.getPullRequest({ account: ctx.account, region: ctx.region }, pullRequestId);
        const owner = found ? c.store.repositoryById(found.repository_id) : undefined;
        authorize(c, ctx.principal, ctx.region, ctx.operation, owner ? repositoryArn(owner) : '*');
        pr = pullRequestOf(ctx, pullRequestId);
        if (!owner) throw new AwsError('RepositoryDoesNotExistException', `The repository of pull request ${pullRequestId} no longer exists.`);
        repository = owner;
      }
      const rows = comments
        .commentsForPullRequest(ctx.account, ctx.region, pr.id)
        .filter((r) => !commits || (r.before_commit_id === commits.before && r.after_commit_id === commits.after));
      const { groups, nextToken } = groupedPage(rows, input.nextToken, size);
      return {
        commentsForPullRequestData: groups.map(({ rows: group }) => {
          const { comment: _omitted, ...head } = postedShape(group[0], repository, ctx.principal.arn);
          return { pullRequestId: pr.id, ...head, comments: group.map((r) => commentShape(r, ctx.principal.arn)) };
        }),
        ...(nextToken ? { nextToken } : {}),
      };
    },
  };
}
