/**
 * ReceiveMessage: picking receivable messages (standard: earliest visible first; FIFO: whole
 * message groups in order, a group blocked while any of its messages is in flight), redriving
 * messages received more than maxReceiveCount times to the dead-letter queue, and long polling
 * that sleeps until a message arrives or the clock reaches the wait's end.
 */
import type { Message, MessageAttributeValue, MessageSystemAttributeName, ReceiveMessageRequest, ReceiveMessageResult } from '@aws-sdk/client-sqs';
import type { RequestContext } from '../../protocol/types.js';
import { newNonce, notifyAfterCommit, type Queue, queueByArn, queueById, receiptHandle, resolveQueue, retentionCutoff, type SqsContext } from './common.js';
import { invalidAttributeName, invalidValue } from './errors.js';
import { md5OfAttributes, type StoredAttribute } from './md5.js';
import type { MessageRow } from './store.js';

const SYSTEM_ATTRIBUTES = new Set<string>([
  'All',
  'AWSTraceHeader',
  'ApproximateFirstReceiveTimestamp',
  'ApproximateReceiveCount',
  'DeadLetterQueueSourceArn',
  'MessageDeduplicationId',
  'MessageGroupId',
  'SenderId',
  'SentTimestamp',
  'SequenceNumber',
]);

interface ReceiveOptions {
  max: number;
  visibilityMs: number;
}

export async function receiveMessage(c: SqsContext, input: ReceiveMessageRequest, ctx: RequestContext): Promise<ReceiveMessageResult> {
  let queue = resolveQueue(c, input.QueueUrl, ctx);
  const max = input.MaxNumberOfMessages ?? 1;
  if (!Number.isInteger(max) || max < 1 || max > 10) throw invalidValue('MaxNumberOfMessages', max, 'Must be between 1 and 10, if provided.');
  if (input.WaitTimeSeconds !== undefined && (!Number.isInteger(input.WaitTimeSeconds) || input.WaitTimeSeconds < 0 || input.WaitTimeSeconds > 20)) {
    throw invalidValue('WaitTimeSeconds', input.WaitTimeSeconds, 'Must be >= 0 and <= 20, if provided.');
  }
  const visibility = input.VisibilityTimeout;
  if (visibility !== undefined && (!Number.isInteger(visibility) || visibility < 0 || visibility > 43_200)) {
    throw invalidValue('VisibilityTimeout', visibility, 'Must be >= 0 and <= 43200, if provided.');
  }
  const systemNames = [...(input.AttributeNames ?? []), ...(input.MessageSystemAttributeNames ?? [])];
  for (const name of systemNames) if (!SYSTEM_ATTRIBUTES.has(name)) throw invalidAttributeName(`Unknown Attribute ${name}.`);
  const deadline = c.rt.clock.now() + (input.WaitTimeSeconds ?? queue.settings.waitSeconds) * 1000;
  const attemptId = queue.fifo === 1 ? input.ReceiveRequestAttemptId : undefined;
  if (attemptId !== undefined && !/^[\x21-\x7e]{1,128}$/.test(attemptId)) {
    throw invalidValue('ReceiveRequestAttemptId', attemptId, 'ReceiveRequestAttemptId can only include alphanumeric and punctuation characters. 1 to 128 in length.');
  }
  for (;;) {
    const options = { max, visibilityMs: (visibility ?? queue.settings.visibilityTimeout) * 1000 };
    const polled = queue;
    const received = c.store.tx(() => (attemptId === undefined ? receiveNow(c, polled, options) : receiveAttempt(c, polled, attemptId, options)));
    const now = c.rt.clock.now();
    if (received.length || now >= deadline) {
      return { Messages: received.length ? received.map(([row, nonce]) => render(queue, row, nonce, systemNames, input.MessageAttributeNames)) : undefined };
    }
    await c.arrivals.wait(queue.id, Math.min(deadline, c.store.nextVisibleAt(queue.id, now) ?? deadline));
    // The queue may have been deleted (or changed) while the poll slept.
    const current = queueById(c, queue.id);
    if (!current) return {};
    queue = current;
  }
}

