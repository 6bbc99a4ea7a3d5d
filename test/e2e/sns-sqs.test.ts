/**
 * SNS delivering to SQS, both real services: the queue policy decides whether SNS may send (as the
 * service principal, with the topic as aws:SourceArn); the envelope is signed with the certificate
 * SigningCertURL serves; raw delivery passes message attributes on; filter policies select; failed
 * deliveries go to the subscription's dead-letter queue; FIFO topics keep group order and drop
 * duplicates.
 */
import { createVerify, X509Certificate } from 'node:crypto';
import { AddPermissionCommand, CreateTopicCommand, GetSubscriptionAttributesCommand, PublishBatchCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';

const server = useServer();
const sns = () => new SNSClient(server.clientConfig);
const sqs = () => new SQSClient(server.clientConfig);

/** A queue whose policy lets SNS send from `topicArn`; a queue without a policy for `false`. */
async function queue(name: string, topicArn: string | false, account = '000000000000'): Promise<{ url: string; arn: string }> {
  const arn = `arn:aws:sqs:us-east-1:${account}:${name}`;
  const attributes: Record<string, string> = name.endsWith('.fifo') ? { FifoQueue: 'true' } : {};
  if (topicArn) {
    attributes.Policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: arn, Condition: { ArnLike: { 'aws:SourceArn': topicArn } } }],
    });
  }
  const client = new SQSClient({ ...server.clientConfig, credentials: { accessKeyId: account === '000000000000' ? 'test' : account, secretAccessKey: 'test' } });
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  return { url: QueueUrl!, arn };
}

async function topic(name: string): Promise<string> {
  return (await sns().send(new CreateTopicCommand({ Name: name, Attributes: name.endsWith('.fifo') ? { FifoTopic: 'true' } : {} }))).TopicArn!;
}

/** Receives until `count` messages arrived (long polls wake when one does). */
async function receive(url: string, count: number, client = sqs()): Promise<Message[]> {
  const messages: Message[] = [];
  const deadline = Date.now() + 5_000;
  while (messages.length < count && Date.now() < deadline) {
    const { Messages } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }),
    );
    messages.push(...(Messages ?? []));
  }
  return messages;
}

/** The queue holds nothing (call once every delivery that could reach it is known to be over). */
async function nothingIn(url: string): Promise<void> {
  const { Messages } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 0 }));
  expect(Messages ?? []).toEqual([]);
}

