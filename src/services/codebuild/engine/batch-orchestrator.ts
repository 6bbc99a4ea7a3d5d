/**
 * The batch build orchestrator. A batch is a durable job (enqueued with the batch record) that walks
 * AWS's batch phases: SUBMITTED → DOWNLOAD_BATCHSPEC (the buildspec's `batch` section is read, from
 * the inline buildspec or from a checkout of the primary source, and expanded into build groups) →
 * IN_PROGRESS (the groups' builds are started through StartBuild's own path, a group only once every
 * group it depends on succeeded or may fail) → SUCCEEDED, FAILED or STOPPED. The orchestrator follows
 * its builds through the store, woken by their "CodeBuild Build State Change" events (and, at the
 * least, every POLL_MS of Drydock time), so a restart resumes it where the records stand: a build
 * started is recorded in the same transaction as the group that started it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as CB from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import { AwsError } from '../../../core/errors.js';
import { type Task, tasksOf } from '../buildspec/batch.js';
import { buildspecLocation, readBuildspec } from '../buildspec/load.js';
import { BuildPhaseError, type BuildRun, type Buildspec, type CodeBuildContext } from '../common.js';
import { type BatchPlan, type BatchRow, type BatchStore, batchOf, type PlannedBuild, planOf } from '../store/batch-store.js';
import { type BuildStore, buildOf } from '../store/build-store.js';
import { fetchSources } from './source.js';

export const BATCH_JOB = 'codebuild.batch';

/** The orchestrator re-reads its builds at least this often (Drydock time), events or not. */
const POLL_MS = 1000;

const key = (scope: Scope, id: string) => `${scope.account}/${scope.region}/${id}`;

/** How the orchestrator checks, starts and stops the builds of a batch, exactly as StartBuild and StopBuild do (implemented by the build operations). */
export interface BuildStarter {
  /** The project a StartBuild with `input` would run (overrides applied and checked; AWS errors otherwise). */
  effectiveProject(scope: Scope, input: CB.StartBuildInput): CB.Project;
  /** Starts a build of the batch `buildBatchArn` as StartBuild does, for `initiator`. */
  startBuild(scope: Scope, input: CB.StartBuildInput, extra: { initiator: string; buildBatchArn: string }): CB.Build;
  stopBuild(scope: Scope, id: string): Promise<void>;
}

function taskInput(base: CB.StartBuildInput, task: Task): CB.StartBuildInput {
  const variables = new Map((base.environmentVariablesOverride ?? []).map((v) => [v.name!, v]));
  for (const [name, value] of Object.entries(task.env.variables)) variables.set(name, { name, value, type: 'PLAINTEXT' });
  return {
    ...base,
    ...(task.buildspec !== undefined ? { buildspecOverride: task.buildspec } : {}),
    ...(variables.size ? { environmentVariablesOverride: [...variables.values()] } : {}),
    ...(task.env.image !== undefined ? { imageOverride: task.env.image } : {}),
    ...(task.env.computeType !== undefined ? { computeTypeOverride: task.env.computeType as CB.ComputeType } : {}),
    ...(task.env.type !== undefined ? { environmentTypeOverride: task.env.type as CB.EnvironmentType } : {}),
    ...(task.env.privilegedMode !== undefined ? { privilegedModeOverride: task.env.privilegedMode } : {}),
    ...(task.debugSession !== undefined ? { debugSessionEnabled: task.debugSession } : {}),
  };
}

export function begin(batch: CB.BuildBatch, type: CB.BuildBatchPhaseType, now: Date): void {
  batch.currentPhase = type;
  batch.phases!.push({ phaseType: type, startTime: now });
}

export function finishBatchPhase(batch: CB.BuildBatch, status: CB.StatusType, now: Date, contexts?: CB.PhaseContext[]): void {
  const phase = batch.phases![batch.phases!.length - 1];
  phase.endTime = now;
  phase.durationInSeconds = Math.max(0, Math.round((now.getTime() - phase.startTime!.getTime()) / 1000));
  phase.phaseStatus = status;
  if (contexts) phase.contexts = contexts;
}

