/**
 * Drydock inside your own process: `import { startDrydock } from 'drydock-aws'` in a test suite's
 * global setup starts a real server (the same one `drydock start` runs) on a free loopback port,
 * with its state in a temporary directory that `stop()` deletes. Several instances in one process
 * are independent: each has its own port, data directory, clock and services.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_ACCESS_KEY, DEFAULT_REGION, DEFAULT_SECRET_KEY } from './core/accounts.js';
import { createLogger } from './core/logger.js';
import { startServer } from './server/server.js';

export interface DrydockOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Address to bind; 127.0.0.1 by default, so an embedded Drydock is reachable from this machine only. */
  host?: string;
  /** Where state lives; a fresh temporary directory (deleted by `stop()`) when omitted. */
  dataDir?: string;
  /** State in a temporary directory that `stop()` deletes: the default, unless `dataDir` is given (both is an error). */
  ephemeral?: boolean;
  /** The region `clientConfig` names (Drydock itself serves every region). */
  region?: string;
  /** Drydock seconds per real second (DRYDOCK_TIME_SCALE). */
  timeScale?: number;
  /** Log level of the embedded server's JSON log lines on stderr; `silent` by default. */
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
}

export interface Drydock {
  /** Base URL for clients, e.g. `http://localhost:41234`. */
  endpoint: string;
  port: number;
  /** Where its state lives. */
  dataDir: string;
  /** Settings for any AWS SDK v3 client: endpoint, region, the root credentials `test`/`test`, path-style S3. */
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    forcePathStyle: boolean;
  };
  /** Deletes every resource of every service (what `POST /_drydock/reset` does). */
  reset(): Promise<void>;
  /** Moves Drydock's clock forward, firing every timer it passes (expiries, timeouts, schedules); answers the new time. */
  advanceTime(ms: number): Date;
  /** Closes the server and, for an ephemeral instance, deletes its data directory. */
  stop(): Promise<void>;
}

export async function startDrydock(options: DrydockOptions = {}): Promise<Drydock> {
  if (options.ephemeral && options.dataDir !== undefined) throw new Error('startDrydock: use either dataDir or ephemeral, not both');
  const ephemeral = options.dataDir === undefined;
  const dataDir = ephemeral ? mkdtempSync(join(tmpdir(), 'drydock-')) : resolve(options.dataDir!);
  try {
    const server = await startServer({
      port: options.port ?? 0,
      host: options.host ?? '127.0.0.1',
      dataDir,
      timeScale: options.timeScale,
      log: createLogger(options.logLevel ?? 'silent'),
    });
    const region = options.region ?? DEFAULT_REGION;
    return {
      endpoint: server.url,
      port: server.port,
      dataDir,
      clientConfig: { endpoint: server.url, region, credentials: { accessKeyId: DEFAULT_ACCESS_KEY, secretAccessKey: DEFAULT_SECRET_KEY }, forcePathStyle: true },
      reset: () => server.reset(),
      advanceTime(ms) {
        server.runtime.clock.advance(ms);
        return server.runtime.clock.date();
      },
      async stop() {
        await server.close();
        if (ephemeral) rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (ephemeral) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}
