/**
 * CodeBuild in the benchmark, against a Drydock process (the built CLI), through the real SDK client.
 *
 * - StartBuild → first command running. A NO_SOURCE build whose first command is `date +%s%N`
 *   prints the wall clock (ns) when the shell runs it; the sandbox has its own /tmp, so the figure
 *   travels through the build's log, read back with GetLogEvents once the build completed. The
 *   latency is that time minus the wall clock just before StartBuild was sent (same machine, same
 *   clock), so it includes the HTTP request, the record, the job queue, PROVISIONING (the service
 *   role's credentials from STS), DOWNLOAD_SOURCE and the sandboxed shell's start.
 * - 20 builds started at once on a project with concurrentBuildLimit 4: every build is followed to
 *   completion; the bench polls BatchGetBuilds while they run and counts the builds past QUEUED and
 *   not complete (at most 4 expected), and computes the same from the final records' phase times
 *   (PROVISIONING start to FINALIZING end, a sweep over the intervals), and reports the QUEUED
 *   durations.
 * - Log line → visible in GetLogEvents: a build prints a line with its own `date +%s%N` every
 *   200 ms while the bench polls GetLogEvents (forward token) every POLL_MS; each line's latency is
 *   the wall clock when the poll that returned it answered minus the time the line carries. The poll
 *   interval bounds the resolution (a line waits up to POLL_MS for the next poll).
 * - StopBuild → STOPPED: a build sleeping in its BUILD phase is stopped; the figure is StopBuild
 *   sent → the first BatchGetBuilds (polled every POLL_MS) that shows it complete and STOPPED, so
 *   it includes killing the process tree and finalizing the record.
 * - CreateProject and BatchGetProjects throughput side by side with moto (moto implements both), as
 *   table rows with the same client as the main table (bench/load.ts).
 *
 * `node dist/bench/codebuild.js [--samples N] [--builds N] [--lines N] [--no-api]` runs this section
 * alone; `npm run bench` runs it after the table.
 */

import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { type BenchRequest, HOST, sign } from './client.js';
import { type CellLimits, type CellResult, prepare, runCell } from './load.js';
import type { BenchOperation } from './operations.js';
import { freePort, type RunningTarget, startDrydock, startMoto } from './servers.js';

export interface CodeBuildBenchOptions {
  /** StartBuild → first command samples (after one unmeasured warm-up build). */
  samples: number;
  /** Builds started at once on the project with concurrentBuildLimit 4. */
  builds: number;
  /** Lines the log-latency build prints, one every 200 ms. */
  lines: number;
  /** Whether to measure the API rows against Drydock and moto. */
  api: boolean;
}

export const DEFAULT_CODEBUILD_BENCH: CodeBuildBenchOptions = { samples: 10, builds: 20, lines: 25, api: true };

const CONCURRENT_BUILD_LIMIT = 4;
const POLL_MS = 5;
const FIRST_COMMAND_TARGET_MS = 200;
const LOG_TARGET_MS = 100;
const STOP_TARGET_MS = 1_000;
const STOP_SAMPLES = 5;
/** Projects one CreateProject run may create: 2 cells of a warm-up and a run stay under CodeBuild's 5,000 projects per account. */
const CREATED_PER_RUN = 1_500;
const API_LIMITS: CellLimits = { warmupSeconds: 1, measureSeconds: 3 };
/** Projects BatchGetProjects asks for in each request. */
const BATCH_GET_NAMES = 5;

interface Stats {
  samples: number;
  p50: number;
  max: number;
  min: number;
}

