#!/usr/bin/env node
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
/**
 * drydock start [--port N] [--host H] [--data-dir DIR | --ephemeral]
 * drydock status | reset [--endpoint URL]
 * drydock aws <args…>    the aws CLI with Drydock's endpoint and the test credentials
 * drydock builds logs <build-id> [--follow] [--endpoint URL]   a CodeBuild build's log
 */
import { parseArgs } from 'node:util';
import { DEFAULT_ACCESS_KEY, DEFAULT_REGION, DEFAULT_SECRET_KEY } from '../core/accounts.js';
import type { RunningServer } from '../server/server.js';
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
  const port = values.port !== undefined ? parsePort(values.port, '--port') : process.env.DRYDOCK_PORT ? parsePort(process.env.DRYDOCK_PORT, 'DRYDOCK_PORT') : DEFAULT_PORT;
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
  process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
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

/** An AWS error answer, as the CLI reports it. */
class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** Calls an awsJson1_1 operation of the server, signed with the caller's (or the test) credentials. */
async function callJson(endpoint: string, service: string, target: string, input: unknown): Promise<Record<string, unknown>> {
  // Loaded on use, like the server: the other commands do not sign requests.
  const [{ SignatureV4 }, { NodeSha256 }] = await Promise.all([import('@smithy/signature-v4'), import('../protocol/sigv4.js')]);
  const url = new URL(endpoint);
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? DEFAULT_REGION;
  const signer = new SignatureV4({
    service,
    region,
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? DEFAULT_ACCESS_KEY,
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? DEFAULT_SECRET_KEY,
      sessionToken: process.env.AWS_SESSION_TOKEN,
    },
    sha256: NodeSha256,
  });
  const body = JSON.stringify(input);
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: '/',
    query: {},
    headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
    body,
  });
  let res: Response;
  try {
    res = await fetch(new URL('/', url), { method: 'POST', headers: signed.headers as Record<string, string>, body });
  } catch {
    throw new UsageError(`Drydock is not reachable at ${endpoint}`);
  }
  const text = await res.text();
  const answer = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  if (!res.ok) {
    const code = String(answer.__type ?? res.status)
      .split('#')
      .pop()!;
    throw new ApiError(code, String(answer.message ?? answer.Message ?? text));
  }
  return answer;
}

interface BuildView {
  id: string;
  currentPhase?: string;
  buildStatus?: string;
  buildComplete?: boolean;
  phases?: { phaseType: string }[];
  logs?: { groupName?: string; streamName?: string };
}

/**
 * Prints a build's log from CloudWatch Logs; with --follow keeps tailing, tells each phase as the
 * build enters it (on stderr, so stdout stays the log), and exits once the build has completed:
 * 0 when it SUCCEEDED, 1 otherwise.
 */
async function buildLogs(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { follow: { type: 'boolean', short: 'f', default: false }, endpoint: { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError('usage: drydock builds logs <build-id> [--follow] [--endpoint URL]');
  const endpoint = values.endpoint ?? defaultEndpoint();
  const id = positionals[0];
  const getBuild = async (): Promise<BuildView> => {
    const out = await callJson(endpoint, 'codebuild', 'CodeBuild_20161006.BatchGetBuilds', { ids: [id] });
    const build = (out.builds as BuildView[] | undefined)?.[0];
    if (!build) throw new UsageError(`build ${id} was not found`);
    return build;
  };
  let token: string | undefined;
  /** Prints the events written since the last call; false while the log stream does not exist yet. */
  const drain = async (build: BuildView): Promise<boolean> => {
    const { groupName, streamName } = build.logs ?? {};
    if (!groupName || !streamName) return false;
    for (;;) {
      let out: Record<string, unknown>;
      try {
        out = await callJson(endpoint, 'logs', 'Logs_20140328.GetLogEvents', { logGroupName: groupName, logStreamName: streamName, startFromHead: true, ...(token ? { nextToken: token } : {}) });
      } catch (err) {
        if (err instanceof ApiError && err.code === 'ResourceNotFoundException') return false;
        throw err;
      }
      const events = (out.events as { message: string }[] | undefined) ?? [];
      for (const event of events) process.stdout.write(`${event.message}\n`);
      const next = out.nextForwardToken as string | undefined;
      if (events.length === 0 || next === undefined || next === token) return true;
      token = next;
    }
  };

  let build = await getBuild();
  if (!values.follow) {
    if (!(await drain(build)) && !build.buildComplete) process.stderr.write(`build ${id} has not written its log yet (phase ${build.currentPhase})\n`);
    return;
  }
  // Phases are told from the build's phase list, so one shorter than the polling interval is still told.
  let told = 0;
  for (;;) {
    const phases = build.phases ?? [];
    for (; told < phases.length; told++) if (phases[told].phaseType !== 'COMPLETED') process.stderr.write(`==> phase ${phases[told].phaseType}\n`);
    await drain(build);
    if (build.buildComplete) {
      process.stderr.write(`==> build ${build.buildStatus}\n`);
      process.exitCode = build.buildStatus === 'SUCCEEDED' ? 0 : 1;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    build = await getBuild();
  }
}

async function builds(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === 'logs') return buildLogs(rest);
  throw new UsageError(`unknown builds command "${sub ?? ''}": drydock builds logs <build-id> [--follow]`);
}

const USAGE = `drydock ${VERSION}
usage:
  drydock start [--port 4566] [--host 0.0.0.0] [--data-dir ./.drydock | --ephemeral]
  drydock status [--endpoint URL]
  drydock reset [--endpoint URL]
  drydock aws <aws CLI arguments>
  drydock builds logs <build-id> [--follow] [--endpoint URL]
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
    case 'builds':
      return builds(rest);
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
  const expected = err instanceof UsageError || err instanceof ApiError || String((err as NodeJS.ErrnoException)?.code).startsWith('ERR_PARSE_ARGS');
  const text = err instanceof Error ? (expected ? err.message : (err.stack ?? err.message)) : String(err);
  process.stderr.write(`drydock: ${text}\n`);
  process.exit(1);
});
