/**
 * Durability under kill -9: the real server runs as a child process (the built CLI), a stream of
 * writes (SSM parameters, S3 objects, log events, secrets) runs against it, the process is SIGKILLed mid-stream, and after a restart on the same
 * data directory every write the server acknowledged must be intact.
 */

import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, GetLogEventsCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, startBuiltDrydock } from './cli-helpers.js';

const WRITERS_PER_KIND = 3;
/** Acknowledged writes (of all kinds) after which the server is killed. */
const KILL_AFTER_ACKS = 120;

function clients(url: string) {
  const config = { endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, forcePathStyle: true, maxAttempts: 1 };
  return { ssm: new SSMClient(config), s3: new S3Client(config), logs: new CloudWatchLogsClient(config), secrets: new SecretsManagerClient(config) };
}

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

describe('durability', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'drydock-durability-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every acknowledged write survives SIGKILL mid-stream', { timeout: 60_000 }, async () => {
    expect(existsSync(CLI), `${CLI} is missing: npm test builds it (npm run build)`).toBe(true);
    const first = await startBuiltDrydock(dataDir);
    child = first.child;
    const c = clients(first.url);
    await c.s3.send(new CreateBucketCommand({ Bucket: 'durable' }));
    await c.logs.send(new CreateLogGroupCommand({ logGroupName: '/durable' }));
    for (let w = 0; w < WRITERS_PER_KIND; w++) await c.logs.send(new CreateLogStreamCommand({ logGroupName: '/durable', logStreamName: `w${w}` }));

    const ackedParameters = new Map<string, string>();
    const ackedObjects = new Map<string, string>();
    const ackedEvents = new Map<string, string[]>();
    const ackedSecrets = new Map<string, string>();
    let acks = 0;
    let killed = false;
    const exited = new Promise<void>((done) => first.child.once('exit', () => done()));
    const ack = () => {
      acks++;
      if (acks === KILL_AFTER_ACKS && !killed) {
        killed = true;
        first.child.kill('SIGKILL');
      }
    };
    // Each writer loops until its requests start failing because the server is gone.
    const writer = async (write: (i: number) => Promise<void>) => {
      for (let i = 0; ; i++) {
        try {
          await write(i);
        } catch (err) {
          if (killed) return;
          throw err;
        }
        ack();
      }
    };
    const writers: Promise<void>[] = [];
    for (let w = 0; w < WRITERS_PER_KIND; w++) {
      writers.push(
        writer(async (i) => {
          const name = `/durable/w${w}/p${i}`;
          const value = `value-${w}-${i}-${randomBytes(8).toString('hex')}`;
          await c.ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String' }));
          ackedParameters.set(name, value);
        }),
      );
      writers.push(
        writer(async (i) => {
          const key = `w${w}/o${i}`;
          const body = randomBytes(1024 + ((i * 7919) % 65536));
          await c.s3.send(new PutObjectCommand({ Bucket: 'durable', Key: key, Body: body }));
          ackedObjects.set(key, md5(body));
        }),
      );
      writers.push(
        writer(async (i) => {
          const messages = [`w${w} batch ${i} a`, `w${w} batch ${i} b`];
          const timestamp = Date.now();
          await c.logs.send(new PutLogEventsCommand({ logGroupName: '/durable', logStreamName: `w${w}`, logEvents: messages.map((message) => ({ timestamp, message })) }));
          ackedEvents.set(`w${w}`, [...(ackedEvents.get(`w${w}`) ?? []), ...messages]);
        }),
      );
      writers.push(
        writer(async (i) => {
          const name = `durable/w${w}/s${i}`;
          const value = `secret-${randomBytes(12).toString('hex')}`;
          await c.secrets.send(new CreateSecretCommand({ Name: name, SecretString: value }));
          ackedSecrets.set(name, value);
        }),
      );
    }
    await Promise.all(writers);
    await exited;
    expect(acks).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    for (const acked of [ackedParameters, ackedObjects, ackedEvents, ackedSecrets]) expect(acked.size).toBeGreaterThan(0);

    const second = await startBuiltDrydock(dataDir);
    child = second.child;
    const r = clients(second.url);
    const names = [...ackedParameters.keys()];
    for (let i = 0; i < names.length; i += 10) {
      const batch = names.slice(i, i + 10);
      const got = await r.ssm.send(new GetParametersCommand({ Names: batch }));
      expect(got.InvalidParameters ?? []).toEqual([]);
      for (const p of got.Parameters ?? []) expect(p.Value).toBe(ackedParameters.get(p.Name!));
    }
    for (const [key, digest] of ackedObjects) {
      const got = await r.s3.send(new GetObjectCommand({ Bucket: 'durable', Key: key }));
      expect(md5(await got.Body!.transformToByteArray()), key).toBe(digest);
    }
    for (const [stream, messages] of ackedEvents) {
      const got = await r.logs.send(new GetLogEventsCommand({ logGroupName: '/durable', logStreamName: stream, startFromHead: true, limit: 10_000 }));
      const stored = (got.events ?? []).map((e) => e.message);
      for (const m of messages) expect(stored).toContain(m);
    }
    for (const [name, value] of ackedSecrets) {
      const got = await r.secrets.send(new GetSecretValueCommand({ SecretId: name }));
      expect(got.SecretString, name).toBe(value);
    }
    second.child.kill('SIGTERM');
    await new Promise<void>((done) => second.child.once('exit', () => done()));
    child = undefined;
  });
});
