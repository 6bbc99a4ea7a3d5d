/**
 * S3 bucket notifications delivered for real: PutBucketNotificationConfiguration validates each
 * destination as AWS does (an s3:TestEvent message to queues and topics, a permission check for
 * functions, as s3.amazonaws.com for the bucket) and refuses what does not exist or does not allow
 * S3; object writes, copies, multipart completions, deletes, tagging and ACL changes then reach
 * SQS, SNS and Lambda as AWS's event records, selected by event type and key filter; overlapping
 * configurations are refused.
 */
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { AddPermissionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectTaggingCommand,
  GetBucketNotificationConfigurationCommand,
  type NotificationConfiguration,
  PutBucketNotificationConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketVersioningCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, SetTopicAttributesCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, ReceiveMessageCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { createActiveFunction, executionRole, NODE_RUNTIME, zipOf } from './lambda-helpers.js';

const server = useServer();
const ACCOUNT = '000000000000';
const s3 = () => new S3Client({ ...server.clientConfig, forcePathStyle: true });
const sqs = () => new SQSClient(server.clientConfig);
const sns = () => new SNSClient(server.clientConfig);
const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;

/** A policy statement letting `service` send to `resource` on behalf of `sourceArn` only. */
function allow(service: string, action: string, resource: string, sourceArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: service }, Action: action, Resource: resource, Condition: { ArnLike: { 'aws:SourceArn': sourceArn }, StringEquals: { 'aws:SourceAccount': ACCOUNT } } },
    ],
  });
}

