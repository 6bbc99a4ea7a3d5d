/**
 * The operations the benchmark drives, as raw AWS wire requests (the same bytes the SDKs send),
 * with the state each needs created first. Every operation gets its own bucket or log group so the
 * rows do not depend on each other's order.
 */
import { randomBytes } from 'node:crypto';
import { EMPTY_SHA256, sha256Hex } from '../src/protocol/sigv4.js';
import type { BenchRequest } from './client.js';
import { codecommitOperations } from './codecommit.js';

export interface BenchOperation {
  id: string;
  label: string;
  /** Requests that create the state the operation reads or writes into; each must answer 2xx. */
  setup: BenchRequest[];
  /** Request number `i` of the cell tagged `cell` (tags keep created names unique across cells). */
  request(i: number, cell: string): BenchRequest;
  /**
   * How many different requests the operation cycles through (the same request object for `i`
   * and `i + distinct`); undefined when every request creates something new and is sent once.
   */
  distinct?: number;
  /**
   * For an operation that creates (no `distinct`): at most this many requests in one wrk run, so
   * that a server's warm-ups and cells together stay within AWS's per-account quota on what it
   * creates (CodeBuild refuses a 5,001st project); a run that uses them up ends early.
   */
  maxPerRun?: number;
  /** Response body length a correct answer has (GetObject), checked on every request. */
  expectedBytes?: number;
}

// A few keys reused round-robin: overwrites, without filling the disk with 1 MiB objects.
const PUT_KEYS = 32;
// Log events may repeat: a few requests cycled.
const LOG_REQUESTS = 64;

function awsJson(service: string, target: string, payload: unknown): BenchRequest {
  return {
    service,
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
    body: Buffer.from(JSON.stringify(payload)),
  };
}

function s3Put(path: string, body: Buffer, hash = sha256Hex(body)): BenchRequest {
  return { service: 's3', method: 'PUT', path, headers: { 'content-type': 'application/octet-stream', 'x-amz-content-sha256': hash }, body };
}

const EMPTY = Buffer.alloc(0);

function s3Operations(size: number, sizeLabel: string): BenchOperation[] {
  const body = randomBytes(size);
  const hash = sha256Hex(body);
  const putBucket = `bench-put-${sizeLabel.toLowerCase()}`;
  const getBucket = `bench-get-${sizeLabel.toLowerCase()}`;
  const puts = Array.from({ length: PUT_KEYS }, (_, k) => s3Put(`/${putBucket}/object-${k}`, body, hash));
  const get: BenchRequest = { service: 's3', method: 'GET', path: `/${getBucket}/object`, headers: { 'x-amz-content-sha256': EMPTY_SHA256 } };
  return [
    {
      id: `s3.PutObject.${sizeLabel}`,
      label: `S3 PutObject ${sizeLabel}`,
      setup: [s3Put(`/${putBucket}`, EMPTY, EMPTY_SHA256)],
      request: (i) => puts[i % PUT_KEYS],
      distinct: PUT_KEYS,
    },
    {
      id: `s3.GetObject.${sizeLabel}`,
      label: `S3 GetObject ${sizeLabel}`,
      setup: [s3Put(`/${getBucket}`, EMPTY, EMPTY_SHA256), s3Put(`/${getBucket}/object`, body, hash)],
      request: () => get,
      distinct: 1,
      expectedBytes: size,
    },
  ];
}

export function benchOperations(): BenchOperation[] {
  const getParameter = awsJson('ssm', 'AmazonSSM.GetParameter', { Name: '/bench/read' });
  const [put1k, get1k] = s3Operations(1024, '1KiB');
  // Logs rejects events too old or too far ahead: timestamps are taken when the operations are made, just before their cells.
  const logEvents = Array.from({ length: LOG_REQUESTS }, (_, i) =>
    awsJson('logs', 'Logs_20140328.PutLogEvents', {
      logGroupName: 'bench',
      logStreamName: 'events',
      logEvents: [{ timestamp: Date.now(), message: `bench event ${i}: GET /index.html 200 1532 bytes in 3 ms` }],
    }),
  );
  const [put1m, get1m] = s3Operations(1024 * 1024, '1MiB');
  return [
    {
      id: 'ssm.PutParameter',
      label: 'SSM PutParameter',
      setup: [],
      request: (i, cell) => awsJson('ssm', 'AmazonSSM.PutParameter', { Name: `/bench/write/${cell}/${i}`, Value: `value ${i}`, Type: 'String' }),
    },
    {
      id: 'ssm.GetParameter',
      label: 'SSM GetParameter',
      setup: [awsJson('ssm', 'AmazonSSM.PutParameter', { Name: '/bench/read', Value: 'the value read back', Type: 'String' })],
      request: () => getParameter,
      distinct: 1,
    },
    put1k,
    get1k,
    put1m,
    get1m,
    {
      id: 'logs.PutLogEvents',
      label: 'Logs PutLogEvents',
      setup: [awsJson('logs', 'Logs_20140328.CreateLogGroup', { logGroupName: 'bench' }), awsJson('logs', 'Logs_20140328.CreateLogStream', { logGroupName: 'bench', logStreamName: 'events' })],
      request: (i) => logEvents[i % LOG_REQUESTS],
      distinct: LOG_REQUESTS,
    },
    ...codecommitOperations(),
  ];
}
