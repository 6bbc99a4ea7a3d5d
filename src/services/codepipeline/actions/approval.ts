/**
 * Approval/AWS/Manual/1: the execution stops at the action until someone answers its token with
 * PutApprovalResult (the API, `aws codepipeline put-approval-result` or `drydock pipelines
 * approve`). With NotificationArn, the pipeline's role publishes AWS's approval notification (the
 * JSON of "JSON data format for manual approval notifications") to that SNS topic, CustomData and
 * ExternalEntityLink included. Unanswered for 7 days of Drydock's clock (the time warp skips
 * them), or for the action's timeoutInMinutes when its declaration sets one, the action fails; a
 * rejection fails it too, approval succeeds it with the approver's summary.
 *
 * Gaps: the notification's consoleLink and approvalReviewLink are AWS console URLs (Drydock has no
 * console page for them); the timeout's and the rejection's messages are Drydock's wording.
 */
import { AwsError } from '../../../core/errors.js';
import { openApproval, waitForApproval } from '../engine/approvals.js';
import { type ActionContext, ActionFailure, type ActionProvider, type ActionResult } from './types.js';

/** AWS fails an approval nobody answered within seven days, unless the action's timeoutInMinutes says otherwise. */
const APPROVAL_TIMEOUT_MINUTES = 7 * 24 * 60;

/** "7 days" for AWS's default, else the configured minutes. */
const expiryText = (minutes: number) => (minutes === APPROVAL_TIMEOUT_MINUTES ? '7 days' : `${minutes} minutes`);

/** `2016-07-07T20:22Z`: the minute precision of the notification's `expires`. */
const expiresText = (at: number) => new Date(at).toISOString().slice(0, 16).concat('Z');

async function notify(ctx: ActionContext, topicArn: string, token: string, expiresAt: number): Promise<void> {
  const view = `https://console.aws.amazon.com/codepipeline/home?region=${ctx.region}#/view/${encodeURIComponent(ctx.pipelineName)}`;
  const message = {
    region: ctx.region,
    consoleLink: view,
    approval: {
      pipelineName: ctx.pipelineName,
      stageName: ctx.stageName,
      actionName: ctx.actionName,
      token,
      expires: expiresText(expiresAt),
      externalEntityLink: ctx.configuration.ExternalEntityLink ?? null,
      approvalReviewLink: `${view}/${encodeURIComponent(ctx.stageName)}/${encodeURIComponent(ctx.actionName)}/approve/${token}`,
      customData: ctx.configuration.CustomData ?? null,
    },
  };
  try {
    await ctx.call('sns', 'Publish', {
      TopicArn: topicArn,
      Subject: `APPROVAL NEEDED: AWS CodePipeline ${ctx.pipelineName} for action ${ctx.actionName}`.slice(0, 100),
      Message: JSON.stringify(message),
    });
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    throw new ActionFailure(`Failed to publish the approval notification to ${topicArn}: ${err.code}: ${err.message}`, err.code === 'AuthorizationError' ? 'PermissionError' : 'ConfigurationError');
  }
}

async function run(ctx: ActionContext): Promise<ActionResult> {
  let token = typeof ctx.saved?.token === 'string' ? ctx.saved.token : undefined;
  let expiresAt = typeof ctx.saved?.expiresAt === 'number' ? ctx.saved.expiresAt : undefined;
  const timeoutMinutes = ctx.timeoutInMinutes ?? APPROVAL_TIMEOUT_MINUTES;
  if (!token || expiresAt === undefined) {
    token = openApproval(ctx);
    expiresAt = ctx.clock.now() + timeoutMinutes * 60_000;
    ctx.checkpoint({ token, expiresAt });
    if (ctx.configuration.NotificationArn) await notify(ctx, ctx.configuration.NotificationArn, token, expiresAt);
  }
  const expiry = new AbortController();
  const timer = ctx.clock.at(expiresAt, () => expiry.abort());
  try {
    const decision = await waitForApproval({ ...ctx, signal: AbortSignal.any([ctx.signal, expiry.signal]) }, token);
    if (decision.status === 'Rejected') throw new ActionFailure(decision.summary ? `Rejected: ${decision.summary}` : 'Rejected');
    return { summary: decision.summary };
  } catch (err) {
    if (expiry.signal.aborted && !ctx.signal.aborted) throw new ActionFailure(`The approval request expired: nobody approved or rejected it within ${expiryText(timeoutMinutes)}`);
    throw err;
  } finally {
    timer.cancel();
  }
}

export const manualApproval: ActionProvider = {
  typeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' },
  settings: {
    configurationProperties: [
      { name: 'NotificationArn', required: false, key: false, secret: false },
      { name: 'CustomData', required: false, key: false, secret: false },
      { name: 'ExternalEntityLink', required: false, key: false, secret: false },
    ],
    inputArtifacts: { minimumCount: 0, maximumCount: 0 },
    outputArtifacts: { minimumCount: 0, maximumCount: 0 },
  },
  run,
};