/** The batch's last phase, named after its outcome (a batch ends on SUCCEEDED, FAILED or STOPPED, never COMPLETED). */
function complete(batch: CB.BuildBatch, status: CB.StatusType, now: Date): void {
  begin(batch, status === 'SUCCEEDED' ? 'SUCCEEDED' : status === 'STOPPED' ? 'STOPPED' : 'FAILED', now);
  batch.buildBatchStatus = status;
  batch.endTime = now;
  batch.complete = true;
}

export const PENDING = 'PENDING' as CB.StatusType;

function summaryOf(build: CB.Build, identifier: string): CB.BuildSummary {
  return {
    arn: build.arn,
    requestedOn: build.startTime,
    buildStatus: build.buildStatus,
    ...(build.buildComplete && build.artifacts?.location ? { primaryArtifact: { type: 'S3', location: build.artifacts.location, identifier } } : {}),
    ...(build.buildComplete ? { secondaryArtifacts: (build.secondaryArtifacts ?? []).map((a) => ({ type: 'S3' as const, location: a.location, identifier: a.artifactIdentifier })) } : {}),
  };
}

export const buildIdOfArn = (buildArn: string) => buildArn.slice(buildArn.indexOf(':build/') + ':build/'.length);

export class BatchOrchestrator {
  /** Batches this process is running: how to wake each one while it waits. */
  private readonly waiting = new Map<string, () => void>();
  /** Batches something happened to since their last look (a wake that came while they were busy). */
  private readonly dirty = new Set<string>();
  private readonly running = new Set<string>();
  /** Who waits for a batch's walk to end (StopBuildBatch), by batch key. */
  private readonly walkEnded = new Map<string, Set<() => void>>();

  private readonly batches: BatchStore;
  private readonly builds: BuildStore;

  constructor(
    private readonly c: CodeBuildContext,
    private readonly starter: BuildStarter,
  ) {
    this.batches = c.stores.batches;
    this.builds = c.stores.builds;
    c.rt.jobs.register(BATCH_JOB, (job) => this.run(job.payload as { account: string; region: string; id: string }));
    c.rt.events.subscribe((event) => {
      // A build finishing may let a group start or the batch end: every running batch looks.
      if (event.source === 'aws.codebuild' && event['detail-type'] === 'CodeBuild Build State Change' && event.detail['build-status'] !== 'IN_PROGRESS') {
        for (const k of this.running) this.poke(k);
      }
    });
  }

  wake(scope: Scope, id: string): void {
    this.poke(key(scope, id));
  }

  private poke(k: string): void {
    this.dirty.add(k);
    this.waiting.get(k)?.();
  }

  private get open(): boolean {
    return this.c.rt.store.db.open;
  }

  private now(): Date {
    return this.c.rt.clock.date();
  }

  /**
   * Resolves once the batch completed or after `graceMs` of Drydock time (StopBuildBatch answers
   * then, with the batch as it is). A walk that ends wakes the wait at once.
   */
  async settled(scope: Scope, id: string, graceMs: number): Promise<BatchRow | undefined> {
    const deadline = this.c.rt.clock.now() + graceMs;
    const k = key(scope, id);
    for (;;) {
      const row = this.batches.get(scope, id);
      if (!row || row.complete || this.c.rt.clock.now() >= deadline) return row;
      const aborter = new AbortController();
      const ended = new Promise<void>((wake) => {
        const listeners = this.walkEnded.get(k) ?? new Set();
        listeners.add(wake);
        this.walkEnded.set(k, listeners);
        aborter.signal.addEventListener('abort', () => listeners.delete(wake), { once: true });
      });
      await Promise.race([ended, this.c.rt.clock.sleepUntil(deadline, aborter.signal).catch(() => undefined)]);
      aborter.abort();
    }
  }

  private async run(payload: { account: string; region: string; id: string }): Promise<void> {
    const scope = { account: payload.account, region: payload.region };
    try {
      await this.runWalk(scope, payload);
    } finally {
      const k = key(scope, payload.id);
      for (const wake of this.walkEnded.get(k) ?? []) wake();
      this.walkEnded.delete(k);
    }
  }

