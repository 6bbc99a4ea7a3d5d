/**
 * One cell of the table: an operation against one server at a fixed number of concurrent clients,
 * bounded in both request count and time. A short warm-up (JIT, caches, connection set-up) runs
 * first and is not measured.
 */
import { Agent } from 'node:http';
import { type Answer, type BenchRequest, type SignedRequest, send, sign } from './client.js';
import type { BenchOperation } from './operations.js';

export interface CellLimits {
  measureMs: number;
  warmupMs: number;
  /** Warm-up requests as a fraction of the operation's maxRequests. */
  warmupShare: number;
}

export type CellResult =
  | { state: 'ok'; requests: number; seconds: number; reqPerSec: number; p50Ms: number; p99Ms: number }
  /** The server answered 501: the operation (or one its setup needs) is not implemented. */
  | { state: 'not-implemented'; detail: string }
  | { state: 'error'; detail: string };

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

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
    // One request of the operation itself, so a 501 is reported as such rather than as an error rate.
    check(await send(port, agent, await sign(port, op.request(0, 'probe'))), op.label, op.expectedBytes);
    return undefined;
  } catch (err) {
    return failureResult(err);
  } finally {
    agent.destroy();
  }
}

/** Signs the requests of a cell ahead of it; an operation that repeats one request object is signed once. */
async function prebuild(port: number, op: BenchOperation, cell: string, count: number): Promise<SignedRequest[]> {
  const signed = new Map<BenchRequest, SignedRequest>();
  const requests: SignedRequest[] = [];
  for (let i = 0; i < count; i++) {
    const req = op.request(i, cell);
    let ready = signed.get(req);
    if (!ready) {
      ready = await sign(port, req);
      signed.set(req, ready);
    }
    requests.push(ready);
  }
  return requests;
}

/** Sends up to `count` requests from `concurrency` clients until `ms` have passed; latencies land in `latencies`. */
async function drive(port: number, op: BenchOperation, cell: string, concurrency: number, count: number, ms: number, latencies?: Float64Array): Promise<{ requests: number; seconds: number }> {
  const requests = await prebuild(port, op, cell, count);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let issued = 0;
  let done = 0;
  let failed = false;
  const started = performance.now();
  const deadline = started + ms;
  const client = async () => {
    while (!failed && issued < count && performance.now() < deadline) {
      const i = issued++;
      try {
        const answer = await send(port, agent, requests[i]);
        check(answer, op.label, op.expectedBytes);
        if (latencies) latencies[done] = answer.ms;
        done++;
      } catch (err) {
        failed = true; // the other clients stop at their next turn
        throw err;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, client));
    return { requests: done, seconds: (performance.now() - started) / 1000 };
  } finally {
    agent.destroy();
  }
}

export async function runCell(port: number, op: BenchOperation, concurrency: number, limits: CellLimits): Promise<CellResult> {
  try {
    await drive(port, op, `w${concurrency}`, concurrency, Math.ceil(op.maxRequests * limits.warmupShare), limits.warmupMs);
    const latencies = new Float64Array(op.maxRequests);
    const { requests, seconds } = await drive(port, op, `c${concurrency}`, concurrency, op.maxRequests, limits.measureMs, latencies);
    const sorted = latencies.subarray(0, requests).sort();
    return { state: 'ok', requests, seconds, reqPerSec: requests / seconds, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
  } catch (err) {
    return failureResult(err);
  }
}
