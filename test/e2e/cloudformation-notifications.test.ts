/**
 * What a stack tells the world, and whom it acts as: stack events published to NotificationARNs
 * topics in AWS's `Key='value'` message format, "CloudFormation Stack Status Change" and
 * "CloudFormation Resource Status Change" events on the default bus, and a RoleARN the stack
 * assumes as cloudformation.amazonaws.com (refused when the role does not trust CloudFormation,
 * and its permissions deciding what the stack may do: a deletion it may not make ends
 * DELETE_FAILED, which DeleteStack with RetainResources completes).
 */
import { CloudFormationClient, CreateStackCommand, DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { eventLog, parametersTemplate, settled } from './cloudformation-helpers.js';

const server = useServer();
const cfn = () => new CloudFormationClient(server.clientConfig);
const sqs = () => new SQSClient(server.clientConfig);

async function queueFor(name: string, service: string): Promise<{ url: string; arn: string }> {
  const arn = `arn:aws:sqs:us-east-1:000000000000:${name}`;
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sqs:SendMessage', Resource: arn }] };
  const { QueueUrl } = await sqs().send(new CreateQueueCommand({ QueueName: name, Attributes: { Policy: JSON.stringify(policy) } }));
  return { url: QueueUrl!, arn };
}

/** Receives from the queue until `count` messages arrived (deliveries are asynchronous). */
async function receive(url: string, count: number): Promise<Message[]> {
  const messages: Message[] = [];
  const until = Date.now() + 15_000;
  while (messages.length < count && Date.now() < until) {
    const out = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    messages.push(...(out.Messages ?? []));
  }
  return messages;
}

const ROLE_TRUST = (service: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });

