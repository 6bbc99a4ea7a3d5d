/**
 * CodeCommit operations: a pull request's approval rules, approvals and overrides (per revision,
 * as in AWS), and their evaluation. Every change is recorded as a pull request event and published
 * in its transaction.
 */
import type * as CC from '@aws-sdk/client-codecommit';
import { AwsError } from '../../core/errors.js';
import { uuid } from '../../core/ids.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { type ReviewContext, sha256Hex } from './common.js';
import { checkApprovalRuleContent, checkApprovalRuleName, checkPullRequestId, checkRevisionId, MAX_APPROVAL_RULES, MAX_APPROVALS, notCurrent } from './pull-request-checks.js';
import { evaluate, loadPullRequest, recordChange, renderRule, requireCurrent, requireOpen } from './pull-request-state.js';
import type { ApprovalRuleRow, PullRequestRow } from './pull-request-store.js';
import type { RepositoryRow } from './store.js';

type RuleEvent = 'CREATED' | 'UPDATED' | 'DELETED';
const RULE_EVENTS: Record<RuleEvent, string> = { CREATED: 'pullRequestApprovalRuleCreated', UPDATED: 'pullRequestApprovalRuleUpdated', DELETED: 'pullRequestApprovalRuleDeleted' };

/** Inside a transaction: touches the pull request for a rule change, records it and publishes it. */
function recordRuleChange(c: ReviewContext, row: PullRequestRow, repo: RepositoryRow, rule: ApprovalRuleRow, change: RuleEvent, caller: string): void {
  recordChange(c, row, repo, caller, {
    type: `PULL_REQUEST_APPROVAL_RULE_${change}`,
    metadata: { approvalRuleEventMetadata: { approvalRuleName: rule.name, approvalRuleId: rule.rule_id, approvalRuleContent: rule.content } },
    event: RULE_EVENTS[change],
    extra: { approvalRuleContentSha256: rule.content_sha256, approvalRuleId: rule.rule_id, approvalRuleName: rule.name },
  });
}

/** Inside a transaction: the caller's approval of a revision set or revoked. */
function setApproval(c: ReviewContext, row: PullRequestRow, revisionId: string, state: 'APPROVE' | 'REVOKE', caller: string): void {
  const prs = c.pullRequests;
  if (state === 'REVOKE') {
    prs.removeApproval(row, row.id, revisionId, caller);
    return;
  }
  if (caller === row.author_arn) {
    throw new AwsError(
      'PullRequestCannotBeApprovedByAuthorException',
      'The approval cannot be applied because the user approving the pull request matches the user who created the pull request. You cannot approve a pull request that you created.',
    );
  }
  const already = prs.approvals(row, row.id, revisionId).some((a) => a.user_arn === caller);
  if (!already && prs.countApprovals(row, row.id, revisionId) >= MAX_APPROVALS) {
    throw new AwsError('MaximumNumberOfApprovalsExceededException', `The number of approvals required for the approval rule exceeds the maximum number allowed (${MAX_APPROVALS}).`);
  }
  prs.setApproval(row, row.id, revisionId, caller, c.rt.clock.now());
}

