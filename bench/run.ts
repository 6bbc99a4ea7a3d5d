/**
 * `npm run bench`: Drydock, moto_server and a do-nothing floor server side by side on 127.0.0.1,
 * the same pre-signed requests driven by wrk against each, one server at a time; then Drydock's
 * start-up, Drydock at scale, Git and builds. Prints the tables and the target checks, and writes
 * bench/results/latest.json and bench/results/<date>.json. See the README's Benchmark section.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/core/paths.js';
import { authorizationBench, formatAuthorizationBench } from './authorization.js';
import { codebuildBench, formatCodeBuildBench } from './codebuild.js';
import { codecommitGitBench, formatGitBench } from './codecommit.js';
import { type CellLimits, type CellResult, prepare, runCell } from './load.js';
import { type BenchOperation, benchOperations } from './operations.js';
import { type BenchResults, evaluateTargets, formatTable, formatTargets, type Row, type ServerSummary } from './report.js';
import { formatScaleBench, scaleBench } from './scale.js';
import { freePort, killServers, type RunningTarget, startDrydock, startFloor, startMoto, treeRss } from './servers.js';
import { startupBench } from './startup.js';
import { killWrk, requireWrk, WRK_CPU } from './wrk.js';

const CONNECTIONS = [1, 16];
const LIMITS: CellLimits = { warmupSeconds: 1, measureSeconds: 2 };
const SETTLE_MS = 1_000;
const RSS_SAMPLE_MS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => process.stderr.write(`${line}\n`);

function describe(cell: CellResult): string {
  return cell.state === 'ok' ? `${cell.reqPerSec.toFixed(0)} req/s, p50 ${cell.p50Ms.toFixed(3)} ms, p99 ${cell.p99Ms.toFixed(3)} ms` : `${cell.state}: ${cell.detail}`;
}

/** The floor answers as many bytes as the operation's correct answer carries (see floor-server.ts). */
async function setFloorAnswer(port: number, op: BenchOperation): Promise<void> {
  const answer = await fetch(`http://127.0.0.1:${port}/_floor/answer-bytes/${op.expectedBytes ?? 0}`, { method: 'PUT' });
  await answer.arrayBuffer();
}

/** Every operation at every connection count against one server; returns the cells by "operation/connections" and the peak RSS. */
async function measure(server: RunningTarget): Promise<{ cells: Map<string, CellResult>; peakRss: number }> {
  let peakRss = treeRss(server.pid);
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, treeRss(server.pid))), RSS_SAMPLE_MS);
  const cells = new Map<string, CellResult>();
  try {
    for (const op of benchOperations()) {
      if (server.name === 'floor') await setFloorAnswer(server.port, op);
      const unavailable = await prepare(server.port, op);
      for (const connections of CONNECTIONS) {
        const cell = unavailable ?? (await runCell(server.port, op, connections, LIMITS));
        cells.set(`${op.id}/${connections}`, cell);
        log(`${server.name.padEnd(8)} ${op.label} x${connections}: ${describe(cell)}`);
      }
    }
  } finally {
    clearInterval(sampler);
  }
  return { cells, peakRss: Math.max(peakRss, treeRss(server.pid)) };
}

/** Runs `measure` against a server started by `start`, stopped afterwards; `extra` runs on it too, before it stops. */
async function against<T>(
  start: (port: number) => Promise<RunningTarget>,
  extra?: (server: RunningTarget) => Promise<T>,
): Promise<{ server: RunningTarget; idleRss: number; run: Awaited<ReturnType<typeof measure>>; exitCode: number | null; extra?: T }> {
  const server = await start(await freePort());
  try {
    await sleep(SETTLE_MS);
    const idleRss = treeRss(server.pid);
    const run = await measure(server);
    const extraResult = extra ? await extra(server) : undefined;
    return { server, idleRss, run, exitCode: await server.stop(), extra: extraResult };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

function rows(drydock: Map<string, CellResult>, moto: Map<string, CellResult>, floor: Map<string, CellResult>): Row[] {
  return benchOperations().flatMap((op) =>
    CONNECTIONS.map((connections) => {
      const key = `${op.id}/${connections}`;
      const [d, m, f] = [drydock.get(key)!, moto.get(key)!, floor.get(key)!];
      return {
        operation: op.id,
        label: op.label,
        connections,
        drydock: d,
        moto: m,
        floor: f,
        vsMoto: d.state === 'ok' && m.state === 'ok' ? d.reqPerSec / m.reqPerSec : undefined,
        vsFloor: d.state === 'ok' && f.state === 'ok' ? d.reqPerSec / f.reqPerSec : undefined,
      };
    }),
  );
}

async function main(): Promise<void> {
  const wrk = requireWrk();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killWrk();
      killServers();
      process.exit(130);
    });
  }
  const startedAt = new Date();
  const loadAverageAtStart = loadavg();

  // First, while nothing else of the bench runs: how fast Drydock starts.
  const startup = await startupBench(log);
  // IAM enforcement's cost runs on the table's Drydock process: root against an IAM user with many policies.
  const drydock = await against(startDrydock, (server) => authorizationBench(server.port, CONNECTIONS, LIMITS, log));
  const moto = await against(startMoto);
  const floor = await against(startFloor);
  const scale = await scaleBench(LIMITS, log);
  // Git over HTTP and its events: Drydock only, after the table so it competes with nothing.
  const codecommitGit = await codecommitGitBench();
  // Builds, their logs and the CodeBuild API rows beside moto: their own processes, after the rest.
  const codebuild = await codebuildBench();

  const summary = (run: Awaited<ReturnType<typeof against>>): ServerSummary => ({
    name: run.server.name,
    version: run.server.version,
    firstAnswerMs: run.server.firstAnswerMs,
    idleRssBytes: run.idleRss,
    loadedRssBytes: run.run.peakRss,
    exitCode: run.exitCode,
  });
  const measured: Omit<BenchResults, 'targets'> = {
    startedAt: startedAt.toISOString(),
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    host: { node: process.version, cpus: cpus().length, wrk, wrkCpu: WRK_CPU, loadAverageAtStart, loadAverageAtEnd: loadavg() },
    limits: { ...LIMITS, connections: CONNECTIONS },
    startup,
    servers: { drydock: summary(drydock), moto: summary(moto) },
    rows: rows(drydock.run.cells, moto.run.cells, floor.run.cells),
    scale,
  };
  const results: BenchResults = { ...measured, targets: evaluateTargets(measured) };
  const authorization = drydock.extra!;

  const sections = [
    formatTable(results),
    formatScaleBench(scale),
    formatAuthorizationBench(authorization),
    formatGitBench(codecommitGit),
    formatCodeBuildBench(codebuild),
    formatTargets(results.targets),
  ];
  process.stdout.write(`${sections.join('\n\n')}\n`);
  const dir = join(PACKAGE_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify({ ...results, authorization, codecommitGit, codebuild }, null, 2)}\n`;
  const date = startedAt.toISOString().slice(0, 10);
  writeFileSync(join(dir, 'latest.json'), json);
  writeFileSync(join(dir, `${date}.json`), json);
  log(`results: bench/results/latest.json, bench/results/${date}.json`);
}

main().catch((err: unknown) => {
  killWrk();
  killServers();
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
