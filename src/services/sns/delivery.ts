/**
 * Delivering messages: the job that takes one stored delivery to its subscriber.
 *
 * SQS and Lambda subscribers are reached through the in-process call path as the service
 * principal `sns.amazonaws.com` with the topic as aws:SourceArn, so the queue's policy or the
 * function's permission decides, as in AWS. HTTP/S endpoints get a POST with SNS's headers (15 s
 * to answer, 2xx is success); email, email-json and SMS go to the local outbox.
 *
 * A failure is retried on the Drydock clock along the subscriber's retry policy (the
 * subscription's or topic's DeliveryPolicy for HTTP/S, AWS's fixed policies otherwise). A client
 * error (a queue or function that does not exist or refuses SNS) is not retried, as AWS does not.
 * Once a delivery failed for good it goes to the subscription's dead-letter queue when it has one,
 * and is dropped otherwise. Standard topics deliver concurrently and retry by re-enqueueing;
 * FIFO topics deliver one message at a time in publish order and retry in place, so a message
 * group stays in order.
 */
import { servicePrincipal } from '../../core/accounts.js';
import { parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { JobRunInfo } from '../../core/jobs.js';
import type { SnsContext } from './common.js';
import { attributesOf } from './common.js';
import { email, envelope, lambdaEvent } from './envelope.js';
import { DELIVER, DELIVER_FIFO, type DeliveryTarget, messageFor, type StoredMessage } from './messages.js';
import { recordOutbox } from './outbox.js';
import type { DeliveryRow } from './store.js';
import { CUSTOMER_ENDPOINT_RETRY, MANAGED_ENDPOINT_RETRY, type RetryPolicy, retryDelay } from './topic-attributes.js';

const HTTP_TIMEOUT_MS = 15_000;
/** Concurrent standard-topic deliveries (HTTP requests in flight, in-process calls). */
const DELIVERY_CONCURRENCY = 32;

/** A failure SNS does not retry: the subscriber refused (missing queue or function, denied access). */
class ClientError extends Error {}

export function registerDeliveryJobs(c: SnsContext): void {
  c.rt.jobs.register(DELIVER, (job, info) => deliver(c, (job.payload as { delivery: number }).delivery, info, false), { concurrency: DELIVERY_CONCURRENCY });
  c.rt.jobs.register(DELIVER_FIFO, (job, info) => deliver(c, (job.payload as { delivery: number }).delivery, info, true), { concurrency: 1 });
}

async function deliver(c: SnsContext, id: number, info: JobRunInfo, fifo: boolean): Promise<void> {
  const found = c.store.delivery(id);
  // A delivery already finished: the process died after recording it, before the job did.
  if (!found) return;
  const message = JSON.parse(found.message) as StoredMessage;
  const target = JSON.parse(found.row.target) as DeliveryTarget;
  let failures = found.row.failures;
  for (;;) {
    let failure: unknown;
    try {
      await send(c, message, target, info.signal);
    } catch (err) {
      failure = err;
    }
    // Reset or shutdown: what the attempt did is not recorded; a restart delivers again.
    if (info.signal.aborted) return;
    if (failure === undefined) return finish(c, found.row);
    failures++;
    const delay = failure instanceof ClientError ? undefined : retryDelay(retryPolicyOf(target), failures);
    c.rt.log.debug({ err: failure, subscription: target.subscriptionArn, failures }, 'SNS delivery failed');
    if (delay === undefined) {
      await deadLetter(c, message, target);
      return finish(c, found.row);
    }
    if (!fifo) {
      c.store.tx(() => {
        c.store.recordFailure(id);
        c.rt.jobs.enqueue(DELIVER, { delivery: id }, delay * 1000);
      });
      return;
    }
    c.store.recordFailure(id);
    await c.rt.clock.sleep(delay * 1000, info.signal).catch(() => undefined);
    if (info.signal.aborted) return;
  }
}

function finish(c: SnsContext, row: DeliveryRow): void {
  c.store.tx(() => c.store.finishDelivery(row));
}

function retryPolicyOf(target: DeliveryTarget): RetryPolicy {
  if (target.retry) return target.retry;
  return target.protocol === 'sqs' || target.protocol === 'lambda' ? MANAGED_ENDPOINT_RETRY : CUSTOMER_ENDPOINT_RETRY;
}

/** Sends one message to its subscriber; throws on failure (ClientError when retrying cannot help). */
async function send(c: SnsContext, message: StoredMessage, target: DeliveryTarget, signal: AbortSignal): Promise<void> {
  switch (target.protocol) {
    case 'sqs':
      return callSubscriber(c, target, sqsCall(c, message, target, target.endpoint));
    case 'lambda':
      return callSubscriber(c, target, {
        service: 'lambda',
        operation: 'Invoke',
        input: { FunctionName: target.endpoint, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(lambdaEvent(c, message, target))) },
      });
    case 'http':
    case 'https':
      return post(c, message, target, signal);
    case 'email':
    case 'email-json':
    case 'sms':
      return toOutbox(c, message, target);
    default:
      throw new ClientError(`protocol ${target.protocol} has no delivery`);
  }
}

