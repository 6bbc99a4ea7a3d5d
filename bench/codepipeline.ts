/**
 * CodePipeline in the benchmark (Drydock processes; moto runs no pipelines, so it is only beside the
 * read rows of codepipeline-api.ts):
 *
 * - git push → execution InProgress: a CodeCommit source (PollForSourceChanges false) started by the
 *   rule AWS's console creates ("CodeCommit Repository State Change", referenceUpdated on main →
 *   StartPipelineExecution through a role), then one-commit `git push`es over Drydock's smart HTTP;
 *   ListPipelineExecutions is polled from the push's start, and a sample is the first answer listing
 *   the new execution, timed from the push's start and from git's exit (target < 200 ms).
 * - Engine overhead per action: 10 stages of no-op custom actions, completed by a job worker in this
 *   process (PollForJobs → AcknowledgeJob → PutJobSuccessResult). Every built-in provider does real
 *   work (CodeBuild a sandbox, Lambda a runtime process, Approval a person, CloudFormation a stack,
 *   S3 deploy and the sources artifact zips), so a custom action is the only one whose own cost is
 *   nothing but its worker's. The engine's own steps are the execution's wall time (startTime →
 *   lastUpdateTime) during which no action is under way (ListActionExecutions' startTime →
 *   lastUpdateTime), on the engine's clock alone; per action (target < 20 ms). Beside it, the wall
 *   time less the worker's own time (its poll answer → PutJobSuccessResult answered), which adds
 *   the polling wait a job-worker protocol has by nature (action start → the poll that takes its
 *   job). The same with stages of two runOrder groups of three parallel actions.
 * - The example (examples/pipeline-demo): pipeline.yaml deployed with CreateStack, the app pushed,
 *   the approval given as soon as it is asked, until the app's stack is CREATE_COMPLETE and the
 *   validating Lambda passed; each stage's time from ListActionExecutions.
 * - Read throughput beside moto and the floor (codepipeline-api.ts).
 *
 * `node dist/bench/codepipeline.js [--pushes N] [--executions N] [--no-demo] [--no-api]` runs this
 * section alone; `npm run bench` runs it with the rest.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGE_ROOT } from '../src/core/paths.js';
import { type ApiRow, codePipelineApiRows, formatApiRows } from './codepipeline-api.js';
import { EMPTY_POLL_PAUSE_MS, type EngineLayoutResult, engineOverhead } from './codepipeline-engine.js';
import { type Clients, connect, errorText, executions, GIVE_UP_MS, git, remote, role, type Spread, settled, sleep, spread, versionedBucket } from './codepipeline-setup.js';
import type { TargetCheck } from './report.js';
import { freePort, startDrydock } from './servers.js';

/**
 * AWS's goal for a push to start its pipeline. Checked at p90 of the listed figure: on a shared
 * machine one stalled poll (the execution's own startTime shows it started on time) would decide a max.
 */
const PUSH_TARGET_MS = 200;
const ACTION_OVERHEAD_TARGET_MS = 20;
/** ListPipelineExecutions' polling interval while a push is under way. */
const PUSH_POLL_MS = 2;
const DEMO_POLL_MS = 100;

interface CodePipelineBenchOptions {
  /** Measured pushes (after two unmeasured ones). */
  pushes: number;
  /** Measured executions per layout (after CreatePipeline's own). */
  executions: number;
  demo: boolean;
  api: boolean;
}

const DEFAULT_CODEPIPELINE_BENCH: CodePipelineBenchOptions = { pushes: 20, executions: 5, demo: true, api: true };

type Section<T> = T | { error: string };

export interface CodePipelineBenchResults {
  loadAverage: { start: number[]; end: number[] };
  push: Section<PushResult>;
  engine: Section<EngineLayoutResult[]>;
  demo?: Section<DemoResult>;
  api?: Section<ApiRow[]>;
}

interface PushResult {
  /** From git's exit to the first ListPipelineExecutions answer listing the push's execution; negative: listed before git exited. */
  fromPushExitMs: Spread;
  fromPushStartMs: Spread;
  /** The execution's own startTime (Drydock's clock, to the ms) less git's exit: the latency without the polling's resolution. */
  startTimeFromPushExitMs: Spread;
  listedBeforeGitExited: number;
  /** How long the one-commit pushes took. */
  pushMs: Spread;
  /** ListPipelineExecutions' round trips while polling: the resolution of the figures above. */
  pollRoundTripMs: Spread;
}

