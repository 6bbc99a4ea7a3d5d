/**
 * The resource ARNs CloudWatch Logs requests are authorized on, as AWS's denials name them: stream
 * operations (CreateLogStream, PutLogEvents, GetLogEvents) on `…:log-group:<g>:log-stream:<s>`,
 * the other group operations on `…:log-group:<g>:log-stream:` (no stream named), StartQuery on
 * `…:log-group:<g>:*`. So the policies AWS's own roles carry work as on AWS: Lambda's execution
 * role (`log-group:/aws/lambda/<fn>:*`), CodeBuild's default service-role policy (the group's ARN
 * with and without `:*`), and `log-group:<g>:log-stream:*`; a bare `log-group:<g>` alone allows
 * none of them.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  StartQueryCommand,
  TagResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamUser, expectAwsError, useServer } from '../helpers.js';

const server = useServer();
const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const group = (name: string) => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}`;
const policy = (...statements: Record<string, unknown>[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allow = (action: string | string[], resource: string | string[]) => ({ Effect: 'Allow', Action: action, Resource: resource });
const denied = (who: string, action: string, resource: string) => ({
  code: 'AccessDeniedException',
  status: 400,
  message: `User: ${who} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
});

const WRITE_AND_READ = ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:GetLogEvents', 'logs:DescribeLogStreams', 'logs:FilterLogEvents'];

let root: CloudWatchLogsClient;

beforeAll(async () => {
  root = new CloudWatchLogsClient(server.clientConfig);
  for (const name of ['/aws/lambda/fn', '/aws/codebuild/build', '/app/other']) await root.send(new CreateLogGroupCommand({ logGroupName: name }));
});

/** A client for a new IAM user holding these statements, and the user's ARN. */
async function user(name: string, ...statements: Record<string, unknown>[]) {
  const created = await createIamUser(server.clientConfig, name, [policy(...statements)]);
  return { arn: created.arn, logs: new CloudWatchLogsClient({ ...server.clientConfig, credentials: created.credentials, maxAttempts: 1 }) };
}

/** Creates a stream, writes an event and reads it back three ways, as a writer and its tooling do. */
async function writeAndRead(logs: CloudWatchLogsClient, logGroupName: string, logStreamName: string): Promise<void> {
  await logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName }));
  await logs.send(new PutLogEventsCommand({ logGroupName, logStreamName, logEvents: [{ timestamp: Date.now(), message: `hello ${logStreamName}` }] }));
  expect((await logs.send(new GetLogEventsCommand({ logGroupName, logStreamName }))).events!.map((e) => e.message)).toEqual([`hello ${logStreamName}`]);
  expect((await logs.send(new DescribeLogStreamsCommand({ logGroupName, logStreamNamePrefix: logStreamName }))).logStreams!.map((s) => s.logStreamName)).toEqual([logStreamName]);
  expect((await logs.send(new FilterLogEventsCommand({ logGroupName, logStreamNames: [logStreamName] }))).events).toHaveLength(1);
}

