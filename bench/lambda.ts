/**
 * Lambda in the benchmark: a Node.js function invoked through the REST API with SigV4-signed
 * requests (bench/client.ts), against a Drydock process started as `drydock start`.
 *
 * - Cold start: the first Invoke of each of several new functions, each created, waited for until
 *   Active and invoked half a second later (a deployment's pace), from the request to the answer:
 *   the runtime's initialization of the function (its module loaded), the invocation, REPORT. The
 *   sandboxed process itself is started ahead, as a spare (src/services/lambda/engine/spares.ts),
 *   as AWS provisions execution environments ahead of demand. Target: median under 150 ms.
 * - Cold start from nothing, for comparison: functions setting NODE_OPTIONS, which a spare cannot
 *   take, so each first Invoke also starts the sandbox and the interpreter.
 * - Warm invoke: sequential invocations of one function whose environment is warm. Target: p50
 *   under 3 ms.
 *
 * moto runs Lambda functions in Docker containers, so it is not measured here. `node
 * dist/bench/lambda.js` runs this section alone.
 */
import { Agent, request } from 'node:http';
import { pathToFileURL } from 'node:url';
import { zipSync } from 'fflate';
import { type BenchRequest, HOST, send, sign } from './client.js';
import { freePort, type RunningTarget, startDrydock } from './servers.js';

const COLD_STARTS = 7;
const FRESH_COLD_STARTS = 3;
/** Between a function becoming Active and its first Invoke. */
const DEPLOY_PAUSE_MS = 500;
const WARM_INVOCATIONS = 2_000;
const WARMUP_INVOCATIONS = 200;
const COLD_TARGET_MS = 150;
const WARM_P50_TARGET_MS = 3;
const RUNTIME = `nodejs${process.versions.node.split('.')[0]}.x`;
const HANDLER = 'exports.handler = async (event) => ({ ok: true, echo: event });';
const ROLE_NAME = 'bench-lambda';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

const json = (method: BenchRequest['method'], path: string, body?: unknown): BenchRequest => ({
  service: 'lambda',
  method,
  path,
  headers: { 'content-type': 'application/json' },
  body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
});

const invokeRequest = (name: string) => json('POST', `/2015-03-31/functions/${name}/invocations`, { n: 1 });

