/**
 * Durable SNS delivery under kill -9: the real server runs as a child process (the built CLI), an
 * HTTP subscriber confirms its subscription and then hangs, messages are published (each
 * acknowledged publish has its deliveries committed with it), and the server is SIGKILLed while
 * deliveries are in flight. After a restart on the same data directory, every acknowledged message
 * reaches the subscriber.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, startBuiltDrydock } from './cli-helpers.js';
import { eventually, type HttpEndpoint, httpEndpoint } from './sns-helpers.js';

/** More than the 32 deliveries SNS runs at once: some are in flight at the kill, the rest still queued. */
const MESSAGES = 40;

const client = (url: string) => new SNSClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });

/** The MessageIds of the notifications the endpoint received. */
const notified = (endpoint: HttpEndpoint) => new Set(endpoint.requests.filter((r) => r.headers['x-amz-sns-message-type'] === 'Notification').map((r) => JSON.parse(r.body).MessageId as string));

describe('SNS durability', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'drydock-sns-durability-'));
  let child: ChildProcess | undefined;
  let endpoint: HttpEndpoint | undefined;
  afterAll(async () => {
    child?.kill('SIGKILL');
    await endpoint?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers every acknowledged publish after a kill -9 with deliveries in flight', { timeout: 60_000 }, async () => {
    expect(existsSync(CLI), `${CLI} is missing: npm test builds it (npm run build)`).toBe(true);
    endpoint = await httpEndpoint();
    const first = await startBuiltDrydock(dataDir);
    child = first.child;
    const sns = client(first.url);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'durable' }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: endpoint.url }));
    await fetch(JSON.parse((await endpoint.request(0)).body).SubscribeURL);

    // The subscriber now takes requests and never answers: deliveries stay in flight.
    endpoint.holding = true;
    const acknowledged: string[] = [];
    for (let i = 0; i < MESSAGES; i++) acknowledged.push((await sns.send(new PublishCommand({ TopicArn, Message: `message ${i}` }))).MessageId!);
    await eventually(() => (notified(endpoint!).size > 0 ? true : undefined));
    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));

    endpoint.holding = false;
    const second = await startBuiltDrydock(dataDir);
    child = second.child;
    await eventually(() => (acknowledged.every((id) => notified(endpoint!).has(id)) ? true : undefined), 20_000);
    expect([...notified(endpoint)].sort()).toEqual([...acknowledged].sort());
  });
});
