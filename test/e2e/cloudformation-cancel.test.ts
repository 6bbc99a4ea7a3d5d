/**
 * CancelUpdateStack against real updates that wait: one adding a WaitCondition nobody signals, and
 * one whose custom resource (behind an SNS topic, answered through an SQS subscription) never
 * answers its Update. Each is cancelled while it waits and rolls back to the previous template; the
 * custom resource gets an Update back to its old properties. A DeleteStack during a creation that
 * waits stops it the same way, and the stack is deleted.
 */
import { CancelUpdateStackCommand, CloudFormationClient, CreateStackCommand, DeleteStackCommand, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { eventLog, resourcesOf, settled } from './cloudformation-helpers.js';

const server = useServer();
let cfn: CloudFormationClient;
let ssm: SSMClient;
let sqs: SQSClient;
let sns: SNSClient;
beforeAll(() => {
  cfn = new CloudFormationClient(server.clientConfig);
  ssm = new SSMClient(server.clientConfig);
  sqs = new SQSClient(server.clientConfig);
  sns = new SNSClient(server.clientConfig);
});

/** Waits until the resource has the status (the operation reached it). */
async function whenStatus(stackName: string, logicalId: string, status: string): Promise<void> {
  const until = Date.now() + 10_000;
  while ((await resourcesOf(cfn, stackName))[logicalId]?.ResourceStatus !== status) {
    if (Date.now() > until) throw new Error(`${logicalId} never reached ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const parameter = (value: string) => ({ Type: 'AWS::SSM::Parameter', Properties: { Name: '/cancel/param', Type: 'String', Value: value } });

describe('CancelUpdateStack', () => {
  it('cancels an update waiting on a WaitCondition: the update rolls back and the parameter it changed comes back', async () => {
    const before = { Resources: { Param: parameter('before'), Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } } };
    await cfn.send(new CreateStackCommand({ StackName: 'cancel-wait', TemplateBody: JSON.stringify(before) }));
    expect((await settled(cfn, 'cancel-wait')).StackStatus).toBe('CREATE_COMPLETE');
    await expectAwsError(cfn.send(new CancelUpdateStackCommand({ StackName: 'cancel-wait' })), {
      code: 'ValidationError',
      status: 400,
      message: 'CancelUpdateStack cannot be called from current stack status',
    });

    const after = {
      Resources: {
        Param: parameter('after'),
        Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' },
        Wait: { Type: 'AWS::CloudFormation::WaitCondition', DependsOn: 'Param', Properties: { Handle: { Ref: 'Handle' }, Timeout: '3600' } },
      },
    };
    await cfn.send(new UpdateStackCommand({ StackName: 'cancel-wait', TemplateBody: JSON.stringify(after) }));
    await whenStatus('cancel-wait', 'Wait', 'CREATE_IN_PROGRESS');
    expect((await ssm.send(new GetParameterCommand({ Name: '/cancel/param' }))).Parameter?.Value).toBe('after');
    await cfn.send(new CancelUpdateStackCommand({ StackName: 'cancel-wait' }));

    expect((await settled(cfn, 'cancel-wait')).StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    const log = await eventLog(cfn, 'cancel-wait');
    const stackStatuses = log.filter(([id]) => id === 'cancel-wait').map(([, status, reason]) => [status, reason]);
    expect(stackStatuses.slice(-3)).toEqual([
      ['UPDATE_ROLLBACK_IN_PROGRESS', 'Stack update cancelled'],
      ['UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', undefined],
      ['UPDATE_ROLLBACK_COMPLETE', undefined],
    ]);
    expect(log).toContainEqual(['Wait', 'CREATE_FAILED', 'Resource creation cancelled']);
    expect(log).toContainEqual(['Wait', 'DELETE_COMPLETE', undefined]);
    expect((await ssm.send(new GetParameterCommand({ Name: '/cancel/param' }))).Parameter?.Value).toBe('before');
    expect(Object.keys(await resourcesOf(cfn, 'cancel-wait')).sort()).toEqual(['Handle', 'Param']);
  });

  it('deletes a stack whose creation is waiting on a WaitCondition: the wait is cancelled and what the creation made is deleted', async () => {
    const template = {
      Resources: {
        Param: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/cancel/creating', Type: 'String', Value: 'v' } },
        Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' },
        Wait: { Type: 'AWS::CloudFormation::WaitCondition', DependsOn: 'Param', Properties: { Handle: { Ref: 'Handle' }, Timeout: '3600' } },
      },
    };
    const { StackId } = await cfn.send(new CreateStackCommand({ StackName: 'delete-creating', TemplateBody: JSON.stringify(template) }));
    await whenStatus('delete-creating', 'Wait', 'CREATE_IN_PROGRESS');
    await cfn.send(new DeleteStackCommand({ StackName: 'delete-creating' }));
    // Asking again while the creation stops is answered as the first time.
    await cfn.send(new DeleteStackCommand({ StackName: 'delete-creating' }));

    expect((await settled(cfn, StackId!)).StackStatus).toBe('DELETE_COMPLETE');
    const log = await eventLog(cfn, StackId!);
    expect(log).toContainEqual(['Wait', 'CREATE_FAILED', 'Resource creation cancelled']);
    const stackStatuses = log.filter(([id]) => id === 'delete-creating').map(([, status, reason]) => [status, reason]);
    expect(stackStatuses).toEqual([
      ['CREATE_IN_PROGRESS', 'User Initiated'],
      ['DELETE_IN_PROGRESS', 'User Initiated'],
      ['DELETE_COMPLETE', undefined],
    ]);
    await expectAwsError(ssm.send(new GetParameterCommand({ Name: '/cancel/creating' })), { code: 'ParameterNotFound', status: 400 });
  });

  it("cancels an update waiting on a custom resource's answer: the resource fails with 'Resource update cancelled' and the stack rolls back", async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'custom-requests' }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'custom-requests' }));
    const policy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: Attributes!.QueueArn, Condition: { ArnEquals: { 'aws:SourceArn': TopicArn } } }],
    };
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: JSON.stringify(policy) } }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn, Attributes: { RawMessageDelivery: 'true' } }));

    /** The next request CloudFormation sent to the topic; answered SUCCESS unless told not to. */
    const nextRequest = async (answer: boolean): Promise<Record<string, unknown>> => {
      const until = Date.now() + 10_000;
      for (;;) {
        const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 }));
        const message = Messages?.[0];
        if (message) {
          await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
          const request = JSON.parse(message.Body!) as Record<string, string>;
          if (answer) {
            const response = { Status: 'SUCCESS', PhysicalResourceId: 'widget-1', StackId: request.StackId, RequestId: request.RequestId, LogicalResourceId: request.LogicalResourceId };
            const put = await fetch(request.ResponseURL!, { method: 'PUT', body: JSON.stringify(response) });
            expect(put.status).toBe(200);
          }
          return request;
        }
        if (Date.now() > until) throw new Error('no custom resource request arrived');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const template = (size: string) => JSON.stringify({ Resources: { Widget: { Type: 'Custom::Widget', Properties: { ServiceToken: TopicArn, Size: size } } } });

    await cfn.send(new CreateStackCommand({ StackName: 'cancel-custom', TemplateBody: template('1') }));
    expect((await nextRequest(true)).RequestType).toBe('Create');
    expect((await settled(cfn, 'cancel-custom')).StackStatus).toBe('CREATE_COMPLETE');

    await cfn.send(new UpdateStackCommand({ StackName: 'cancel-custom', TemplateBody: template('2') }));
    expect(await nextRequest(false)).toMatchObject({ RequestType: 'Update', ResourceProperties: expect.objectContaining({ Size: '2' }) });
    await cfn.send(new CancelUpdateStackCommand({ StackName: 'cancel-custom' }));
    // The resource may have taken the cancelled update: the rollback updates it back, as AWS does.
    const rollback = await nextRequest(true);
    expect(rollback).toMatchObject({ RequestType: 'Update', PhysicalResourceId: 'widget-1' });
    expect(rollback.ResourceProperties).toEqual({ ServiceToken: TopicArn, Size: '1' });
    expect(rollback.OldResourceProperties).toEqual({ ServiceToken: TopicArn, Size: '2' });

    expect((await settled(cfn, 'cancel-custom')).StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    const log = await eventLog(cfn, 'cancel-custom');
    expect(log).toContainEqual(['Widget', 'UPDATE_FAILED', 'Resource update cancelled']);
    expect(log).toContainEqual(['cancel-custom', 'UPDATE_ROLLBACK_IN_PROGRESS', 'Stack update cancelled']);
    expect(log.at(-1)).toEqual(['cancel-custom', 'UPDATE_ROLLBACK_COMPLETE', undefined]);
  });
});
