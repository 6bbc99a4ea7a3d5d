/**
 * CloudWatch Logs Insights in the benchmark, against a Drydock process (the built CLI), through the
 * real SDK client: 1,000,000 events loaded with PutLogEvents batches of 10,000 (four streams
 * written in parallel), then two queries over all of them, each run several times and timed from
 * StartQuery sent to the first GetQueryResults (polled every POLL_MS) that shows it Complete:
 *
 * - `stats count(*) by bin(5m)`: the time series of the whole load;
 * - `filter @message like /ERROR/ | limit 100`: a tenth of the events match, the first 100 answer.
 *
 * The target is under 2 s for each. A third query sends every event through JavaScript (parse,
 * stats on a parsed field), measured for reference. The answers are checked (the bins add up to every event; 100
 * rows, 100,000 matched, 1,000,000 scanned), so a fast wrong answer fails the bench.
 *
 * `node dist/bench/logs-insights.js [--events N] [--runs N]` runs this section alone.
 */
import { pathToFileURL } from 'node:url';
import { HOST } from './client.js';
import { freePort, startDrydock } from './servers.js';

export interface LogsInsightsBenchOptions {
  events: number;
  runs: number;
}

export const DEFAULT_LOGS_INSIGHTS_BENCH: LogsInsightsBenchOptions = { events: 1_000_000, runs: 3 };

export interface InsightsQueryResult {
  label: string;
  queryString: string;
  /** Whether the 2 s target applies (the general-path query is measured for reference only). */
  target: boolean;
  /** StartQuery sent → Complete seen, each run, in ms. */
  runsMs: number[];
  p50Ms: number;
  minMs: number;
  maxMs: number;
  rows: number;
  recordsMatched: number;
  recordsScanned: number;
}

export interface LogsInsightsBenchResults {
  events: number;
  /** Loading the events: seconds, and events per second. */
  loadSeconds: number;
  loadRate: number;
  queries: InsightsQueryResult[];
}

