/**
 * The one way tests get a server: a real Drydock on port 0 with a temp data directory, and
 * client settings for the AWS SDK v3, the aws CLI and raw signed requests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer, type RunningServer } from '../src/server/server.js';
import { createLogger } from '../src/core/logger.js';

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
  stop(): Promise<void>;
}

const run = promisify(execFile);

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
    async stop() {
      await server.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The error a client call rejects with; fails the test if the call succeeds. */
export async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string; $metadata: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (err) {
    return err as { name: string; message: string; $metadata: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail');
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
