/**
 * SNS delivering to a local HTTP endpoint: the real SubscriptionConfirmation handshake (the
 * unsigned SubscribeURL confirms), notifications with SNS's headers signed with SignatureVersion 1
 * and 2 (verified against the certificate SigningCertURL serves), raw delivery and a content type
 * from the delivery policy, retries on the Drydock clock along the delivery policy then the
 * dead-letter queue, and the UnsubscribeConfirmation whose link restores the subscription.
 */
import { createVerify, X509Certificate } from 'node:crypto';
import { CreateTopicCommand, ListSubscriptionsByTopicCommand, PublishCommand, SNSClient, SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';
import { eventually, type HttpEndpoint, httpEndpoint, type ReceivedRequest } from './sns-helpers.js';

const server = useServer();
const sns = () => new SNSClient(server.clientConfig);
let endpoint: HttpEndpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

/** Verifies an HTTP message's signature with the certificate its SigningCertURL serves. */
async function verifySignature(body: Record<string, string>): Promise<boolean> {
  const cert = new X509Certificate(await (await fetch(body.SigningCertURL!)).text());
  const keys = body.Type === 'Notification' ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const signed = keys
    .filter((k) => body[k] !== undefined)
    .map((k) => `${k}\n${body[k]}\n`)
    .join('');
  return createVerify(body.SignatureVersion === '2' ? 'RSA-SHA256' : 'RSA-SHA1')
    .update(signed)
    .verify(cert.publicKey, body.Signature!, 'base64');
}

/** Subscribes the endpoint and confirms through the SubscribeURL of the confirmation it receives; answers the subscription ARN. */
async function subscribeConfirmed(TopicArn: string, target: HttpEndpoint, Attributes?: Record<string, string>): Promise<string> {
  const first = target.requests.length;
  await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: target.url, Attributes }));
  const confirmation = JSON.parse((await target.request(first)).body);
  const xml = await (await fetch(confirmation.SubscribeURL)).text();
  return /<SubscriptionArn>(.+)<\/SubscriptionArn>/.exec(xml)![1]!;
}

