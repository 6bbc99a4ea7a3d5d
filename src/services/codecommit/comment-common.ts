/**
 * What the comment operations share: request checks, comment locations checked against the
 * commits they refer to, the API shapes, idempotent posting, the comment events (published in the
 * change's transaction) and grouped paging.
 */
import { createHash } from 'node:crypto';
import type * as C from '@aws-sdk/client-codecommit';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import type { CommentRow } from './comment-store.js';
import { gitRepository, publishRepositoryEvent, type ReviewContext, scopeOf } from './common.js';
import { keyToken, readKeyToken } from './paging.js';
import type { PullRequestRow } from './pull-request-store.js';
import type { RepositoryRow } from './store.js';
import { entryAt, normalizePath } from './trees.js';

const MAX_CONTENT_LENGTH = 10240;
const COMMIT_ID = /^[0-9a-f]{40}$/i;
const COMMENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PULL_REQUEST_ID = /^[1-9]\d{0,18}$/;

export function checkContent(content: unknown): string {
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

export function checkCommitIdFormat(id: unknown): string {
  if (id === undefined || id === null || id === '') throw new AwsError('CommitIdRequiredException', 'A commit ID was not specified.');
  if (typeof id !== 'string' || !COMMIT_ID.test(id)) throw new AwsError('InvalidCommitIdException', `The specified commit ID is not valid: ${String(id)}`);
  return id.toLowerCase();
}

export function checkPullRequestId(id: unknown): string {
  if (id === undefined || id === null || id === '') throw new AwsError('PullRequestIdRequiredException', 'A pull request ID is required, but none was provided.');
  if (typeof id !== 'string' || !PULL_REQUEST_ID.test(id)) {
    throw new AwsError(
      'InvalidPullRequestIdException',
      'The pull request ID is not valid. Make sure that you have provided the full ID and that the pull request is in the specified repository, and then try again.',
    );
  }
  return id;
}

/** The idempotency token every posting operation requires (SDKs and the CLI generate one). */
export function checkToken(token: unknown): string {
  if (token === undefined || token === null || token === '') {
    throw new AwsError('ClientRequestTokenRequiredException', 'A client request token is required. A client request token is an unique, client-generated idempotency token.');
  }
  if (typeof token !== 'string') throw new AwsError('InvalidClientRequestTokenException', 'The client request token is not valid.');
  return token;
}

export const fingerprint = (parts: unknown[]): string => createHash('sha256').update(JSON.stringify(parts)).digest('hex');

export const commentDoesNotExist = () => new AwsError('CommentDoesNotExistException', 'No comment exists with the provided ID. Verify that you have used the correct ID, and then try again.');
export const commentDeleted = () => new AwsError('CommentDeletedException', 'This comment has already been deleted. You cannot edit or delete a deleted comment.');

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

/** A commit id of the request, which must name a commit of the repository. */
export async function requireCommit(c: ReviewContext, row: RepositoryRow, raw: unknown): Promise<string> {
  const id = checkCommitIdFormat(raw);
  if (!(await gitRepository(c, row).commit(id))) throw new AwsError('CommitDoesNotExistException', `Could not find the specified commit: ${id}`);
  return id;
}

/** The blob at `path` in a commit, or undefined when the path names no file there. */
async function blobAt(c: ReviewContext, row: RepositoryRow, commitId: string | null, path: string): Promise<{ id: string; type: string } | undefined> {
  if (!commitId) return undefined;
  const entry = await entryAt(gitRepository(c, row), commitId, path);
  return entry ? { id: entry.id, type: entry.type } : undefined;
}

/**
 * Checks a comment location against the commits it refers to: the file must exist in the version
 * the comment is on, and the position must be a line of that version.
 */
export async function resolveLocation(
  c: ReviewContext,
  row: RepositoryRow,
  location: C.Location | undefined,
  before: string | null,
  after: string,
): Promise<{ location?: ResolvedLocation; beforeBlobId?: string; afterBlobId?: string }> {
  if (location === undefined || location === null) return {};
  if (typeof location !== 'object') throw new AwsError('InvalidFileLocationException', 'The location of the file is not valid. Make sure that you include the file name and extension.');
  const filePath = normalizePath(location.filePath);
  const version = location.relativeFileVersion;
  if (version !== 'BEFORE' && version !== 'AFTER') {
    throw new AwsError(
      'InvalidRelativeFileVersionEnumException',
      'Either the enum is not in a valid format, or the specified file version enum is not valid in respect to the current file version. Valid values are BEFORE and AFTER.',
    );
  }
  if (version === 'BEFORE' && !before) {
    throw new AwsError('InvalidRelativeFileVersionEnumException', 'The BEFORE file version requires a before commit ID.');
  }
  const position = location.filePosition;
  if (position !== undefined && position !== null && (typeof position !== 'number' || !Number.isInteger(position) || position < 0)) {
    throw new AwsError('InvalidFilePositionException', 'The position is not valid. Make sure that the line number exists in the version of the file you want to comment on.');
  }
  const [beforeBlob, afterBlob] = await Promise.all([blobAt(c, row, before, filePath), blobAt(c, row, after, filePath)]);
  const target = version === 'BEFORE' ? beforeBlob : afterBlob;
  if (!target) throw new AwsError('PathDoesNotExistException', `The specified path does not exist: ${filePath}`);
  if (target.type !== 'blob')
    throw new AwsError('InvalidFileLocationException', `The location of the file is not valid: ${filePath} is not a file. Make sure that you include the file name and extension.`);
  if (typeof position === 'number' && position > 0) {
    const text = (await gitRepository(c, row).blob(target.id)).toString('utf8');
    const lines = text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (position > lines) {
      throw new AwsError(
        'InvalidFilePositionException',
        `The position is not valid. Make sure that the line number exists in the version of the file you want to comment on (${filePath} has ${lines} lines).`,
      );
    }
  }
  return {
    location: { filePath, ...(typeof position === 'number' ? { filePosition: position } : {}), relativeFileVersion: version },
    ...(beforeBlob?.type === 'blob' ? { beforeBlobId: beforeBlob.id } : {}),
    ...(afterBlob?.type === 'blob' ? { afterBlobId: afterBlob.id } : {}),
  };
}

function locationOf(row: CommentRow): C.Location | undefined {
  return row.file_path === null
    ? undefined
    : {
        filePath: row.file_path,
        ...(row.file_position !== null ? { filePosition: row.file_position } : {}),
        relativeFileVersion: row.relative_file_version as C.RelativeFileVersionEnum,
      };
}

/** A comment as the caller sees it: content unless deleted, their own reactions and the counts. */
export function commentShape(c: ReviewContext, row: CommentRow, callerArn: string): C.Comment {
  const reactions = c.comments.reactions(row.id);
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
}

export function postedShape(c: ReviewContext, row: CommentRow, repository: RepositoryRow, callerArn: string) {
  return {
    repositoryName: repository.name,
    ...(row.before_commit_id ? { beforeCommitId: row.before_commit_id } : {}),
    afterCommitId: row.after_commit_id,
    ...(row.before_blob_id ? { beforeBlobId: row.before_blob_id } : {}),
    ...(row.after_blob_id ? { afterBlobId: row.after_blob_id } : {}),
    ...(row.file_path !== null ? { location: locationOf(row) } : {}),
    comment: commentShape(c, row, callerArn),
  };
}

/** "CodeCommit Comment on Commit" / "… on Pull Request", with AWS's detail members. */
export function publishCommentChange(c: ReviewContext, ctx: RequestContext, row: CommentRow, repository: RepositoryRow, kind: 'Created' | 'Updated'): void {
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
  publishRepositoryEvent(c, onPullRequest ? 'CodeCommit Comment on Pull Request' : 'CodeCommit Comment on Commit', repository, {
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
  });
}

/**
 * The comment a request names and its repository (the request was authorized on that repository
 * before the handler ran). A comment whose repository was deleted no longer exists.
 */
export function requireComment(c: ReviewContext, ctx: RequestContext, rawId: unknown): { row: CommentRow; repository: RepositoryRow } {
  const id = checkCommentId(rawId);
  const row = c.comments.getComment(ctx.account, ctx.region, id);
  const repository = row ? c.store.repositoryById(row.repository_id) : undefined;
  if (!row || !repository) throw commentDoesNotExist();
  return { row, repository };
}

/**
 * Idempotent insert: a token already used returns its comment when the request is the same and
 * IdempotencyParameterMismatchException when it differs. A new comment is published in its transaction.
 */
export function insertOnce(c: ReviewContext, ctx: RequestContext, row: CommentRow, repository: RepositoryRow): CommentRow {
  return c.comments.tx(() => {
    const existing = row.client_request_token ? c.comments.commentByToken(row.account, row.region, row.client_request_token) : undefined;
    if (existing) {
      if (existing.request_fingerprint !== row.request_fingerprint) {
        throw new AwsError(
          'IdempotencyParameterMismatchException',
          'The client request token is not valid. Either the token is not in a valid format, or the token has been used in a previous request and cannot be reused.',
        );
      }
      return existing;
    }
    c.comments.insertComment(row);
    publishCommentChange(c, ctx, row, repository, 'Created');
    return row;
  });
}

export function pullRequestOf(c: ReviewContext, ctx: RequestContext, id: string): PullRequestRow {
  const pr = c.pullRequests.getPullRequest(scopeOf(ctx), id);
  if (!pr)
    throw new AwsError(
      'PullRequestDoesNotExistException',
      `The pull request ID could not be found: ${id}. Make sure that you have specified the correct repository name and pull request ID, and then try again.`,
    );
  return pr;
}

/**
 * Groups comments by commit pair and location as AWS returns them, pages them by comment
 * (a group cut by the page boundary continues on the next page).
 */
export function groupedPage(rows: CommentRow[], nextToken: unknown, size: number): { groups: { key: string; rows: CommentRow[] }[]; nextToken?: string } {
  const firstSeq = new Map<string, number>();
  const ordered: Grouped[] = rows.map((row) => {
    const key = JSON.stringify([row.before_commit_id, row.after_commit_id, row.file_path, row.file_position, row.relative_file_version]);
    if (!firstSeq.has(key)) firstSeq.set(key, row.seq ?? 0);
    return { key, groupSeq: firstSeq.get(key) ?? 0, row };
  });
  ordered.sort((a, b) => a.groupSeq - b.groupSeq || (a.row.seq ?? 0) - (b.row.seq ?? 0));
  const sortKey = (g: Grouped) => `${pad(g.groupSeq)}:${pad(g.row.seq ?? 0)}`;
  const after = readKeyToken(nextToken);
  const start = after === undefined ? 0 : ordered.findIndex((g) => sortKey(g) > after);
  const rest = start < 0 ? [] : ordered.slice(start);
  const page = rest.slice(0, size);
  const groups: { key: string; rows: CommentRow[] }[] = [];
  for (const g of page) {
    const last = groups[groups.length - 1];
    if (last && last.key === g.key) last.rows.push(g.row);
    else groups.push({ key: g.key, rows: [g.row] });
  }
  return { groups, nextToken: rest.length > size ? keyToken(sortKey(page[page.length - 1])) : undefined };
}