export interface LambdaBenchResults {
  server: { name: string; version: string };
  runtime: string;
  coldStartsMs: number[];
  coldMedianMs: number;
  freshColdStartsMs: number[];
  freshColdMedianMs: number;
  warm: { count: number; p50Ms: number; p99Ms: number; meanMs: number };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function call(server: RunningTarget, agent: Agent, req: BenchRequest) {
  const answer = await send(server.port, agent, await sign(server.port, req));
  if (answer.status >= 300) throw new Error(`${req.method} ${req.path} answered ${answer.status} ${answer.error ?? ''}`);
  return answer;
}

async function createFunction(server: RunningTarget, agent: Agent, name: string, variables?: Record<string, string>): Promise<void> {
  const zip = Buffer.from(zipSync({ 'index.js': Buffer.from(HANDLER) })).toString('base64');
  const role = `arn:aws:iam::000000000000:role/${ROLE_NAME}`;
  const environment = variables ? { Environment: { Variables: variables } } : {};
  await call(server, agent, json('POST', '/2015-03-31/functions', { FunctionName: name, Runtime: RUNTIME, Role: role, Handler: 'index.handler', Code: { ZipFile: zip }, ...environment }));
}

/** Creates a function, waits until it is Active, pauses, and answers how long its first Invoke took. */
async function coldStart(server: RunningTarget, agent: Agent, name: string, variables?: Record<string, string>): Promise<number> {
  await createFunction(server, agent, name, variables);
  await waitActive(server, agent, name);
  await new Promise((resolve) => setTimeout(resolve, DEPLOY_PAUSE_MS));
  return (await call(server, agent, invokeRequest(name))).ms;
}

/** The body of a signed GET, as text. */
async function get(server: RunningTarget, agent: Agent, path: string): Promise<string> {
  const req = await sign(server.port, json('GET', path));
  return new Promise<string>((resolve, reject) => {
    const outgoing = request({ agent, host: HOST, port: server.port, method: req.method, path: req.path, headers: req.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** Polls GetFunction until the function is Active (activation is a job that takes a few milliseconds). */
async function waitActive(server: RunningTarget, agent: Agent, name: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const answer = await get(server, agent, `/2015-03-31/functions/${name}`);
    const state = (JSON.parse(answer) as { Configuration?: { State?: string } }).Configuration?.State;
    if (state === 'Active') return;
    if (state === 'Failed') throw new Error(`${name} failed to activate: ${answer}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${name} did not become Active`);
}

export async function lambdaBench(log: (line: string) => void = () => {}): Promise<LambdaBenchResults> {
  const server = await startDrydock(await freePort());
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await call(server, agent, {
      service: 'iam',
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: Buffer.from(`Action=CreateRole&Version=2010-05-08&RoleName=${ROLE_NAME}&AssumeRolePolicyDocument=${encodeURIComponent(TRUST)}`),
    });
    const freshColdStartsMs: number[] = [];
    for (let i = 0; i < FRESH_COLD_STARTS; i++) {
      freshColdStartsMs.push(await coldStart(server, agent, `bench-fresh-${i}`, { NODE_OPTIONS: '--no-warnings' }));
      log(`cold start from nothing bench-fresh-${i}: ${freshColdStartsMs[i].toFixed(1)} ms`);
    }
    const coldStartsMs: number[] = [];
    for (let i = 0; i < COLD_STARTS; i++) {
      coldStartsMs.push(await coldStart(server, agent, `bench-fn-${i}`));
      log(`cold start bench-fn-${i}: ${coldStartsMs[i].toFixed(1)} ms`);
    }

    const warm = await sign(server.port, invokeRequest('bench-fn-0'));
    for (let i = 0; i < WARMUP_INVOCATIONS; i++) await send(server.port, agent, warm);
    const times: number[] = [];
    for (let i = 0; i < WARM_INVOCATIONS; i++) {
      const answer = await send(server.port, agent, warm);
      if (answer.status !== 200) throw new Error(`warm invoke answered ${answer.status} ${answer.error ?? ''}`);
      times.push(answer.ms);
    }
    times.sort((a, b) => a - b);
    const median = (values: number[]) =>
      percentile(
        [...values].sort((a, b) => a - b),
        50,
      );
    return {
      server: { name: server.name, version: server.version },
      runtime: RUNTIME,
      coldStartsMs,
      coldMedianMs: median(coldStartsMs),
      freshColdStartsMs,
      freshColdMedianMs: median(freshColdStartsMs),
      warm: { count: times.length, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), meanMs: times.reduce((a, b) => a + b, 0) / times.length },
    };
  } finally {
    agent.destroy();
    await server.stop();
  }
}

export function formatLambdaBench(results: LambdaBenchResults): string {
  const verdict = (met: boolean) => (met ? 'met' : 'MISSED');
  return [
    `Lambda (${results.server.name} ${results.server.version}, ${results.runtime} on the host's node, SigV4-signed REST requests; moto runs functions in Docker: not compared):`,
    `  cold start (first Invoke of a new function)  median ${results.coldMedianMs.toFixed(1)} ms of ${results.coldStartsMs.map((ms) => ms.toFixed(0)).join(', ')} | target < ${COLD_TARGET_MS} ms: ${verdict(results.coldMedianMs < COLD_TARGET_MS)}`,
    `  cold start from nothing (no spare process)  median ${results.freshColdMedianMs.toFixed(1)} ms of ${results.freshColdStartsMs.map((ms) => ms.toFixed(0)).join(', ')}`,
    `  warm invoke x${results.warm.count} sequential            p50 ${results.warm.p50Ms.toFixed(2)} ms, p99 ${results.warm.p99Ms.toFixed(2)} ms, mean ${results.warm.meanMs.toFixed(2)} ms | target p50 < ${WARM_P50_TARGET_MS} ms: ${verdict(results.warm.p50Ms < WARM_P50_TARGET_MS)}`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  lambdaBench((line) => process.stderr.write(`${line}\n`))
    .then((results) => process.stdout.write(`${formatLambdaBench(results)}\n`))
    .catch((err: unknown) => {
      process.stderr.write(`lambda bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    });
}