/** A queue; with `forBucket`, its policy lets S3 send to it for that bucket. Answers its URL and ARN. */
async function queue(name: string, forBucket?: string): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs().send(new CreateQueueCommand({ QueueName: name }));
  const arn = `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;
  if (forBucket) await sqs().send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: allow('s3.amazonaws.com', 'sqs:SendMessage', arn, bucketArn(forBucket)) } }));
  return { url: QueueUrl!, arn };
}

/** The next `count` message bodies on the queue (deliveries run as jobs just after the request answered). */
async function bodies(url: string, count: number): Promise<Record<string, unknown>[]> {
  const got: Record<string, unknown>[] = [];
  const deadline = Date.now() + 10_000;
  while (got.length < count && Date.now() < deadline) {
    const { Messages = [] } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 600 }));
    got.push(...Messages.map((m) => JSON.parse(m.Body!) as Record<string, unknown>));
  }
  return got;
}

/** An event record, typed as far as the assertions read it. */
interface S3Record {
  eventName: string;
  userIdentity: { principalId: string };
  s3: { configurationId: string; object: { key: string; sequencer?: string } };
  [member: string]: unknown;
}

/** The records of the next `count` notifications on the queue, in order. */
async function records(url: string, count: number): Promise<S3Record[]> {
  return (await bodies(url, count)).map((body) => (body.Records as S3Record[])[0]!);
}

/** Nothing more arrives on the queue (after a write that must not be notified, and one that must, in that order). */
async function onlyNext(url: string): Promise<S3Record> {
  const [record, ...more] = await records(url, 1);
  expect(more).toEqual([]);
  const { Messages = [] } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 0 }));
  expect(Messages).toEqual([]);
  return record!;
}

async function bucketNotifying(bucket: string, NotificationConfiguration: NotificationConfiguration): Promise<void> {
  await s3().send(new CreateBucketCommand({ Bucket: bucket }));
  await s3().send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration }));
}

describe('S3 notifications to SQS', () => {
  it('sends the s3:TestEvent first, then AWS event records for object writes', async () => {
    const { url, arn } = await queue('uploads', 'photo-bucket');
    await bucketNotifying('photo-bucket', { QueueConfigurations: [{ Id: 'new-photos', QueueArn: arn, Events: ['s3:ObjectCreated:*'] }] });
    const [test] = await bodies(url, 1);
    expect(test).toEqual({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      Bucket: 'photo-bucket',
      RequestId: expect.any(String),
      HostId: expect.any(String),
    });

    const put = await s3().send(new PutObjectCommand({ Bucket: 'photo-bucket', Key: 'albums/my cat (1).jpg', Body: 'meow' }));
    const [record] = await records(url, 1);
    expect(Object.keys(record!)).toEqual(['eventVersion', 'eventSource', 'awsRegion', 'eventTime', 'eventName', 'userIdentity', 'requestParameters', 'responseElements', 's3']);
    expect(record).toEqual({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: expect.stringMatching(/^A[0-9A-Z]{13}$/) },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': put.$metadata.requestId, 'x-amz-id-2': expect.any(String) },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'new-photos',
        bucket: { name: 'photo-bucket', ownerIdentity: { principalId: record!.userIdentity.principalId }, arn: 'arn:aws:s3:::photo-bucket' },
        // The key URL-encoded as S3 sends it: spaces as '+', '/' kept.
        object: { key: 'albums/my+cat+%281%29.jpg', size: 4, eTag: put.ETag!.replaceAll('"', ''), sequencer: expect.stringMatching(/^[0-9A-F]{18}$/) },
      },
    });
  });

  it('names each kind of change, with the fields AWS sends for it', async () => {
    const { url, arn } = await queue('every-change', 'changes');
    const everything = ['s3:ObjectCreated:*', 's3:ObjectRemoved:*', 's3:ObjectTagging:*', 's3:ObjectAcl:Put'] as const;
    await bucketNotifying('changes', { QueueConfigurations: [{ QueueArn: arn, Events: [...everything] }] });
    await bodies(url, 1);
    const { QueueConfigurations } = await s3().send(new GetBucketNotificationConfigurationCommand({ Bucket: 'changes' }));
    // An Id S3 generated: a UUID, base64-encoded.
    expect(Buffer.from(QueueConfigurations![0]!.Id!, 'base64').toString()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    await s3().send(new PutObjectCommand({ Bucket: 'changes', Key: 'a', Body: 'x' }));
    await s3().send(new CopyObjectCommand({ Bucket: 'changes', Key: 'b', CopySource: 'changes/a' }));
    const { UploadId } = await s3().send(new CreateMultipartUploadCommand({ Bucket: 'changes', Key: 'c' }));
    const part = await s3().send(new UploadPartCommand({ Bucket: 'changes', Key: 'c', UploadId, PartNumber: 1, Body: 'part' }));
    await s3().send(new CompleteMultipartUploadCommand({ Bucket: 'changes', Key: 'c', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    await s3().send(new PutObjectTaggingCommand({ Bucket: 'changes', Key: 'a', Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] } }));
    await s3().send(new DeleteObjectTaggingCommand({ Bucket: 'changes', Key: 'a' }));
    await s3().send(new PutBucketOwnershipControlsCommand({ Bucket: 'changes', OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] } }));
    await s3().send(new PutObjectAclCommand({ Bucket: 'changes', Key: 'a', ACL: 'private' }));
    await s3().send(new DeleteObjectCommand({ Bucket: 'changes', Key: 'a' }));

    const got = await records(url, 7);
    const byName = Object.fromEntries(got.map((r) => [r.eventName as string, r]));
    expect(got.map((r) => r.eventName).sort()).toEqual(
      ['ObjectAcl:Put', 'ObjectCreated:CompleteMultipartUpload', 'ObjectCreated:Copy', 'ObjectCreated:Put', 'ObjectRemoved:Delete', 'ObjectTagging:Delete', 'ObjectTagging:Put'].sort(),
    );
    expect(byName['ObjectCreated:Copy'].s3.object).toMatchObject({ key: 'b', size: 1 });
    expect(byName['ObjectCreated:CompleteMultipartUpload'].s3.object).toMatchObject({ key: 'c', size: 4, eTag: expect.stringMatching(/-1$/) });
    // Tagging and ACL events are version 2.3: the ETag, no size and no sequencer.
    for (const name of ['ObjectTagging:Put', 'ObjectTagging:Delete', 'ObjectAcl:Put']) {
      expect(byName[name]).toMatchObject({ eventVersion: '2.3' });
      expect(Object.keys(byName[name].s3.object)).toEqual(['key', 'eTag']);
    }
    // A removal carries the key and the sequencer only.
    expect(Object.keys(byName['ObjectRemoved:Delete'].s3.object)).toEqual(['key', 'sequencer']);
    // Sequencers grow with the changes they order.
    expect(byName['ObjectRemoved:Delete'].s3.object.sequencer! > byName['ObjectCreated:Put'].s3.object.sequencer!).toBe(true);
  });

  it('reports delete markers and version ids in a versioned bucket', async () => {
    const { url, arn } = await queue('versioned-changes', 'versioned');
    await bucketNotifying('versioned', { QueueConfigurations: [{ Id: 'removals', QueueArn: arn, Events: ['s3:ObjectRemoved:*'] }] });
    await s3().send(new PutBucketVersioningCommand({ Bucket: 'versioned', VersioningConfiguration: { Status: 'Enabled' } }));
    await bodies(url, 1);
    const { VersionId } = await s3().send(new PutObjectCommand({ Bucket: 'versioned', Key: 'doc.txt', Body: 'v1' }));
    const marker = await s3().send(new DeleteObjectCommand({ Bucket: 'versioned', Key: 'doc.txt' }));
    const [markerCreated] = await records(url, 1);
    expect(markerCreated).toMatchObject({ eventName: 'ObjectRemoved:DeleteMarkerCreated', s3: { object: { key: 'doc.txt', versionId: marker.VersionId } } });
    await s3().send(new DeleteObjectCommand({ Bucket: 'versioned', Key: 'doc.txt', VersionId }));
    const [deleted] = await records(url, 1);
    expect(deleted).toMatchObject({ eventName: 'ObjectRemoved:Delete', s3: { object: { key: 'doc.txt', versionId: VersionId } } });
  });

  it('delivers only what the event types and the key filter select', async () => {
    const { url, arn } = await queue('jpegs', 'filtered');
    const { url: logsUrl, arn: logsArn } = await queue('log-removals', 'filtered');
    await bucketNotifying('filtered', {
      QueueConfigurations: [
        {
          Id: 'images',
          QueueArn: arn,
          Events: ['s3:ObjectCreated:Put'],
          Filter: {
            Key: {
              FilterRules: [
                { Name: 'prefix', Value: 'images/' },
                { Name: 'suffix', Value: '.jpg' },
              ],
            },
          },
        },
        { Id: 'logs', QueueArn: logsArn, Events: ['s3:ObjectRemoved:Delete'], Filter: { Key: { FilterRules: [{ Name: 'Prefix' as 'prefix', Value: 'logs/' }] } } },
      ],
    });
    await bodies(url, 1);
    await bodies(logsUrl, 1);
    for (const Key of ['images/a.png', 'docs/a.jpg', 'logs/x.jpg', 'images/a.jpg']) await s3().send(new PutObjectCommand({ Bucket: 'filtered', Key, Body: 'x' }));
    expect((await onlyNext(url)).s3.object.key).toBe('images/a.jpg');
    for (const Key of ['images/a.jpg', 'logs/x.jpg']) await s3().send(new DeleteObjectCommand({ Bucket: 'filtered', Key }));
    expect(await onlyNext(logsUrl)).toMatchObject({ eventName: 'ObjectRemoved:Delete', s3: { configurationId: 'logs', object: { key: 'logs/x.jpg' } } });
  });
});

describe('destination validation', () => {
  it('refuses a queue whose policy does not allow S3, and one that does not exist, storing nothing', async () => {
    await s3().send(new CreateBucketCommand({ Bucket: 'refused' }));
    const { arn } = await queue('no-policy');
    const { arn: otherBucketsQueue } = await queue('other-bucket-only', 'some-other-bucket');
    const missing = `arn:aws:sqs:us-east-1:${ACCOUNT}:never-created`;
    const err = await expectAwsError(
      s3().send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: 'refused',
          NotificationConfiguration: {
            QueueConfigurations: [
              { QueueArn: arn, Events: ['s3:ObjectCreated:Put'] },
              { QueueArn: otherBucketsQueue, Events: ['s3:ObjectRemoved:*'] },
              { QueueArn: missing, Events: ['s3:ObjectTagging:*'] },
            ],
          },
        }),
      ),
      { code: 'InvalidArgument', status: 400, message: 'Unable to validate the following destination configurations' },
    );
    const denied = 'Permissions on the destination queue do not allow S3 to publish notifications from this bucket';
    expect(err).toMatchObject({
      ArgumentName1: arn,
      ArgumentValue1: denied,
      ArgumentName2: otherBucketsQueue,
      ArgumentValue2: denied,
      ArgumentName3: missing,
      ArgumentValue3: 'The destination queue does not exist',
    });
    expect(await s3().send(new GetBucketNotificationConfigurationCommand({ Bucket: 'refused' }))).not.toHaveProperty('QueueConfigurations');
    // x-amz-skip-destination-validation stores it without a look at the destinations.
    await s3().send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'refused',
        SkipDestinationValidation: true,
        NotificationConfiguration: { QueueConfigurations: [{ QueueArn: missing, Events: ['s3:ObjectCreated:Put'] }] },
      }),
    );
    expect((await s3().send(new GetBucketNotificationConfigurationCommand({ Bucket: 'refused' }))).QueueConfigurations).toHaveLength(1);
  });

  it('refuses malformed configurations and overlapping ones with AWS errors', async () => {
    await s3().send(new CreateBucketCommand({ Bucket: 'strict' }));
    const { arn } = await queue('strict-queue', 'strict');
    const put = (QueueConfigurations: NotificationConfiguration['QueueConfigurations']) =>
      s3().send(new PutBucketNotificationConfigurationCommand({ Bucket: 'strict', NotificationConfiguration: { QueueConfigurations } }));
    const prefix = (Value: string) => ({ Key: { FilterRules: [{ Name: 'prefix' as const, Value }] } });
    const suffix = (Value: string) => ({ Key: { FilterRules: [{ Name: 'suffix' as const, Value }] } });
    const overlap = { code: 'InvalidArgument', status: 400, message: 'Configurations overlap. Configurations on the same bucket cannot share a common event type.' };

    await expectAwsError(put([{ QueueArn: arn, Events: ['s3:ObjectCreated:Put', 's3:ObjectCreated:Paste' as 's3:ObjectCreated:Put'] }]), {
      code: 'InvalidArgument',
      status: 400,
      message: 'The event is not supported for notifications',
    });
    await expectAwsError(put([{ QueueArn: arn, Events: ['s3:ObjectCreated:Put'], Filter: { Key: { FilterRules: [{ Name: 'middle' as 'prefix', Value: 'x' }] } } }]), {
      code: 'InvalidArgument',
      status: 400,
      message: 'filter rule name must be either prefix or suffix',
    });
    await expectAwsError(put([{ QueueArn: arn, Events: ['s3:ObjectCreated:Put'], Filter: { Key: { FilterRules: [...prefix('a').Key.FilterRules, ...prefix('b').Key.FilterRules] } } }]), {
      code: 'InvalidArgument',
      status: 400,
      message: 'Cannot specify more than one prefix rule in a filter.',
    });
    await expectAwsError(put([{ QueueArn: 'arn:aws:sns:us-east-1:000000000000:not-a-queue', Events: ['s3:ObjectCreated:Put'] }]), {
      code: 'InvalidArgument',
      status: 400,
      message: 'The ARN could not be parsed',
    });
    await expectAwsError(put([{ QueueArn: 'arn:aws:sqs:eu-west-1:000000000000:elsewhere', Events: ['s3:ObjectCreated:Put'] }]), {
      code: 'InvalidArgument',
      status: 400,
      message: 'The notification destination service region is not valid for the bucket location constraint',
    });
    // A wildcard shares every type of its family; a prefix overlaps no filter at all, and a longer one.
    await expectAwsError(
      put([
        { QueueArn: arn, Events: ['s3:ObjectCreated:*'] },
        { QueueArn: arn, Events: ['s3:ObjectCreated:Put'], Filter: prefix('images/') },
      ]),
      overlap,
    );
    await expectAwsError(
      put([
        { QueueArn: arn, Events: ['s3:ObjectCreated:Put'], Filter: prefix('images') },
        { QueueArn: arn, Events: ['s3:ObjectCreated:Put'], Filter: prefix('images/cats/') },
      ]),
      overlap,
    );
    await expectAwsError(
      put([
        { QueueArn: arn, Events: ['s3:ObjectCreated:Put'], Filter: suffix('jpg') },
        { QueueArn: arn, Events: ['s3:ObjectCreated:Put'], Filter: suffix('.jpg') },
      ]),
      overlap,
    );
    await expectAwsError(
      put([
        { QueueArn: arn, Events: ['s3:ObjectCreated:Put'], Filter: prefix('images/') },
        { QueueArn: arn, Events: ['s3:ObjectCreated:Put'], Filter: suffix('.jpg') },
      ]),
      overlap,
    );
    expect(await s3().send(new GetBucketNotificationConfigurationCommand({ Bucket: 'strict' }))).not.toHaveProperty('QueueConfigurations');

    // Distinct prefixes, distinct suffixes, or distinct event types do not overlap.
    await put([
      { QueueArn: arn, Events: ['s3:ObjectCreated:Put'], Filter: prefix('images/') },
      { QueueArn: arn, Events: ['s3:ObjectCreated:Put'], Filter: prefix('logs/') },
      { QueueArn: arn, Events: ['s3:ObjectCreated:Copy'], Filter: suffix('.jpg') },
      { QueueArn: arn, Events: ['s3:ObjectCreated:Copy'], Filter: suffix('.png') },
      { QueueArn: arn, Events: ['s3:ObjectRemoved:*'] },
    ]);
    expect((await s3().send(new GetBucketNotificationConfigurationCommand({ Bucket: 'strict' }))).QueueConfigurations).toHaveLength(5);
  });
});

describe('S3 notifications to SNS and Lambda', () => {
  it('publishes to a topic that allows S3, with the subject "Amazon S3 Notification", through to its SQS subscriber', async () => {
    const { TopicArn } = await sns().send(new CreateTopicCommand({ Name: 'bucket-events' }));
    await sns().send(new SetTopicAttributesCommand({ TopicArn, AttributeName: 'Policy', AttributeValue: allow('s3.amazonaws.com', 'SNS:Publish', TopicArn!, bucketArn('topic-bucket')) }));
    const { url, arn } = await queue('topic-subscriber');
    await sqs().send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: allow('sns.amazonaws.com', 'sqs:SendMessage', arn, TopicArn!) } }));
    await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: arn }));
    await bucketNotifying('topic-bucket', { TopicConfigurations: [{ Id: 'to-topic', TopicArn, Events: ['s3:ObjectCreated:Put'] }] });
    await s3().send(new PutObjectCommand({ Bucket: 'topic-bucket', Key: 'report.csv', Body: 'a,b' }));

    const [test, notification] = await bodies(url, 2);
    expect(test).toMatchObject({ Type: 'Notification', TopicArn, Subject: 'Amazon S3 Notification' });
    expect(JSON.parse(test!.Message as string)).toMatchObject({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'topic-bucket' });
    expect(notification).toMatchObject({ Type: 'Notification', TopicArn, Subject: 'Amazon S3 Notification' });
    const [record] = JSON.parse(notification!.Message as string).Records;
    expect(record).toMatchObject({ eventName: 'ObjectCreated:Put', s3: { configurationId: 'to-topic', object: { key: 'report.csv', size: 3 } } });

    // A topic with its default policy does not let S3 publish.
    const { TopicArn: closed } = await sns().send(new CreateTopicCommand({ Name: 'default-policy' }));
    const err = await expectAwsError(
      s3().send(new PutBucketNotificationConfigurationCommand({ Bucket: 'topic-bucket', NotificationConfiguration: { TopicConfigurations: [{ TopicArn: closed, Events: ['s3:ObjectCreated:*'] }] } })),
      { code: 'InvalidArgument', status: 400, message: 'Unable to validate the following destination configurations' },
    );
    expect(err).toMatchObject({ ArgumentName1: closed, ArgumentValue1: 'Permissions on the destination topic do not allow S3 to publish notifications from this bucket' });
  });

  it('accepts a topic and a queue whose policies admit {"AWS": "*"} for the bucket only (the older walkthrough form)', async () => {
    const anyoneFor = (action: string, resource: string, bucket: string) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: action, Resource: resource, Condition: { ArnLike: { 'aws:SourceArn': bucketArn(bucket) } } }],
      });
    const { TopicArn } = await sns().send(new CreateTopicCommand({ Name: 'walkthrough-topic' }));
    await sns().send(new SetTopicAttributesCommand({ TopicArn, AttributeName: 'Policy', AttributeValue: anyoneFor('SNS:Publish', TopicArn!, 'walkthrough') }));
    const { url, arn } = await queue('walkthrough-queue');
    await sqs().send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: anyoneFor('sqs:SendMessage', arn, 'walkthrough') } }));
    await bucketNotifying('walkthrough', { QueueConfigurations: [{ QueueArn: arn, Events: ['s3:ObjectCreated:*'] }], TopicConfigurations: [{ TopicArn, Events: ['s3:ObjectRemoved:*'] }] });
    await s3().send(new PutObjectCommand({ Bucket: 'walkthrough', Key: 'a.txt', Body: 'a' }));
    const [test, created] = await bodies(url, 2);
    expect(test).toMatchObject({ Event: 's3:TestEvent', Bucket: 'walkthrough' });
    expect((created!.Records as S3Record[])[0]).toMatchObject({ eventName: 'ObjectCreated:Put', s3: { object: { key: 'a.txt' } } });

    // The same policies refuse S3 for another bucket.
    await s3().send(new CreateBucketCommand({ Bucket: 'not-walkthrough' }));
    const err = await expectAwsError(
      s3().send(new PutBucketNotificationConfigurationCommand({ Bucket: 'not-walkthrough', NotificationConfiguration: { TopicConfigurations: [{ TopicArn, Events: ['s3:ObjectCreated:*'] }] } })),
      { code: 'InvalidArgument', status: 400, message: 'Unable to validate the following destination configurations' },
    );
    expect(err).toMatchObject({ ArgumentName1: TopicArn, ArgumentValue1: 'Permissions on the destination topic do not allow S3 to publish notifications from this bucket' });
  });

  it('invokes a function whose permission allows S3 for the bucket with the records as its event; refuses one without', { timeout: 60_000 }, async () => {
    const lambda = new LambdaClient(server.clientConfig);
    const role = await executionRole(server, 's3-notified');
    const handler = "export const handler = async (event) => { console.log('S3-EVENT ' + JSON.stringify(event)); };\n";
    const make = async (name: string) =>
      (await createActiveFunction(lambda, { FunctionName: name, Runtime: NODE_RUNTIME, Role: role, Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.mjs': handler }) } })).FunctionArn!;
    const allowed = await make('on-upload');
    const refusing = await make('no-permission');
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: 'on-upload',
        StatementId: 's3',
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceArn: bucketArn('lambda-bucket'),
        SourceAccount: ACCOUNT,
      }),
    );
    await s3().send(new CreateBucketCommand({ Bucket: 'lambda-bucket' }));

    const err = await expectAwsError(
      s3().send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: 'lambda-bucket',
          NotificationConfiguration: { LambdaFunctionConfigurations: [{ LambdaFunctionArn: refusing, Events: ['s3:ObjectCreated:*'] }] },
        }),
      ),
      { code: 'InvalidArgument', status: 400, message: 'Unable to validate the following destination configurations' },
    );
    expect(err).toMatchObject({ ArgumentName1: `${refusing}, null`, ArgumentValue1: `Not authorized to invoke function [${refusing}]` });

    await s3().send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'lambda-bucket',
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [{ Id: 'to-function', LambdaFunctionArn: allowed, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.txt' }] } } }],
        },
      }),
    );
    await s3().send(new PutObjectCommand({ Bucket: 'lambda-bucket', Key: 'skipped.bin', Body: 'x' }));
    await s3().send(new PutObjectCommand({ Bucket: 'lambda-bucket', Key: 'notes.txt', Body: 'hello' }));

    const logs = new CloudWatchLogsClient(server.clientConfig);
    const deadline = Date.now() + 30_000;
    let events: { Records: S3Record[] }[] = [];
    while (events.length === 0 && Date.now() < deadline) {
      const found = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/on-upload', filterPattern: '"S3-EVENT"' })).catch(() => ({ events: [] }));
      events = (found.events ?? []).map((e) => JSON.parse(e.message!.slice(e.message!.indexOf('{'))));
      if (events.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // No test event for a function (AWS checks its permission only), and nothing for the filtered-out key.
    expect(events).toHaveLength(1);
    expect(events[0]!.Records[0]).toMatchObject({
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: { configurationId: 'to-function', bucket: { name: 'lambda-bucket' }, object: { key: 'notes.txt', size: 5 } },
    });
  });
});
