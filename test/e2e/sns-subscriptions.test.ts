/**
 * SNS subscriptions with the real SDK client: the confirmation handshake (email confirmations land
 * in the local outbox; their unsigned SubscribeURL link or ConfirmSubscription confirms), queues
 * confirmed at once, AWS's checks of protocols, endpoints and attributes (nothing written when they
 * fail), idempotent Subscribe, attributes, listings, and Unsubscribe by call and by link.
 */

import {
  ConfirmSubscriptionCommand,
  CreateTopicCommand,
  DeleteTopicCommand,
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListSubscriptionsCommand,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { eventually, outbox } from './sns-helpers.js';

const server = useServer();
const sns = () => new SNSClient(server.clientConfig);

async function topic(name: string): Promise<string> {
  return (await sns().send(new CreateTopicCommand({ Name: name }))).TopicArn!;
}

async function queueArn(name: string): Promise<string> {
  await new SQSClient(server.clientConfig).send(new CreateQueueCommand({ QueueName: name, Attributes: name.endsWith('.fifo') ? { FifoQueue: 'true' } : {} }));
  return `arn:aws:sqs:us-east-1:000000000000:${name}`;
}

/** The confirmation email sent to `address`, and the link and token it carries. */
async function confirmationEmail(address: string): Promise<{ subject: string; link: string; token: string }> {
  const mail = await eventually(async () => (await outbox(server.url, address)).find((m) => m.subject.endsWith('Subscription Confirmation')));
  const link = /http:\/\/\S+Action=ConfirmSubscription\S+/.exec(mail.body)![0];
  return { subject: mail.subject, link, token: new URL(link).searchParams.get('Token')! };
}

describe('SNS subscriptions: the confirmation handshake', () => {
  it('sends an email subscription a confirmation whose unsigned link confirms it', async () => {
    const TopicArn = await topic('newsletter');
    const { SubscriptionArn } = await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'reader@example.com' }));
    expect(SubscriptionArn).toBe('pending confirmation');
    const listed = (await sns().send(new ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions!;
    expect(listed).toEqual([{ SubscriptionArn: 'PendingConfirmation', Owner: '000000000000', Protocol: 'email', Endpoint: 'reader@example.com', TopicArn }]);

    const { subject, link } = await confirmationEmail('reader@example.com');
    expect(subject).toBe('AWS Notification - Subscription Confirmation');
    const answer = await fetch(link);
    expect(answer.status).toBe(200);
    const xml = await answer.text();
    const arn = /<SubscriptionArn>(.+)<\/SubscriptionArn>/.exec(xml)![1]!;
    expect(arn).toMatch(new RegExp(`^${TopicArn}:[0-9a-f-]{36}$`));
    expect(xml).toContain('<ConfirmSubscriptionResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">');
    const { Attributes } = await sns().send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn }));
    expect(Attributes).toMatchObject({ PendingConfirmation: 'false', ConfirmationWasAuthenticated: 'false', Protocol: 'email', Endpoint: 'reader@example.com' });
    expect((await sns().send(new ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions![0]!.SubscriptionArn).toBe(arn);
  });

  it('confirms through ConfirmSubscription with the token, and refuses tokens that are not one', async () => {
    const TopicArn = await topic('digest');
    const other = await topic('digest-other');
    await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'email-json', Endpoint: 'json@example.com' }));
    const mail = await eventually(async () => (await outbox(server.url, 'json@example.com'))[0]);
    const confirmation = JSON.parse(mail.body);
    expect(confirmation).toMatchObject({ Type: 'SubscriptionConfirmation', TopicArn, SignatureVersion: '1' });
    const token = confirmation.Token as string;
    await expectAwsError(sns().send(new ConfirmSubscriptionCommand({ TopicArn, Token: 'not-a-token' })), { code: 'InvalidParameter', status: 400, message: 'Invalid token' });
    await expectAwsError(sns().send(new ConfirmSubscriptionCommand({ TopicArn, Token: 'ab'.repeat(64) })), { code: 'InvalidParameter', status: 400, message: 'Invalid parameter: Token' });
    await expectAwsError(sns().send(new ConfirmSubscriptionCommand({ TopicArn: other, Token: token })), { code: 'InvalidParameter', status: 400, message: 'Invalid parameter: Topic' });
    await expectAwsError(sns().send(new ConfirmSubscriptionCommand({ TopicArn: 'nope', Token: token })), { code: 'InvalidParameter', status: 400, message: 'Invalid parameter: Topic' });
    const { SubscriptionArn } = await sns().send(new ConfirmSubscriptionCommand({ TopicArn, Token: token, AuthenticateOnUnsubscribe: 'true' }));
    expect((await sns().send(new GetSubscriptionAttributesCommand({ SubscriptionArn }))).Attributes).toMatchObject({ PendingConfirmation: 'false', ConfirmationWasAuthenticated: 'true' });
    // Confirming again answers the same subscription.
    expect((await sns().send(new ConfirmSubscriptionCommand({ TopicArn, Token: token }))).SubscriptionArn).toBe(SubscriptionArn);

    // AuthenticateOnUnsubscribe: the unsigned unsubscribe link is refused, a signed Unsubscribe is not.
    const unsubscribeLink = `${server.url}/_drydock/sns/?Action=Unsubscribe&SubscriptionArn=${SubscriptionArn}`;
    const refused = await fetch(unsubscribeLink);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('<Code>AuthorizationError</Code>');
    await sns().send(new UnsubscribeCommand({ SubscriptionArn }));
    expect((await sns().send(new ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions).toEqual([]);
  });

  it('confirms queue subscriptions of the same account at once, and ReturnSubscriptionArn answers a pending one', async () => {
    const TopicArn = await topic('orders-events');
    const Endpoint = await queueArn('orders-queue');
    const { SubscriptionArn } = await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint, Attributes: { RawMessageDelivery: 'True' } }));
    const { Attributes } = await sns().send(new GetSubscriptionAttributesCommand({ SubscriptionArn }));
    expect(Attributes).toEqual({
      ConfirmationWasAuthenticated: 'true',
      Endpoint,
      Owner: '000000000000',
      PendingConfirmation: 'false',
      Protocol: 'sqs',
      RawMessageDelivery: 'true',
      SubscriptionArn,
      SubscriptionPrincipal: 'arn:aws:iam::000000000000:root',
      TopicArn,
    });
    const pending = await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'ops@example.com', ReturnSubscriptionArn: true }));
    expect(pending.SubscriptionArn).toMatch(new RegExp(`^${TopicArn}:`));
    expect((await sns().send(new GetSubscriptionAttributesCommand({ SubscriptionArn: pending.SubscriptionArn }))).Attributes!.PendingConfirmation).toBe('true');
  });

  it('is idempotent for the same endpoint and attributes, and refuses other attributes', async () => {
    const TopicArn = await topic('idempotent');
    const Endpoint = await queueArn('idempotent-queue');
    const first = await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint, Attributes: { RawMessageDelivery: 'true' } }));
    expect((await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint, Attributes: { RawMessageDelivery: 'true' } }))).SubscriptionArn).toBe(first.SubscriptionArn);
    expect((await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint }))).SubscriptionArn).toBe(first.SubscriptionArn);
    await expectAwsError(sns().send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint, Attributes: { RawMessageDelivery: 'false' } })), {
      code: 'InvalidParameter',
      status: 400,
      message: 'Invalid parameter: Attributes Reason: Subscription already exists with different attributes',
    });
  });
});