describe('CloudFormation notifications, events and roles', () => {
  it('publishes every stack event to the NotificationARNs topics in AWS format', async () => {
    const sns = new SNSClient(server.clientConfig);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'stack-events' }));
    const queue = await queueFor('stack-notifications', 'sns.amazonaws.com');
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queue.arn, Attributes: { RawMessageDelivery: 'true' } }));
    const { StackId } = await cfn().send(new CreateStackCommand({ StackName: 'noisy', TemplateBody: parametersTemplate({ One: '1' }), NotificationARNs: [TopicArn!] }));
    expect((await settled(cfn(), 'noisy')).StackStatus).toBe('CREATE_COMPLETE');
    const expected = (await eventLog(cfn(), 'noisy')).length;
    const bodies = (await receive(queue.url, expected)).map((m) => m.Body!);
    expect(bodies).toHaveLength(expected);
    const first = bodies.find((body) => body.includes("ResourceStatusReason='User Initiated'"))!;
    const fields = Object.fromEntries(
      first
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 2, -1)]),
    );
    expect(Object.keys(fields)).toEqual([
      'StackId',
      'Timestamp',
      'EventId',
      'LogicalResourceId',
      'Namespace',
      'PhysicalResourceId',
      'PrincipalId',
      'ResourceProperties',
      'ResourceStatus',
      'ResourceStatusReason',
      'ResourceType',
      'StackName',
      'ClientRequestToken',
    ]);
    expect(fields).toMatchObject({
      StackId,
      LogicalResourceId: 'noisy',
      Namespace: '000000000000',
      PhysicalResourceId: StackId,
      ResourceStatus: 'CREATE_IN_PROGRESS',
      ResourceType: 'AWS::CloudFormation::Stack',
      StackName: 'noisy',
    });
    expect(bodies.some((body) => body.includes("LogicalResourceId='One'") && body.includes("ResourceStatus='CREATE_COMPLETE'"))).toBe(true);
  });

  it('puts stack and resource status changes on the default event bus', async () => {
    const events = new EventBridgeClient(server.clientConfig);
    const queue = await queueFor('stack-bus-events', 'events.amazonaws.com');
    await events.send(
      new PutRuleCommand({
        Name: 'cfn',
        EventPattern: JSON.stringify({ source: ['aws.cloudformation'], detail: { 'stack-id': [{ prefix: 'arn:aws:cloudformation:us-east-1:000000000000:stack/bus/' }] } }),
      }),
    );
    await events.send(new PutTargetsCommand({ Rule: 'cfn', Targets: [{ Id: 'q', Arn: queue.arn }] }));
    const { StackId } = await cfn().send(new CreateStackCommand({ StackName: 'bus', TemplateBody: parametersTemplate({ Only: 'x' }) }));
    await settled(cfn(), 'bus');
    const received = (await receive(queue.url, 5)).map((m) => JSON.parse(m.Body!) as { 'detail-type': string; resources: string[]; detail: Record<string, unknown> });
    const stackEvents = received.filter((e) => e['detail-type'] === 'CloudFormation Stack Status Change');
    expect(stackEvents.map((e) => e.detail)).toContainEqual({ 'stack-id': StackId, 'status-details': { status: 'CREATE_COMPLETE', 'status-reason': '' } });
    const resourceEvent = received.find((e) => e['detail-type'] === 'CloudFormation Resource Status Change' && (e.detail['status-details'] as { status: string }).status === 'CREATE_COMPLETE');
    expect(resourceEvent?.resources).toEqual([StackId]);
    expect(resourceEvent?.detail).toMatchObject({ 'stack-id': StackId, 'logical-resource-id': 'Only', 'resource-type': 'AWS::SSM::Parameter' });
  });

  it('acts through its RoleARN, refusing a role CloudFormation cannot assume', async () => {
    const iam = new IAMClient(server.clientConfig);
    const deployer = await iam.send(new CreateRoleCommand({ RoleName: 'deployer', AssumeRolePolicyDocument: ROLE_TRUST('cloudformation.amazonaws.com') }));
    const writeOnlyUnder = (path: string) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['ssm:PutParameter', 'ssm:DeleteParameter', 'ssm:AddTagsToResource'], Resource: `arn:aws:ssm:*:*:parameter${path}*` }],
      });
    await iam.send(new PutRolePolicyCommand({ RoleName: 'deployer', PolicyName: 'ssm', PolicyDocument: writeOnlyUnder('/allowed/') }));
    const lambdaRole = await iam.send(new CreateRoleCommand({ RoleName: 'not-for-stacks', AssumeRolePolicyDocument: ROLE_TRUST('lambda.amazonaws.com') }));

    const named = (name: string) => JSON.stringify({ Resources: { P: { Type: 'AWS::SSM::Parameter', Properties: { Name: name, Type: 'String', Value: 'v' } } } });
    await expectAwsError(cfn().send(new CreateStackCommand({ StackName: 'wrong-role', TemplateBody: named('/allowed/x'), RoleARN: lambdaRole.Role!.Arn })), {
      code: 'ValidationError',
      status: 400,
      message: `Role ${lambdaRole.Role!.Arn} is invalid or cannot be assumed`,
    });

    await cfn().send(new CreateStackCommand({ StackName: 'allowed', TemplateBody: named('/allowed/x'), RoleARN: deployer.Role!.Arn }));
    const allowed = await settled(cfn(), 'allowed');
    expect(allowed.StackStatus).toBe('CREATE_COMPLETE');
    expect(allowed.RoleARN).toBe(deployer.Role!.Arn);
    expect((await new SSMClient(server.clientConfig).send(new GetParameterCommand({ Name: '/allowed/x' }))).Parameter?.Value).toBe('v');

    await cfn().send(new CreateStackCommand({ StackName: 'denied', TemplateBody: named('/elsewhere/x'), RoleARN: deployer.Role!.Arn }));
    expect((await settled(cfn(), 'denied')).StackStatus).toBe('ROLLBACK_COMPLETE');
    const failure = (await eventLog(cfn(), 'denied')).find(([id, status]) => id === 'P' && status === 'CREATE_FAILED');
    expect(failure?.[2]).toMatch(
      /^Resource handler returned message: "User: arn:aws:sts::\d{12}:assumed-role\/deployer\/.* is not authorized to perform: ssm:PutParameter .*\(Service: Ssm, Status Code: 400, Request ID: [0-9a-f-]{36}\)" \(RequestToken: [0-9a-f-]{36}, HandlerErrorCode: AccessDenied\)$/,
    );
  });

  it('fails a deletion its role may not make (DELETE_FAILED), and RetainResources then completes it', async () => {
    const iam = new IAMClient(server.clientConfig);
    const { Role } = await iam.send(new CreateRoleCommand({ RoleName: 'creator-only', AssumeRolePolicyDocument: ROLE_TRUST('cloudformation.amazonaws.com') }));
    const createOnly = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ssm:PutParameter', Resource: '*' }] };
    await iam.send(new PutRolePolicyCommand({ RoleName: 'creator-only', PolicyName: 'ssm', PolicyDocument: JSON.stringify(createOnly) }));
    const template = JSON.stringify({ Resources: { Sticky: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/sticky', Type: 'String', Value: 'v' } } } });
    const { StackId } = await cfn().send(new CreateStackCommand({ StackName: 'sticky', TemplateBody: template, RoleARN: Role!.Arn }));
    expect((await settled(cfn(), 'sticky')).StackStatus).toBe('CREATE_COMPLETE');

    await expectAwsError(cfn().send(new DeleteStackCommand({ StackName: 'sticky', RetainResources: ['Sticky'] })), {
      code: 'ValidationError',
      status: 400,
      message: /RetainResources can only be specified when the stack is in the DELETE_FAILED state/,
    });
    await cfn().send(new DeleteStackCommand({ StackName: 'sticky' }));
    const failed = await settled(cfn(), 'sticky');
    expect(failed.StackStatus).toBe('DELETE_FAILED');
    expect(failed.StackStatusReason).toBe('The following resource(s) failed to delete: [Sticky].');
    expect((await eventLog(cfn(), 'sticky')).find(([id, status]) => id === 'Sticky' && status === 'DELETE_FAILED')?.[2]).toMatch(/not authorized to perform: ssm:DeleteParameter/);

    await cfn().send(new DeleteStackCommand({ StackName: 'sticky', RetainResources: ['Sticky'] }));
    expect((await settled(cfn(), StackId!)).StackStatus).toBe('DELETE_COMPLETE');
    expect((await eventLog(cfn(), StackId!)).at(-2)).toEqual(['Sticky', 'DELETE_SKIPPED', undefined]);
    expect((await new SSMClient(server.clientConfig).send(new GetParameterCommand({ Name: '/sticky' }))).Parameter?.Value).toBe('v');
  });
});
