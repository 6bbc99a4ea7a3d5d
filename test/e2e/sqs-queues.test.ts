/**
 * SQS queues with the real SDK client: creation (idempotent, names, attributes and their ranges,
 * QueueDeletedRecently), URLs on Drydock's port, listing and paging, attributes, purging, tags,
 * permissions, and AWS's errors for bad input, each leaving nothing half-written.
 */
import {
  AddPermissionCommand,
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  RemovePermissionCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  TagQueueCommand,
  UntagQueueCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';

const server = useServer();
const sqs = () => new SQSClient(server.clientConfig);

async function listed(prefix: string): Promise<string[]> {
  return (await sqs().send(new ListQueuesCommand({ QueueNamePrefix: prefix }))).QueueUrls ?? [];
}

describe('creating and finding queues', () => {
  it("serves queue URLs on Drydock's port, finds them by name, and creates idempotently", async () => {
    const { QueueUrl } = await sqs().send(new CreateQueueCommand({ QueueName: 'orders', Attributes: { VisibilityTimeout: '45' } }));
    expect(QueueUrl).toBe(`${server.url}/000000000000/orders`);
    expect((await sqs().send(new GetQueueUrlCommand({ QueueName: 'orders' }))).QueueUrl).toBe(QueueUrl);
    // The same attributes again answer the same URL; a different value is refused.
    expect((await sqs().send(new CreateQueueCommand({ QueueName: 'orders', Attributes: { VisibilityTimeout: '45' } }))).QueueUrl).toBe(QueueUrl);
    await expectAwsError(sqs().send(new CreateQueueCommand({ QueueName: 'orders', Attributes: { VisibilityTimeout: '46' } })), {
      code: 'QueueAlreadyExists',
      status: 400,
      message: 'A queue already exists with the same name and a different value for attribute VisibilityTimeout',
    });
  });

  it("answers a QueueUrl of any host (AWS's own form too) for the queue it names", async () => {
    await sqs().send(new CreateQueueCommand({ QueueName: 'any-host' }));
    const attributes = await sqs().send(new GetQueueAttributesCommand({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/any-host', AttributeNames: ['QueueArn'] }));
    expect(attributes.Attributes?.QueueArn).toBe('arn:aws:sqs:us-east-1:000000000000:any-host');
    await expectAwsError(sqs().send(new GetQueueAttributesCommand({ QueueUrl: 'not-a-url', AttributeNames: ['All'] })), {
      code: 'InvalidAddress',
      status: 404,
      message: 'The address not-a-url is not valid for this endpoint.',
    });
  });

  it('answers QueueDoesNotExist with its query code beside the JSON error', async () => {
    const err = await expectAwsError(sqs().send(new GetQueueUrlCommand({ QueueName: 'missing' })), {
      code: 'QueueDoesNotExist',
      status: 400,
      message: 'The specified queue does not exist.',
    });
    expect(err.Code).toBe('AWS.SimpleQueueService.NonExistentQueue');
    const raw = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.GetQueueUrl' },
      body: '{}',
    });
    // Unsigned: the compatibility header travels with authentication errors too.
    expect(raw.headers.get('x-amzn-query-error')).toMatch(/;Sender$/);
  });

  it('checks queue names for both queue types', async () => {
    await expectAwsError(sqs().send(new CreateQueueCommand({ QueueName: 'example.fifo' })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
    });
    await expectAwsError(sqs().send(new CreateQueueCommand({ QueueName: 'no-suffix', Attributes: { FifoQueue: 'true' } })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.',
    });
    await expectAwsError(sqs().send(new CreateQueueCommand({ QueueName: 'x'.repeat(81) })), { code: 'InvalidParameterValue', status: 400 });
    await expectAwsError(sqs().send(new CreateQueueCommand({ QueueName: '' })), { code: 'InvalidParameterValue', status: 400, message: 'Queue name cannot be empty' });
    expect(await listed('example')).toEqual([]);
  });

  it("refuses attributes out of AWS's ranges and unknown ones, creating nothing", async () => {
    for (const [name, value] of [
      ['DelaySeconds', '901'],
      ['DelaySeconds', ' 6'],
      ['MaximumMessageSize', '1023'],
      ['MaximumMessageSize', '1048577'],
      ['MessageRetentionPeriod', '59'],
      ['ReceiveMessageWaitTimeSeconds', '21'],
      ['VisibilityTimeout', '43201'],
      ['VisibilityTimeout', '2.5'],
    ]) {
      await expectAwsError(sqs().send(new CreateQueueCommand({ QueueName: 'ranged', Attributes: { [name]: value } })), {
        code: 'InvalidAttributeValue',
        status: 400,
        message: `Invalid value for the parameter ${name}.`,
      });
    }
    await expectAwsError(sqs().send(new CreateQueueCommand({ QueueName: 'ranged', Attributes: { Colour: 'blue' } as Record<string, string> })), {
      code: 'InvalidAttributeName',
      status: 400,
      message: 'Unknown Attribute Colour.',
    });
    await expectAwsError(sqs().send(new CreateQueueCommand({ QueueName: 'ranged', Attributes: { ContentBasedDeduplication: 'true' } })), {
      code: 'InvalidAttributeName',
      status: 400,
    });
    await expectAwsError(sqs().send(new CreateQueueCommand({ QueueName: 'ranged', Attributes: { DeduplicationScope: 'queue' } })), {
      code: 'InvalidAttributeName',
      status: 400,
      message: 'You can specify the DeduplicationScope only when FifoQueue is set to true.',
    });
    expect(await listed('ranged')).toEqual([]);
  });

  it('holds a deleted queue name for 60 seconds of Drydock time', async () => {
    const { QueueUrl } = await sqs().send(new CreateQueueCommand({ QueueName: 'short-lived' }));
    await sqs().send(new DeleteQueueCommand({ QueueUrl }));
    await expectAwsError(sqs().send(new GetQueueUrlCommand({ QueueName: 'short-lived' })), { code: 'QueueDoesNotExist', status: 400 });
    await expectAwsError(sqs().send(new CreateQueueCommand({ QueueName: 'short-lived' })), {
      code: 'QueueDeletedRecently',
      status: 400,
      message: 'You must wait 60 seconds after deleting a queue before you can create another with the same name.',
    });
    await server.advanceClock(60_000);
    await sqs().send(new CreateQueueCommand({ QueueName: 'short-lived' }));
  });

  it('lists queues by prefix, in pages with MaxResults', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) await sqs().send(new CreateQueueCommand({ QueueName: name }));
    expect(await listed('page-')).toEqual(['a', 'b', 'c'].map((s) => `${server.url}/000000000000/page-${s}`));
    const first = await sqs().send(new ListQueuesCommand({ QueueNamePrefix: 'page-', MaxResults: 2 }));
    expect(first.QueueUrls).toHaveLength(2);
    const second = await sqs().send(new ListQueuesCommand({ QueueNamePrefix: 'page-', MaxResults: 2, NextToken: first.NextToken }));
    expect(second.QueueUrls).toEqual([`${server.url}/000000000000/page-c`]);
    expect(second.NextToken).toBeUndefined();
    await expectAwsError(sqs().send(new ListQueuesCommand({ MaxResults: 1001 })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Value for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.',
    });
    await expectAwsError(sqs().send(new ListQueuesCommand({ MaxResults: 1, NextToken: 'junk' })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Invalid or expired next token.',
    });
  });
});