export function pullRequestApprovalsHandlers(c: ReviewContext): Handlers {
  const prs = c.pullRequests;
  return {
    async GetPullRequestApprovalStates(input: CC.GetPullRequestApprovalStatesInput, ctx: RequestContext): Promise<CC.GetPullRequestApprovalStatesOutput> {
      checkPullRequestId(input.pullRequestId);
      const revisionId = checkRevisionId(input.revisionId);
      const { row } = await loadPullRequest(c, ctx, input.pullRequestId);
      return { approvals: prs.approvals(row, row.id, revisionId).map((a) => ({ userArn: a.user_arn, approvalState: a.state as CC.ApprovalState })) };
    },

    async UpdatePullRequestApprovalState(input: CC.UpdatePullRequestApprovalStateInput, ctx: RequestContext): Promise<Record<string, never>> {
      checkPullRequestId(input.pullRequestId);
      const revisionId = checkRevisionId(input.revisionId);
      const state = input.approvalState as unknown;
      if (state === undefined || state === null || state === '') throw new AwsError('ApprovalStateRequiredException', 'An approval state is required, but none was provided.');
      if (state !== 'APPROVE' && state !== 'REVOKE')
        throw new AwsError('InvalidApprovalStateException', `The state for the approval is not valid. Valid values include APPROVE and REVOKE: ${String(state)}`);
      const { row, repo } = await loadPullRequest(c, ctx, input.pullRequestId);
      const caller = ctx.principal.arn;
      prs.tx(() => {
        requireCurrent(c, row, revisionId);
        setApproval(c, row, revisionId, state, caller);
        recordChange(c, row, repo, caller, {
          type: 'PULL_REQUEST_APPROVAL_STATE_CHANGED',
          metadata: { approvalStateChangedEventMetadata: { revisionId, approvalStatus: state } },
          event: 'pullRequestApprovalStateChanged',
          extra: { approvalStatus: state },
        });
      });
      return {};
    },

    async CreatePullRequestApprovalRule(input: CC.CreatePullRequestApprovalRuleInput, ctx: RequestContext): Promise<CC.CreatePullRequestApprovalRuleOutput> {
      checkPullRequestId(input.pullRequestId);
      const name = checkApprovalRuleName(input.approvalRuleName);
      const content = checkApprovalRuleContent(input.approvalRuleContent);
      const { row, repo } = await loadPullRequest(c, ctx, input.pullRequestId);
      requireOpen(row);
      const caller = ctx.principal.arn;
      const now = c.rt.clock.now();
      const rule: ApprovalRuleRow = {
        account: row.account,
        region: row.region,
        pull_request_id: row.id,
        rule_id: uuid(),
        name,
        content,
        content_sha256: sha256Hex(content),
        created_at: now,
        modified_at: now,
        last_modified_user: caller,
        template_id: null,
        template_name: null,
      };
      prs.tx(() => {
        if (prs.approvalRule(row, row.id, name))
          throw new AwsError(
            'ApprovalRuleNameAlreadyExistsException',
            `An approval rule with that name already exists. Approval rule names must be unique within the scope of a pull request: ${name}`,
          );
        if (prs.approvalRules(row, row.id).length >= MAX_APPROVAL_RULES) {
          throw new AwsError(
            'NumberOfRulesExceededException',
            `The approval rule cannot be added. The pull request has the maximum number of approval rules associated with it (${MAX_APPROVAL_RULES}).`,
          );
        }
        prs.insertApprovalRule(rule);
        recordRuleChange(c, row, repo, rule, 'CREATED', caller);
      });
      return { approvalRule: renderRule(rule) };
    },

    async UpdatePullRequestApprovalRuleContent(input: CC.UpdatePullRequestApprovalRuleContentInput, ctx: RequestContext): Promise<CC.UpdatePullRequestApprovalRuleContentOutput> {
      checkPullRequestId(input.pullRequestId);
      const name = checkApprovalRuleName(input.approvalRuleName);
      const content = checkApprovalRuleContent(input.newRuleContent);
      const { row, repo } = await loadPullRequest(c, ctx, input.pullRequestId);
      requireOpen(row);
      const caller = ctx.principal.arn;
      const rule = prs.tx(() => {
        const existing = prs.approvalRule(row, row.id, name);
        if (!existing) throw new AwsError('ApprovalRuleDoesNotExistException', `The specified approval rule does not exist: ${name}`);
        if (existing.template_id)
          throw new AwsError(
            'CannotModifyApprovalRuleFromTemplateException',
            'The approval rule cannot be modified for the pull request because it was created by an approval rule template and applied to the pull request automatically.',
          );
        if (input.existingRuleContentSha256 !== undefined && input.existingRuleContentSha256 !== existing.content_sha256) {
          throw new AwsError('InvalidRuleContentSha256Exception', 'The SHA-256 hash signature for the rule content is not valid.');
        }
        const changed: ApprovalRuleRow = { ...existing, content, content_sha256: sha256Hex(content), modified_at: c.rt.clock.now(), last_modified_user: caller };
        prs.updateApprovalRule(changed);
        recordRuleChange(c, row, repo, changed, 'UPDATED', caller);
        return changed;
      });
      return { approvalRule: renderRule(rule) };
    },

    async DeletePullRequestApprovalRule(input: CC.DeletePullRequestApprovalRuleInput, ctx: RequestContext): Promise<Partial<CC.DeletePullRequestApprovalRuleOutput>> {
      checkPullRequestId(input.pullRequestId);
      const name = checkApprovalRuleName(input.approvalRuleName);
      const { row, repo } = await loadPullRequest(c, ctx, input.pullRequestId);
      requireOpen(row);
      const caller = ctx.principal.arn;
      const deleted = prs.tx(() => {
        const existing = prs.approvalRule(row, row.id, name);
        // AWS answers a rule that is already gone with 200 and no content, not an error.
        if (!existing) return undefined;
        if (existing.template_id)
          throw new AwsError(
            'CannotDeleteApprovalRuleFromTemplateException',
            'The approval rule cannot be deleted from the pull request because it was created by an approval rule template and applied to the pull request automatically.',
          );
        prs.deleteApprovalRule(row, row.id, name);
        recordRuleChange(c, row, repo, existing, 'DELETED', caller);
        return existing;
      });
      return deleted ? { approvalRuleId: deleted.rule_id } : {};
    },

    async EvaluatePullRequestApprovalRules(input: CC.EvaluatePullRequestApprovalRulesInput, ctx: RequestContext): Promise<CC.EvaluatePullRequestApprovalRulesOutput> {
      checkPullRequestId(input.pullRequestId);
      const revisionId = checkRevisionId(input.revisionId);
      const { row } = await loadPullRequest(c, ctx, input.pullRequestId);
      if (revisionId !== row.revision_id) throw notCurrent();
      return { evaluation: evaluate(c, row) };
    },

    async OverridePullRequestApprovalRules(input: CC.OverridePullRequestApprovalRulesInput, ctx: RequestContext): Promise<Record<string, never>> {
      checkPullRequestId(input.pullRequestId);
      const revisionId = checkRevisionId(input.revisionId);
      const status = input.overrideStatus as unknown;
      if (status === undefined || status === null || status === '')
        throw new AwsError('OverrideStatusRequiredException', 'An override status is required, but no value was provided. Valid values include OVERRIDE and REVOKE.');
      if (status !== 'OVERRIDE' && status !== 'REVOKE')
        throw new AwsError('InvalidOverrideStatusException', `The override status is not valid. Valid statuses are OVERRIDE and REVOKE: ${String(status)}`);
      const { row, repo } = await loadPullRequest(c, ctx, input.pullRequestId);
      const caller = ctx.principal.arn;
      prs.tx(() => {
        requireCurrent(c, row, revisionId);
        const current = prs.override(row, row.id, revisionId);
        if (status === 'OVERRIDE') {
          if (current) throw new AwsError('OverrideAlreadySetException', 'The pull request has already had its approval rules set to override.');
          prs.setOverride(row, row.id, revisionId, caller);
        } else {
          // Revoking an override that is not set changes nothing, so it records nothing.
          if (!current) return;
          prs.removeOverride(row, row.id, revisionId);
        }
        recordChange(c, row, repo, caller, {
          type: 'PULL_REQUEST_APPROVAL_RULE_OVERRIDDEN',
          metadata: { approvalRuleOverriddenEventMetadata: { revisionId, overrideStatus: status } },
          event: 'pullRequestApprovalRuleOverridden',
          extra: { overrideStatus: status },
        });
      });
      return {};
    },

    async GetPullRequestOverrideState(input: CC.GetPullRequestOverrideStateInput, ctx: RequestContext): Promise<CC.GetPullRequestOverrideStateOutput> {
      checkPullRequestId(input.pullRequestId);
      const revisionId = checkRevisionId(input.revisionId);
      const { row } = await loadPullRequest(c, ctx, input.pullRequestId);
      const override = prs.override(row, row.id, revisionId);
      return override ? { overridden: true, overrider: override.overrider } : { overridden: false };
    },
  };
}
