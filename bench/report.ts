/** The benchmark's results: their JSON form, the targets they are held to, and the printed table. */
import type { CellResult } from './load.js';
import { type ScaleResults, scaleTargets } from './scale.js';
import { FIRST_ANSWER_TARGET_MS, type StartupResults } from './startup.js';

export interface ServerSummary {
  name: string;
  version: string;
  /** From spawn to the first answer, for the server the table ran against (one start). */
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
  connections: number;
  drydock: CellResult;
  moto: CellResult;
  /** The same requests against the do-nothing server. */
  floor: CellResult;
  /** Drydock req/s divided by moto's, when both ran. */
  vsMoto?: number;
  /** Drydock req/s as a fraction of the floor's, when both ran. */
  vsFloor?: number;
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
  host: {
    node: string;
    cpus: number;
    wrk: string;
    /** The CPU wrk was pinned to; undefined: not pinned. */
    wrkCpu?: number;
    /** The PM QoS CPU wake-up latency request during the run (cpu-wake-latency.ts). */
    cpuWakeLatency?: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
  };
  limits: { warmupSeconds: number; measureSeconds: number; connections: number[] };
  startup: StartupResults;
  servers: { drydock: ServerSummary; moto: ServerSummary };
  rows: Row[];
  scale: ScaleResults;
  targets: TargetCheck[];
}

const FLOOR_MIN_REQ_PER_SEC = 15_000;
const FLOOR_MAX_P99_MS = 0.6;
const READ_VS_FLOOR = 0.4;
const READ_VS_MOTO = 30;
const WRITE_VS_MOTO = 20;
const GET_PARAMETER_P99_TARGET_MS = 1;
/** The row the generator's own acceptance is read from: the smallest request/answer pair of the table. */
const FLOOR_OPERATION = 'ssm.GetParameter';

const ok = (cell: CellResult | undefined): cell is Extract<CellResult, { state: 'ok' }> => cell?.state === 'ok';
const cellValue = (cell: CellResult | undefined, value: (c: Extract<CellResult, { state: 'ok' }>) => string) => (ok(cell) ? value(cell) : (cell?.state ?? 'not run'));

export function evaluateTargets(results: Omit<BenchResults, 'targets'>): TargetCheck[] {
  const row = (operation: string, connections: number) => results.rows.find((r) => r.operation === operation && r.connections === connections);
  const checks: TargetCheck[] = [];
  const floor16 = row(FLOOR_OPERATION, 16)?.floor;
  const floor1 = row(FLOOR_OPERATION, 1)?.floor;
  checks.push(
    {
      name: 'wrk vs the floor, 16 conns',
      target: `>= ${FLOOR_MIN_REQ_PER_SEC.toLocaleString('en-US')} req/s`,
      value: cellValue(floor16, (c) => `${Math.round(c.reqPerSec).toLocaleString('en-US')} req/s`),
      met: ok(floor16) ? floor16.reqPerSec >= FLOOR_MIN_REQ_PER_SEC : undefined,
    },
    {
      name: 'wrk vs the floor, p99 at 1 conn',
      target: `< ${FLOOR_MAX_P99_MS} ms`,
      value: cellValue(floor1, (c) => `${c.p99Ms.toFixed(3)} ms`),
      met: ok(floor1) ? floor1.p99Ms < FLOOR_MAX_P99_MS : undefined,
    },
  );
  for (const operation of ['ssm.GetParameter', 's3.GetObject.1KiB']) {
    const r = row(operation, 16);
    checks.push(
      {
        name: `${r?.label ?? operation}, 16 conns vs floor`,
        target: `>= ${READ_VS_FLOOR * 100}% of the floor`,
        value: r?.vsFloor === undefined ? 'not measured' : `${(r.vsFloor * 100).toFixed(0)}%`,
        met: r?.vsFloor === undefined ? undefined : r.vsFloor >= READ_VS_FLOOR,
      },
      vsMoto(r, operation, READ_VS_MOTO),
    );
  }
  const getParameter1 = row('ssm.GetParameter', 1)?.drydock;
  checks.push({
    name: 'SSM GetParameter p99, 1 conn',
    target: `< ${GET_PARAMETER_P99_TARGET_MS} ms`,
    value: cellValue(getParameter1, (c) => `${c.p99Ms.toFixed(3)} ms`),
    met: ok(getParameter1) ? getParameter1.p99Ms < GET_PARAMETER_P99_TARGET_MS : undefined,
  });
  for (const operation of ['ssm.PutParameter', 's3.PutObject.1KiB']) checks.push(vsMoto(row(operation, 16), operation, WRITE_VS_MOTO));
  const binary = results.startup.binary;
  checks.push({
    name: 'First answer, median of 10',
    target: `< ${FIRST_ANSWER_TARGET_MS} ms`,
    value: `${binary.medianMs.toFixed(0)} ms (${binary.command})`,
    met: binary.medianMs < FIRST_ANSWER_TARGET_MS,
  });
  return [...checks, ...scaleTargets(results.scale)];
}

function vsMoto(r: Row | undefined, operation: string, target: number): TargetCheck {
  return {
    name: `${r?.label ?? operation}, 16 conns vs moto`,
    target: `>= ${target}x moto`,
    value: r?.vsMoto === undefined ? 'not measured' : `${r.vsMoto.toFixed(1)}x`,
    met: r?.vsMoto === undefined ? undefined : r.vsMoto >= target,
  };
}

