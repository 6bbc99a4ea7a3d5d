/**
 * DeleteMessage, ChangeMessageVisibility and their batches: what a receipt handle may still do.
 * Only the latest receive's handle acts on a message; an older one deletes nothing on a standard
 * queue (AWS answers success) and has expired on a FIFO queue, as has any handle whose visibility
 * timeout ran out.
 */
import type {
  ChangeMessageVisibilityBatchRequest,
  ChangeMessageVisibilityBatchResult,
  ChangeMessageVisibilityRequest,
  DeleteMessageBatchRequest,
  DeleteMessageBatchResult,
  DeleteMessageRequest,
} from '@aws-sdk/client-sqs';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import { checkBatch, eachEntry } from './batch.js';
import { notifyAfterCommit, type Queue, readReceipt, receiptMessage, resolveQueue, type SqsContext } from './common.js';
import { invalidValue, missingParameter } from './errors.js';

const MAX_VISIBILITY = 43_200;

function requireHandle(handle: string | undefined): string {
  if (handle === undefined || handle === null || !handle.trim()) throw missingParameter('ReceiptHandle');
  return handle;
}

function deleteOne(c: SqsContext, queue: Queue, handle: string): void {
  const receipt = readReceipt(queue, handle);
  const row = receiptMessage(c, queue, receipt);
  // Deleting a message that is already gone succeeds.
  if (!row) return;
  const current = row.receipt === receipt.nonce;
  if (queue.fifo === 1 && (!current || row.visible_at <= c.rt.clock.now())) {
    throw invalidValue('ReceiptHandle', handle, 'The receipt handle has expired.');
  }
  if (!current) return;
  c.store.deleteMessage(row.seq);
  // A FIFO group waits for its message in flight: deleting it lets the next one go.
  if (queue.fifo === 1) notifyAfterCommit(c, queue.id);
}

export function deleteMessage(c: SqsContext, input: DeleteMessageRequest, ctx: RequestContext): Record<string, never> {
  const queue = resolveQueue(c, input.QueueUrl, ctx);
  const handle = requireHandle(input.ReceiptHandle);
  c.store.tx(() => deleteOne(c, queue, handle));
  return {};
}

export function deleteMessageBatch(c: SqsContext, input: DeleteMessageBatchRequest, ctx: RequestContext): DeleteMessageBatchResult {
  const queue = resolveQueue(c, input.QueueUrl, ctx);
  const entries = checkBatch(input.Entries, 'DeleteMessageBatchRequestEntry');
  return c.store.tx(() => eachEntry(entries, (entry) => deleteOne(c, queue, requireHandle(entry.ReceiptHandle)))) as DeleteMessageBatchResult;
}

function changeOne(c: SqsContext, queue: Queue, handle: string, timeout: number): void {
  const receipt = readReceipt(queue, handle);
  const row = receiptMessage(c, queue, receipt);
  if (!row || row.receipt !== receipt.nonce) {
    throw invalidValue('ReceiptHandle', handle, 'Message does not exist or is not available for visibility timeout change.');
  }
  const now = c.rt.clock.now();
  if (row.visible_at <= now) throw new AwsError('MessageNotInflight', 'The message referred to is not in flight.');
  // A message stays invisible at most 12 hours from the receive that took it.
  if (row.received_at !== null && now + timeout * 1000 > row.received_at + MAX_VISIBILITY * 1000) {
    throw invalidValue('VisibilityTimeout', timeout, `Total VisibilityTimeout for the message is beyond the limit [${MAX_VISIBILITY} seconds]`);
  }
  c.store.setVisibleAt(row.seq, now + timeout * 1000);
  if (timeout === 0) notifyAfterCommit(c, queue.id);
}

function validTimeout(timeout: unknown): timeout is number {
  return typeof timeout === 'number' && Number.isInteger(timeout) && timeout >= 0 && timeout <= MAX_VISIBILITY;
}

export function changeMessageVisibility(c: SqsContext, input: ChangeMessageVisibilityRequest, ctx: RequestContext): Record<string, never> {
  const queue = resolveQueue(c, input.QueueUrl, ctx);
  const handle = requireHandle(input.ReceiptHandle);
  const timeout = input.VisibilityTimeout;
  if (timeout === undefined || timeout === null) throw missingParameter('VisibilityTimeout');
  if (!validTimeout(timeout)) throw invalidValue('VisibilityTimeout', timeout, `Must be between 0 and ${MAX_VISIBILITY}.`);
  c.store.tx(() => changeOne(c, queue, handle, timeout));
  return {};
}

export function changeMessageVisibilityBatch(c: SqsContext, input: ChangeMessageVisibilityBatchRequest, ctx: RequestContext): ChangeMessageVisibilityBatchResult {
  const queue = resolveQueue(c, input.QueueUrl, ctx);
  const entries = checkBatch(input.Entries, 'ChangeMessageVisibilityBatch');
  return c.store.tx(() =>
    eachEntry(entries, (entry, i) => {
      const handle = requireHandle(entry.ReceiptHandle);
      const timeout = entry.VisibilityTimeout;
      if (timeout === undefined || timeout === null) throw missingParameter(`ChangeMessageVisibilityBatchRequestEntry.${i + 1}.VisibilityTimeout`);
      if (!validTimeout(timeout)) throw invalidValue('VisibilityTimeout', timeout, `VisibilityTimeout must be an integer between 0 and ${MAX_VISIBILITY}.`);
      changeOne(c, queue, handle, timeout);
    }),
  ) as ChangeMessageVisibilityBatchResult;
}
