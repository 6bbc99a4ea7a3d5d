/**
 * SQS's two wire protocols: the query protocol older SDKs speak (form-encoded `Action=…` requests,
 * XML answers with AWS's member names, query error codes), the JSON protocol's
 * `x-amzn-query-error` compatibility header, and the aws CLI.
 */
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';
import { requests, signedRequest } from './raw-request.js';

const server = useServer();
const VERSION = '2012-11-05';

function query(action: string, params: Record<string, string> = {}, path?: string) {
  return signedRequest(server.url, requests.query('sqs', action, VERSION, params, path ? { path } : {}));
}

describe('the query protocol', () => {
  it('creates a queue with attributes and tags, sends and receives with attributes, in XML', async () => {
    const created = await query('CreateQueue', {
      QueueName: 'legacy',
      'Attribute.1.Name': 'VisibilityTimeout',
      'Attribute.1.Value': '40',
      'Tag.1.Key': 'team',
      'Tag.1.Value': 'old-sdk',
    });
    expect(created.status).toBe(200);
    expect(created.text).toContain('<CreateQueueResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><CreateQueueResult>');
    const queueUrl = /<QueueUrl>([^<]+)<\/QueueUrl>/.exec(created.text)![1];
    expect(queueUrl).toBe(`${server.url}/000000000000/legacy`);

    const attributes = await query('GetQueueAttributes', { QueueUrl: queueUrl, 'AttributeName.1': 'VisibilityTimeout', 'AttributeName.2': 'QueueArn' });
    expect(attributes.text).toContain('<Attribute><Name>QueueArn</Name><Value>arn:aws:sqs:us-east-1:000000000000:legacy</Value></Attribute>');
    expect(attributes.text).toContain('<Attribute><Name>VisibilityTimeout</Name><Value>40</Value></Attribute>');
    expect((await query('ListQueueTags', { QueueUrl: queueUrl })).text).toContain('<Tag><Key>team</Key><Value>old-sdk</Value></Tag>');

    const sent = await query('SendMessage', {
      QueueUrl: queueUrl,
      MessageBody: 'Test Message',
      'MessageAttribute.1.Name': 'Hello',
      'MessageAttribute.1.Value.DataType': 'String',
      'MessageAttribute.1.Value.StringValue': 'World',
    });
    expect(sent.text).toContain('<MD5OfMessageBody>d1d4180b7e411c4be86b00fb2ee103eb</MD5OfMessageBody>');
    expect(sent.text).toContain('<MD5OfMessageAttributes>7db7fb1ba7f41366a8ea5eb18220b26d</MD5OfMessageAttributes>');

    const received = await query('ReceiveMessage', { QueueUrl: queueUrl, 'AttributeName.1': 'All', 'MessageAttributeName.1': 'All' });
    expect(received.text).toMatch(/<ReceiveMessageResult><Message><MessageId>[0-9a-f-]{36}<\/MessageId><ReceiptHandle>/);
    expect(received.text).toContain('<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>');
    expect(received.text).toContain('<MessageAttribute><Name>Hello</Name><Value><StringValue>World</StringValue><DataType>String</DataType></Value></MessageAttribute>');
    const handle = /<ReceiptHandle>([^<]+)<\/ReceiptHandle>/.exec(received.text)![1];
    const deleted = await query('DeleteMessage', { QueueUrl: queueUrl, ReceiptHandle: handle });
    expect(deleted.status).toBe(200);
    expect(deleted.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<DeleteMessageResponse xmlns="[^"]+"><ResponseMetadata><RequestId>/);
  });

  it('sends batches with their entries named as AWS names them', async () => {
    const created = await query('CreateQueue', { QueueName: 'legacy-batch' });
    const queueUrl = /<QueueUrl>([^<]+)<\/QueueUrl>/.exec(created.text)![1];
    const batch = await query('SendMessageBatch', {
      QueueUrl: queueUrl,
      'SendMessageBatchRequestEntry.1.Id': 'one',
      'SendMessageBatchRequestEntry.1.MessageBody': 'first',
      'SendMessageBatchRequestEntry.2.Id': 'two',
      'SendMessageBatchRequestEntry.2.MessageBody': 'second',
      'SendMessageBatchRequestEntry.2.DelaySeconds': '901',
    });
    expect(batch.text).toMatch(/<SendMessageBatchResultEntry><Id>one<\/Id><MessageId>/);
    expect(batch.text).toContain(
      '<BatchResultErrorEntry><Id>two</Id><SenderFault>true</SenderFault><Code>InvalidParameterValue</Code><Message>Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be &gt;= 0 and &lt;= 900.</Message></BatchResultErrorEntry>',
    );
    const listed = await query('ListQueues', { QueueNamePrefix: 'legacy-b' });
    expect(listed.text).toContain(`<ListQueuesResult><QueueUrl>${queueUrl}</QueueUrl></ListQueuesResult>`);
  });

  it("answers errors with the query protocol's codes and words", async () => {
    const missing = await query('GetQueueUrl', { QueueName: 'nowhere' });
    expect(missing.status).toBe(400);
    expect(missing.code).toBe('AWS.SimpleQueueService.NonExistentQueue');
    expect(missing.message).toBe('The specified queue does not exist for this wsdl version.');
    expect(missing.text).toContain('<Type>Sender</Type>');
    await query('CreateQueue', { QueueName: 'legacy-exists', 'Attribute.1.Name': 'DelaySeconds', 'Attribute.1.Value': '1' });
    const exists = await query('CreateQueue', { QueueName: 'legacy-exists', 'Attribute.1.Name': 'DelaySeconds', 'Attribute.1.Value': '2' });
    expect(exists.code).toBe('QueueAlreadyExists');
    const unknown = await query('NoSuchAction');
    expect(unknown.code).toBe('InvalidAction');
  });

  it('takes a request posted to the queue URL without QueueUrl, as older SDKs send them', async () => {
    await query('CreateQueue', { QueueName: 'legacy-path' });
    const sent = await query('SendMessage', { MessageBody: 'by path' }, '/000000000000/legacy-path');
    expect(sent.status).toBe(200);
    const received = await query('ReceiveMessage', {}, '/000000000000/legacy-path');
    expect(received.text).toContain('<Body>by path</Body>');
  });
});

