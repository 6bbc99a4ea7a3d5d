/**
 * The one way tests get a server: a real Drydock on port 0 with a temp data directory, and
 * client settings for the AWS SDK v3, the aws CLI and raw signed requests.
 */

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, expect } from 'vitest';
import { createLogger } from '../src/core/logger.js';
import { type RunningServer, startServer } from '../src/server/server.js';

export interface TestServer extends RunningServer {
  dataDir: string;
  /** Options for any `@aws-sdk/client-*` constructor. */
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    forcePathStyle: boolean;
  };
  /** Runs the aws CLI against this server; resolves with stdout, rejects with stderr. */
  aws(args: string[], env?: Record<string, string>): Promise<{ stdout: string; stderr: string }>;
  /**
   * Moves the server's clock `ms` forward through `POST /_drydock/time` (the time warp tests use
   * instead of waiting), expecting 200; resolves with the server's new time in epoch milliseconds.
   */
  advanceClock(ms: number): Promise<number>;
  stop(): Promise<void>;
}

const run = promisify(execFile);

/**
 * One server for the calling test file: starts it in beforeAll and stops it in afterAll. The
 * handle reads like the TestServer (`const server = useServer()`, then `server.url`,
 * `server.clientConfig` …) and `.server` is the TestServer itself; read them inside tests and hooks,
 * never at the top level of the file, where the server has not started yet. Use startTestServer()
 * for several servers or restarts.
 */
export function useServer(options: Parameters<typeof startTestServer>[0] = {}): ServerFixture {
  let running: TestServer | undefined;
  beforeAll(async () => {
    running = await startTestServer(options);
  });
  afterAll(async () => {
    await running?.stop();
    running = undefined;
  });
  const server = (): TestServer => {
    if (!running) throw new Error('useServer(): the server runs only between beforeAll and afterAll');
    return running;
  };
  // Every TestServer member, read from the server running at the time of the read.
  return new Proxy({} as ServerFixture, {
    get(_target, property) {
      if (property === 'server') return server();
      const value: unknown = Reflect.get(server(), property);
      return typeof value === 'function' ? value.bind(server()) : value;
    },
  });
}

/** The running TestServer's members, plus `.server`: the TestServer itself, for code that wants one. */
export type ServerFixture = TestServer & { readonly server: TestServer };

export async function startTestServer(options: { dataDir?: string; timeScale?: number; maxBodyBytes?: number } = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'drydock-test-'));
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    timeScale: options.timeScale,
    maxBodyBytes: options.maxBodyBytes,
    log: createLogger(process.env.DRYDOCK_TEST_LOG ?? 'silent'),
  });
  const clientConfig = {
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    forcePathStyle: true,
  };
  return {
    ...server,
    dataDir,
    clientConfig,
    aws(args, env = {}) {
      return run('aws', ['--endpoint-url', server.url, '--output', 'json', ...args], {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          ...env,
        },
        maxBuffer: 64 * 1024 * 1024,
      });
    },
    async advanceClock(ms) {
      const response = await fetch(`${server.url}/_drydock/time?advanceMs=${ms}`, { method: 'POST' });
      expect(response.status).toBe(200);
      return Date.parse(((await response.json()) as { time: string }).time);
    },
    async stop() {
      await server.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** What an AWS SDK v3 client rejects with when the service answered with an error. */
export interface AwsErrorLike {
  name: string;
  message: string;
  Code?: string;
  $metadata: { httpStatusCode?: number };
}

/** The error a client call rejects with; fails the test if the call succeeds. Prefer expectAwsError. */
export async function failure(promise: Promise<unknown>): Promise<AwsErrorLike> {
  try {
    await promise;
  } catch (err) {
    return err as AwsErrorLike;
  }
  throw new Error('expected the call to fail');
}

/**
 * Asserts that an SDK call fails with this AWS error: the error code (the SDK's `name`, or `Code`
 * for the query protocols' unmodeled errors), the HTTP status, and, when given, the message (a
 * string it must contain or a RegExp it must match). Resolves with the error for further checks.
 */
export async function expectAwsError(promise: Promise<unknown>, expected: { code: string; status: number; message?: string | RegExp }): Promise<AwsErrorLike> {
  const err = await failure(promise);
  const code = err.Code && err.name !== expected.code ? err.Code : err.name;
  expect({ code, status: err.$metadata?.httpStatusCode }, err.message).toEqual({ code: expected.code, status: expected.status });
  if (typeof expected.message === 'string') expect(err.message).toContain(expected.message);
  else if (expected.message) expect(err.message).toMatch(expected.message);
  return err;
}

/** The error `promise` rejects with, checked to be an instance of `type` (library errors such as BuildPhaseError). */
export async function rejection<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof type) return err;
    throw err;
  }
  throw new Error(`expected a ${type.name}`);
}

/** An identity policy allowing sts:AssumeRole on every role, for a user a trust policy trusts through its account. */
const ASSUME_ANY_ROLE = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] });

/**
 * Creates the IAM user `name` (in the account `clientConfig` signs for) with these inline identity
 * policies and an access key, and answers its ARN and credentials. AWS refuses sts:AssumeRole to an
 * account's root user ("Roles may not be assumed by root accounts."), so a test that assumes a role
 * does it as such a user, as a real caller must.
 */
export async function createIamUser(
  clientConfig: TestServer['clientConfig'],
  name: string,
  policies: string[] = [ASSUME_ANY_ROLE],
): Promise<{ arn: string; credentials: { accessKeyId: string; secretAccessKey: string } }> {
  const iam = new IAMClient(clientConfig);
  const user = (await iam.send(new CreateUserCommand({ UserName: name }))).User!;
  for (const [index, document] of policies.entries()) {
    await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: `policy-${index}`, PolicyDocument: document }));
  }
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  return { arn: user.Arn!, credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! } };
}