describe('SNS to HTTP endpoints', () => {
  it('runs the confirmation handshake, then posts signed notifications with SNS headers', async () => {
    endpoint = await httpEndpoint();
    const TopicArn = (await sns().send(new CreateTopicCommand({ Name: 'web-hooks' }))).TopicArn!;
    const subscribed = await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: endpoint.url }));
    expect(subscribed.SubscriptionArn).toBe('pending confirmation');

    const confirmation = await endpoint.request(0);
    expect(confirmation.method).toBe('POST');
    expect(confirmation.headers).toMatchObject({
      'content-type': 'text/plain; charset=UTF-8',
      'user-agent': 'Amazon Simple Notification Service Agent',
      'x-amz-sns-message-type': 'SubscriptionConfirmation',
      'x-amz-sns-topic-arn': TopicArn,
    });
    expect(confirmation.headers['x-amz-sns-subscription-arn']).toBeUndefined();
    const request = JSON.parse(confirmation.body);
    expect(Object.keys(request)).toEqual(['Type', 'MessageId', 'Token', 'TopicArn', 'Message', 'SubscribeURL', 'Timestamp', 'SignatureVersion', 'Signature', 'SigningCertURL']);
    expect(request.Message).toBe(`You have chosen to subscribe to the topic ${TopicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`);
    expect(request.SubscribeURL).toBe(`${server.url}/_drydock/sns/?Action=ConfirmSubscription&TopicArn=${TopicArn}&Token=${request.Token}`);
    expect(await verifySignature(request)).toBe(true);

    // Nothing is delivered before the endpoint confirms.
    await sns().send(new PublishCommand({ TopicArn, Message: 'too early' }));
    const confirmed = await fetch(request.SubscribeURL);
    expect(confirmed.status).toBe(200);
    const subscriptionArn = /<SubscriptionArn>(.+)<\/SubscriptionArn>/.exec(await confirmed.text())![1];

    const { MessageId } = await sns().send(new PublishCommand({ TopicArn, Message: 'hello endpoint', Subject: 'Hi' }));
    const notification = await endpoint.request(1);
    expect(notification.headers).toMatchObject({ 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-message-id': MessageId, 'x-amz-sns-subscription-arn': subscriptionArn });
    const body = JSON.parse(notification.body);
    expect(body).toMatchObject({ Type: 'Notification', MessageId, TopicArn, Subject: 'Hi', Message: 'hello endpoint', SignatureVersion: '1' });
    expect(await verifySignature(body)).toBe(true);
    expect(endpoint.requests).toHaveLength(2);
  });

  it('signs with SHA256withRSA for SignatureVersion 2, and raw delivery posts the bare message with the policy content type', async () => {
    endpoint = await httpEndpoint();
    const TopicArn = (await sns().send(new CreateTopicCommand({ Name: 'web-hooks-v2', Attributes: { SignatureVersion: '2' } }))).TopicArn!;
    const signedArn = await subscribeConfirmed(TopicArn, endpoint);
    await sns().send(new PublishCommand({ TopicArn, Message: 'signed twice' }));
    const signed = JSON.parse((await endpoint.request(1)).body);
    expect(signed.SignatureVersion).toBe('2');
    expect(await verifySignature(signed)).toBe(true);
    await sns().send(new UnsubscribeCommand({ SubscriptionArn: signedArn }));
    await endpoint.request(2);

    const raw = await httpEndpoint();
    try {
      await subscribeConfirmed(TopicArn, raw, { RawMessageDelivery: 'true', DeliveryPolicy: JSON.stringify({ requestPolicy: { headerContentType: 'application/json' } }) });
      await sns().send(new PublishCommand({ TopicArn, Message: '{"plain":true}' }));
      const delivered: ReceivedRequest = await raw.request(1);
      expect(delivered.body).toBe('{"plain":true}');
      expect(delivered.headers).toMatchObject({ 'x-amz-sns-rawdelivery': 'true', 'content-type': 'application/json' });
    } finally {
      await raw.close();
    }
  });

  it('retries a failing endpoint along its delivery policy on the Drydock clock, then moves the message to the dead-letter queue', async () => {
    endpoint = await httpEndpoint();
    const TopicArn = (await sns().send(new CreateTopicCommand({ Name: 'flaky-hooks' }))).TopicArn!;
    const dlqArn = 'arn:aws:sqs:us-east-1:000000000000:hook-dlq';
    const sqs = new SQSClient(server.clientConfig);
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: dlqArn }] };
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'hook-dlq', Attributes: { Policy: JSON.stringify(policy) } }));
    await subscribeConfirmed(TopicArn, endpoint, {
      DeliveryPolicy: JSON.stringify({ healthyRetryPolicy: { numRetries: 2, minDelayTarget: 30, maxDelayTarget: 30 } }),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn }),
    });
    endpoint.status = 500;

    await sns().send(new PublishCommand({ TopicArn, Message: 'first try fails' }));
    await endpoint.request(1);
    await server.advanceClock(30_000);
    await endpoint.request(2);
    endpoint.status = 200;
    await server.advanceClock(30_000);
    expect(JSON.parse((await endpoint.request(3)).body).Message).toBe('first try fails');

    endpoint.status = 503;
    await sns().send(new PublishCommand({ TopicArn, Message: 'never delivered' }));
    await endpoint.request(4);
    await server.advanceClock(30_000);
    await endpoint.request(5);
    await server.advanceClock(30_000);
    await endpoint.request(6);
    const { Messages } = await eventually(async () => {
      const answer = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
      return answer.Messages?.length ? answer : undefined;
    });
    expect(JSON.parse(Messages![0]!.Body!)).toMatchObject({ Type: 'Notification', Message: 'never delivered' });
    expect(endpoint.requests).toHaveLength(7);
  });

  it('sends an UnsubscribeConfirmation whose link restores the subscription', async () => {
    endpoint = await httpEndpoint();
    const TopicArn = (await sns().send(new CreateTopicCommand({ Name: 'leaving-hooks' }))).TopicArn!;
    const SubscriptionArn = await subscribeConfirmed(TopicArn, endpoint);
    await sns().send(new UnsubscribeCommand({ SubscriptionArn }));
    const goodbye = await endpoint.request(1);
    expect(goodbye.headers).toMatchObject({ 'x-amz-sns-message-type': 'UnsubscribeConfirmation', 'x-amz-sns-subscription-arn': SubscriptionArn });
    const body = JSON.parse(goodbye.body);
    expect(body.Message).toBe(
      `You have chosen to deactivate subscription ${SubscriptionArn}.\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message.`,
    );
    expect(await verifySignature(body)).toBe(true);
    expect((await sns().send(new ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions).toEqual([]);
    expect((await fetch(body.SubscribeURL)).status).toBe(200);
    expect((await sns().send(new ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions!.map((s) => s.SubscriptionArn)).toEqual([SubscriptionArn]);
    await sns().send(new PublishCommand({ TopicArn, Message: 'welcome back' }));
    expect(JSON.parse((await endpoint.request(2)).body).Message).toBe('welcome back');
  });
});