describe('the JSON protocol', () => {
  it('carries the query code and fault in x-amzn-query-error, and the shape name in __type', async () => {
    const res = await signedRequest(server.url, requests.json('sqs', 'AmazonSQS', 'GetQueueUrl', { QueueName: 'nowhere' }, '1.0'));
    expect(res.status).toBe(400);
    expect(res.headers['x-amzn-query-error']).toBe('AWS.SimpleQueueService.NonExistentQueue;Sender');
    expect(JSON.parse(res.text)).toEqual({ __type: 'QueueDoesNotExist', message: 'The specified queue does not exist.' });
    // The SDK reads the query code from the header.
    const err = await new SQSClient(server.clientConfig).send(new GetQueueUrlCommand({ QueueName: 'nowhere' })).catch((e: unknown) => e as { name: string; Code: string; Type: string });
    expect(err).toMatchObject({ name: 'QueueDoesNotExist', Code: 'AWS.SimpleQueueService.NonExistentQueue', Type: 'Sender' });
  });
});

describe('the aws CLI', () => {
  it('creates, sends, receives and deletes', { timeout: 30_000 }, async () => {
    const created = JSON.parse((await server.aws(['sqs', 'create-queue', '--queue-name', 'cli-queue'])).stdout) as { QueueUrl: string };
    expect(created.QueueUrl).toBe(`${server.url}/000000000000/cli-queue`);
    await server.aws(['sqs', 'send-message', '--queue-url', created.QueueUrl, '--message-body', 'from the CLI', '--message-attributes', '{"k":{"DataType":"String","StringValue":"v"}}']);
    const received = JSON.parse((await server.aws(['sqs', 'receive-message', '--queue-url', created.QueueUrl, '--message-attribute-names', 'All'])).stdout) as {
      Messages: { Body: string; ReceiptHandle: string; MessageAttributes: object }[];
    };
    expect(received.Messages[0]).toMatchObject({ Body: 'from the CLI', MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } } });
    await server.aws(['sqs', 'delete-message', '--queue-url', created.QueueUrl, '--receipt-handle', received.Messages[0].ReceiptHandle]);
    const failure = await server.aws(['sqs', 'get-queue-url', '--queue-name', 'nowhere']).catch((err: { stderr: string }) => err);
    expect((failure as { stderr: string }).stderr).toContain('AWS.SimpleQueueService.NonExistentQueue');
  });
});
