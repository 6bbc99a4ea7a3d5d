/**
 * SNS delivering to Lambda, both real services: a function whose resource policy lets
 * sns.amazonaws.com invoke it for the topic gets SNS's event record (asynchronously, as AWS
 * invokes it), signed with the certificate SigningCertURL serves; a function without that
 * permission is not invoked, and the message goes to the subscription's dead-letter queue.
 */
import { createVerify, X509Certificate } from 'node:crypto';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AddPermissionCommand, CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';
import { eventually } from './sns-helpers.js';

const server = useServer();
const sns = () => new SNSClient(server.clientConfig);
const lambda = () => new LambdaClient(server.clientConfig);
let role = '';

/** Logs the event it gets, one line, for the test to find in its log group. */
const HANDLER = "export const handler = async (event) => { console.log('SNS-EVENT ' + JSON.stringify(event)); return 'ok'; };\n";

beforeAll(async () => {
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  const iam = new IAMClient(server.clientConfig);
  role = (await iam.send(new CreateRoleCommand({ RoleName: 'sns-subscriber', AssumeRolePolicyDocument: trust }))).Role!.Arn!;
  // What AWSLambdaBasicExecutionRole grants: the function's log lines reach CloudWatch Logs.
  const logging = { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' };
  await iam.send(new PutRolePolicyCommand({ RoleName: 'sns-subscriber', PolicyName: 'logs', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [logging] }) }));
});

/** A Node.js function logging its events, once Active; answers its ARN. */
async function createFunction(name: string): Promise<string> {
  const { FunctionArn } = await lambda().send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: `nodejs${process.versions.node.split('.')[0]}.x` as 'nodejs20.x',
      Role: role,
      Handler: 'index.handler',
      Code: { ZipFile: zipSync({ 'index.mjs': Buffer.from(HANDLER) }) },
    }),
  );
  await waitUntilFunctionActiveV2({ client: lambda(), maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
  return FunctionArn!;
}

/** The events the function logged. */
async function loggedEvents(name: string): Promise<Record<string, unknown>[]> {
  try {
    const { events } = await new CloudWatchLogsClient(server.clientConfig).send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${name}`, filterPattern: '"SNS-EVENT"' }));
    return (events ?? []).map((e) => JSON.parse(e.message!.slice(e.message!.indexOf('SNS-EVENT ') + 'SNS-EVENT '.length)));
  } catch {
    return [];
  }
}

describe('SNS to Lambda', () => {
  it('invokes a function that allows the topic with the SNS event record', { timeout: 60_000 }, async () => {
    const { TopicArn } = await sns().send(new CreateTopicCommand({ Name: 'to-function' }));
    const FunctionArn = await createFunction('sns-reader');
    await lambda().send(new AddPermissionCommand({ FunctionName: 'sns-reader', StatementId: 'from-sns', Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com', SourceArn: TopicArn }));
    const { SubscriptionArn } = await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'lambda', Endpoint: FunctionArn }));
    const { MessageId } = await sns().send(
      new PublishCommand({ TopicArn, Message: 'Hello world.', Subject: 'Test subject', MessageAttributes: { kind: { DataType: 'String', StringValue: 'greeting' } } }),
    );

    const [event] = await eventually(async () => {
      const events = await loggedEvents('sns-reader');
      return events.length ? events : undefined;
    }, 30_000);
    const record = (event!.Records as Record<string, unknown>[])[0]!;
    expect(record).toMatchObject({ EventSource: 'aws:sns', EventVersion: '1.0', EventSubscriptionArn: SubscriptionArn });
    const message = record.Sns as Record<string, string>;
    expect(message).toMatchObject({
      Type: 'Notification',
      MessageId,
      TopicArn,
      Subject: 'Test subject',
      Message: 'Hello world.',
      SignatureVersion: '1',
      MessageAttributes: { kind: { Type: 'String', Value: 'greeting' } } as never,
    });
    const cert = new X509Certificate(await (await fetch(message.SigningCertUrl!)).text());
    const signed = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'].map((k) => `${k}\n${message[k]}\n`).join('');
    expect(createVerify('RSA-SHA1').update(signed).verify(cert.publicKey, message.Signature!, 'base64')).toBe(true);
  });

  it('does not invoke a function without the permission, and dead-letters the message', { timeout: 60_000 }, async () => {
    const { TopicArn } = await sns().send(new CreateTopicCommand({ Name: 'to-closed-function' }));
    const FunctionArn = await createFunction('sns-closed');
    const dlqArn = 'arn:aws:sqs:us-east-1:000000000000:function-dlq';
    const sqs = new SQSClient(server.clientConfig);
    const Policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: dlqArn }] });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'function-dlq', Attributes: { Policy } }));
    await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'lambda', Endpoint: FunctionArn, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn }) } }));
    await sns().send(new PublishCommand({ TopicArn, Message: 'not for you' }));
    const { Messages } = await eventually(async () => {
      const answer = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
      return answer.Messages?.length ? answer : undefined;
    });
    expect(JSON.parse(Messages![0]!.Body!)).toMatchObject({ Type: 'Notification', Message: 'not for you', TopicArn });
    expect(await loggedEvents('sns-closed')).toEqual([]);
  });
});
