/**
 * CloudFormation in the benchmark: how long stack operations take to reach their final status,
 * Drydock beside moto_server (whose CloudFormation creates AWS::SSM::Parameter resources too, inside
 * the API call). Each server runs as its own process; the SDK client starts an operation and polls
 * DescribeStacks (or DescribeChangeSet) every POLL_MS until the status is final. A sample is the time
 * from sending the request to the first answer showing the final status.
 *
 * - 100 independent SSM parameters: CreateStack → CREATE_COMPLETE, DeleteStack → DELETE_COMPLETE
 *   (target < 1 s each way).
 * - 30 parameters, 10 of them a DependsOn chain (each Value a Ref to the one before): create and delete.
 * - A change set on a 100-parameter stack changing every value: CreateChangeSet → CREATE_COMPLETE
 *   (target < 100 ms), then ExecuteChangeSet → UPDATE_COMPLETE.
 * - A failed update of 50 parameters: every value changes and a 51st parameter, depending on all 50,
 *   breaks its AllowedPattern, so SSM refuses it and the stack rolls the 50 back: UpdateStack →
 *   UPDATE_ROLLBACK_COMPLETE.
 *
 * `node dist/bench/cloudformation.js [--repeats N]` runs this section alone; `npm run bench` runs it with the rest.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { HOST } from './client.js';
import { freePort, type RunningTarget, startDrydock, startMoto } from './servers.js';

const POLL_MS = 5;
/** An operation that has not finished after this long is reported as stuck. */
const GIVE_UP_MS = 120_000;
export const DEFAULT_REPEATS = 5;

type Resources = Record<string, { Type: string; DependsOn?: string | string[]; Properties: Record<string, unknown> }>;

function parameter(stack: string, index: number | string, value: unknown, extra: Record<string, unknown> = {}) {
  return { Type: 'AWS::SSM::Parameter', Properties: { Name: `/bench/${stack}/p${index}`, Type: 'String', Value: value, ...extra } };
}

function independent(stack: string, count: number, value: string): Resources {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`P${i}`, parameter(stack, i, `${value}-${i}`)]));
}

/** `depth` parameters each depending on (and naming) the one before, then independent ones up to `count`. */
function chained(stack: string, count: number, depth: number): Resources {
  const resources: Resources = {};
  for (let i = 0; i < depth; i++) {
    resources[`C${i}`] = i === 0 ? parameter(stack, `c${i}`, 'root') : { ...parameter(stack, `c${i}`, { Ref: `C${i - 1}` }), DependsOn: `C${i - 1}` };
  }
  for (let i = depth; i < count; i++) resources[`P${i}`] = parameter(stack, i, `value-${i}`);
  return resources;
}

/** The 50 parameters with new values, and one that SSM refuses, created after all of them. */
function failingUpdate(stack: string, count: number): Resources {
  const resources = independent(stack, count, 'changed');
  resources.Broken = { ...parameter(stack, 'broken', 'not-a-number', { AllowedPattern: '^[0-9]+$' }), DependsOn: Object.keys(resources) };
  return resources;
}

const body = (resources: Resources) => JSON.stringify({ AWSTemplateFormatVersion: '2010-09-09', Resources: resources });