export interface CodeBuildBenchResults {
  /** One-minute load average when the section started and ended: builds compete with everything else for the CPUs. */
  loadAverage: { start: number; end: number };
  firstCommandMs: Stats & { startBuildAnsweredMs: Stats };
  concurrency: {
    builds: number;
    limit: number;
    succeeded: number;
    listed: number;
    maxRunningPolled: number;
    maxRunningFromRecords: number;
    queuedSeconds: { min: number; p50: number; max: number };
    totalSeconds: number;
  };
  logLatencyMs: Stats & { pollMs: number };
  stopMs: Stats;
  api?: { operation: string; label: string; concurrency: number; drydock: CellResult; moto: CellResult; throughputRatio?: number }[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
function stats(values: number[]): Stats {
  const s = sorted(values);
  return { samples: s.length, p50: s[Math.floor((s.length - 1) / 2)], max: s[s.length - 1], min: s[0] };
}
/** The wall clock in milliseconds with sub-millisecond precision, comparable to `date +%s%N`. */
const wallMs = () => performance.timeOrigin + performance.now();

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'codebuild.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

function spec(commands: string[]): string {
  return ['version: 0.2', 'phases:', '  build:', '    commands:', ...commands.map((c) => `      - ${JSON.stringify(c)}`), ''].join('\n');
}

/** The SDK clients for a Drydock process, loaded on demand: the bench loads the SDK only for the sections that use it. */
async function clients(port: number) {
  const cb = await import('@aws-sdk/client-codebuild');
  const logs = await import('@aws-sdk/client-cloudwatch-logs');
  const iam = await import('@aws-sdk/client-iam');
  const config = { endpoint: `http://${HOST}:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  return { cb, logs, iam, codebuild: new cb.CodeBuildClient(config), cloudwatch: new logs.CloudWatchLogsClient(config), iamClient: new iam.IAMClient(config) };
}

type Clients = Awaited<ReturnType<typeof clients>>;

async function createProject(k: Clients, roleArn: string, name: string, buildspec: string, concurrentBuildLimit?: number): Promise<void> {
  await k.codebuild.send(
    new k.cb.CreateProjectCommand({
      name,
      source: { type: 'NO_SOURCE', buildspec },
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
      serviceRole: roleArn,
      ...(concurrentBuildLimit ? { concurrentBuildLimit } : {}),
    }),
  );
}

async function waitComplete(k: Clients, id: string, timeoutMs = 120_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const build = (await k.codebuild.send(new k.cb.BatchGetBuildsCommand({ ids: [id] }))).builds![0];
    if (build.buildComplete) return build;
    if (Date.now() > until) throw new Error(`build ${id} did not complete within ${timeoutMs} ms (phase ${build.currentPhase})`);
    await sleep(20);
  }
}

async function logLines(k: Clients, group: string, stream: string): Promise<string[]> {
  const out = await k.cloudwatch.send(new k.logs.GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true }));
  return out.events!.map((e) => e.message!);
}

/** (a) StartBuild sent → the first command's own clock, over `samples` builds run one at a time. */
async function firstCommand(k: Clients, roleArn: string, samples: number): Promise<CodeBuildBenchResults['firstCommandMs']> {
  await createProject(k, roleArn, 'bench-first-command', spec(['echo "FIRST $(date +%s%N)"']));
  const latencies: number[] = [];
  const answered: number[] = [];
  for (let i = 0; i <= samples; i++) {
    const sent = wallMs();
    const build = (await k.codebuild.send(new k.cb.StartBuildCommand({ projectName: 'bench-first-command' }))).build!;
    const answeredAt = wallMs();
    const done = await waitComplete(k, build.id!);
    if (done.buildStatus !== 'SUCCEEDED') throw new Error(`first-command build ${build.id} ended ${done.buildStatus}`);
    const line = (await logLines(k, done.logs!.groupName!, done.logs!.streamName!)).find((l) => l.startsWith('FIRST '));
    if (!line) throw new Error(`first-command build ${build.id} logged no FIRST line`);
    if (i === 0) continue; // warm-up: the first build also creates the log group and warms the JIT
    latencies.push(Number(BigInt(line.slice('FIRST '.length)) / 1000n) / 1000 - sent);
    answered.push(answeredAt - sent);
  }
  return { ...stats(latencies), startBuildAnsweredMs: stats(answered) };
}

/** (b) `builds` StartBuilds at once on a project limited to 4 concurrent builds. */
async function concurrency(k: Clients, roleArn: string, builds: number): Promise<CodeBuildBenchResults['concurrency']> {
  const project = 'bench-concurrency';
  await createProject(k, roleArn, project, spec(['echo "build $CODEBUILD_BUILD_NUMBER"', 'sleep 1']), CONCURRENT_BUILD_LIMIT);
  const started = performance.now();
  const ids = (await Promise.all(Array.from({ length: builds }, () => k.codebuild.send(new k.cb.StartBuildCommand({ projectName: project }))))).map((r) => r.build!.id!);
  let maxRunningPolled = 0;
  let records: import('@aws-sdk/client-codebuild').Build[] = [];
  for (;;) {
    records = [];
    // BatchGetBuilds takes up to 100 ids.
    for (let at = 0; at < ids.length; at += 100) records.push(...(await k.codebuild.send(new k.cb.BatchGetBuildsCommand({ ids: ids.slice(at, at + 100) }))).builds!);
    const running = records.filter((b) => !b.buildComplete && b.currentPhase !== 'QUEUED' && b.currentPhase !== 'SUBMITTED').length;
    maxRunningPolled = Math.max(maxRunningPolled, running);
    if (records.length === ids.length && records.every((b) => b.buildComplete)) break;
    if (performance.now() - started > 10 * 60_000) throw new Error('the concurrent builds did not complete within 10 minutes');
    await sleep(POLL_MS * 4);
  }
  const totalSeconds = (performance.now() - started) / 1000;
  // Each build's running interval from its record: PROVISIONING started → FINALIZING ended.
  const edges: [number, number][] = [];
  const queued: number[] = [];
  for (const b of records) {
    const phase = (type: string) => b.phases!.find((p) => p.phaseType === type);
    const q = phase('QUEUED')!;
    queued.push((q.endTime!.getTime() - q.startTime!.getTime()) / 1000);
    const from = phase('PROVISIONING')?.startTime?.getTime();
    const to = phase('FINALIZING')?.endTime?.getTime();
    if (from !== undefined && to !== undefined) edges.push([from, 1], [to, -1]);
  }
  // Ends sort before starts at the same instant: a slot handed over is not two builds at once.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let maxRunningFromRecords = 0;
  for (const [, delta] of edges) {
    now += delta;
    maxRunningFromRecords = Math.max(maxRunningFromRecords, now);
  }
  let listed = 0;
  let nextToken: string | undefined;
  do {
    const page = await k.codebuild.send(new k.cb.ListBuildsForProjectCommand({ projectName: project, nextToken }));
    listed += page.ids!.length;
    nextToken = page.nextToken;
  } while (nextToken);
  const q = sorted(queued);
  return {
    builds,
    limit: CONCURRENT_BUILD_LIMIT,
    succeeded: records.filter((b) => b.buildStatus === 'SUCCEEDED').length,
    listed,
    maxRunningPolled,
    maxRunningFromRecords,
    queuedSeconds: { min: q[0], p50: q[Math.floor((q.length - 1) / 2)], max: q[q.length - 1] },
    totalSeconds,
  };
}

/** (c) A line printed in the build → the poll of GetLogEvents that first returns it. */
async function logLatency(k: Clients, roleArn: string, lines: number): Promise<CodeBuildBenchResults['logLatencyMs']> {
  const project = 'bench-log-latency';
  await createProject(k, roleArn, project, spec([`for i in $(seq 1 ${lines}); do echo "TICK $(date +%s%N)"; sleep 0.2; done`]));
  const build = (await k.codebuild.send(new k.cb.StartBuildCommand({ projectName: project }))).build!;
  // The log stream is named once the build is provisioned.
  let group: string | undefined;
  let stream: string | undefined;
  while (!stream) {
    const current = (await k.codebuild.send(new k.cb.BatchGetBuildsCommand({ ids: [build.id!] }))).builds![0];
    group = current.logs?.groupName;
    stream = current.logs?.streamName;
    if (current.buildComplete && !stream) throw new Error(`log-latency build ${build.id} ended ${current.buildStatus} without a log stream`);
    await sleep(POLL_MS);
  }
  const latencies: number[] = [];
  let token: string | undefined;
  let complete = false;
  while (latencies.length < lines) {
    let out: import('@aws-sdk/client-cloudwatch-logs').GetLogEventsCommandOutput;
    try {
      out = await k.cloudwatch.send(new k.logs.GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true, nextToken: token }));
    } catch (err) {
      // The stream appears with the build's first flushed lines.
      if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
      await sleep(POLL_MS);
      continue;
    }
    const seenAt = wallMs();
    token = out.nextForwardToken;
    for (const e of out.events ?? []) {
      if (!e.message?.startsWith('TICK ')) continue;
      latencies.push(seenAt - Number(BigInt(e.message.slice('TICK '.length)) / 1000n) / 1000);
    }
    if (complete) break;
    complete = (await k.codebuild.send(new k.cb.BatchGetBuildsCommand({ ids: [build.id!] }))).builds![0].buildComplete === true;
    await sleep(POLL_MS);
  }
  if (latencies.length !== lines) throw new Error(`log-latency build: saw ${latencies.length} of ${lines} lines`);
  return { ...stats(latencies), pollMs: POLL_MS };
}

/** (d) StopBuild sent → the build's record complete and STOPPED, over STOP_SAMPLES builds. */
async function stopLatency(k: Clients, roleArn: string): Promise<CodeBuildBenchResults['stopMs']> {
  const project = 'bench-stop';
  await createProject(k, roleArn, project, spec(['echo started', 'sleep 60']));
  const latencies: number[] = [];
  for (let i = 0; i < STOP_SAMPLES; i++) {
    const id = (await k.codebuild.send(new k.cb.StartBuildCommand({ projectName: project }))).build!.id!;
    for (;;) {
      const current = (await k.codebuild.send(new k.cb.BatchGetBuildsCommand({ ids: [id] }))).builds![0];
      if (current.currentPhase === 'BUILD') break;
      if (current.buildComplete) throw new Error(`stop build ${id} ended ${current.buildStatus} before its BUILD phase`);
      await sleep(POLL_MS);
    }
    await sleep(300); // let `sleep 60` start
    const sent = performance.now();
    await k.codebuild.send(new k.cb.StopBuildCommand({ id }));
    for (;;) {
      const current = (await k.codebuild.send(new k.cb.BatchGetBuildsCommand({ ids: [id] }))).builds![0];
      if (current.buildComplete) {
        if (current.buildStatus !== 'STOPPED') throw new Error(`stopped build ${id} ended ${current.buildStatus}`);
        latencies.push(performance.now() - sent);
        break;
      }
      if (performance.now() - sent > 60_000) throw new Error(`build ${id} was not STOPPED within 60 s`);
      await sleep(POLL_MS);
    }
  }
  return stats(latencies);
}

// --- API rows -----------------------------------------------------------------------------------

function codebuildJson(target: string, payload: unknown): BenchRequest {
  return {
    service: 'codebuild',
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `CodeBuild_20161006.${target}` },
    body: Buffer.from(JSON.stringify(payload)),
  };
}

/** A role CodeBuild may assume, created on `port` (Drydock and moto use different account ids, so its ARN comes from the answer). */
async function benchRole(port: number): Promise<string> {
  const body = new URLSearchParams({ Action: 'CreateRole', Version: '2010-05-08', RoleName: 'bench-codebuild', AssumeRolePolicyDocument: TRUST }).toString();
  const signed = await sign(port, { service: 'iam', method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: Buffer.from(body) });
  const res = await fetch(`http://${HOST}:${port}${signed.path}`, { method: signed.method, headers: signed.headers, body });
  const text = await res.text();
  const roleArn = /<Arn>([^<]+)<\/Arn>/.exec(text)?.[1];
  if (!res.ok || !roleArn) throw new Error(`IAM CreateRole answered ${res.status}: ${text.slice(0, 200)}`);
  return roleArn;
}

/**
 * The API operations for a server whose bench role is `roleArn`. The project is an S3-source one:
 * moto requires a source location even for NO_SOURCE.
 */
export function codebuildOperations(roleArn: string): BenchOperation[] {
  const project = (name: string) => ({
    name,
    source: { type: 'S3', location: 'bench-source/source.zip' },
    artifacts: { type: 'NO_ARTIFACTS' },
    environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
    serviceRole: roleArn,
  });
  const names = Array.from({ length: BATCH_GET_NAMES }, (_, i) => `bench-read-${i}`);
  const batchGet = codebuildJson('BatchGetProjects', { names });
  return [
    {
      id: 'codebuild.CreateProject',
      label: 'CodeBuild CreateProject',
      setup: [],
      request: (i, cell) => codebuildJson('CreateProject', project(`bench-create-${cell}-${i}`)),
      maxPerRun: CREATED_PER_RUN,
    },
    {
      id: 'codebuild.BatchGetProjects',
      label: `CodeBuild BatchGetProjects (${BATCH_GET_NAMES})`,
      setup: names.map((name) => codebuildJson('CreateProject', project(name))),
      request: () => batchGet,
      distinct: 1,
    },
  ];
}

async function apiRows(): Promise<NonNullable<CodeBuildBenchResults['api']>> {
  const cells = new Map<string, CellResult>();
  const labels = new Map<string, string>();
  for (const start of [startDrydock, startMoto]) {
    const server: RunningTarget = await start(await freePort());
    try {
      const roleArn = await benchRole(server.port);
      for (const op of codebuildOperations(roleArn)) {
        labels.set(op.id, op.label);
        const unavailable = await prepare(server.port, op);
        for (const clientCount of [1, 16]) {
          const cell = unavailable ?? (await runCell(server.port, op, clientCount, API_LIMITS));
          cells.set(`${server.name}/${op.id}/${clientCount}`, cell);
          process.stderr.write(
            `${server.name.padEnd(8)} ${op.label} x${clientCount}: ${cell.state === 'ok' ? `${cell.reqPerSec.toFixed(0)} req/s, p50 ${cell.p50Ms.toFixed(2)} ms, p99 ${cell.p99Ms.toFixed(2)} ms` : `${cell.state}: ${cell.detail}`}\n`,
          );
        }
      }
    } finally {
      await server.stop();
    }
  }
  return [...labels].flatMap(([id, label]) =>
    [1, 16].map((clientCount) => {
      const drydock = cells.get(`Drydock/${id}/${clientCount}`)!;
      const moto = cells.get(`moto/${id}/${clientCount}`)!;
      return { operation: id, label, concurrency: clientCount, drydock, moto, throughputRatio: drydock.state === 'ok' && moto.state === 'ok' ? drydock.reqPerSec / moto.reqPerSec : undefined };
    }),
  );
}

/** The CodeBuild figures: builds against a Drydock process of their own, then the API rows beside moto. */
export async function codebuildBench(options: CodeBuildBenchOptions = DEFAULT_CODEBUILD_BENCH): Promise<CodeBuildBenchResults> {
  const loadAtStart = loadavg()[0];
  const drydock = await startDrydock(await freePort());
  let results: Omit<CodeBuildBenchResults, 'api' | 'loadAverage'>;
  try {
    const k = await clients(drydock.port);
    const roleArn = (await k.iamClient.send(new k.iam.CreateRoleCommand({ RoleName: 'bench-builds', AssumeRolePolicyDocument: TRUST }))).Role!.Arn!;
    try {
      results = {
        firstCommandMs: await firstCommand(k, roleArn, options.samples),
        concurrency: await concurrency(k, roleArn, options.builds),
        logLatencyMs: await logLatency(k, roleArn, options.lines),
        stopMs: await stopLatency(k, roleArn),
      };
    } finally {
      k.codebuild.destroy();
      k.cloudwatch.destroy();
      k.iamClient.destroy();
    }
  } finally {
    await drydock.stop();
  }
  const api = options.api ? await apiRows() : undefined;
  return { loadAverage: { start: loadAtStart, end: loadavg()[0] }, ...results, ...(api ? { api } : {}) };
}

const verdict = (met: boolean) => (met ? 'met' : 'MISSED');

export function formatCodeBuildBench(r: CodeBuildBenchResults): string {
  const f = r.firstCommandMs;
  const c = r.concurrency;
  const l = r.logLatencyMs;
  const out = [
    `CodeBuild (Drydock process, SDK client; AWS provisions a build in 90-240 s); load average ${r.loadAverage.start.toFixed(1)} at start, ${r.loadAverage.end.toFixed(1)} at end:`,
    `  StartBuild sent -> first command running (${f.samples} builds, one at a time): p50 ${f.p50.toFixed(0)} ms, min ${f.min.toFixed(0)} ms, max ${f.max.toFixed(0)} ms ` +
      `(target < ${FIRST_COMMAND_TARGET_MS} ms: ${verdict(f.max < FIRST_COMMAND_TARGET_MS)} at max, ${verdict(f.p50 < FIRST_COMMAND_TARGET_MS)} at p50); StartBuild answered in p50 ${f.startBuildAnsweredMs.p50.toFixed(1)} ms`,
    `  ${c.builds} builds at once, concurrentBuildLimit ${c.limit}: ${c.succeeded} of ${c.builds} SUCCEEDED, ${c.listed} listed, ${c.totalSeconds.toFixed(1)} s in all; ` +
      `most running at once ${c.maxRunningPolled} polled / ${c.maxRunningFromRecords} from the records (limit ${c.limit}: ${verdict(c.maxRunningPolled <= c.limit && c.maxRunningFromRecords <= c.limit)}); ` +
      `QUEUED min ${c.queuedSeconds.min.toFixed(2)} s, p50 ${c.queuedSeconds.p50.toFixed(2)} s, max ${c.queuedSeconds.max.toFixed(2)} s`,
    `  log line printed -> returned by GetLogEvents (${l.samples} lines, polled every ${l.pollMs} ms): p50 ${l.p50.toFixed(1)} ms, min ${l.min.toFixed(1)} ms, max ${l.max.toFixed(1)} ms ` +
      `(target < ${LOG_TARGET_MS} ms: ${verdict(l.max < LOG_TARGET_MS)} at max)`,
    `  StopBuild sent -> build STOPPED in BatchGetBuilds (${r.stopMs.samples} builds): p50 ${r.stopMs.p50.toFixed(0)} ms, min ${r.stopMs.min.toFixed(0)} ms, max ${r.stopMs.max.toFixed(0)} ms ` +
      `(target < ${STOP_TARGET_MS} ms: ${verdict(r.stopMs.max < STOP_TARGET_MS)} at max)`,
  ];
  for (const row of r.api ?? []) {
    const cell = (x: CellResult) => (x.state === 'ok' ? `${x.reqPerSec.toFixed(0)} req/s (p50 ${x.p50Ms.toFixed(2)} ms, p99 ${x.p99Ms.toFixed(2)} ms)` : `${x.state}: ${x.detail}`);
    out.push(
      `  ${row.label.padEnd(32)} x${String(row.concurrency).padEnd(3)} Drydock ${cell(row.drydock)} | moto ${cell(row.moto)} | ${row.throughputRatio === undefined ? '-' : `${row.throughputRatio.toFixed(1)}x`}`,
    );
  }
  return out.join('\n');
}

async function standalone(args: string[]): Promise<void> {
  const flag = (name: string, fallback: number) => {
    const at = args.indexOf(`--${name}`);
    return at >= 0 ? Number(args[at + 1]) : fallback;
  };
  const options: CodeBuildBenchOptions = {
    samples: flag('samples', DEFAULT_CODEBUILD_BENCH.samples),
    builds: flag('builds', DEFAULT_CODEBUILD_BENCH.builds),
    lines: flag('lines', DEFAULT_CODEBUILD_BENCH.lines),
    api: !args.includes('--no-api'),
  };
  const results = await codebuildBench(options);
  process.stdout.write(`${formatCodeBuildBench(results)}\n`);
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  standalone(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`codebuild bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
