/**
 * `npm run bench`: Drydock's start-up first; then Drydock, moto_server and a do-nothing floor
 * server side by side on 127.0.0.1, the same pre-signed requests driven by wrk against each, a row's
 * three cells one right after the other; then Drydock at scale, Git and builds. Prints the tables
 * and the target checks, and writes bench/results/latest.json and bench/results/<date>.json. See
 * the README's Benchmark section.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/core/paths.js';
import { type AuthorizationBenchResults, authorizationBench, formatAuthorizationBench } from './authorization.js';
import { cloudFormationBench, formatCloudFormationBench } from './cloudformation.js';
import { codebuildBench, formatCodeBuildBench } from './codebuild.js';
import { codecommitGitBench, formatGitBench } from './codecommit.js';
import { codePipelineBench, codePipelineTargets, formatCodePipelineBench } from './codepipeline.js';
import { holdCpuWakeLatency } from './cpu-wake-latency.js';
import { eventsBench, formatEventsBench } from './events.js';
import { formatLambdaBench, lambdaBench } from './lambda.js';
import { type CellLimits, type CellResult, prepare, runCell } from './load.js';
import { formatLogsInsightsBench, logsInsightsBench } from './logs-insights.js';
import { type BenchOperation, benchOperations } from './operations.js';
import { type BenchResults, evaluateTargets, formatTable, formatTargets, type Row, type ServerSummary } from './report.js';
import { formatScaleBench, scaleBench } from './scale.js';
import { freePort, killServers, type RunningTarget, startDrydock, startFloor, startMoto, treeRss } from './servers.js';
import { formatSnsBench, snsBench } from './sns.js';
import { formatSqsBench, sqsBench } from './sqs.js';
import { startupBench } from './startup.js';
import { killWrk, requireWrk, WRK_CPU } from './wrk.js';

const CONNECTIONS = [1, 16];
const LIMITS: CellLimits = { warmupSeconds: 1, measureSeconds: 2 };
const SETTLE_MS = 1_000;

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

type ServerKey = 'drydock' | 'moto' | 'floor';
const SERVER_KEYS: ServerKey[] = ['drydock', 'moto', 'floor'];
type Servers = Record<ServerKey, RunningTarget>;

/**
 * Every operation at every connection count, each row's cells run against the three servers in
 * turn, so the machine's other work weighs on a row's Drydock, moto and floor figures alike.
 * Returns the rows and each server's peak RSS, read once at the end (VmHWM), not sampled during the runs.
 */
async function measure(servers: Servers): Promise<{ rows: Row[]; peakRss: Record<ServerKey, number> }> {
  const rows: Row[] = [];
  for (const op of benchOperations()) {
    await setFloorAnswer(servers.floor.port, op);
    const unavailable = new Map<ServerKey, CellResult | undefined>();
    for (const key of SERVER_KEYS) unavailable.set(key, await prepare(servers[key].port, op));
    for (const connections of CONNECTIONS) {
      const cells = {} as Record<ServerKey, CellResult>;
      for (const key of SERVER_KEYS) {
        cells[key] = unavailable.get(key) ?? (await runCell(servers[key].port, op, connections, LIMITS));
        log(`${servers[key].name.padEnd(8)} ${op.label} x${connections}: ${describe(cells[key])}`);
      }
      const { drydock, moto, floor } = cells;
      rows.push({
        operation: op.id,
        label: op.label,
        connections,
        drydock,
        moto,
        floor,
        vsMoto: drydock.state === 'ok' && moto.state === 'ok' ? drydock.reqPerSec / moto.reqPerSec : undefined,
        vsFloor: drydock.state === 'ok' && floor.state === 'ok' ? drydock.reqPerSec / floor.reqPerSec : undefined,
      });
    }
  }
  const peakRss = { drydock: 0, moto: 0, floor: 0 };
  for (const key of SERVER_KEYS) peakRss[key] = treeRss(servers[key].pid, 'VmHWM');
  return { rows, peakRss };
}