interface DemoResult {
  pipelineStackSeconds: number;
  status: string;
  /** From git's exit to the app stack's CREATE_COMPLETE event, and to the execution's end (after Validate). */
  pushToStackCompleteSeconds: number;
  pushToSucceededSeconds: number;
  stages: { name: string; status: string; seconds: number; startOffsetSeconds: number }[];
  /** How long the Approve stage waited for this bench's approval (it polls every DEMO_POLL_MS). */
  approvalWaitSeconds: number;
}

// --- git push → execution InProgress ------------------------------------------------------------

const SOURCE_CODECOMMIT = { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' } as const;

async function pushToInProgress(k: Clients, port: number, work: string, pushes: number): Promise<PushResult> {
  const name = 'bench-push';
  const pipelineRole = await role(k, `${name}-pipeline`, 'codepipeline.amazonaws.com', '*');
  const eventsRole = await role(k, `${name}-events`, 'events.amazonaws.com', 'codepipeline:StartPipelineExecution');
  await versionedBucket(k, `${name}-artifacts`);
  const { repositoryMetadata } = await k.codecommit.send(new k.sdk.codecommit.CreateRepositoryCommand({ repositoryName: name }));
  const clone = join(work, name);
  await git(['init', '--quiet', '--initial-branch=main', clone], work);
  await git(['commit', '--quiet', '--allow-empty', '-m', 'first'], clone);
  await git(['push', '--quiet', remote(port, name), 'main:main'], clone);
  // The second stage holds every execution at a manual approval, so each one stays InProgress and the push's is easy to tell apart.
  await k.cp.send(
    new k.sdk.cp.CreatePipelineCommand({
      pipeline: {
        name,
        pipelineType: 'V2',
        roleArn: pipelineRole,
        artifactStore: { type: 'S3', location: `${name}-artifacts` },
        stages: [
          {
            name: 'Source',
            actions: [
              { name: 'Source', actionTypeId: SOURCE_CODECOMMIT, configuration: { RepositoryName: name, BranchName: 'main', PollForSourceChanges: 'false' }, outputArtifacts: [{ name: 'Code' }] },
            ],
          },
          { name: 'Hold', actions: [{ name: 'Hold', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } }] },
        ],
      },
    }),
  );
  await k.events.send(
    new k.sdk.events.PutRuleCommand({
      Name: `${name}-push`,
      EventPattern: JSON.stringify({
        source: ['aws.codecommit'],
        'detail-type': ['CodeCommit Repository State Change'],
        resources: [repositoryMetadata!.Arn],
        detail: { event: ['referenceCreated', 'referenceUpdated'], referenceType: ['branch'], referenceName: ['main'] },
      }),
    }),
  );
  const pipelineArn = `arn:aws:codepipeline:us-east-1:${repositoryMetadata!.accountId}:${name}`;
  await k.events.send(new k.sdk.events.PutTargetsCommand({ Rule: `${name}-push`, Targets: [{ Id: 'pipeline', Arn: pipelineArn, RoleArn: eventsRole }] }));
  await settled(k, name, 1);

  const fromExit: number[] = [];
  const fromStart: number[] = [];
  const startTimes: number[] = [];
  const pushMs: number[] = [];
  const roundTrips: number[] = [];
  for (let i = 0; i < pushes + 2; i++) {
    await git(['commit', '--quiet', '--allow-empty', '-m', `push ${i}`], clone);
    const known = new Set((await executions(k, name)).map((s) => s.pipelineExecutionId));
    const startedAt = performance.now();
    const pushing = git(['push', '--quiet', remote(port, name), 'main:main'], clone);
    let seenAt: number | undefined;
    let startTime: Date | undefined;
    while (seenAt === undefined) {
      const asked = performance.now();
      const summaries = await executions(k, name);
      const answered = performance.now();
      roundTrips.push(answered - asked);
      const fresh = summaries.find((s) => !known.has(s.pipelineExecutionId));
      if (fresh) {
        if (fresh.status !== 'InProgress') throw new Error(`the push's execution ${fresh.pipelineExecutionId} was first listed ${fresh.status}`);
        seenAt = answered;
        startTime = fresh.startTime;
      } else if (answered - startedAt > 10_000) throw new Error(`no execution within 10 s of push ${i}`);
      else await sleep(PUSH_POLL_MS);
    }
    const { exitedAt } = await pushing;
    if (i < 2) continue; // the first pushes warm git's and the server's paths
    fromExit.push(seenAt - exitedAt);
    fromStart.push(seenAt - startedAt);
    // git's exit on the wall clock, which Drydock's clock follows when it is not warped.
    startTimes.push(startTime!.getTime() - (Date.now() - (performance.now() - exitedAt)));
    pushMs.push(exitedAt - startedAt);
  }
  return {
    fromPushExitMs: spread(fromExit),
    fromPushStartMs: spread(fromStart),
    startTimeFromPushExitMs: spread(startTimes),
    listedBeforeGitExited: fromExit.filter((ms) => ms <= 0).length,
    pushMs: spread(pushMs),
    pollRoundTripMs: spread(roundTrips),
  };
}

