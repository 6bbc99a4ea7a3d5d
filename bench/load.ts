/**
 * One cell of the table: an operation against one server at a fixed number of connections, driven
 * by wrk for a fixed time after an unmeasured warm-up (JIT, caches, connection set-up). Any answer
 * that is not 2xx, or a socket error, makes the whole cell an error: failures are never throughput.
 */
import { Agent } from 'node:http';
import { type Answer, type BenchRequest, CALLER_IDENTITY, rawRequest, send, sign } from './client.js';
import type { BenchOperation } from './operations.js';
import { runFailure, runWrk, type WrkResult } from './wrk.js';

export interface CellLimits {
  /** Whole seconds (wrk's resolution). */
  warmupSeconds: number;
  measureSeconds: number;
}

export type CellResult =
  | { state: 'ok'; requests: number; seconds: number; reqPerSec: number; p50Ms: number; p99Ms: number }
  /** The server answered 501: the operation (or one its setup needs) is not implemented. */
  | { state: 'not-implemented'; detail: string }
  | { state: 'error'; detail: string };

/** Unique requests signed for a warm-up; it ends early when they run out, having measured the rate. */
const WARMUP_UNIQUE_REQUESTS = 5_000;
/** Unique requests signed for a measured run: the warm-up's rate for the whole run, with this much headroom. */
const UNIQUE_HEADROOM = 1.5;
const MAX_UNIQUE_REQUESTS = 300_000;

class Failure extends Error {
  constructor(
    readonly answer: Answer,
    readonly what: string,
  ) {
    super(`${what} answered ${answer.status} ${answer.error ?? ''}`.trim());
  }
}

function check(answer: Answer, what: string, expectedBytes?: number): void {
  if (answer.status < 200 || answer.status >= 300) throw new Failure(answer, what);
  if (expectedBytes !== undefined && answer.bytes !== expectedBytes) throw new Error(`${what} returned ${answer.bytes} bytes, expected ${expectedBytes}`);
}

function failureResult(err: unknown): CellResult {
  if (err instanceof Failure && err.answer.status === 501) return { state: 'not-implemented', detail: err.message };
  return { state: 'error', detail: err instanceof Error ? err.message : String(err) };
}

/** Runs the operation's setup once per server; a failure makes every cell of the operation say why. */
export async function prepare(port: number, op: BenchOperation): Promise<CellResult | undefined> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (const req of op.setup) check(await send(port, agent, await sign(port, req)), `${op.label} setup ${req.method} ${req.headers['x-amz-target'] ?? req.path}`);
    // One request of the operation itself, so a 501 is reported as such rather than as failed answers.
    check(await send(port, agent, await sign(port, op.request(0, 'probe'))), op.label, op.expectedBytes);
    return undefined;
  } catch (err) {
    return failureResult(err);
  } finally {
    agent.destroy();
  }
}

/** Signs `count` requests of the cell tagged `cell` as raw bytes; a request object the operation repeats is signed once. */
export async function signRequests(port: number, count: number, requestAt: (i: number) => BenchRequest): Promise<Buffer[]> {
  const signed = new Map<BenchRequest, Buffer>();
  const raw: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const req = requestAt(i);
    let ready = signed.get(req);
    if (!ready) {
      ready = rawRequest(await sign(port, req));
      signed.set(req, ready);
    }
    raw.push(ready);
  }
  return raw;
}

/** The request wrk sends when a run's own requests are used up: harmless on every server. */
export async function fillerRequest(port: number): Promise<Buffer> {
  return rawRequest(await sign(port, CALLER_IDENTITY));
}

/** An error for a run with failed answers, or for a GetObject run whose answers were too short to carry the object. */
function cellFailure(op: BenchOperation, result: WrkResult): string | undefined {
  const failure = runFailure(result);
  if (failure) return failure;
  if (op.expectedBytes !== undefined && result.bytes < result.requests * op.expectedBytes) {
    return `${result.bytes} bytes read for ${result.requests} answers, fewer than ${op.expectedBytes} each`;
  }
  return undefined;
}

async function drive(port: number, op: BenchOperation, cell: string, connections: number, seconds: number, count: number): Promise<WrkResult> {
  const requests = await signRequests(port, count, (i) => op.request(i, cell));
  return runWrk({ port, requests, filler: await fillerRequest(port), connections, seconds, mode: op.distinct === undefined ? 'unique' : 'cycle' });
}

export async function runCell(port: number, op: BenchOperation, connections: number, limits: CellLimits): Promise<CellResult> {
  try {
    const perRun = op.maxPerRun ?? MAX_UNIQUE_REQUESTS;
    const warmup = await drive(port, op, `w${connections}`, connections, limits.warmupSeconds, op.distinct ?? Math.min(WARMUP_UNIQUE_REQUESTS, Math.ceil(perRun / 4)));
    const warmupFailure = cellFailure(op, warmup);
    if (warmupFailure) return { state: 'error', detail: `warm-up: ${warmupFailure}` };
    const rate = warmup.requests / warmup.seconds;
    const count = op.distinct ?? Math.min(perRun, Math.ceil(rate * limits.measureSeconds * UNIQUE_HEADROOM) + 500);
    const result = await drive(port, op, `c${connections}`, connections, limits.measureSeconds, count);
    const failure = cellFailure(op, result);
    if (failure) return { state: 'error', detail: failure };
    return { state: 'ok', requests: result.requests, seconds: result.seconds, reqPerSec: result.requests / result.seconds, p50Ms: result.latencyUs.p50 / 1000, p99Ms: result.latencyUs.p99 / 1000 };
  } catch (err) {
    return failureResult(err);
  }
}