describe('queue attributes', () => {
  it('shows the defaults, the computed attributes and the set ones', async () => {
    const { QueueUrl } = await sqs().send(new CreateQueueCommand({ QueueName: 'attrs' }));
    const { Attributes } = await sqs().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    expect(Attributes).toMatchObject({
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:attrs',
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '0',
      DelaySeconds: '0',
      MaximumMessageSize: '1048576',
      MessageRetentionPeriod: '345600',
      ReceiveMessageWaitTimeSeconds: '0',
      VisibilityTimeout: '30',
      SqsManagedSseEnabled: 'true',
    });
    expect(Number(Attributes?.CreatedTimestamp)).toBeGreaterThan(1_600_000_000);
    expect(Attributes?.FifoQueue).toBeUndefined();

    await sqs().send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { DelaySeconds: '54', KmsMasterKeyId: 'alias/aws/sqs' } }));
    const after = await sqs().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['DelaySeconds', 'KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds', 'SqsManagedSseEnabled'] }));
    expect(after.Attributes).toEqual({ DelaySeconds: '54', KmsMasterKeyId: 'alias/aws/sqs', KmsDataKeyReusePeriodSeconds: '300', SqsManagedSseEnabled: 'false' });
    await expectAwsError(sqs().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Nope' as 'All'] })), {
      code: 'InvalidAttributeName',
      status: 400,
      message: 'Unknown Attribute Nope.',
    });
    await expectAwsError(sqs().send(new SetQueueAttributesCommand({ QueueUrl, Attributes: {} })), {
      code: 'MissingParameter',
      status: 400,
      message: 'The request must contain the parameter Attribute.Name.',
    });
    await expectAwsError(sqs().send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { SqsManagedSseEnabled: 'true', KmsMasterKeyId: 'alias/aws/sqs' } })), {
      code: 'InvalidAttributeValue',
      status: 400,
      message: 'You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE.',
    });
  });

  it('checks policies and redrive policies as AWS words it, and an empty value removes one', async () => {
    const { QueueUrl } = await sqs().send(new CreateQueueCommand({ QueueName: 'policies' }));
    await sqs().send(new CreateQueueCommand({ QueueName: 'policies-dlq.fifo', Attributes: { FifoQueue: 'true' } }));
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: '*' }] });
    await sqs().send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: policy } }));
    expect((await sqs().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Policy'] }))).Attributes?.Policy).toBe(policy);
    await sqs().send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: '' } }));
    expect((await sqs().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Policy'] }))).Attributes).toBeUndefined();
    await expectAwsError(sqs().send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: '{"Statement":[]}' } })), {
      code: 'InvalidAttributeValue',
      status: 400,
      message: 'Invalid value for the parameter Policy.',
    });
    const redrive = (value: object) => sqs().send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { RedrivePolicy: JSON.stringify(value) } }));
    await expectAwsError(redrive({}), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Value {} for parameter RedrivePolicy is invalid. Reason: Redrive policy does not contain mandatory attribute: maxReceiveCount.',
    });
    await expectAwsError(redrive({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:nowhere', maxReceiveCount: 1001 }), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Reason: Invalid value for maxReceiveCount: 1001, valid values are from 1 to 1000 both inclusive.',
    });
    await expectAwsError(redrive({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:nowhere', maxReceiveCount: 5 }), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Reason: Dead letter target does not exist.',
    });
    await expectAwsError(redrive({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:policies-dlq.fifo', maxReceiveCount: 5 }), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Reason: Dead-letter queue must be same type of queue as the source..',
    });
    await expectAwsError(sqs().send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { RedriveAllowPolicy: JSON.stringify({ redrivePermission: 'byQueue' }) } })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'When you specify the byQueue permission type, you must also specify one or more sourceQueueArns values.',
    });
    await expectAwsError(sqs().send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { RedriveAllowPolicy: 'badjson' } })), {
      code: 'InvalidAttributeValue',
      status: 400,
    });
  });

  it('lists the queues whose dead-letter queue a queue is', async () => {
    const { QueueUrl: dlq } = await sqs().send(new CreateQueueCommand({ QueueName: 'sources-dlq' }));
    const RedrivePolicy = JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:sources-dlq', maxReceiveCount: 5 });
    for (const name of ['source-1', 'source-2']) await sqs().send(new CreateQueueCommand({ QueueName: name, Attributes: { RedrivePolicy } }));
    const all = await sqs().send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq }));
    expect(all.queueUrls).toEqual([`${server.url}/000000000000/source-1`, `${server.url}/000000000000/source-2`]);
    const page = await sqs().send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq, MaxResults: 1 }));
    expect(page.queueUrls).toHaveLength(1);
    expect(page.NextToken).toBeDefined();
  });
});

