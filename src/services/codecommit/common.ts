/**
 * What every CodeCommit handler file shares: the service context, name validation, repository
 * lookup, Git's IAM authorization, commit specifier resolution, and reference-change events.
 */
import { createHash } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Principal, Scope } from '../../core/accounts.js';
import { arn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import type { Runtime } from '../contracts.js';
import type { CommentStore } from './comment-store.js';
import { GitRepository } from './git.js';
import type { PullRequestStore } from './pull-request-store.js';
import type { CodeCommitStore, RepositoryRow } from './store.js';
import type { ApprovalRuleTemplateStore } from './template-store.js';
import { queueTriggerNotifications, type ReferenceChange } from './trigger-delivery.js';

/** What every CodeCommit helper and handler is given: the runtime and the repositories' store. */
export interface CodeCommitContext {
  rt: Runtime;
  store: CodeCommitStore;
}

/**
 * The context of the code review areas (pull requests, comments, approval rule templates): their
 * stores, and the pull request refreshes (pull-request-sync.ts): per repository, the tail of the
 * queue that reference changes started, and the repositories whose branches were checked since start.
 */
export interface ReviewContext extends CodeCommitContext {
  pullRequests: PullRequestStore;
  templates: ApprovalRuleTemplateStore;
  comments: CommentStore;
  refreshes: { queued: Map<string, Promise<void>>; checked: Set<string> };
}

export const scopeOf = (ctx: RequestContext): Scope => ({ account: ctx.account, region: ctx.region });

export const REPOSITORY_NAME = /^[\w.-]+$/;

export const repositoryArn = (row: Pick<RepositoryRow, 'account' | 'region' | 'name'>): string => arn('codecommit', row.region, row.account, row.name);

/** The bare repository holding a repository's Git data (by id, so renames move nothing). */
export function gitRepository(c: CodeCommitContext, row: Pick<RepositoryRow, 'id'>): GitRepository {
  return new GitRepository(join(c.rt.dataDir, 'codecommit', `${row.id}.git`));
}

/** Deletes every repository's Git data (`/_drydock/reset`, which wipes the rows that name them). */
export async function removeAllGitData(c: CodeCommitContext): Promise<void> {
  const root = join(c.rt.dataDir, 'codecommit');
  const entries = await readdir(root).catch(() => [] as string[]);
  await Promise.all(entries.filter((name) => name.endsWith('.git')).map((name) => rm(join(root, name), { recursive: true, force: true })));
}

/**
 * Where git reaches the repository: Drydock's own endpoint over HTTP. Drydock serves no SSH, so the
 * SSH URL names a host under `.invalid` (which never resolves): git fails at once with a message
 * naming `ssh-unavailable.drydock.invalid`, instead of reaching AWS's real git-codecommit host.
 */
export function cloneUrls(c: CodeCommitContext, row: RepositoryRow): { cloneUrlHttp: string; cloneUrlSsh: string } {
  return {
    cloneUrlHttp: `${c.rt.endpoint()}/v1/repos/${row.name}`,
    cloneUrlSsh: `ssh://ssh-unavailable.drydock.invalid/v1/repos/${row.name}`,
  };
}

/** Checks a repository name as CodeCommit does: present, at most 100 characters, `[\w.-]+`, not ending in `.git`. */
export function checkRepositoryName(name: unknown): string {
  if (name === undefined || name === null || name === '') throw new AwsError('RepositoryNameRequiredException', 'A repository name is required, but was not specified.');
  if (typeof name !== 'string' || name.length > 100 || !REPOSITORY_NAME.test(name) || name.toLowerCase().endsWith('.git')) {
    throw new AwsError(
      'InvalidRepositoryNameException',
      `The repository name is not valid. Repository names can be any valid combination of letters, numbers, periods, underscores, and dashes between 1 and 100 characters in length. Names are case sensitive. For more information, see Limits in the AWS CodeCommit User Guide.`,
    );
  }
  return name;
}

/**
 * Git's own actions (GitPull, GitPush), which are no API operation and so do not pass the request
 * pipeline's authorization step: the same IAM evaluation, asked directly. An account's root
 * credentials are always allowed on its own repositories; `references` fills the
 * `codecommit:References` condition key (branch protection). Throws AWS's AccessDeniedException.
 */
export function authorizeGit(c: CodeCommitContext, principal: Principal, region: string, action: 'GitPull' | 'GitPush', resource: string, references?: string[]): void {
  if (principal.kind === 'root') return;
  const context = references ? { 'codecommit:References': references } : undefined;
  const result = c.rt.api('iam').authorize(principal, { action: `codecommit:${action}`, resource, region, context, resourceAccount: principal.account });
  if (result.decision !== 'Allow') throw new AwsError('AccessDeniedException', result.message, { status: 400 });
}

/**
 * The repository a request names, or RepositoryDoesNotExistException. The caller was authorized
 * on it before the handler ran (authorization.ts), as AWS authorizes before it looks, so a denied
 * caller cannot probe which repositories exist.
 */
export function requireRepository(c: CodeCommitContext, ctx: RequestContext, name: unknown): RepositoryRow {
  const repositoryName = checkRepositoryName(name);
  const row = c.store.getRepository(ctx.account, ctx.region, repositoryName);
  if (!row) throw new AwsError('RepositoryDoesNotExistException', `${repositoryName} does not exist`);
  return row;
}

/** `main` → `refs/heads/main`; full names (`refs/...`) stay as they are. */
export const branchRef = (branchName: string): string => (branchName.startsWith('refs/') ? branchName : `refs/heads/${branchName}`);

/**
 * Resolves a commit specifier as CodeCommit does (a branch name, a full reference, `HEAD`, a tag,
 * or a commit id) to a commit id; throws CommitDoesNotExistException when it names no commit.
 */
export async function resolveCommit(c: CodeCommitContext, row: RepositoryRow, specifier: string): Promise<string> {
  const git = gitRepository(c, row);
  const candidates = /^[0-9a-f]{40}$/i.test(specifier)
    ? [specifier]
    : specifier === 'HEAD' && row.default_branch
      ? [`refs/heads/${row.default_branch}`]
      : [branchRef(specifier), `refs/tags/${specifier}`, specifier];
  for (const candidate of candidates) {
    const commitId = await git.refCommit(candidate);
    if (commitId) return commitId;
  }
  throw new AwsError('CommitDoesNotExistException', `Could not find the specified commit: ${specifier}`);
}

export type ReferenceEvent = 'referenceCreated' | 'referenceUpdated' | 'referenceDeleted';

/**
 * Publishes "CodeCommit Repository State Change" exactly as AWS does for every reference change,
 * whether it came from `git push` or from the API, and queues the notifications the change owes
 * the repository's triggers (trigger-delivery.ts), in one transaction. `extra` carries the merge
 * fields (baseCommitId, sourceCommitId, destinationCommitId, mergeOption, conflict options …).
 *
 * The reference lives in git, not in SQLite, so no transaction covers both: every caller moves the
 * reference first (compare-and-swap, under the repository lock) and publishes before the client
 * gets its answer (the API's response, the push's final response; inside the transaction of any
 * SQLite write that goes with the change), so an acknowledged change has always been published. A
 * process that dies between git's update and the publish leaves the reference moved without its
 * event: the client got no acknowledgement (its push or call fails and may be retried), event
 * subscribers and triggers never hear of the change, and pull requests catch up on their first
 * read after the restart (pull-request-sync.ts), attributing the change to the account's root.
 */
export function publishReferenceChange(c: CodeCommitContext, row: RepositoryRow, change: ReferenceChange & { callerUserArn: string; extra?: Record<string, unknown> }): void {
  publishReferenceChanges(c, row, change.callerUserArn, [change]);
}

/**
 * publishReferenceChange for the references one push moved: an event for each, and one trigger
 * notification for all of them, as AWS sends for a push.
 */
export function publishReferenceChanges(c: CodeCommitContext, row: RepositoryRow, callerUserArn: string, changes: (ReferenceChange & { extra?: Record<string, unknown> })[]): void {
  c.rt.store.tx(() => {
    for (const change of changes) {
      const tag = change.refName.startsWith('refs/tags/');
      const detail: Record<string, unknown> = {
        callerUserArn,
        event: change.event,
        referenceFullName: change.refName,
        referenceName: change.refName.replace(/^refs\/(heads|tags)\//, ''),
        referenceType: tag ? 'tag' : 'branch',
        repositoryId: row.id,
        repositoryName: row.name,
      };
      if (change.commitId) detail.commitId = change.commitId;
      if (change.oldCommitId) detail.oldCommitId = change.oldCommitId;
      Object.assign(detail, change.extra);
      publishRepositoryStateChange(c, row, detail);
    }
    queueTriggerNotifications(c, row, changes, callerUserArn);
  });
}

/** A "CodeCommit Repository State Change" event about `row` (reference changes, unreferenced merge commits). */
export function publishRepositoryStateChange(c: CodeCommitContext, row: RepositoryRow, detail: Record<string, unknown>): void {
  publishRepositoryEvent(c, 'CodeCommit Repository State Change', row, detail);
}

/** A CodeCommit event (`detailType`) about a repository, in its account and Region. */
export function publishRepositoryEvent(c: CodeCommitContext, detailType: string, repo: Pick<RepositoryRow, 'account' | 'region' | 'name'>, detail: Record<string, unknown>): void {
  c.rt.events.publish({ source: 'aws.codecommit', 'detail-type': detailType, account: repo.account, region: repo.region, resources: [repositoryArn(repo)], detail });
}

/**
 * Checks a branch name as CodeCommit does (its quotas page and git-check-ref-format): present
 * (BranchNameRequiredException), 1–256 characters, not exactly 40 hex digits, no component starting
 * with `.` or ending in `.lock`, no `..`, `//`, `@{`, spaces, control characters or `? ^ * [ \ ~ :`,
 * not starting or ending with `/` or `.`, not `@` (InvalidBranchNameException). Returns the name.
 */
export function checkBranchName(name: unknown, requiredError = 'BranchNameRequiredException', invalidError = 'InvalidBranchNameException'): string {
  if (name === undefined || name === null || name === '') throw new AwsError(requiredError, 'A branch name is required, but was not specified.');
  const text = typeof name === 'string' ? name : '';
  const valid =
    text.length >= 1 &&
    text.length <= 256 &&
    !/^[0-9a-f]{40}$/i.test(text) &&
    text !== '@' &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: git-check-ref-format refuses control characters in branch names.
    !/[\x00-\x20\x7f?^*[\\~:]|\.\.|\/\/|@\{/.test(text) &&
    !/^[/.]|[/.]$/.test(text) &&
    !text.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'));
  if (!valid)
    throw new AwsError(
      invalidError,
      `The branch name is not valid: ${text}. Branch names cannot contain spaces or the characters ? ^ * [ \\ ~ :, consecutive periods or slashes, or @{, cannot begin or end with a slash or period, and cannot be exactly 40 hexadecimal characters.`,
    );
  return text;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The date format of CodeCommit's event details: Java's Date.toString in UTC (`Wed Nov 06 19:02:14 UTC 2019`). */
export function eventDate(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/** The SHA-256 of a text as lowercase hex (approval rule and template content hashes). */
export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
