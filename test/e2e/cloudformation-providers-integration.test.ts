/**
 * The SQS, SNS, CloudWatch Logs and EventBridge resource providers through real stacks: each
 * resource checked through its own service's client (and, for the rule and the topic, by a real
 * delivery), the stack's Outputs (Ref and GetAtt as AWS documents them), updates in place
 * (visibility timeout, display name, retention, rule state, filter policy), replacement (a queue
 * given a name: new URL, subscription replaced with it, old queue gone after cleanup) and
 * deletion (everything gone but the retained queue).
 */
import { CloudFormationClient, CreateStackCommand, DeleteStackCommand, DetectStackResourceDriftCommand, type Output, type Stack, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DescribeLogGroupsCommand, DescribeLogStreamsCommand, DescribeMetricFiltersCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeArchiveCommand, DescribeEventBusCommand, DescribeRuleCommand, EnableRuleCommand, EventBridgeClient, ListTargetsByRuleCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSubscriptionAttributesCommand, GetTopicAttributesCommand, ListSubscriptionsByTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, GetQueueUrlCommand, ListQueueTagsCommand, ReceiveMessageCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { eventLog, resourcesOf, settled } from './cloudformation-helpers.js';

const server = useServer();
const cfn = () => new CloudFormationClient(server.clientConfig);
const sqs = () => new SQSClient(server.clientConfig);
const sns = () => new SNSClient(server.clientConfig);
const logs = () => new CloudWatchLogsClient(server.clientConfig);
const events = () => new EventBridgeClient(server.clientConfig);
const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const STACK = 'cfn-int';

interface Options {
  visibility?: number;
  displayName?: string;
  retention?: number;
  ruleState?: 'ENABLED' | 'DISABLED';
  filterKinds?: string[];
  inboxName?: string;
}

function template(options: Options = {}): string {
  const getAtt = (logicalId: string, attribute: string) => ({ 'Fn::GetAtt': [logicalId, attribute] });
  const sendFrom = (service: string) => ({ Effect: 'Allow', Principal: { Service: service }, Action: 'sqs:SendMessage', Resource: '*' });
  const resources = {
    DeadLetters: { Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: 1209600 } },
    Queue: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        VisibilityTimeout: options.visibility ?? 45,
        RedrivePolicy: { deadLetterTargetArn: getAtt('DeadLetters', 'Arn'), maxReceiveCount: 3 },
        Tags: [{ Key: 'team', Value: 'messaging' }],
      },
    },
    Ordered: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true, ContentBasedDeduplication: true } },
    Inbox: { Type: 'AWS::SQS::Queue', Properties: options.inboxName ? { QueueName: options.inboxName } : {} },
    Kept: { Type: 'AWS::SQS::Queue', DeletionPolicy: 'Retain', Properties: { QueueName: 'cfn-int-kept' } },
    QueuePolicy: {
      Type: 'AWS::SQS::QueuePolicy',
      Properties: { Queues: [{ Ref: 'Queue' }, { Ref: 'Inbox' }], PolicyDocument: { Version: '2012-10-17', Statement: [sendFrom('sns.amazonaws.com'), sendFrom('events.amazonaws.com')] } },
    },
    Topic: {
      Type: 'AWS::SNS::Topic',
      Properties: { DisplayName: options.displayName ?? 'Alerts', Subscription: [{ Protocol: 'sqs', Endpoint: getAtt('Queue', 'Arn') }], Tags: [{ Key: 'team', Value: 'alerts' }] },
    },
    OrderedTopic: { Type: 'AWS::SNS::Topic', Properties: { FifoTopic: true, ContentBasedDeduplication: true } },
    Subscription: {
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: { Ref: 'Topic' }, Protocol: 'sqs', Endpoint: getAtt('Inbox', 'Arn'), RawMessageDelivery: true, FilterPolicy: { kind: options.filterKinds ?? ['a'] } },
    },
    TopicPolicy: {
      Type: 'AWS::SNS::TopicPolicy',
      Properties: {
        Topics: [{ Ref: 'Topic' }],
        PolicyDocument: { Version: '2012-10-17', Statement: [{ Sid: 'events', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish', Resource: { Ref: 'Topic' } }] },
      },
    },
    LogGroup: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: options.retention ?? 7, Tags: [{ Key: 'team', Value: 'ops' }] } },
    Stream: { Type: 'AWS::Logs::LogStream', Properties: { LogGroupName: { Ref: 'LogGroup' }, LogStreamName: 'app' } },
    Errors: {
      Type: 'AWS::Logs::MetricFilter',
      Properties: {
        LogGroupName: { Ref: 'LogGroup' },
        FilterPattern: '{ $.level = "ERROR" }',
        MetricTransformations: [{ MetricName: 'Errors', MetricNamespace: 'App', MetricValue: '1', Dimensions: [{ Key: 'Service', Value: '$.service' }] }],
      },
    },
    Rule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventPattern: { source: ['cfn.test'] },
        State: options.ruleState ?? 'ENABLED',
        Targets: [
          {
            Id: 'queue',
            Arn: getAtt('Queue', 'Arn'),
            InputTransformer: { InputPathsMap: { kind: '$.detail.kind' }, InputTemplate: '"kind is <kind>"' },
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 600 },
            DeadLetterConfig: { Arn: getAtt('DeadLetters', 'Arn') },
          },
        ],
      },
    },
    Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'cfn-int-bus', Description: 'stack bus' } },
    BusRule: { Type: 'AWS::Events::Rule', Properties: { Name: 'on-bus', EventBusName: { Ref: 'Bus' }, EventPattern: '{"source":["cfn.bus"]}' } },
    BusPolicy: { Type: 'AWS::Events::EventBusPolicy', Properties: { EventBusName: { Ref: 'Bus' }, StatementId: 'partner', Action: 'events:PutEvents', Principal: '111111111111' } },
    Archive: { Type: 'AWS::Events::Archive', Properties: { SourceArn: getAtt('Bus', 'Arn'), RetentionDays: 3, EventPattern: { source: ['cfn.bus'] } } },
  };
  const outputs: Record<string, unknown> = {
    QueueRef: { Ref: 'Queue' },
    QueueArn: getAtt('Queue', 'Arn'),
    QueueName: getAtt('Queue', 'QueueName'),
    QueueUrl: getAtt('Queue', 'QueueUrl'),
    OrderedName: getAtt('Ordered', 'QueueName'),
    InboxRef: { Ref: 'Inbox' },
    QueuePolicyRef: { Ref: 'QueuePolicy' },
    TopicRef: { Ref: 'Topic' },
    TopicArn: getAtt('Topic', 'TopicArn'),
    TopicName: getAtt('Topic', 'TopicName'),
    OrderedTopicName: getAtt('OrderedTopic', 'TopicName'),
    SubscriptionRef: { Ref: 'Subscription' },
    TopicPolicyRef: { Ref: 'TopicPolicy' },
    LogGroupRef: { Ref: 'LogGroup' },
    LogGroupArn: getAtt('LogGroup', 'Arn'),
    StreamRef: { Ref: 'Stream' },
    ErrorsRef: { Ref: 'Errors' },
    RuleRef: { Ref: 'Rule' },
    RuleArn: getAtt('Rule', 'Arn'),
    BusRuleRef: { Ref: 'BusRule' },
    BusRef: { Ref: 'Bus' },
    BusArn: getAtt('Bus', 'Arn'),
    ArchiveRef: { Ref: 'Archive' },
    ArchiveArn: getAtt('Archive', 'Arn'),
  };
  return JSON.stringify({ Resources: resources, Outputs: Object.fromEntries(Object.entries(outputs).map(([key, value]) => [key, { Value: value }])) });
}

