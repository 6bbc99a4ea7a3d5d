/**
 * SNS topics with the real SDK client: creation (idempotent, AWS's name rules, FIFO), attributes
 * (defaults, the default access policy, delivery policies), listing, deletion, tags, AddPermission
 * and RemovePermission, and who may use a topic (the topic policy admits the owner's account; other
 * accounts need a grant; denials are AuthorizationError 403).
 */
import {
  AddPermissionCommand,
  CreateTopicCommand,
  DeleteTopicCommand,
  GetDataProtectionPolicyCommand,
  GetTopicAttributesCommand,
  ListTagsForResourceCommand,
  ListTopicsCommand,
  PublishCommand,
  PutDataProtectionPolicyCommand,
  RemovePermissionCommand,
  SetTopicAttributesCommand,
  SNSClient,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { createIamUser, expectAwsError, useServer } from '../helpers.js';

const server = useServer();
const client = (accessKeyId = 'test') => new SNSClient({ ...server.clientConfig, credentials: { accessKeyId, secretAccessKey: 'test' } });

describe('SNS topics', () => {
  it('creates a topic with AWS default attributes, and creating it again answers the same ARN', async () => {
    const sns = client();
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'orders', Tags: [{ Key: 'team', Value: 'a' }] }));
    expect(TopicArn).toBe('arn:aws:sns:us-east-1:000000000000:orders');
    expect((await sns.send(new CreateTopicCommand({ Name: 'orders' }))).TopicArn).toBe(TopicArn);
    expect((await sns.send(new CreateTopicCommand({ Name: 'orders', Tags: [{ Key: 'team', Value: 'a' }] }))).TopicArn).toBe(TopicArn);
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
    expect(Attributes).toMatchObject({
      Owner: '000000000000',
      TopicArn,
      DisplayName: '',
      SubscriptionsPending: '0',
      SubscriptionsConfirmed: '0',
      SubscriptionsDeleted: '0',
    });
    expect(Attributes!.FifoTopic).toBeUndefined();
    expect(JSON.parse(Attributes!.EffectiveDeliveryPolicy!)).toEqual({
      http: {
        defaultHealthyRetryPolicy: { minDelayTarget: 20, maxDelayTarget: 20, numRetries: 3, numMaxDelayRetries: 0, numNoDelayRetries: 0, numMinDelayRetries: 0, backoffFunction: 'linear' },
        disableSubscriptionOverrides: false,
        defaultRequestPolicy: { headerContentType: 'text/plain; charset=UTF-8' },
      },
    });
    const policy = JSON.parse(Attributes!.Policy!);
    expect(policy.Statement[0]).toMatchObject({ Sid: '__default_statement_ID', Principal: { AWS: '*' }, Resource: TopicArn, Condition: { StringEquals: { 'AWS:SourceOwner': '000000000000' } } });
    expect(policy.Statement[0].Action).toContain('SNS:Publish');
  });

  it('refuses to create an existing topic with other attributes or tags, and writes nothing', async () => {
    const sns = client();
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'conflicts', Attributes: { DisplayName: 'one' } }));
    await expectAwsError(sns.send(new CreateTopicCommand({ Name: 'conflicts', Attributes: { DisplayName: 'two' } })), {
      code: 'InvalidParameter',
      status: 400,
      message: 'Invalid parameter: Attributes Reason: Topic already exists with different attributes',
    });
    await expectAwsError(sns.send(new CreateTopicCommand({ Name: 'conflicts', Tags: [{ Key: 'k', Value: 'v' }] })), {
      code: 'InvalidParameter',
      status: 400,
      message: 'Invalid parameter: Tags Reason: Topic already exists with different tags',
    });
    expect((await sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes!.DisplayName).toBe('one');
    expect((await sns.send(new ListTagsForResourceCommand({ ResourceArn: TopicArn }))).Tags).toEqual([]);
  });

  it('applies AWS topic name rules', async () => {
    const sns = client();
    expect((await sns.send(new CreateTopicCommand({ Name: 'a'.repeat(256) }))).TopicArn).toMatch(/:a{256}$/);
    for (const name of ['a'.repeat(257), 'has:colon', 'semi;colon', 'bang!', 'sp ace', 'dot.fifo']) {
      await expectAwsError(sns.send(new CreateTopicCommand({ Name: name })), { code: 'InvalidParameter', status: 400, message: 'Invalid parameter: Topic Name' });
    }
    await expectAwsError(sns.send(new CreateTopicCommand({ Name: 'nofifosuffix', Attributes: { FifoTopic: 'true' } })), {
      code: 'InvalidParameter',
      status: 400,
      message: 'Fifo Topic names must end with .fifo',
    });
    const names = (await sns.send(new ListTopicsCommand({}))).Topics!.map((t) => t.TopicArn!.split(':').pop());
    expect(names).not.toContain('nofifosuffix');
  });

  it('creates FIFO topics, whose attributes say so and whose FIFO settings only they accept', async () => {
    const sns = client();
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'ledger.fifo', Attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'true' } }));
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
    expect(Attributes).toMatchObject({ FifoTopic: 'true', ContentBasedDeduplication: 'true' });
    await expectAwsError(sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: 'FifoTopic', AttributeValue: 'false' })), {
      code: 'InvalidParameter',
      status: 400,
      message: 'Invalid parameter: AttributeName',
    });
    const standard = (await sns.send(new CreateTopicCommand({ Name: 'plain' }))).TopicArn;
    await expectAwsError(sns.send(new SetTopicAttributesCommand({ TopicArn: standard, AttributeName: 'ContentBasedDeduplication', AttributeValue: 'true' })), {
      code: 'InvalidParameter',
      status: 400,
      message: 'Invalid parameter: AttributeName',
    });
  });

  it('sets attributes, and an HTTP delivery policy shows in EffectiveDeliveryPolicy', async () => {
    const sns = client();
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'settable' }));
    await sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: 'DisplayName', AttributeValue: 'Alerts' }));
    await sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: 'SignatureVersion', AttributeValue: '2' }));
    const deliveryPolicy = JSON.stringify({ http: { defaultHealthyRetryPolicy: { minDelayTarget: 5, maxDelayTarget: 6, numRetries: 1 }, disableSubscriptionOverrides: false } });
    await sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: 'DeliveryPolicy', AttributeValue: deliveryPolicy }));
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
    expect(Attributes).toMatchObject({ DisplayName: 'Alerts', SignatureVersion: '2', DeliveryPolicy: deliveryPolicy });
    expect(JSON.parse(Attributes!.EffectiveDeliveryPolicy!).http.defaultHealthyRetryPolicy).toEqual({
      minDelayTarget: 5,
      maxDelayTarget: 6,
      numRetries: 1,
      numMaxDelayRetries: 0,
      numNoDelayRetries: 0,
      numMinDelayRetries: 0,
      backoffFunction: 'linear',
    });
    await sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: 'DeliveryPolicy', AttributeValue: '' }));
    expect((await sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes!.DeliveryPolicy).toBeUndefined();
  });

  it('refuses unknown attributes and bad values, changing nothing', async () => {
    const sns = client();
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'strict' }));
    await expectAwsError(sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: 'Color', AttributeValue: 'red' })), {
      code: 'InvalidParameter',
      status: 400,
      message: 'Invalid parameter: AttributeName',
    });
    await expectAwsError(sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: 'SignatureVersion', AttributeValue: '3' })), { code: 'InvalidParameter', status: 400 });
    await expectAwsError(sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: 'Policy', AttributeValue: '{not json' })), { code: 'InvalidParameter', status: 400 });
    await expectAwsError(
      sns.send(
        new SetTopicAttributesCommand({
          TopicArn,
          AttributeName: 'DeliveryPolicy',
          AttributeValue: JSON.stringify({ http: { defaultHealthyRetryPolicy: { minDelayTarget: 30, maxDelayTarget: 10 } } }),
        }),
      ),
      { code: 'InvalidParameter', status: 400 },
    );
    await expectAwsError(sns.send(new CreateTopicCommand({ Name: 'strict-2', Attributes: { Bogus: 'x' } })), { code: 'InvalidParameter', status: 400 });
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
    expect(Attributes!.SignatureVersion).toBeUndefined();
    expect(Attributes!.DeliveryPolicy).toBeUndefined();
  });

  it('answers NotFound for a topic that does not exist and InvalidParameter for a malformed or other-Region ARN', async () => {
    const sns = client();
    await expectAwsError(sns.send(new GetTopicAttributesCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:nope' })), { code: 'NotFound', status: 404, message: 'Topic does not exist' });
    await expectAwsError(sns.send(new GetTopicAttributesCommand({ TopicArn: 'not-an-arn' })), {
      code: 'InvalidParameter',
      status: 400,
      message: 'Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1',
    });
    await expectAwsError(sns.send(new GetTopicAttributesCommand({ TopicArn: 'arn:aws:sns:eu-west-1:000000000000:elsewhere' })), {
      code: 'InvalidParameter',
      status: 400,
      message: 'Invalid parameter: TopicArn',
    });
  });

  it('deletes topics, and deleting one that is gone succeeds', async () => {
    const sns = client();
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'short-lived' }));
    await sns.send(new DeleteTopicCommand({ TopicArn }));
    await sns.send(new DeleteTopicCommand({ TopicArn }));
    await expectAwsError(sns.send(new GetTopicAttributesCommand({ TopicArn })), { code: 'NotFound', status: 404 });
  });

  it('lists topics in pages of 100 and refuses a foreign NextToken', async () => {
    const sns = client('222233334444');
    for (let i = 0; i < 105; i++) await sns.send(new CreateTopicCommand({ Name: `page-${i}` }));
    const first = await sns.send(new ListTopicsCommand({}));
    expect(first.Topics).toHaveLength(100);
    const second = await sns.send(new ListTopicsCommand({ NextToken: first.NextToken }));
    expect(second.Topics).toHaveLength(5);
    expect(second.NextToken).toBeUndefined();
    expect(new Set([...first.Topics!, ...second.Topics!].map((t) => t.TopicArn)).size).toBe(105);
    await expectAwsError(sns.send(new ListTopicsCommand({ NextToken: 'garbage' })), { code: 'InvalidParameter', status: 400, message: 'Invalid parameter: NextToken' });
  });

  it('tags topics within AWS limits', async () => {
    const sns = client();
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'tagged' }));
    await sns.send(
      new TagResourceCommand({
        ResourceArn: TopicArn,
        Tags: [
          { Key: 'k1', Value: 'v1' },
          { Key: 'k2', Value: 'v2' },
        ],
      }),
    );
    await sns.send(new TagResourceCommand({ ResourceArn: TopicArn, Tags: [{ Key: 'k2', Value: 'v2b' }] }));
    await sns.send(new UntagResourceCommand({ ResourceArn: TopicArn, TagKeys: ['k1'] }));
    expect((await sns.send(new ListTagsForResourceCommand({ ResourceArn: TopicArn }))).Tags).toEqual([{ Key: 'k2', Value: 'v2b' }]);
    await expectAwsError(
      sns.send(
        new TagResourceCommand({
          ResourceArn: TopicArn,
          Tags: [
            { Key: 'd', Value: '1' },
            { Key: 'd', Value: '2' },
          ],
        }),
      ),
      {
        code: 'InvalidParameter',
        status: 400,
        message: 'Invalid parameter: Duplicated keys are not allowed.',
      },
    );
    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `t${i}`, Value: 'v' }));
    await expectAwsError(sns.send(new TagResourceCommand({ ResourceArn: TopicArn, Tags: many })), { code: 'TagLimitExceeded', status: 400 });
    expect((await sns.send(new ListTagsForResourceCommand({ ResourceArn: TopicArn }))).Tags).toHaveLength(1);
    await expectAwsError(sns.send(new ListTagsForResourceCommand({ ResourceArn: 'arn:aws:sns:us-east-1:000000000000:untagged' })), {
      code: 'ResourceNotFound',
      status: 404,
      message: 'Resource does not exist',
    });
  });

  it('stores a data protection policy', async () => {
    const sns = client();
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'protected' }));
    expect((await sns.send(new GetDataProtectionPolicyCommand({ ResourceArn: TopicArn }))).DataProtectionPolicy).toBe('');
    const policy = JSON.stringify({ Name: 'p', Version: '2021-06-01', Statement: [] });
    await sns.send(new PutDataProtectionPolicyCommand({ ResourceArn: TopicArn, DataProtectionPolicy: policy }));
    expect((await sns.send(new GetDataProtectionPolicyCommand({ ResourceArn: TopicArn }))).DataProtectionPolicy).toBe(policy);
  });
});

