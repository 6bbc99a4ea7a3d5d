/**
 * SQS in the benchmark: SendMessage and ReceiveMessage throughput, Drydock beside moto_server, with
 * the main table's client (pre-signed awsJson requests driven by wrk, bench/load.ts).
 *
 * - SendMessage: a 100-byte body with one message attribute into a standard queue (every request a
 *   durable write: the message row, committed before the answer).
 * - ReceiveMessage: one message at a time with VisibilityTimeout 0 from a queue holding 1,000
 *   messages, so every receive finds one and hands it out again (each receive writes the message's
 *   receive count, receipt and visibility).
 *
 * Target: Drydock ≥ 20× moto on both. `node dist/bench/sqs.js` runs this section alone.
 */
import { pathToFileURL } from 'node:url';
import type { BenchRequest } from './client.js';
import { type CellLimits, type CellResult, prepare, runCell } from './load.js';
import type { BenchOperation } from './operations.js';
import { freePort, type RunningTarget, startDrydock, startMoto } from './servers.js';

const DEFAULT_LIMITS: CellLimits = { warmupSeconds: 1, measureSeconds: 3 };
const DEFAULT_CONNECTIONS = [1, 16];
const TARGET_RATIO = 20;
/** Messages the receive queue holds, sent in batches of 10 during set-up. */
const RECEIVE_BACKLOG = 1_000;
/** Send requests cycled (the body differs, as real traffic does). */
const SEND_REQUESTS = 64;

function sqsJson(operation: string, payload: unknown): BenchRequest {
  return {
    service: 'sqs',
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${operation}` },
    body: Buffer.from(JSON.stringify(payload)),
  };
}

/**
 * The queue's URL as each server answers it: Drydock's own account, moto's default one. Both take
 * any host; the request is signed for 127.0.0.1 whatever the URL says.
 */
function queueUrl(server: RunningTarget, name: string): string {
  const account = server.name === 'moto' ? '123456789012' : '000000000000';
  return `http://127.0.0.1:${server.port}/${account}/${name}`;
}

export function sqsOperations(server: RunningTarget): BenchOperation[] {
  const sendUrl = queueUrl(server, 'bench-send');
  const receiveUrl = queueUrl(server, 'bench-receive');
  const sends = Array.from({ length: SEND_REQUESTS }, (_, i) =>
    sqsJson('SendMessage', {
      QueueUrl: sendUrl,
      MessageBody: `bench message ${String(i).padStart(4, '0')} ${'x'.repeat(80)}`,
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'bench' } },
    }),
  );
  const backlog = Array.from({ length: RECEIVE_BACKLOG / 10 }, (_, b) =>
    sqsJson('SendMessageBatch', { QueueUrl: receiveUrl, Entries: Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: `waiting ${b * 10 + i}` })) }),
  );
  const receive = sqsJson('ReceiveMessage', { QueueUrl: receiveUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 0 });
  return [
    {
      id: 'sqs.SendMessage',
      label: 'SQS SendMessage',
      setup: [sqsJson('CreateQueue', { QueueName: 'bench-send' })],
      request: (i) => sends[i % SEND_REQUESTS],
      distinct: SEND_REQUESTS,
    },
    {
      id: 'sqs.ReceiveMessage',
      label: 'SQS ReceiveMessage',
      setup: [sqsJson('CreateQueue', { QueueName: 'bench-receive' }), ...backlog],
      request: () => receive,
      distinct: 1,
    },
  ];
}

export interface SqsBenchRow {
  operation: string;
  label: string;
  concurrency: number;
  drydock: CellResult;
  moto: CellResult;
  /** Drydock's throughput over moto's, when both ran. */
  ratio?: number;
}

export interface SqsBenchResults {
  servers: { name: string; version: string }[];
  rows: SqsBenchRow[];
}

const describeCell = (cell: CellResult) =>
  cell.state === 'ok' ? `${cell.reqPerSec.toFixed(0)} req/s, p50 ${cell.p50Ms.toFixed(2)} ms, p99 ${cell.p99Ms.toFixed(2)} ms` : `${cell.state}: ${cell.detail}`;

/** Both operations at each concurrency, against a Drydock process and then a moto_server of their own. */
export async function sqsBench(limits: CellLimits = DEFAULT_LIMITS, connections: number[] = DEFAULT_CONNECTIONS, log: (line: string) => void = () => {}): Promise<SqsBenchResults> {
  const cells = new Map<string, CellResult>();
  const labels = new Map<string, string>();
  const servers: SqsBenchResults['servers'] = [];
  for (const start of [startDrydock, startMoto]) {
    const server = await start(await freePort());
    servers.push({ name: server.name, version: server.version });
    try {
      for (const op of sqsOperations(server)) {
        labels.set(op.id, op.label);
        const unavailable = await prepare(server.port, op);
        for (const count of connections) {
          const cell = unavailable ?? (await runCell(server.port, op, count, limits));
          cells.set(`${server.name}/${op.id}/${count}`, cell);
          log(`${server.name.padEnd(8)} ${op.label} x${count}: ${describeCell(cell)}`);
        }
      }
    } finally {
      await server.stop();
    }
  }
  const rows = [...labels].flatMap(([operation, label]) =>
    connections.map((concurrency): SqsBenchRow => {
      const drydock = cells.get(`Drydock/${operation}/${concurrency}`)!;
      const moto = cells.get(`moto/${operation}/${concurrency}`)!;
      return { operation, label, concurrency, drydock, moto, ratio: drydock.state === 'ok' && moto.state === 'ok' ? drydock.reqPerSec / moto.reqPerSec : undefined };
    }),
  );
  return { servers, rows };
}

export function formatSqsBench(results: SqsBenchResults): string {
  const versions = results.servers.map((s) => `${s.name} ${s.version}`).join(', ');
  const lines = [`SQS throughput (pre-signed awsJson requests driven by wrk; ${versions}; target: Drydock >= ${TARGET_RATIO}x moto):`];
  for (const row of results.rows) {
    const verdict = row.ratio === undefined ? '-' : `${row.ratio.toFixed(1)}x ${row.ratio >= TARGET_RATIO ? 'met' : 'MISSED'}`;
    lines.push(`  ${row.label.padEnd(20)} x${String(row.concurrency).padEnd(3)} Drydock ${describeCell(row.drydock)} | moto ${describeCell(row.moto)} | ${verdict}`);
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  sqsBench(DEFAULT_LIMITS, DEFAULT_CONNECTIONS, (line) => process.stderr.write(`${line}\n`))
    .then((results) => process.stdout.write(`${formatSqsBench(results)}\n`))
    .catch((err: unknown) => {
      process.stderr.write(`sqs bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    });
}