const num = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const verdict = (met: boolean | undefined) => (met === undefined ? '-' : met ? 'met' : 'MISSED');
const mb = (bytes: number) => bytes / (1024 * 1024);
const CELL_WIDTH = 24;

function cellColumns(cell: CellResult): string {
  if (cell.state === 'ok') return `${num(cell.reqPerSec).padStart(8)} ${num(cell.p50Ms, 2).padStart(7)} ${num(cell.p99Ms, 2).padStart(7)}`;
  const text = cell.state === 'not-implemented' ? 'not implemented (501)' : `error: ${cell.detail}`;
  return (text.length > CELL_WIDTH ? `${text.slice(0, CELL_WIDTH - 1)}…` : text).padEnd(CELL_WIDTH);
}

/** Full error texts below the table: the cells only have room for their start. */
function errorNotes(rows: Row[]): string[] {
  const notes: string[] = [];
  for (const row of rows) {
    for (const server of ['drydock', 'moto', 'floor'] as const) {
      const cell = row[server];
      if (cell.state === 'error') notes.push(`  ${row.label} x${row.connections}, ${server}: ${cell.detail}`);
    }
  }
  return notes.length ? ['', 'Errors:', ...notes] : [];
}

export function formatTable(results: BenchResults): string {
  const { drydock, moto } = results.servers;
  const { host, limits, startup } = results;
  const out: string[] = [];
  const header = (name: string) => name.padEnd(CELL_WIDTH);
  const columns = `${'req/s'.padStart(8)} ${'p50'.padStart(7)} ${'p99'.padStart(7)}`;
  out.push(
    `Drydock ${drydock.version} vs moto ${moto.version}: node ${host.node}, ${host.cpus} CPUs, wrk ${host.wrk}${host.wrkCpu === undefined ? ' (not pinned)' : ` pinned to CPU ${host.wrkCpu}`}, ` +
      `CPU wake-up latency ${host.cpuWakeLatency ?? 'not requested'}, ` +
      `load average ${host.loadAverageAtStart[0].toFixed(1)} at start, ${host.loadAverageAtEnd[0].toFixed(1)} at end, ${results.durationSeconds.toFixed(0)} s`,
    `Each cell: wrk for ${limits.measureSeconds} s after a ${limits.warmupSeconds} s warm-up, signed requests, any answer not 2xx fails the cell; a row's cells run one after the other. ` +
      'Latencies in ms. floor: a server that does nothing.',
    '',
    `${''.padEnd(20)} ${''.padEnd(5)} | ${header('Drydock')} | ${header('moto')} | ${header('floor')} | Drydock`,
    `${'Operation'.padEnd(20)} ${'conns'.padStart(5)} | ${columns} | ${columns} | ${columns} | vs moto  vs floor`,
    '-'.repeat(20 + 6 + 3 * (CELL_WIDTH + 3) + 20),
  );
  for (const row of results.rows) {
    const ratios = `${(row.vsMoto === undefined ? '-' : `${num(row.vsMoto, 1)}x`).padStart(7)}  ${(row.vsFloor === undefined ? '-' : `${num(row.vsFloor * 100)}%`).padStart(8)}`;
    out.push(`${row.label.padEnd(20)} ${String(row.connections).padStart(5)} | ${cellColumns(row.drydock)} | ${cellColumns(row.moto)} | ${cellColumns(row.floor)} | ${ratios}`);
  }
  out.push(...errorNotes(results.rows));
  const npx = startup.npx;
  out.push(
    '',
    `first answer: ${startup.binary.command}: median ${num(startup.binary.medianMs)} ms of ${startup.binary.samplesMs.length} starts (${startup.binary.samplesMs.map((ms) => num(ms)).join(', ')}); ` +
      ('error' in npx ? `${npx.command}: ${npx.error}` : `${npx.command}: median ${num(npx.medianMs)} ms of ${npx.samplesMs.length}`) +
      `; moto_server: ${num(moto.firstAnswerMs)} ms (one start)`,
    `${''.padEnd(20)} ${'Drydock'.padStart(10)} ${'moto'.padStart(10)} ${'Drydock/moto'.padStart(13)}`,
    `${'idle RSS (MB)'.padEnd(20)} ${num(mb(drydock.idleRssBytes)).padStart(10)} ${num(mb(moto.idleRssBytes)).padStart(10)} ${num(drydock.idleRssBytes / moto.idleRssBytes, 2).padStart(13)}`,
    `${'loaded RSS (MB)'.padEnd(20)} ${num(mb(drydock.loadedRssBytes)).padStart(10)} ${num(mb(moto.loadedRssBytes)).padStart(10)} ${num(drydock.loadedRssBytes / moto.loadedRssBytes, 2).padStart(13)}`,
  );
  return out.join('\n');
}

export function formatTargets(targets: TargetCheck[]): string {
  return ['Targets:', ...targets.map((t) => `  ${t.name.padEnd(38)} ${t.target.padEnd(22)} ${t.value.padEnd(52)} ${verdict(t.met)}`)].join('\n');
}
