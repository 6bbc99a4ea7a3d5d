/** Queues: CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, PurgeQueue, ListDeadLetterSourceQueues. */
import type {
  CreateQueueRequest,
  CreateQueueResult,
  DeleteQueueRequest,
  GetQueueUrlRequest,
  GetQueueUrlResult,
  ListDeadLetterSourceQueuesRequest,
  ListDeadLetterSourceQueuesResult,
  ListQueuesRequest,
  ListQueuesResult,
  PurgeQueueRequest,
} from '@aws-sdk/client-sqs';
import { AwsError } from '../../core/errors.js';
import { hasMembers, pageToken, readPageToken } from '../../core/pagination.js';
import type { RequestContext } from '../../protocol/types.js';
import { type Attributes, applyAttributes, shownAttributes } from './attributes.js';
import { queueArn, queueUrl, redriveTargets, requireOwner, resolveQueue, type SqsContext } from './common.js';
import { invalidParameterValue, invalidValue, queueDoesNotExist } from './errors.js';
import { checkTags } from './tags.js';

/** AWS keeps a deleted queue's name for 60 seconds, and allows one purge per queue every 60 seconds. */
const NAME_HOLD_MS = 60_000;
const PURGE_INTERVAL_MS = 60_000;
const MAX_RESULTS = 1000;

const STANDARD_NAME = /^[\w-]{1,80}$/;
const FIFO_NAME = /^[\w-]{1,75}\.fifo$/;

