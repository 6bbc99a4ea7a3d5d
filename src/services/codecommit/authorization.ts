/**
 * What each CodeCommit operation needs IAM to allow, from AWS's Service Authorization Reference
 * ("Actions, resources, and condition keys for AWS CodeCommit"): `codecommit:<Operation>` on the
 * repository it acts on (`arn:${Partition}:codecommit:${Region}:${Account}:${RepositoryName}`), on
 * `*` for the operations without a resource type (ListRepositories, the approval rule templates
 * themselves); `codecommit:References` (the full reference a write moves) for CreateBranch,
 * CreateCommit, DeleteBranch, DeleteFile, PutFile, MergeBranchesBy* and MergePullRequestBy*, which
 * is what branch protection policies test; `aws:RequestTag/*` and `aws:TagKeys` where tags are
 * written; `aws:ResourceTag/*` of the repository an operation names.
 *
 * Pull requests and comments name no repository: AWS authorizes on the repository the pull request
 * or comment belongs to, so those rules look it up in this service's stores (the table is built
 * per service instance, over its context). An id that names nothing is checked on `*`, so a denied
 * caller learns nothing about which ids exist; the handler then answers that it does not exist.
 *
 * Git's GitPull and GitPush are no API operations: http.ts checks them through `authorizeGit`.
 */
import { parseArn, partitionOf } from '../../core/arn.js';
import type { ContextValue } from '../../core/policy.js';
import type { RequestContext } from '../../protocol/types.js';
import type { ActionRule, ServiceAuthorization } from '../authorization.js';
import { branchRef, REPOSITORY_NAME, type ReviewContext, scopeOf } from './common.js';

type Input = Record<string, unknown>;
type Context = Record<string, ContextValue>;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** A repository's ARN in the request's account and Region (`*` for a name that is missing or not text). */
function repositoryResource(ctx: RequestContext, name: unknown): string {
  const repositoryName = text(name);
  return repositoryName ? `arn:${partitionOf(ctx.region)}:codecommit:${ctx.region}:${ctx.account}:${repositoryName}` : '*';
}

/** `aws:RequestTag/<key>` and `aws:TagKeys` for the tags a request writes. */
function requestTags(tags: unknown): Context {
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) return {};
  const out: Context = { 'aws:TagKeys': Object.keys(tags) };
  for (const [key, value] of Object.entries(tags)) if (typeof value === 'string') out[`aws:RequestTag/${key}`] = value;
  return out;
}

