/**
 * S3 event notifications survive kill -9: the real server runs as a child process (the built CLI),
 * objects are put into a bucket whose notification configuration names an SQS queue, the process
 * is SIGKILLed as soon as the last PutObject is acknowledged (its deliveries still queued or in
 * flight), and after a restart on the same data directory the queue holds one notification for
 * every acknowledged object: none lost, none twice.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, startBuiltDrydock } from './cli-helpers.js';

const OBJECTS = 60;
const WRITERS = 4;
const BUCKET = 'durable-uploads';
const QUEUE = 'upload-notifications';
const QUEUE_ARN = `arn:aws:sqs:us-east-1:000000000000:${QUEUE}`;

function clients(url: string) {
  const config = { endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1, forcePathStyle: true };
  return { s3: new S3Client(config), sqs: new SQSClient(config) };
}

interface NotificationBody {
  Event?: string;
  Records?: { eventName: string; s3: { object: { key: string } } }[];
}

describe('S3 notification durability', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'drydock-s3-notifications-durability-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('queues one notification per acknowledged PutObject across SIGKILL', { timeout: 60_000 }, async () => {
    expect(existsSync(CLI), `${CLI} is missing: npm test builds it (npm run build)`).toBe(true);
    const first = await startBuiltDrydock(dataDir);
    child = first.child;
    const c = clients(first.url);
    const { QueueUrl } = await c.sqs.send(new CreateQueueCommand({ QueueName: QUEUE }));
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: QUEUE_ARN }] };
    await c.sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: JSON.stringify(policy) } }));
    await c.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await c.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: BUCKET,
        NotificationConfiguration: { QueueConfigurations: [{ Id: 'uploads', QueueArn: QUEUE_ARN, Events: ['s3:ObjectCreated:*'] }] },
      }),
    );

    const acknowledged: string[] = [];
    const exited = new Promise((done) => child!.once('exit', done));
    let next = 0;
    const writers = Array.from({ length: WRITERS }, async () => {
      for (let n = next++; n < OBJECTS; n = next++) {
        const key = `uploads/object-${n}.txt`;
        await c.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `object ${n}` }));
        acknowledged.push(key);
      }
    });
    await Promise.all(writers);
    // Killed at once: the last writes' deliveries are still queued or running.
    child.kill('SIGKILL');
    await exited;
    expect(acknowledged).toHaveLength(OBJECTS);

    const second = await startBuiltDrydock(dataDir);
    child = second.child;
    const after = clients(second.url);
    const notified: string[] = [];
    const until = Date.now() + 20_000;
    // Received until the queue has answered empty after every object was seen once (a duplicate would come with them).
    for (let emptyAfterAll = 0; Date.now() < until && emptyAfterAll < 2; ) {
      const { Messages } = await after.sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      if (!Messages?.length) {
        if (new Set(notified).size >= OBJECTS) emptyAfterAll++;
        continue;
      }
      for (const message of Messages) {
        const body = JSON.parse(message.Body!) as NotificationBody;
        // PutBucketNotificationConfiguration's s3:TestEvent is not an object's notification.
        if (body.Event === 's3:TestEvent') continue;
        for (const record of body.Records ?? []) {
          expect(record.eventName).toBe('ObjectCreated:Put');
          notified.push(record.s3.object.key);
        }
      }
      await after.sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
    }
    expect([...notified].sort()).toEqual([...acknowledged].sort());
  });
});
