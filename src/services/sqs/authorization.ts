/**
 * What each SQS operation needs to be allowed, from AWS's Service Authorization Reference
 * ("Actions, resources, and condition keys for Amazon SQS") and the SQS Developer Guide's "API
 * permissions: Actions and resource reference".
 *
 * Every operation but ListQueues is checked on its queue's ARN (`arn:aws:sqs:<region>:<account>:<name>`,
 * the account and name from the QueueUrl, from QueueName and QueueOwnerAWSAccountId for GetQueueUrl,
 * from the SourceArn or the task handle for move tasks), with the queue's tags as
 * `aws:ResourceTag/…` (the table is built in create() over the store); the queue policy is the
 * resource policy (`resourcePolicy` in index.ts), so another account or a service principal
 * (`events.amazonaws.com`, `sns.amazonaws.com`) is allowed what the policy grants it. The batch
 * operations are their single actions (SendMessageBatch is sqs:SendMessage …). CreateQueue and
 * TagQueue carry `aws:RequestTag/…` and `aws:TagKeys`, UntagQueue `aws:TagKeys`; tags at creation
 * also need sqs:TagQueue. StartMessageMoveTask also needs sqs:ReceiveMessage, sqs:DeleteMessage and
 * sqs:GetQueueAttributes on the dead-letter queue and sqs:SendMessage on a named destination.
 */
import { partitionOf } from '../../core/arn.js';
import type { ContextValue } from '../../core/policy.js';
import type { RequestContext } from '../../protocol/types.js';
import type { ActionRule, ServiceAuthorization } from '../authorization.js';
import { parseQueueUrl } from './common.js';

/** What the table reads of the stored queues. */
export interface QueueTagLookup {
  /** The tags of the queue an ARN names; none when it does not exist. */
  tags(queueArn: string): Record<string, string>;
}

interface QueueInput {
  QueueUrl?: string;
  QueueName?: string;
  QueueOwnerAWSAccountId?: string;
  SourceArn?: string;
  DestinationArn?: string;
  TaskHandle?: string;
  tags?: Record<string, string>;
  Tags?: Record<string, string>;
  TagKeys?: string[];
}

function arnOf(account: string, name: string, ctx: RequestContext): string {
  return `arn:${partitionOf(ctx.region)}:sqs:${ctx.region}:${account}:${name}`;
}

/** The queue a QueueUrl names (or, for awsQuery requests that leave it out, the path they were posted to); `*` when none. */
function byUrl(input: QueueInput, ctx: RequestContext): string {
  const queue = parseQueueUrl(input.QueueUrl || ctx.http.path);
  return queue ? arnOf(queue.account, queue.name, ctx) : '*';
}

function byName(input: QueueInput, ctx: RequestContext): string {
  return input.QueueName ? arnOf(input.QueueOwnerAWSAccountId || ctx.account, input.QueueName, ctx) : '*';
}

/** The dead-letter queue a move task's handle names. */
function byTaskHandle(input: QueueInput): string {
  try {
    const handle = JSON.parse(Buffer.from(input.TaskHandle ?? '', 'base64').toString('utf8')) as { sourceArn?: unknown };
    return typeof handle.sourceArn === 'string' && handle.sourceArn ? handle.sourceArn : '*';
  } catch {
    return '*';
  }
}

function requestTags(tags: Record<string, string> | undefined): Record<string, ContextValue> {
  if (!tags || !Object.keys(tags).length) return {};
  const out: Record<string, ContextValue> = { 'aws:TagKeys': Object.keys(tags) };
  for (const [key, value] of Object.entries(tags)) out[`aws:RequestTag/${key}`] = value;
  return out;
}

export function sqsAuthorization(lookup: QueueTagLookup): ServiceAuthorization {
  const resourceTags = (arn: string): Record<string, ContextValue> => {
    if (arn === '*') return {};
    return Object.fromEntries(Object.entries(lookup.tags(arn)).map(([key, value]) => [`aws:ResourceTag/${key}`, value]));
  };
  /** A rule on the queue `resource` names, with its tags. */
  const onQueue = (resource: (input: QueueInput, ctx: RequestContext) => string, extra: Partial<ActionRule> = {}): ActionRule => ({
    resource,
    context: (input: QueueInput, ctx) => ({ ...resourceTags(resource(input, ctx)), ...(extra.context?.(input, ctx) ?? {}) }),
    also: extra.also,
    action: extra.action,
  });
  const queueUrlRule = onQueue(byUrl);
  const source = (input: QueueInput) => input.SourceArn || '*';
  return {
    prefix: 'sqs',
    rules: {
      CreateQueue: {
        resource: byName,
        context: (input: QueueInput) => requestTags(input.tags),
        also: [{ action: 'sqs:TagQueue', resource: byName, when: (input: QueueInput) => Object.keys(input.tags ?? {}).length > 0 }],
      },
      GetQueueUrl: onQueue(byName),
      ListQueues: { resource: '*' },
      DeleteQueue: queueUrlRule,
      PurgeQueue: queueUrlRule,
      GetQueueAttributes: queueUrlRule,
      SetQueueAttributes: queueUrlRule,
      ListDeadLetterSourceQueues: queueUrlRule,
      SendMessage: queueUrlRule,
      SendMessageBatch: onQueue(byUrl, { action: 'sqs:SendMessage' }),
      ReceiveMessage: queueUrlRule,
      DeleteMessage: queueUrlRule,
      DeleteMessageBatch: onQueue(byUrl, { action: 'sqs:DeleteMessage' }),
      ChangeMessageVisibility: queueUrlRule,
      ChangeMessageVisibilityBatch: onQueue(byUrl, { action: 'sqs:ChangeMessageVisibility' }),
      AddPermission: queueUrlRule,
      RemovePermission: queueUrlRule,
      TagQueue: onQueue(byUrl, { context: (input: QueueInput) => requestTags(input.Tags) }),
      UntagQueue: onQueue(byUrl, { context: (input: QueueInput) => ({ 'aws:TagKeys': input.TagKeys ?? [] }) }),
      ListQueueTags: queueUrlRule,
      StartMessageMoveTask: onQueue(source, {
        also: [
          { action: 'sqs:ReceiveMessage', resource: source },
          { action: 'sqs:DeleteMessage', resource: source },
          { action: 'sqs:GetQueueAttributes', resource: source },
          { action: 'sqs:SendMessage', resource: (input: QueueInput) => input.DestinationArn || '*', when: (input: QueueInput) => !!input.DestinationArn },
        ],
      }),
      ListMessageMoveTasks: onQueue(source),
      CancelMessageMoveTask: onQueue(byTaskHandle),
    },
  };
}
