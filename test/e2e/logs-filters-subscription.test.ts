import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DeleteSubscriptionFilterCommand,
  DescribeSubscriptionFiltersCommand,
  PutMetricFilterCommand,
  PutSubscriptionFilterCommand,
  type PutSubscriptionFilterRequest,
  paginateDescribeSubscriptionFilters,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AddPermissionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamUser, expectAwsError, useServer } from '../helpers.js';
import { createActiveFunction, executionRole, NODE_RUNTIME, zipOf } from './lambda-helpers.js';

const server = useServer();

const ACCOUNT = '000000000000';
const LAMBDA = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:ship-logs`;
const KINESIS = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/logs`;
const FIREHOSE = `arn:aws:firehose:us-east-1:${ACCOUNT}:deliverystream/logs`;

/** A trust policy letting `service` assume the role, with an optional condition. */
function trust(service: string, condition?: Record<string, unknown>): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole', ...(condition ? { Condition: condition } : {}) }] });
}

describe('CloudWatch Logs subscription filters', () => {
  let logs: CloudWatchLogsClient;
  const roles: Record<string, string> = {};
  beforeAll(async () => {
    logs = new CloudWatchLogsClient(server.clientConfig);
    const iam = new IAMClient(server.clientConfig);
    const create = async (name: string, document: string) => {
      roles[name] = (await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: document }))).Role!.Arn!;
    };
    await create('logs-global', trust('logs.amazonaws.com'));
    await create('logs-regional', trust('logs.us-east-1.amazonaws.com', { StringLike: { 'aws:SourceArn': `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/sf/*` } }));
    await create('logs-elsewhere', trust('logs.us-east-1.amazonaws.com', { StringLike: { 'aws:SourceArn': `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/other/*` } }));
    await create('lambda-only', trust('lambda.amazonaws.com'));
    // PutSubscriptionFilter tests a Lambda destination: it must exist and let CloudWatch Logs invoke it.
    const lambda = new LambdaClient(server.clientConfig);
    const code = { ZipFile: zipOf({ 'index.mjs': 'export const handler = async () => {};\n' }) };
    await createActiveFunction(lambda, { FunctionName: 'ship-logs', Runtime: NODE_RUNTIME, Role: await executionRole(server, 'ship-logs-role'), Handler: 'index.handler', Code: code });
    await lambda.send(new AddPermissionCommand({ FunctionName: 'ship-logs', StatementId: 'logs', Action: 'lambda:InvokeFunction', Principal: 'logs.amazonaws.com', SourceAccount: ACCOUNT }));
  });

  const put = (input: Partial<PutSubscriptionFilterRequest> & { logGroupName: string; filterName: string }) =>
    logs.send(new PutSubscriptionFilterCommand({ filterPattern: '', destinationArn: LAMBDA, ...input }));
  const describeIn = async (logGroupName: string) => (await logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName }))).subscriptionFilters!;
  const invalid = (message: string) => ({ code: 'InvalidParameterException', status: 400, message });

  it('round-trips Lambda, Kinesis and Firehose destinations and keeps the creation time on update', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/sf/app' }));
    expect(await describeIn('/sf/app')).toEqual([]);
    await put({ logGroupName: '/sf/app', filterName: 'to-lambda', filterPattern: 'ERROR' });
    await put({ logGroupName: '/sf/app', filterName: 'to-kinesis', destinationArn: KINESIS, roleArn: roles['logs-global'], distribution: 'Random' });
    const [kinesis, lambda] = await describeIn('/sf/app');
    expect(lambda).toEqual({
      filterName: 'to-lambda',
      logGroupName: '/sf/app',
      filterPattern: 'ERROR',
      destinationArn: LAMBDA,
      distribution: 'ByLogStream',
      applyOnTransformedLogs: false,
      creationTime: expect.any(Number),
    });
    expect(kinesis).toMatchObject({ filterName: 'to-kinesis', destinationArn: KINESIS, roleArn: roles['logs-global'], distribution: 'Random' });

    server.runtime.clock.advance(60_000);
    await put({ logGroupName: '/sf/app', filterName: 'to-kinesis', filterPattern: '[]', destinationArn: FIREHOSE, roleArn: roles['logs-regional'] });
    const [updated] = await describeIn('/sf/app');
    expect(updated).toMatchObject({ filterPattern: '[]', destinationArn: FIREHOSE, roleArn: roles['logs-regional'], distribution: 'ByLogStream', creationTime: kinesis.creationTime });

    await logs.send(new DeleteSubscriptionFilterCommand({ logGroupName: '/sf/app', filterName: 'to-lambda' }));
    expect((await describeIn('/sf/app')).map((f) => f.filterName)).toEqual(['to-kinesis']);
  });

  it('a log group holds at most two subscription filters', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/sf/two' }));
    await put({ logGroupName: '/sf/two', filterName: 'test-1' });
    await put({ logGroupName: '/sf/two', filterName: 'test-2', filterPattern: '[]' });
    await expectAwsError(put({ logGroupName: '/sf/two', filterName: 'test-3' }), { code: 'LimitExceededException', status: 400, message: 'Resource limit exceeded.' });
    await put({ logGroupName: '/sf/two', filterName: 'test-2', filterPattern: 'WARN' });
    const byPrefix = await logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: '/sf/two', filterNamePrefix: 'test-2' }));
    expect(byPrefix.subscriptionFilters!.map((f) => f.filterPattern)).toEqual(['WARN']);
    const paged: string[] = [];
    for await (const page of paginateDescribeSubscriptionFilters({ client: logs, pageSize: 1 }, { logGroupName: '/sf/two' })) paged.push(...page.subscriptionFilters!.map((f) => f.filterName!));
    expect(paged).toEqual(['test-1', 'test-2']);
  });

  it('regex filters count across metric and subscription filters', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/sf/regex' }));
    for (let i = 0; i < 5; i++) {
      await logs.send(
        new PutMetricFilterCommand({
          logGroupName: '/sf/regex',
          filterName: `re${i}`,
          filterPattern: `%E${i}%`,
          metricTransformations: [{ metricName: 'M', metricNamespace: 'N', metricValue: '1' }],
        }),
      );
    }
    await expectAwsError(put({ logGroupName: '/sf/regex', filterName: 'regex', filterPattern: '%FATAL%' }), { code: 'LimitExceededException', status: 400 });
    await put({ logGroupName: '/sf/regex', filterName: 'plain', filterPattern: 'FATAL' });
  });

  it("checks the destination's vendor, account, Region and role before the log group", async () => {
    const other = `arn:aws:lambda:us-east-1:123456789012:function:test`;
    const crossAccount = 'Cross-account lambda invocation passing is not allowed. You must use DestinationPolicies to create cross account lambda triggers.';
    await expectAwsError(put({ logGroupName: '/sf/none', filterName: 'f', destinationArn: other }), { code: 'AccessDeniedException', status: 400, message: crossAccount });
    await expectAwsError(put({ logGroupName: '/sf/none', filterName: 'f', destinationArn: KINESIS }), invalid('destinationArn for vendor kinesis cannot be used without roleArn'));
    await expectAwsError(put({ logGroupName: '/sf/none', filterName: 'f', destinationArn: FIREHOSE }), invalid('destinationArn for vendor firehose cannot be used without roleArn'));
    const sqs = `arn:aws:sqs:us-east-1:${ACCOUNT}:queue`;
    await expectAwsError(put({ logGroupName: '/sf/none', filterName: 'f', destinationArn: sqs }), invalid('destinationArn for vendor sqs cannot be used without roleArn'));
    await expectAwsError(
      put({ logGroupName: '/sf/none', filterName: 'f', destinationArn: sqs, roleArn: roles['logs-global'] }),
      invalid('PutSubscriptionFilter operation cannot work with destinationArn for vendor sqs'),
    );
    await expectAwsError(put({ logGroupName: '/sf/none', filterName: 'f', destinationArn: 'not-an-arn' }), invalid('destinationArn is not a valid ARN'));
    const noGroup = { code: 'ResourceNotFoundException', status: 400, message: 'The specified log group does not exist.' };
    await expectAwsError(put({ logGroupName: '/sf/none', filterName: 'f' }), noGroup);
  });

  it('CloudWatch Logs must be able to assume the role, and the destination must be reachable from the group', async () => {
    const group = '/sf/roles';
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    const assume = { code: 'ValidationException', status: 400, message: 'Make sure you have given CloudWatch Logs permission to assume the provided role.' };
    const kinesis = (roleArn: string, destinationArn = KINESIS) => put({ logGroupName: group, filterName: 'k', destinationArn, roleArn });
    await expectAwsError(kinesis(`arn:aws:iam::${ACCOUNT}:role/missing`), assume);
    await expectAwsError(kinesis(roles['lambda-only']), assume);
    // The trust policy's aws:SourceArn condition names other log groups.
    await expectAwsError(kinesis(roles['logs-elsewhere']), assume);
    await expectAwsError(kinesis('not-a-role'), assume);

    const kinesisDown = 'Could not deliver test message to specified Kinesis stream. Check if the given kinesis stream is in ACTIVE state.';
    await expectAwsError(kinesis(roles['logs-global'], `arn:aws:kinesis:eu-west-1:${ACCOUNT}:stream/logs`), invalid(kinesisDown));
    await expectAwsError(kinesis(roles['logs-global'], `arn:aws:kinesis:us-east-1:${ACCOUNT}:table/logs`), invalid(kinesisDown));
    await expectAwsError(kinesis(roles['logs-global'], `arn:aws:firehose:us-east-1:123456789012:deliverystream/logs`), invalid('Could not deliver test message to specified Firehose stream.'));
    await expectAwsError(put({ logGroupName: group, filterName: 'l', destinationArn: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:f` }), invalid('Could not execute the lambda function.'));
    const destination = `arn:aws:logs:us-east-1:123456789012:destination:central`;
    await expectAwsError(put({ logGroupName: group, filterName: 'd', destinationArn: destination }), {
      code: 'ResourceNotFoundException',
      status: 400,
      message: 'The specified destination does not exist.',
    });
    expect(await describeIn(group)).toEqual([]);

    await kinesis(roles['logs-regional']);
    expect((await describeIn(group)).map((f) => f.roleArn)).toEqual([roles['logs-regional']]);
  });

  it('refuses bad patterns and applyOnTransformedLogs, writing nothing', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/sf/bad' }));
    await expectAwsError(put({ logGroupName: '/sf/bad', filterName: 'f', filterPattern: '{ $.a = 1' }), invalid("If a filter pattern starts with '{' it must end with '}'"));
    await expectAwsError(put({ logGroupName: '/sf/bad', filterName: 'f', filterPattern: 'a,b' }), invalid("Invalid character(s) in term ','"));
    await expectAwsError(put({ logGroupName: '/sf/bad', filterName: 'f', applyOnTransformedLogs: true }), invalid('applyOnTransformedLogs'));
    await expectAwsError(put({ logGroupName: '/sf/bad', filterName: 'f', distribution: 'Sideways' as 'Random' }), { code: 'InvalidParameterException', status: 400 });
    expect(await describeIn('/sf/bad')).toEqual([]);
  });

  it('answers ResourceNotFoundException for an unknown group or filter, and filters go with their group', async () => {
    const notFound = (message: string) => ({ code: 'ResourceNotFoundException', status: 400, message });
    await expectAwsError(logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: 'not-existing-log-group' })), notFound('The specified log group does not exist.'));
    await expectAwsError(logs.send(new DeleteSubscriptionFilterCommand({ logGroupName: 'not-existing-log-group', filterName: 'test' })), notFound('The specified log group does not exist.'));
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/sf/gone' }));
    await expectAwsError(logs.send(new DeleteSubscriptionFilterCommand({ logGroupName: '/sf/gone', filterName: 'wrong-filter-name' })), notFound('The specified subscription filter does not exist.'));
    await put({ logGroupName: '/sf/gone', filterName: 'f' });
    await logs.send(new DeleteLogGroupCommand({ logGroupName: '/sf/gone' }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/sf/gone' }));
    expect(await describeIn('/sf/gone')).toEqual([]);
  });

  it('passing a role needs iam:PassRole on it', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/sf/pass' }));
    const allowLogs = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'logs:*', Resource: '*' }] });
    const user = await createIamUser(server.clientConfig, 'sf-no-pass', [allowLogs]);
    const asUser = new CloudWatchLogsClient({ ...server.clientConfig, credentials: user.credentials });
    const input = { logGroupName: '/sf/pass', filterName: 'k', filterPattern: '', destinationArn: KINESIS, roleArn: roles['logs-global'] };
    await expectAwsError(asUser.send(new PutSubscriptionFilterCommand(input)), { code: 'AccessDeniedException', status: 400, message: 'iam:PassRole' });
    await asUser.send(new PutSubscriptionFilterCommand({ ...input, filterName: 'l', destinationArn: LAMBDA, roleArn: undefined }));
    expect((await describeIn('/sf/pass')).map((f) => f.filterName)).toEqual(['l']);
  });
});