/** The table: Drydock, moto and the floor started one after the other (no start-up competes with another), then measured; IAM's cost on the same Drydock. */
async function tableBench(): Promise<{ rows: Row[]; servers: BenchResults['servers']; authorization: AuthorizationBenchResults }> {
  const started: Partial<Servers> = {};
  try {
    started.drydock = await startDrydock(await freePort());
    started.moto = await startMoto(await freePort());
    started.floor = await startFloor(await freePort());
    const servers = started as Servers;
    await sleep(SETTLE_MS);
    const idleRss = { drydock: treeRss(servers.drydock.pid), moto: treeRss(servers.moto.pid) };
    const { rows, peakRss } = await measure(servers);
    // IAM enforcement's cost, on the table's Drydock process: root against an IAM user with many policies.
    const authorization = await authorizationBench(servers.drydock.port, CONNECTIONS, LIMITS, log);
    const summary = (key: 'drydock' | 'moto', exitCode: number | null): ServerSummary => ({
      name: servers[key].name,
      version: servers[key].version,
      firstAnswerMs: servers[key].firstAnswerMs,
      idleRssBytes: idleRss[key],
      loadedRssBytes: peakRss[key],
      exitCode,
    });
    const [drydockExit, motoExit] = [await servers.drydock.stop(), await servers.moto.stop()];
    return { rows, servers: { drydock: summary('drydock', drydockExit), moto: summary('moto', motoExit) }, authorization };
  } finally {
    for (const server of Object.values(started)) await server.stop();
  }
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
  const cpuWakeLatency = holdCpuWakeLatency();
  log(`CPU wake-up latency request: ${cpuWakeLatency}`);

  // First, while nothing else of the bench runs: how fast Drydock starts.
  const startup = await startupBench(log);
  const table = await tableBench();
  const scale = await scaleBench(LIMITS, log);
  // Git over HTTP and its events: Drydock only, after the table so it competes with nothing.
  const codecommitGit = await codecommitGitBench();
  // Builds, their logs and the CodeBuild API rows beside moto: their own processes, after the rest.
  const codebuild = await codebuildBench();
  // The services that connect the toolchain, each beside moto where moto has the operation.
  const sqs = await sqsBench(LIMITS, CONNECTIONS, log);
  const sns = await snsBench();
  const events = await eventsBench();
  const lambda = await lambdaBench(log);
  const logsInsights = await logsInsightsBench();
  const cloudformation = await cloudFormationBench(undefined, log);
  // Pipelines from git push to a deployed stack, the engine's overhead and the read rows beside moto.
  const codepipeline = await codePipelineBench(undefined, log);

  const measured: Omit<BenchResults, 'targets'> = {
    startedAt: startedAt.toISOString(),
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    host: { node: process.version, cpus: cpus().length, wrk, wrkCpu: WRK_CPU, cpuWakeLatency, loadAverageAtStart, loadAverageAtEnd: loadavg() },
    limits: { ...LIMITS, connections: CONNECTIONS },
    startup,
    servers: table.servers,
    rows: table.rows,
    scale,
  };
  const results: BenchResults = { ...measured, targets: [...evaluateTargets(measured), ...codePipelineTargets(codepipeline)] };
  const { authorization } = table;

  const sections = [
    formatTable(results),
    formatScaleBench(scale),
    formatAuthorizationBench(authorization),
    formatGitBench(codecommitGit),
    formatCodeBuildBench(codebuild),
    formatSqsBench(sqs),
    formatSnsBench(sns),
    formatEventsBench(events),
    formatLambdaBench(lambda),
    formatLogsInsightsBench(logsInsights),
    formatCloudFormationBench(cloudformation),
    formatCodePipelineBench(codepipeline),
    formatTargets(results.targets),
  ];
  process.stdout.write(`${sections.join('\n\n')}\n`);
  const dir = join(PACKAGE_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify({ ...results, authorization, codecommitGit, codebuild, sqs, sns, events, lambda, logsInsights, cloudformation, codepipeline }, null, 2)}\n`;
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
