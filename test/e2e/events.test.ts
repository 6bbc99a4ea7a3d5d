/**
 * EventBridge end to end with the real SDK client: buses and their policies, rules and targets
 * with AWS's errors, PutEvents limits and per-entry errors, TestEventPattern, and events really
 * delivered to SQS queues (queue policies decide), with input transformation, dead-letter queues,
 * schedules on the clock, service events on the default bus, archives and replays.
 */
import {
  CreateArchiveCommand,
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  DescribeEventBusCommand,
  DescribeReplayCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListRuleNamesByTargetCommand,
  ListRulesCommand,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutPermissionCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemovePermissionCommand,
  RemoveTargetsCommand,
  StartReplayCommand,
  TagResourceCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SetTopicAttributesCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, type Message, ReceiveMessageCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';

const server = useServer();
const ACCOUNT = '000000000000';
const OTHER = '111111111111';

const eb = () => new EventBridgeClient(server.clientConfig);
const sqs = () => new SQSClient(server.clientConfig);
const other = () => new EventBridgeClient({ ...server.clientConfig, credentials: { accessKeyId: OTHER, secretAccessKey: 'test' } });

/** A queue whose policy lets EventBridge send to it (for rules whose ARN starts with `rulePrefix`), with its ARN and URL. */
async function queue(name: string, allowEvents = true): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs().send(new CreateQueueCommand({ QueueName: name, Attributes: name.endsWith('.fifo') ? { FifoQueue: 'true' } : {} }));
  const arn = `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;
  if (allowEvents) {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: arn,
          Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:events:us-east-1:${ACCOUNT}:rule/*` } },
        },
      ],
    };
    await sqs().send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: JSON.stringify(policy) } }));
  }
  return { url: QueueUrl!, arn };
}

/** Messages on a queue, waiting (on the real clock, briefly) for `count` of them: deliveries are asynchronous jobs. */
async function receive(url: string, count = 1, timeoutMs = 5_000): Promise<Message[]> {
  const out: Message[] = [];
  const until = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < until) {
    const { Messages } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }));
    out.push(...(Messages ?? []));
  }
  return out;
}