describe('purge, tags, permissions', () => {
  it('purges once a minute', async () => {
    const { QueueUrl } = await sqs().send(new CreateQueueCommand({ QueueName: 'purged' }));
    await sqs().send(new SendMessageCommand({ QueueUrl, MessageBody: 'gone' }));
    await sqs().send(new PurgeQueueCommand({ QueueUrl }));
    expect((await sqs().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes?.ApproximateNumberOfMessages).toBe('0');
    const err = await expectAwsError(sqs().send(new PurgeQueueCommand({ QueueUrl })), {
      code: 'PurgeQueueInProgress',
      status: 403,
      message: 'Only one PurgeQueue operation on purged is allowed every 60 seconds.',
    });
    expect(err.Code).toBe('AWS.SimpleQueueService.PurgeQueueInProgress');
    await server.advanceClock(60_000);
    await sqs().send(new PurgeQueueCommand({ QueueUrl }));
  });

  it('tags at creation and later, and untags', async () => {
    const { QueueUrl } = await sqs().send(new CreateQueueCommand({ QueueName: 'tagged', tags: { team: 'a' } }));
    await sqs().send(new TagQueueCommand({ QueueUrl, Tags: { env: 'prod', team: 'b' } }));
    expect((await sqs().send(new ListQueueTagsCommand({ QueueUrl }))).Tags).toEqual({ team: 'b', env: 'prod' });
    await sqs().send(new UntagQueueCommand({ QueueUrl, TagKeys: ['team'] }));
    expect((await sqs().send(new ListQueueTagsCommand({ QueueUrl }))).Tags).toEqual({ env: 'prod' });
    await expectAwsError(sqs().send(new TagQueueCommand({ QueueUrl, Tags: { 'aws:reserved': 'x' } })), { code: 'InvalidParameterValue', status: 400 });
    expect((await sqs().send(new ListQueueTagsCommand({ QueueUrl }))).Tags).toEqual({ env: 'prod' });
  });

  it('adds and removes permissions as statements of the queue policy', async () => {
    const { QueueUrl } = await sqs().send(new CreateQueueCommand({ QueueName: 'shared' }));
    const arn = 'arn:aws:sqs:us-east-1:000000000000:shared';
    await sqs().send(new AddPermissionCommand({ QueueUrl, Label: 'Permission1', AWSAccountIds: ['123456789012'], Actions: ['SendMessage'] }));
    const policy = (await sqs().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Policy'] }))).Attributes?.Policy;
    expect(policy).toBe(
      JSON.stringify({
        Id: `${arn}/SQSDefaultPolicy`,
        Version: '2012-10-17',
        Statement: { Sid: 'Permission1', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'SQS:SendMessage', Resource: arn },
      }),
    );
    await expectAwsError(sqs().send(new AddPermissionCommand({ QueueUrl, Label: 'Permission1', AWSAccountIds: ['123456789012'], Actions: ['DeleteMessage'] })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Value Permission1 for parameter Label is invalid. Reason: Already exists.',
    });
    await expectAwsError(sqs().send(new AddPermissionCommand({ QueueUrl, Label: 'P2', AWSAccountIds: ['123456789012'], Actions: ['CreateQueue'] })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Value SQS:CreateQueue for parameter ActionName is invalid. Reason: Only the queue owner is allowed to invoke this action.',
    });
    await expectAwsError(sqs().send(new AddPermissionCommand({ QueueUrl, Label: 'P2', AWSAccountIds: ['123456789012'], Actions: ['SendMessageBatch'] })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Value SQS:SendMessageBatch for parameter ActionName is invalid. Reason: Please refer to the appropriate WSDL for a list of valid actions.',
    });
    await sqs().send(new RemovePermissionCommand({ QueueUrl, Label: 'Permission1' }));
    expect((await sqs().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Policy'] }))).Attributes).toBeUndefined();
    await expectAwsError(sqs().send(new RemovePermissionCommand({ QueueUrl, Label: 'Permission1' })), {
      code: 'InvalidParameterValue',
      status: 400,
      message: "Value Permission1 for parameter Label is invalid. Reason: can't find label on existing policy.",
    });
  });
});
