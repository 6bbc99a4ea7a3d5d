/**
 * EventBridge rule targets beyond SQS and SNS, delivered for real: a Lambda function (allowed by
 * its resource policy, and dead-lettered with AWS's error attributes without it), a CodeBuild
 * project whose build really runs with the environment an InputTransformer overrides, a CloudWatch
 * Logs group (allowed by the Logs resource policy AWS requires for events.amazonaws.com), and
 * another account's bus (allowed by its bus policy).
 */
import { CloudWatchLogsClient, CreateLogGroupCommand, FilterLogEventsCommand, GetLogEventsCommand, PutResourcePolicyCommand } from '@aws-sdk/client-cloudwatch-logs';
import { BatchGetBuildsCommand, CodeBuildClient, CreateProjectCommand, ListBuildsForProjectCommand } from '@aws-sdk/client-codebuild';
import { EventBridgeClient, PutEventsCommand, PutPermissionCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AddPermissionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, type Message, ReceiveMessageCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';
import { CODEBUILD_TRUST, trustPolicy, waitForBuild } from './codebuild-helpers.js';
import { createActiveFunction, executionRole, NODE_RUNTIME, zipOf } from './lambda-helpers.js';

const server = useServer();
const ACCOUNT = '000000000000';
const OTHER = '111111111111';
const REGION = 'us-east-1';

let eb: EventBridgeClient;
let sqs: SQSClient;
let logs: CloudWatchLogsClient;

beforeAll(() => {
  eb = new EventBridgeClient(server.clientConfig);
  sqs = new SQSClient(server.clientConfig);
  logs = new CloudWatchLogsClient(server.clientConfig);
});
afterAll(() => {
  for (const client of [eb, sqs, logs]) client.destroy();
});

/** A queue whose policy lets EventBridge send to it: answers its URL and ARN. */
async function queue(name: string, client = sqs, account = ACCOUNT): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name }));
  const arn = `arn:aws:sqs:${REGION}:${account}:${name}`;
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: arn }] };
  await client.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: JSON.stringify(policy) } }));
  return { url: QueueUrl!, arn };
}

/** The first message on a queue, with its attributes (deliveries are asynchronous jobs: long polling waits for it). */
async function receiveOne(url: string, client = sqs): Promise<Message> {
  const until = Date.now() + 15_000;
  while (Date.now() < until) {
    const { Messages } = await client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }));
    if (Messages?.length) return Messages[0]!;
  }
  throw new Error(`nothing arrived in ${url}`);
}

/** Polls until `probe` answers something (deliveries run as jobs after PutEvents answers). */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error(`${what} did not happen`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const attributesOf = (message: Message) => Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([key, value]) => [key, value.StringValue]));