const outputsOf = (outputs: Output[] | undefined): Record<string, string> => Object.fromEntries((outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));

async function expectStatus(stackName: string, status: string): Promise<Stack> {
  const stack = await settled(cfn(), stackName, 60_000);
  const failures = (await eventLog(cfn(), stack.StackId!)).filter(([, state, reason]) => state.endsWith('_FAILED') || reason);
  expect(stack.StackStatus, JSON.stringify(failures)).toBe(status);
  return stack;
}

/** The bodies of the messages waiting in the queue (the topic's own subscription also feeds the rule's queue). */
async function received(queueUrl: string): Promise<string[]> {
  const { Messages } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 5, MaxNumberOfMessages: 10 }));
  return (Messages ?? []).map((message) => message.Body ?? '');
}

describe('CloudFormation SQS, SNS, Logs and EventBridge providers', () => {
  it('creates each resource, with Ref and GetAtt as AWS documents them', async () => {
    await cfn().send(new CreateStackCommand({ StackName: STACK, TemplateBody: template() }));
    const out = outputsOf((await expectStatus(STACK, 'CREATE_COMPLETE')).Outputs);

    // SQS: Ref and QueueUrl are the URL; generated names, FIFO ones ending in .fifo.
    expect(out.QueueName).toMatch(/^cfn-int-Queue-[A-Z0-9]{12}$/);
    expect(out.QueueRef).toBe(out.QueueUrl);
    expect(out.QueueUrl).toBe((await sqs().send(new GetQueueUrlCommand({ QueueName: out.QueueName }))).QueueUrl);
    expect(out.QueueArn).toBe(`arn:aws:sqs:${REGION}:${ACCOUNT}:${out.QueueName}`);
    expect(out.OrderedName).toMatch(/^cfn-int-Ordered-[A-Z0-9]{12}\.fifo$/);
    const attributes = (await sqs().send(new GetQueueAttributesCommand({ QueueUrl: out.QueueUrl, AttributeNames: ['All'] }))).Attributes!;
    expect(attributes.VisibilityTimeout).toBe('45');
    expect(JSON.parse(attributes.RedrivePolicy!)).toMatchObject({ deadLetterTargetArn: expect.stringMatching(/:cfn-int-DeadLetters-[A-Z0-9]{12}$/), maxReceiveCount: 3 });
    expect(JSON.parse(attributes.Policy!).Statement).toHaveLength(2);
    expect((await sqs().send(new ListQueueTagsCommand({ QueueUrl: out.QueueUrl }))).Tags).toEqual({ team: 'messaging' });
    const ordered = await sqs().send(new GetQueueUrlCommand({ QueueName: out.OrderedName }));
    expect((await sqs().send(new GetQueueAttributesCommand({ QueueUrl: ordered.QueueUrl, AttributeNames: ['ContentBasedDeduplication'] }))).Attributes).toEqual({
      ContentBasedDeduplication: 'true',
    });
    expect(out.QueuePolicyRef).toMatch(/^cfn-int-QueuePolicy-[A-Z0-9]{12}$/);

    // SNS: Ref and TopicArn are the ARN; the inline subscription, the filtered raw subscription, the topic policy.
    expect(out.TopicRef).toBe(out.TopicArn);
    expect(out.TopicArn).toBe(`arn:aws:sns:${REGION}:${ACCOUNT}:${out.TopicName}`);
    expect(out.TopicName).toMatch(/^cfn-int-Topic-[A-Z0-9]{12}$/);
    expect(out.OrderedTopicName).toMatch(/^cfn-int-OrderedTopic-[A-Z0-9]{12}\.fifo$/);
    const topic = (await sns().send(new GetTopicAttributesCommand({ TopicArn: out.TopicArn }))).Attributes!;
    expect(topic.DisplayName).toBe('Alerts');
    expect(JSON.parse(topic.Policy!).Statement).toEqual([expect.objectContaining({ Sid: 'events', Action: 'sns:Publish' })]);
    const subscriptions = (await sns().send(new ListSubscriptionsByTopicCommand({ TopicArn: out.TopicArn }))).Subscriptions!;
    expect(subscriptions.map((s) => s.Endpoint).sort()).toEqual([out.QueueArn, expect.stringMatching(/:cfn-int-Inbox-[A-Z0-9]{12}$/)].sort());
    expect(out.SubscriptionRef).toMatch(new RegExp(`^${out.TopicArn}:[0-9a-f-]{36}$`));
    const subscription = (await sns().send(new GetSubscriptionAttributesCommand({ SubscriptionArn: out.SubscriptionRef }))).Attributes!;
    expect([subscription.RawMessageDelivery, JSON.parse(subscription.FilterPolicy!)]).toEqual(['true', { kind: ['a'] }]);
    expect(out.TopicPolicyRef).toMatch(/^cfn-int-TopicPolicy-[A-Z0-9]{12}$/);
    await sns().send(new PublishCommand({ TopicArn: out.TopicArn, Message: 'hello', MessageAttributes: { kind: { DataType: 'String', StringValue: 'a' } } }));
    expect(await received(out.InboxRef)).toEqual(['hello']);

    // Logs: Ref is the group's name, Arn ends in :*; the stream and the metric filter are named as given / generated.
    expect(out.LogGroupRef).toMatch(/^cfn-int-LogGroup-[A-Z0-9]{12}$/);
    expect(out.LogGroupArn).toBe(`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${out.LogGroupRef}:*`);
    const groups = (await logs().send(new DescribeLogGroupsCommand({ logGroupNamePrefix: out.LogGroupRef }))).logGroups!;
    expect(groups.map((g) => [g.logGroupName, g.retentionInDays])).toEqual([[out.LogGroupRef, 7]]);
    expect(out.StreamRef).toBe('app');
    expect((await logs().send(new DescribeLogStreamsCommand({ logGroupName: out.LogGroupRef }))).logStreams?.map((s) => s.logStreamName)).toEqual(['app']);
    expect(out.ErrorsRef).toMatch(/^cfn-int-Errors-[A-Z0-9]{12}$/);
    const filters = (await logs().send(new DescribeMetricFiltersCommand({ logGroupName: out.LogGroupRef }))).metricFilters!;
    expect(filters.map((f) => [f.filterName, f.filterPattern, f.metricTransformations?.[0]?.dimensions])).toEqual([[out.ErrorsRef, '{ $.level = "ERROR" }', { Service: '$.service' }]]);

    // EventBridge: a default-bus rule's Ref is its name, a custom bus's rule is <bus>|<name>; the bus, its policy and the archive.
    expect(out.RuleRef).toMatch(/^cfn-int-Rule-[A-Z0-9]{12}$/);
    expect(out.RuleArn).toBe(`arn:aws:events:${REGION}:${ACCOUNT}:rule/${out.RuleRef}`);
    const targets = (await events().send(new ListTargetsByRuleCommand({ Rule: out.RuleRef }))).Targets!;
    expect(targets).toEqual([expect.objectContaining({ Id: 'queue', Arn: out.QueueArn, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 600 } })]);
    expect(out.BusRuleRef).toBe('cfn-int-bus|on-bus');
    expect((await events().send(new DescribeRuleCommand({ Name: 'on-bus', EventBusName: 'cfn-int-bus' }))).EventPattern).toBe('{"source":["cfn.bus"]}');
    expect([out.BusRef, out.BusArn]).toEqual(['cfn-int-bus', `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/cfn-int-bus`]);
    const busPolicy = JSON.parse((await events().send(new DescribeEventBusCommand({ Name: 'cfn-int-bus' }))).Policy!);
    expect(busPolicy.Statement).toEqual([expect.objectContaining({ Sid: 'partner', Action: 'events:PutEvents', Principal: { AWS: 'arn:aws:iam::111111111111:root' } })]);
    expect(out.ArchiveRef).toMatch(/^cfn-int-Archive-[A-Z0-9]{12}$/);
    expect(await events().send(new DescribeArchiveCommand({ ArchiveName: out.ArchiveRef }))).toMatchObject({ ArchiveArn: out.ArchiveArn, EventSourceArn: out.BusArn, RetentionDays: 3 });
    await events().send(new PutEventsCommand({ Entries: [{ Source: 'cfn.test', DetailType: 'test', Detail: '{"kind":"b"}' }] }));
    await expect.poll(async () => (await received(out.QueueUrl)).filter((body) => body.includes('kind is')), { timeout: 10_000 }).toEqual(['"kind is b"']);
  });

  it('updates mutable properties in place and replaces a queue given a name', async () => {
    const before = await resourcesOf(cfn(), STACK);
    await cfn().send(
      new UpdateStackCommand({
        StackName: STACK,
        TemplateBody: template({ visibility: 90, displayName: 'Pages', retention: 30, ruleState: 'DISABLED', filterKinds: ['a', 'b'], inboxName: 'cfn-int-inbox' }),
      }),
    );
    const out = outputsOf((await expectStatus(STACK, 'UPDATE_COMPLETE')).Outputs);
    const after = await resourcesOf(cfn(), STACK);
    for (const logicalId of ['Queue', 'Topic', 'LogGroup', 'Rule']) expect(after[logicalId].PhysicalResourceId).toBe(before[logicalId].PhysicalResourceId);

    expect((await sqs().send(new GetQueueAttributesCommand({ QueueUrl: out.QueueUrl, AttributeNames: ['VisibilityTimeout'] }))).Attributes).toEqual({ VisibilityTimeout: '90' });
    expect((await sns().send(new GetTopicAttributesCommand({ TopicArn: out.TopicArn }))).Attributes?.DisplayName).toBe('Pages');
    expect((await logs().send(new DescribeLogGroupsCommand({ logGroupNamePrefix: out.LogGroupRef }))).logGroups?.[0]?.retentionInDays).toBe(30);
    expect((await events().send(new DescribeRuleCommand({ Name: out.RuleRef }))).State).toBe('DISABLED');

    // The inbox took its name: a new queue, and the subscription whose Endpoint it is was replaced with it.
    expect(out.InboxRef).toBe((await sqs().send(new GetQueueUrlCommand({ QueueName: 'cfn-int-inbox' }))).QueueUrl);
    expect(out.InboxRef).not.toBe(before.Inbox.PhysicalResourceId);
    await expectAwsError(sqs().send(new GetQueueAttributesCommand({ QueueUrl: before.Inbox.PhysicalResourceId, AttributeNames: ['QueueArn'] })), {
      code: 'AWS.SimpleQueueService.NonExistentQueue',
      status: 400,
    });
    expect(out.SubscriptionRef).not.toBe(before.Subscription.PhysicalResourceId);
    const subscription = (await sns().send(new GetSubscriptionAttributesCommand({ SubscriptionArn: out.SubscriptionRef }))).Attributes!;
    expect([subscription.Endpoint, JSON.parse(subscription.FilterPolicy!)]).toEqual([`arn:aws:sqs:${REGION}:${ACCOUNT}:cfn-int-inbox`, { kind: ['a', 'b'] }]);
    await expectAwsError(sns().send(new GetSubscriptionAttributesCommand({ SubscriptionArn: before.Subscription.PhysicalResourceId })), { code: 'NotFound', status: 404 });
  });

  it('reads each resource back for drift detection: in sync as deployed, modified after a change behind the stack', async () => {
    const drift = async (logicalId: string) => (await cfn().send(new DetectStackResourceDriftCommand({ StackName: STACK, LogicalResourceId: logicalId }))).StackResourceDrift!;
    const logicalIds = [
      'Queue',
      'Ordered',
      'Inbox',
      'QueuePolicy',
      'Topic',
      'OrderedTopic',
      'Subscription',
      'TopicPolicy',
      'LogGroup',
      'Stream',
      'Errors',
      'Rule',
      'Bus',
      'BusRule',
      'BusPolicy',
      'Archive',
    ];
    for (const logicalId of logicalIds) {
      const result = await drift(logicalId);
      expect([logicalId, result.StackResourceDriftStatus, result.PropertyDifferences]).toEqual([logicalId, 'IN_SYNC', []]);
    }

    const queue = (await resourcesOf(cfn(), STACK)).Queue.PhysicalResourceId!;
    await sqs().send(new SetQueueAttributesCommand({ QueueUrl: queue, Attributes: { VisibilityTimeout: '5' } }));
    expect((await drift('Queue')).PropertyDifferences).toEqual([{ PropertyPath: '/VisibilityTimeout', ExpectedValue: '90', ActualValue: '5', DifferenceType: 'NOT_EQUAL' }]);
    await events().send(new EnableRuleCommand({ Name: (await resourcesOf(cfn(), STACK)).Rule.PhysicalResourceId! }));
    expect((await drift('Rule')).PropertyDifferences).toEqual([{ PropertyPath: '/State', ExpectedValue: 'DISABLED', ActualValue: 'ENABLED', DifferenceType: 'NOT_EQUAL' }]);
  });

  it('deletes every resource but the retained queue', async () => {
    const resources = await resourcesOf(cfn(), STACK);
    const { StackId } = await settled(cfn(), STACK);
    await cfn().send(new DeleteStackCommand({ StackName: STACK }));
    await expectStatus(StackId!, 'DELETE_COMPLETE');

    await expectAwsError(sqs().send(new GetQueueAttributesCommand({ QueueUrl: resources.Queue.PhysicalResourceId, AttributeNames: ['QueueArn'] })), {
      code: 'AWS.SimpleQueueService.NonExistentQueue',
      status: 400,
    });
    expect((await sqs().send(new GetQueueUrlCommand({ QueueName: 'cfn-int-kept' }))).QueueUrl).toBe(resources.Kept.PhysicalResourceId);
    await expectAwsError(sns().send(new GetTopicAttributesCommand({ TopicArn: resources.Topic.PhysicalResourceId })), { code: 'NotFound', status: 404 });
    expect((await logs().send(new DescribeLogGroupsCommand({ logGroupNamePrefix: resources.LogGroup.PhysicalResourceId }))).logGroups).toEqual([]);
    await expectAwsError(events().send(new DescribeRuleCommand({ Name: resources.Rule.PhysicalResourceId })), { code: 'ResourceNotFoundException', status: 400 });
    await expectAwsError(events().send(new DescribeEventBusCommand({ Name: 'cfn-int-bus' })), { code: 'ResourceNotFoundException', status: 400 });
    await expectAwsError(events().send(new DescribeArchiveCommand({ ArchiveName: resources.Archive.PhysicalResourceId })), { code: 'ResourceNotFoundException', status: 400 });
  });

  it("fails a resource with the owning service's refusal, or Drydock's for a property it cannot honour, and rolls back", async () => {
    const reasonOf = async (stackName: string, resource: Record<string, unknown>): Promise<string | undefined> => {
      const { StackId } = await cfn().send(new CreateStackCommand({ StackName: stackName, TemplateBody: JSON.stringify({ Resources: { Failing: resource } }) }));
      await expectStatus(StackId!, 'ROLLBACK_COMPLETE');
      return (await eventLog(cfn(), StackId!)).find(([, state]) => state === 'CREATE_FAILED')?.[2];
    };
    // SQS queues are a registry type: SQS's refusal comes wrapped as AWS's handler returns it.
    expect(await reasonOf('cfn-int-fifo', { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'cfn-int-not-fifo', FifoQueue: true } })).toMatch(
      /^Resource handler returned message: ".*fifo.* \(Service: Sqs, Status Code: 400, Request ID: [0-9a-f-]{36}\)" \(RequestToken: [0-9a-f-]{36}, HandlerErrorCode: InvalidRequest\)$/i,
    );
    await expectAwsError(sqs().send(new GetQueueUrlCommand({ QueueName: 'cfn-int-not-fifo' })), { code: 'AWS.SimpleQueueService.NonExistentQueue', status: 400 });
    expect(await reasonOf('cfn-int-index', { Type: 'AWS::Logs::LogGroup', Properties: { FieldIndexPolicies: [{ Fields: ['requestId'] }] } })).toBe(
      'Drydock does not support the FieldIndexPolicies property of AWS::Logs::LogGroup',
    );
  });
});