  private async runWalk(scope: Scope, payload: { account: string; region: string; id: string }): Promise<void> {
    try {
      await this.walk(scope, payload.id);
    } catch (err) {
      if (!this.open) return;
      // A Drydock bug must not leave the batch IN_PROGRESS forever: it ends as FAULT, saying why.
      this.c.rt.log.error({ err, batch: payload.id }, 'CodeBuild batch orchestrator failed');
      const row = this.batches.get(scope, payload.id);
      if (!row || row.complete) return;
      const batch = batchOf(row);
      finishBatchPhase(batch, 'FAULT', this.now(), [{ statusCode: 'FAULT', message: err instanceof Error ? err.message : String(err) }]);
      complete(batch, 'FAULT', this.now());
      this.batches.update(scope, batch, planOf(row));
    }
  }

  /** Takes the batch through its phases from wherever its record stands. */
  private async walk(scope: Scope, id: string): Promise<void> {
    for (;;) {
      if (!this.open) return;
      const row = this.batches.get(scope, id);
      if (!row || row.complete) return;
      const batch = batchOf(row);
      const plan = planOf(row);
      if (batch.currentPhase === 'SUBMITTED') {
        finishBatchPhase(batch, 'SUCCEEDED', this.now());
        begin(batch, 'DOWNLOAD_BATCHSPEC', this.now());
        this.batches.update(scope, batch, plan);
      } else if (batch.currentPhase === 'DOWNLOAD_BATCHSPEC') {
        await this.downloadBatchspec(scope, batch, plan, row);
      } else if (batch.currentPhase === 'IN_PROGRESS') {
        // progress() sees the batch to its end; a RetryBuildBatch after that is a job of its own.
        await this.progress(scope, id);
        return;
      } else {
        return;
      }
    }
  }

  /** Reads the batch section and turns it into groups; a batchspec problem fails the batch here. */
  private async downloadBatchspec(scope: Scope, batch: CB.BuildBatch, plan: BatchPlan, row: BatchRow): Promise<void> {
    try {
      if (row.stop_requested) throw new BuildPhaseError('BUILD_BATCH_STOPPED', 'The batch build was stopped');
      const project = this.starter.effectiveProject(scope, plan.input);
      const spec = await this.loadBuildspec(scope, batch, project);
      const { fastFail, tasks } = tasksOf(spec.batch);
      const restrictions = batch.buildBatchConfig?.restrictions;
      if (restrictions?.maximumBuildsAllowed !== undefined && tasks.length > restrictions.maximumBuildsAllowed) {
        throw new BuildPhaseError(
          'CLIENT_ERROR',
          `Batch build contains ${tasks.length} builds, more than the maximum of ${restrictions.maximumBuildsAllowed} builds allowed by the project's batch restrictions`,
        );
      }
      const planned: PlannedBuild[] = [];
      for (const task of tasks) {
        const input = taskInput(plan.input, task);
        // Each build's overrides are checked now, as StartBuild would check them, so a bad one fails the batch before anything runs.
        const effective = this.starter.effectiveProject(scope, input);
        const computeType = effective.environment?.computeType;
        if (restrictions?.computeTypesAllowed?.length && !restrictions.computeTypesAllowed.includes(computeType!)) {
          throw new BuildPhaseError(
            'CLIENT_ERROR',
            `Build ${task.identifier} uses compute type ${computeType}, which the project's batch restrictions do not allow (allowed: ${restrictions.computeTypesAllowed.join(', ')})`,
          );
        }
        // AWS does not say whether fleetsAllowed lists names or ARNs: either matches. Builds on no fleet are not restricted.
        const fleetArn = effective.environment?.fleet?.fleetArn;
        const allowedFleets = restrictions?.fleetsAllowed ?? [];
        if (fleetArn !== undefined && allowedFleets.length && !allowedFleets.some((f) => f === fleetArn || f === fleetNameOf(fleetArn))) {
          throw new BuildPhaseError('CLIENT_ERROR', `Build ${task.identifier} runs on fleet ${fleetArn}, which the project's batch restrictions do not allow (allowed: ${allowedFleets.join(', ')})`);
        }
        planned.push({ identifier: task.identifier, input });
      }
      plan.fastFail = fastFail;
      plan.builds = planned;
      batch.buildGroups = tasks.map((t) => ({
        identifier: t.identifier,
        dependsOn: t.dependsOn,
        ignoreFailure: t.ignoreFailure,
        currentBuildSummary: { requestedOn: this.now(), buildStatus: PENDING },
      }));
      finishBatchPhase(batch, 'SUCCEEDED', this.now());
      begin(batch, 'IN_PROGRESS', this.now());
    } catch (err) {
      const stopped = err instanceof BuildPhaseError && err.statusCode === 'BUILD_BATCH_STOPPED';
      const contexts =
        err instanceof BuildPhaseError
          ? [{ statusCode: err.statusCode, message: err.message }]
          : err instanceof AwsError
            ? [{ statusCode: 'CLIENT_ERROR', message: `${err.code}: ${err.message}` }]
            : undefined;
      if (!contexts) throw err;
      finishBatchPhase(batch, stopped ? 'STOPPED' : 'FAILED', this.now(), stopped ? undefined : contexts);
      complete(batch, stopped ? 'STOPPED' : 'FAILED', this.now());
    }
    if (this.open) this.batches.update(scope, batch, plan);
  }

