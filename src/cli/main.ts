#!/usr/bin/env node
/**
 * drydock start [--port N] [--host H] [--data-dir DIR | --ephemeral]
 * drydock status | reset [--endpoint URL]
 * drydock aws <args…>    the aws CLI with Drydock's endpoint and the test credentials
 */
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RunningServer } from '../server/server.js';
import { DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, DEFAULT_REGION } from '../core/accounts.js';
import { VERSION } from '../version.js';

const DEFAULT_PORT = 4566;

/** A mistake in how Drydock was invoked or configured: reported as one line, without a stack trace. */
class UsageError extends Error {}

function defaultEndpoint(): string {
  return process.env.AWS_ENDPOINT_URL ?? `http://localhost:${process.env.DRYDOCK_PORT ?? DEFAULT_PORT}`;
}

function parsePort(text: string, source: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`${source} must be an integer from 0 to 65535, got "${text}"`);
  return port;
}

function parseTimeScale(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const scale = Number(text);
  if (!(scale > 0) || !Number.isFinite(scale)) throw new UsageError(`DRYDOCK_TIME_SCALE must be a positive number, got "${text}"`);
  return scale;
}

/** Turns the listen errors people actually hit into a sentence that says what to do. */
function listenFailure(err: unknown, port: number): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new UsageError(`port ${port} is already in use: stop what is using it or pick another with --port / DRYDOCK_PORT`);
  if (code === 'EACCES') return new UsageError(`no permission to listen on port ${port}: pick a port above 1023 with --port / DRYDOCK_PORT`);
  return err instanceof Error ? err : new Error(String(err));
}

async function start(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      ephemeral: { type: 'boolean', default: false },
    },
  });
  const port = values.port !== undefined
    ? parsePort(values.port, '--port')
    : process.env.DRYDOCK_PORT
      ? parsePort(process.env.DRYDOCK_PORT, 'DRYDOCK_PORT')
      : DEFAULT_PORT;
  if (values.ephemeral && values['data-dir'] !== undefined) throw new UsageError('use either --data-dir or --ephemeral, not both');
  const timeScale = parseTimeScale(process.env.DRYDOCK_TIME_SCALE);
  const durability = process.env.DRYDOCK_DURABILITY ?? 'process';
  if (durability !== 'process' && durability !== 'power') throw new UsageError(`DRYDOCK_DURABILITY must be 'process' or 'power', got '${durability}'`);
  const ephemeral = values.ephemeral;
  // Loaded here rather than at the top: the server pulls in every service model, which status,
  // reset and aws do not need.
  const [{ startServer }, { createLogger }] = await Promise.all([import('../server/server.js'), import('../core/logger.js')]);
  const log = createLogger();

  // Handlers go in before anything is created, so a signal during startup still cleans up.
  let server: RunningServer | undefined;
  let dataDir: string | undefined;
  let stopping = false;
  const removeEphemeralDir = () => {
    if (ephemeral && dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`drydock: ${signal} again, exiting without a clean shutdown\n`);
      process.exit(1);
    }
    stopping = true;
    if (!server) return; // startup finishes the shutdown once the server exists
    log.info({ signal }, 'shutting down');
    let exitCode = 0;
    try {
      await server.close();
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      exitCode = 1;
    }
    removeEphemeralDir();
    await new Promise<void>((done) => log.flush(() => done()));
    process.exit(exitCode);
  };
  process.on('SIGINT', (signal) => void stop(signal));
  process.on('SIGTERM', (signal) => void stop(signal));

  dataDir = ephemeral ? mkdtempSync(join(tmpdir(), 'drydock-')) : resolve(values['data-dir'] ?? process.env.DRYDOCK_DATA_DIR ?? '.drydock');
  try {
    server = await startServer({ port, host: values.host ?? process.env.DRYDOCK_HOST, dataDir, timeScale, durability, log });
  } catch (err) {
    removeEphemeralDir();
    throw listenFailure(err, port);
  }
  process.stdout.write(`Drydock ${VERSION} ready on ${server.url} (data: ${ephemeral ? 'ephemeral ' : ''}${dataDir})\n`);
  if (stopping) {
    stopping = false;
    await stop('SIGTERM');
  }
}

async function internal(method: 'GET' | 'POST', path: string, argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { endpoint: { type: 'string' } } });
  const endpoint = values.endpoint ?? defaultEndpoint();
  let res: Response;
  try {
    res = await fetch(`${endpoint}${path}`, { method });
  } catch {
    process.stderr.write(`Drydock is not reachable at ${endpoint}\n`);
    process.exitCode = 1;
    return;
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    process.stderr.write(`${endpoint} answered ${res.status} but is not Drydock (the answer is not JSON)\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(JSON.stringify(body, null, 2) + '\n');
  process.exitCode = res.ok ? 0 : 1;
}

/**
 * Keys already in the environment win (a twelve-digit key id addresses another account); the
 * test keys fill in otherwise, so a bare `drydock aws …` needs no configuration.
 */
function aws(argv: string[]): void {
  const endpoint = defaultEndpoint();
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? DEFAULT_ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? DEFAULT_SECRET_KEY,
    AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION ?? process.env.AWS_REGION ?? DEFAULT_REGION,
  };
  const child = spawn('aws', ['--endpoint-url', endpoint, ...argv], { stdio: 'inherit', env });
  child.on('error', () => {
    process.stderr.write('drydock: the aws CLI is not installed or not on PATH\n');
    process.exitCode = 127;
  });
  child.on('exit', (code) => {
    process.exitCode = code ?? 1;
  });
}

const USAGE = `drydock ${VERSION}
usage:
  drydock start [--port 4566] [--host 0.0.0.0] [--data-dir ./.drydock | --ephemeral]
  drydock status [--endpoint URL]
  drydock reset [--endpoint URL]
  drydock aws <aws CLI arguments>
  drydock --version
`;

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'start':
      return start(rest);
    case 'status':
      return internal('GET', '/_drydock/health', rest);
    case 'reset':
      return internal('POST', '/_drydock/reset', rest);
    case 'aws':
      return aws(rest);
    case '--version':
      process.stdout.write(`${VERSION}\n`);
      return;
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`drydock: unknown command "${command}"\n${USAGE}`);
      process.exitCode = 2;
  }
}

main().catch((err: unknown) => {
  // Mistakes in the invocation (ours, and parseArgs' ERR_PARSE_ARGS_* errors) are one line; anything else keeps its stack.
  const expected = err instanceof UsageError || String((err as NodeJS.ErrnoException)?.code).startsWith('ERR_PARSE_ARGS');
  const text = err instanceof Error ? (expected ? err.message : (err.stack ?? err.message)) : String(err);
  process.stderr.write(`drydock: ${text}\n`);
  process.exit(1);
});
