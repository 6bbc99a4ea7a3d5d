/**
 * The CodePipeline engine's overhead per action (see codepipeline.ts): pipelines of no-op custom
 * actions that a job worker in the bench process completes. Timestamps across the two processes
 * are Date.now() on both sides (the server's clock is the wall clock when not warped), to the ms.
 */
import type * as CP from '@aws-sdk/client-codepipeline';
import { type Clients, executions, GIVE_UP_MS, role, type Spread, settled, sleep, spread, versionedBucket } from './codepipeline-setup.js';

/** The worker's pause after a PollForJobs that found nothing: a tight loop that leaves the server's event loop room. */
export const EMPTY_POLL_PAUSE_MS = 1;

export interface EngineLayoutResult {
  label: string;
  stages: number;
  actions: number;
  /** runOrder groups in all: the steps the engine takes one after the other. */
  groups: number;
  wallMs: Spread;
  /**
   * The engine's own steps, from its timestamps alone (one clock): the execution's wall time during
   * which no action is under way (each action from ListActionExecutions' startTime to its
   * lastUpdateTime), per action and per runOrder group.
   */
  engineMsPerAction: Spread;
  engineMsPerGroup: Spread;
  /** The wall time the worker does not hold a job (its own time taken out), per action: the engine's steps plus the polling wait. */
  wallLessWorkerMsPerAction: Spread;
  /** An action's startTime → the worker's poll answer holding its job (mean of an execution's actions). */
  pollWaitMsPerAction: Spread;
  /** The worker's poll answer → its PutJobSuccessResult answered (mean of an execution's actions). */
  workerMsPerAction: Spread;
  /** Round trips of the worker's empty PollForJobs calls. */
  emptyPollMs: Spread;
}

// --- engine overhead with no-op custom actions ---------------------------------------------------

const NOOP_SOURCE = { category: 'Source', owner: 'Custom', provider: 'BenchNoopSource', version: '1' } as const;
const NOOP = { category: 'Test', owner: 'Custom', provider: 'BenchNoop', version: '1' } as const;

/** The job worker: polls each type in a loop and answers every job at once; records when it held each action's job (Date.now(), the server's clock too). */
class NoopWorker {
  readonly held = new Map<string, { receivedAt: number; doneAt: number }>();
  readonly emptyPolls: number[] = [];
  private stopped = false;
  private readonly loops: Promise<void>[];

  constructor(private readonly k: Clients) {
    this.loops = [NOOP_SOURCE, NOOP].map((type) => this.loop(type));
  }

  private async loop(actionTypeId: CP.ActionTypeId): Promise<void> {
    while (!this.stopped) {
      const asked = performance.now();
      const { jobs = [] } = await this.k.cp.send(new this.k.sdk.cp.PollForJobsCommand({ actionTypeId, maxBatchSize: 10 }));
      const receivedAt = Date.now();
      if (jobs.length === 0) {
        this.emptyPolls.push(performance.now() - asked);
        await sleep(EMPTY_POLL_PAUSE_MS);
        continue;
      }
      await Promise.all(jobs.map((job) => this.complete(job, receivedAt)));
    }
  }

  private async complete(job: CP.Job, receivedAt: number): Promise<void> {
    await this.k.cp.send(new this.k.sdk.cp.AcknowledgeJobCommand({ jobId: job.id, nonce: job.nonce }));
    await this.k.cp.send(new this.k.sdk.cp.PutJobSuccessResultCommand({ jobId: job.id }));
    this.held.set(job.data!.pipelineContext!.action!.actionExecutionId!, { receivedAt, doneAt: Date.now() });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }
}

/** Total length of the union of [start, end] intervals. */
function covered(intervals: [number, number][]): number {
  let total = 0;
  let reach = Number.NEGATIVE_INFINITY;
  for (const [start, end] of [...intervals].sort((a, b) => a[0] - b[0])) {
    if (end <= reach) continue;
    total += end - Math.max(start, reach);
    reach = end;
  }
  return total;
}

interface Layout {
  label: string;
  stages: number;
  /** runOrder groups per stage, and actions per group. */
  groups: number;
  width: number;
}

const LAYOUTS: Layout[] = [
  { label: '10 stages x 1 action', stages: 10, groups: 1, width: 1 },
  { label: '10 stages x 2 runOrder groups x 3 parallel actions', stages: 10, groups: 2, width: 3 },
];

