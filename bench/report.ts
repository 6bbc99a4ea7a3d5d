/** The benchmark's results: their JSON form, the targets they are held to, and the printed table. */
import type { CellResult } from './load.js';

export interface ServerSummary {
  name: string;
  version: string;
  firstAnswerMs: number;
  idleRssBytes: number;
  /** Peak resident memory sampled while the server was under load. */
  loadedRssBytes: number;
  /** Exit code after SIGTERM at the end of the run. */
  exitCode: number | null;
}

export interface Row {
  operation: string;
  label: string;
  concurrency: number;
  /** The cell's request bound (the time bound may have stopped it earlier). */
  maxRequests: number;
  drydock: CellResult;
  moto: CellResult;
  /** Drydock req/s divided by moto req/s, when both ran. */
  throughputRatio?: number;
}

export interface TargetCheck {
  name: string;
  target: string;
  value: string;
  /** undefined when the figure could not be measured (e.g. the operation is not implemented yet). */
  met?: boolean;
}

export interface BenchResults {
  startedAt: string;
  durationSeconds: number;
  host: { node: string; cpus: number; loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  limits: { measureMs: number; warmupMs: number; concurrency: number[] };
  servers: { drydock: ServerSummary; moto: ServerSummary };
  rows: Row[];
  /** The same requests against a server that does nothing: the client's and the loopback's share of every figure. */
  floor: { operation: string; label: string; cells: { concurrency: number; result: CellResult }[] };
  targets: TargetCheck[];
}

export const THROUGHPUT_TARGET = 10;
const FIRST_ANSWER_TARGET_MS = 300;
const GET_PARAMETER_P99_TARGET_MS = 2;
const IDLE_RSS_TARGET_MB = 150;

const mb = (bytes: number) => bytes / (1024 * 1024);

export function evaluateTargets(servers: BenchResults['servers'], rows: Row[]): TargetCheck[] {
  const measured = rows.filter((r) => r.throughputRatio !== undefined);
  const slowest = measured.reduce<Row | undefined>((min, r) => (!min || r.throughputRatio! < min.throughputRatio! ? r : min), undefined);
  // Met only when every row ran on both servers; one row below target is a miss whatever the rest.
  const throughputMet = measured.some((r) => r.throughputRatio! < THROUGHPUT_TARGET) ? false : measured.length > 0 && measured.length === rows.length ? true : undefined;
  const getParameter = rows.find((r) => r.operation === 'ssm.GetParameter' && r.concurrency === 1)?.drydock;
  return [
    {
      name: 'Drydock first answer',
      target: `< ${FIRST_ANSWER_TARGET_MS} ms`,
      value: `${servers.drydock.firstAnswerMs.toFixed(0)} ms`,
      met: servers.drydock.firstAnswerMs < FIRST_ANSWER_TARGET_MS,
    },
    {
      name: 'Throughput vs moto',
      target: `>= ${THROUGHPUT_TARGET}x on every row`,
      value: slowest
        ? `${measured.filter((r) => r.throughputRatio! >= THROUGHPUT_TARGET).length} of ${measured.length} measured rows; lowest ${slowest.throughputRatio!.toFixed(1)}x (${slowest.label}, ${slowest.concurrency} client${slowest.concurrency > 1 ? 's' : ''})`
        : 'no row measured on both servers',
      met: throughputMet,
    },
    {
      name: 'SSM GetParameter p99, 1 client',
      target: `< ${GET_PARAMETER_P99_TARGET_MS} ms`,
      value: getParameter?.state === 'ok' ? `${getParameter.p99Ms.toFixed(2)} ms` : (getParameter?.state ?? 'not run'),
      met: getParameter?.state === 'ok' ? getParameter.p99Ms < GET_PARAMETER_P99_TARGET_MS : undefined,
    },
    {
      name: 'Drydock idle RSS',
      target: `< ${IDLE_RSS_TARGET_MB} MB`,
      value: `${mb(servers.drydock.idleRssBytes).toFixed(0)} MB`,
      met: mb(servers.drydock.idleRssBytes) < IDLE_RSS_TARGET_MB,
    },
  ];
}

const num = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const verdict = (met: boolean | undefined) => (met === undefined ? '-' : met ? 'met' : 'MISSED');

function cellColumns(cell: CellResult): string {
  if (cell.state === 'ok') return `${num(cell.reqPerSec).padStart(8)} ${num(cell.p50Ms, 2).padStart(8)} ${num(cell.p99Ms, 2).padStart(8)}`;
  const text = cell.state === 'not-implemented' ? 'not implemented (501)' : `error: ${cell.detail}`;
  return (text.length > 26 ? `${text.slice(0, 25)}…` : text).padEnd(26);
}

export function formatTable(results: BenchResults): string {
  const { drydock, moto } = results.servers;
  const out: string[] = [];
  out.push(
    `Drydock ${drydock.version} vs moto ${moto.version}: node ${results.host.node}, ${results.host.cpus} CPUs, ` +
      `load average ${results.host.loadAverageAtStart[0].toFixed(1)} at start, ${results.host.loadAverageAtEnd[0].toFixed(1)} at end, ${results.durationSeconds.toFixed(0)} s`,
    `Each cell: up to ${[...new Set(results.rows.map((r) => num(r.maxRequests)))].join(' or ')} requests and ${results.limits.measureMs / 1000} s, after a warm-up of at most ${results.limits.warmupMs / 1000} s. Latencies in ms.`,
    '',
    `${''.padEnd(20)} ${''.padEnd(7)} | ${'Drydock'.padEnd(26)} | ${'moto'.padEnd(26)} | Drydock/moto`,
    `${'Operation'.padEnd(20)} ${'clients'.padStart(7)} | ${'req/s'.padStart(8)} ${'p50'.padStart(8)} ${'p99'.padStart(8)} | ${'req/s'.padStart(8)} ${'p50'.padStart(8)} ${'p99'.padStart(8)} | throughput (target >= ${THROUGHPUT_TARGET}x)`,
    '-'.repeat(112),
  );
  for (const row of results.rows) {
    const ratio = row.throughputRatio === undefined ? '-' : `${num(row.throughputRatio, 1)}x ${verdict(row.throughputRatio >= THROUGHPUT_TARGET)}`;
    out.push(`${row.label.padEnd(20)} ${String(row.concurrency).padStart(7)} | ${cellColumns(row.drydock)} | ${cellColumns(row.moto)} | ${ratio}`);
  }
  out.push(
    `${'floor (no-op server)'.padEnd(20)} ${results.floor.label}: ${results.floor.cells.map(({ concurrency, result }) => `${concurrency} client${concurrency > 1 ? 's' : ''} ${result.state === 'ok' ? `${num(result.reqPerSec)} req/s, p50 ${num(result.p50Ms, 2)}, p99 ${num(result.p99Ms, 2)}` : result.state}`).join('; ')}`,
    '',
    `${''.padEnd(20)} ${'Drydock'.padStart(10)} ${'moto'.padStart(10)} ${'Drydock/moto'.padStart(13)}`,
    `${'first answer (ms)'.padEnd(20)} ${num(drydock.firstAnswerMs).padStart(10)} ${num(moto.firstAnswerMs).padStart(10)} ${num(drydock.firstAnswerMs / moto.firstAnswerMs, 2).padStart(13)}`,
    `${'idle RSS (MB)'.padEnd(20)} ${num(mb(drydock.idleRssBytes)).padStart(10)} ${num(mb(moto.idleRssBytes)).padStart(10)} ${num(drydock.idleRssBytes / moto.idleRssBytes, 2).padStart(13)}`,
    `${'loaded RSS (MB)'.padEnd(20)} ${num(mb(drydock.loadedRssBytes)).padStart(10)} ${num(mb(moto.loadedRssBytes)).padStart(10)} ${num(drydock.loadedRssBytes / moto.loadedRssBytes, 2).padStart(13)}`,
    '',
    'Targets:',
  );
  for (const t of results.targets) out.push(`  ${t.name.padEnd(32)} ${t.target.padEnd(24)} ${t.value.padEnd(60)} ${verdict(t.met)}`);
  return out.join('\n');
}
