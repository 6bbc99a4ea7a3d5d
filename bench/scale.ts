/**
 * Drydock at scale: reads on an empty store against the same reads on a store holding 100,000 SSM
 * parameters, 100,000 S3 objects in one bucket and 1,000 log streams, each in a Drydock process of
 * its own. The store is loaded through wrk with pre-signed unique requests (each sent exactly once,
 * every answer awaited and checked), then measured: GetParameter and GetObject latency at one
 * connection against the empty store's (the better of two rounds each), 1,000-key ListObjectsV2
 * pages, and resident memory once idle.
 */
import { EMPTY_SHA256, sha256Hex } from '../src/protocol/sigv4.js';
import { type BenchRequest, sign } from './client.js';
import { type CellLimits, type CellResult, fillerRequest, prepare, runCell, signRequests } from './load.js';
import type { BenchOperation } from './operations.js';
import type { TargetCheck } from './report.js';
import { freePort, startDrydock, treeRss } from './servers.js';
import { runFailure, runWrk } from './wrk.js';

export interface ScaleOptions {
  parameters: number;
  objects: number;
  logStreams: number;
}

export const DEFAULT_SCALE: ScaleOptions = { parameters: 100_000, objects: 100_000, logStreams: 1_000 };

export interface ScaleResults extends ScaleOptions {
  /** Loading each kind: requests per second through wrk (16 connections). */
  loadRates: { parameters: number; objects: number; logStreams: number };
  loadSeconds: number;
  idleRssBytes: { empty: number; loaded: number };
  /** The same read against the empty and the loaded store, one connection (latency, not throughput). */
  reads: { operation: string; label: string; empty: CellResult; loaded: CellResult }[];
  /** ListObjectsV2 pages of 1,000 keys from all over the bucket, one connection. */
  listPage: CellResult;
}

const BUCKET = 'bench-scale';
const LOG_GROUP = 'bench-scale';
const OBJECT_BYTES = 1024;
/** Unique requests per wrk run while loading: bounds the memory the signed requests take. */
const LOAD_BATCH = 20_000;
const LOAD_CONNECTIONS = 16;
/** A bound on one loading run, far above what it takes. */
const LOAD_RUN_SECONDS = 300;
/**
 * How long the loaded server stays quiet before its idle memory is read: Drydock gives memory back
 * in two steps once quiet (src/server/housekeeping.ts), the second about 7 s after the last request.
 */
const SETTLE_MS = 10_000;
const LATENCY_TOLERANCE = 1.2;
const READ_ROUNDS = 2;
const LIST_PAGE_TARGET_MS = 10;
export const IDLE_RSS_TARGET_MB = 120;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function awsJson(service: string, target: string, payload: unknown): BenchRequest {
  return { service, method: 'POST', path: '/', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target }, body: Buffer.from(JSON.stringify(payload)) };
}

const objectBody = Buffer.alloc(OBJECT_BYTES, 'o');
const objectHash = sha256Hex(objectBody);
const objectKey = (i: number) => `keys/${String(i).padStart(6, '0')}`;
const parameterName = (i: number) => `/bench/scale/app-${i % 100}/param-${i}`;
const s3Put = (path: string, body: Buffer, hash: string): BenchRequest => ({
  service: 's3',
  method: 'PUT',
  path,
  headers: { 'content-type': 'application/octet-stream', 'x-amz-content-sha256': hash },
  body,
});

/** The reads compared between the empty and the loaded store; their setup creates what they read, and the bucket and log group the load fills. */
function reads(): BenchOperation[] {
  const getParameter = awsJson('ssm', 'AmazonSSM.GetParameter', { Name: '/bench/scale/read' });
  const getObject: BenchRequest = { service: 's3', method: 'GET', path: `/${BUCKET}/read-object`, headers: { 'x-amz-content-sha256': EMPTY_SHA256 } };
  return [
    {
      id: 'ssm.GetParameter',
      label: 'SSM GetParameter',
      setup: [
        awsJson('ssm', 'AmazonSSM.PutParameter', { Name: '/bench/scale/read', Value: 'the value read back', Type: 'String' }),
        awsJson('logs', 'Logs_20140328.CreateLogGroup', { logGroupName: LOG_GROUP }),
      ],
      request: () => getParameter,
      distinct: 1,
    },
    {
      id: 's3.GetObject.1KiB',
      label: 'S3 GetObject 1KiB',
      setup: [s3Put(`/${BUCKET}`, Buffer.alloc(0), EMPTY_SHA256), s3Put(`/${BUCKET}/read-object`, objectBody, objectHash)],
      request: () => getObject,
      distinct: 1,
      expectedBytes: OBJECT_BYTES,
    },
  ];
}