export function codeCommitAuthorization(c: ReviewContext): ServiceAuthorization {
  /** `aws:ResourceTag/<key>` of the repository a request names, when it exists. */
  function resourceTags(ctx: RequestContext, name: unknown): Context {
    const repositoryName = text(name);
    const row = repositoryName ? c.store.getRepository(ctx.account, ctx.region, repositoryName) : undefined;
    if (!row) return {};
    return Object.fromEntries(Object.entries(c.store.tags(row.id)).map(([key, value]) => [`aws:ResourceTag/${key}`, value]));
  }

  /** The repository a pull request belongs to (by its name when last seen if it has been deleted). */
  function pullRequestRepository(input: Input, ctx: RequestContext): string {
    const id = text(input.pullRequestId);
    const pr = id ? c.pullRequests.getPullRequest(scopeOf(ctx), id) : undefined;
    if (!pr) return '*';
    return repositoryResource(ctx, c.store.repositoryById(pr.repository_id)?.name ?? pr.repository_name);
  }

  /** The repository a comment is on; a comment whose repository is gone no longer exists. */
  function commentRepository(id: unknown, ctx: RequestContext): string {
    const commentId = text(id);
    const comment = commentId ? c.comments.getComment(ctx.account, ctx.region, commentId) : undefined;
    const repository = comment ? c.store.repositoryById(comment.repository_id) : undefined;
    return repository ? repositoryResource(ctx, repository.name) : '*';
  }

  /**
   * The reference a merge into a branch moves: targetBranch, else the destination, with `HEAD`
   * read as the repository's default branch; none when the destination names no branch.
   */
  function mergedReference(input: Input, ctx: RequestContext): Context {
    const target = text(input.targetBranch);
    if (target) return { 'codecommit:References': [branchRef(target)] };
    const destination = text(input.destinationCommitSpecifier);
    if (!destination) return {};
    if (destination !== 'HEAD') return { 'codecommit:References': [branchRef(destination)] };
    const name = text(input.repositoryName);
    const row = name ? c.store.getRepository(ctx.account, ctx.region, name) : undefined;
    return row?.default_branch ? { 'codecommit:References': [branchRef(row.default_branch)] } : {};
  }

  /** The destination branch a pull request merge moves. */
  function pullRequestDestination(input: Input, ctx: RequestContext): Context {
    const id = text(input.pullRequestId);
    const pr = id ? c.pullRequests.getPullRequest(scopeOf(ctx), id) : undefined;
    return pr ? { 'codecommit:References': [pr.destination_ref] } : {};
  }

  /** On the repository `repositoryName` names, with its tags and any further condition keys. */
  const onRepository = (member = 'repositoryName', more?: (input: Input, ctx: RequestContext) => Context): ActionRule => ({
    resource: (input: Input, ctx: RequestContext) => repositoryResource(ctx, input[member]),
    context: (input: Input, ctx: RequestContext) => ({ ...resourceTags(ctx, input[member]), ...more?.(input, ctx) }),
  });
  /** A write that moves `branchName`. */
  const onBranch = onRepository('repositoryName', (input) => (text(input.branchName) ? { 'codecommit:References': [branchRef(input.branchName as string)] } : {}));
  /** On every repository of a list member (batch operations). */
  const onRepositories = (member: string): ActionRule => ({
    resource: (input: Input, ctx: RequestContext) => {
      // Names CodeCommit refuses are answered as batch errors, never looked up: nothing to check them on.
      const names = Array.isArray(input[member]) ? (input[member] as unknown[]).filter((name) => typeof name === 'string' && REPOSITORY_NAME.test(name)) : [];
      return names.length === 0 ? '*' : names.map((name) => repositoryResource(ctx, name));
    },
  });
  const onPullRequest: ActionRule = { resource: pullRequestRepository };
  const onComment = (member: string): ActionRule => ({ resource: (input: Input, ctx: RequestContext) => commentRepository(input[member], ctx) });
  /** On the repository a tagging request's ARN names, as given. */
  const onArn = (more?: (input: Input) => Context): ActionRule => ({
    resource: (input: Input) => text(input.resourceArn) ?? '*',
    context: (input: Input, ctx: RequestContext) => {
      const parts = text(input.resourceArn) ? parseArn(input.resourceArn as string) : undefined;
      const local = parts?.service === 'codecommit' && parts.account === ctx.account && parts.region === ctx.region;
      return { ...(local ? resourceTags(ctx, parts.resource) : {}), ...more?.(input) };
    },
  });

  const repositoryOperations = [
    'AssociateApprovalRuleTemplateWithRepository',
    'BatchDescribeMergeConflicts',
    'BatchGetCommits',
    'CreateUnreferencedMergeCommit',
    'DeleteRepository',
    'DescribeMergeConflicts',
    'DisassociateApprovalRuleTemplateFromRepository',
    'GetBlob',
    'GetBranch',
    'GetCommentsForComparedCommit',
    'GetCommit',
    'GetDifferences',
    'GetFile',
    'GetFolder',
    'GetMergeCommit',
    'GetMergeConflicts',
    'GetMergeOptions',
    'GetRepository',
    'GetRepositoryTriggers',
    'ListAssociatedApprovalRuleTemplatesForRepository',
    'ListBranches',
    'ListFileCommitHistory',
    'ListPullRequests',
    'PostCommentForComparedCommit',
    'PostCommentForPullRequest',
    'PutRepositoryTriggers',
    'TestRepositoryTriggers',
    'UpdateDefaultBranch',
    'UpdateRepositoryDescription',
    'UpdateRepositoryEncryptionKey',
  ];
  const pullRequestOperations = [
    'CreatePullRequestApprovalRule',
    'DeletePullRequestApprovalRule',
    'DescribePullRequestEvents',
    'EvaluatePullRequestApprovalRules',
    'GetPullRequest',
    'GetPullRequestApprovalStates',
    'GetPullRequestOverrideState',
    'OverridePullRequestApprovalRules',
    'UpdatePullRequestApprovalRuleContent',
    'UpdatePullRequestApprovalState',
    'UpdatePullRequestDescription',
    'UpdatePullRequestStatus',
    'UpdatePullRequestTitle',
  ];
  const pullRequestMerge: ActionRule = { resource: pullRequestRepository, context: pullRequestDestination };

  return {
    prefix: 'codecommit',
    rules: {
      ...Object.fromEntries(repositoryOperations.map((op) => [op, onRepository()])),
      ...Object.fromEntries(pullRequestOperations.map((op) => [op, onPullRequest])),
      // Without a resource type in the reference: checked on `*`.
      ListRepositories: {},
      CreateApprovalRuleTemplate: {},
      DeleteApprovalRuleTemplate: {},
      GetApprovalRuleTemplate: {},
      ListApprovalRuleTemplates: {},
      ListRepositoriesForApprovalRuleTemplate: {},
      UpdateApprovalRuleTemplateContent: {},
      UpdateApprovalRuleTemplateDescription: {},
      UpdateApprovalRuleTemplateName: {},

      CreateRepository: { resource: (input: Input, ctx: RequestContext) => repositoryResource(ctx, input.repositoryName), context: (input: Input) => requestTags(input.tags) },
      UpdateRepositoryName: onRepository('oldName'),
      BatchGetRepositories: onRepositories('repositoryNames'),
      BatchAssociateApprovalRuleTemplateWithRepositories: onRepositories('repositoryNames'),
      BatchDisassociateApprovalRuleTemplateFromRepositories: onRepositories('repositoryNames'),

      CreateBranch: onBranch,
      DeleteBranch: onBranch,
      PutFile: onBranch,
      DeleteFile: onBranch,
      CreateCommit: onBranch,
      MergeBranchesByFastForward: onRepository('repositoryName', mergedReference),
      MergeBranchesBySquash: onRepository('repositoryName', mergedReference),
      MergeBranchesByThreeWay: onRepository('repositoryName', mergedReference),
      MergePullRequestByFastForward: pullRequestMerge,
      MergePullRequestBySquash: pullRequestMerge,
      MergePullRequestByThreeWay: pullRequestMerge,

      // One target, one repository (more are refused by the handler); checked on each named.
      CreatePullRequest: {
        resource: (input: Input, ctx: RequestContext) => {
          const targets = Array.isArray(input.targets) ? (input.targets as unknown[]) : [];
          const names = targets.map((t) => (typeof t === 'object' && t !== null ? (t as Input).repositoryName : undefined));
          return names.length === 0 ? '*' : names.map((name) => repositoryResource(ctx, name));
        },
      },
      // With a repository name, on it (the handler checks the pull request is in it); else on the pull request's.
      GetCommentsForPullRequest: {
        resource: (input: Input, ctx: RequestContext) => (input.repositoryName !== undefined ? repositoryResource(ctx, input.repositoryName) : pullRequestRepository(input, ctx)),
      },
      GetComment: onComment('commentId'),
      GetCommentReactions: onComment('commentId'),
      UpdateComment: onComment('commentId'),
      DeleteCommentContent: onComment('commentId'),
      PutCommentReaction: onComment('commentId'),
      PostCommentReply: onComment('inReplyTo'),

      TagResource: onArn((input) => requestTags(input.tags)),
      UntagResource: onArn((input) => (Array.isArray(input.tagKeys) ? { 'aws:TagKeys': input.tagKeys.filter((k): k is string => typeof k === 'string') } : {})),
      ListTagsForResource: onArn(),
    },
  };
}
