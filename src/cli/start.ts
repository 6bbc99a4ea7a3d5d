/** `drydock start`: the server in the foreground until a signal stops it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RunningServer } from '../server/server.js';
import { VERSION } from '../version.js';
import { DEFAULT_PORT } from './endpoint.js';
import { CommandFailed, parseOptions, UsageError } from './usage.js';

function parsePort(text: string, source: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`${source} must be an integer from 0 to 65535, got "${text}"`);
  return port;
}

function parseTimeScale(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const scale = Number(text);
  if (!(scale > 0) || !Number.isFinite(scale)) throw new UsageError(`DRYDOCK_TIME_SCALE must be a positive number, got "${text}"`);
  return scale;
}

/** Turns the startup failures people actually hit into a sentence that says what to do. */
function startFailure(err: unknown, port: number, dataDirInUse: new (...args: never[]) => Error): Error {
  if (err instanceof dataDirInUse) return new CommandFailed(err.message);
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new CommandFailed(`port ${port} is already in use: stop what is using it or pick another with --port / DRYDOCK_PORT`);
  if (code === 'EACCES') return new CommandFailed(`no permission to listen on port ${port}: pick a port above 1023 with --port / DRYDOCK_PORT`);
  return err instanceof Error ? err : new Error(String(err));
}

export async function start(args: string[]): Promise<void> {
  const { values } = parseOptions({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      ephemeral: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
    },
  });
  const port = values.port !== undefined ? parsePort(values.port, '--port') : process.env.DRYDOCK_PORT ? parsePort(process.env.DRYDOCK_PORT, 'DRYDOCK_PORT') : DEFAULT_PORT;
  if (values.ephemeral && values['data-dir'] !== undefined) throw new UsageError('use either --data-dir or --ephemeral, not both');
  const timeScale = parseTimeScale(process.env.DRYDOCK_TIME_SCALE);
  const durability = process.env.DRYDOCK_DURABILITY ?? 'process';
  if (durability !== 'process' && durability !== 'power') throw new UsageError(`DRYDOCK_DURABILITY must be 'process' or 'power', got '${durability}'`);
  const ephemeral = values.ephemeral;
  // Loaded here rather than at the top: the server pulls in every service model, which the other commands do not need.
  const [{ startServer }, { DataDirInUseError }, { createLogger }] = await Promise.all([import('../server/server.js'), import('../server/data-dir-lock.js'), import('../core/logger.js')]);
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
    server = await startServer({ port, host: values.host ?? process.env.DRYDOCK_HOST, dataDir, timeScale, durability, log, requestLog: !values.quiet, releaseMemoryWhenIdle: true });
  } catch (err) {
    removeEphemeralDir();
    throw startFailure(err, port, DataDirInUseError);
  }
  process.stdout.write(`Drydock ${VERSION} ready on ${server.url} (data: ${ephemeral ? 'ephemeral ' : ''}${dataDir})\n`);
  if (stopping) {
    stopping = false;
    await stop('SIGTERM');
  }
}