/** Pages of 1,000 keys starting all over the bucket (every start is followed by at least 1,000 keys). */
function listPages(objects: number): BenchOperation {
  const starts = Math.max(1, Math.floor(objects / 1000) - 1);
  const pages = Array.from(
    { length: starts },
    (_, i): BenchRequest => ({
      service: 's3',
      method: 'GET',
      path: `/${BUCKET}`,
      query: { 'list-type': '2', 'max-keys': '1000', 'start-after': objectKey(i * 1000) },
      headers: { 'x-amz-content-sha256': EMPTY_SHA256 },
    }),
  );
  return { id: 's3.ListObjectsV2', label: 'S3 ListObjectsV2 page', setup: [], request: (i) => pages[i % pages.length], distinct: pages.length };
}

/** Sends `count` unique requests, each once, every answer 2xx; returns requests per second. */
async function load(port: number, what: string, count: number, requestAt: (i: number) => BenchRequest, log: (line: string) => void): Promise<number> {
  const filler = await fillerRequest(port);
  let seconds = 0;
  for (let from = 0; from < count; from += LOAD_BATCH) {
    const requests = await signRequests(port, Math.min(LOAD_BATCH, count - from), (i) => requestAt(from + i));
    const result = await runWrk({ port, requests, filler, connections: LOAD_CONNECTIONS, seconds: LOAD_RUN_SECONDS, mode: 'all' });
    const failure = runFailure(result);
    if (failure) throw new Error(`loading ${what}: ${failure}`);
    if (!result.exhausted) throw new Error(`loading ${what}: not every request was answered within ${LOAD_RUN_SECONDS} s`);
    seconds += result.seconds;
  }
  const rate = count / seconds;
  log(`Drydock  loaded ${count.toLocaleString('en-US')} ${what} in ${seconds.toFixed(1)} s (${rate.toFixed(0)} req/s)`);
  return rate;
}

/** Checks that a page really holds 1,000 keys before its latency counts. */
async function checkPage(port: number, op: BenchOperation): Promise<void> {
  const signed = await sign(port, op.request(0, 'check'));
  const answer = await fetch(`http://127.0.0.1:${port}${signed.path}`, { method: signed.method, headers: signed.headers });
  const text = await answer.text();
  const keys = /<KeyCount>(\d+)<\/KeyCount>/.exec(text)?.[1];
  if (!answer.ok || keys !== '1000') throw new Error(`ListObjectsV2 answered ${answer.status} with KeyCount ${keys ?? 'missing'}: ${text.slice(0, 200)}`);
}

/**
 * Of two cells of the same read, the one with the lower p50 (or the one that ran): each store's
 * read is measured READ_ROUNDS times, alternating, and its best round kept, so a burst of the
 * machine's other work during one round does not decide the comparison.
 */
function lower(a: CellResult | undefined, b: CellResult): CellResult {
  if (a?.state !== 'ok') return b;
  return b.state === 'ok' && b.p50Ms < a.p50Ms ? b : a;
}

/** Runs every read's setup on a server, failing the phase if one cannot run. */
async function prepareReads(port: number, operations: BenchOperation[]): Promise<void> {
  for (const op of operations) {
    const unavailable = await prepare(port, op);
    if (unavailable && unavailable.state !== 'ok') throw new Error(`${op.label}: ${unavailable.detail}`);
  }
}

/**
 * Two Drydock processes: one stays empty, the other is loaded. Their reads then run one after the
 * other, so the machine's other work weighs on both alike (measuring the empty store first, minutes
 * before the loaded one, compared two different moments of a shared machine).
 */
