/**
 * The build lifecycle. Each build is a durable job (enqueued by StartBuild in the same transaction
 * as the build record) that walks AWS's phases: QUEUED → PROVISIONING → DOWNLOAD_SOURCE → INSTALL
 * → PRE_BUILD → BUILD → POST_BUILD → UPLOAD_ARTIFACTS → FINALIZING → COMPLETED, persisting the
 * record and publishing events at every transition, so BatchGetBuilds shows live progress.
 *
 * - Builds wait in QUEUED while their project's concurrentBuildLimit or Drydock's global limit
 *   (2 × CPUs unless configured) is reached, first come first served, and time out there after
 *   queuedTimeoutInMinutes. A build on a reserved-capacity fleet also needs one of the fleet's
 *   baseCapacity slots; when all are taken it waits (overflowBehavior QUEUE) or runs without one
 *   (ON_DEMAND, on "on-demand" capacity).
 * - Each build gets a work root in the system temp directory (never inside the data directory,
 *   which the sandbox hides), its source in `<root>/src`, and one sandboxed shell session.
 * - StopBuild and timeoutInMinutes kill the session's whole process tree at once.
 * - A build that was past QUEUED when Drydock stopped comes back from the job queue as resumed and
 *   is failed explicitly; builds still queued simply continue.
 *
 * Time (timeouts, phase durations) is Drydock's clock, checked by a ticker, so time scaling and
 * /_drydock/time both move builds toward their timeouts.
 *
 * Sandboxes (sandbox-runner.ts) are runs of this runner too: they take the same slots (acquire),
 * are tracked in the same map, so the ticker, StopSandbox (end), reset and shutdown reach them.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Build, BuildPhase, BuildPhaseType, Fleet, PhaseContext, Project, StatusType } from '@aws-sdk/client-codebuild';
import { hex } from '../../../core/ids.js';

import { BuildPhaseError, BuildspecError, type Buildspec, type BuildRun, type CodeBuildContext } from '../common.js';
import type { Scope } from '../../../core/accounts.js';
import { BuildStore, buildOf, buildProjectOf } from '../store/build-store.js';
import { ProjectStore } from '../store/project-store.js';
import { FleetStore } from '../store/fleet-store.js';
import { buildspecLocation, readBuildspec } from '../buildspec/load.js';
import type { BuildShell } from './shell.js';
import { EnvironmentError, exportedVariables, secretMasker } from './environment.js';
import { containerLine, runBuildPhases, runtimeSelectionMessages } from './phases.js';
import {
  assumeServiceRole, builtinEnvironment, downloadSources, killLeftovers, prepareWorkRoot, resolveRunEnvironment, roleSessionSeconds, type RoleSession,
  secondarySourceDirs, startRunShell, workRootOf, inWorkRoot,
} from './provisioning.js';
import { uploadArtifacts } from './artifacts.js';
import { restoreCache, saveCache } from './cache.js';
import { collectReports } from '../reports/report-collector.js';
import { BuildLog, logTargets, logsLocation } from './build-logs.js';
import { publishPhaseChange, publishStateChange } from './build-events.js';

export const BUILD_JOB = 'codebuild.build';

/** How often running and queued builds are checked against their timeouts (real milliseconds). */
const TICK_MS = 100;
/** StopBuild answers once the build has completed or after this long (real milliseconds). */
export const STOP_WAIT_MS = 2000;

interface BuildJob {
  account: string;
  region: string;
  id: string;
}

export type EndReason = 'STOPPED' | 'TIMED_OUT';

/**
 * A build or sandbox this process is queuing or running: both hold the same global, project and
 * fleet slots, and the same ticker ends them at their timeouts.
 */
export interface Active {
  scope: Scope;
  /** The build's id, or `sandbox:<id>` for a sandbox (the two kinds share the map of active runs). */
  id: string;
  projectName: string;
  endReason?: EndReason;
  /** Set while queued: when the queued timeout hits (Drydock time). */
  queuedDeadline?: number;
  /** Set once out of the queue: when the build timeout hits (Drydock time). */
  deadline?: number;
  /** Set while waiting (queued, or a sandbox idle between commands): wakes it to notice a slot or a stop. */
  wake?: () => void;
  /** Holds one of the global and project slots (taken in acquire, given back in release). */
  slot: boolean;
  /** The reserved-capacity fleet the build runs on (its environment's fleetArn), if any. */
  fleetArn?: string;
  /** Holds one of that fleet's baseCapacity slots too (false: it overflowed to on-demand). */
  fleetSlot: boolean;
  shell?: BuildShell;
  done: Promise<void>;
}

