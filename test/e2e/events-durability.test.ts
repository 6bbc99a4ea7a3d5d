/**
 * EventBridge delivery survives kill -9: the real server runs as a child process (the built CLI),
 * a stream of PutEvents runs against a rule whose target is an SQS queue, the process is
 * SIGKILLed mid-stream, and after a restart on the same data directory every event PutEvents
 * acknowledged reaches the queue, and none twice (the FIFO queue dedupes a delivery the kill
 * interrupted on the event id).
 */

import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, startBuiltDrydock } from './cli-helpers.js';

const KILL_AFTER_ACKS = 60;
const QUEUE = 'durable-events.fifo';
const QUEUE_ARN = `arn:aws:sqs:us-east-1:000000000000:${QUEUE}`;

function clients(url: string) {
  const config = { endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
  return { eb: new EventBridgeClient(config), sqs: new SQSClient(config) };
}

describe('EventBridge durability', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'drydock-events-durability-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers every acknowledged event exactly once across SIGKILL', { timeout: 60_000 }, async () => {
    expect(existsSync(CLI), `${CLI} is missing: npm test builds it (npm run build)`).toBe(true);
    const first = await startBuiltDrydock(dataDir);
    child = first.child;
    const c = clients(first.url);
    const { QueueUrl } = await c.sqs.send(new CreateQueueCommand({ QueueName: QUEUE, Attributes: { FifoQueue: 'true' } }));
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: QUEUE_ARN }] };
    await c.sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: JSON.stringify(policy) } }));
    await c.eb.send(new PutRuleCommand({ Name: 'durable', EventPattern: JSON.stringify({ source: ['durable.app'] }) }));
    await c.eb.send(new PutTargetsCommand({ Rule: 'durable', Targets: [{ Id: 'q', Arn: QUEUE_ARN, SqsParameters: { MessageGroupId: 'g' } }] }));

    const acked = new Set<string>();
    const exited = new Promise((done) => child!.once('exit', done));
    const writers = [0, 1, 2].map(async (w) => {
      for (let n = 0; ; n++) {
        try {
          const out = await c.eb.send(new PutEventsCommand({ Entries: [{ Source: 'durable.app', DetailType: 'tick', Detail: JSON.stringify({ w, n }) }] }));
          acked.add(out.Entries![0]!.EventId!);
        } catch {
          return;
        }
        if (acked.size >= KILL_AFTER_ACKS && w === 0) child!.kill('SIGKILL');
      }
    });
    await Promise.all(writers);
    await exited;
    expect(acked.size).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);

    const second = await startBuiltDrydock(dataDir);
    child = second.child;
    const after = clients(second.url);
    const received: string[] = [];
    const until = Date.now() + 20_000;
    while (Date.now() < until && new Set(received).size < acked.size) {
      const { Messages } = await after.sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      if (!Messages?.length) continue;
      received.push(...Messages.map((m) => (JSON.parse(m.Body!) as { id: string }).id));
      await after.sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
    }
    // Every acknowledged event arrived; nothing arrived twice; nothing arrived that was not acknowledged
    // except, at most, events whose PutEvents answer the kill cut off after they committed.
    for (const id of acked) expect(received).toContain(id);
    expect(received.length).toBe(new Set(received).size);
    expect(received.length - acked.size).toBeLessThanOrEqual(3);
  });
});
