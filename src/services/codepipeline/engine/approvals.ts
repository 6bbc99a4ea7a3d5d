/**
 * Manual approvals: the Approval Manual provider opens an approval on its action execution (a
 * token, shown by GetPipelineState as the action's latestExecution.token), then waits for
 * PutApprovalResult, which must name that token while the action is InProgress. The token and the
 * decision are stored on the action execution, so a restarted provider (ctx.saved) waits on for
 * the same token, and a decision made before it waits again is not lost.
 */
import { uuid } from '../../../core/ids.js';
import type { ActionContext } from '../actions/types.js';
import { contextOf } from '../common.js';

export interface ApprovalDecision {
  status: 'Approved' | 'Rejected';
  summary: string;
  /** The ARN of who answered. */
  approvedBy: string;
  at: Date;
}

/** The wake-up key of an action execution's approval. */
export const approvalKey = (actionExecutionId: string) => `approval:${actionExecutionId}`;

/** Opens (or, when called again, replaces) the approval of the running action; answers its token. */
export function openApproval(ctx: ActionContext): string {
  const c = contextOf(ctx.rt);
  const token = uuid();
  c.store.tx(() => {
    const row = c.store.actionExecution(ctx.actionExecutionId);
    if (!row) throw new Error(`action execution ${ctx.actionExecutionId} does not exist`);
    c.store.putActionExecution({ ...row, token, decision: null, updated_at: ctx.clock.now() });
  });
  return token;
}

/** Waits until PutApprovalResult answers the approval with `token` (rejects when ctx.signal aborts, e.g. on the approval's timeout the provider arms). */
export function waitForApproval(ctx: ActionContext, token: string): Promise<ApprovalDecision> {
  const c = contextOf(ctx.rt);
  return c.wakeups.until(approvalKey(ctx.actionExecutionId), ctx.signal, () => {
    const row = c.store.actionExecution(ctx.actionExecutionId);
    if (row?.token !== token) throw new Error(`the approval token ${token} is no longer the action's`);
    if (!row.decision) return undefined;
    const decision = JSON.parse(row.decision) as Omit<ApprovalDecision, 'at'> & { at: number };
    return { ...decision, at: new Date(decision.at) };
  });
}
