/**
 * Messages on their way to subscribers. A publish (or a subscription's confirmation request)
 * stores its message once and one delivery per subscriber, each a job enqueued in the same
 * transaction: an acknowledged publish reaches its subscribers across a kill -9, and a rolled-back
 * one reaches nobody. Each delivery carries its subscriber as it was when the message was
 * published (its endpoint, raw delivery, dead-letter queue and retry policy).
 */
import { attributesOf, type SnsContext } from './common.js';
import type { SignatureVersion } from './signing.js';
import type { SubscriptionRow, TopicRow } from './store.js';
import { DEFAULT_CONTENT_TYPE, type RetryPolicy, retryPolicy, topicDeliveryPolicy } from './topic-attributes.js';

export type MessageType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

/** A message attribute as SNS passes it on: its data type and its value (Binary values in base64). */
export interface MessageAttribute {
  type: string;
  value: string;
}

export interface StoredMessage {
  type: MessageType;
  id: string;
  topicArn: string;
  /** ISO 8601 with milliseconds, as SNS writes Timestamp. */
  timestamp: string;
  /** The message every protocol gets, unless `perProtocol` (MessageStructure json) has its own. */
  message: string;
  perProtocol?: Record<string, string>;
  subject?: string;
  attributes?: Record<string, MessageAttribute>;
  fifo: boolean;
  groupId?: string;
  dedupId?: string;
  sequence?: string;
  /** Confirmation requests: the token their SubscribeURL carries. */
  token?: string;
  signatureVersion: SignatureVersion;
}

export interface DeliveryTarget {
  subscriptionArn: string;
  topicArn: string;
  account: string;
  region: string;
  protocol: string;
  endpoint: string;
  raw: boolean;
  /** RedrivePolicy's deadLetterTargetArn: where a message goes once its delivery failed for good. */
  deadLetterArn?: string;
  /** HTTP/S: the effective retry policy and Content-Type. */
  retry?: RetryPolicy;
  contentType?: string;
}

/** Job kinds: standard topics deliver concurrently, FIFO topics one delivery at a time in publish order. */
export const DELIVER = 'sns:deliver';
export const DELIVER_FIFO = 'sns:deliver-fifo';

/** The delivery target a subscription is now, with the topic's delivery policy applied. */
export function deliveryTarget(topic: TopicRow, subscription: SubscriptionRow): DeliveryTarget {
  const attributes = attributesOf(subscription);
  const target: DeliveryTarget = {
    subscriptionArn: subscription.arn,
    topicArn: topic.arn,
    account: topic.account,
    region: topic.region,
    protocol: subscription.protocol,
    endpoint: subscription.endpoint,
    raw: attributes.RawMessageDelivery === 'true',
  };
  if (attributes.RedrivePolicy) target.deadLetterArn = (JSON.parse(attributes.RedrivePolicy) as { deadLetterTargetArn: string }).deadLetterTargetArn;
  if (subscription.protocol === 'http' || subscription.protocol === 'https') {
    const topicPolicy = topicDeliveryPolicy(attributesOf(topic).DeliveryPolicy);
    const own = attributes.DeliveryPolicy && !topicPolicy.disableSubscriptionOverrides ? (JSON.parse(attributes.DeliveryPolicy) as Record<string, unknown>) : {};
    const request = (own.requestPolicy ?? {}) as { headerContentType?: string };
    target.retry = retryPolicy(own.healthyRetryPolicy, 'Invalid parameter: ', topicPolicy.retry);
    target.contentType = request.headerContentType ?? topicPolicy.contentType ?? DEFAULT_CONTENT_TYPE;
  }
  return target;
}

/** Stores a message and enqueues its deliveries, inside the caller's transaction. */
export function enqueueDeliveries(c: SnsContext, message: StoredMessage, targets: DeliveryTarget[]): void {
  const ids = c.store.insertMessage(
    message.id,
    JSON.stringify(message),
    targets.map((t) => JSON.stringify(t)),
  );
  for (const id of ids) c.rt.jobs.enqueue(message.fifo ? DELIVER_FIFO : DELIVER, { delivery: id });
}

/** The message text a protocol gets. */
export function messageFor(message: Pick<StoredMessage, 'message' | 'perProtocol'>, protocol: string): string {
  return message.perProtocol?.[protocol] ?? message.message;
}