describe('SNS to SQS', () => {
  it('delivers the signed envelope to a queue whose policy admits the topic', async () => {
    const TopicArn = await topic('to-queue');
    const q = await queue('envelopes', TopicArn);
    const { SubscriptionArn } = await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: q.arn }));
    const { MessageId } = await sns().send(
      new PublishCommand({
        TopicArn,
        Message: 'hello queue',
        Subject: 'Greeting',
        MessageAttributes: { attr1: { DataType: 'Number', StringValue: '99.12' }, bin: { DataType: 'Binary', BinaryValue: Uint8Array.from([2, 3, 4]) } },
      }),
    );
    const [message] = await receive(q.url, 1);
    const body = JSON.parse(message!.Body!);
    expect(body).toEqual({
      Type: 'Notification',
      MessageId,
      TopicArn,
      Subject: 'Greeting',
      Message: 'hello queue',
      Timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      SignatureVersion: '1',
      Signature: expect.any(String),
      SigningCertURL: expect.stringMatching(/\/_drydock\/sns\/SimpleNotificationService-[0-9a-f]{32}\.pem$/),
      UnsubscribeURL: `${server.url}/_drydock/sns/?Action=Unsubscribe&SubscriptionArn=${SubscriptionArn}`,
      MessageAttributes: { attr1: { Type: 'Number', Value: '99.12' }, bin: { Type: 'Binary', Value: 'AgME' } },
    });
    // The signature verifies with the certificate SigningCertURL serves, over AWS's string to sign.
    const cert = new X509Certificate(await (await fetch(body.SigningCertURL)).text());
    const signed = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'].map((k) => `${k}\n${body[k]}\n`).join('');
    expect(createVerify('RSA-SHA1').update(signed).verify(cert.publicKey, body.Signature, 'base64')).toBe(true);
  });

  it('passes the message and its attributes on with raw delivery, and the sqs entry of a JSON message structure', async () => {
    const TopicArn = await topic('raw');
    const q = await queue('raw-queue', TopicArn);
    await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: q.arn, Attributes: { RawMessageDelivery: 'true' } }));
    await sns().send(
      new PublishCommand({
        TopicArn,
        Message: JSON.stringify({ default: 'for everyone', sqs: 'for queues' }),
        MessageStructure: 'json',
        MessageAttributes: { store: { DataType: 'String', StringValue: 'example' }, bin: { DataType: 'Binary', BinaryValue: Uint8Array.from([2, 3, 4]) } },
      }),
    );
    const [message] = await receive(q.url, 1);
    expect(message!.Body).toBe('for queues');
    expect(message!.MessageAttributes!.store).toEqual({ DataType: 'String', StringValue: 'example' });
    expect(Buffer.from(message!.MessageAttributes!.bin!.BinaryValue!)).toEqual(Buffer.from([2, 3, 4]));
  });

  it('delivers only what a filter policy accepts, on attributes or on the JSON body', async () => {
    const TopicArn = await topic('filtered');
    const byAttributes = await queue('filter-attributes', TopicArn);
    const byBody = await queue('filter-body', TopicArn);
    await sns().send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: byAttributes.arn,
        Attributes: { RawMessageDelivery: 'true', FilterPolicy: JSON.stringify({ price: [{ numeric: ['>', 0, '<=', 100] }] }) },
      }),
    );
    await sns().send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: byBody.arn,
        Attributes: { RawMessageDelivery: 'true', FilterPolicyScope: 'MessageBody', FilterPolicy: JSON.stringify({ order: { kind: [{ prefix: 'auto-' }] } }) },
      }),
    );
    const publish = (Message: string, price?: string) =>
      sns().send(new PublishCommand({ TopicArn, Message, MessageAttributes: price === undefined ? undefined : { price: { DataType: 'Number', StringValue: price } } }));
    await publish('cheap', '99');
    await publish('dear', '101');
    await publish('free');
    await publish(JSON.stringify({ order: { kind: 'auto-insurance' } }), '500');
    await publish(JSON.stringify({ order: { kind: 'home-insurance' } }));
    expect((await receive(byAttributes.url, 1)).map((m) => m.Body)).toEqual(['cheap']);
    expect((await receive(byBody.url, 1)).map((m) => m.Body)).toEqual([JSON.stringify({ order: { kind: 'auto-insurance' } })]);
    await nothingIn(byAttributes.url);
    await nothingIn(byBody.url);
  });

  it('delivers nothing to a queue whose policy does not admit the topic, and moves the message to the dead-letter queue', async () => {
    const TopicArn = await topic('refused');
    const closed = await queue('closed', false);
    const elsewhere = await queue('other-topic-only', 'arn:aws:sns:us-east-1:000000000000:someone-else');
    const dlq = await queue('refused-dlq', TopicArn);
    const Attributes = { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn }) };
    const closedArn = (await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: closed.arn, Attributes }))).SubscriptionArn;
    const elsewhereArn = (await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: elsewhere.arn, Attributes }))).SubscriptionArn;
    await sns().send(new PublishCommand({ TopicArn, Message: 'undeliverable' }));
    // SNS does not retry a refusal: both deliveries go to the dead-letter queue at once, as they would have been delivered.
    const dead = (await receive(dlq.url, 2)).map((m) => JSON.parse(m.Body!));
    expect(dead.map((m) => m.Message)).toEqual(['undeliverable', 'undeliverable']);
    expect(dead.map((m) => m.UnsubscribeURL.split('SubscriptionArn=')[1]).sort()).toEqual([closedArn, elsewhereArn].sort());
    await nothingIn(closed.url);
    await nothingIn(elsewhere.url);
  });

  it('keeps a FIFO topic message group in order in a FIFO queue and drops duplicates', async () => {
    const TopicArn = await topic('ledger.fifo');
    const q = await queue('ledger.fifo', TopicArn);
    await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: q.arn, Attributes: { RawMessageDelivery: 'true' } }));
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push(await sns().send(new PublishCommand({ TopicArn, Message: `entry ${i}`, MessageGroupId: 'book', MessageDeduplicationId: `d${i}` })));
    expect(sent.map((s) => s.SequenceNumber)).toEqual([...sent.map((s) => s.SequenceNumber)].sort());
    expect(sent[0]!.SequenceNumber).toMatch(/^\d{20}$/);
    const duplicate = await sns().send(new PublishCommand({ TopicArn, Message: 'entry 0 again', MessageGroupId: 'book', MessageDeduplicationId: 'd0' }));
    expect(duplicate).toMatchObject({ MessageId: sent[0]!.MessageId, SequenceNumber: sent[0]!.SequenceNumber });
    const batch = await sns().send(
      new PublishBatchCommand({
        TopicArn,
        PublishBatchRequestEntries: [
          { Id: 'a', Message: 'entry 5', MessageGroupId: 'book', MessageDeduplicationId: 'd5' },
          { Id: 'b', Message: 'entry 6', MessageGroupId: 'book', MessageDeduplicationId: 'd6' },
        ],
      }),
    );
    expect(batch.Successful!.map((s) => s.Id)).toEqual(['a', 'b']);
    const received = await receive(q.url, 7);
    expect(received.map((m) => m.Body)).toEqual(['entry 0', 'entry 1', 'entry 2', 'entry 3', 'entry 4', 'entry 5', 'entry 6']);
    expect(received[0]!.Attributes).toMatchObject({ MessageGroupId: 'book', MessageDeduplicationId: 'd0' });
    await nothingIn(q.url);
  });

  it('sends the queue of another account a confirmation request when the topic owner subscribes it; the queue owner subscribing needs none', async () => {
    const TopicArn = await topic('shared-events');
    const owner = '777788889999';
    const theirs = await queue('their-queue', TopicArn, owner);
    const ownerSqs = new SQSClient({ ...server.clientConfig, credentials: { accessKeyId: owner, secretAccessKey: 'test' } });
    const subscribed = await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: theirs.arn, ReturnSubscriptionArn: true }));
    expect((await sns().send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscribed.SubscriptionArn }))).Attributes!.PendingConfirmation).toBe('true');

    const [request] = await receive(theirs.url, 1, ownerSqs);
    const confirmation = JSON.parse(request!.Body!);
    expect(confirmation).toMatchObject({ Type: 'SubscriptionConfirmation', TopicArn });
    expect((await fetch(confirmation.SubscribeURL)).status).toBe(200);
    await sns().send(new PublishCommand({ TopicArn, Message: 'across accounts' }));
    const [delivered] = await receive(theirs.url, 1, ownerSqs);
    expect(JSON.parse(delivered!.Body!)).toMatchObject({ Type: 'Notification', Message: 'across accounts' });

    // The queue's owner subscribing its own queue (with the topic owner's leave) is confirmed at once.
    const mine = await queue('my-own-queue', TopicArn, owner);
    await sns().send(new AddPermissionCommand({ TopicArn, Label: 'their-subscription', AWSAccountId: [owner], ActionName: ['Subscribe'] }));
    const asOwner = new SNSClient({ ...server.clientConfig, credentials: { accessKeyId: owner, secretAccessKey: 'test' } });
    const direct = await asOwner.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: mine.arn }));
    expect((await asOwner.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: direct.SubscriptionArn }))).Attributes).toMatchObject({ PendingConfirmation: 'false', Owner: owner });
  });
});