  /**
   * The buildspec the batch runs: inline (the project's or the override), an S3 object ARN, or a file
   * of the primary source, which is checked out for that (the resolved source version becomes the batch's).
   */
  private async loadBuildspec(scope: Scope, batch: CB.BuildBatch, project: CB.Project): Promise<Buildspec> {
    const location = buildspecLocation(project);
    if (location.kind !== 'file') return readBuildspec(this.c, scope, location, '');
    const workRoot = await mkdtemp(join(tmpdir(), 'drydock-batch-'));
    try {
      const srcDir = join(workRoot, 'src');
      const run: BuildRun = {
        scope,
        build: { id: batch.id, arn: batch.arn, sourceVersion: batch.sourceVersion, secondarySourceVersions: [] },
        // Only the primary source holds the buildspec.
        project: { ...project, secondarySources: [], secondarySourceVersions: [] },
        workRoot,
        srcDir,
        secondarySrcDirs: {},
        // A batch has no log stream of its own in AWS (its logConfig is its builds').
        log: () => undefined,
        stopping: false,
      };
      const sources = await fetchSources(this.c, run);
      if (sources.resolvedSourceVersion !== undefined) batch.resolvedSourceVersion = sources.resolvedSourceVersion;
      return await readBuildspec(this.c, scope, location, srcDir, (_path, relative) => `YAML file does not exist: ${relative}`);
    } finally {
      await rm(workRoot, { recursive: true, force: true });
    }
  }

  /** IN_PROGRESS: starts what may start, follows the builds, ends the batch once every group settled. */
  private async progress(scope: Scope, id: string): Promise<void> {
    const k = key(scope, id);
    this.running.add(k);
    try {
      for (;;) {
        if (!this.open) return;
        const row = this.batches.get(scope, id);
        if (!row || row.complete) return;
        this.dirty.delete(k);
        const next = await this.step(scope, batchOf(row), planOf(row), row.stop_requested === 1);
        if (next === 'done' || !this.open) return;
        if (next === 'again' || this.dirty.has(k)) continue;
        await new Promise<void>((wake) => {
          const timer = this.c.rt.clock.after(POLL_MS, wake);
          this.waiting.set(k, () => {
            timer.cancel();
            wake();
          });
        });
        this.waiting.delete(k);
      }
    } finally {
      this.running.delete(k);
      this.dirty.delete(k);
    }
  }