function noopPipeline(name: string, roleArn: string, layout: Layout): CP.PipelineDeclaration {
  const stages = Array.from({ length: layout.stages }, (_, s) => ({
    name: `Stage${s + 1}`,
    actions: Array.from({ length: layout.groups * layout.width }, (_, a) => ({
      name: `Noop${a + 1}`,
      actionTypeId: s === 0 ? NOOP_SOURCE : NOOP,
      runOrder: Math.floor(a / layout.width) + 1,
    })),
  }));
  return { name, pipelineType: 'V2', roleArn, artifactStore: { type: 'S3', location: 'bench-engine-artifacts' }, stages };
}

/** One execution's figures, from the engine's timestamps and the worker's. */
async function engineSample(k: Clients, worker: NoopWorker, name: string, executionId: string) {
  const summary = (await executions(k, name)).find((s) => s.pipelineExecutionId === executionId)!;
  if (summary.status !== 'Succeeded') throw new Error(`execution ${executionId} of ${name} ended ${summary.status}`);
  const details: CP.ActionExecutionDetail[] = [];
  let nextToken: string | undefined;
  do {
    const page = await k.cp.send(new k.sdk.cp.ListActionExecutionsCommand({ pipelineName: name, filter: { pipelineExecutionId: executionId }, nextToken }));
    details.push(...(page.actionExecutionDetails ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const running: [number, number][] = [];
  const waiting: number[] = [];
  const working: [number, number][] = [];
  for (const detail of details) {
    const held = worker.held.get(detail.actionExecutionId!);
    if (!held) throw new Error(`the worker never held action ${detail.stageName}.${detail.actionName} of ${executionId}`);
    running.push([detail.startTime!.getTime(), detail.lastUpdateTime!.getTime()]);
    waiting.push(held.receivedAt - detail.startTime!.getTime());
    working.push([held.receivedAt, held.doneAt]);
  }
  const wall = summary.lastUpdateTime!.getTime() - summary.startTime!.getTime();
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  return {
    wall,
    engine: wall - covered(running),
    wallLessWorker: wall - covered(working),
    waitPerAction: mean(waiting),
    workPerAction: mean(working.map(([start, end]) => end - start)),
  };
}

export async function engineOverhead(k: Clients, runs: number): Promise<EngineLayoutResult[]> {
  const roleArn = await role(k, 'bench-engine', 'codepipeline.amazonaws.com', '*');
  await versionedBucket(k, 'bench-engine-artifacts');
  for (const type of [NOOP_SOURCE, NOOP]) {
    const artifacts = { minimumCount: 0, maximumCount: type === NOOP_SOURCE ? 1 : 0 };
    await k.cp.send(new k.sdk.cp.CreateCustomActionTypeCommand({ ...type, inputArtifactDetails: { minimumCount: 0, maximumCount: 0 }, outputArtifactDetails: artifacts }));
  }
  const results: EngineLayoutResult[] = [];
  for (const [index, layout] of LAYOUTS.entries()) {
    const worker = new NoopWorker(k);
    const name = `bench-engine-${index + 1}`;
    try {
      // CreatePipeline's own execution runs first, unmeasured: the warm-up.
      await k.cp.send(new k.sdk.cp.CreatePipelineCommand({ pipeline: noopPipeline(name, roleArn, layout) }));
      await settled(k, name);
      const samples = [];
      for (let run = 0; run < runs; run++) {
        const { pipelineExecutionId } = await k.cp.send(new k.sdk.cp.StartPipelineExecutionCommand({ name }));
        const until = performance.now() + GIVE_UP_MS;
        while ((await k.cp.send(new k.sdk.cp.GetPipelineExecutionCommand({ pipelineName: name, pipelineExecutionId }))).pipelineExecution?.status === 'InProgress') {
          if (performance.now() > until) throw new Error(`execution ${pipelineExecutionId} of ${name} is still InProgress`);
          await sleep(20);
        }
        samples.push(await engineSample(k, worker, name, pipelineExecutionId!));
      }
      const actions = layout.stages * layout.groups * layout.width;
      results.push({
        label: layout.label,
        stages: layout.stages,
        actions,
        groups: layout.stages * layout.groups,
        wallMs: spread(samples.map((s) => s.wall)),
        engineMsPerAction: spread(samples.map((s) => s.engine / actions)),
        engineMsPerGroup: spread(samples.map((s) => s.engine / (layout.stages * layout.groups))),
        wallLessWorkerMsPerAction: spread(samples.map((s) => s.wallLessWorker / actions)),
        pollWaitMsPerAction: spread(samples.map((s) => s.waitPerAction)),
        workerMsPerAction: spread(samples.map((s) => s.workPerAction)),
        emptyPollMs: spread(worker.emptyPolls),
      });
    } finally {
      await worker.stop();
    }
  }
  return results;
}
