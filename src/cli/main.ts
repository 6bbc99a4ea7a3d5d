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
import { startServer } from '../server/server.js';
import { createLogger } from '../core/logger.js';
import { DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, DEFAULT_REGION } from '../core/accounts.js';
import { VERSION } from '../version.js';

const DEFAULT_PORT = 4566;

function defaultEndpoint(): string {
  return process.env.AWS_ENDPOINT_URL ?? `http://localhost:${process.env.DRYDOCK_PORT ?? DEFAULT_PORT}`;
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
  const port = Number(values.port ?? process.env.DRYDOCK_PORT ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got ${values.port}`);
  const ephemeral = values.ephemeral;
  const dataDir = ephemeral ? mkdtempSync(join(tmpdir(), 'drydock-')) : resolve(values['data-dir'] ?? process.env.DRYDOCK_DATA_DIR ?? '.drydock');
  const log = createLogger();
  const server = await startServer({
    port,
    host: values.host ?? process.env.DRYDOCK_HOST,
    dataDir,
    timeScale: process.env.DRYDOCK_TIME_SCALE ? Number(process.env.DRYDOCK_TIME_SCALE) : undefined,
    log,
  });
  process.stdout.write(`Drydock ${VERSION} ready on ${server.url} (data: ${ephemeral ? 'ephemeral ' : ''}${dataDir})\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await server.close();
    if (ephemeral) rmSync(dataDir, { recursive: true, force: true });
    log.flush();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

async function internal(method: 'GET' | 'POST', path: string, argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { endpoint: { type: 'string' } } });
  const endpoint = values.endpoint ?? defaultEndpoint();
  try {
    const res = await fetch(`${endpoint}${path}`, { method });
    process.stdout.write(JSON.stringify(await res.json(), null, 2) + '\n');
    process.exitCode = res.ok ? 0 : 1;
  } catch {
    process.stderr.write(`Drydock is not reachable at ${endpoint}\n`);
    process.exitCode = 1;
  }
}

function aws(argv: string[]): void {
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL: defaultEndpoint(),
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? DEFAULT_ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? DEFAULT_SECRET_KEY,
    AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION ?? process.env.AWS_REGION ?? DEFAULT_REGION,
  };
  const child = spawn('aws', ['--endpoint-url', env.AWS_ENDPOINT_URL, ...argv], { stdio: 'inherit', env });
  child.on('error', () => {
    process.stderr.write('the aws CLI is not installed or not on PATH\n');
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
    default:
      process.stdout.write(USAGE);
      process.exitCode = command && command !== 'help' && command !== '--help' ? 2 : 0;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`drydock: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
