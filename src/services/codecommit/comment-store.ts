/**
 * CodeCommit comments (on compared commits and on pull requests, with replies) and their emoji
 * reactions. A reply copies its parent's repository, pull request, commit pair and location, so it
 * is listed in its parent's group as AWS lists it.
 */
import { preparedOnUse } from '../../core/prepared.js';
import type { Store } from '../../core/store.js';

export interface CommentRow {
  seq?: number;
  id: string;
  account: string;
  region: string;
  repository_id: string;
  pull_request_id: string | null;
  before_commit_id: string | null;
  after_commit_id: string;
  before_blob_id: string | null;
  after_blob_id: string | null;
  file_path: string | null;
  file_position: number | null;
  relative_file_version: string | null;
  in_reply_to: string | null;
  content: string;
  deleted: number;
  author_arn: string;
  client_request_token: string | null;
  /** What the idempotency token was first used with, to detect IdempotencyParameterMismatchException. */
  request_fingerprint: string | null;
  created_at: number;
  modified_at: number;
}

export interface ReactionRow {
  comment_id: string;
  user_arn: string;
  reaction: string;
  created_at: number;
}

export class CommentStore {
  private readonly statements;

  constructor(readonly store: Store) {
    store.migrate('codecommit.comments', [
      {
        version: 1,
        sql: `CREATE TABLE codecommit_comments (
          seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
          account TEXT NOT NULL, region TEXT NOT NULL, repository_id TEXT NOT NULL, pull_request_id TEXT,
          before_commit_id TEXT, after_commit_id TEXT NOT NULL, before_blob_id TEXT, after_blob_id TEXT,
          file_path TEXT, file_position INTEGER, relative_file_version TEXT, in_reply_to TEXT,
          content TEXT NOT NULL, deleted INTEGER NOT NULL, author_arn TEXT NOT NULL,
          client_request_token TEXT, request_fingerprint TEXT,
          created_at INTEGER NOT NULL, modified_at INTEGER NOT NULL);
        CREATE UNIQUE INDEX codecommit_comments_token ON codecommit_comments (account, region, client_request_token);
        CREATE INDEX codecommit_comments_commits ON codecommit_comments (repository_id, after_commit_id);
        CREATE INDEX codecommit_comments_pull_request ON codecommit_comments (account, region, pull_request_id);
        CREATE TABLE codecommit_comment_reactions (
          comment_id TEXT NOT NULL, user_arn TEXT NOT NULL, reaction TEXT NOT NULL, created_at INTEGER NOT NULL,
          PRIMARY KEY (comment_id, user_arn));`,
      },
    ]);
    const db = store.db;
    this.statements = preparedOnUse({
      get: () => db.prepare<[string, string, string], CommentRow>('SELECT * FROM codecommit_comments WHERE account = ? AND region = ? AND id = ?'),
      byToken: () => db.prepare<[string, string, string], CommentRow>('SELECT * FROM codecommit_comments WHERE account = ? AND region = ? AND client_request_token = ?'),
      insert: () =>
        db.prepare<[CommentRow]>(
          `INSERT INTO codecommit_comments (id, account, region, repository_id, pull_request_id, before_commit_id, after_commit_id,
           before_blob_id, after_blob_id, file_path, file_position, relative_file_version, in_reply_to, content, deleted,
           author_arn, client_request_token, request_fingerprint, created_at, modified_at)
         VALUES (@id, @account, @region, @repository_id, @pull_request_id, @before_commit_id, @after_commit_id,
           @before_blob_id, @after_blob_id, @file_path, @file_position, @relative_file_version, @in_reply_to, @content, @deleted,
           @author_arn, @client_request_token, @request_fingerprint, @created_at, @modified_at)`,
        ),
      update: () =>
        db.prepare<[{ id: string; content: string; deleted: number; modified_at: number }]>(
          'UPDATE codecommit_comments SET content = @content, deleted = @deleted, modified_at = @modified_at WHERE id = @id',
        ),
      compared: () =>
        db.prepare<[string, string, string | null], CommentRow>(
          `SELECT * FROM codecommit_comments WHERE repository_id = ? AND pull_request_id IS NULL AND after_commit_id = ? AND before_commit_id IS ?
         ORDER BY seq`,
        ),
      pullRequest: () => db.prepare<[string, string, string], CommentRow>('SELECT * FROM codecommit_comments WHERE account = ? AND region = ? AND pull_request_id = ? ORDER BY seq'),
      reactions: () => db.prepare<[string], ReactionRow>('SELECT * FROM codecommit_comment_reactions WHERE comment_id = ? ORDER BY created_at, user_arn'),
      setReaction: () =>
        db.prepare<[ReactionRow]>(
          `INSERT INTO codecommit_comment_reactions (comment_id, user_arn, reaction, created_at) VALUES (@comment_id, @user_arn, @reaction, @created_at)
         ON CONFLICT (comment_id, user_arn) DO UPDATE SET reaction = excluded.reaction, created_at = excluded.created_at`,
        ),
      removeReaction: () => db.prepare<[string, string]>('DELETE FROM codecommit_comment_reactions WHERE comment_id = ? AND user_arn = ?'),
    });
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  getComment(account: string, region: string, id: string): CommentRow | undefined {
    return this.statements.get.get(account, region, id);
  }

  commentByToken(account: string, region: string, token: string): CommentRow | undefined {
    return this.statements.byToken.get(account, region, token);
  }

  insertComment(row: CommentRow): void {
    this.statements.insert.run(row);
  }

  updateComment(row: Pick<CommentRow, 'id' | 'content' | 'deleted' | 'modified_at'>): void {
    this.statements.update.run({ id: row.id, content: row.content, deleted: row.deleted, modified_at: row.modified_at });
  }

  /** Comments on the comparison of two commits (not on pull requests), oldest first. */
  commentsForComparedCommit(repositoryId: string, beforeCommitId: string | null, afterCommitId: string): CommentRow[] {
    return this.statements.compared.all(repositoryId, afterCommitId, beforeCommitId);
  }

  /** Every comment on a pull request, oldest first. */
  commentsForPullRequest(account: string, region: string, pullRequestId: string): CommentRow[] {
    return this.statements.pullRequest.all(account, region, pullRequestId);
  }

  reactions(commentId: string): ReactionRow[] {
    return this.statements.reactions.all(commentId);
  }

  setReaction(row: ReactionRow): void {
    this.statements.setReaction.run(row);
  }

  removeReaction(commentId: string, userArn: string): void {
    this.statements.removeReaction.run(commentId, userArn);
  }
}