// --- the example ----------------------------------------------------------------------------------

const DEMO = 'pipeline-demo';

async function demo(k: Clients, port: number, work: string): Promise<DemoResult> {
  const deployStarted = performance.now();
  const templateBody = readFileSync(join(PACKAGE_ROOT, 'examples', 'pipeline-demo', 'pipeline.yaml'), 'utf8');
  const { StackId } = await k.cfn.send(
    new k.sdk.cfn.CreateStackCommand({
      StackName: `${DEMO}-pipeline`,
      TemplateBody: templateBody,
      Capabilities: ['CAPABILITY_IAM'],
      Parameters: [{ ParameterKey: 'RepositoryName', ParameterValue: DEMO }],
    }),
  );
  for (;;) {
    const status = (await k.cfn.send(new k.sdk.cfn.DescribeStacksCommand({ StackName: StackId }))).Stacks?.[0]?.StackStatus;
    if (status === 'CREATE_COMPLETE') break;
    if (!status?.endsWith('_IN_PROGRESS')) throw new Error(`the pipeline stack ended ${status}`);
    await sleep(DEMO_POLL_MS);
  }
  const pipelineStackSeconds = (performance.now() - deployStarted) / 1000;
  // CreatePipeline's own execution fails at Source (main does not exist yet): the push's is the next one.
  const known = new Set((await settled(k, DEMO)).map((s) => s.pipelineExecutionId));

  const app = join(work, 'demo-app');
  cpSync(join(PACKAGE_ROOT, 'examples', 'pipeline-demo', 'app'), app, { recursive: true });
  await git(['init', '--quiet', '--initial-branch=main'], app);
  await git(['add', '-A'], app);
  await git(['commit', '--quiet', '-m', 'The greeting app'], app);
  await git(['push', '--quiet', remote(port, DEMO), 'main'], app);
  const pushedAt = Date.now();

  let executionId: string | undefined;
  let approvedAt: number | undefined;
  const until = performance.now() + GIVE_UP_MS;
  for (;;) {
    if (performance.now() > until) throw new Error(`the demo's execution did not end within ${GIVE_UP_MS / 1000} s`);
    await sleep(DEMO_POLL_MS);
    executionId ??= (await executions(k, DEMO)).find((s) => !known.has(s.pipelineExecutionId))?.pipelineExecutionId;
    if (!executionId) continue;
    const { pipelineExecution } = await k.cp.send(new k.sdk.cp.GetPipelineExecutionCommand({ pipelineName: DEMO, pipelineExecutionId: executionId }));
    if (pipelineExecution?.status !== 'InProgress') break;
    if (approvedAt !== undefined) continue;
    const approve = (await k.cp.send(new k.sdk.cp.GetPipelineStateCommand({ name: DEMO }))).stageStates?.find((s) => s.stageName === 'Approve');
    const token = approve?.actionStates?.[0]?.latestExecution?.token;
    if (approve?.latestExecution?.pipelineExecutionId !== executionId || approve.latestExecution.status !== 'InProgress' || !token) continue;
    await k.cp.send(
      new k.sdk.cp.PutApprovalResultCommand({ pipelineName: DEMO, stageName: 'Approve', actionName: 'Release', token, result: { status: 'Approved', summary: 'Approved by the bench' } }),
    );
    approvedAt = Date.now();
  }

  const summary = (await executions(k, DEMO)).find((s) => s.pipelineExecutionId === executionId)!;
  const { actionExecutionDetails = [] } = await k.cp.send(new k.sdk.cp.ListActionExecutionsCommand({ pipelineName: DEMO, filter: { pipelineExecutionId: executionId } }));
  const stages = new Map<string, { status: string; start: number; end: number }>();
  for (const d of actionExecutionDetails) {
    const stage = stages.get(d.stageName!) ?? { status: d.status!, start: d.startTime!.getTime(), end: d.lastUpdateTime!.getTime() };
    stages.set(d.stageName!, {
      status: d.status === 'Succeeded' ? stage.status : d.status!,
      start: Math.min(stage.start, d.startTime!.getTime()),
      end: Math.max(stage.end, d.lastUpdateTime!.getTime()),
    });
  }
  const events = (await k.cfn.send(new k.sdk.cfn.DescribeStackEventsCommand({ StackName: `${DEMO}-app` }))).StackEvents ?? [];
  const complete = events.find((e) => e.ResourceType === 'AWS::CloudFormation::Stack' && e.ResourceStatus === 'CREATE_COMPLETE');
  if (!complete) throw new Error(`the app stack has no CREATE_COMPLETE event; execution ${executionId} ended ${summary.status}`);
  const approveStart = stages.get('Approve')?.start;
  return {
    pipelineStackSeconds,
    status: summary.status!,
    pushToStackCompleteSeconds: (complete.Timestamp!.getTime() - pushedAt) / 1000,
    pushToSucceededSeconds: (summary.lastUpdateTime!.getTime() - pushedAt) / 1000,
    stages: [...stages]
      .map(([name, s]) => ({ name, status: s.status, seconds: (s.end - s.start) / 1000, startOffsetSeconds: (s.start - pushedAt) / 1000 }))
      .sort((a, b) => a.startOffsetSeconds - b.startOffsetSeconds),
    approvalWaitSeconds: approvedAt !== undefined && approveStart !== undefined ? (approvedAt - approveStart) / 1000 : Number.NaN,
  };
}