export const INSIGHTS_TARGET_MS = 2_000;
const GROUP = 'bench-insights';
const STREAMS = 4;
const BATCH = 10_000;
const POLL_MS = 10;
const MINUTE = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function client(port: number) {
  const logs = await import('@aws-sdk/client-cloudwatch-logs');
  const config = { endpoint: `http://${HOST}:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  return { logs, client: new logs.CloudWatchLogsClient(config) };
}

type Client = Awaited<ReturnType<typeof client>>;

/** Every tenth event is an ERROR; the messages are some 50 bytes, so a batch of 10,000 stays under PutLogEvents' 1 MiB. */
function message(i: number): string {
  return `${i % 10 === 0 ? 'ERROR' : 'INFO'} request ${i} path=/api/items/${i % 97} took ${i % 1000} ms`;
}

/** Loads `events` events spread evenly over the eight hours before `end`, stream by stream in parallel, in time order within each stream. */
async function load(k: Client, events: number, end: number): Promise<number> {
  await k.client.send(new k.logs.CreateLogGroupCommand({ logGroupName: GROUP }));
  const span = 8 * 60 * MINUTE;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: STREAMS }, async (_, stream) => {
      const logStreamName = `stream-${stream}`;
      await k.client.send(new k.logs.CreateLogStreamCommand({ logGroupName: GROUP, logStreamName }));
      const mine = Math.ceil(events / STREAMS);
      for (let from = 0; from < mine; from += BATCH) {
        const logEvents = [];
        for (let j = from; j < Math.min(mine, from + BATCH); j++) {
          const i = j * STREAMS + stream;
          if (i >= events) break;
          logEvents.push({ timestamp: end - span + Math.floor((i * span) / events), message: message(i) });
        }
        const out = await k.client.send(new k.logs.PutLogEventsCommand({ logGroupName: GROUP, logStreamName, logEvents }));
        if (out.rejectedLogEventsInfo) throw new Error(`events rejected: ${JSON.stringify(out.rejectedLogEventsInfo)}`);
      }
    }),
  );
  return (performance.now() - startedAt) / 1000;
}

async function runQuery(k: Client, queryString: string, end: number) {
  const sent = performance.now();
  const { queryId } = await k.client.send(new k.logs.StartQueryCommand({ logGroupName: GROUP, queryString, startTime: Math.floor((end - 9 * 60 * MINUTE) / 1000), endTime: Math.ceil(end / 1000) }));
  for (;;) {
    const out = await k.client.send(new k.logs.GetQueryResultsCommand({ queryId }));
    if (out.status === 'Complete') return { ms: performance.now() - sent, out };
    if (out.status !== 'Scheduled' && out.status !== 'Running') throw new Error(`query ${queryString} ended ${out.status}`);
    await sleep(POLL_MS);
  }
}

function percentile50(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

type Check = (rows: { field?: string; value?: string }[][], stats: { recordsMatched: number; recordsScanned: number }, events: number) => string | undefined;

const QUERIES: { label: string; queryString: string; check: Check; target: boolean }[] = [
  {
    label: 'stats count(*) by bin(5m)',
    queryString: 'stats count(*) by bin(5m)',
    target: true,
    check(rows, _stats, events) {
      const total = rows.reduce((sum, row) => sum + Number(row.find((f) => f.field === 'count(*)')?.value ?? 0), 0);
      return total === events ? undefined : `the bins add up to ${total}, not ${events}`;
    },
  },
  {
    label: 'filter @message like /ERROR/ | limit 100',
    queryString: 'filter @message like /ERROR/ | limit 100',
    target: true,
    check(rows, stats, events) {
      const errors = Math.ceil(events / 10);
      if (rows.length !== 100) return `${rows.length} rows, not 100`;
      if (stats.recordsMatched !== errors || stats.recordsScanned !== events) return `matched ${stats.recordsMatched} of ${stats.recordsScanned}, not ${errors} of ${events}`;
      return rows.every((row) => row.find((f) => f.field === '@message')?.value?.startsWith('ERROR')) ? undefined : 'a row is not an ERROR event';
    },
  },
  {
    // Every event through JavaScript (parse, then stats on a parsed field): for reference, with no target.
    label: 'parse | stats avg(ms) by path (general path)',
    queryString: 'parse @message "* request * path=* took * ms" as level, n, path, ms | stats avg(ms) as mean by path | sort mean desc | limit 5',
    target: false,
    check(rows, stats, events) {
      return rows.length === 5 && stats.recordsMatched === events ? undefined : `${rows.length} rows, ${stats.recordsMatched} matched`;
    },
  },
];

export async function logsInsightsBench(options: LogsInsightsBenchOptions = DEFAULT_LOGS_INSIGHTS_BENCH): Promise<LogsInsightsBenchResults> {
  const drydock = await startDrydock(await freePort());
  try {
    const k = await client(drydock.port);
    try {
      const end = Date.now();
      const loadSeconds = await load(k, options.events, end);
      const queries: InsightsQueryResult[] = [];
      for (const { label, queryString, check, target } of QUERIES) {
        const runsMs: number[] = [];
        let last: Awaited<ReturnType<typeof runQuery>>['out'] | undefined;
        for (let run = 0; run < options.runs; run++) {
          const { ms, out } = await runQuery(k, queryString, end);
          const stats = { recordsMatched: out.statistics?.recordsMatched ?? 0, recordsScanned: out.statistics?.recordsScanned ?? 0 };
          const wrong = check(out.results ?? [], stats, options.events);
          if (wrong) throw new Error(`${label}: ${wrong}`);
          runsMs.push(ms);
          last = out;
        }
        queries.push({
          label,
          queryString,
          target,
          runsMs,
          p50Ms: percentile50(runsMs),
          minMs: Math.min(...runsMs),
          maxMs: Math.max(...runsMs),
          rows: last?.results?.length ?? 0,
          recordsMatched: last?.statistics?.recordsMatched ?? 0,
          recordsScanned: last?.statistics?.recordsScanned ?? 0,
        });
      }
      return { events: options.events, loadSeconds, loadRate: options.events / loadSeconds, queries };
    } finally {
      k.client.destroy();
    }
  } finally {
    await drydock.stop();
  }
}

export function formatLogsInsightsBench(r: LogsInsightsBenchResults): string {
  const out = [
    `CloudWatch Logs Insights (Drydock process, SDK client): ${r.events.toLocaleString('en-US')} events loaded in ${r.loadSeconds.toFixed(1)} s (${r.loadRate.toFixed(0)} events/s, PutLogEvents batches of ${BATCH.toLocaleString('en-US')})`,
  ];
  for (const q of r.queries) {
    const verdict = q.target ? `(target < ${INSIGHTS_TARGET_MS} ms: ${q.maxMs < INSIGHTS_TARGET_MS ? 'met' : 'MISSED'} at max)` : '(no target)';
    out.push(
      `  ${q.label.padEnd(46)} StartQuery -> Complete (${q.runsMs.length} runs): p50 ${q.p50Ms.toFixed(0)} ms, min ${q.minMs.toFixed(0)} ms, max ${q.maxMs.toFixed(0)} ms ` +
        `${verdict}; ${q.rows} rows, ${q.recordsMatched.toLocaleString('en-US')} matched of ${q.recordsScanned.toLocaleString('en-US')} scanned`,
    );
  }
  return out.join('\n');
}

async function standalone(args: string[]): Promise<void> {
  const flag = (name: string, fallback: number) => {
    const at = args.indexOf(`--${name}`);
    return at >= 0 ? Number(args[at + 1]) : fallback;
  };
  const results = await logsInsightsBench({ events: flag('events', DEFAULT_LOGS_INSIGHTS_BENCH.events), runs: flag('runs', DEFAULT_LOGS_INSIGHTS_BENCH.runs) });
  process.stdout.write(`${formatLogsInsightsBench(results)}\n`);
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  standalone(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`logs insights bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