/** Drydock is shutting down: the build or sandbox stays as it is (running) for the next start to settle. */
export class ShuttingDown extends Error {}

export interface RunnerOptions {
  /** Builds running at once across all projects; more wait in QUEUED. */
  globalLimit: number;
}

export class BuildRunner {
  private readonly builds: BuildStore;
  private readonly projects: ProjectStore;
  private readonly fleets: FleetStore;
  private readonly active = new Map<string, Active>();
  /** Builds waiting for a slot, oldest first. */
  private readonly queue: Active[] = [];
  /** Running builds per project (projectKey). */
  private readonly runningByProject = new Map<string, number>();
  /** Builds holding a slot of each fleet (by fleet ARN, which names its account and region). */
  private readonly runningByFleet = new Map<string, number>();
  private running = 0;
  private closing = false;
  private ticker?: NodeJS.Timeout;
  /** StopBuild calls for builds whose job had not started yet. */
  private readonly earlyStops = new Set<string>();
  private readonly completedListeners: ((scope: Scope, build: Build) => void)[] = [];

  constructor(private readonly c: CodeBuildContext, private readonly opts: RunnerOptions) {
    this.builds = c.stores.builds;
    this.projects = c.stores.projects;
    this.fleets = c.stores.fleets;
    c.rt.jobs.register(BUILD_JOB, (job, info) => this.handle(job.payload as BuildJob, info.resumed));
  }