/** Takes up to `max` receivable messages now, in one transaction; answers each with its new receive nonce. */
function receiveNow(c: SqsContext, queue: Queue, options: ReceiveOptions): [MessageRow, string][] {
  const now = c.rt.clock.now();
  const cutoff = retentionCutoff(queue, now);
  const taken: [MessageRow, string][] = [];
  const redrive = queue.settings.redrive;
  const dlq = redrive ? queueByArn(c, redrive.deadLetterTargetArn) : undefined;
  // Expired messages and dead letters leave the queue on the way: another round fills their places.
  for (let round = 0; round < 10 && taken.length < options.max; round++) {
    const candidates = queue.fifo === 1 ? fifoCandidates(c, queue, now, cutoff, options.max - taken.length) : c.store.visibleMessages(queue.id, now, options.max - taken.length);
    if (!candidates.length) break;
    let dropped = 0;
    for (const row of candidates) {
      // Messages past their retention period are deleted when a receive meets them.
      if (row.enqueued_at <= cutoff) {
        c.store.deleteMessage(row.seq);
        dropped++;
        continue;
      }
      if (redrive && dlq && row.receive_count >= redrive.maxReceiveCount) {
        moveToDeadLetterQueue(c, queue, dlq, row, now);
        dropped++;
        continue;
      }
      const nonce = newNonce();
      const visibleAt = now + options.visibilityMs;
      c.store.markReceived(row.seq, visibleAt, now, nonce);
      taken.push([{ ...row, visible_at: visibleAt, receive_count: row.receive_count + 1, first_received_at: row.first_received_at ?? now, received_at: now, receipt: nonce }, nonce]);
      // Received with a visibility timeout of 0, the message stays receivable by waiting polls.
      if (options.visibilityMs === 0) notifyAfterCommit(c, queue.id);
    }
    if (!dropped) break;
  }
  return taken;
}

/** FIFO receives remember their ReceiveRequestAttemptId for five minutes. */
const ATTEMPT_MS = 5 * 60 * 1000;

/**
 * A FIFO receive with a ReceiveRequestAttemptId: a retry within five minutes answers the same
 * messages with the same receipt handles (and restarts their visibility timeout) as long as none
 * was deleted, received again or had its visibility changed; otherwise it is a new receive.
 */
function receiveAttempt(c: SqsContext, queue: Queue, attemptId: string, options: ReceiveOptions): [MessageRow, string][] {
  const now = c.rt.clock.now();
  const attempt = c.store.attempt(queue.id, attemptId, now);
  const entries = attempt ? (JSON.parse(attempt.messages) as [seq: number, nonce: string, visibleAt: number][]) : [];
  const rows = entries.map(([seq, nonce, visibleAt]) => {
    const row = c.store.message(seq);
    return row?.queue_id === queue.id && row.receipt === nonce && row.visible_at === visibleAt ? row : undefined;
  });
  let taken: [MessageRow, string][];
  if (attempt && rows.length && rows.every((row) => row !== undefined)) {
    const visibleAt = now + attempt.visibility_ms;
    taken = rows.map((row) => {
      c.store.setVisibleAt(row!.seq, visibleAt);
      return [{ ...row!, visible_at: visibleAt }, row!.receipt!];
    });
  } else {
    taken = receiveNow(c, queue, options);
  }
  if (taken.length)
    c.store.putAttempt(
      queue.id,
      attemptId,
      now + ATTEMPT_MS,
      options.visibilityMs,
      taken.map(([row, nonce]) => [row.seq, nonce, row.visible_at]),
      now,
    );
  return taken;
}

/**
 * A FIFO queue's receivable messages: no group with a message in flight; in the others, messages
 * in order up to the first one still delayed; whole groups first, groups in the order of their
 * oldest message.
 */
function fifoCandidates(c: SqsContext, queue: Queue, now: number, cutoff: number, max: number): MessageRow[] {
  // Expired messages come along (first, being oldest): the caller deletes them.
  const rows = c.store.messagesInOrder(queue.id);
  const expired = rows.filter((row) => row.enqueued_at <= cutoff);
  if (expired.length) return expired.slice(0, max);
  const stopped = new Set<string>();
  for (const row of rows) if (row.visible_at > now && row.receive_count > 0) stopped.add(row.group_id ?? '');
  const groups = new Map<string, MessageRow[]>();
  for (const row of rows) {
    const group = row.group_id ?? '';
    if (stopped.has(group)) continue;
    if (row.visible_at > now) {
      stopped.add(group);
      continue;
    }
    const list = groups.get(group);
    if (list) list.push(row);
    else groups.set(group, [row]);
  }
  return [...groups.values()].flat().slice(0, max);
}