/** The SendMessage a queue gets: the envelope, or with raw delivery the message and its attributes as SQS message attributes. */
function sqsCall(c: SnsContext, message: StoredMessage, target: DeliveryTarget, queueArn: string) {
  const queue = parseArn(queueArn);
  const fifoQueue = queueArn.endsWith('.fifo');
  const raw = target.raw && message.type === 'Notification';
  const input: Record<string, unknown> = {
    QueueUrl: `${c.rt.endpoint()}/${queue?.account}/${queue?.resource}`,
    MessageBody: raw ? messageFor(message, 'sqs') : JSON.stringify(envelope(c, message, target)),
  };
  if (raw && message.attributes) {
    input.MessageAttributes = Object.fromEntries(
      Object.entries(message.attributes).map(([name, { type, value }]) => [
        name,
        type.startsWith('Binary') ? { DataType: type, BinaryValue: Buffer.from(value, 'base64') } : { DataType: type, StringValue: value },
      ]),
    );
  }
  // A FIFO topic's group reaches FIFO queues only; a standard topic passes the group id it was given on.
  if (message.groupId !== undefined && (fifoQueue || !message.fifo)) input.MessageGroupId = message.groupId;
  if (fifoQueue && message.dedupId !== undefined) input.MessageDeduplicationId = message.dedupId;
  return { service: 'sqs', operation: 'SendMessage', input };
}

/** Calls a queue or function as SNS: a refusal or a missing resource is a client error, anything else is retried. */
async function callSubscriber(c: SnsContext, target: DeliveryTarget, call: { service: string; operation: string; input: Record<string, unknown> }): Promise<void> {
  const resource = parseArn(target.endpoint);
  try {
    await c.rt.invoke(call, {
      principal: servicePrincipal(target.account, 'sns.amazonaws.com'),
      account: resource?.account ?? target.account,
      region: resource?.region ?? target.region,
      sourceArn: target.topicArn,
      sourceAccount: target.account,
    });
  } catch (err) {
    if (err instanceof AwsError && ((err.status ?? 400) < 500 || err.code === 'NotImplemented')) throw new ClientError(`${err.code}: ${err.message}`);
    throw err;
  }
}

async function post(c: SnsContext, message: StoredMessage, target: DeliveryTarget, signal: AbortSignal): Promise<void> {
  const headers: Record<string, string> = {
    'content-type': message.type === 'Notification' ? (target.contentType ?? 'text/plain; charset=UTF-8') : 'text/plain; charset=UTF-8',
    'user-agent': 'Amazon Simple Notification Service Agent',
    'x-amz-sns-message-type': message.type,
    'x-amz-sns-message-id': message.id,
    'x-amz-sns-topic-arn': message.topicArn,
  };
  if (message.type !== 'SubscriptionConfirmation') headers['x-amz-sns-subscription-arn'] = target.subscriptionArn;
  const raw = target.raw && message.type === 'Notification';
  if (raw) headers['x-amz-sns-rawdelivery'] = 'true';
  const body = raw ? messageFor(message, target.protocol) : JSON.stringify(envelope(c, message, target));
  const response = await fetch(target.endpoint, { method: 'POST', headers, body, signal: AbortSignal.any([signal, AbortSignal.timeout(HTTP_TIMEOUT_MS)]), redirect: 'manual' });
  await response.arrayBuffer().catch(() => undefined);
  if (response.status < 200 || response.status > 299) throw new Error(`${target.endpoint} answered ${response.status}`);
}

function toOutbox(c: SnsContext, message: StoredMessage, target: DeliveryTarget): void {
  const topic = c.store.topic(target.topicArn);
  const mail = target.protocol === 'sms' ? { subject: '', body: messageFor(message, 'sms') } : email(c, message, target, topic ? (attributesOf(topic).DisplayName ?? '') : '');
  c.store.tx(() =>
    recordOutbox(c, {
      account: target.account,
      region: target.region,
      protocol: target.protocol,
      endpoint: target.endpoint,
      topic_arn: target.topicArn,
      subscription_arn: target.subscriptionArn,
      message_id: message.id,
      subject: mail.subject,
      body: mail.body,
    }),
  );
}

/** A message whose delivery failed for good goes to the subscription's dead-letter queue, as it would have been delivered. */
async function deadLetter(c: SnsContext, message: StoredMessage, target: DeliveryTarget): Promise<void> {
  if (!target.deadLetterArn || message.type !== 'Notification') return;
  const call = sqsCall(c, message, { ...target, protocol: 'sqs' }, target.deadLetterArn);
  try {
    await callSubscriber(c, { ...target, endpoint: target.deadLetterArn }, call);
  } catch (err) {
    c.rt.log.warn({ err, subscription: target.subscriptionArn, deadLetterQueue: target.deadLetterArn }, 'SNS could not move a failed message to its dead-letter queue');
  }
}
