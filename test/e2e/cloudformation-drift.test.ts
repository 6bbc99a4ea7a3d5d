/**
 * CloudFormation drift detection end to end: a stack of an SSM parameter, an SQS queue, an IAM role
 * with an inline policy and a parameter that is deleted, changed behind the stack's back through
 * each service's own API, then DetectStackDrift (a job polled through
 * DescribeStackDriftDetectionStatus), DescribeStackResourceDrifts with AWS's property differences,
 * DetectStackResourceDrift, and the DriftInformation the stack and resource views report.
 */
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackDriftDetectionStatusCommand,
  type DescribeStackDriftDetectionStatusOutput,
  DescribeStackResourceCommand,
  DescribeStackResourceDriftsCommand,
  DescribeStacksCommand,
  DetectStackDriftCommand,
  DetectStackResourceDriftCommand,
  ListStackResourcesCommand,
  type StackResourceDrift,
} from '@aws-sdk/client-cloudformation';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateQueueCommand, GetQueueUrlCommand, ReceiveMessageCommand, SetQueueAttributesCommand, SQSClient, TagQueueCommand } from '@aws-sdk/client-sqs';
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { settled } from './cloudformation-helpers.js';

const server = useServer();
const cfn = () => new CloudFormationClient(server.clientConfig);
const STACK = 'drift-stack';

const READ_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] };

const TEMPLATE = JSON.stringify({
  Resources: {
    Setting: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/drift/setting', Type: 'String', Value: 'original', Tags: { env: 'dev' } } },
    Steady: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/drift/steady', Type: 'String', Value: 'untouched' } },
    Doomed: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/drift/doomed', Type: 'String', Value: 'soon gone' } },
    Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'drift-queue', VisibilityTimeout: 30, Tags: [{ Key: 'team', Value: 'a' }] } },
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
        Policies: [{ PolicyName: 'read', PolicyDocument: READ_POLICY }],
      },
    },
  },
});

