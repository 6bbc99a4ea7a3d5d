/**
 * CodeCommit pull requests: their rows, events (DescribePullRequestEvents), approval rules,
 * approvals and overrides per revision. Pull request ids are sequential per account and region,
 * as AWS numbers them ("1", "2" …). The bare repositories hold the commits; these tables hold only
 * what git does not.
 */
import type { Scope } from '../../core/accounts.js';
import { preparedOnUse } from '../../core/prepared.js';
import type { Store } from '../../core/store.js';

export interface PullRequestRow {
  account: string;
  region: string;
  id: string;
  repository_id: string;
  /** The repository's name when the pull request was last touched (shown if the repository is gone). */
  repository_name: string;
  title: string;
  description: string | null;
  status: 'OPEN' | 'CLOSED';
  author_arn: string;
  client_request_token: string | null;
  /** What the idempotency token was first used with, to detect IdempotencyParameterMismatchException. */
  request_fingerprint: string | null;
  source_ref: string;
  destination_ref: string;
  source_commit: string;
  destination_commit: string;
  merge_base: string | null;
  revision_id: string;
  is_merged: number;
  merged_by: string | null;
  merge_commit_id: string | null;
  merge_option: string | null;
  created_at: number;
  modified_at: number;
}

export interface PullRequestEventRow {
  account: string;
  region: string;
  pull_request_id: string;
  seq?: number;
  event_type: string;
  actor_arn: string;
  event_date: number;
  /** The event's metadata member (name and value) as JSON, e.g. {"pullRequestStatusChangedEventMetadata": {...}}. */
  metadata: string;
}

export interface ApprovalRuleRow {
  account: string;
  region: string;
  pull_request_id: string;
  rule_id: string;
  name: string;
  content: string;
  content_sha256: string;
  created_at: number;
  modified_at: number;
  last_modified_user: string;
  template_id: string | null;
  template_name: string | null;
}

export interface ApprovalRow {
  user_arn: string;
  state: string;
}

export interface OverrideRow {
  overrider: string;
}

type Key = [account: string, region: string, id: string];

export class PullRequestStore {
  private readonly stmts;

