/**
 * CloudWatch Logs subscription filters delivered to real Lambda functions: the events a filter's
 * pattern matches reach the function as AWS sends them (`awslogs.data`, base64 of a gzipped
 * DATA_MESSAGE), one invocation per filter for each PutLogEvents call, and so do the lines another
 * function writes to its own log group through Drydock's Lambda. PutSubscriptionFilter tests the
 * destination first: a function that does not exist, or whose permission does not let CloudWatch
 * Logs invoke it for this log group, is refused with AWS's message and nothing is stored.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeSubscriptionFiltersCommand,
  FilterLogEventsCommand,
  PutLogEventsCommand,
  PutSubscriptionFilterCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { AddPermissionCommand, type AddPermissionRequest, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { createActiveFunction, executionRole, NODE_RUNTIME, zipOf } from './lambda-helpers.js';
import { eventually } from './sns-helpers.js';

const server = useServer();
const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const UNREACHABLE = 'Could not execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your function.';

/** Decodes what it gets as a subscriber must, and logs the event and the decoded message. */
const RECEIVER = `import { gunzipSync } from 'node:zlib';
export const handler = async (event) => {
  const message = JSON.parse(gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8'));
  console.log('DELIVERED ' + JSON.stringify({ keys: Object.keys(event), awslogs: Object.keys(event.awslogs), message }));
};
`;

const groupArn = (name: string) => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}:*`;

interface DataMessage {
  messageType: string;
  owner: string;
  logGroup: string;
  logStream: string;
  subscriptionFilters: string[];
  logEvents: { id: string; timestamp: number; message: string }[];
}

let logs: CloudWatchLogsClient;
let lambda: LambdaClient;
let role: string;

beforeAll(async () => {
  logs = new CloudWatchLogsClient(server.clientConfig);
  lambda = new LambdaClient(server.clientConfig);
  role = await executionRole(server, 'subscriber-role');
});

/** A function that logs every delivery it gets, with `permissions` added to its policy; answers its ARN. */
async function receiver(name: string, permissions: Omit<AddPermissionRequest, 'FunctionName' | 'Action' | 'StatementId'>[]): Promise<string> {
  const created = await createActiveFunction(lambda, { FunctionName: name, Runtime: NODE_RUNTIME, Role: role, Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.mjs': RECEIVER }) } });
  for (const [i, permission] of permissions.entries()) {
    await lambda.send(new AddPermissionCommand({ FunctionName: name, StatementId: `logs-${i}`, Action: 'lambda:InvokeFunction', ...permission }));
  }
  return created.FunctionArn!;
}

/** The deliveries the function logged, once `count` have arrived (invocations are asynchronous). */
async function deliveries(name: string, count: number): Promise<{ keys: string[]; awslogs: string[]; message: DataMessage }[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { events = [] } = await logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${name}`, filterPattern: '"DELIVERED"' })).catch(() => ({ events: [] }));
    if (events.length >= count || Date.now() > deadline) return events.map((e) => JSON.parse(e.message!.slice(e.message!.indexOf('{'))));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function groupWithStream(group: string, stream: string): Promise<void> {
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
}