describe('a Lambda function target', () => {
  let lambda: LambdaClient;
  beforeAll(async () => {
    lambda = new LambdaClient(server.clientConfig);
    const role = await executionRole(server.server, 'events-target-fn');
    const code = zipOf({ 'index.js': 'exports.handler = async (event) => { console.log("EVENT " + JSON.stringify(event)); return "ok"; };' });
    for (const name of ['allowed-fn', 'closed-fn']) {
      await createActiveFunction(lambda, { FunctionName: name, Runtime: NODE_RUNTIME, Role: role, Handler: 'index.handler', Code: { ZipFile: code } });
    }
  });
  afterAll(() => lambda.destroy());

  it('invokes the function its permission lets events.amazonaws.com invoke for the rule', async () => {
    await eb.send(new PutRuleCommand({ Name: 'to-fn', EventPattern: JSON.stringify({ source: ['app.fn'] }) }));
    const ruleArn = `arn:aws:events:${REGION}:${ACCOUNT}:rule/to-fn`;
    await lambda.send(new AddPermissionCommand({ FunctionName: 'allowed-fn', StatementId: 'events', Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: ruleArn }));
    await eb.send(new PutTargetsCommand({ Rule: 'to-fn', Targets: [{ Id: 'fn', Arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:allowed-fn` }] }));
    const { Entries } = await eb.send(new PutEventsCommand({ Entries: [{ Source: 'app.fn', DetailType: 'Ping', Detail: JSON.stringify({ n: 1 }) }] }));
    const logged = await eventually(async () => {
      const { events } = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/allowed-fn', filterPattern: '"EVENT"' })).catch(() => ({ events: [] }));
      return events?.[0]?.message;
    }, 'the invocation');
    expect(JSON.parse(logged.slice(logged.indexOf('EVENT ') + 'EVENT '.length))).toMatchObject({ id: Entries![0]!.EventId, source: 'app.fn', 'detail-type': 'Ping', detail: { n: 1 } });
  });

  it('dead-letters the event with AWS error attributes when no permission lets EventBridge invoke', async () => {
    const dlq = await queue('fn-dead-letters');
    const functionArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:closed-fn`;
    await eb.send(new PutRuleCommand({ Name: 'to-closed-fn', EventPattern: JSON.stringify({ source: ['app.closed-fn'] }) }));
    await eb.send(new PutTargetsCommand({ Rule: 'to-closed-fn', Targets: [{ Id: 'fn', Arn: functionArn, DeadLetterConfig: { Arn: dlq.arn } }] }));
    const { Entries } = await eb.send(new PutEventsCommand({ Entries: [{ Source: 'app.closed-fn', DetailType: 'Ping', Detail: '{}' }] }));
    const message = await receiveOne(dlq.url);
    expect(JSON.parse(message.Body!)).toMatchObject({ id: Entries![0]!.EventId, source: 'app.closed-fn' });
    const attributes = attributesOf(message);
    expect(attributes).toMatchObject({ RULE_ARN: `arn:aws:events:${REGION}:${ACCOUNT}:rule/to-closed-fn`, TARGET_ARN: functionArn, ERROR_CODE: 'NO_PERMISSIONS', RETRY_ATTEMPTS: '0' });
    expect(attributes.ERROR_MESSAGE).toContain('lambda:InvokeFunction');
    const { events } = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/closed-fn' })).catch(() => ({ events: [] }));
    expect(events ?? []).toEqual([]);
  });
});

describe('a CodeBuild project target', () => {
  it('starts a build that runs with the environment variable the InputTransformer overrides', { timeout: 30_000 }, async () => {
    const iam = new IAMClient(server.clientConfig);
    const cb = new CodeBuildClient(server.clientConfig);
    const buildRole = (await iam.send(new CreateRoleCommand({ RoleName: 'events-target-build', AssumeRolePolicyDocument: CODEBUILD_TRUST }))).Role!.Arn!;
    // AWS invokes CodeBuild targets only with a role trusting events.amazonaws.com that may start the build.
    const eventsRole = (await iam.send(new CreateRoleCommand({ RoleName: 'events-start-build', AssumeRolePolicyDocument: trustPolicy('events.amazonaws.com') }))).Role!.Arn!;
    const projectArn = `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/greeter`;
    const startBuild = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'codebuild:StartBuild', Resource: projectArn }] };
    await iam.send(new PutRolePolicyCommand({ RoleName: 'events-start-build', PolicyName: 'start', PolicyDocument: JSON.stringify(startBuild) }));
    const buildspec = 'version: 0.2\nenv:\n  exported-variables:\n    - GREETING\nphases:\n  build:\n    commands:\n      - echo "greeting=$GREETING"\n';
    await cb.send(
      new CreateProjectCommand({
        name: 'greeter',
        source: { type: 'NO_SOURCE', buildspec },
        artifacts: { type: 'NO_ARTIFACTS' },
        environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL', environmentVariables: [{ name: 'GREETING', value: 'from the project' }] },
        serviceRole: buildRole,
      }),
    );
    await eb.send(new PutRuleCommand({ Name: 'to-build', EventPattern: JSON.stringify({ source: ['app.build'] }) }));
    await eb.send(
      new PutTargetsCommand({
        Rule: 'to-build',
        Targets: [
          {
            Id: 'build',
            Arn: projectArn,
            RoleArn: eventsRole,
            InputTransformer: {
              InputPathsMap: { who: '$.detail.who' },
              InputTemplate: '{"environmentVariablesOverride": [{"name": "GREETING", "value": "hello <who>", "type": "PLAINTEXT"}]}',
            },
          },
        ],
      }),
    );
    await eb.send(new PutEventsCommand({ Entries: [{ Source: 'app.build', DetailType: 'Build', Detail: JSON.stringify({ who: 'events' }) }] }));
    const buildId = await eventually(async () => (await cb.send(new ListBuildsForProjectCommand({ projectName: 'greeter' }))).ids?.[0], 'the build start');
    const build = await waitForBuild(cb, buildId);
    expect(build.buildStatus).toBe('SUCCEEDED');
    expect(build.initiator).toMatch(/^events-start-build\//);
    expect(build.exportedEnvironmentVariables).toEqual([{ name: 'GREETING', value: 'hello events' }]);
    const { builds } = await cb.send(new BatchGetBuildsCommand({ ids: [buildId] }));
    const stream = await logs.send(new GetLogEventsCommand({ logGroupName: builds![0]!.logs!.groupName!, logStreamName: builds![0]!.logs!.streamName!, startFromHead: true }));
    expect(stream.events!.map((e) => e.message!.trim())).toContain('greeting=hello events');
    iam.destroy();
    cb.destroy();
  });
});

describe('a CloudWatch Logs group target', () => {
  const group = '/aws/events/orders';
  const groupArn = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${group}`;

  it('writes nothing, and dead-letters the event, while no Logs resource policy lets EventBridge write', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    const dlq = await queue('logs-dead-letters');
    await eb.send(new PutRuleCommand({ Name: 'to-logs', EventPattern: JSON.stringify({ source: ['app.logs'] }) }));
    await eb.send(new PutTargetsCommand({ Rule: 'to-logs', Targets: [{ Id: 'group', Arn: groupArn, DeadLetterConfig: { Arn: dlq.arn } }] }));
    await eb.send(new PutEventsCommand({ Entries: [{ Source: 'app.logs', DetailType: 'Order', Detail: '{"n":0}' }] }));
    const message = await receiveOne(dlq.url);
    expect(attributesOf(message)).toMatchObject({ TARGET_ARN: groupArn, ERROR_CODE: 'NO_PERMISSIONS', RETRY_ATTEMPTS: '0' });
    expect((await logs.send(new FilterLogEventsCommand({ logGroupName: group }))).events).toEqual([]);
  });

  it('writes each event as a log event in a stream named after the event id once the policy allows it', async () => {
    // The policy AWS's EventBridge guide gives for log group targets.
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'TrustEventsToStoreLogEvent',
          Effect: 'Allow',
          Principal: { Service: ['events.amazonaws.com', 'delivery.logs.amazonaws.com'] },
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/events/*:*`,
        },
      ],
    };
    await logs.send(new PutResourcePolicyCommand({ policyName: 'TrustEventsToStoreLogEvent', policyDocument: JSON.stringify(policy) }));
    const { Entries } = await eb.send(new PutEventsCommand({ Entries: [{ Source: 'app.logs', DetailType: 'Order', Detail: '{"n":1}' }] }));
    const eventId = Entries![0]!.EventId!;
    const logged = await eventually(async () => (await logs.send(new FilterLogEventsCommand({ logGroupName: group }))).events?.[0], 'the log event');
    expect(logged.logStreamName).toBe(eventId);
    expect(JSON.parse(logged.message!)).toMatchObject({ id: eventId, source: 'app.logs', detail: { n: 1 } });
  });

  it('dead-letters events for a group that does not exist as RESOURCE_NOT_FOUND, creating no group', async () => {
    const dlq = await queue('missing-group-dead-letters');
    const missing = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/events/missing`;
    await eb.send(new PutRuleCommand({ Name: 'to-missing-group', EventPattern: JSON.stringify({ source: ['app.missing-group'] }) }));
    await eb.send(new PutTargetsCommand({ Rule: 'to-missing-group', Targets: [{ Id: 'group', Arn: missing, DeadLetterConfig: { Arn: dlq.arn } }] }));
    await eb.send(new PutEventsCommand({ Entries: [{ Source: 'app.missing-group', DetailType: 'x', Detail: '{}' }] }));
    expect(attributesOf(await receiveOne(dlq.url))).toMatchObject({ TARGET_ARN: missing, ERROR_CODE: 'RESOURCE_NOT_FOUND' });
    const { events } = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/events/missing' })).catch((err: Error) => ({ events: [err.name] }));
    expect(events).toEqual(['ResourceNotFoundException']);
  });
});

describe('another account’s bus as target', () => {
  it('forwards the event unchanged once the receiving bus policy allows the sending account', async () => {
    const otherConfig = { ...server.clientConfig, credentials: { accessKeyId: OTHER, secretAccessKey: 'test' } };
    const otherEb = new EventBridgeClient(otherConfig);
    const otherSqs = new SQSClient(otherConfig);
    const received = await queue('cross-account-received', otherSqs, OTHER);
    await otherEb.send(new PutRuleCommand({ Name: 'from-partner', EventPattern: JSON.stringify({ source: ['app.cross'] }) }));
    await otherEb.send(new PutTargetsCommand({ Rule: 'from-partner', Targets: [{ Id: 'q', Arn: received.arn }] }));

    const dlq = await queue('cross-account-dead-letters');
    const otherBus = `arn:aws:events:${REGION}:${OTHER}:event-bus/default`;
    await eb.send(new PutRuleCommand({ Name: 'to-partner', EventPattern: JSON.stringify({ source: ['app.cross'] }) }));
    await eb.send(new PutTargetsCommand({ Rule: 'to-partner', Targets: [{ Id: 'bus', Arn: otherBus, DeadLetterConfig: { Arn: dlq.arn } }] }));

    await eb.send(new PutEventsCommand({ Entries: [{ Source: 'app.cross', DetailType: 'x', Detail: '{"try":1}' }] }));
    expect(attributesOf(await receiveOne(dlq.url))).toMatchObject({ TARGET_ARN: otherBus, ERROR_CODE: 'NO_PERMISSIONS' });

    await otherEb.send(new PutPermissionCommand({ Action: 'events:PutEvents', Principal: ACCOUNT, StatementId: 'from-main' }));
    const { Entries } = await eb.send(new PutEventsCommand({ Entries: [{ Source: 'app.cross', DetailType: 'x', Detail: '{"try":2}' }] }));
    const forwarded = JSON.parse((await receiveOne(received.url, otherSqs)).Body!);
    expect(forwarded).toMatchObject({ id: Entries![0]!.EventId, account: ACCOUNT, source: 'app.cross', detail: { try: 2 } });
    otherEb.destroy();
    otherSqs.destroy();
  });
});
