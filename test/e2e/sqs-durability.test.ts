/**
 * SQS under kill -9: the real server runs as a child process (the built CLI), writers send
 * messages (single and batched) while one message is in flight and another was deleted, the
 * process is SIGKILLed mid-stream, and after a restart on the same data directory every
 * acknowledged message is there once, the deleted one is gone, and the receipt handle given out
 * before the crash still deletes its message.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, startBuiltDrydock } from './cli-helpers.js';

const WRITERS = 4;
const KILL_AFTER_ACKS = 150;

async function startChild(dataDir: string): Promise<{ child: ChildProcess; sqs: SQSClient }> {
  const { child, url } = await startBuiltDrydock(dataDir);
  return { child, sqs: new SQSClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 }) };
}

describe('SQS durability', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'drydock-sqs-durability-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged message and receipt handle across SIGKILL', { timeout: 60_000 }, async () => {
    expect(existsSync(CLI), `${CLI} is missing: npm test builds it (npm run build)`).toBe(true);
    const first = await startChild(dataDir);
    child = first.child;
    const { QueueUrl } = await first.sqs.send(new CreateQueueCommand({ QueueName: 'durable', Attributes: { VisibilityTimeout: '600' } }));
    await first.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'in flight' }));
    await first.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'deleted' }));
    const inFlight = (await first.sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages![0];
    const toDelete = (await first.sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages![0];
    await first.sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: toDelete.ReceiptHandle }));
    expect([inFlight.Body, toDelete.Body]).toEqual(['in flight', 'deleted']);

    const acked = new Set<string>();
    let acks = 0;
    let killed = false;
    const exited = new Promise<void>((done) => first.child.once('exit', () => done()));
    const writer = async (w: number) => {
      for (let i = 0; ; i++) {
        try {
          if (i % 2) {
            const bodies = [`w${w}-${i}-a`, `w${w}-${i}-b`];
            const sent = await first.sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: bodies.map((MessageBody, n) => ({ Id: String(n), MessageBody })) }));
            expect(sent.Failed).toBeUndefined();
            for (const body of bodies) acked.add(body);
          } else {
            await first.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: `w${w}-${i}` }));
            acked.add(`w${w}-${i}`);
          }
        } catch (err) {
          if (killed) return;
          throw err;
        }
        if (++acks === KILL_AFTER_ACKS && !killed) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    await exited;
    expect(acked.size).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);

    const second = await startChild(dataDir);
    child = second.child;
    const counts = await second.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    expect(Number(counts.Attributes?.ApproximateNumberOfMessagesNotVisible)).toBe(1);
    const received = new Map<string, number>();
    for (;;) {
      const { Messages } = await second.sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
      if (!Messages) break;
      for (const m of Messages) received.set(m.Body!, (received.get(m.Body!) ?? 0) + 1);
    }
    for (const body of acked) expect(received.get(body), body).toBe(1);
    expect(received.has('deleted')).toBe(false);
    // A write may have committed without its answer arriving; nothing beyond the acknowledged ones and those.
    expect(received.size).toBeGreaterThanOrEqual(acked.size);
    // The receipt handle given before the crash still deletes its message.
    await second.sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: inFlight.ReceiptHandle }));
    const after = await second.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }));
    expect(after.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe(String(received.size));
    second.child.kill('SIGTERM');
    await new Promise<void>((done) => second.child.once('exit', () => done()));
    child = undefined;
  });
});