export function createQueue(c: SqsContext, input: CreateQueueRequest, ctx: RequestContext): CreateQueueResult {
  const name = input.QueueName;
  if (name === undefined || name === null) throw invalidValue('QueueName', undefined, 'Must specify a queue name.');
  if (name === '') throw invalidParameterValue('Queue name cannot be empty');
  const given = Object.fromEntries(Object.entries(input.Attributes ?? {}).map(([k, v]) => [k, String(v)])) as Attributes;
  const fifo = given.FifoQueue?.toLowerCase() === 'true';
  if (fifo && !FIFO_NAME.test(name)) {
    throw invalidParameterValue('The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.');
  }
  if (!fifo && !STANDARD_NAME.test(name)) throw invalidParameterValue('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
  // An empty policy given at creation is no policy.
  for (const key of ['Policy', 'RedrivePolicy', 'RedriveAllowPolicy']) if (given[key] === '') delete given[key];
  const arn = queueArn({ account: ctx.account, region: ctx.region, name });
  const attributes = applyAttributes(given, fifo, arn, redriveTargets(c));
  const tags = checkTags(input.tags);
  return c.store.tx(() => {
    const now = c.rt.clock.now();
    const existing = c.store.queue(ctx.account, ctx.region, name);
    if (existing) {
      // Creating a queue that exists answers its URL when every attribute given matches.
      const shown = shownAttributes(JSON.parse(existing.attributes) as Attributes, existing.fifo === 1);
      const differing = Object.keys(given).find((key) => key !== 'FifoQueue' && shown[key] !== attributes[key]);
      if (differing || (existing.fifo === 1) !== fifo) {
        throw new AwsError('QueueNameExists', `A queue already exists with the same name and a different value for attribute ${differing ?? 'FifoQueue'}`);
      }
      return { QueueUrl: queueUrl(ctx, existing) };
    }
    const deletedAt = c.store.deletedAt(ctx.account, ctx.region, name);
    if (deletedAt !== undefined && now - deletedAt < NAME_HOLD_MS) {
      throw new AwsError('QueueDeletedRecently', 'You must wait 60 seconds after deleting a queue before you can create another with the same name.');
    }
    c.store.createQueue({
      account: ctx.account,
      region: ctx.region,
      name,
      fifo: fifo ? 1 : 0,
      attributes: JSON.stringify(attributes),
      tags: JSON.stringify(tags),
      created_at: now,
      modified_at: now,
    });
    return { QueueUrl: queueUrl(ctx, { account: ctx.account, name }) };
  });
}

export function getQueueUrl(c: SqsContext, input: GetQueueUrlRequest, ctx: RequestContext): GetQueueUrlResult {
  if (!input.QueueName) throw invalidValue('QueueName', undefined, 'Must specify a queue name.');
  const account = input.QueueOwnerAWSAccountId || ctx.account;
  const row = c.store.queue(account, ctx.region, input.QueueName);
  if (!row) throw queueDoesNotExist(ctx);
  return { QueueUrl: queueUrl(ctx, row) };
}

function checkMaxResults(max: number | undefined): number | undefined {
  // 0 is taken as no limit, as AWS does.
  if (max === undefined || max === null || max === 0) return undefined;
  if (!Number.isInteger(max) || max < 1 || max > MAX_RESULTS) throw invalidValue('MaxResults', undefined, `MaxResults must be an integer between 1 and ${MAX_RESULTS}.`);
  return max;
}

const invalidToken = () => invalidParameterValue('Invalid or expired next token.');

export function listQueues(c: SqsContext, input: ListQueuesRequest, ctx: RequestContext): ListQueuesResult {
  const max = checkMaxResults(input.MaxResults);
  const prefix = input.QueueNamePrefix ?? '';
  const after = input.NextToken ? readPageToken(input.NextToken, hasMembers<{ after: string }>({ after: 'string' }), invalidToken).after : '';
  const rows = c.store.queues(ctx.account, ctx.region, after, prefix, (max ?? MAX_RESULTS) + 1).filter((row) => row.name.startsWith(prefix));
  const page = rows.slice(0, max ?? MAX_RESULTS);
  const more = max !== undefined && rows.length > page.length && rows[page.length].name.startsWith(prefix);
  return {
    QueueUrls: page.length ? page.map((row) => queueUrl(ctx, row)) : undefined,
    NextToken: more ? pageToken({ after: page[page.length - 1].name }) : undefined,
  };
}

export function deleteQueue(c: SqsContext, input: DeleteQueueRequest, ctx: RequestContext): Record<string, never> {
  const queue = resolveQueue(c, input.QueueUrl, ctx);
  requireOwner(queue, ctx, 'DeleteQueue');
  c.store.tx(() => {
    c.store.deleteQueue(queue, c.rt.clock.now());
    // Long polls on it wake and answer empty.
    c.store.afterCommit(() => c.arrivals.notify(queue.id));
  });
  return {};
}

export function purgeQueue(c: SqsContext, input: PurgeQueueRequest, ctx: RequestContext): Record<string, never> {
  const queue = resolveQueue(c, input.QueueUrl, ctx);
  c.store.tx(() => {
    const now = c.rt.clock.now();
    const purgedAt = c.store.queueById(queue.id)?.purged_at;
    if (purgedAt !== null && purgedAt !== undefined && now - purgedAt < PURGE_INTERVAL_MS) {
      throw new AwsError('PurgeQueueInProgress', `Only one PurgeQueue operation on ${queue.name} is allowed every 60 seconds.`);
    }
    c.store.purge(queue.id);
    c.store.setPurged(queue.id, now);
  });
  return {};
}

export function listDeadLetterSourceQueues(c: SqsContext, input: ListDeadLetterSourceQueuesRequest, ctx: RequestContext): ListDeadLetterSourceQueuesResult {
  const queue = resolveQueue(c, input.QueueUrl, ctx);
  const max = checkMaxResults(input.MaxResults);
  const after = input.NextToken ? readPageToken(input.NextToken, hasMembers<{ after: string }>({ after: 'string' }), invalidToken).after : '';
  const sources = c.store.allQueues(queue.account, queue.region).filter((row) => {
    if (row.name <= after) return false;
    const policy = (JSON.parse(row.attributes) as Attributes).RedrivePolicy;
    return policy !== undefined && (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn === queue.arn;
  });
  const page = sources.slice(0, max ?? MAX_RESULTS);
  return {
    queueUrls: page.map((row) => queueUrl(ctx, row)),
    NextToken: max !== undefined && sources.length > page.length ? pageToken({ after: page[page.length - 1].name }) : undefined,
  };
}