  constructor(private readonly store: Store) {
    store.migrate('codecommit.pull-requests', [
      {
        version: 1,
        sql: `CREATE TABLE codecommit_pr_counters (
            account TEXT NOT NULL, region TEXT NOT NULL, last_id INTEGER NOT NULL, PRIMARY KEY (account, region));
          CREATE TABLE codecommit_pull_requests (
            account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL, repository_id TEXT NOT NULL,
            repository_name TEXT NOT NULL, title TEXT NOT NULL, description TEXT, status TEXT NOT NULL,
            author_arn TEXT NOT NULL, client_request_token TEXT, request_fingerprint TEXT,
            source_ref TEXT NOT NULL, destination_ref TEXT NOT NULL, source_commit TEXT NOT NULL,
            destination_commit TEXT NOT NULL, merge_base TEXT, revision_id TEXT NOT NULL,
            is_merged INTEGER NOT NULL, merged_by TEXT, merge_commit_id TEXT, merge_option TEXT,
            created_at INTEGER NOT NULL, modified_at INTEGER NOT NULL,
            PRIMARY KEY (account, region, id));
          CREATE INDEX codecommit_pull_requests_repository ON codecommit_pull_requests (repository_id, status);
          CREATE UNIQUE INDEX codecommit_pull_requests_token ON codecommit_pull_requests (account, region, client_request_token);
          CREATE TABLE codecommit_pr_events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, region TEXT NOT NULL,
            pull_request_id TEXT NOT NULL, event_type TEXT NOT NULL, actor_arn TEXT NOT NULL,
            event_date INTEGER NOT NULL, metadata TEXT NOT NULL);
          CREATE INDEX codecommit_pr_events_pr ON codecommit_pr_events (account, region, pull_request_id, seq);
          CREATE TABLE codecommit_pr_approval_rules (
            account TEXT NOT NULL, region TEXT NOT NULL, pull_request_id TEXT NOT NULL, rule_id TEXT NOT NULL,
            name TEXT NOT NULL, content TEXT NOT NULL, content_sha256 TEXT NOT NULL,
            created_at INTEGER NOT NULL, modified_at INTEGER NOT NULL, last_modified_user TEXT NOT NULL,
            template_id TEXT, template_name TEXT,
            PRIMARY KEY (account, region, pull_request_id, name));
          CREATE TABLE codecommit_pr_approvals (
            account TEXT NOT NULL, region TEXT NOT NULL, pull_request_id TEXT NOT NULL, revision_id TEXT NOT NULL,
            user_arn TEXT NOT NULL, state TEXT NOT NULL, seq INTEGER NOT NULL,
            PRIMARY KEY (account, region, pull_request_id, revision_id, user_arn));
          CREATE TABLE codecommit_pr_overrides (
            account TEXT NOT NULL, region TEXT NOT NULL, pull_request_id TEXT NOT NULL, revision_id TEXT NOT NULL,
            overrider TEXT NOT NULL,
            PRIMARY KEY (account, region, pull_request_id, revision_id));`,
      },
    ]);
    const db = store.db;
    this.stmts = preparedOnUse({
      nextId: () =>
        db.prepare<[string, string], { last_id: number }>(
          `INSERT INTO codecommit_pr_counters (account, region, last_id) VALUES (?, ?, 1)
         ON CONFLICT (account, region) DO UPDATE SET last_id = last_id + 1 RETURNING last_id`,
        ),
      get: () => db.prepare<Key, PullRequestRow>('SELECT * FROM codecommit_pull_requests WHERE account = ? AND region = ? AND id = ?'),
      byToken: () => db.prepare<Key, PullRequestRow>('SELECT * FROM codecommit_pull_requests WHERE account = ? AND region = ? AND client_request_token = ?'),
      openForRepository: () => db.prepare<[string], PullRequestRow>("SELECT * FROM codecommit_pull_requests WHERE repository_id = ? AND status = 'OPEN' ORDER BY CAST(id AS INTEGER)"),
      countOpen: () => db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM codecommit_pull_requests WHERE repository_id = ? AND status = 'OPEN'"),
      list: () =>
        db.prepare<[{ repository: string; author: string | null; status: string | null }], PullRequestRow>(
          `SELECT * FROM codecommit_pull_requests WHERE repository_id = @repository AND (@author IS NULL OR author_arn = @author)
         AND (@status IS NULL OR status = @status) ORDER BY CAST(id AS INTEGER) DESC`,
        ),
      insert: () =>
        db.prepare<[PullRequestRow]>(
          `INSERT INTO codecommit_pull_requests (account, region, id, repository_id, repository_name, title, description, status,
           author_arn, client_request_token, request_fingerprint, source_ref, destination_ref, source_commit, destination_commit,
           merge_base, revision_id, is_merged, merged_by, merge_commit_id, merge_option, created_at, modified_at)
         VALUES (@account, @region, @id, @repository_id, @repository_name, @title, @description, @status, @author_arn,
           @client_request_token, @request_fingerprint, @source_ref, @destination_ref, @source_commit, @destination_commit,
           @merge_base, @revision_id, @is_merged, @merged_by, @merge_commit_id, @merge_option, @created_at, @modified_at)`,
        ),
      update: () =>
        db.prepare<[PullRequestRow]>(
          `UPDATE codecommit_pull_requests SET repository_name = @repository_name, title = @title, description = @description,
           status = @status, source_commit = @source_commit, destination_commit = @destination_commit, merge_base = @merge_base,
           revision_id = @revision_id, is_merged = @is_merged, merged_by = @merged_by, merge_commit_id = @merge_commit_id,
           merge_option = @merge_option, modified_at = @modified_at
         WHERE account = @account AND region = @region AND id = @id`,
        ),
      insertEvent: () =>
        db.prepare<[PullRequestEventRow]>(
          `INSERT INTO codecommit_pr_events (account, region, pull_request_id, event_type, actor_arn, event_date, metadata)
         VALUES (@account, @region, @pull_request_id, @event_type, @actor_arn, @event_date, @metadata)`,
        ),
      events: () =>
        db.prepare<[{ account: string; region: string; id: string; type: string | null; actor: string | null; after: number }], PullRequestEventRow>(
          `SELECT * FROM codecommit_pr_events WHERE account = @account AND region = @region AND pull_request_id = @id
         AND (@type IS NULL OR event_type = @type) AND (@actor IS NULL OR actor_arn = @actor) AND seq > @after ORDER BY seq`,
        ),
      rules: () => db.prepare<Key, ApprovalRuleRow>('SELECT * FROM codecommit_pr_approval_rules WHERE account = ? AND region = ? AND pull_request_id = ? ORDER BY created_at, rowid'),
      rule: () => db.prepare<[string, string, string, string], ApprovalRuleRow>('SELECT * FROM codecommit_pr_approval_rules WHERE account = ? AND region = ? AND pull_request_id = ? AND name = ?'),
      insertRule: () =>
        db.prepare<[ApprovalRuleRow]>(
          `INSERT INTO codecommit_pr_approval_rules (account, region, pull_request_id, rule_id, name, content, content_sha256,
           created_at, modified_at, last_modified_user, template_id, template_name)
         VALUES (@account, @region, @pull_request_id, @rule_id, @name, @content, @content_sha256, @created_at, @modified_at,
           @last_modified_user, @template_id, @template_name)`,
        ),
      updateRule: () =>
        db.prepare<[ApprovalRuleRow]>(
          `UPDATE codecommit_pr_approval_rules SET content = @content, content_sha256 = @content_sha256, modified_at = @modified_at,
           last_modified_user = @last_modified_user
         WHERE account = @account AND region = @region AND pull_request_id = @pull_request_id AND name = @name`,
        ),
      deleteRule: () => db.prepare<[string, string, string, string]>('DELETE FROM codecommit_pr_approval_rules WHERE account = ? AND region = ? AND pull_request_id = ? AND name = ?'),
      approvals: () =>
        db.prepare<[string, string, string, string], ApprovalRow>(
          `SELECT user_arn, state FROM codecommit_pr_approvals WHERE account = ? AND region = ? AND pull_request_id = ? AND revision_id = ?
         ORDER BY seq, rowid`,
        ),
      countApprovals: () =>
        db.prepare<[string, string, string, string], { n: number }>('SELECT COUNT(*) AS n FROM codecommit_pr_approvals WHERE account = ? AND region = ? AND pull_request_id = ? AND revision_id = ?'),
      putApproval: () =>
        db.prepare<[string, string, string, string, string, string, number]>(
          `INSERT INTO codecommit_pr_approvals (account, region, pull_request_id, revision_id, user_arn, state, seq) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (account, region, pull_request_id, revision_id, user_arn) DO UPDATE SET state = excluded.state`,
        ),
      deleteApproval: () =>
        db.prepare<[string, string, string, string, string]>('DELETE FROM codecommit_pr_approvals WHERE account = ? AND region = ? AND pull_request_id = ? AND revision_id = ? AND user_arn = ?'),
      override: () =>
        db.prepare<[string, string, string, string], OverrideRow>('SELECT overrider FROM codecommit_pr_overrides WHERE account = ? AND region = ? AND pull_request_id = ? AND revision_id = ?'),
      putOverride: () => db.prepare<[string, string, string, string, string]>('INSERT INTO codecommit_pr_overrides (account, region, pull_request_id, revision_id, overrider) VALUES (?, ?, ?, ?, ?)'),
      deleteOverride: () => db.prepare<[string, string, string, string]>('DELETE FROM codecommit_pr_overrides WHERE account = ? AND region = ? AND pull_request_id = ? AND revision_id = ?'),
    });
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  /** The next pull request id of the account and region ("1", "2" …); call inside the creating transaction. */
  nextPullRequestId(scope: Scope): string {
    return String(this.stmts.nextId.get(scope.account, scope.region)!.last_id);
  }

  /**
   * A pull request by id: what other CodeCommit areas (comments) need to know about one —
   * `repository_id`, `status`, `source_commit`, `destination_commit`, `revision_id` …
   */
  getPullRequest(scope: Scope, id: string): PullRequestRow | undefined {
    return this.stmts.get.get(scope.account, scope.region, id);
  }

  pullRequestByToken(scope: Scope, token: string): PullRequestRow | undefined {
    return this.stmts.byToken.get(scope.account, scope.region, token);
  }

  openPullRequestsOfRepository(repositoryId: string): PullRequestRow[] {
    return this.stmts.openForRepository.all(repositoryId);
  }

  countOpenPullRequests(repositoryId: string): number {
    return this.stmts.countOpen.get(repositoryId)!.n;
  }

  /** Newest first, as AWS lists them. */
  listPullRequests(repositoryId: string, authorArn?: string, status?: string): PullRequestRow[] {
    return this.stmts.list.all({ repository: repositoryId, author: authorArn ?? null, status: status ?? null });
  }

  insertPullRequest(row: PullRequestRow): void {
    this.stmts.insert.run(row);
  }

  updatePullRequest(row: PullRequestRow): void {
    this.stmts.update.run(row);
  }

  addEvent(row: PullRequestEventRow): void {
    this.stmts.insertEvent.run(row);
  }

  /** Events after `afterSeq` in order, filtered by type and actor. */
  events(scope: Scope, pullRequestId: string, filter: { type?: string; actor?: string; afterSeq: number }): PullRequestEventRow[] {
    return this.stmts.events.all({ account: scope.account, region: scope.region, id: pullRequestId, type: filter.type ?? null, actor: filter.actor ?? null, after: filter.afterSeq });
  }

  approvalRules(scope: Scope, pullRequestId: string): ApprovalRuleRow[] {
    return this.stmts.rules.all(scope.account, scope.region, pullRequestId);
  }

  approvalRule(scope: Scope, pullRequestId: string, name: string): ApprovalRuleRow | undefined {
    return this.stmts.rule.get(scope.account, scope.region, pullRequestId, name);
  }

  insertApprovalRule(row: ApprovalRuleRow): void {
    this.stmts.insertRule.run(row);
  }

  updateApprovalRule(row: ApprovalRuleRow): void {
    this.stmts.updateRule.run(row);
  }

  deleteApprovalRule(scope: Scope, pullRequestId: string, name: string): void {
    this.stmts.deleteRule.run(scope.account, scope.region, pullRequestId, name);
  }

  /** The approvals given for one revision, in the order they were given. */
  approvals(scope: Scope, pullRequestId: string, revisionId: string): ApprovalRow[] {
    return this.stmts.approvals.all(scope.account, scope.region, pullRequestId, revisionId);
  }

  countApprovals(scope: Scope, pullRequestId: string, revisionId: string): number {
    return this.stmts.countApprovals.get(scope.account, scope.region, pullRequestId, revisionId)!.n;
  }

  setApproval(scope: Scope, pullRequestId: string, revisionId: string, userArn: string, seq: number): void {
    this.stmts.putApproval.run(scope.account, scope.region, pullRequestId, revisionId, userArn, 'APPROVE', seq);
  }

  removeApproval(scope: Scope, pullRequestId: string, revisionId: string, userArn: string): void {
    this.stmts.deleteApproval.run(scope.account, scope.region, pullRequestId, revisionId, userArn);
  }

  override(scope: Scope, pullRequestId: string, revisionId: string): OverrideRow | undefined {
    return this.stmts.override.get(scope.account, scope.region, pullRequestId, revisionId);
  }

  setOverride(scope: Scope, pullRequestId: string, revisionId: string, overrider: string): void {
    this.stmts.putOverride.run(scope.account, scope.region, pullRequestId, revisionId, overrider);
  }

  removeOverride(scope: Scope, pullRequestId: string, revisionId: string): void {
    this.stmts.deleteOverride.run(scope.account, scope.region, pullRequestId, revisionId);
  }
}
