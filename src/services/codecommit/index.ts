/**
 * CodeCommit: real Git repositories (bare repositories under the data directory, served over Git
 * smart HTTP at `/v1/repos/<name>`) with the CodeCommit API on top, IAM-enforced for IAM users and
 * assumed roles, publishing AWS's events for every change.
 *
 * Gaps against AWS:
 * - Git is served over HTTP only, no SSH: cloneUrlSsh is `ssh://ssh-unavailable.drydock.invalid/v1/repos/<name>`
 *   (AWS answers `ssh://git-codecommit.<region>.amazonaws.com/...`), a host that never resolves, so
 *   git fails at once naming it. cloneUrlHttp is Drydock's endpoint (`http://localhost:<port>/v1/repos/<name>`).
 * - Beyond AWS: an account's root access key id and secret (`test`/`test`, or a twelve-digit account
 *   id with `test`) are accepted as the HTTP Basic login, so `git clone
 *   http://test:test@localhost:4566/v1/repos/<name>` works right after CreateRepository. Any other
 *   access key as a Basic login is refused with 403, as AWS refuses them all.
 * - The aws CLI's `codecommit credential-helper` signs only for `*.amazonaws.com` hosts: use
 *   `http://git-codecommit.<region>.amazonaws.com.localhost:4566` (curl resolves `*.localhost` to
 *   loopback) or `--ignore-host-check`; `credential.UseHttpPath` is required either way. HTTPS Git
 *   credentials (IAM service-specific credentials) work on any host.
 * - A Basic login (root keys, HTTPS Git credentials) carries no region: the host name's region
 *   (`git-codecommit.<region>.amazonaws.com.localhost`) is used, else us-east-1, so cloneUrlHttp
 *   reaches repositories of other regions only through the credential helper.
 * - A push with any denied reference is refused whole (AWS's exact denial wording is undocumented;
 *   ours names the action, resource and reference). Signed pushes and push options are refused.
 *   No 2 GB blob limit or total push size limit. The 4,000-references-per-push quota is enforced.
 * - Reference events cover `refs/heads/*` and `refs/tags/*`; an annotated tag's event carries the
 *   tag object id. lastModifiedDate changes with metadata updates, not with pushes.
 * - The repository's KMS key is checked at CreateRepository/UpdateRepositoryEncryptionKey; Git data
 *   is not encrypted with it, and disabling the key later does not block access.
 * - CreateRepository's initial code from an S3 zip is reachable only through the service api
 *   (CloudFormation's `Code`): the CodeCommit API has no such member. Zip files are committed as
 *   100644 (no executable bits, no symlinks).
 * - Never raised: RepositoryLimitExceededException, TagPolicyException, the EncryptionKey* and
 *   EncryptionIntegrity* exceptions on reads, ReactionLimitExceededException.
 * - When `git push` deletes the default branch (the API refuses to), main, then master, then the
 *   first branch by name becomes the default (AWS's behaviour is undocumented).
 * - Repository triggers deliver AWS's record to SNS topics and Lambda functions (durably, at least
 *   once). A topic of the repository's own account is published to with the account's authority
 *   (AWS documents that it needs no policy), so a topic policy denying codecommit.amazonaws.com is
 *   not honoured there; other accounts' topics and every function must allow the service principal.
 *   The SNS subject is always "UPDATE: AWS CodeCommit <region> push: <repository>" (the one form on
 *   record), cut to SNS's 99 characters. A delivery the destination refuses is logged, not retried;
 *   TestRepositoryTriggers' failureMessage is the destination's error code and message (AWS's
 *   wording is undocumented), and a repository without commits gets a zero commit on
 *   `refs/heads/<first branch of the trigger, or main>`. PutRepositoryTriggers does not check that
 *   destinations exist.
 * - Commits without an author name use the caller's IAM user or session name (`root` for root
 *   credentials) and an empty email; AWS does not document its default. Without a commit message
 *   the message is empty. Empty folders are kept as `.gitkeep`.
 * - GetFile/GetBlob refuse content above 6 MB (FileTooLargeException); ListFileCommitHistory does
 *   not follow renames; GetDifferences pages default to 100 and a continuation token stops working
 *   when the branch moves between pages.
 * - Comment reactions support a fixed emoji set (thumbsup, thumbsdown, smile, laughing, confused,
 *   heart, clap, tada, rocket, eyes); reactionsFromDeletedUsersCount is always 0.
 * - Merges use git's line merge (`git merge-file`); no rename detection, one merge base for
 *   criss-cross histories; a blocked fast-forward answers ManualMergeRequiredException (AWS's exact
 *   exception is undocumented); merge hunks are 0-based, end-exclusive and base64, inferred from
 *   AWS's example. GetMergeCommit finds a merge commit only for three-way merges. The limit of 100
 *   conflict-resolution entries is an assumption; MaximumFileContentToLoadExceededException and
 *   MaximumItemsToCompareExceededException are never raised.
 * - Pull requests: title and description updates publish no event (AWS documents none); a pull
 *   request auto-closed by a merge outside the API has no mergeOption or mergeCommitId; pull
 *   requests whose branches are deleted stay open at their last commits; they go with their
 *   repository. Limits (1,000 open per repository, 25 rules, 200 approvals per revision) are
 *   Drydock's choice. Events leave out session-tag displayName/emailAddress.
 * - Batch operations naming several repositories are denied whole when any one is denied.
 * - An operation on a pull request or comment id that names nothing is authorized on `*` before
 *   it answers that it does not exist (AWS's resource for it is undocumented).
 *   CreateUnreferencedMergeCommit and GetMergeCommit move no reference, so they carry no
 *   `codecommit:References` (the reference lists the key for them).
 */
