/**
 * Who may use an SQS queue: IAM users by their identity policies (with the queue's tags), other
 * accounts and service principals (EventBridge, SNS delivering in-process) by the queue policy,
 * and the operations only the queue's own account may call.
 */
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { servicePrincipal } from '../../src/core/accounts.js';
import { AwsError } from '../../src/core/errors.js';
import { expectAwsError, useServer } from '../helpers.js';

const server = useServer();
const root = () => new SQSClient(server.clientConfig);
const otherAccount = () => new SQSClient({ ...server.clientConfig, credentials: { accessKeyId: '111122223333', secretAccessKey: 'test' } });
const ARN = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;

function policy(...statements: Record<string, unknown>[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

async function user(name: string, ...statements: Record<string, unknown>[]): Promise<SQSClient> {
  const iam = new IAMClient(server.clientConfig);
  await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: policy(...statements) }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  return new SQSClient({ ...server.clientConfig, credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }, maxAttempts: 1 });
}

async function awsError(promise: Promise<unknown>): Promise<AwsError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AwsError) return err;
    throw err;
  }
  throw new Error('expected an AwsError');
}

describe('identity policies', () => {
  it('allows a user what its policy allows on the queue, by ARN and by tag, and nothing else', async () => {
    const { QueueUrl } = await root().send(new CreateQueueCommand({ QueueName: 'jobs', tags: { team: 'blue' } }));
    await root().send(new CreateQueueCommand({ QueueName: 'other-jobs' }));
    const sender = await user(
      'sender',
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: ARN('jobs') },
      { Effect: 'Allow', Action: 'sqs:ReceiveMessage', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'blue' } } },
    );
    await sender.send(new SendMessageCommand({ QueueUrl, MessageBody: 'allowed' }));
    expect((await sender.send(new ReceiveMessageCommand({ QueueUrl }))).Messages?.[0].Body).toBe('allowed');
    await expectAwsError(sender.send(new SendMessageCommand({ QueueUrl: QueueUrl!.replace('/jobs', '/other-jobs'), MessageBody: 'x' })), {
      code: 'AccessDenied',
      status: 403,
      message: `is not authorized to perform: sqs:SendMessage on resource: ${ARN('other-jobs')}`,
    });
    await expectAwsError(sender.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] })), { code: 'AccessDenied', status: 403 });
  });
});

describe('queue policies', () => {
  it('lets another account send when the queue policy allows it, and keeps owner-only operations to the owner', async () => {
    const { QueueUrl } = await root().send(new CreateQueueCommand({ QueueName: 'shared-inbox' }));
    await expectAwsError(otherAccount().send(new SendMessageCommand({ QueueUrl, MessageBody: 'not yet' })), { code: 'AccessDenied', status: 403 });
    await root().send(
      new SetQueueAttributesCommand({
        QueueUrl,
        Attributes: { Policy: policy({ Effect: 'Allow', Principal: { AWS: '111122223333' }, Action: ['sqs:SendMessage', 'sqs:SetQueueAttributes'], Resource: ARN('shared-inbox') }) },
      }),
    );
    await otherAccount().send(new SendMessageCommand({ QueueUrl, MessageBody: 'from 1111' }));
    const { Messages } = await root().send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['SenderId'] }));
    expect(Messages?.[0]).toMatchObject({ Body: 'from 1111', Attributes: { SenderId: '111122223333' } });
    // SetQueueAttributes is the owner's alone, whatever the policy grants.
    await expectAwsError(otherAccount().send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { DelaySeconds: '5' } })), { code: 'AccessDenied', status: 403 });
  });

  it('checks in-process sends by a service principal against the queue policy', async () => {
    const { QueueUrl } = await root().send(new CreateQueueCommand({ QueueName: 'rule-target' }));
    const events = { principal: servicePrincipal('000000000000', 'events.amazonaws.com'), region: 'us-east-1' };
    // EventBridge names the queue by its ARN; any host of /<account>/<name> does.
    const input = { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/rule-target', MessageBody: '{"detail":{}}' };
    const denied = await awsError(server.runtime.call('sqs', 'SendMessage', input, events));
    expect(denied.code).toBe('AccessDenied');
    await root().send(
      new SetQueueAttributesCommand({
        QueueUrl,
        Attributes: { Policy: policy({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: ARN('rule-target') }) },
      }),
    );
    const sent = await server.runtime.call('sqs', 'SendMessage', input, events);
    expect(sent.MessageId).toBeDefined();
    const sns = { principal: servicePrincipal('000000000000', 'sns.amazonaws.com'), region: 'us-east-1' };
    expect((await awsError(server.runtime.call('sqs', 'SendMessage', input, sns))).code).toBe('AccessDenied');
    expect((await root().send(new ReceiveMessageCommand({ QueueUrl }))).Messages?.[0].Body).toBe('{"detail":{}}');
  });

  it("holds a service principal to the policy's aws:SourceArn condition", async () => {
    const { QueueUrl } = await root().send(new CreateQueueCommand({ QueueName: 'one-rule-only' }));
    const rule = 'arn:aws:events:us-east-1:000000000000:rule/allowed';
    await root().send(
      new SetQueueAttributesCommand({
        QueueUrl,
        Attributes: {
          Policy: policy({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: ARN('one-rule-only'),
            Condition: { ArnEquals: { 'aws:SourceArn': rule } },
          }),
        },
      }),
    );
    const input = { QueueUrl: QueueUrl!, MessageBody: 'event' };
    const from = (sourceArn: string) => ({ principal: servicePrincipal('000000000000', 'events.amazonaws.com'), region: 'us-east-1', sourceArn, sourceAccount: '000000000000' });
    expect((await server.runtime.call('sqs', 'SendMessage', input, from(rule))).MessageId).toBeDefined();
    expect((await awsError(server.runtime.call('sqs', 'SendMessage', input, from(`${rule}-other`)))).code).toBe('AccessDenied');
  });
});
