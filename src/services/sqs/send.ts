/** SendMessage and SendMessageBatch: checked messages into the queue, FIFO deduplication and sequence numbers. */
import { randomUUID } from 'node:crypto';
import type { BatchResultErrorEntry, SendMessageBatchRequest, SendMessageBatchResult, SendMessageBatchResultEntry, SendMessageRequest, SendMessageResult } from '@aws-sdk/client-sqs';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import { checkBatch, entryFailure, failedEntry } from './batch.js';
import { notifyAfterCommit, type Queue, resolveQueue, type SqsContext } from './common.js';
import type { StoredAttribute } from './md5.js';
import { checkMessage, type Outgoing } from './message-checks.js';

/** FIFO queues answer a repeated deduplication id with the first message for five minutes. */
const DEDUPLICATION_INTERVAL_MS = 5 * 60 * 1000;

/** Attributes as stored: binary values in base64. */
export function storeAttributes(attributes: Record<string, StoredAttribute> | undefined): string | null {
  if (!attributes) return null;
  const out: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }> = {};
  for (const [name, a] of Object.entries(attributes))
    out[name] = a.BinaryValue ? { DataType: a.DataType, BinaryValue: a.BinaryValue.toString('base64') } : { DataType: a.DataType, StringValue: a.StringValue };
  return JSON.stringify(out);
}

/** A FIFO sequence number: 20 digits, increasing within the queue (the send time and the queue's counter). */
function sequenceNumber(now: number, counter: number): string {
  return (BigInt(now) * 10_000_000n + BigInt(counter % 10_000_000)).toString().padStart(20, '0');
}

/** Queues one checked message (in the caller's transaction); a FIFO duplicate answers the original's id and sequence number. */
function enqueue(c: SqsContext, queue: Queue, message: Outgoing, ctx: RequestContext): { MessageId: string; SequenceNumber?: string } {
  const now = c.rt.clock.now();
  // High-throughput FIFO queues deduplicate within each message group.
  const scope = queue.settings.dedupByGroup ? (message.groupId ?? '') : '';
  let sequence: string | null = null;
  if (queue.fifo === 1) {
    const duplicate = c.store.dedup(queue.id, scope, message.dedupId!, now);
    if (duplicate) return { MessageId: duplicate.message_id, SequenceNumber: duplicate.sequence_number };
    sequence = sequenceNumber(now, c.store.nextSequence(queue.id));
  }
  const messageId = randomUUID();
  c.store.insertMessage({
    queue_id: queue.id,
    message_id: messageId,
    body: message.body,
    message_attributes: storeAttributes(message.attributes),
    md5_body: message.md5Body,
    md5_message_attributes: message.md5Attributes ?? null,
    system_attributes: storeAttributes(message.systemAttributes),
    sender_id: ctx.principal.userId,
    sent_at: now,
    enqueued_at: now,
    visible_at: now + message.delaySeconds * 1000,
    group_id: message.groupId ?? null,
    dedup_id: queue.fifo === 1 ? message.dedupId! : null,
    sequence_number: sequence,
  });
  if (sequence !== null) {
    c.store.putDedup(queue.id, scope, message.dedupId!, { message_id: messageId, sequence_number: sequence }, now + DEDUPLICATION_INTERVAL_MS, now);
  }
  notifyAfterCommit(c, queue.id);
  return { MessageId: messageId, SequenceNumber: sequence ?? undefined };
}

export function sendMessage(c: SqsContext, input: SendMessageRequest, ctx: RequestContext): SendMessageResult {
  const queue = resolveQueue(c, input.QueueUrl, ctx);
  const message = checkMessage(queue, input);
  const sent = c.store.tx(() => enqueue(c, queue, message, ctx));
  return {
    MD5OfMessageBody: message.md5Body,
    MD5OfMessageAttributes: message.md5Attributes,
    MD5OfMessageSystemAttributes: message.md5SystemAttributes,
    ...sent,
  };
}

/** The largest batch request, all messages' bodies and attributes together. */
const MAX_BATCH_BYTES = 1_048_576;

export function sendMessageBatch(c: SqsContext, input: SendMessageBatchRequest, ctx: RequestContext): SendMessageBatchResult {
  const queue = resolveQueue(c, input.QueueUrl, ctx);
  const entries = checkBatch(input.Entries, 'SendMessageBatchRequestEntry');
  let total = 0;
  for (const entry of entries) {
    total += Buffer.byteLength(entry.MessageBody ?? '', 'utf8');
    for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) {
      total += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value?.DataType ?? '', 'utf8');
      total += value?.BinaryValue ? value.BinaryValue.length : Buffer.byteLength(value?.StringValue ?? '', 'utf8');
    }
  }
  if (total > MAX_BATCH_BYTES) {
    throw new AwsError('BatchRequestTooLong', `Batch requests cannot be longer than ${MAX_BATCH_BYTES} bytes. You have sent ${total} bytes.`);
  }
  // A FIFO batch is checked whole (its order is the point); a standard one entry by entry.
  const checked = entries.map((entry, i) => {
    const bodyName = `SendMessageBatchRequestEntry.${i + 1}.MessageBody`;
    if (queue.fifo === 1) return checkMessage(queue, entry, bodyName);
    try {
      return checkMessage(queue, entry, bodyName);
    } catch (err) {
      return entryFailure(err);
    }
  });
  const successful: SendMessageBatchResultEntry[] = [];
  const failed: BatchResultErrorEntry[] = [];
  c.store.tx(() => {
    for (const [i, entry] of entries.entries()) {
      const message = checked[i];
      if (message instanceof AwsError) {
        failed.push(failedEntry(entry.Id!, message));
        continue;
      }
      const sent = enqueue(c, queue, message, ctx);
      successful.push({
        Id: entry.Id,
        MD5OfMessageBody: message.md5Body,
        MD5OfMessageAttributes: message.md5Attributes,
        MD5OfMessageSystemAttributes: message.md5SystemAttributes,
        ...sent,
      });
    }
  });
  return { Successful: successful.length ? successful : undefined, Failed: failed.length ? failed : undefined };
}