describe('CloudWatch Logs authorization: the resource ARNs AWS checks', () => {
  it('allows everything under `log-group:<g>:*` (Lambda execution role), and nothing in another group', async () => {
    const writer = await user('lambda-style', allow(WRITE_AND_READ, `${group('/aws/lambda/fn')}:*`));
    await writeAndRead(writer.logs, '/aws/lambda/fn', '2024/01/01/[$LATEST]abc');
    await expectAwsError(
      writer.logs.send(new CreateLogStreamCommand({ logGroupName: '/app/other', logStreamName: 's' })),
      denied(writer.arn, 'logs:CreateLogStream', `${group('/app/other')}:log-stream:s`),
    );
    await expectAwsError(writer.logs.send(new DescribeLogStreamsCommand({ logGroupName: '/app/other' })), denied(writer.arn, 'logs:DescribeLogStreams', `${group('/app/other')}:log-stream:`));
    // An action the policy does not name stays denied on its group.
    await expectAwsError(
      writer.logs.send(new PutRetentionPolicyCommand({ logGroupName: '/aws/lambda/fn', retentionInDays: 1 })),
      denied(writer.arn, 'logs:PutRetentionPolicy', `${group('/aws/lambda/fn')}:log-stream:`),
    );
  });

  it('allows the stream and group operations under `log-group:<g>:log-stream:*`', async () => {
    const writer = await user('stream-style', allow(WRITE_AND_READ, `${group('/aws/lambda/fn')}:log-stream:*`));
    await writeAndRead(writer.logs, '/aws/lambda/fn', 'by-stream-policy');
  });

  it('allows none of them under a bare `log-group:<g>`, naming the ARN AWS checked', async () => {
    const bare = await user('bare-style', allow([...WRITE_AND_READ, 'logs:PutRetentionPolicy'], group('/aws/lambda/fn')));
    const input = { logGroupName: '/aws/lambda/fn', logStreamName: 'bare' };
    await expectAwsError(bare.logs.send(new CreateLogStreamCommand(input)), denied(bare.arn, 'logs:CreateLogStream', `${group('/aws/lambda/fn')}:log-stream:bare`));
    await root.send(new CreateLogStreamCommand(input));
    await expectAwsError(
      bare.logs.send(new PutLogEventsCommand({ ...input, logEvents: [{ timestamp: Date.now(), message: 'x' }] })),
      denied(bare.arn, 'logs:PutLogEvents', `${group('/aws/lambda/fn')}:log-stream:bare`),
    );
    await expectAwsError(bare.logs.send(new GetLogEventsCommand(input)), denied(bare.arn, 'logs:GetLogEvents', `${group('/aws/lambda/fn')}:log-stream:bare`));
    await expectAwsError(bare.logs.send(new DescribeLogStreamsCommand({ logGroupName: '/aws/lambda/fn' })), denied(bare.arn, 'logs:DescribeLogStreams', `${group('/aws/lambda/fn')}:log-stream:`));
    await expectAwsError(bare.logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/fn' })), denied(bare.arn, 'logs:FilterLogEvents', `${group('/aws/lambda/fn')}:log-stream:`));
    await expectAwsError(
      bare.logs.send(new PutRetentionPolicyCommand({ logGroupName: '/aws/lambda/fn', retentionInDays: 1 })),
      denied(bare.arn, 'logs:PutRetentionPolicy', `${group('/aws/lambda/fn')}:log-stream:`),
    );
    // A group named by its ARN for the tagging operations is checked on that ARN as given.
    const tagger = await user('bare-tagger', allow('logs:TagResource', group('/aws/lambda/fn')));
    await tagger.logs.send(new TagResourceCommand({ resourceArn: group('/aws/lambda/fn'), tags: { team: 'a' } }));
  });

  it("a role with CodeBuild's default service-role policy writes its build logs", async () => {
    const iam = new IAMClient(server.clientConfig);
    const trust = policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' });
    const role = (await iam.send(new CreateRoleCommand({ RoleName: 'codebuild-style', AssumeRolePolicyDocument: trust }))).Role!;
    // The statement CodeBuild's console writes into a new service role.
    const codebuild = allow(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], [group('/aws/codebuild/build'), `${group('/aws/codebuild/build')}:*`]);
    await iam.send(new PutRolePolicyCommand({ RoleName: 'codebuild-style', PolicyName: 'logs', PolicyDocument: policy(codebuild) }));
    const caller = await createIamUser(server.clientConfig, 'role-taker');
    const sts = new STSClient({ ...server.clientConfig, credentials: caller.credentials });
    const { Credentials, AssumedRoleUser } = await sts.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'build' }));
    const logs = new CloudWatchLogsClient({
      ...server.clientConfig,
      credentials: { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken! },
      maxAttempts: 1,
    });
    await expectAwsError(logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/codebuild/build' })), { code: 'ResourceAlreadyExistsException', status: 400 });
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/aws/codebuild/build', logStreamName: 'b-1' }));
    await logs.send(new PutLogEventsCommand({ logGroupName: '/aws/codebuild/build', logStreamName: 'b-1', logEvents: [{ timestamp: Date.now(), message: 'phase INSTALL' }] }));
    await expectAwsError(
      logs.send(new CreateLogStreamCommand({ logGroupName: '/app/other', logStreamName: 'b-1' })),
      denied(AssumedRoleUser!.Arn!, 'logs:CreateLogStream', `${group('/app/other')}:log-stream:b-1`),
    );
  });

  it('checks StartQuery on each group as `log-group:<g>:*`', async () => {
    const reader = await user('insights-style', allow('logs:StartQuery', `${group('/aws/lambda/fn')}:*`));
    const input = { startTime: 0, endTime: Math.floor(server.runtime.clock.now() / 1000) + 60, queryString: 'fields @message' };
    expect((await reader.logs.send(new StartQueryCommand({ ...input, logGroupName: '/aws/lambda/fn' }))).queryId).toEqual(expect.any(String));
    await expectAwsError(reader.logs.send(new StartQueryCommand({ ...input, logGroupNames: ['/aws/lambda/fn', '/app/other'] })), denied(reader.arn, 'logs:StartQuery', `${group('/app/other')}:*`));
  });
});
