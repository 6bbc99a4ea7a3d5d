/**
 * Publish and PublishBatch: AWS's checks (message and subject rules, 256 KiB, message attributes,
 * MessageStructure json, FIFO group and deduplication ids), then one delivery per confirmed
 * subscription whose filter policy accepts the message, enqueued in the request's transaction.
 * FIFO topics number their messages and drop duplicates within AWS's five-minute window (the
 * duplicate's publish answers the first one's MessageId and SequenceNumber, as AWS's does).
 */
import { createHash, randomUUID } from 'node:crypto';
import type * as S from '@aws-sdk/client-sns';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import { attributesOf, findTopic, invalidParameter, MAX_MESSAGE_BYTES, type SnsContext } from './common.js';
import { attributeValues, bodyValues } from './filter-policy.js';
import { checkMessageAttributes, publishedSize } from './message-attributes.js';
import { type DeliveryTarget, deliveryTarget, enqueueDeliveries, type MessageAttribute, messageFor, type StoredMessage } from './messages.js';
import { recordOutbox } from './outbox.js';
import type { SignatureVersion } from './signing.js';
import type { TopicRow } from './store.js';
import { subscriptionFilter } from './subscription-attributes.js';

const DEDUP_WINDOW_MS = 5 * 60 * 1000;
const MAX_BATCH = 10;
const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what a subject may not contain.
const SUBJECT_FORBIDDEN = /[\u0000-\u001f\u007f]/;
const PHONE = /^\+?[1-9]\d{4,14}$/;

/** One message as Publish or a PublishBatch entry gives it. */
interface Entry {
  Message?: string;
  Subject?: string;
  MessageStructure?: string;
  MessageAttributes?: Record<string, S.MessageAttributeValue>;
  MessageDeduplicationId?: string;
  MessageGroupId?: string;
}

interface Checked {
  message: string;
  perProtocol?: Record<string, string>;
  subject?: string;
  attributes?: Record<string, MessageAttribute>;
  size: number;
}

/** The checks that need no topic: subject, message, attributes, size, MessageStructure. */
function checkEntry(entry: Entry): Checked {
  const { Subject: subject, MessageStructure: structure } = entry;
  if (subject !== undefined && (subject.length === 0 || subject.length >= 100 || SUBJECT_FORBIDDEN.test(subject) || subject.trim() !== subject)) throw invalidParameter('Subject');
  const message = entry.Message ?? '';
  if (message.length === 0) throw invalidParameter('Empty message');
  const attributes = checkMessageAttributes(entry.MessageAttributes);
  const size = publishedSize(message, attributes);
  let perProtocol: Record<string, string> | undefined;
  if (structure === 'json') perProtocol = parseStructure(message);
  else if (structure !== undefined) throw invalidParameter('MessageStructure');
  return { message: perProtocol ? perProtocol.default! : message, perProtocol, subject, attributes, size };
}

/** MessageStructure json: an object whose string members are messages by protocol, `default` for the others. */
function parseStructure(message: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw invalidParameter('Message Structure - JSON message body failed to parse');
  }
  const out: Record<string, string> = {};
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    for (const [key, value] of Object.entries(parsed)) if (typeof value === 'string') out[key] = value;
  }
  if (out.default === undefined) throw invalidParameter('Message Structure - No default entry in JSON message body');
  return out;
}