describe('event buses', () => {
  it('creates, describes, lists and deletes custom buses; the default bus always exists', async () => {
    const created = await eb().send(new CreateEventBusCommand({ Name: 'orders', Description: 'order events' }));
    expect(created.EventBusArn).toBe(`arn:aws:events:us-east-1:${ACCOUNT}:event-bus/orders`);
    const described = await eb().send(new DescribeEventBusCommand({ Name: 'orders' }));
    expect(described).toMatchObject({ Name: 'orders', Arn: created.EventBusArn, Description: 'order events' });
    const names = (await eb().send(new ListEventBusesCommand({}))).EventBuses!.map((b) => b.Name);
    expect(names).toEqual(expect.arrayContaining(['default', 'orders']));
    expect((await eb().send(new DescribeEventBusCommand({}))).Name).toBe('default');
    await expectAwsError(eb().send(new CreateEventBusCommand({ Name: 'orders' })), { code: 'ResourceAlreadyExistsException', status: 400, message: 'Event bus orders already exists.' });
    await expectAwsError(eb().send(new DeleteEventBusCommand({ Name: 'default' })), { code: 'ValidationException', status: 400, message: 'Cannot delete event bus default.' });
    await eb().send(new DeleteEventBusCommand({ Name: 'orders' }));
    await expectAwsError(eb().send(new DescribeEventBusCommand({ Name: 'orders' })), { code: 'ResourceNotFoundException', status: 400, message: 'Event bus orders does not exist.' });
  });

  it('keeps PutPermission statements as the bus policy and removes them by id', async () => {
    await eb().send(new CreateEventBusCommand({ Name: 'shared' }));
    await eb().send(new PutPermissionCommand({ EventBusName: 'shared', Action: 'events:PutEvents', Principal: OTHER, StatementId: 'other' }));
    const policy = JSON.parse((await eb().send(new DescribeEventBusCommand({ Name: 'shared' }))).Policy!);
    expect(policy.Statement).toEqual([
      { Sid: 'other', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: 'events:PutEvents', Resource: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/shared` },
    ]);
    await expectAwsError(eb().send(new RemovePermissionCommand({ EventBusName: 'shared', StatementId: 'nope' })), {
      code: 'ResourceNotFoundException',
      status: 400,
      message: 'Statement with the provided id does not exist.',
    });
    await eb().send(new RemovePermissionCommand({ EventBusName: 'shared', StatementId: 'other' }));
    expect((await eb().send(new DescribeEventBusCommand({ Name: 'shared' }))).Policy).toBeUndefined();
  });
});

describe('rules and targets', () => {
  it('puts, describes, lists, disables and deletes rules', async () => {
    const pattern = JSON.stringify({ source: ['app.orders'] });
    const { RuleArn } = await eb().send(new PutRuleCommand({ Name: 'orders-rule', EventPattern: pattern, Tags: [{ Key: 'team', Value: 'a' }] }));
    expect(RuleArn).toBe(`arn:aws:events:us-east-1:${ACCOUNT}:rule/orders-rule`);
    expect(await eb().send(new DescribeRuleCommand({ Name: 'orders-rule' }))).toMatchObject({
      Name: 'orders-rule',
      EventPattern: pattern,
      State: 'ENABLED',
      EventBusName: 'default',
      CreatedBy: ACCOUNT,
    });
    await eb().send(new DisableRuleCommand({ Name: 'orders-rule' }));
    expect((await eb().send(new DescribeRuleCommand({ Name: 'orders-rule' }))).State).toBe('DISABLED');
    expect((await eb().send(new ListRulesCommand({ NamePrefix: 'orders-' }))).Rules!.map((r) => r.Name)).toEqual(['orders-rule']);
    expect((await eb().send(new ListTagsForResourceCommand({ ResourceARN: RuleArn }))).Tags).toEqual([{ Key: 'team', Value: 'a' }]);
    await eb().send(new TagResourceCommand({ ResourceARN: RuleArn, Tags: [{ Key: 'env', Value: 'dev' }] }));
    expect((await eb().send(new ListTagsForResourceCommand({ ResourceARN: RuleArn }))).Tags).toHaveLength(2);
    await eb().send(new PutTargetsCommand({ Rule: 'orders-rule', Targets: [{ Id: 'q', Arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:somewhere` }] }));
    await expectAwsError(eb().send(new DeleteRuleCommand({ Name: 'orders-rule' })), { code: 'ValidationException', status: 400, message: "Rule can't be deleted since it has targets." });
    expect((await eb().send(new ListRuleNamesByTargetCommand({ TargetArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:somewhere` }))).RuleNames).toEqual(['orders-rule']);
    await eb().send(new DeleteRuleCommand({ Name: 'orders-rule', Force: true }));
    await expectAwsError(eb().send(new DescribeRuleCommand({ Name: 'orders-rule' })), {
      code: 'ResourceNotFoundException',
      status: 400,
      message: 'Rule orders-rule does not exist on EventBus default.',
    });
  });

  it('refuses bad patterns, schedules and targets with AWS errors and writes nothing', async () => {
    await expectAwsError(eb().send(new PutRuleCommand({ Name: 'bad', EventPattern: '{"source": "aws.ec2"}' })), {
      code: 'InvalidEventPatternException',
      status: 400,
      message: 'Event pattern is not valid. Reason: "source" must be an object or an array\n at [Source: (String)"{"source": "aws.ec2"}"; line: 1, column: 13]',
    });
    for (const expression of ['rate(1 minutes)', 'rate(5 minute)', 'rate(0 hours)', 'cron(0 10 * * * *)', 'cron(0 10 * *)', 'cron(61 * * * ? *)', 'every hour']) {
      await expectAwsError(eb().send(new PutRuleCommand({ Name: 'bad', ScheduleExpression: expression })), {
        code: 'ValidationException',
        status: 400,
        message: 'Parameter ScheduleExpression is not valid.',
      });
    }
    await expectAwsError(eb().send(new PutRuleCommand({ Name: 'bad' })), { code: 'ValidationException', status: 400 });
    await eb().send(new CreateEventBusCommand({ Name: 'custom' }));
    await expectAwsError(eb().send(new PutRuleCommand({ Name: 'bad', EventBusName: 'custom', ScheduleExpression: 'rate(1 hour)' })), {
      code: 'ValidationException',
      status: 400,
      message: 'ScheduleExpression is supported only on the default event bus.',
    });
    await expectAwsError(eb().send(new PutRuleCommand({ Name: 'bad', EventBusName: 'missing', EventPattern: '{"source": ["x"]}' })), {
      code: 'ResourceNotFoundException',
      status: 400,
      message: 'Event bus missing does not exist.',
    });
    expect((await eb().send(new ListRulesCommand({ NamePrefix: 'bad' }))).Rules).toEqual([]);
    await eb().send(new PutRuleCommand({ Name: 'fifo-rule', EventPattern: '{"source": ["x"]}' }));
    await expectAwsError(eb().send(new PutTargetsCommand({ Rule: 'fifo-rule', Targets: [{ Id: 'f', Arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:q.fifo` }] })), {
      code: 'ValidationException',
      status: 400,
      message: 'Parameter(s) SqsParameters must be specified for target: f.',
    });
    await expectAwsError(eb().send(new PutTargetsCommand({ Rule: 'missing', Targets: [{ Id: 'f', Arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:q` }] })), { code: 'ResourceNotFoundException', status: 400 });
    expect((await eb().send(new ListTargetsByRuleCommand({ Rule: 'fifo-rule' }))).Targets).toEqual([]);
  });
});

describe('PutEvents and TestEventPattern', () => {
  it('answers per-entry errors and refuses requests over 256 KB', async () => {
    const out = await eb().send(
      new PutEventsCommand({
        Entries: [
          { Source: 'app', DetailType: 't', Detail: '{"ok":true}' },
          { DetailType: 't', Detail: '{}' },
          { Source: 'app', Detail: '{}' },
          { Source: 'app', DetailType: 't' },
          { Source: 'app', DetailType: 't', Detail: 'not json' },
          { Source: 'aws.ec2', DetailType: 't', Detail: '{}' },
          { Source: 'app', DetailType: 't', Detail: '{}', EventBusName: 'nowhere' },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(6);
    expect(out.Entries![0]!.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.Entries!.slice(1)).toEqual([
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.' },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.' },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' },
      { ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'Event bus nowhere does not exist.' },
    ]);
    const big = JSON.stringify({ data: 'x'.repeat(140_000) });
    await expectAwsError(
      eb().send(
        new PutEventsCommand({
          Entries: [
            { Source: 'app', DetailType: 't', Detail: big },
            { Source: 'app', DetailType: 't', Detail: big },
          ],
        }),
      ),
      { code: 'ValidationException', status: 400, message: 'Total size of the entries in the request is over the limit.' },
    );
  });

  it('tests patterns against events', async () => {
    const event = JSON.stringify({ id: '1', account: ACCOUNT, source: 'aws.ec2', time: '2024-01-01T00:00:00Z', region: 'us-east-1', resources: [], 'detail-type': 'x', detail: { n: 7 } });
    expect((await eb().send(new TestEventPatternCommand({ EventPattern: '{"detail": {"n": [{"numeric": [">", 5]}]}}', Event: event }))).Result).toBe(true);
    expect((await eb().send(new TestEventPatternCommand({ EventPattern: '{"detail": {"n": [{"numeric": ["<", 5]}]}}', Event: event }))).Result).toBe(false);
    await expectAwsError(eb().send(new TestEventPatternCommand({ EventPattern: '{"a": ["b"]}', Event: '"plain string"' })), {
      code: 'ValidationException',
      status: 400,
      message: 'Parameter Event is not valid.',
    });
    await expectAwsError(eb().send(new TestEventPatternCommand({ EventPattern: '{"a": [{"wildcard": 1}]}', Event: event })), { code: 'InvalidEventPatternException', status: 400 });
  });
});

describe('delivery', () => {
  it('delivers matching events to an SQS queue whose policy allows EventBridge, transformed by the target', async () => {
    const q = await queue('deliveries');
    await eb().send(new PutRuleCommand({ Name: 'to-sqs', EventPattern: JSON.stringify({ source: ['app.orders'], detail: { total: [{ numeric: ['>', 100] }] } }) }));
    await eb().send(
      new PutTargetsCommand({
        Rule: 'to-sqs',
        Targets: [
          { Id: 'whole', Arn: q.arn },
          {
            Id: 'shaped',
            Arn: q.arn,
            InputTransformer: { InputPathsMap: { id: '$.detail.id', total: '$.detail.total' }, InputTemplate: '{"order": "<id>", "total": <total>, "rule": "<aws.events.rule-name>"}' },
          },
        ],
      }),
    );
    await eb().send(
      new PutEventsCommand({
        Entries: [
          { Source: 'app.orders', DetailType: 'Order', Detail: JSON.stringify({ id: 'o-1', total: 250 }) },
          { Source: 'app.orders', DetailType: 'Order', Detail: JSON.stringify({ id: 'o-2', total: 5 }) },
        ],
      }),
    );
    const bodies = (await receive(q.url, 2)).map((m) => JSON.parse(m.Body!));
    expect(bodies).toHaveLength(2);
    expect(bodies).toContainEqual({ order: 'o-1', total: 250, rule: 'to-sqs' });
    expect(bodies).toContainEqual(expect.objectContaining({ source: 'app.orders', 'detail-type': 'Order', account: ACCOUNT, detail: { id: 'o-1', total: 250 } }));
  });

  it('sends events a queue policy refuses to the dead-letter queue with AWS error attributes', async () => {
    const closed = await queue('closed', false);
    const dlq = await queue('dead-letters');
    await eb().send(new PutRuleCommand({ Name: 'to-closed', EventPattern: JSON.stringify({ source: ['app.closed'] }) }));
    await eb().send(new PutTargetsCommand({ Rule: 'to-closed', Targets: [{ Id: 'c', Arn: closed.arn, DeadLetterConfig: { Arn: dlq.arn } }] }));
    await eb().send(new PutEventsCommand({ Entries: [{ Source: 'app.closed', DetailType: 'x', Detail: '{}' }] }));
    const [message] = await receive(dlq.url);
    expect(JSON.parse(message!.Body!)).toMatchObject({ source: 'app.closed' });
    const attributes = Object.fromEntries(Object.entries(message!.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]));
    expect(attributes).toMatchObject({ RULE_ARN: `arn:aws:events:us-east-1:${ACCOUNT}:rule/to-closed`, TARGET_ARN: closed.arn, ERROR_CODE: 'NO_PERMISSIONS', RETRY_ATTEMPTS: '0' });
    expect(await receive(closed.url, 1, 500)).toEqual([]);
  });

  it('fires a rate(1 hour) schedule when Drydock time moves an hour', async () => {
    const q = await queue('ticks');
    await eb().send(new PutRuleCommand({ Name: 'hourly', ScheduleExpression: 'rate(1 hour)' }));
    await eb().send(new PutTargetsCommand({ Rule: 'hourly', Targets: [{ Id: 't', Arn: q.arn }] }));
    expect(await receive(q.url, 1, 300)).toEqual([]);
    await server.advanceClock(3_600_000);
    const [tick] = await receive(q.url);
    expect(JSON.parse(tick!.Body!)).toMatchObject({ source: 'aws.events', 'detail-type': 'Scheduled Event', resources: [`arn:aws:events:us-east-1:${ACCOUNT}:rule/hourly`], detail: {} });
    await eb().send(new DeleteRuleCommand({ Name: 'hourly', Force: true }));
  });

  it('routes events Drydock services publish (SSM Parameter Store Change) on the default bus', async () => {
    const q = await queue('parameters');
    await eb().send(new PutRuleCommand({ Name: 'ssm-changes', EventPattern: JSON.stringify({ source: ['aws.ssm'], 'detail-type': ['Parameter Store Change'] }) }));
    await eb().send(new PutTargetsCommand({ Rule: 'ssm-changes', Targets: [{ Id: 'q', Arn: q.arn, InputPath: '$.detail' }] }));
    await new SSMClient(server.clientConfig).send(new PutParameterCommand({ Name: '/app/flag', Value: 'on', Type: 'String' }));
    const [message] = await receive(q.url);
    expect(JSON.parse(message!.Body!)).toMatchObject({ name: '/app/flag', operation: 'Create' });
  });

  it('accepts PutEvents from another account only once the bus policy allows it', async () => {
    await eb().send(new CreateEventBusCommand({ Name: 'partners' }));
    const q = await queue('partners-q');
    await eb().send(new PutRuleCommand({ Name: 'from-partners', EventBusName: 'partners', EventPattern: JSON.stringify({ account: [OTHER] }) }));
    await eb().send(new PutTargetsCommand({ Rule: 'from-partners', EventBusName: 'partners', Targets: [{ Id: 'q', Arn: q.arn }] }));
    const busArn = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/partners`;
    const send = () => other().send(new PutEventsCommand({ Entries: [{ Source: 'partner.app', DetailType: 'x', Detail: '{"n":1}', EventBusName: busArn }] }));
    await expectAwsError(send(), { code: 'AccessDeniedException', status: 400 });
    await eb().send(new PutPermissionCommand({ EventBusName: 'partners', Action: 'events:PutEvents', Principal: OTHER, StatementId: 'partner' }));
    expect((await send()).FailedEntryCount).toBe(0);
    const [message] = await receive(q.url);
    expect(JSON.parse(message!.Body!)).toMatchObject({ account: OTHER, source: 'partner.app' });
  });

  it('archives events and replays them onto their bus with replay-name', async () => {
    await eb().send(new CreateEventBusCommand({ Name: 'replayed' }));
    const busArn = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/replayed`;
    const { ArchiveArn } = await eb().send(new CreateArchiveCommand({ ArchiveName: 'all', EventSourceArn: busArn }));
    // Drydock's clock may have been moved forward by other tests: the window is wide.
    const start = new Date(Date.now() - 86_400_000);
    await eb().send(new PutEventsCommand({ Entries: [{ Source: 'app.r', DetailType: 'x', Detail: '{"n":1}', EventBusName: 'replayed' }] }));
    const q = await queue('replays');
    await eb().send(new PutRuleCommand({ Name: 'r', EventBusName: 'replayed', EventPattern: JSON.stringify({ source: ['app.r'] }) }));
    await eb().send(new PutTargetsCommand({ Rule: 'r', EventBusName: 'replayed', Targets: [{ Id: 'q', Arn: q.arn }] }));
    await eb().send(
      new StartReplayCommand({ ReplayName: 'again', EventSourceArn: ArchiveArn, EventStartTime: start, EventEndTime: new Date(Date.now() + 2 * 86_400_000), Destination: { Arn: busArn } }),
    );
    const [message] = await receive(q.url);
    expect(JSON.parse(message!.Body!)).toMatchObject({ source: 'app.r', 'replay-name': 'again', detail: { n: 1 } });
    expect((await eb().send(new DescribeReplayCommand({ ReplayName: 'again' }))).State).toBe('COMPLETED');
    await expectAwsError(
      eb().send(new StartReplayCommand({ ReplayName: 'x', EventSourceArn: ArchiveArn, EventStartTime: new Date(2000), EventEndTime: new Date(1000), Destination: { Arn: busArn } })),
      { code: 'ValidationException', status: 400, message: 'Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.' },
    );
    await eb().send(new RemoveTargetsCommand({ Rule: 'r', EventBusName: 'replayed', Ids: ['q'] }));
  });
});

describe('delivery to SNS', () => {
  it('publishes matching events to a topic whose policy allows EventBridge, fanned out to its SQS subscription', async () => {
    const sns = new SNSClient(server.clientConfig);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'alerts' }));
    const topicPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish', Resource: TopicArn }] };
    await sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: 'Policy', AttributeValue: JSON.stringify(topicPolicy) }));
    const q = await queue('alerts-q', false);
    const queuePolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: q.arn }] };
    await sqs().send(new SetQueueAttributesCommand({ QueueUrl: q.url, Attributes: { Policy: JSON.stringify(queuePolicy) } }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: q.arn, Attributes: { RawMessageDelivery: 'true' } }));
    await eb().send(new PutRuleCommand({ Name: 'to-sns', EventPattern: JSON.stringify({ source: ['app.alerts'] }) }));
    await eb().send(new PutTargetsCommand({ Rule: 'to-sns', Targets: [{ Id: 't', Arn: TopicArn, Input: '{"alert":"disk full"}' }] }));
    await eb().send(new PutEventsCommand({ Entries: [{ Source: 'app.alerts', DetailType: 'x', Detail: '{}' }] }));
    const [message] = await receive(q.url);
    expect(JSON.parse(message!.Body!)).toEqual({ alert: 'disk full' });
  });
});