import { loadModel } from '../../protocol/model.js';
import type { ServiceDefinition } from '../contracts.js';
import { createCodeCommitApi } from './api.js';
import { approvalRuleTemplatesHandlers } from './approval-rule-templates.js';
import { codeCommitAuthorization } from './authorization.js';
import { branchesHandlers } from './branches.js';
import { commentReactionsHandlers } from './comment-reactions.js';
import { CommentStore } from './comment-store.js';
import { commentsHandlers } from './comments.js';
import { commitsHandlers } from './commits.js';
import { type ReviewContext, removeAllGitData } from './common.js';
import { gitHttpHandler } from './http.js';
import { mergesHandlers } from './merges.js';
import { pullRequestApprovalsHandlers } from './pull-request-approvals.js';
import { pullRequestMergesHandlers } from './pull-request-merges.js';
import { PullRequestStore } from './pull-request-store.js';
import { pullRequestsHandlers } from './pull-requests.js';
import { repositoriesHandlers } from './repositories.js';
import { CodeCommitStore } from './store.js';
import { templateAssociationsHandlers } from './template-associations.js';
import { ApprovalRuleTemplateStore } from './template-store.js';
import { triggersHandlers } from './triggers.js';

export type { CodeCommitApi } from './api.js';

export const codecommit: ServiceDefinition = {
  name: 'codecommit',
  model: loadModel('codecommit'),
  // CodeCommit answers each bad member with its own exception (RepositoryNameRequiredException,
  // InvalidRepositoryNameException …), so handlers validate instead of the generic validator.
  validationError: false,
  httpPrefix: '/v1/repos/',
  create(rt) {
    const c: ReviewContext = {
      rt,
      store: new CodeCommitStore(rt.store),
      pullRequests: new PullRequestStore(rt.store),
      templates: new ApprovalRuleTemplateStore(rt.store),
      comments: new CommentStore(rt.store),
      refreshes: { queued: new Map(), checked: new Set() },
    };
    // The reference-change listeners subscribe in this order: default branch, pull requests (triggers are queued by the publisher).
    return {
      handlers: {
        ...branchesHandlers(c),
        ...triggersHandlers(c),
        ...repositoriesHandlers(c),
        ...commitsHandlers(c),
        ...mergesHandlers(c),
        ...pullRequestsHandlers(c),
        ...pullRequestApprovalsHandlers(c),
        ...pullRequestMergesHandlers(c),
        ...commentsHandlers(c),
        ...commentReactionsHandlers(c),
        ...approvalRuleTemplatesHandlers(c),
        ...templateAssociationsHandlers(c),
      },
      handleHttp: gitHttpHandler(c),
      api: createCodeCommitApi(c),
      // Pull requests and comments are authorized on their repository, found through this instance's stores.
      authorization: codeCommitAuthorization(c),
      reset: () => removeAllGitData(c),
    };
  },
};