describe('SNS topic access', () => {
  it('admits principals of the owner account through the default policy, refuses other accounts with AuthorizationError', async () => {
    const owner = client();
    const { TopicArn } = await owner.send(new CreateTopicCommand({ Name: 'guarded' }));
    // An IAM user without any identity policy: the default topic policy allows its account.
    const user = await createIamUser(server.clientConfig, 'sns-publisher', []);
    const asUser = new SNSClient({ ...server.clientConfig, credentials: user.credentials });
    expect((await asUser.send(new PublishCommand({ TopicArn, Message: 'from a user' }))).MessageId).toBeDefined();

    const stranger = client('111122223333');
    await expectAwsError(stranger.send(new PublishCommand({ TopicArn, Message: 'hello' })), {
      code: 'AuthorizationError',
      status: 403,
      message: `User: arn:aws:iam::111122223333:root is not authorized to perform: SNS:Publish on resource: ${TopicArn}`,
    });
    await owner.send(new AddPermissionCommand({ TopicArn, Label: 'let-them-publish', AWSAccountId: ['111122223333'], ActionName: ['Publish'] }));
    const statement = JSON.parse((await owner.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes!.Policy!).Statement[1];
    expect(statement).toEqual({ Sid: 'let-them-publish', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'SNS:Publish', Resource: TopicArn });
    expect((await stranger.send(new PublishCommand({ TopicArn, Message: 'hello' }))).MessageId).toBeDefined();
    await expectAwsError(stranger.send(new GetTopicAttributesCommand({ TopicArn })), { code: 'AuthorizationError', status: 403 });

    await expectAwsError(owner.send(new AddPermissionCommand({ TopicArn, Label: 'let-them-publish', AWSAccountId: ['111122223333'], ActionName: ['Publish'] })), {
      code: 'InvalidParameter',
      status: 400,
      message: 'Invalid parameter: Statement already exists',
    });
    await expectAwsError(owner.send(new AddPermissionCommand({ TopicArn, Label: 'bad', AWSAccountId: ['111122223333'], ActionName: ['Explode'] })), { code: 'InvalidParameter', status: 400 });
    await owner.send(new RemovePermissionCommand({ TopicArn, Label: 'let-them-publish' }));
    await expectAwsError(stranger.send(new PublishCommand({ TopicArn, Message: 'hello' })), { code: 'AuthorizationError', status: 403 });
  });
});
