/**
 * SQS dead-letter queues with the real SDK client: redrive after maxReceiveCount receives, the
 * dead-letter queue's RedriveAllowPolicy, and message move tasks (back to the source queues or to
 * a destination, at a rate per second of Drydock time, listed and cancelled).
 */
import {
  CancelMessageMoveTaskCommand,
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';

const server = useServer();
const sqs = () => new SQSClient(server.clientConfig);
const arnOf = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;

async function create(name: string, attributes: Record<string, string> = {}): Promise<string> {
  return (await sqs().send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
}

async function visible(url: string): Promise<number> {
  const { Attributes } = await sqs().send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }));
  return Number(Attributes?.ApproximateNumberOfMessages);
}

/** Waits (in real time, for the move task's job to run) until `check` holds. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('condition never held');
}

/** Receives a message without deleting it until it has been received `times` times. */
async function failProcessing(url: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    expect((await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }))).Messages).toHaveLength(1);
  }
}

describe('dead-letter queues', () => {
  it('moves a message received more than maxReceiveCount times to the dead-letter queue, with its id and source', async () => {
    const dlq = await create('orders-dlq');
    const source = await create('orders', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arnOf('orders-dlq'), maxReceiveCount: 3 }) });
    const sent = await sqs().send(new SendMessageCommand({ QueueUrl: source, MessageBody: 'poison', MessageAttributes: { attrib1: { DataType: 'String', StringValue: 'dummy value' } } }));
    await failProcessing(source, 3);
    // The fourth receive finds it over its limit: it goes to the dead-letter queue instead.
    expect((await sqs().send(new ReceiveMessageCommand({ QueueUrl: source }))).Messages).toBeUndefined();
    const { Messages } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: dlq, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }));
    expect(Messages).toHaveLength(1);
    expect(Messages![0]).toMatchObject({ MessageId: sent.MessageId, Body: 'poison', MD5OfMessageAttributes: sent.MD5OfMessageAttributes });
    expect(Messages![0].Attributes).toMatchObject({ DeadLetterQueueSourceArn: arnOf('orders'), ApproximateReceiveCount: '4' });
  });

  it('refuses a dead-letter queue whose RedriveAllowPolicy does not allow the source', async () => {
    await create('closed-dlq', { RedriveAllowPolicy: JSON.stringify({ redrivePermission: 'denyAll' }) });
    await create('picky-dlq', { RedriveAllowPolicy: JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: [arnOf('allowed')] }) });
    const redrive = (target: string) => ({ RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arnOf(target), maxReceiveCount: 2 }) });
    await expectAwsError(sqs().send(new CreateQueueCommand({ QueueName: 'refused', Attributes: redrive('closed-dlq') })), { code: 'InvalidParameterValue', status: 400 });
    await expectAwsError(sqs().send(new CreateQueueCommand({ QueueName: 'refused', Attributes: redrive('picky-dlq') })), { code: 'InvalidParameterValue', status: 400 });
    await create('allowed', redrive('picky-dlq'));
  });
});

