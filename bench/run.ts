/**
 * `npm run bench`: Drydock and moto_server side by side on 127.0.0.1, the same signed requests
 * against each, one server at a time. Prints the table and writes bench/results/latest.json and
 * bench/results/<date>.json. See the README's Benchmark section for what is measured.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/core/paths.js';
import { type AuthorizationBenchResults, authorizationBench, formatAuthorizationBench } from './authorization.js';
import { type CodeBuildBenchResults, codebuildBench, formatCodeBuildBench } from './codebuild.js';
import { codecommitGitBench, formatGitBench, type GitBenchResults } from './codecommit.js';
import { type CellLimits, type CellResult, prepare, runCell } from './load.js';
import { benchOperations } from './operations.js';
import { type BenchResults, evaluateTargets, formatTable, type Row, type ServerSummary } from './report.js';
import { freePort, type RunningTarget, startDrydock, startFloor, startMoto, treeRss } from './servers.js';

const CONCURRENCY = [1, 16];
const LIMITS: CellLimits = { measureMs: 4_000, warmupMs: 1_000, warmupShare: 0.1 };
const SETTLE_MS = 1_000;
const RSS_SAMPLE_MS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// `npm run bench` runs node with --expose-gc: collecting the client's garbage between cells keeps its pauses out of the next one.
const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => {});

function describe(cell: CellResult): string {
  return cell.state === 'ok' ? `${cell.reqPerSec.toFixed(0)} req/s, p50 ${cell.p50Ms.toFixed(2)} ms, p99 ${cell.p99Ms.toFixed(2)} ms` : `${cell.state}: ${cell.detail}`;
}

/** The operation the floor server is driven with: the smallest request/answer pair of the table. */
const FLOOR_OPERATION = 'ssm.GetParameter';

/** Operations at every concurrency against one server; returns the cells by "operation/concurrency" and the peak RSS. */
async function measure(server: RunningTarget, only?: string): Promise<{ cells: Map<string, CellResult>; peakRss: number }> {
  let peakRss = treeRss(server.pid);
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, treeRss(server.pid))), RSS_SAMPLE_MS);
  const cells = new Map<string, CellResult>();
  try {
    for (const op of benchOperations().filter((o) => !only || o.id === only)) {
      const unavailable = await prepare(server.port, op);
      for (const concurrency of CONCURRENCY) {
        collectGarbage();
        const cell = unavailable ?? (await runCell(server.port, op, concurrency, LIMITS));
        cells.set(`${op.id}/${concurrency}`, cell);
        process.stderr.write(`${server.name.padEnd(8)} ${op.label} x${concurrency}: ${describe(cell)}\n`);
      }
    }
  } finally {
    clearInterval(sampler);
  }
  return { cells, peakRss: Math.max(peakRss, treeRss(server.pid)) };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadAverageAtStart = loadavg();
  const running: RunningTarget[] = [];
  const abort = () => {
    for (const server of running) void server.stop();
    process.exit(130);
  };
  process.on('SIGINT', abort);
  process.on('SIGTERM', abort);

  let results: BenchResults;
  let codecommitGit: GitBenchResults;
  let codebuild: CodeBuildBenchResults;
  let authorization: AuthorizationBenchResults;
  try {
    // Started one after the other so neither start-up competes with the other for the CPU.
    const drydock = await startDrydock(await freePort());
    running.push(drydock);
    const moto = await startMoto(await freePort());
    running.push(moto);
    process.stderr.write(`first answer: Drydock ${drydock.firstAnswerMs.toFixed(0)} ms, moto ${moto.firstAnswerMs.toFixed(0)} ms\n`);
    await sleep(SETTLE_MS);
    const idle = { drydock: treeRss(drydock.pid), moto: treeRss(moto.pid) };

    const drydockRun = await measure(drydock);
    // IAM enforcement's cost, on the same Drydock process: root against an IAM user with many policies.
    authorization = await authorizationBench(drydock.port, CONCURRENCY, LIMITS, (line) => process.stderr.write(`${line}\n`));
    const motoRun = await measure(moto);
    const exitCodes = { drydock: await drydock.stop(), moto: await moto.stop() };
    running.length = 0;
    const floor = await startFloor(await freePort());
    running.push(floor);
    const floorRun = await measure(floor, FLOOR_OPERATION);
    await floor.stop();
    running.length = 0;

    // Git over HTTP and its events: Drydock only, after the table so it competes with nothing.
    codecommitGit = await codecommitGitBench();
    // Builds, their logs and the CodeBuild API rows beside moto: their own processes, after the rest.
    codebuild = await codebuildBench();

    const rows: Row[] = [];
    for (const op of benchOperations()) {
      for (const concurrency of CONCURRENCY) {
        const d = drydockRun.cells.get(`${op.id}/${concurrency}`)!;
        const m = motoRun.cells.get(`${op.id}/${concurrency}`)!;
        rows.push({
          operation: op.id,
          label: op.label,
          concurrency,
          maxRequests: op.maxRequests,
          drydock: d,
          moto: m,
          throughputRatio: d.state === 'ok' && m.state === 'ok' ? d.reqPerSec / m.reqPerSec : undefined,
        });
      }
    }
    const summary = (server: RunningTarget, idleRss: number, loadedRss: number, exitCode: number | null): ServerSummary => ({
      name: server.name,
      version: server.version,
      firstAnswerMs: server.firstAnswerMs,
      idleRssBytes: idleRss,
      loadedRssBytes: loadedRss,
      exitCode,
    });
    const servers = {
      drydock: summary(drydock, idle.drydock, drydockRun.peakRss, exitCodes.drydock),
      moto: summary(moto, idle.moto, motoRun.peakRss, exitCodes.moto),
    };
    results = {
      startedAt: startedAt.toISOString(),
      durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
      host: { node: process.version, cpus: cpus().length, loadAverageAtStart, loadAverageAtEnd: loadavg() },
      limits: { measureMs: LIMITS.measureMs, warmupMs: LIMITS.warmupMs, concurrency: CONCURRENCY },
      servers,
      rows,
      floor: {
        operation: FLOOR_OPERATION,
        label: benchOperations().find((op) => op.id === FLOOR_OPERATION)!.label,
        cells: CONCURRENCY.map((concurrency) => ({ concurrency, result: floorRun.cells.get(`${FLOOR_OPERATION}/${concurrency}`)! })),
      },
      targets: evaluateTargets(servers, rows),
    };
  } finally {
    for (const server of running) await server.stop();
  }

  process.stdout.write(`${formatTable(results)}\n\n${formatAuthorizationBench(authorization)}\n\n${formatGitBench(codecommitGit)}\n\n${formatCodeBuildBench(codebuild)}\n`);
  const dir = join(PACKAGE_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify({ ...results, authorization, codecommitGit, codebuild }, null, 2)}\n`;
  writeFileSync(join(dir, 'latest.json'), json);
  writeFileSync(join(dir, `${startedAt.toISOString().slice(0, 10)}.json`), json);
  process.stderr.write(`results: bench/results/latest.json, bench/results/${startedAt.toISOString().slice(0, 10)}.json\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