describe('SNS subscriptions: AWS refuses', () => {
  it('refuses bad protocols, endpoints and attributes, and subscribes nothing', async () => {
    const TopicArn = await topic('refusals');
    const cases: [Record<string, unknown>, string, string][] = [
      [{ Protocol: 'test-protocol', Endpoint: 'x' }, 'InvalidParameter', 'Invalid parameter: Amazon SNS does not support this protocol string: test-protocol'],
      [{ Protocol: 'http', Endpoint: 'https://example.com' }, 'InvalidParameter', 'Invalid parameter: Endpoint must match the specified protocol'],
      [{ Protocol: 'sqs', Endpoint: 'http://localhost/000000000000/q' }, 'InvalidParameter', 'Invalid parameter: SQS endpoint ARN'],
      [
        { Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:000000000000:q.fifo' },
        'InvalidParameter',
        'Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics',
      ],
      [{ Protocol: 'sms', Endpoint: 'invalid-number' }, 'InvalidParameter', 'Invalid SMS endpoint: invalid-number'],
      [
        { Protocol: 'email', Endpoint: 'a@b.c', Attributes: { RawMessageDelivery: 'wrongvalue' } },
        'InvalidParameter',
        'Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [wrongvalue]. Must be true or false.',
      ],
      [{ Protocol: 'email', Endpoint: 'a@b.c', Attributes: { FilterPolicy: 'invalid' } }, 'InvalidParameter', 'Invalid parameter: Attributes Reason: FilterPolicy: failed to parse JSON.'],
      [
        { Protocol: 'email', Endpoint: 'a@b.c', Attributes: { FilterPolicyScope: 'RandomValue' } },
        'InvalidParameter',
        'Invalid parameter: Attributes Reason: FilterPolicyScope: Invalid value [RandomValue]. Please use either MessageBody or MessageAttributes',
      ],
      [
        { Protocol: 'email', Endpoint: 'a@b.c', Attributes: { FilterPolicy: '{"key":[{"wrong-operator":true}]}' } },
        'InvalidParameter',
        'Invalid parameter: Attributes Reason: FilterPolicy: Unrecognized match type wrong-operator',
      ],
      [
        { Protocol: 'email', Endpoint: 'a@b.c', Attributes: { RedrivePolicy: '{"deadLetterTargetArn":"fake"}' } },
        'InvalidParameter',
        'Invalid parameter: Attributes Reason: RedrivePolicy: deadLetterTargetArn is an invalid arn',
      ],
      [{ Protocol: 'lambda', Endpoint: 'arn:aws:lambda:us-east-1:000000000000:function:f', Attributes: { RawMessageDelivery: 'true' } }, 'InvalidParameter', 'does not support raw message delivery'],
      [{ Protocol: 'application', Endpoint: 'arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app/1' }, 'NotImplemented', 'not implemented'],
    ];
    for (const [input, code, message] of cases) {
      await expectAwsError(sns().send(new SubscribeCommand({ TopicArn, ...(input as { Protocol: string }) })), { code, status: code === 'NotImplemented' ? 501 : 400, message });
    }
    const fifo = (await sns().send(new CreateTopicCommand({ Name: 'refusals.fifo', Attributes: { FifoTopic: 'true' } }))).TopicArn;
    await expectAwsError(sns().send(new SubscribeCommand({ TopicArn: fifo, Protocol: 'sms', Endpoint: '+15551234567' })), {
      code: 'InvalidParameter',
      status: 400,
      message: 'Invalid parameter: Invalid protocol type: sms',
    });
    await expectAwsError(sns().send(new SubscribeCommand({ TopicArn: `${TopicArn}-missing`, Protocol: 'email', Endpoint: 'a@b.c' })), {
      code: 'NotFound',
      status: 404,
      message: 'Topic does not exist',
    });
    expect((await sns().send(new ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions).toEqual([]);
    expect(await outbox(server.url, 'a@b.c')).toEqual([]);
  });

  it('sets and checks subscription attributes', async () => {
    const TopicArn = await topic('attributes');
    const { SubscriptionArn } = await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: await queueArn('attributes-queue') }));
    const set = (AttributeName: string, AttributeValue: string) => sns().send(new SetSubscriptionAttributesCommand({ SubscriptionArn, AttributeName, AttributeValue }));
    await set('FilterPolicyScope', 'MessageBody');
    await set('FilterPolicy', JSON.stringify({ object: { key: [{ prefix: 'auto-' }] } }));
    await set('RawMessageDelivery', 'TRUE');
    expect((await sns().send(new GetSubscriptionAttributesCommand({ SubscriptionArn }))).Attributes).toMatchObject({
      FilterPolicy: '{"object":{"key":[{"prefix":"auto-"}]}}',
      FilterPolicyScope: 'MessageBody',
      RawMessageDelivery: 'true',
    });
    await expectAwsError(set('FilterPolicyScope', 'MessageAttributes'), {
      code: 'InvalidParameter',
      status: 400,
      message: 'Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy',
    });
    await expectAwsError(set('Fake', 'x'), { code: 'InvalidParameter', status: 400, message: 'Invalid parameter: AttributeName' });
    await expectAwsError(set('RawMessageDelivery', ''), { code: 'InvalidParameter', status: 400, message: 'Invalid parameter: RawMessageDelivery: Invalid value []. Must be true or false.' });
    await expectAwsError(set('DeliveryPolicy', '{}'), { code: 'InvalidParameter', status: 400 });
    await set('FilterPolicy', '');
    const attributes = (await sns().send(new GetSubscriptionAttributesCommand({ SubscriptionArn }))).Attributes!;
    expect(attributes.FilterPolicy).toBeUndefined();
    expect(attributes.FilterPolicyScope).toBeUndefined();

    await expectAwsError(sns().send(new GetSubscriptionAttributesCommand({ SubscriptionArn: `${TopicArn}:00000000-0000-0000-0000-000000000000` })), {
      code: 'NotFound',
      status: 404,
      message: 'Subscription does not exist',
    });
    await expectAwsError(sns().send(new GetSubscriptionAttributesCommand({ SubscriptionArn: TopicArn })), { code: 'InvalidParameter', status: 400, message: 'Invalid parameter: SubscriptionId' });
  });

  it('unsubscribes idempotently, refuses malformed ARNs, and a deleted topic takes its subscriptions along', async () => {
    const TopicArn = await topic('leaving');
    const { SubscriptionArn } = await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: await queueArn('leaving-queue') }));
    await sns().send(new UnsubscribeCommand({ SubscriptionArn }));
    await sns().send(new UnsubscribeCommand({ SubscriptionArn }));
    await expectAwsError(sns().send(new UnsubscribeCommand({ SubscriptionArn: 'garbage' })), {
      code: 'InvalidParameter',
      status: 400,
      message: 'Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1',
    });
    const again = await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: await queueArn('leaving-queue-2') }));
    await sns().send(new DeleteTopicCommand({ TopicArn }));
    await expectAwsError(sns().send(new GetSubscriptionAttributesCommand({ SubscriptionArn: again.SubscriptionArn })), { code: 'NotFound', status: 404 });
  });

  it('lists the subscriptions of an account and Region in pages of 100', async () => {
    const client = new SNSClient({ ...server.clientConfig, region: 'eu-central-1' });
    const { TopicArn } = await client.send(new CreateTopicCommand({ Name: 'crowded' }));
    for (let i = 0; i < 103; i++) await client.send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: `user${i}@example.com` }));
    const first = await client.send(new ListSubscriptionsCommand({}));
    expect(first.Subscriptions).toHaveLength(100);
    const second = await client.send(new ListSubscriptionsCommand({ NextToken: first.NextToken }));
    expect(second.Subscriptions).toHaveLength(3);
    expect(second.NextToken).toBeUndefined();
    const byTopic = await client.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    expect(byTopic.Subscriptions).toHaveLength(100);
    expect(byTopic.NextToken).toBeDefined();
  });
});