describe('message move tasks', () => {
  it('moves dead letters back to their source queues at the rate asked, per second of Drydock time', async () => {
    const dlq = await create('redrive-dlq');
    const source = await create('redrive-source', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arnOf('redrive-dlq'), maxReceiveCount: 1 }) });
    for (let i = 0; i < 3; i++) await sqs().send(new SendMessageCommand({ QueueUrl: source, MessageBody: `m${i}` }));
    for (let i = 0; i < 3; i++) await failProcessing(source, 1);
    expect((await sqs().send(new ReceiveMessageCommand({ QueueUrl: source, MaxNumberOfMessages: 10 }))).Messages).toBeUndefined();
    expect(await visible(dlq)).toBe(3);

    const { TaskHandle } = await sqs().send(new StartMessageMoveTaskCommand({ SourceArn: arnOf('redrive-dlq'), MaxNumberOfMessagesPerSecond: 2 }));
    expect(JSON.parse(Buffer.from(TaskHandle!, 'base64').toString())).toMatchObject({ sourceArn: arnOf('redrive-dlq') });
    await eventually(async () => (await visible(source)) === 2);
    const [running] = (await sqs().send(new ListMessageMoveTasksCommand({ SourceArn: arnOf('redrive-dlq') }))).Results!;
    expect(running).toMatchObject({ Status: 'RUNNING', TaskHandle, ApproximateNumberOfMessagesToMove: 3, ApproximateNumberOfMessagesMoved: 2, MaxNumberOfMessagesPerSecond: 2 });
    await expectAwsError(sqs().send(new StartMessageMoveTaskCommand({ SourceArn: arnOf('redrive-dlq') })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'There is already a task running. Only one active task is allowed for a source queue arn at a given time.',
    });
    await server.advanceClock(1000);
    await eventually(async () => (await sqs().send(new ListMessageMoveTasksCommand({ SourceArn: arnOf('redrive-dlq') }))).Results?.[0].Status === 'COMPLETED');
    expect(await visible(source)).toBe(3);
    expect(await visible(dlq)).toBe(0);
    // Moved back, the messages start over: received once, they are dead letters again only after maxReceiveCount more.
    const { Messages } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: source, MessageSystemAttributeNames: ['All'] }));
    expect(Messages?.[0].Attributes?.ApproximateReceiveCount).toBe('1');
    expect(Messages?.[0].Attributes?.DeadLetterQueueSourceArn).toBeUndefined();
  });

  it('moves to a destination, cancels a running task, and fails a task that cannot tell where a message came from', async () => {
    const dlq = await create('cancel-dlq');
    await create('cancel-source', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arnOf('cancel-dlq'), maxReceiveCount: 1 }) });
    const destination = await create('cancel-destination');
    for (let i = 0; i < 3; i++) await sqs().send(new SendMessageCommand({ QueueUrl: dlq, MessageBody: `direct ${i}` }));

    const { TaskHandle } = await sqs().send(new StartMessageMoveTaskCommand({ SourceArn: arnOf('cancel-dlq'), DestinationArn: arnOf('cancel-destination'), MaxNumberOfMessagesPerSecond: 1 }));
    await eventually(async () => (await visible(destination)) === 1);
    const cancelled = await sqs().send(new CancelMessageMoveTaskCommand({ TaskHandle }));
    expect(cancelled.ApproximateNumberOfMessagesMoved).toBe(1);
    await eventually(async () => (await sqs().send(new ListMessageMoveTasksCommand({ SourceArn: arnOf('cancel-dlq') }))).Results?.[0].Status === 'CANCELLED');
    await server.advanceClock(5000);
    expect(await visible(destination)).toBe(1);

    // Sent straight to the dead-letter queue, the others have no source queue to go back to.
    await sqs().send(new StartMessageMoveTaskCommand({ SourceArn: arnOf('cancel-dlq') }));
    await eventually(async () => (await sqs().send(new ListMessageMoveTasksCommand({ SourceArn: arnOf('cancel-dlq') }))).Results?.[0].Status === 'FAILED');
    const [failed] = (await sqs().send(new ListMessageMoveTasksCommand({ SourceArn: arnOf('cancel-dlq'), MaxResults: 10 }))).Results!;
    expect(failed).toMatchObject({ FailureReason: 'CouldNotDetermineMessageSource', ApproximateNumberOfMessagesMoved: 0, ApproximateNumberOfMessagesToMove: 2 });
    expect(failed.TaskHandle).toBeUndefined();
  });

  it('refuses tasks AWS refuses', async () => {
    await create('not-a-dlq');
    await expectAwsError(sqs().send(new StartMessageMoveTaskCommand({ SourceArn: arnOf('not-a-dlq') })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Source queue must be configured as a Dead Letter Queue.',
    });
    await expectAwsError(sqs().send(new StartMessageMoveTaskCommand({ SourceArn: arnOf('nowhere') })), {
      code: 'ResourceNotFoundException',
      status: 404,
      message: "The resource that you specified for the SourceArn parameter doesn't exist.",
    });
    await expectAwsError(sqs().send(new StartMessageMoveTaskCommand({ SourceArn: 'invalid' })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'You must use this format to specify the SourceArn: arn:<partition>:<service>:<region>:<account-id>:<resource-id>',
    });
    await create('rate-dlq');
    await create('rate-source', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arnOf('rate-dlq'), maxReceiveCount: 1 }) });
    await expectAwsError(sqs().send(new StartMessageMoveTaskCommand({ SourceArn: arnOf('rate-dlq'), MaxNumberOfMessagesPerSecond: 501 })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: "Value for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: You must enter a number that's between 1 and 500.",
    });
    await expectAwsError(sqs().send(new StartMessageMoveTaskCommand({ SourceArn: arnOf('rate-dlq'), DestinationArn: arnOf('rate-dlq') })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Source queue arn and destination queue arn cannot be the same.',
    });
    await expectAwsError(sqs().send(new CancelMessageMoveTaskCommand({ TaskHandle: 'junk' })), { code: 'InvalidParameterValue', status: 400 });
    expect((await sqs().send(new ListMessageMoveTasksCommand({ SourceArn: arnOf('rate-dlq') }))).Results).toEqual([]);
  });

  it('lets SetQueueAttributes move a queue onto a new dead-letter queue', async () => {
    await create('late-dlq');
    const url = await create('late-source');
    await sqs().send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arnOf('late-dlq'), maxReceiveCount: 1 }) } }));
    await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'late' }));
    await failProcessing(url, 1);
    expect((await sqs().send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    expect(await visible(await create('late-dlq'))).toBe(1);
  });
});
