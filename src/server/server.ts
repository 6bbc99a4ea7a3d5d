/**
 * One process, one port: the AWS pipeline for every service, services' own HTTP routes (CodeCommit's
 * Git), the internal `/_drydock` API, and a home page at `/` for browsers. Every AWS and Git request
 * is logged in one info line once answered (`requestLog: false` turns that off; internal routes are
 * not logged). `startServer` is what the CLI, the tests and the benchmarks all use.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Clock } from '../core/clock.js';
import { once } from '../core/lazy.js';
import { createLogger, type Logger } from '../core/logger.js';
import { type Durability, Store } from '../core/store.js';
import { clientErrorResponse } from '../protocol/client-error.js';
import { Pipeline } from '../protocol/pipeline.js';
import type { Runtime } from '../services/contracts.js';
import { SERVICES } from '../services/index.js';
import { VERSION } from '../version.js';
import { type DataDirLock, lockDataDir } from './data-dir-lock.js';
import { COVERAGE_PATH, coveragePage, homePage, isHomePageRequest, serviceOperations } from './home-page.js';
import { collectGarbage, IdleHousekeeping, startIdleHousekeeping } from './housekeeping.js';
import { createServices } from './services.js';

export interface ServerOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  dataDir: string;
  /** Drydock seconds per real second (DRYDOCK_TIME_SCALE). */
  timeScale?: number;
  log?: Logger;
  /** Largest non-streaming request body in bytes. */
  maxBodyBytes?: number;
  /** `process` (default) survives kill -9; `power` also survives losing the machine (DRYDOCK_DURABILITY). */
  durability?: Durability;
  /** One info log line per request; false turns it off (`drydock start --quiet`). */
  requestLog?: boolean;
  /**
   * Once idle after a burst of work, a full garbage collection and SQLite's cache given back
   * (housekeeping.ts). `drydock start` turns it on; an embedding process's heap is its own business.
   */
  releaseMemoryWhenIdle?: boolean;
}

export interface RunningServer {
  url: string;
  port: number;
  runtime: Runtime;
  /** Deletes all state (what `POST /_drydock/reset` does). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY = 64 * 1024 * 1024;
/**
 * Far above any AWS limit (S3 takes 8 KB of headers, and 1024-byte keys in the URL): requests
 * that break AWS's limits reach the pipeline and get the service's own error (KeyTooLongError,
 * RequestHeaderSectionTooLarge, ValidationException) instead of Node's 16 KB default dropping them.
 */
const MAX_HEADER_BYTES = 1024 * 1024;
/** How long the rest of a refused request is read (and discarded) so that its client sees the answer. */
const REFUSED_DRAIN_MS = 5_000;

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const log = opts.log ?? createLogger();
  // Taken before the store opens: a second Drydock must not touch the database at all.
  const lock = lockDataDir(opts.dataDir, log);
  try {
    return await serve(opts, log, lock);
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function serve(opts: ServerOptions, log: Logger, lock: DataDirLock): Promise<RunningServer> {
  const store = new Store(opts.dataDir, opts.durability);
  const clock = new Clock(opts.timeScale ?? 1);
  let url = '';
  const { runtime, instances, invoker } = createServices({ store, clock, log, dataDir: opts.dataDir, endpoint: () => url });
  const { jobs, executor } = runtime;

  const httpRoutes = Object.values(SERVICES).flatMap((def) => {
    const handle = instances.get(def.name)!.handleHttp;
    // Requests under /_drydock/ (pages, not AWS or Git) are not logged, as the internal routes are not.
    return def.httpPrefix && handle ? [{ service: def.name, prefix: def.httpPrefix, handle, logged: !def.httpPrefix.startsWith('/_drydock/') }] : [];
  });

  const pipeline = new Pipeline({
    services: invoker.services(),
    invoker,
    credentials: runtime.credential,
    clock,
    log,
    endpoint: () => url,
    maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY,
    requestLog: opts.requestLog ?? true,
    groupCommit: store,
  });
  const logHttpRoute = (opts.requestLog ?? true) && log.isLevelEnabled('info');
  // What the pages show is fixed once the services exist; worked out on the first look.
  const operations = once(() => serviceOperations(Object.values(SERVICES), (name) => Object.keys(instances.get(name)!.handlers)));
  // A request nothing names goes to the catch-all service (S3), whose Host may name a bucket.
  const bucketFromHost = Object.values(SERVICES).find((def) => def.dialect?.catchAll)?.dialect?.rewriteRequest;
  const sendHtml = (req: IncomingMessage, res: ServerResponse, html: string) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : html);
  };

