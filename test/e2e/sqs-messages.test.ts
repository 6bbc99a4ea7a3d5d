/**
 * SQS messages with the real SDK client: send, receive and delete with their batches, MD5 digests
 * as the SDK checks them, message and system attributes, visibility timeouts, delays, long polls
 * that wake on arrival and end on Drydock's clock, retention, and AWS's errors for bad input.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';

const server = useServer();
const sqs = () => new SQSClient(server.clientConfig);

async function queue(name: string, attributes: Record<string, string> = {}): Promise<string> {
  return (await sqs().send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
}

async function counts(url: string): Promise<Record<string, string>> {
  const { Attributes } = await sqs().send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return Attributes ?? {};
}

describe('send, receive, delete', () => {
  it('answers the MD5s AWS computes and gives the message back with its attributes', async () => {
    const url = await queue('md5s');
    const sent = await sqs().send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'Test Message',
        MessageAttributes: { Hello: { DataType: 'String', StringValue: 'World' } },
        MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: 'some-trace-id' } },
      }),
    );
    expect(sent.MD5OfMessageBody).toBe('d1d4180b7e411c4be86b00fb2ee103eb');
    expect(sent.MD5OfMessageAttributes).toBe('7db7fb1ba7f41366a8ea5eb18220b26d');
    expect(sent.MD5OfMessageSystemAttributes).toBe('fdce4f2818803f2f73becc09a54792c0');
    expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);

    const { Messages } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }));
    expect(Messages).toHaveLength(1);
    const [message] = Messages!;
    expect(message).toMatchObject({ MessageId: sent.MessageId, Body: 'Test Message', MD5OfBody: sent.MD5OfMessageBody, MD5OfMessageAttributes: sent.MD5OfMessageAttributes });
    expect(message.MessageAttributes).toEqual({ Hello: { DataType: 'String', StringValue: 'World' } });
    expect(message.Attributes).toMatchObject({ ApproximateReceiveCount: '1', SenderId: '000000000000', AWSTraceHeader: 'some-trace-id' });
    expect(Number(message.Attributes?.SentTimestamp)).toBeGreaterThan(0);
    expect(Number(message.Attributes?.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(Number(message.Attributes?.SentTimestamp));

    await sqs().send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }));
    expect(await counts(url)).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0', ApproximateNumberOfMessagesDelayed: '0' });
    // Deleting again succeeds.
    await sqs().send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }));
  });

  it('filters message attributes by name, prefix and All, with the MD5 of what is returned', async () => {
    const url = await queue('filters');
    await sqs().send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'message from SDK',
        MessageAttributes: {
          Dummy1Name: { DataType: 'String', StringValue: 'dummy 1 value' },
          Dummy2Name: { DataType: 'String', StringValue: 'dummy 2 value' },
          OtherName: { DataType: 'String', StringValue: 'other value' },
          Dummy3Name: { DataType: 'Binary', BinaryValue: Buffer.from('dummy 2 value') },
        },
      }),
    );
    const { Messages } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['Dummy.*'], VisibilityTimeout: 0 }));
    expect(Object.keys(Messages![0].MessageAttributes!).sort()).toEqual(['Dummy1Name', 'Dummy2Name', 'Dummy3Name']);
    expect(Messages![0].MD5OfMessageAttributes).toBe('c5c0d2c6f195fcbc91083c5465d8955f');
    expect(Buffer.from(Messages![0].MessageAttributes!.Dummy3Name.BinaryValue!).toString()).toBe('dummy 2 value');
    const none = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(none.Messages![0].MessageAttributes).toBeUndefined();
    expect(none.Messages![0].Attributes).toBeUndefined();
  });

  it('sends, changes and deletes in batches, reporting each entry', async () => {
    const url = await queue('batches');
    const sent = await sqs().send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: '1', MessageBody: 'some message', MessageAttributes: { data1: { DataType: 'Number', StringValue: '1' }, data2: { DataType: 'Number', StringValue: '2' } } },
          { Id: '2', MessageBody: 'some message 2', MessageAttributes: { data1: { DataType: 'Number', StringValue: '1' } } },
          { Id: '3', MessageBody: '' },
        ],
      }),
    );
    expect(sent.Successful?.map((e) => [e.Id, e.MD5OfMessageBody, e.MD5OfMessageAttributes])).toEqual([
      ['1', 'df49b60423903e095b80d9b4a92eb065', 'b53b5acf24e7fd9567705bd8027b1c76'],
      ['2', '36e8a424130490596fc507dba99d2ace', 'cc7f712733e0ad2cc9f1fefbd28bab9c'],
    ]);
    expect(sent.Failed).toEqual([{ Id: '3', SenderFault: true, Code: 'MissingParameter', Message: 'The request must contain the parameter SendMessageBatchRequestEntry.3.MessageBody.' }]);

    const { Messages } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(Messages).toHaveLength(2);
    const changed = await sqs().send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', ReceiptHandle: Messages![0].ReceiptHandle, VisibilityTimeout: 0 },
          { Id: 'b', ReceiptHandle: 'dummy', VisibilityTimeout: 20 },
          { Id: 'c', ReceiptHandle: Messages![1].ReceiptHandle, VisibilityTimeout: -20 },
        ],
      }),
    );
    expect(changed.Successful).toEqual([{ Id: 'a' }]);
    expect(changed.Failed).toEqual([
      { Id: 'b', SenderFault: true, Code: 'ReceiptHandleIsInvalid', Message: 'The input receipt handle "dummy" is not a valid receipt handle.' },
      { Id: 'c', SenderFault: true, Code: 'InvalidParameterValue', Message: 'Value -20 for parameter VisibilityTimeout is invalid. Reason: VisibilityTimeout must be an integer between 0 and 43200.' },
    ]);
    expect((await counts(url)).ApproximateNumberOfMessages).toBe('1');

    const deleted = await sqs().send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'x', ReceiptHandle: Messages![1].ReceiptHandle },
          { Id: 'y', ReceiptHandle: 'dummy-receiptHandle' },
        ],
      }),
    );
    expect(deleted.Successful).toEqual([{ Id: 'x' }]);
    expect(deleted.Failed?.[0]).toMatchObject({ Id: 'y', Code: 'ReceiptHandleIsInvalid' });
  });

  it('refuses bad batches as a whole with AWS errors', async () => {
    const url = await queue('bad-batches');
    await expectAwsError(sqs().send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [] })), {
      code: 'EmptyBatchRequest',
      status: 400,
      message: 'There should be at least one SendMessageBatchRequestEntry in the request.',
    });
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x' }));
    await expectAwsError(sqs().send(new SendMessageBatchCommand({ QueueUrl: url, Entries: eleven })), {
      code: 'TooManyEntriesInBatchRequest',
      status: 400,
      message: 'Maximum number of entries per request are 10. You have sent 11.',
    });
    await expectAwsError(sqs().send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'é', MessageBody: 'x' }] })), { code: 'InvalidBatchEntryId', status: 400 });
    await expectAwsError(
      sqs().send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'same', MessageBody: 'x' },
            { Id: 'same', MessageBody: 'y' },
          ],
        }),
      ),
      { code: 'BatchEntryIdsNotDistinct', status: 400, message: 'Id same repeated.' },
    );
    const big = 'a'.repeat(600_000);
    await expectAwsError(
      sqs().send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: '1', MessageBody: big },
            { Id: '2', MessageBody: big },
          ],
        }),
      ),
      { code: 'BatchRequestTooLong', status: 400, message: 'Batch requests cannot be longer than 1048576 bytes. You have sent 1200000 bytes.' },
    );
    expect((await counts(url)).ApproximateNumberOfMessages).toBe('0');
  });

  it('takes messages up to 1 MiB and refuses larger ones, and bodies with characters XML forbids', async () => {
    const url = await queue('sizes');
    await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a'.repeat(1_048_576) }));
    await expectAwsError(sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a'.repeat(1_048_577) })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.',
    });
    await expectAwsError(sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'bad \u0000 byte' })), { code: 'InvalidMessageContents', status: 400 });
    await expectAwsError(sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: '' })), {
      code: 'MissingParameter',
      status: 400,
      message: 'The request must contain the parameter MessageBody.',
    });
    expect((await counts(url)).ApproximateNumberOfMessages).toBe('1');
  });
});

describe('visibility, delays, long polls and retention on the clock', () => {
  it('hides a received message for its visibility timeout, then hands it out again', async () => {
    const url = await queue('visibility', { VisibilityTimeout: '30' });
    await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'again' }));
    const first = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(first.Messages).toHaveLength(1);
    expect((await sqs().send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    expect(await counts(url)).toMatchObject({ ApproximateNumberOfMessagesNotVisible: '1' });
    await server.advanceClock(30_000);
    const second = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
    expect(second.Messages?.[0].Attributes?.ApproximateReceiveCount).toBe('2');
    // The first receive's handle no longer deletes it (AWS answers success and keeps the message).
    await sqs().send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.Messages![0].ReceiptHandle }));
    expect(await counts(url)).toMatchObject({ ApproximateNumberOfMessagesNotVisible: '1' });
    await expectAwsError(sqs().send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: first.Messages![0].ReceiptHandle, VisibilityTimeout: 10 })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Reason: Message does not exist or is not available for visibility timeout change.',
    });
    await sqs().send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: second.Messages![0].ReceiptHandle, VisibilityTimeout: 0 }));
    expect(await counts(url)).toMatchObject({ ApproximateNumberOfMessages: '1' });
    await expectAwsError(sqs().send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: second.Messages![0].ReceiptHandle, VisibilityTimeout: 10 })), {
      code: 'MessageNotInflight',
      status: 400,
    });
  });

  it('keeps a message invisible for at most 12 hours from its receive', async () => {
    const url = await queue('twelve-hours');
    await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'long job' }));
    const { Messages } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 3600 }));
    await server.advanceClock(3_600_000 - 1000);
    await sqs().send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: Messages![0].ReceiptHandle, VisibilityTimeout: 39_600 }));
    await expectAwsError(sqs().send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: Messages![0].ReceiptHandle, VisibilityTimeout: 39_602 })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Value 39602 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]',
    });
  });

  it('delays messages by the queue or the message, counted as delayed', async () => {
    const url = await queue('delays', { DelaySeconds: '60' });
    await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'queue delay' }));
    await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'own delay', DelaySeconds: 0 }));
    expect(await counts(url)).toMatchObject({ ApproximateNumberOfMessages: '1', ApproximateNumberOfMessagesDelayed: '1' });
    await server.advanceClock(60_000);
    expect(await counts(url)).toMatchObject({ ApproximateNumberOfMessages: '2', ApproximateNumberOfMessagesDelayed: '0' });
    await expectAwsError(sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', DelaySeconds: 901 })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.',
    });
  });

  it('wakes a long poll when a message arrives, without waiting out its wait time', async () => {
    const url = await queue('long-poll');
    const started = Date.now();
    const polling = sqs().send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake up' }));
    const { Messages } = await polling;
    expect(Messages?.[0].Body).toBe('wake up');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('ends a long poll empty when the clock passes its wait time, and wakes for a delayed message coming due', async () => {
    const url = await queue('long-poll-clock');
    const empty = sqs().send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.advanceClock(20_000);
    expect((await empty).Messages).toBeUndefined();

    await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 10 }));
    const waiting = sqs().send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.advanceClock(10_000);
    expect((await waiting).Messages?.[0].Body).toBe('later');
  });

  it('drops messages older than the retention period', async () => {
    const url = await queue('retention', { MessageRetentionPeriod: '60' });
    await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'short-lived' }));
    expect((await counts(url)).ApproximateNumberOfMessages).toBe('1');
    await server.advanceClock(60_000);
    expect((await counts(url)).ApproximateNumberOfMessages).toBe('0');
    expect((await sqs().send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
  });

  it("refuses receive parameters out of AWS's ranges", async () => {
    const url = await queue('receive-ranges');
    await expectAwsError(sqs().send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 50 })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Value 50 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.',
    });
    await expectAwsError(sqs().send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 21 })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.',
    });
    await expectAwsError(sqs().send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 43_201 })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Value 43201 for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.',
    });
  });
});