/**
 * Moves a message received more than maxReceiveCount times to the dead-letter queue: same message
 * id, receive count and timestamps, with DeadLetterQueueSourceArn. A standard queue's message keeps
 * its original enqueue time for retention; a FIFO queue's starts again (as AWS documents).
 */
function moveToDeadLetterQueue(c: SqsContext, queue: Queue, dlq: Queue, row: MessageRow, now: number): void {
  const system = row.system_attributes ? (JSON.parse(row.system_attributes) as Record<string, unknown>) : {};
  system.DeadLetterQueueSourceArn = { DataType: 'String', StringValue: queue.arn };
  c.store.copyMessage(row.seq, dlq.id, JSON.stringify(system), queue.fifo === 1 ? now : row.enqueued_at, now);
  c.store.deleteMessage(row.seq);
  notifyAfterCommit(c, dlq.id);
}

/** A stored message as ReceiveMessage answers it: the system and user attributes asked for, and their MD5. */
function render(queue: Queue, row: MessageRow, nonce: string, systemNames: string[], attributeNames: string[] | undefined): Message {
  const message: Message = {
    MessageId: row.message_id,
    ReceiptHandle: receiptHandle({ queueId: queue.id, seq: row.seq, nonce, messageId: row.message_id }),
    MD5OfBody: row.md5_body,
    Body: row.body,
  };
  if (systemNames.length) message.Attributes = systemAttributes(row, new Set(systemNames));
  const attributes = selectAttributes(row.message_attributes, attributeNames);
  if (attributes) {
    message.MessageAttributes = attributes.wire;
    message.MD5OfMessageAttributes = md5OfAttributes(attributes.stored);
  }
  return message;
}

function systemAttributes(row: MessageRow, names: Set<string>): Partial<Record<MessageSystemAttributeName, string>> {
  const all = names.has('All');
  const stored = row.system_attributes ? (JSON.parse(row.system_attributes) as Record<string, { StringValue: string }>) : {};
  const values: Partial<Record<MessageSystemAttributeName, string | undefined>> = {
    SenderId: row.sender_id,
    SentTimestamp: String(row.sent_at),
    ApproximateReceiveCount: String(row.receive_count),
    ApproximateFirstReceiveTimestamp: row.first_received_at === null ? undefined : String(row.first_received_at),
    AWSTraceHeader: stored.AWSTraceHeader?.StringValue,
    DeadLetterQueueSourceArn: stored.DeadLetterQueueSourceArn?.StringValue,
    MessageGroupId: row.group_id ?? undefined,
    MessageDeduplicationId: row.dedup_id ?? undefined,
    SequenceNumber: row.sequence_number ?? undefined,
  };
  const out: Partial<Record<MessageSystemAttributeName, string>> = {};
  for (const [name, value] of Object.entries(values) as [MessageSystemAttributeName, string | undefined][]) {
    if (value !== undefined && (all || names.has(name))) out[name] = value;
  }
  return out;
}

/** The message attributes MessageAttributeNames asks for: names, `All`, `.*`, or prefixes ending in `.*`. */
function selectAttributes(json: string | null, names: string[] | undefined): { wire: Record<string, MessageAttributeValue>; stored: Record<string, StoredAttribute> } | undefined {
  if (!json || !names?.length) return undefined;
  const all = JSON.parse(json) as Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
  const wanted = (name: string) => names.some((pattern) => pattern === 'All' || pattern === '.*' || pattern === name || (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -2))));
  const wire: Record<string, MessageAttributeValue> = {};
  const stored: Record<string, StoredAttribute> = {};
  for (const [name, value] of Object.entries(all)) {
    if (!wanted(name)) continue;
    const binary = value.BinaryValue === undefined ? undefined : Buffer.from(value.BinaryValue, 'base64');
    wire[name] = binary ? { DataType: value.DataType, BinaryValue: binary } : { DataType: value.DataType, StringValue: value.StringValue };
    stored[name] = binary ? { DataType: value.DataType, BinaryValue: binary } : { DataType: value.DataType, StringValue: value.StringValue };
  }
  return Object.keys(wire).length ? { wire, stored } : undefined;
}
