/**
 * SQS FIFO queues with the real SDK client: deduplication by id and by content within five minutes
 * of Drydock time, per-group deduplication (high-throughput mode), message groups handed out in
 * order and held while in flight, sequence numbers, and the FIFO-only rules of sends.
 */
import { createHash } from 'node:crypto';
import { ChangeMessageVisibilityCommand, CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';

const server = useServer();
const sqs = () => new SQSClient(server.clientConfig);

async function fifo(name: string, attributes: Record<string, string> = {}): Promise<string> {
  return (await sqs().send(new CreateQueueCommand({ QueueName: `${name}.fifo`, Attributes: { FifoQueue: 'true', ...attributes } }))).QueueUrl!;
}

async function bodies(url: string, max = 10): Promise<string[]> {
  const { Messages } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: max }));
  return (Messages ?? []).map((m) => m.Body!);
}

describe('FIFO queues', () => {
  it('deduplicates by id for five minutes, answering the first message', async () => {
    const url = await fifo('dedup');
    const first = await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'one', MessageGroupId: 'g', MessageDeduplicationId: 'd1' }));
    const again = await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'other body', MessageGroupId: 'g', MessageDeduplicationId: 'd1' }));
    expect(again.MessageId).toBe(first.MessageId);
    expect(again.SequenceNumber).toBe(first.SequenceNumber);
    expect(first.SequenceNumber).toMatch(/^\d{20}$/);
    // The digest is of the body sent, duplicate or not.
    expect(again.MD5OfMessageBody).toBe(createHash('md5').update('other body').digest('hex'));
    expect(await bodies(url)).toEqual(['one']);
    await server.advanceClock(5 * 60_000);
    const later = await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'two', MessageGroupId: 'g2', MessageDeduplicationId: 'd1' }));
    expect(later.MessageId).not.toBe(first.MessageId);
    expect(BigInt(later.SequenceNumber!)).toBeGreaterThan(BigInt(first.SequenceNumber!));
  });

  it('deduplicates by content when ContentBasedDeduplication is on, and by group in high-throughput mode', async () => {
    const url = await fifo('content', { ContentBasedDeduplication: 'true' });
    const a = await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'same', MessageGroupId: 'g1' }));
    const b = await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'same', MessageGroupId: 'g2' }));
    expect(b.MessageId).toBe(a.MessageId);
    const { Messages } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['All'] }));
    expect(Messages?.[0].Attributes).toMatchObject({
      MessageGroupId: 'g1',
      // SHA-256 of the body.
      MessageDeduplicationId: '0967115f2813a3541eaef77de9d9d5773f1c0c04314b0bbfe4ff3b3b1c55b5d5',
      SequenceNumber: a.SequenceNumber,
    });

    const perGroup = await fifo('per-group', { ContentBasedDeduplication: 'true', DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' });
    const c = await sqs().send(new SendMessageCommand({ QueueUrl: perGroup, MessageBody: 'same', MessageGroupId: 'g1' }));
    const d = await sqs().send(new SendMessageCommand({ QueueUrl: perGroup, MessageBody: 'same', MessageGroupId: 'g2' }));
    expect(d.MessageId).not.toBe(c.MessageId);
    await expectAwsError(sqs().send(new CreateQueueCommand({ QueueName: 'bad-ht.fifo', Attributes: { FifoQueue: 'true', FifoThroughputLimit: 'perMessageGroupId' } })), {
      code: 'InvalidAttributeValue',
      status: 400,
      message: 'The perMessageGroupId value is allowed only when the value for DeduplicationScope is messageGroup',
    });
  });

  it('hands out a group in order, whole groups first, and holds a group while a message of it is in flight', async () => {
    const url = await fifo('groups', { ContentBasedDeduplication: 'true' });
    await sqs().send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: '1', MessageBody: 'a1', MessageGroupId: 'a' },
          { Id: '2', MessageBody: 'b1', MessageGroupId: 'b' },
          { Id: '3', MessageBody: 'a2', MessageGroupId: 'a' },
          { Id: '4', MessageBody: 'b2', MessageGroupId: 'b' },
        ],
      }),
    );
    const { Messages } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 3 }));
    expect(Messages?.map((m) => m.Body)).toEqual(['a1', 'a2', 'b1']);
    // Group a is in flight, and b has b1 in flight: nothing is receivable.
    expect(await bodies(url)).toEqual([]);
    // b1 comes back: it is handed out before b2.
    await sqs().send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: Messages![2].ReceiptHandle, VisibilityTimeout: 0 }));
    expect(await bodies(url)).toEqual(['b1', 'b2']);
    // Deleting a1 leaves a2 in flight: group a stays held.
    await sqs().send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: Messages![0].ReceiptHandle }));
    expect(await bodies(url)).toEqual([]);
  });

  it('refuses what FIFO sends may not have, and a stale receipt handle as expired', async () => {
    const url = await fifo('rules');
    await expectAwsError(sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageDeduplicationId: 'd' })), {
      code: 'MissingParameter',
      status: 400,
      message: 'The request must contain the parameter MessageGroupId.',
    });
    await expectAwsError(sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g' })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
    });
    await expectAwsError(sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'd', DelaySeconds: 60 })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Value 60 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.',
    });
    // A whole FIFO batch fails for one bad entry.
    await expectAwsError(
      sqs().send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: '1', MessageBody: 'ok', MessageGroupId: 'g', MessageDeduplicationId: '1' },
            { Id: '2', MessageBody: 'no group', MessageDeduplicationId: '2' },
          ],
        }),
      ),
      { code: 'MissingParameter', status: 400 },
    );
    expect(await bodies(url)).toEqual([]);

    await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'kept', MessageGroupId: 'g', MessageDeduplicationId: 'k' }));
    const { Messages } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 10 }));
    await server.advanceClock(10_000);
    const handle = Messages![0].ReceiptHandle!;
    await expectAwsError(sqs().send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: handle })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: `Value ${handle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.`,
    });
  });

  it('answers a retried receive with the same ReceiveRequestAttemptId with the same messages and handles, until one changes', async () => {
    const url = await fifo('attempts', { ContentBasedDeduplication: 'true', VisibilityTimeout: '30' });
    await sqs().send(new SendMessageBatchCommand({ QueueUrl: url, Entries: ['a', 'b', 'c'].map((body) => ({ Id: body, MessageBody: body, MessageGroupId: body })) }));
    const first = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 2, ReceiveRequestAttemptId: 'attempt-1' }));
    const retried = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 2, ReceiveRequestAttemptId: 'attempt-1' }));
    expect(retried.Messages?.map((m) => [m.Body, m.ReceiptHandle])).toEqual(first.Messages?.map((m) => [m.Body, m.ReceiptHandle]));
    // The retry restarted their visibility timeout: 20 s later, 30 s after the retry, they are still hidden.
    await server.advanceClock(20_000);
    expect(await bodies(url)).toEqual(['c']);
    // Once one of them is deleted, the attempt is a new receive.
    await sqs().send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.Messages![0].ReceiptHandle }));
    const after = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, ReceiveRequestAttemptId: 'attempt-1' }));
    expect(after.Messages).toBeUndefined();
  });

  it('takes a MessageGroupId on a standard queue (fair queues) but no deduplication id', async () => {
    const { QueueUrl } = await sqs().send(new CreateQueueCommand({ QueueName: 'fair' }));
    await sqs().send(new SendMessageCommand({ QueueUrl, MessageBody: 'tenant message', MessageGroupId: 'tenant-1' }));
    const { Messages } = await sqs().send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['MessageGroupId'] }));
    expect(Messages?.[0].Attributes).toEqual({ MessageGroupId: 'tenant-1' });
    await expectAwsError(sqs().send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageDeduplicationId: 'd' })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Value d for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type.',
    });
  });
});