describe('CloudWatch Logs subscription filters deliver to Lambda', () => {
  it('invokes the function with the matching events of each PutLogEvents call, as AWS encodes them', async () => {
    const fn = await receiver('errors-sink', [{ Principal: 'logs.amazonaws.com', SourceArn: groupArn('/app/api'), SourceAccount: ACCOUNT }]);
    await groupWithStream('/app/api', 'web-1');
    await logs.send(new PutSubscriptionFilterCommand({ logGroupName: '/app/api', filterName: 'errors', filterPattern: 'ERROR', destinationArn: fn }));
    const now = Date.now();
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: '/app/api',
        logStreamName: 'web-1',
        logEvents: [
          { timestamp: now, message: 'ERROR first' },
          { timestamp: now + 1, message: 'INFO ignored' },
          { timestamp: now + 2, message: 'ERROR second' },
        ],
      }),
    );
    await logs.send(new PutLogEventsCommand({ logGroupName: '/app/api', logStreamName: 'web-1', logEvents: [{ timestamp: now + 3, message: 'ERROR third' }] }));
    // Asynchronous invocations may run in either order.
    const received = (await deliveries('errors-sink', 2)).sort((a, b) => a.message.logEvents[0].timestamp - b.message.logEvents[0].timestamp);
    expect(received).toHaveLength(2);
    expect(received[0].keys).toEqual(['awslogs']);
    expect(received[0].awslogs).toEqual(['data']);
    const stored = (await logs.send(new FilterLogEventsCommand({ logGroupName: '/app/api', filterPattern: 'ERROR' }))).events!;
    expect(received[0].message).toEqual({
      messageType: 'DATA_MESSAGE',
      owner: ACCOUNT,
      logGroup: '/app/api',
      logStream: 'web-1',
      subscriptionFilters: ['errors'],
      logEvents: stored.slice(0, 2).map((e) => ({ id: e.eventId, timestamp: e.timestamp, message: e.message })),
    });
    expect(received[0].message.logEvents.map((e) => e.message)).toEqual(['ERROR first', 'ERROR second']);
    expect(received[1].message.logEvents).toEqual([{ id: stored[2].eventId, timestamp: now + 3, message: 'ERROR third' }]);
  });

  it('delivers the lines a Lambda function writes to its own log group (a permission for logs.<region>.amazonaws.com works too)', async () => {
    const sink = await receiver('producer-sink', [{ Principal: `logs.${REGION}.amazonaws.com`, SourceArn: groupArn('/aws/lambda/producer') }]);
    const producer = await createActiveFunction(lambda, {
      FunctionName: 'producer',
      Runtime: NODE_RUNTIME,
      Role: role,
      Handler: 'index.handler',
      Code: { ZipFile: zipOf({ 'index.mjs': "export const handler = async (event) => { console.log('AUDIT ' + event.order); return 'ok'; };\n" }) },
    });
    // Lambda makes the group on the first invocation; the filter goes on it once that invocation's
    // lines are in (they are shipped after the invocation answers, as on AWS: a filter put before
    // they land would deliver them too).
    await lambda.send(new InvokeCommand({ FunctionName: 'producer', Payload: Buffer.from(JSON.stringify({ order: 'first' })) }));
    await eventually(async () => {
      const { events } = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/producer', filterPattern: '"AUDIT first"' })).catch(() => ({ events: [] }));
      return events?.length ? events : undefined;
    });
    await logs.send(new PutSubscriptionFilterCommand({ logGroupName: '/aws/lambda/producer', filterName: 'audit', filterPattern: 'AUDIT', destinationArn: sink }));
    await lambda.send(new InvokeCommand({ FunctionName: producer.FunctionName, Payload: Buffer.from(JSON.stringify({ order: 'o-42' })) }));
    const [delivery] = await deliveries('producer-sink', 1);
    expect(delivery.message).toMatchObject({ messageType: 'DATA_MESSAGE', owner: ACCOUNT, logGroup: '/aws/lambda/producer', subscriptionFilters: ['audit'] });
    expect(delivery.message.logEvents.map((e) => e.message)).toEqual([expect.stringContaining('AUDIT o-42')]);
  });

  it('refuses a function that does not exist or does not let CloudWatch Logs invoke it for this group, storing nothing', async () => {
    await groupWithStream('/app/guarded', 's');
    const put = (destinationArn: string) => logs.send(new PutSubscriptionFilterCommand({ logGroupName: '/app/guarded', filterName: 'f', filterPattern: '', destinationArn }));
    const unreachable = { code: 'InvalidParameterException', status: 400, message: UNREACHABLE };
    await expectAwsError(put(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:no-such-function`), unreachable);
    await expectAwsError(put(await receiver('no-permission', [])), unreachable);
    await expectAwsError(put(await receiver('other-group-only', [{ Principal: 'logs.amazonaws.com', SourceArn: groupArn('/app/elsewhere') }])), unreachable);
    await expectAwsError(put(await receiver('other-service', [{ Principal: 'events.amazonaws.com' }])), unreachable);
    expect((await logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: '/app/guarded' }))).subscriptionFilters).toEqual([]);
    // A missing group is still reported as such, before the function is tried.
    await expectAwsError(
      logs.send(new PutSubscriptionFilterCommand({ logGroupName: '/app/nope', filterName: 'f', filterPattern: '', destinationArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:no-such-function` })),
      {
        code: 'ResourceNotFoundException',
        status: 400,
        message: 'The specified log group does not exist.',
      },
    );
  });
});
