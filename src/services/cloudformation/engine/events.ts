/**
 * Stack events as AWS records them: one row per status change of the stack or of a resource
 * (DescribeStackEvents), the matching "CloudFormation Stack Status Change" / "CloudFormation
 * Resource Status Change" event on the bus, and a notification to every NotificationARNs topic in
 * AWS's `Key='value'` message format. All three are written in one transaction; the notifications
 * are durable jobs, so a restart loses none.
 */
import type { Principal } from '../../../core/accounts.js';
import { uuid } from '../../../core/ids.js';
import { type CloudFormationContext, NOTIFY_JOB, parseJson, principalOf, STACK_TYPE } from '../common.js';
import type { StackRow } from '../store.js';

export interface StatusChange {
  logicalId: string;
  physicalId?: string | null;
  type: string;
  status: string;
  reason?: string;
  /** The resource's properties as the template gave them (ResourceProperties). */
  props?: unknown;
}

interface Notification {
  topicArn: string;
  subject: string;
  message: string;
  principal: Principal;
  region: string;
}

/** Records one status change of a stack's resource (or of the stack itself) with its bus event and notifications; call inside a transaction. */
export function recordEvent(c: CloudFormationContext, stack: StackRow, change: StatusChange): void {
  const timestamp = c.rt.clock.now();
  const eventId = change.type === STACK_TYPE && change.logicalId === stack.name ? uuid() : `${change.logicalId}-${change.status}-${new Date(timestamp).toISOString()}`;
  const props = change.props === undefined ? null : JSON.stringify(change.props);
  c.store.insertEvent({
    stack_id: stack.stack_id,
    event_id: eventId,
    stack_name: stack.name,
    logical_id: change.logicalId,
    physical_id: change.physicalId ?? null,
    type: change.type,
    status: change.status,
    reason: change.reason ?? null,
    props,
    timestamp,
    client_request_token: stack.client_request_token,
  });
  const isStack = change.type === STACK_TYPE && change.logicalId === stack.name;
  const statusDetails = { status: change.status, 'status-reason': change.reason ?? '' };
  const token = stack.client_request_token ? { 'client-request-token': stack.client_request_token } : {};
  c.rt.events.publish({
    source: 'aws.cloudformation',
    'detail-type': isStack ? 'CloudFormation Stack Status Change' : 'CloudFormation Resource Status Change',
    account: stack.account,
    region: stack.region,
    resources: [stack.stack_id],
    detail: isStack
      ? { 'stack-id': stack.stack_id, 'status-details': statusDetails, ...token }
      : {
          'stack-id': stack.stack_id,
          'logical-resource-id': change.logicalId,
          'physical-resource-id': change.physicalId ?? '',
          'status-details': statusDetails,
          'resource-type': change.type,
          ...token,
        },
  });
  const topics = parseJson<string[]>(stack.notification_arns);
  if (topics.length === 0) return;
  const principal = principalOf(stack);
  const message = notificationMessage(stack, change, { eventId, timestamp, props, principalId: principal.userId });
  for (const topicArn of topics) {
    const notification: Notification = { topicArn, subject: 'AWS CloudFormation Notification', message, principal, region: stack.region };
    c.rt.jobs.enqueue(NOTIFY_JOB, notification);
  }
}

/** AWS's notification body: one `Key='value'` line per field, in AWS's order. */
function notificationMessage(stack: StackRow, change: StatusChange, event: { eventId: string; timestamp: number; props: string | null; principalId: string }): string {
  const fields: [string, string][] = [
    ['StackId', stack.stack_id],
    ['Timestamp', new Date(event.timestamp).toISOString()],
    ['EventId', event.eventId],
    ['LogicalResourceId', change.logicalId],
    ['Namespace', stack.account],
    ['PhysicalResourceId', change.physicalId ?? ''],
    ['PrincipalId', event.principalId],
    ['ResourceProperties', event.props ?? 'null'],
    ['ResourceStatus', change.status],
    ['ResourceStatusReason', change.reason ?? ''],
    ['ResourceType', change.type],
    ['StackName', stack.name],
    ['ClientRequestToken', stack.client_request_token ?? 'null'],
  ];
  return `${fields.map(([key, value]) => `${key}='${value}'`).join('\n')}\n`;
}

/** Sets the stack's status (and other columns) and records the stack's own event, in one transaction. */
export function setStackStatus(c: CloudFormationContext, stackId: string, status: string, reason?: string, changes: Partial<StackRow> = {}): StackRow {
  return c.store.tx(() => {
    c.store.updateStack(stackId, { status, status_reason: reason ?? null, ...changes });
    const stack = c.store.stack(stackId)!;
    recordEvent(c, stack, { logicalId: stack.name, physicalId: stack.stack_id, type: STACK_TYPE, status, reason });
    return stack;
  });
}

/** Publishes queued notifications to their topics as the principal who ran the stack operation. */
export function registerNotificationJobs(c: CloudFormationContext): void {
  c.rt.jobs.register(
    NOTIFY_JOB,
    async (job) => {
      const n = job.payload as Notification;
      await c.rt.call('sns', 'Publish', { TopicArn: n.topicArn, Subject: n.subject, Message: n.message }, { principal: n.principal, region: n.region, calledVia: ['cloudformation.amazonaws.com'] });
    },
    { maxAttempts: 3, backoffMs: 1000 },
  );
}
