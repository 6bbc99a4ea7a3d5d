/**
 * S3 event notifications survive kill -9: the real server runs as a child process (the built CLI),
 * objects are put into a bucket whose notification configuration names an SQS queue (or turns on
 * EventBridge, whose default-bus rule targets a queue), the process is SIGKILLed as soon as the
 * last PutObject is acknowledged (its deliveries still queued or in flight), and after a restart on
 * the same data directory the queue holds one notification for every acknowledged object: none
 * lost, none twice.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
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
  return { s3: new S3Client(config), sqs: new SQSClient(config), eb: new EventBridgeClient(config) };
}

type Clients = ReturnType<typeof clients>;

/** A standard queue whose policy lets `service` send to it: answers its URL. */
async function queueFor(c: Clients, service: string): Promise<string> {
  const { QueueUrl } = await c.sqs.send(new CreateQueueCommand({ QueueName: QUEUE }));
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sqs:SendMessage', Resource: QUEUE_ARN }] };
  await c.sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: JSON.stringify(policy) } }));
  return QueueUrl!;
}

/** Puts OBJECTS objects from WRITERS concurrent writers, then SIGKILLs the server at once: answers the acknowledged keys. */
async function putThenKill(c: Clients, child: ChildProcess): Promise<string[]> {
  const acknowledged: string[] = [];
  const exited = new Promise((done) => child.once('exit', done));
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
  return acknowledged;
}

/**
 * Receives (and deletes) every message until the queue has answered empty twice after `expected`
 * distinct keys arrived (a duplicate would come with them): answers the keys `keysOf` reads from each body.
 */
async function drain(c: Clients, queueUrl: string, expected: number, keysOf: (body: unknown) => string[]): Promise<string[]> {
  const keys: string[] = [];
  const until = Date.now() + 20_000;
  for (let emptyAfterAll = 0; Date.now() < until && emptyAfterAll < 2; ) {
    const { Messages } = await c.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    if (!Messages?.length) {
      if (new Set(keys).size >= expected) emptyAfterAll++;
      continue;
    }
    for (const message of Messages) keys.push(...keysOf(JSON.parse(message.Body!)));
    await c.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
  }
  return keys;
}

interface NotificationBody {
  Event?: string;
  Records?: { eventName: string; s3: { object: { key: string } } }[];
}

describe('S3 notification durability', () => {
  const dataDirs: string[] = [];
  // Every server a test started: each test restarts its own, and all must be stopped, not only the last.
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  /** Starts the built server on a fresh data directory (restarted on it by `restart`). */
  async function start(): Promise<{ c: Clients; child: ChildProcess; restart: () => Promise<Clients> }> {
    expect(existsSync(CLI), `${CLI} is missing: npm test builds it (npm run build)`).toBe(true);
    const dataDir = mkdtempSync(join(tmpdir(), 'drydock-s3-notifications-durability-'));
    dataDirs.push(dataDir);
    const first = await startBuiltDrydock(dataDir);
    children.push(first.child);
    return {
      c: clients(first.url),
      child: first.child,
      restart: async () => {
        const second = await startBuiltDrydock(dataDir);
        children.push(second.child);
        return clients(second.url);
      },
    };
  }

  it('queues one notification per acknowledged PutObject across SIGKILL', { timeout: 60_000 }, async () => {
    const server = await start();
    const queueUrl = await queueFor(server.c, 's3.amazonaws.com');
    await server.c.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await server.c.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: BUCKET,
        NotificationConfiguration: { QueueConfigurations: [{ Id: 'uploads', QueueArn: QUEUE_ARN, Events: ['s3:ObjectCreated:*'] }] },
      }),
    );
    const acknowledged = await putThenKill(server.c, server.child);
    expect(acknowledged).toHaveLength(OBJECTS);

    const notified = await drain(await server.restart(), queueUrl, OBJECTS, (body) => {
      const { Event, Records } = body as NotificationBody;
      // PutBucketNotificationConfiguration's s3:TestEvent is not an object's notification.
      if (Event === 's3:TestEvent') return [];
      for (const record of Records ?? []) expect(record.eventName).toBe('ObjectCreated:Put');
      return (Records ?? []).map((record) => record.s3.object.key);
    });
    expect([...notified].sort()).toEqual([...acknowledged].sort());
  });

  it('routes one Object Created event per acknowledged PutObject through EventBridge across SIGKILL', { timeout: 60_000 }, async () => {
    const server = await start();
    const queueUrl = await queueFor(server.c, 'events.amazonaws.com');
    await server.c.eb.send(new PutRuleCommand({ Name: 'uploads', EventPattern: JSON.stringify({ source: ['aws.s3'], 'detail-type': ['Object Created'] }) }));
    await server.c.eb.send(new PutTargetsCommand({ Rule: 'uploads', Targets: [{ Id: 'queue', Arn: QUEUE_ARN }] }));
    await server.c.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await server.c.s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: BUCKET, NotificationConfiguration: { EventBridgeConfiguration: {} } }));
    const acknowledged = await putThenKill(server.c, server.child);
    expect(acknowledged).toHaveLength(OBJECTS);

    const routed = await drain(await server.restart(), queueUrl, OBJECTS, (body) => {
      const event = body as { source: string; 'detail-type': string; detail: { bucket: { name: string }; object: { key: string } } };
      expect(event).toMatchObject({ source: 'aws.s3', 'detail-type': 'Object Created', detail: { bucket: { name: BUCKET } } });
      return [event.detail.object.key];
    });
    expect([...routed].sort()).toEqual([...acknowledged].sort());
  });
});