  /** One look at the batch: done once it completed, again right away after stopping builds, else wait for news. */
  private async step(scope: Scope, batch: CB.BuildBatch, plan: BatchPlan, stopRequested: boolean): Promise<'done' | 'again' | 'wait'> {
    const groups = batch.buildGroups ?? [];
    const byId = new Map(groups.map((g) => [g.identifier!, g]));
    let changed = false;
    // Builds that finished since the last look.
    for (const group of groups) {
      const summary = group.currentBuildSummary!;
      if (!summary.arn || summary.buildStatus !== 'IN_PROGRESS') continue;
      const buildRow = this.builds.get(scope, buildIdOfArn(summary.arn));
      // A build deleted under the batch can only have completed; without its record the batch counts it failed.
      const next = buildRow ? summaryOf(buildOf(buildRow), group.identifier!) : { ...summary, buildStatus: 'FAILED' as CB.StatusType };
      if (next.buildStatus !== summary.buildStatus) {
        group.currentBuildSummary = next;
        changed = true;
      }
    }
    const status = (g: CB.BuildGroup) => g.currentBuildSummary!.buildStatus!;
    const done = (g: CB.BuildGroup) => status(g) !== 'IN_PROGRESS' && status(g) !== PENDING;
    const failing = (g: CB.BuildGroup) => done(g) && status(g) !== 'SUCCEEDED' && !g.ignoreFailure;
    const timeout = batch.buildBatchConfig?.timeoutInMins;
    const timedOut = timeout !== undefined && this.c.rt.clock.now() >= batch.startTime!.getTime() + timeout * 60_000;
    const halt = stopRequested || timedOut || (plan.fastFail && groups.some(failing));

    // Groups that will never run: the batch stops, or a dependency failed without ignore-failure.
    for (const group of groups) {
      if (status(group) !== PENDING) continue;
      const blocked = group.dependsOn!.some((d) => failing(byId.get(d)!));
      if (halt || blocked) {
        group.currentBuildSummary = { requestedOn: group.currentBuildSummary!.requestedOn, buildStatus: halt && !blocked ? 'STOPPED' : 'FAILED' };
        changed = true;
      }
    }
    const running = groups.filter((g) => status(g) === 'IN_PROGRESS');
    if (halt && running.length) {
      if (changed) this.batches.update(scope, batch, plan);
      // Stopping waits for each build to end; the next look records how they ended.
      await Promise.all(running.map((g) => this.starter.stopBuild(scope, buildIdOfArn(g.currentBuildSummary!.arn!))));
      return 'again';
    }
    // Groups whose dependencies all succeeded (or may fail) start now, each in one transaction with its record.
    for (const group of groups) {
      if (status(group) !== PENDING || !group.dependsOn!.every((d) => done(byId.get(d)!))) continue;
      const planned = plan.builds.find((b) => b.identifier === group.identifier)!;
      try {
        this.batches.tx(() => {
          const build = this.starter.startBuild(scope, { ...planned.input, projectName: batch.projectName }, { initiator: batch.initiator!, buildBatchArn: batch.arn! });
          group.currentBuildSummary = summaryOf(build, group.identifier!);
          this.batches.update(scope, batch, plan);
        });
      } catch (err) {
        if (!(err instanceof AwsError)) throw err;
        // StartBuild refused (the project went away, the account's build limit): the group fails, as AWS's StartBuild call would.
        this.c.rt.log.warn({ err, batch: batch.id, group: group.identifier }, 'CodeBuild batch could not start a build');
        group.currentBuildSummary = { requestedOn: this.now(), buildStatus: 'FAILED' };
      }
      changed = true;
    }
    if (groups.every(done)) {
      const now = this.now();
      const outcome: CB.StatusType = stopRequested ? 'STOPPED' : timedOut ? 'TIMED_OUT' : groups.some(failing) ? 'FAILED' : 'SUCCEEDED';
      finishBatchPhase(batch, outcome, now, timedOut && !stopRequested ? [{ statusCode: 'BUILD_BATCH_TIMED_OUT', message: `The batch build exceeded its timeout of ${timeout} minutes` }] : undefined);
      complete(batch, outcome, now);
      this.batches.update(scope, batch, plan);
      return 'done';
    }
    if (changed) this.batches.update(scope, batch, plan);
    return 'wait';
  }
}

/** The name in a fleet ARN (`…:fleet/<name>:<uuid>`). */
function fleetNameOf(fleetArn: string): string {
  const resource = fleetArn.slice(fleetArn.indexOf(':fleet/') + ':fleet/'.length);
  return resource.slice(0, resource.lastIndexOf(':'));
}