export interface Timing {
  samples: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** The status each sample ended in (the first one's; all agreed unless `error` says otherwise). */
  finalStatus: string;
}

export type Outcome = Timing | { error: string };

export interface ScenarioResult {
  id: string;
  label: string;
  /** The status that counts as done. */
  expected: string;
  targetMs?: number;
  drydock: Outcome;
  moto: Outcome;
}

export interface CloudFormationBenchResults {
  repeats: number;
  servers: { name: string; version: string }[];
  scenarios: ScenarioResult[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `status()` answers a status not ending in _IN_PROGRESS (or reports a vanished stack as gone); answers it. */
async function finalStatus(status: () => Promise<string | undefined>): Promise<string> {
  const deadline = performance.now() + GIVE_UP_MS;
  for (;;) {
    const now = await status();
    if (now === undefined) return 'GONE';
    if (!now.endsWith('_IN_PROGRESS') && now !== 'PENDING') return now;
    if (performance.now() > deadline) return `STUCK ${now}`;
    await sleep(POLL_MS);
  }
}

interface Scenario {
  id: string;
  label: string;
  expected: string;
  targetMs?: number;
  /** Set-up not timed (creating the stack an update starts from). */
  prepare?: (cfn: Cfn, stack: string) => Promise<void>;
  /** Starts the operation and answers how to read its status. */
  start: (cfn: Cfn, stack: string) => Promise<() => Promise<string | undefined>>;
  /** Clean-up not timed. */
  cleanup?: (cfn: Cfn, stack: string) => Promise<void>;
}

interface Cfn {
  client: CloudFormationClient;
  sdk: typeof import('@aws-sdk/client-cloudformation');
}

async function stackStatus(cfn: Cfn, stackId: string): Promise<string | undefined> {
  try {
    const { Stacks } = await cfn.client.send(new cfn.sdk.DescribeStacksCommand({ StackName: stackId }));
    return Stacks?.[0]?.StackStatus;
  } catch (err) {
    if ((err as Error).message.includes('does not exist')) return undefined;
    throw err;
  }
}

/** Creates a stack and waits for it; throws unless it reaches CREATE_COMPLETE. */
async function createStack(cfn: Cfn, stack: string, resources: Resources): Promise<string> {
  const { StackId } = await cfn.client.send(new cfn.sdk.CreateStackCommand({ StackName: stack, TemplateBody: body(resources) }));
  const status = await finalStatus(() => stackStatus(cfn, StackId!));
  if (status !== 'CREATE_COMPLETE') throw new Error(`set-up stack ended ${status}`);
  return StackId!;
}

async function deleteStack(cfn: Cfn, stack: string): Promise<void> {
  await cfn.client.send(new cfn.sdk.DeleteStackCommand({ StackName: stack }));
}

const stackIds = new Map<string, string>();

function scenarios(): Scenario[] {
  const createThenDelete = (id: string, label: string, resources: (stack: string) => Resources, targetMs?: number): Scenario[] => [
    {
      id: `${id}.create`,
      label: `${label}: create`,
      expected: 'CREATE_COMPLETE',
      targetMs,
      start: async (cfn, stack) => {
        const { StackId } = await cfn.client.send(new cfn.sdk.CreateStackCommand({ StackName: stack, TemplateBody: body(resources(stack)) }));
        stackIds.set(stack, StackId!);
        return () => stackStatus(cfn, StackId!);
      },
    },
    {
      id: `${id}.delete`,
      label: `${label}: delete`,
      expected: 'DELETE_COMPLETE',
      targetMs,
      start: async (cfn, stack) => {
        const stackId = stackIds.get(stack);
        if (!stackId) throw new Error('the create step did not run');
        await deleteStack(cfn, stack);
        return async () => (await stackStatus(cfn, stackId)) ?? 'DELETE_COMPLETE';
      },
    },
  ];
  return [
    ...createThenDelete('independent100', '100 independent SSM parameters', (stack) => independent(stack, 100, 'value'), 1_000),
    ...createThenDelete('chain30', '30 SSM parameters, 10-deep DependsOn chain', (stack) => chained(stack, 30, 10)),
    {
      id: 'changeSet100',
      label: 'change set on a 100-parameter stack: create',
      expected: 'CREATE_COMPLETE',
      targetMs: 100,
      prepare: async (cfn, stack) => void stackIds.set(stack, await createStack(cfn, stack, independent(stack, 100, 'value'))),
      start: async (cfn, stack) => {
        const input = { StackName: stack, ChangeSetName: 'bench', TemplateBody: body(independent(stack, 100, 'changed')), ChangeSetType: 'UPDATE' as const };
        const { Id } = await cfn.client.send(new cfn.sdk.CreateChangeSetCommand(input));
        return async () => (await cfn.client.send(new cfn.sdk.DescribeChangeSetCommand({ ChangeSetName: Id! }))).Status;
      },
    },
    {
      id: 'changeSet100.execute',
      label: 'change set on a 100-parameter stack: execute',
      expected: 'UPDATE_COMPLETE',
      start: async (cfn, stack) => {
        await cfn.client.send(new cfn.sdk.ExecuteChangeSetCommand({ StackName: stack, ChangeSetName: 'bench' }));
        return () => stackStatus(cfn, stackIds.get(stack)!);
      },
      cleanup: deleteStack,
    },
    {
      id: 'failedUpdate50',
      label: 'failed update of 50 SSM parameters, rolled back',
      expected: 'UPDATE_ROLLBACK_COMPLETE',
      prepare: async (cfn, stack) => void stackIds.set(stack, await createStack(cfn, stack, independent(stack, 50, 'value'))),
      start: async (cfn, stack) => {
        await cfn.client.send(new cfn.sdk.UpdateStackCommand({ StackName: stack, TemplateBody: body(failingUpdate(stack, 50)) }));
        return () => stackStatus(cfn, stackIds.get(stack)!);
      },
      cleanup: deleteStack,
    },
  ];
}

function summarize(samples: number[], statuses: string[], expected: string): Outcome {
  const wrong = statuses.find((status) => status !== expected);
  if (wrong !== undefined) return { error: `ended ${wrong}, not ${expected}` };
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return { samples: sorted.length, medianMs: round(sorted[Math.floor(sorted.length / 2)]!), minMs: round(sorted[0]!), maxMs: round(sorted.at(-1)!), finalStatus: statuses[0]! };
}

/**
 * Every scenario `repeats` times against one server. A scenario's steps that share a stack (create
 * then delete, change set then execute) run in order on the same stack name for each repeat.
 */
async function measure(target: RunningTarget, repeats: number, log: (line: string) => void): Promise<Map<string, Outcome>> {
  const sdk = await import('@aws-sdk/client-cloudformation');
  const client = new sdk.CloudFormationClient({
    endpoint: `http://${HOST}:${target.port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  const cfn: Cfn = { client, sdk };
  const samples = new Map<string, { times: number[]; statuses: string[]; error?: string }>();
  try {
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const scenario of scenarios()) {
        const record = samples.get(scenario.id) ?? { times: [], statuses: [] };
        samples.set(scenario.id, record);
        if (record.error) continue;
        const stack = `bench-${scenario.id.split('.')[0]}-${repeat}`;
        try {
          await scenario.prepare?.(cfn, stack);
          const sent = performance.now();
          const status = await finalStatus(await scenario.start(cfn, stack));
          record.times.push(performance.now() - sent);
          record.statuses.push(status);
          await scenario.cleanup?.(cfn, stack);
        } catch (err) {
          record.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        }
        log(`${target.name.padEnd(8)} ${scenario.label} #${repeat + 1}: ${record.error ?? `${record.times.at(-1)?.toFixed(1)} ms ${record.statuses.at(-1)}`}`);
      }
    }
  } finally {
    client.destroy();
  }
  const expected = new Map(scenarios().map((s) => [s.id, s.expected]));
  return new Map([...samples].map(([id, record]) => [id, record.error ? { error: record.error } : summarize(record.times, record.statuses, expected.get(id)!)]));
}

export async function cloudFormationBench(repeats = DEFAULT_REPEATS, log: (line: string) => void = () => {}): Promise<CloudFormationBenchResults> {
  const outcomes: Record<string, Map<string, Outcome>> = {};
  const servers: CloudFormationBenchResults['servers'] = [];
  for (const [key, start] of [
    ['drydock', startDrydock],
    ['moto', startMoto],
  ] as const) {
    const target = await start(await freePort());
    servers.push({ name: target.name, version: target.version });
    try {
      outcomes[key] = await measure(target, repeats, log);
    } finally {
      await target.stop();
    }
  }
  const results = scenarios().map(
    (s): ScenarioResult => ({
      id: s.id,
      label: s.label,
      expected: s.expected,
      targetMs: s.targetMs,
      drydock: outcomes.drydock!.get(s.id)!,
      moto: outcomes.moto!.get(s.id)!,
    }),
  );
  return { repeats, servers, scenarios: results };
}

export function formatCloudFormationBench(r: CloudFormationBenchResults): string {
  const cell = (o: Outcome) => ('error' in o ? `failed: ${o.error}` : `${o.medianMs} ms (min ${o.minMs}, max ${o.maxMs})`);
  const lines = [`CloudFormation stack operations to their final status (median of ${r.repeats}, polling every ${POLL_MS} ms; ${r.servers.map((s) => `${s.name} ${s.version}`).join(', ')})`];
  for (const s of r.scenarios) {
    const target = s.targetMs === undefined || 'error' in s.drydock ? '' : ` | target < ${s.targetMs} ms ${s.drydock.medianMs < s.targetMs ? 'met' : 'MISSED'}`;
    const ratio = 'error' in s.drydock || 'error' in s.moto ? '' : ` | moto takes ${(s.moto.medianMs / s.drydock.medianMs).toFixed(1)}x Drydock's time`;
    lines.push(`  ${s.label} (${s.expected})`, `    Drydock ${cell(s.drydock)}${target}`, `    moto    ${cell(s.moto)}${ratio}`);
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--repeats');
  const repeats = at > 0 ? Number(process.argv[at + 1]) : DEFAULT_REPEATS;
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error('--repeats needs a positive integer');
  cloudFormationBench(repeats, (line) => process.stderr.write(`${line}\n`)).then(
    (results) => process.stdout.write(`${formatCloudFormationBench(results)}\n`),
    (err: unknown) => {
      process.stderr.write(`cloudformation bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