// --- the section ----------------------------------------------------------------------------------

async function section<T>(run: () => Promise<T>, log: (line: string) => void, what: string): Promise<Section<T>> {
  try {
    return await run();
  } catch (err) {
    log(`codepipeline bench, ${what}: ${errorText(err)}`);
    return { error: errorText(err) };
  }
}

export async function codePipelineBench(options: CodePipelineBenchOptions = DEFAULT_CODEPIPELINE_BENCH, log: (line: string) => void = () => {}): Promise<CodePipelineBenchResults> {
  const start = loadavg();
  const work = mkdtempSync(join(tmpdir(), 'drydock-bench-codepipeline-'));
  const drydock = await startDrydock(await freePort());
  let measured: Pick<CodePipelineBenchResults, 'push' | 'engine' | 'demo'>;
  try {
    const k = await connect(drydock.port);
    try {
      const push = await section(() => pushToInProgress(k, drydock.port, work, options.pushes), log, 'push');
      log(`codepipeline: push figures done`);
      const engine = await section(() => engineOverhead(k, options.executions), log, 'engine');
      log(`codepipeline: engine figures done`);
      const demoResult = options.demo ? await section(() => demo(k, drydock.port, work), log, 'demo') : undefined;
      measured = { push, engine, ...(demoResult ? { demo: demoResult } : {}) };
    } finally {
      k.destroy();
    }
  } finally {
    await drydock.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const api = options.api ? await section(() => codePipelineApiRows(log), log, 'api') : undefined;
  return { loadAverage: { start, end: loadavg() }, ...measured, ...(api ? { api } : {}) };
}

const ms = (s: Spread) => `p50 ${s.p50.toFixed(1)} ms, p90 ${s.p90.toFixed(1)} ms, max ${s.max.toFixed(1)} ms`;
const verdict = (met: boolean) => (met ? 'met' : 'MISSED');

export function codePipelineTargets(r: CodePipelineBenchResults): TargetCheck[] {
  const push = 'error' in r.push ? undefined : r.push.fromPushExitMs;
  const engine = 'error' in r.engine ? undefined : r.engine[0]?.engineMsPerAction;
  return [
    {
      name: 'git push -> pipeline InProgress, p90',
      target: `< ${PUSH_TARGET_MS} ms`,
      value: push ? `${push.p90.toFixed(1)} ms after git exited (max ${push.max.toFixed(1)}, ${push.samples} pushes)` : 'not measured',
      met: push ? push.p90 < PUSH_TARGET_MS : undefined,
    },
    {
      name: 'Pipeline engine overhead per action',
      target: `< ${ACTION_OVERHEAD_TARGET_MS} ms`,
      value: engine ? `${engine.p50.toFixed(1)} ms (p50 of ${engine.samples} 10-action executions)` : 'not measured',
      met: engine ? engine.p50 < ACTION_OVERHEAD_TARGET_MS : undefined,
    },
  ];
}

export function formatCodePipelineBench(r: CodePipelineBenchResults): string {
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  const out = [`CodePipeline (Drydock process, SDK clients and git; load average ${load(r.loadAverage.start)} at start, ${load(r.loadAverage.end)} at end):`];
  if ('error' in r.push) out.push(`  git push -> execution InProgress: failed: ${r.push.error}`);
  else {
    const p = r.push;
    out.push(
      `  git push -> execution listed InProgress by ListPipelineExecutions (console rule -> StartPipelineExecution; ${p.fromPushExitMs.samples} one-commit pushes, polled every ${PUSH_POLL_MS} ms, poll round trip p50 ${p.pollRoundTripMs.p50.toFixed(1)} ms):`,
      `    from git's exit:  ${ms(p.fromPushExitMs)}; ${p.listedBeforeGitExited} of ${p.fromPushExitMs.samples} listed before git exited (target < ${PUSH_TARGET_MS} ms: ${verdict(p.fromPushExitMs.p90 < PUSH_TARGET_MS)} at p90)`,
      `    from git's start: ${ms(p.fromPushStartMs)}; the push itself took ${ms(p.pushMs)}`,
      `    the execution's own startTime less git's exit (no polling in it): ${ms(p.startTimeFromPushExitMs)}`,
    );
  }
  if ('error' in r.engine) out.push(`  engine overhead: failed: ${r.engine.error}`);
  else {
    out.push(`  Engine overhead, no-op custom actions completed by a job worker in the bench (medians over executions):`);
    for (const e of r.engine) {
      out.push(
        `    ${e.label} (${e.actions} actions, ${e.groups} runOrder groups, ${e.wallMs.samples} executions): wall p50 ${e.wallMs.p50.toFixed(0)} ms (max ${e.wallMs.max.toFixed(0)})`,
        `      engine's own steps (its timestamps; no action under way): ${e.engineMsPerAction.p50.toFixed(1)} ms per action, ${e.engineMsPerGroup.p50.toFixed(1)} ms per runOrder group ` +
          `| target < ${ACTION_OVERHEAD_TARGET_MS} ms per action: ${verdict(e.engineMsPerAction.p50 < ACTION_OVERHEAD_TARGET_MS)}`,
        `      wall less the worker's own time: ${e.wallLessWorkerMsPerAction.p50.toFixed(1)} ms per action = the engine's steps + the polling wait (a job waits ${e.pollWaitMsPerAction.p50.toFixed(1)} ms ` +
          `from its action's start for the worker's next PollForJobs; empty poll round trip p50 ${e.emptyPollMs.p50.toFixed(1)} ms, then a ${EMPTY_POLL_PAUSE_MS} ms pause)`,
        `      the worker's own time: ${e.workerMsPerAction.p50.toFixed(1)} ms per action (poll answer -> AcknowledgeJob -> PutJobSuccessResult answered)`,
      );
    }
  }
  if (r.demo && 'error' in r.demo) out.push(`  examples/pipeline-demo: failed: ${r.demo.error}`);
  else if (r.demo) {
    const d = r.demo;
    out.push(
      `  examples/pipeline-demo (pipeline stack CREATE_COMPLETE in ${d.pipelineStackSeconds.toFixed(1)} s): push -> app stack CREATE_COMPLETE ${d.pushToStackCompleteSeconds.toFixed(1)} s, -> execution ${d.status} (Validate passed) ${d.pushToSucceededSeconds.toFixed(1)} s`,
      ...d.stages.map((s) => `    ${s.name.padEnd(9)} ${s.status.padEnd(10)} ${s.seconds.toFixed(2).padStart(6)} s, started ${s.startOffsetSeconds.toFixed(2)} s after the push`),
      `    (Approve includes ${d.approvalWaitSeconds.toFixed(2)} s of the bench noticing it, polling every ${DEMO_POLL_MS} ms)`,
    );
  }
  if (r.api && 'error' in r.api) out.push(`  read throughput: failed: ${r.api.error}`);
  else if (r.api) out.push(...formatApiRows(r.api));
  return out.join('\n');
}

async function standalone(args: string[]): Promise<void> {
  const flag = (name: string, fallback: number) => {
    const at = args.indexOf(`--${name}`);
    return at >= 0 ? Number(args[at + 1]) : fallback;
  };
  const options: CodePipelineBenchOptions = {
    pushes: flag('pushes', DEFAULT_CODEPIPELINE_BENCH.pushes),
    executions: flag('executions', DEFAULT_CODEPIPELINE_BENCH.executions),
    demo: !args.includes('--no-demo'),
    api: !args.includes('--no-api'),
  };
  const started = performance.now();
  const results = await codePipelineBench(options, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${formatCodePipelineBench(results)}\n  (section ran ${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  standalone(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`codepipeline bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