  /** Asks a queued or running build to stop; resolves once it completed (or after a short wait). */
  async stopBuild(scope: Scope, id: string): Promise<void> {
    const active = this.active.get(runKey(scope, id));
    if (!active) {
      this.earlyStops.add(runKey(scope, id));
      return;
    }
    this.end(active, 'STOPPED');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([active.done, new Promise<void>((done) => (timer = setTimeout(done, STOP_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** Calls `listener` with each build once it has completed and its final record is stored (auto-retry). */
  onCompleted(listener: (scope: Scope, build: Build) => void): void {
    this.completedListeners.push(listener);
  }

  completed(scope: Scope, build: Build): void {
    for (const listener of this.completedListeners) {
      try {
        listener(scope, build);
      } catch (err) {
        this.c.rt.log.error({ err, build: build.id }, 'CodeBuild build completion listener failed');
      }
    }
  }

  /** `/_drydock/reset`: stops every running or queued build and waits for it to end (the records are wiped next). */
  async stopAll(): Promise<void> {
    const all = [...this.active.values()];
    for (const active of all) this.end(active, 'STOPPED');
    await Promise.allSettled(all.map((a) => a.done));
  }

  /** Shutdown: kills every build's processes and waits for the runners to let go, writing nothing more. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.ticker) clearInterval(this.ticker);
    const all = [...this.active.values()];
    for (const active of all) {
      active.shell?.kill();
      active.wake?.();
    }
    await Promise.allSettled(all.map((a) => a.done));
  }

  /** Ends a queued or running build or sandbox: kills its shell session and wakes it to notice. */
  end(active: Active, reason: EndReason): void {
    if (active.endReason) return;
    active.endReason = reason;
    active.shell?.kill();
    active.wake?.();
  }

  private tick(): void {
    const now = this.c.rt.clock.now();
    for (const active of this.active.values()) {
      if (active.queuedDeadline !== undefined && now >= active.queuedDeadline) this.end(active, 'TIMED_OUT');
      else if (active.deadline !== undefined && now >= active.deadline) this.end(active, 'TIMED_OUT');
    }
  }

  private async handle(payload: BuildJob, resumed: boolean): Promise<void> {
    const scope = { account: payload.account, region: payload.region };
    const row = this.builds.get(scope, payload.id);
    if (!row || row.complete || this.closing) return;
    const build = buildOf(row);
    const project = buildProjectOf(row);
    if (resumed && build.currentPhase !== 'QUEUED' && build.currentPhase !== 'SUBMITTED') {
      await this.abandon(scope, build, 'FAILED', 'BUILD_INTERRUPTED', 'Drydock restarted while the build was running');
      return;
    }
    const { active, finished } = newActive(scope, payload.id, project);
    this.track(active);
    if (this.earlyStops.delete(runKey(scope, payload.id))) active.endReason = 'STOPPED';
    try {
      await new Lifecycle(this.c, this.builds, scope, build, project, active, this).run();
    } catch (err) {
      if (err instanceof ShuttingDown || this.closing) return;
      // A Drydock bug must not leave the build IN_PROGRESS forever: it ends as FAULT, saying why.
      this.c.rt.log.error({ err, build: payload.id }, 'CodeBuild build runner failed');
      const latest = this.builds.get(scope, payload.id);
      if (latest && !latest.complete) await this.abandon(scope, buildOf(latest), 'FAULT', 'FAULT', err instanceof Error ? err.message : String(err));
    } finally {
      this.untrack(active);
      finished();
    }
  }

  /** Counts a build or sandbox as active: StopBuild/StopSandbox, timeouts, reset and shutdown reach it. */
  track(active: Active): void {
    this.active.set(runKey(active.scope, active.id), active);
    this.ticker ??= setInterval(() => this.tick(), TICK_MS);
  }

  /** The run has ended: its slots go back to the queue. */
  untrack(active: Active): void {
    this.release(active);
    this.active.delete(runKey(active.scope, active.id));
    if (this.active.size === 0 && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  /** The active build or sandbox under this key (`sandbox:<id>` for sandboxes), if this process runs it. */
  activeRun(scope: Scope, id: string): Active | undefined {
    return this.active.get(runKey(scope, id));
  }

  get shuttingDown(): boolean {
    return this.closing;
  }

  /**
   * Waits in QUEUED for a slot; resolves false when the build was stopped or timed out meanwhile.
   * The queued timeout counts from StartBuild, across restarts.
   */
  async acquire(active: Active, submittedAt: number, queuedTimeoutMinutes: number): Promise<boolean> {
    active.queuedDeadline = submittedAt + queuedTimeoutMinutes * 60_000;
    this.queue.push(active);
    try {
      for (;;) {
        if (this.closing) throw new ShuttingDown();
        if (active.endReason) return false;
        if (this.grant(active)) return true;
        await new Promise<void>((wake) => (active.wake = wake));
        active.wake = undefined;
      }
    } finally {
      const at = this.queue.indexOf(active);
      if (at >= 0) this.queue.splice(at, 1);
      active.queuedDeadline = undefined;
    }
  }

  /** Takes a slot if the build is the oldest queued one that fits every limit. */
  private grant(active: Active): boolean {
    if (this.running >= this.opts.globalLimit) return false;
    const limits = new Map<string, number | undefined>();
    const fleets = new Map<string, Fleet | undefined>();
    for (const candidate of this.queue) {
      if (!this.fits(candidate, limits, fleets)) continue;
      if (candidate !== active) {
        // An older build fits (a limit was raised meanwhile): it goes first.
        candidate.wake?.();
        return false;
      }
      this.running++;
      const project = projectKey(active);
      this.runningByProject.set(project, (this.runningByProject.get(project) ?? 0) + 1);
      active.slot = true;
      // A free fleet slot is taken; without one the build fits only because it overflows on demand.
      if (active.fleetArn !== undefined && this.fleetHasRoom(active.fleetArn, fleets.get(active.fleetArn))) {
        this.runningByFleet.set(active.fleetArn, (this.runningByFleet.get(active.fleetArn) ?? 0) + 1);
        active.fleetSlot = true;
      }
      return true;
    }
    return false;
  }

  /**
   * Whether a queued build fits its project's limit and its fleet's capacity; `limits` and `fleets`
   * remember each project's limit and each fleet for one pass over the queue.
   */
  private fits(active: Active, limits: Map<string, number | undefined>, fleets: Map<string, Fleet | undefined>): boolean {
    const project = projectKey(active);
    if (!limits.has(project)) {
      // The project as it is now: UpdateProject may raise or lower the limit while builds wait.
      limits.set(project, this.projects.getProject(active.scope, active.projectName)?.concurrentBuildLimit);
    }
    const limit = limits.get(project);
    if (limit !== undefined && limit >= 1 && (this.runningByProject.get(project) ?? 0) >= limit) return false;
    if (active.fleetArn === undefined) return true;
    if (!fleets.has(active.fleetArn)) {
      // The fleet as it is now: UpdateFleet may change its capacity or overflow behaviour while builds wait.
      fleets.set(active.fleetArn, this.fleets.byArn(active.scope, active.fleetArn));
    }
    const fleet = fleets.get(active.fleetArn);
    // A fleet deleted while its builds waited has no capacity left to wait for: they run on demand.
    if (fleet === undefined) return true;
    return this.fleetHasRoom(active.fleetArn, fleet) || fleet.overflowBehavior === 'ON_DEMAND';
  }

  /** Whether the fleet exists and has a free slot. */
  private fleetHasRoom(fleetArn: string, fleet: Fleet | undefined): boolean {
    return fleet !== undefined && (this.runningByFleet.get(fleetArn) ?? 0) < fleet.baseCapacity!;
  }

  private release(active: Active): void {
    if (!active.slot) return;
    active.slot = false;
    this.running--;
    const project = projectKey(active);
    const left = (this.runningByProject.get(project) ?? 1) - 1;
    if (left > 0) this.runningByProject.set(project, left);
    else this.runningByProject.delete(project);
    if (active.fleetSlot) {
      active.fleetSlot = false;
      const fleetLeft = (this.runningByFleet.get(active.fleetArn!) ?? 1) - 1;
      if (fleetLeft > 0) this.runningByFleet.set(active.fleetArn!, fleetLeft);
      else this.runningByFleet.delete(active.fleetArn!);
    }
    this.reconsiderQueue();
  }

  /** Wakes every queued build to check the limits again (a slot was freed, or UpdateFleet/DeleteFleet changed a fleet). */
  reconsiderQueue(): void {
    for (const waiting of this.queue) waiting.wake?.();
  }

  /**
   * Ends a build no runner is taking to completion (Drydock stopped under it, or the runner broke):
   * its current phase and the build get `status` with a context that says why, never left IN_PROGRESS.
   */
  private async abandon(scope: Scope, build: Build, status: StatusType, statusCode: string, message: string): Promise<void> {
    const now = this.c.rt.clock.date();
    const current = build.phases?.[build.phases.length - 1];
    if (current && !current.phaseStatus) {
      finishPhase(current, now, status, [{ statusCode, message }]);
      this.builds.update(scope, build.id!, build);
      publishPhaseChange(this.c, scope, build, current);
    }
    const targets = build.logs?.groupName && build.logs.streamName ? { cloudWatch: { group: build.logs.groupName, stream: build.logs.streamName } } : {};
    const log = new BuildLog(this.c, scope, targets);
    log.line(containerLine(now.getTime(), message));
    await log.flush();
    killLeftovers(build.id!);
    const uuid = build.id!.slice(build.id!.lastIndexOf(':') + 1);
    await rm(workRootOf('build', uuid), { recursive: true, force: true });
    build.phases!.push({ phaseType: 'COMPLETED', startTime: now });
    build.currentPhase = 'COMPLETED';
    build.buildStatus = status;
    build.endTime = now;
    build.buildComplete = true;
    this.builds.update(scope, build.id!, build);
    publishStateChange(this.c, scope, build);
    this.completed(scope, build);
  }
}

/** A run's key among everything a Drydock process runs: ids are unique per account and region only. */
export const runKey = (scope: Scope, id: string) => `${scope.account}/${scope.region}/${id}`;

/** A run (build or sandbox) not yet holding any slot, on its project's fleet if it has one; `finished` settles its `done`. */
export function newActive(scope: Scope, id: string, project: Project): { active: Active; finished: () => void } {
  let finished!: () => void;
  const active: Active = {
    scope,
    id,
    projectName: project.name!,
    slot: false,
    ...(project.environment?.fleet?.fleetArn !== undefined ? { fleetArn: project.environment.fleet.fleetArn } : {}),
    fleetSlot: false,
    done: new Promise((r) => (finished = r)),
  };
  return { active, finished };
}
/** Projects are per account and region: so are their running-build counts. */
const projectKey = (active: Active) => runKey(active.scope, active.projectName);

/** Ends a build's or sandbox session's phase with `status`, as AWS reports it. */
export function finishPhase(phase: Pick<BuildPhase, 'startTime' | 'endTime' | 'durationInSeconds' | 'phaseStatus' | 'contexts'> & { phaseType?: string }, now: Date, status: StatusType, contexts?: PhaseContext[]): void {
  phase.endTime = now;
  phase.durationInSeconds = Math.max(0, Math.floor((now.getTime() - phase.startTime!.getTime()) / 1000));
  phase.phaseStatus = status;
  // AWS gives a phase that went well one empty context, except SUBMITTED and QUEUED, which have none.
  if (contexts) phase.contexts = contexts;
  else if (phase.phaseType !== 'SUBMITTED' && phase.phaseType !== 'QUEUED') phase.contexts = [{ statusCode: '', message: '' }];
}

/** One run of one build. */
class Lifecycle {
  private readonly uuid: string;
  private log?: BuildLog;
  /** The status the build ends with, once a phase decided it. */
  private outcome: StatusType = 'SUCCEEDED';

  constructor(
    private readonly c: CodeBuildContext,
    private readonly builds: BuildStore,
    private readonly scope: Scope,
    private readonly build: Build,
    private readonly project: Project,
    private readonly active: Active,
    private readonly runner: BuildRunner,
  ) {
    this.uuid = build.id!.slice(build.id!.lastIndexOf(':') + 1);
  }

  private now(): Date {
    return this.c.rt.clock.date();
  }

  /** Writes the record as it is now; nothing once Drydock is shutting down. */
  private persist(): void {
    if (this.runner.shuttingDown) throw new ShuttingDown();
    this.builds.update(this.scope, this.build.id!, this.build);
  }

  private current(): BuildPhase {
    return this.build.phases![this.build.phases!.length - 1];
  }

  /** Starts a phase; the command phases log their own agent lines (phases.ts). */
  private begin(type: BuildPhaseType, logged = true): void {
    this.build.currentPhase = type;
    this.build.phases!.push({ phaseType: type, startTime: this.now() });
    this.persist();
    if (logged && type !== 'COMPLETED') this.agent(`Entering phase ${type}`);
  }

  private finish(status: StatusType, contexts?: PhaseContext[]): void {
    const phase = this.current();
    finishPhase(phase, this.now(), status, contexts);
    this.settle(phase, true);
  }

  /** Records a phase's end: the build's outcome, the record, the event, the agent's lines. */
  private settle(phase: BuildPhase, logged: boolean): void {
    const status = phase.phaseStatus!;
    if (status !== 'SUCCEEDED' && this.outcome === 'SUCCEEDED') this.outcome = status;
    this.persist();
    publishPhaseChange(this.c, this.scope, this.build, phase);
    if (logged && status !== 'STOPPED' && status !== 'TIMED_OUT') {
      const context = phase.contexts?.[0];
      this.agent(`Phase complete: ${phase.phaseType} State: ${status}`);
      this.agent(`Phase context status code: ${context?.statusCode ?? ''} Message: ${context?.message ?? ''}`);
    }
  }

  private agent(text: string): void {
    this.log?.line(containerLine(this.c.rt.clock.now(), text));
  }

  /** Ends the current phase as the stop or timeout that interrupted it. */
  private finishInterrupted(): void {
    const reason = this.active.endReason!;
    this.finish(reason, reason === 'TIMED_OUT' ? [{ statusCode: 'BUILD_TIMED_OUT', message: 'Build has timed out. ' }] : undefined);
  }

  private failWith(err: unknown): void {
    if (err instanceof BuildPhaseError || err instanceof EnvironmentError || err instanceof BuildspecError) {
      this.finish('FAILED', [{ statusCode: err.statusCode, message: err.message }]);
      return;
    }
    if (err instanceof ShuttingDown) throw err;
    // Anything else is Drydock's own fault: the build says so rather than pretending the user's build failed.
    this.c.rt.log.error({ err, build: this.build.id }, 'CodeBuild build faulted');
    this.finish('FAULT', [{ statusCode: 'FAULT', message: err instanceof Error ? err.message : String(err) }]);
  }

  async run(): Promise<void> {
    const admitted = await this.runner.acquire(this.active, this.build.startTime!.getTime(), this.build.queuedTimeoutInMinutes ?? 480);
    if (!admitted) {
      this.finishInterrupted();
      return this.complete();
    }
    this.finish('SUCCEEDED');
    this.active.deadline = this.c.rt.clock.now() + (this.build.timeoutInMinutes ?? 60) * 60_000;
    const workRoot = workRootOf('build', this.uuid);
    await inWorkRoot(workRoot, this.active, () => this.lifecycle(workRoot));
  }

  private async lifecycle(workRoot: string): Promise<void> {
    // PROVISIONING: the work root, the log, the service role's credentials.
    this.begin('PROVISIONING');
    const targets = logTargets(this.project.logsConfig, this.project.name!, this.uuid);
    this.build.logs = logsLocation(this.scope, this.project.logsConfig, targets);
    const log = new BuildLog(this.c, this.scope, targets);
    this.log = log;
    this.agent('Running on Drydock (CodeBuild emulation)');
    if (this.active.fleetArn !== undefined) {
      this.agent(this.active.fleetSlot ? `Running on reserved capacity fleet ${this.active.fleetArn}` : `Running on on-demand capacity: fleet ${this.active.fleetArn} has no free capacity`);
    }
    this.agent('Waiting for agent ping');
    const srcDir = join(workRoot, 'src');
    let credentials: RoleSession | undefined;
    try {
      await prepareWorkRoot(workRoot);
      const seconds = roleSessionSeconds(this.c, this.build.serviceRole, this.build.timeoutInMinutes ?? 60);
      credentials = await assumeServiceRole(this.c, this.scope, this.build.serviceRole!, `AWSCodeBuild-${this.uuid}`, seconds);
      if (this.active.endReason) this.finishInterrupted();
      else this.finish('SUCCEEDED');
    } catch (err) {
      if (this.active.endReason) this.finishInterrupted();
      else this.failWith(err);
    }
    this.agent('Waiting for DOWNLOAD_SOURCE');

    const secondarySrcDirs = secondarySourceDirs(this.project, workRoot);
    const active = this.active;
    const run: BuildRun = {
      scope: this.scope,
      build: this.build,
      project: this.project,
      workRoot,
      srcDir,
      secondarySrcDirs,
      log: (line) => log.line(line),
      get stopping() {
        return active.endReason !== undefined;
      },
    };

    let spec: Buildspec | undefined;
    let unexportable: string[] = [];
    if (this.outcome === 'SUCCEEDED') {
      // DOWNLOAD_SOURCE: sources, the buildspec, the environment, the cache.
      this.begin('DOWNLOAD_SOURCE');
      try {
        const sources = await downloadSources(this.c, run);
        if (sources.resolvedSourceVersion !== undefined) this.build.resolvedSourceVersion = sources.resolvedSourceVersion;
        if (sources.secondarySourceVersions.length) this.build.secondarySourceVersions = sources.secondarySourceVersions;
        this.agent(`CODEBUILD_SRC_DIR=${srcDir}`);
        spec = await readBuildspec(this.c, this.scope, buildspecLocation(this.project), srcDir);
        for (const warning of spec.warnings) this.agent(`Warning: ${warning.message}`);
        for (const message of runtimeSelectionMessages(spec)) this.agent(message);
        this.agent('Processing environment variables');
        const resolved = await resolveRunEnvironment(this.c, this.scope, credentials, this.baseEnvironment(run, credentials), spec.env, this.project.environment?.environmentVariables);
        log.setMask(secretMasker(resolved.secrets));
        unexportable = resolved.unexportable;
        run.env = resolved.env;
        if (spec.cache?.paths.length) await restoreCache(this.c, run, spec.cache.paths, spec.cache);
        if (active.endReason) this.finishInterrupted();
        else this.finish('SUCCEEDED');
      } catch (err) {
        if (active.endReason) this.finishInterrupted();
        else this.failWith(err);
      }
    }

    let reachedUpload = false;
    if (this.outcome === 'SUCCEEDED' && spec && run.env) {
      const shell = startRunShell(this.c, run, run.env, (line) => log.line(line), { shell: spec.env.shell, isolated: spec.version === '0.1' });
      active.shell = shell;
      // A stop that arrived while the shell was starting.
      if (active.endReason) shell.kill();
      run.expand = (text) => expandInShell(shell, workRoot, text);
      const phases = await runBuildPhases({
        buildspec: spec,
        shell,
        clock: this.c.rt.clock,
        isStopping: () => active.endReason ?? false,
        onPhaseStart: (type) => this.begin(type, false),
        onPhaseEnd: (record) => {
          Object.assign(this.current(), record);
          this.settle(this.current(), false);
        },
        log: (line) => log.line(line),
      });
      reachedUpload = phases.uploadArtifacts && !active.endReason;
      if (!active.endReason) {
        try {
          run.env = await shell.env();
          this.build.exportedEnvironmentVariables = exportedVariables(spec.env.exportedVariables, run.env, unexportable);
        } catch (err) {
          this.c.rt.log.warn({ err, build: this.build.id }, 'CodeBuild could not read the build environment after the build');
        }
      }
    }

    if (reachedUpload && spec) {
      // UPLOAD_ARTIFACTS: reports, artifacts and the cache, each attempted even when another fails.
      this.begin('UPLOAD_ARTIFACTS');
      let failure: unknown;
      const attempt = async (step: () => Promise<void>) => {
        try {
          await step();
        } catch (err) {
          failure ??= err;
        }
      };
      await attempt(async () => {
        this.build.reportArns = await collectReports(
          this.c,
          { scope: this.scope, buildArn: this.build.arn!, projectName: this.project.name!, workDir: srcDir, log: (line) => log.line(line), now: () => this.c.rt.clock.now(), env: run.env },
          spec.reports,
        );
      });
      await attempt(async () => {
        const artifacts = await uploadArtifacts(this.c, run, spec.artifacts);
        if (artifacts.artifacts) this.build.artifacts = artifacts.artifacts;
        this.build.secondaryArtifacts = artifacts.secondaryArtifacts;
      });
      if (spec.cache?.paths.length) await attempt(() => saveCache(this.c, run, spec.cache!.paths, spec.cache));
      if (active.endReason) this.finishInterrupted();
      else if (failure !== undefined) this.failWith(failure);
      else this.finish('SUCCEEDED');
    }

    // FINALIZING: the session ends, the log is flushed.
    this.begin('FINALIZING');
    active.deadline = undefined;
    active.shell?.kill();
    await active.shell?.close().catch(() => undefined);
    active.shell = undefined;
    this.finish('SUCCEEDED');
    await this.complete();
  }

  /** COMPLETED: the final status, the end time, the last state change. */
  private async complete(): Promise<void> {
    this.begin('COMPLETED');
    const reason = this.active.endReason;
    this.build.buildStatus = reason ?? this.outcome;
    this.build.endTime = this.current().startTime;
    this.build.buildComplete = true;
    this.agent(`Build ${this.build.buildStatus}`);
    await this.log?.close();
    this.persist();
    publishStateChange(this.c, this.scope, this.build);
    this.runner.completed(this.scope, this.build);
  }

  /** The image's environment and CodeBuild's built-in variables, with the build's own. */
  private baseEnvironment(run: BuildRun, credentials: RoleSession | undefined): Record<string, string> {
    const build = this.build;
    const own: Record<string, string> = {
      CODEBUILD_BUILD_ID: build.id!,
      CODEBUILD_BUILD_ARN: build.arn!,
      CODEBUILD_BUILD_NUMBER: String(build.buildNumber),
      CODEBUILD_BUILD_SUCCEEDING: '1',
      CODEBUILD_BUILD_IMAGE: build.environment?.image ?? '',
      CODEBUILD_INITIATOR: build.initiator ?? '',
      CODEBUILD_RESOLVED_SOURCE_VERSION: build.resolvedSourceVersion ?? '',
      CODEBUILD_SOURCE_VERSION: build.sourceVersion ?? '',
      CODEBUILD_SOURCE_REPO_URL: build.source?.location ?? '',
      CODEBUILD_START_TIME: String(build.startTime!.getTime()),
      CODEBUILD_KMS_KEY_ID: build.encryptionKey ?? '',
      CODEBUILD_LOG_PATH: build.logs?.streamName ?? this.uuid,
    };
    if (build.buildBatchArn) own.CODEBUILD_BATCH_BUILD_IDENTIFIER = this.c.stores.batches.buildIdentifier(this.scope, build.buildBatchArn, build.arn!) ?? '';
    return builtinEnvironment(this.c, this.scope, run, own, credentials);
  }
}

/**
 * Expands text as a here-document in the build's session (`$VAR`, `${VAR}`, `$(command)`, without
 * quote removal), which is how AWS evaluates artifact names.
 */
async function expandInShell(shell: BuildShell, workRoot: string, text: string): Promise<string> {
  const token = hex(8);
  const file = join(workRoot, `expand-${token}`);
  const delimiter = `DRYDOCK_EXPAND_${token}`;
  const result = await shell.run(`cat > '${file}' <<${delimiter}\n${text}\n${delimiter}`);
  if (result.exitCode !== 0) throw new BuildPhaseError('CLIENT_ERROR', `could not evaluate ${text} in the build environment (exit status ${result.exitCode})`);
  const expanded = await readFile(file, 'utf8');
  await rm(file, { force: true });
  return expanded.replace(/\n$/, '');
}