/** The FIFO rules: a group id always; a deduplication id unless the topic deduplicates by content; neither id on standard topics' deduplication. */
function checkFifo(topic: TopicRow, entry: Entry): void {
  if (topic.fifo) {
    if (!entry.MessageGroupId) throw invalidParameter('The MessageGroupId parameter is required for FIFO topics');
    if (!entry.MessageDeduplicationId && attributesOf(topic).ContentBasedDeduplication !== 'true') {
      throw invalidParameter('The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
    }
  } else if (entry.MessageDeduplicationId !== undefined) {
    throw invalidParameter('MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type');
  }
}

/** Whether a subscription's filter policy accepts the message. */
function accepts(sub: Parameters<typeof subscriptionFilter>[0], checked: Checked): boolean {
  const filter = subscriptionFilter(sub);
  if (!filter) return true;
  const values = filter.scope === 'MessageBody' ? bodyValues(messageFor(checked, sub.protocol)) : attributeValues(checked.attributes ?? {});
  return values !== undefined && filter.policy.matches(values);
}

/** Publishes one checked message to a topic (inside the request's transaction): its MessageId and, on FIFO topics, SequenceNumber. */
function publishToTopic(c: SnsContext, topic: TopicRow, entry: Entry, checked: Checked): { MessageId: string; SequenceNumber?: string } {
  const now = c.rt.clock.now();
  let dedupId: string | undefined;
  if (topic.fifo) {
    dedupId =
      entry.MessageDeduplicationId ??
      createHash('sha256')
        .update(entry.Message ?? '')
        .digest('hex');
    const duplicate = c.store.duplicate(topic.arn, dedupId, now);
    if (duplicate) return { MessageId: duplicate.message_id, SequenceNumber: duplicate.sequence };
  }
  const id = randomUUID();
  const sequence = topic.fifo ? String(10n ** 19n + BigInt(c.store.nextSequence(topic.arn))) : undefined;
  if (dedupId !== undefined && sequence !== undefined) c.store.rememberDedup(topic.arn, dedupId, id, sequence, now + DEDUP_WINDOW_MS, now);
  const message: StoredMessage = {
    type: 'Notification',
    id,
    topicArn: topic.arn,
    timestamp: new Date(now).toISOString(),
    message: checked.message,
    perProtocol: checked.perProtocol,
    subject: checked.subject,
    attributes: checked.attributes,
    fifo: topic.fifo === 1,
    groupId: entry.MessageGroupId,
    dedupId,
    sequence,
    signatureVersion: (attributesOf(topic).SignatureVersion ?? '1') as SignatureVersion,
  };
  const targets: DeliveryTarget[] = [];
  for (const sub of c.store.subscriptionsOf(topic.arn)) {
    if (!sub.pending && accepts(sub, checked)) targets.push(deliveryTarget(topic, sub));
  }
  enqueueDeliveries(c, message, targets);
  return sequence === undefined ? { MessageId: id } : { MessageId: id, SequenceNumber: sequence };
}

export function publish(c: SnsContext, input: S.PublishInput, ctx: RequestContext): S.PublishResponse {
  const checked = checkEntry(input);
  if (checked.size > MAX_MESSAGE_BYTES) throw invalidParameter('Message too long');
  // An empty TopicArn is a malformed ARN to AWS, not a missing one.
  const target = input.TopicArn ?? input.TargetArn;
  if (target === undefined) {
    if (!input.PhoneNumber) throw invalidParameter('TopicArn or TargetArn Reason: no value for required parameter');
    if (!PHONE.test(input.PhoneNumber)) throw invalidParameter(`PhoneNumber Reason: ${input.PhoneNumber} is not valid to publish to`);
    return publishToPhone(c, ctx, input.PhoneNumber, checked);
  }
  if (input.TopicArn === undefined && target.includes(':endpoint/')) throw invalidParameter('TargetArn Reason: No endpoint found for the target arn specified');
  return c.store.tx(() => {
    const topic = findTopic(c, ctx, target, input.TopicArn === undefined ? 'TargetArn' : 'TopicArn');
    checkFifo(topic, input);
    return publishToTopic(c, topic, input, checked);
  });
}

/** A text message to a phone number: recorded in the local outbox, where SMS subscriptions' messages go too. */
function publishToPhone(c: SnsContext, ctx: RequestContext, phone: string, checked: Checked): S.PublishResponse {
  const id = randomUUID();
  c.store.tx(() =>
    recordOutbox(c, {
      account: ctx.account,
      region: ctx.region,
      protocol: 'sms',
      endpoint: phone,
      topic_arn: null,
      subscription_arn: null,
      message_id: id,
      subject: '',
      body: checked.perProtocol?.sms ?? checked.message,
    }),
  );
  return { MessageId: id };
}

export function publishBatch(c: SnsContext, input: S.PublishBatchInput, ctx: RequestContext): S.PublishBatchResponse {
  const entries = input.PublishBatchRequestEntries!;
  if (entries.length > MAX_BATCH) throw new AwsError('TooManyEntriesInBatchRequestException', 'The batch request contains more entries than permissible.');
  if (entries.length === 0) throw new AwsError('EmptyBatchRequestException', "The batch request doesn't contain any entries.");
  return c.store.tx(() => {
    const topic = findTopic(c, ctx, input.TopicArn!);
    if (new Set(entries.map((e) => e.Id)).size < entries.length) throw new AwsError('BatchEntryIdsNotDistinctException', 'Two or more batch entries in the request have the same Id.');
    let total = 0;
    const checked = entries.map((entry) => {
      if (!BATCH_ID.test(entry.Id!)) {
        throw new AwsError('InvalidBatchEntryIdException', 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.');
      }
      const result = checkEntry(entry);
      checkFifo(topic, entry);
      total += result.size;
      return result;
    });
    if (total > MAX_MESSAGE_BYTES) throw new AwsError('BatchRequestTooLongException', 'The length of all the messages put together is more than the limit.');
    return { Successful: entries.map((entry, i) => ({ Id: entry.Id, ...publishToTopic(c, topic, entry, checked[i]!) })), Failed: [] };
  });
}