  const reset = async () => {
    for (const instance of instances.values()) await instance.reset?.();
    // Running jobs and deliveries are abandoned (signals aborted, outcomes not recorded), then their rows go with the rest.
    jobs.reset();
    store.wipe();
    clock.reset();
  };
  const internal = (req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    const path = (req.url ?? '').split('?')[0];
    if (path === '/_drydock/health' && req.method === 'GET') {
      // Probing for the sandbox starts processes (tens of milliseconds): it runs in the background
      // and health says `detecting` meanwhile, so health answers as fast as the first start-up poll asks.
      void executor.detect();
      return send(200, {
        status: 'running',
        version: VERSION,
        services: Object.fromEntries(Object.values(SERVICES).map((d) => [d.name, 'running'])),
        sandbox: executor.knownMode ?? 'detecting',
        dataDir: opts.dataDir,
        time: clock.date().toISOString(),
      });
    }
    if (path === '/_drydock/reset' && req.method === 'POST') {
      reset().then(
        () => send(200, { reset: true }),
        (err: unknown) => {
          log.error({ err }, 'reset failed');
          send(500, { error: 'reset failed' });
        },
      );
      return;
    }
    if (path === COVERAGE_PATH && req.method === 'GET') return sendHtml(req, res, coveragePage({ version: VERSION, services: operations() }));
    if (path === '/_drydock/time' && req.method === 'POST') {
      const ms = Number(new URL(req.url ?? '', 'http://x').searchParams.get('advanceMs'));
      if (!Number.isFinite(ms) || ms < 0) return send(400, { error: 'advanceMs must be a non-negative number' });
      clock.advance(ms);
      return send(200, { time: clock.date().toISOString() });
    }
    return send(404, { error: `no internal route ${req.method} ${path}` });
  };

  const housekeeping = opts.releaseMemoryWhenIdle
    ? new IdleHousekeeping({
        release: () => {
          store.releaseMemory();
          collectGarbage();
        },
        collectAgain: collectGarbage,
      })
    : undefined;
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0, maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    housekeeping?.noteRequest();
    const target = req.url ?? '';
    // Services' routes come first: a service may serve pages under /_drydock/ (CodeBuild's build pages).
    const route = httpRoutes.find((r) => target.startsWith(r.prefix));
    if (route) {
      const started = performance.now();
      route
        .handle(req, res)
        .catch((err) => {
          log.error({ err }, 'request failed');
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end();
        })
        .then(() => {
          if (!logHttpRoute || !route.logged) return;
          const ms = Math.round((performance.now() - started) * 100) / 100;
          log.info({ service: route.service, method: req.method, path: route.prefix, status: res.statusCode, ms }, 'request');
        });
      return;
    }
    if (target.startsWith('/_drydock/')) return internal(req, res);
    if (isHomePageRequest(req, bucketFromHost)) {
      const endpoint = req.headers.host ? `http://${req.headers.host}` : url;
      return sendHtml(req, res, homePage({ version: VERSION, endpoint, services: operations() }));
    }
    pipeline.handle(req, res).catch((err) => {
      log.error({ err }, 'response failed');
      res.destroy();
    });
  });
  // What Node's parser refuses (headers beyond even MAX_HEADER_BYTES) still gets an answer, not a reset.
  server.on('clientError', (err: Error & { code?: string }, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(clientErrorResponse(err));
    // A client still sending its request would see a reset instead of the answer if the socket closed now.
    socket.resume();
    setTimeout(() => socket.destroy(), REFUSED_DRAIN_MS).unref();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => {
      // The lock is released next: the database must be closed before another Drydock may open it.
      store.close();
      reject(err);
    });
    server.listen(opts.port, opts.host ?? '0.0.0.0', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  url = `http://localhost:${port}`;
  for (const instance of instances.values()) instance.start?.();
  const stopHousekeeping = housekeeping ? startIdleHousekeeping(housekeeping) : undefined;
  // Last: every job kind and durable subscription is registered by now, so orphaned work finds its handler.
  jobs.start();

  return {
    url,
    port,
    runtime,
    reset,
    async close() {
      stopHousekeeping?.();
      jobs.stop();
      for (const instance of instances.values()) await instance.stop?.();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      store.close();
      lock.release();
    },
  };
}