async function detectionFinished(client: CloudFormationClient, detectionId: string): Promise<DescribeStackDriftDetectionStatusOutput> {
  for (;;) {
    const status = await client.send(new DescribeStackDriftDetectionStatusCommand({ StackDriftDetectionId: detectionId }));
    if (status.DetectionStatus !== 'DETECTION_IN_PROGRESS') return status;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function driftsByLogicalId(client: CloudFormationClient): Promise<Record<string, StackResourceDrift>> {
  const { StackResourceDrifts } = await client.send(new DescribeStackResourceDriftsCommand({ StackName: STACK }));
  return Object.fromEntries(StackResourceDrifts!.map((drift) => [drift.LogicalResourceId!, drift]));
}

describe('CloudFormation drift detection', () => {
  let roleName: string;

  beforeAll(async () => {
    const client = cfn();
    await client.send(new CreateStackCommand({ StackName: STACK, TemplateBody: TEMPLATE, Capabilities: ['CAPABILITY_IAM'] }));
    expect((await settled(client, STACK)).StackStatus).toBe('CREATE_COMPLETE');
    roleName = (await client.send(new DescribeStackResourceCommand({ StackName: STACK, LogicalResourceId: 'Role' }))).StackResourceDetail!.PhysicalResourceId!;
  });

  it('reports NOT_CHECKED before any detection, then IN_SYNC for an untouched stack', async () => {
    const client = cfn();
    const before = (await client.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks![0]!;
    expect(before.DriftInformation).toEqual({ StackDriftStatus: 'NOT_CHECKED' });
    const resources = (await client.send(new ListStackResourcesCommand({ StackName: STACK }))).StackResourceSummaries!;
    expect(resources.map((r) => r.DriftInformation?.StackResourceDriftStatus)).toEqual(resources.map(() => 'NOT_CHECKED'));

    const { StackDriftDetectionId } = await client.send(new DetectStackDriftCommand({ StackName: STACK }));
    const status = await detectionFinished(client, StackDriftDetectionId!);
    expect(status).toMatchObject({ StackDriftDetectionId, DetectionStatus: 'DETECTION_COMPLETE', StackDriftStatus: 'IN_SYNC', DriftedStackResourceCount: 0 });
    expect(status.StackId).toBe(before.StackId);

    const drifts = await driftsByLogicalId(client);
    expect(Object.keys(drifts).sort()).toEqual(['Doomed', 'Queue', 'Role', 'Setting', 'Steady']);
    expect(Object.values(drifts).map((d) => d.StackResourceDriftStatus)).toEqual(Object.values(drifts).map(() => 'IN_SYNC'));
    expect(JSON.parse(drifts.Setting!.ExpectedProperties!)).toEqual({ Name: '/drift/setting', Type: 'String', Value: 'original', Tags: { env: 'dev' } });
    expect(JSON.parse(drifts.Setting!.ActualProperties!)).toEqual({ Name: '/drift/setting', Type: 'String', Value: 'original', Tags: { env: 'dev' } });
    expect(drifts.Setting!.PropertyDifferences).toEqual([]);

    const after = (await client.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks![0]!;
    expect(after.DriftInformation?.StackDriftStatus).toBe('IN_SYNC');
    expect(after.DriftInformation?.LastCheckTimestamp).toBeInstanceOf(Date);
  });

  it('finds what was changed or deleted behind the stack through the service APIs', async () => {
    const client = cfn();
    const ssm = new SSMClient(server.clientConfig);
    const sqs = new SQSClient(server.clientConfig);
    const iam = new IAMClient(server.clientConfig);
    await ssm.send(new PutParameterCommand({ Name: '/drift/setting', Value: 'changed', Type: 'String', Overwrite: true }));
    await ssm.send(new DeleteParameterCommand({ Name: '/drift/doomed' }));
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'drift-queue' }));
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { VisibilityTimeout: '45' } }));
    await sqs.send(new TagQueueCommand({ QueueUrl, Tags: { team: 'b', owner: 'me' } }));
    const writePolicy = { ...READ_POLICY, Statement: [{ ...READ_POLICY.Statement[0], Action: 's3:PutObject' }] };
    await iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: 'read', PolicyDocument: JSON.stringify(writePolicy) }));

    const { StackDriftDetectionId } = await client.send(new DetectStackDriftCommand({ StackName: STACK }));
    expect(await detectionFinished(client, StackDriftDetectionId!)).toMatchObject({ DetectionStatus: 'DETECTION_COMPLETE', StackDriftStatus: 'DRIFTED', DriftedStackResourceCount: 4 });

    const drifts = await driftsByLogicalId(client);
    expect(drifts.Steady!.StackResourceDriftStatus).toBe('IN_SYNC');
    expect(drifts.Setting).toMatchObject({
      StackResourceDriftStatus: 'MODIFIED',
      PhysicalResourceId: '/drift/setting',
      ResourceType: 'AWS::SSM::Parameter',
      PropertyDifferences: [{ PropertyPath: '/Value', ExpectedValue: 'original', ActualValue: 'changed', DifferenceType: 'NOT_EQUAL' }],
    });
    expect(JSON.parse(drifts.Setting!.ActualProperties!).Value).toBe('changed');
    expect(drifts.Doomed!.StackResourceDriftStatus).toBe('DELETED');
    expect(drifts.Doomed!.ActualProperties).toBeUndefined();
    expect(JSON.parse(drifts.Doomed!.ExpectedProperties!)).toEqual({ Name: '/drift/doomed', Type: 'String', Value: 'soon gone' });

    const queueDifferences = drifts.Queue!.PropertyDifferences!;
    expect(drifts.Queue!.StackResourceDriftStatus).toBe('MODIFIED');
    expect(queueDifferences).toContainEqual({ PropertyPath: '/VisibilityTimeout', ExpectedValue: '30', ActualValue: '45', DifferenceType: 'NOT_EQUAL' });
    expect(queueDifferences).toContainEqual({ PropertyPath: '/Tags/0/Value', ExpectedValue: 'a', ActualValue: 'b', DifferenceType: 'NOT_EQUAL' });
    const added = queueDifferences.find((d) => d.DifferenceType === 'ADD');
    expect(added).toMatchObject({ PropertyPath: expect.stringMatching(/^\/Tags\/\d$/), ExpectedValue: 'null' });
    expect(JSON.parse(added!.ActualValue!)).toEqual({ Key: 'owner', Value: 'me' });
    expect(queueDifferences).toHaveLength(3);

    expect(drifts.Role).toMatchObject({
      StackResourceDriftStatus: 'MODIFIED',
      PropertyDifferences: [{ PropertyPath: '/Policies/0/PolicyDocument/Statement/0/Action', ExpectedValue: 's3:GetObject', ActualValue: 's3:PutObject', DifferenceType: 'NOT_EQUAL' }],
    });
  });

  it('filters and pages the resource drifts, and shows them in the stack and resource views', async () => {
    const client = cfn();
    const deleted = await client.send(new DescribeStackResourceDriftsCommand({ StackName: STACK, StackResourceDriftStatusFilters: ['DELETED'] }));
    expect(deleted.StackResourceDrifts!.map((d) => d.LogicalResourceId)).toEqual(['Doomed']);
    const first = await client.send(new DescribeStackResourceDriftsCommand({ StackName: STACK, MaxResults: 3 }));
    expect(first.StackResourceDrifts).toHaveLength(3);
    const second = await client.send(new DescribeStackResourceDriftsCommand({ StackName: STACK, MaxResults: 3, NextToken: first.NextToken }));
    expect(second.NextToken).toBeUndefined();
    expect([...first.StackResourceDrifts!, ...second.StackResourceDrifts!].map((d) => d.LogicalResourceId)).toEqual(['Setting', 'Steady', 'Doomed', 'Queue', 'Role']);

    const stack = (await client.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks![0]!;
    expect(stack.DriftInformation?.StackDriftStatus).toBe('DRIFTED');
    const setting = (await client.send(new DescribeStackResourceCommand({ StackName: STACK, LogicalResourceId: 'Setting' }))).StackResourceDetail!;
    expect(setting.DriftInformation?.StackResourceDriftStatus).toBe('MODIFIED');
    expect(setting.DriftInformation?.LastCheckTimestamp).toBeInstanceOf(Date);
    const summaries = (await client.send(new ListStackResourcesCommand({ StackName: STACK }))).StackResourceSummaries!;
    expect(Object.fromEntries(summaries.map((r) => [r.LogicalResourceId, r.DriftInformation?.StackResourceDriftStatus]))).toEqual({
      Setting: 'MODIFIED',
      Steady: 'IN_SYNC',
      Doomed: 'DELETED',
      Queue: 'MODIFIED',
      Role: 'MODIFIED',
    });
  });

  it('checks one resource at once with DetectStackResourceDrift, and only the named ones with LogicalResourceIds', async () => {
    const client = cfn();
    const ssm = new SSMClient(server.clientConfig);
    await ssm.send(new PutParameterCommand({ Name: '/drift/setting', Value: 'original', Type: 'String', Overwrite: true }));
    const { StackResourceDrift } = await client.send(new DetectStackResourceDriftCommand({ StackName: STACK, LogicalResourceId: 'Setting' }));
    expect(StackResourceDrift).toMatchObject({ LogicalResourceId: 'Setting', StackResourceDriftStatus: 'IN_SYNC', PropertyDifferences: [] });
    expect(StackResourceDrift!.Timestamp).toBeInstanceOf(Date);

    const { StackDriftDetectionId } = await client.send(new DetectStackDriftCommand({ StackName: STACK, LogicalResourceIds: ['Doomed', 'Steady'] }));
    expect(await detectionFinished(client, StackDriftDetectionId!)).toMatchObject({ StackDriftStatus: 'DRIFTED', DriftedStackResourceCount: 1 });
  });

  it('puts a Drift Detection Status Change event on the bus when a detection starts and when it ends', async () => {
    const client = cfn();
    const sqs = new SQSClient(server.clientConfig);
    const events = new EventBridgeClient(server.clientConfig);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'drift-events' }));
    const queueArn = 'arn:aws:sqs:us-east-1:000000000000:drift-events';
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: queueArn }] };
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: JSON.stringify(policy) } }));
    const EventPattern = JSON.stringify({ source: ['aws.cloudformation'], 'detail-type': ['CloudFormation Drift Detection Status Change'] });
    await events.send(new PutRuleCommand({ Name: 'drift-status', EventPattern }));
    await events.send(new PutTargetsCommand({ Rule: 'drift-status', Targets: [{ Id: 'queue', Arn: queueArn }] }));

    const { StackDriftDetectionId } = await client.send(new DetectStackDriftCommand({ StackName: STACK, LogicalResourceIds: ['Steady'] }));
    const details: unknown[] = [];
    const until = Date.now() + 15_000;
    while (details.length < 2 && Date.now() < until) {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
      for (const message of Messages ?? []) details.push(JSON.parse(message.Body!).detail);
    }
    const stackId = (await client.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks![0]!.StackId;
    const detail = (status: string, drift: string, count: number) => ({
      'stack-id': stackId,
      'stack-drift-detection-id': StackDriftDetectionId,
      'status-details': { 'stack-drift-status': drift, 'detection-status': status },
      'drift-detection-details': { 'drifted-stack-resource-count': count },
    });
    expect(details).toHaveLength(2);
    expect(details).toContainEqual(detail('DETECTION_IN_PROGRESS', 'NOT_CHECKED', -1));
    expect(details).toContainEqual(detail('DETECTION_COMPLETE', 'IN_SYNC', 0));
  });

  it("refuses what AWS refuses with CloudFormation's errors", async () => {
    const client = cfn();
    await expectAwsError(client.send(new DetectStackDriftCommand({ StackName: 'no-such-stack' })), {
      code: 'ValidationError',
      status: 400,
      message: 'Stack with id no-such-stack does not exist',
    });
    await expectAwsError(client.send(new DetectStackResourceDriftCommand({ StackName: STACK, LogicalResourceId: 'Nothing' })), {
      code: 'ValidationError',
      status: 400,
      message: `Resource Nothing does not exist for stack ${STACK}`,
    });
    await expectAwsError(client.send(new DetectStackDriftCommand({ StackName: STACK, LogicalResourceIds: ['Setting', 'Nothing'] })), { code: 'ValidationError', status: 400 });
    await expectAwsError(client.send(new DescribeStackDriftDetectionStatusCommand({ StackDriftDetectionId: '00000000-0000-0000-0000-000000000000' })), {
      code: 'ValidationError',
      status: 400,
    });
    await expectAwsError(client.send(new DescribeStackResourceDriftsCommand({ StackName: 'no-such-stack' })), { code: 'ValidationError', status: 400 });
    await expectAwsError(client.send(new DescribeStackResourceDriftsCommand({ StackName: STACK, NextToken: 'garbage' })), { code: 'ValidationError', status: 400 });
  });
});