export async function scaleBench(limits: CellLimits, log: (line: string) => void, options: ScaleOptions = DEFAULT_SCALE): Promise<ScaleResults> {
  const empty = await startDrydock(await freePort());
  try {
    const drydock = await startDrydock(await freePort());
    const { port } = drydock;
    try {
      const operations = reads();
      await prepareReads(empty.port, operations);
      await prepareReads(port, operations);

      const started = performance.now();
      const loadRates = {
        parameters: await load(port, 'SSM parameters', options.parameters, (i) => awsJson('ssm', 'AmazonSSM.PutParameter', { Name: parameterName(i), Value: `value ${i}`, Type: 'String' }), log),
        objects: await load(port, 'S3 objects', options.objects, (i) => s3Put(`/${BUCKET}/${objectKey(i)}`, objectBody, objectHash), log),
        logStreams: await load(port, 'log streams', options.logStreams, (i) => awsJson('logs', 'Logs_20140328.CreateLogStream', { logGroupName: LOG_GROUP, logStreamName: `stream-${i}` }), log),
      };
      const loadSeconds = (performance.now() - started) / 1000;
      await sleep(SETTLE_MS);
      const idleRssBytes = { empty: treeRss(empty.pid), loaded: treeRss(drydock.pid) };

      const results: ScaleResults['reads'] = [];
      for (const op of operations) {
        let before: CellResult | undefined;
        let loaded: CellResult | undefined;
        for (let round = 0; round < READ_ROUNDS; round++) {
          before = lower(before, await runCell(empty.port, op, 1, limits));
          loaded = lower(loaded, await runCell(port, op, 1, limits));
        }
        results.push({ operation: op.id, label: op.label, empty: before!, loaded: loaded! });
        log(`Drydock  ${op.label} x1: empty ${describe(before!)}; loaded ${describe(loaded!)}`);
      }
      const list = listPages(options.objects);
      await checkPage(port, list);
      const listPage = await runCell(port, list, 1, limits);
      log(`Drydock  ${list.label} (1,000 keys) x1: ${describe(listPage)}`);
      return { ...options, loadRates, loadSeconds, idleRssBytes, reads: results, listPage };
    } finally {
      await drydock.stop();
    }
  } finally {
    await empty.stop();
  }
}

function describe(cell: CellResult): string {
  return cell.state === 'ok' ? `${cell.reqPerSec.toFixed(0)} req/s, p50 ${cell.p50Ms.toFixed(3)} ms, p99 ${cell.p99Ms.toFixed(3)} ms` : `${cell.state}: ${cell.detail}`;
}

const mb = (bytes: number) => bytes / (1024 * 1024);

export function scaleTargets(r: ScaleResults): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const read of r.reads) {
    const { empty, loaded } = read;
    const ratio = empty.state === 'ok' && loaded.state === 'ok' ? loaded.p50Ms / empty.p50Ms : undefined;
    checks.push({
      name: `${read.label} p50 at scale, 1 conn`,
      target: `<= ${LATENCY_TOLERANCE}x empty store`,
      value: ratio === undefined ? 'not measured' : `${ratio.toFixed(2)}x (${(loaded as { p50Ms: number }).p50Ms.toFixed(3)} vs ${(empty as { p50Ms: number }).p50Ms.toFixed(3)} ms)`,
      met: ratio === undefined ? undefined : ratio <= LATENCY_TOLERANCE,
    });
  }
  const page = r.listPage;
  checks.push({
    name: 'ListObjectsV2 1,000-key page p99',
    target: `< ${LIST_PAGE_TARGET_MS} ms`,
    value: page.state === 'ok' ? `${page.p99Ms.toFixed(2)} ms (p50 ${page.p50Ms.toFixed(2)} ms)` : page.state,
    met: page.state === 'ok' ? page.p99Ms < LIST_PAGE_TARGET_MS : undefined,
  });
  checks.push({
    name: 'Drydock idle RSS, loaded store',
    target: `< ${IDLE_RSS_TARGET_MB} MB`,
    value: `${mb(r.idleRssBytes.loaded).toFixed(0)} MB (empty store ${mb(r.idleRssBytes.empty).toFixed(0)} MB)`,
    met: mb(r.idleRssBytes.loaded) < IDLE_RSS_TARGET_MB,
  });
  return checks;
}

export function formatScaleBench(r: ScaleResults): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const cell = (x: CellResult) => (x.state === 'ok' ? `${n(Math.round(x.reqPerSec)).padStart(7)} req/s, p50 ${x.p50Ms.toFixed(3)}, p99 ${x.p99Ms.toFixed(3)} ms` : `${x.state}: ${x.detail}`);
  const lines = [
    `Scale (a loaded Drydock process beside an empty one, reads taken in turn): ${n(r.parameters)} SSM parameters, ${n(r.objects)} S3 objects of ${OBJECT_BYTES} bytes in one bucket, ${n(r.logStreams)} log streams, loaded through wrk in ${r.loadSeconds.toFixed(0)} s ` +
      `(${n(Math.round(r.loadRates.parameters))} / ${n(Math.round(r.loadRates.objects))} / ${n(Math.round(r.loadRates.logStreams))} req/s)`,
  ];
  for (const read of r.reads) lines.push(`  ${read.label.padEnd(20)} x1   empty ${cell(read.empty)} | loaded ${cell(read.loaded)}`);
  lines.push(`  ${'ListObjectsV2 page'.padEnd(20)} x1   1,000 keys from all over the bucket: ${cell(r.listPage)}`);
  lines.push(`  idle RSS: ${mb(r.idleRssBytes.empty).toFixed(0)} MB empty, ${mb(r.idleRssBytes.loaded).toFixed(0)} MB loaded`);
  return lines.join('\n');
}
