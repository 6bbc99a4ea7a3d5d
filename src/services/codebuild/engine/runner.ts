/**
 * The build runner: the queue and the slots every build and sandbox holds, their timeouts, and the
 * durable build jobs. Each build is a durable job (enqueued by StartBuild in the same transaction
 * as the build record) that build-lifecycle.ts walks through AWS's phases.
 *
 * - Builds wait in QUEUED while their project's concurrentBuildLimit or Drydock's global limit
 *   (2 × CPUs unless configured) is reached, first come first served, and time out there after
 *   queuedTimeoutInMinutes. A build on a reserved-capacity fleet also needs one of the fleet's
 *   baseCapacity slots; when all are taken it waits (overflowBehavior QUEUE) or runs without one
 *   (ON_DEMAND, on "on-demand" capacity).
 * - StopBuild and timeoutInMinutes kill the session's whole process tree at once.
 * - A build that was past QUEUED when Drydock stopped comes back from the job queue as resumed and
 *   is failed explicitly; builds still queued simply continue.
 *
 * Timeouts are timers on Drydock's clock (rt.clock), so time scaling and /_drydock/time both move
 * builds and sandboxes to their timeouts, at once when the clock is advanced past them.
 *
 * Sandboxes (sandbox-runner.ts) are runs of this runner too: they take the same slots (acquire),
 * are tracked in the same map, so timeouts, StopSandbox (end), reset and shutdown reach them.
 */
import { rm } from 'node:fs/promises';
import type { Build, Fleet, StatusType } from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import type { CodeBuildContext } from '../common.js';
import type { BuildStore } from '../store/build-store.js';
import { buildOf, buildProjectOf } from '../store/build-store.js';
import type { FleetStore } from '../store/fleet-store.js';
import type { ProjectStore } from '../store/project-store.js';
import { publishPhaseChange, publishStateChange } from './build-events.js';
import { Lifecycle } from './build-lifecycle.js';
import { BuildLog } from './build-logs.js';
import { containerLine } from './phases.js';
import { killLeftovers, workRootOf } from './provisioning.js';
import { type Active, type EndReason, finishPhase, newActive, runKey, ShuttingDown } from './runs.js';

export const BUILD_JOB = 'codebuild.build';

/**
 * StopBuild answers once the build has completed or after this long (real milliseconds): a grace
 * for the killed process tree to exit, which takes real time whatever Drydock's clock says.
 */
const STOP_WAIT_MS = 2000;

interface BuildJob {
  account: string;
  region: string;
  id: string;
}

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
  /** StopBuild calls for builds whose job had not started yet. */
  private readonly earlyStops = new Set<string>();
  private readonly completedListeners: ((scope: Scope, build: Build) => void)[] = [];

  constructor(
    private readonly c: CodeBuildContext,
    private readonly opts: RunnerOptions,
  ) {
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
    await this.stopAndWait(active);
  }

  /** Stops a run and waits for it to end, at most STOP_WAIT_MS (StopBuild and StopSandbox answer then). */
  async stopAndWait(active: Active): Promise<void> {
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
    const all = [...this.active.values()];
    for (const active of all) {
      this.disarmTimeout(active);
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

  /** Ends the run as TIMED_OUT once Drydock's clock reaches `due` (replacing the timeout armed before). */
  armTimeout(active: Active, due: number): void {
    active.timeout?.cancel();
    active.timeout = this.c.rt.clock.at(due, () => this.end(active, 'TIMED_OUT'));
  }

  disarmTimeout(active: Active): void {
    active.timeout?.cancel();
    active.timeout = undefined;
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
      await new Lifecycle(this.c, scope, build, project, active, this).run();
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
  }

  /** The run has ended: its slots go back to the queue. */
  untrack(active: Active): void {
    this.disarmTimeout(active);
    this.release(active);
    this.active.delete(runKey(active.scope, active.id));
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
    this.armTimeout(active, submittedAt + queuedTimeoutMinutes * 60_000);
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
      this.disarmTimeout(active);
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
      this.builds.tx(() => {
        this.builds.update(scope, build.id!, build);
        publishPhaseChange(this.c, scope, build, current);
      });
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
    this.builds.tx(() => {
      this.builds.update(scope, build.id!, build);
      publishStateChange(this.c, scope, build);
    });
    this.completed(scope, build);
  }
}

/** Projects are per account and region: so are their running-build counts. */
const projectKey = (active: Active) => runKey(active.scope, active.projectName);
