/**
 * SNS in the benchmark: the latency from Publish to the message being delivered to an SQS queue,
 * Drydock beside moto (whose SNS delivers to SQS too).
 *
 * Each server runs as its own process. A topic has one raw-delivery SQS subscription; one message
 * at a time is published and the queue long-polled until it arrives. A sample is the time from
 * sending Publish to ReceiveMessage answering with that message: what a consumer waiting on the
 * queue sees. On Drydock that covers the publish transaction, the delivery job, the in-process
 * SendMessage as sns.amazonaws.com through the queue policy, and the long poll waking on arrival;
 * moto delivers inside the Publish call. Publish's own answer time is reported beside it.
 *
 * `node dist/bench/sns.js [--messages N]` runs this section alone; `npm run bench` runs it with the rest.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { HOST } from './client.js';
import { freePort, type RunningTarget, startDrydock, startMoto } from './servers.js';

export interface SnsBenchOptions {
  /** Measured messages per server (after WARMUP). */
  messages: number;
}

export const DEFAULT_SNS_BENCH: SnsBenchOptions = { messages: 300 };
const WARMUP = 30;

export interface LatencyFigures {
  samples: number;
  /** Publish sent → the message received from the queue, in ms. */
  deliveredP50Ms: number;
  deliveredP90Ms: number;
  deliveredP99Ms: number;
  deliveredMaxMs: number;
  /** Publish sent → its answer, in ms. */
  publishP50Ms: number;
}

export interface SnsBenchResults {
  messages: number;
  drydock: LatencyFigures;
  moto: LatencyFigures | { error: string };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** Publishes `messages` messages one at a time on `target` and times each to its arrival in the queue. */
async function measure(target: RunningTarget, messages: number): Promise<LatencyFigures> {
  const { SNSClient, CreateTopicCommand, SubscribeCommand, PublishCommand } = await import('@aws-sdk/client-sns');
  const { SQSClient, CreateQueueCommand, ReceiveMessageCommand, DeleteMessageCommand } = await import('@aws-sdk/client-sqs');
  const config = { endpoint: `http://${HOST}:${target.port}`, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const sns = new SNSClient(config);
  const sqs = new SQSClient(config);
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'bench-topic' }));
  const queueArn = 'arn:aws:sqs:us-east-1:000000000000:bench-delivered';
  // The queue admits SNS as AWS requires; moto does not check queue policies.
  const Policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: queueArn, Condition: { ArnEquals: { 'aws:SourceArn': TopicArn } } }],
  });
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bench-delivered', Attributes: { Policy } }));
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queueArn, Attributes: { RawMessageDelivery: 'true' } }));

  const delivered: number[] = [];
  const published: number[] = [];
  for (let i = 0; i < WARMUP + messages; i++) {
    const body = `bench message ${i}`;
    const sent = performance.now();
    await sns.send(new PublishCommand({ TopicArn, Message: body }));
    const answered = performance.now();
    let receipt: string | undefined;
    while (receipt === undefined) {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5, MaxNumberOfMessages: 1 }));
      const found = Messages?.find((m) => m.Body === body);
      if (found) receipt = found.ReceiptHandle;
      else if (Messages?.length) throw new Error(`${target.name} delivered an unexpected message: ${Messages[0]!.Body}`);
    }
    const arrived = performance.now();
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: receipt }));
    if (i < WARMUP) continue;
    delivered.push(arrived - sent);
    published.push(answered - sent);
  }
  sns.destroy();
  sqs.destroy();
  delivered.sort((a, b) => a - b);
  published.sort((a, b) => a - b);
  return {
    samples: delivered.length,
    deliveredP50Ms: round(percentile(delivered, 50)),
    deliveredP90Ms: round(percentile(delivered, 90)),
    deliveredP99Ms: round(percentile(delivered, 99)),
    deliveredMaxMs: round(delivered.at(-1)!),
    publishP50Ms: round(percentile(published, 50)),
  };
}

async function against(start: (port: number) => Promise<RunningTarget>, messages: number): Promise<LatencyFigures> {
  const target = await start(await freePort());
  try {
    return await measure(target, messages);
  } finally {
    await target.stop();
  }
}

export async function snsBench(options: SnsBenchOptions = DEFAULT_SNS_BENCH): Promise<SnsBenchResults> {
  const drydock = await against(startDrydock, options.messages);
  let moto: SnsBenchResults['moto'];
  try {
    moto = await against(startMoto, options.messages);
  } catch (err) {
    moto = { error: err instanceof Error ? err.message : String(err) };
  }
  return { messages: options.messages, drydock, moto };
}

export function formatSnsBench(r: SnsBenchResults): string {
  const row = (name: string, f: LatencyFigures) =>
    `  ${name.padEnd(8)} ${String(f.deliveredP50Ms).padStart(9)} ${String(f.deliveredP90Ms).padStart(9)} ${String(f.deliveredP99Ms).padStart(9)} ${String(f.deliveredMaxMs).padStart(9)} ${String(f.publishP50Ms).padStart(12)}`;
  const lines = [
    `SNS Publish → SQS delivered (${r.messages} messages one at a time, raw delivery, consumer long-polling; ms)`,
    `  ${'server'.padEnd(8)} ${'p50'.padStart(9)} ${'p90'.padStart(9)} ${'p99'.padStart(9)} ${'max'.padStart(9)} ${'publish p50'.padStart(12)}`,
    row('Drydock', r.drydock),
  ];
  if ('error' in r.moto) lines.push(`  moto     failed: ${r.moto.error}`);
  else {
    lines.push(row('moto', r.moto));
    lines.push(`  Drydock delivers at p50 in ${Math.round((r.drydock.deliveredP50Ms / r.moto.deliveredP50Ms) * 100)}% of moto's time`);
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--messages');
  const messages = at > 0 ? Number(process.argv[at + 1]) : DEFAULT_SNS_BENCH.messages;
  if (!Number.isInteger(messages) || messages < 1) throw new Error('--messages needs a positive integer');
  snsBench({ messages }).then(
    (results) => process.stdout.write(`${formatSnsBench(results)}\n`),
    (err: unknown) => {
      process.stderr.write(`sns bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
