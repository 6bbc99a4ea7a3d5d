/**
 * The sandbox lifecycle. Each sandbox is a durable job (enqueued by StartSandbox in the same
 * transaction as the record) whose session walks AWS's phases: SUBMITTED → QUEUED → PROVISIONING →
 * DOWNLOAD_SOURCE → RUN_SANDBOX → COMPLETED, persisting the record at every transition.
 *
 * - A sandbox is provisioned as a build is (provisioning.ts): it waits in QUEUED for the same global,
 *   project (concurrentBuildLimit) and fleet slots as builds (BuildRunner.acquire), gets the service
 *   role's credentials, its project's sources and environment (secrets resolved and masked), then
 *   keeps ONE shell session open in its source directory until StopSandbox or its timeout.
 * - StartCommandExecution stores a SUBMITTED command; the sandbox runs its commands one at a time in
 *   the order they were submitted, in that session (`cd` and exports carry over as in a build).
 * - StopSandbox and timeoutInMinutes kill the session's whole process tree at once; commands still
 *   waiting end as the sandbox did (STOPPED or TIMED_OUT).
 * - A sandbox that was past QUEUED when Drydock stopped comes back from the job queue as resumed and
 *   is failed explicitly, with its unfinished commands; sandboxes still queued simply continue.
 *
 * Statuses: the sandbox and its session report QUEUED, PROVISIONING (PROVISIONING and
 * DOWNLOAD_SOURCE), RUNNING (RUN_SANDBOX: commands run), STOPPING (StopSandbox asked), then STOPPED
 * (stopped or timed out, as AWS's sample shows a timed-out sandbox) or FAILED (it could not start,
 * or Drydock restarted under it).
 */
import { type FileHandle, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandExecution, PhaseContext, Project, Sandbox, SandboxSession, SandboxSessionPhase, StatusType } from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import { BuildPhaseError, type BuildRun, type CodeBuildContext } from '../common.js';
import { commandOf, type SandboxStore, sandboxOf, sandboxProjectOf } from '../store/sandbox-store.js';
import { BuildLog, logTargets } from './build-logs.js';
import { secretMasker } from './environment.js';
import { containerLine } from './phases.js';
import {
  assumeServiceRole,
  builtinEnvironment,
  downloadSources,
  inWorkRoot,
  killLeftovers,
  prepareWorkRoot,
  type RoleSession,
  resolveRunEnvironment,
  roleSessionSeconds,
  secondarySourceDirs,
  startRunShell,
  workRootOf,
} from './provisioning.js';
import type { BuildRunner } from './runner.js';
import { type Active, type EndReason, finishPhase, newActive, runKey, ShuttingDown } from './runs.js';
import { type BuildShell, quote } from './shell.js';

export const SANDBOX_JOB = 'codebuild.sandbox';

/** Statuses a sandbox accepts commands in (they wait until the session runs). */
export const ACCEPTING_COMMANDS = new Set(['QUEUED', 'PROVISIONING', 'RUNNING']);

/**
 * Most of a command's standard output or error kept on its record (the log has all of its standard
 * output, and this much of its standard error): a CommandExecution is read whole by
 * BatchGetCommandExecutions, so an endless output must not bloat it.
 */
const MAX_CONTENT_CHARS = 1024 * 1024;

interface SandboxJob {
  account: string;
  region: string;
  id: string;
}

/**
 * The key a sandbox is active under in the build runner: never a build id, which has one colon
 * (`<project>:<uuid>`, project names have none) where this has two.
 */
const activeKey = (id: string) => `sandbox:${id}`;

export class SandboxRunner {
  private readonly store: SandboxStore;
  private readonly lifecycles = new Map<string, SandboxLifecycle>();

  constructor(
    private readonly c: CodeBuildContext,
    private readonly builds: BuildRunner,
  ) {
    this.store = c.stores.sandboxes;
    c.rt.jobs.register(SANDBOX_JOB, (job, info) => this.handle(job.payload as SandboxJob, info.resumed));
  }

  /**
   * StopSandbox: a sandbox this process runs is told to stop (STOPPING, its session killed) and
   * awaited briefly; one whose job has not started yet is marked STOPPING, which its job honours.
   */
  async stop(scope: Scope, id: string): Promise<void> {
    const lifecycle = this.lifecycles.get(runKey(scope, id));
    if (!lifecycle) {
      this.store.tx(() => {
        const row = this.store.get(scope, id);
        if (!row || row.complete) return;
        const sandbox = sandboxOf(row);
        setStatus(sandbox, 'STOPPING');
        this.store.update(scope, sandbox, false);
      });
      return;
    }
    lifecycle.stopping();
    await this.builds.stopAndWait(lifecycle.active);
  }

  /** StartCommandExecution stored a command: the sandbox's session takes it when it is free. */
  commandSubmitted(scope: Scope, id: string): void {
    this.builds.activeRun(scope, activeKey(id))?.wake?.();
  }

  private async handle(payload: SandboxJob, resumed: boolean): Promise<void> {
    const scope = { account: payload.account, region: payload.region };
    const row = this.store.get(scope, payload.id);
    if (!row || row.complete || this.builds.shuttingDown) return;
    const sandbox = sandboxOf(row);
    const project = sandboxProjectOf(row);
    if (resumed && sandbox.currentSession!.currentPhase !== 'QUEUED') {
      await this.abandon(scope, sandbox, 'FAILED', 'BUILD_INTERRUPTED', 'Drydock restarted while the sandbox was running');
      return;
    }
    const { active, finished } = newActive(scope, activeKey(payload.id), project);
    // StopSandbox before this job started: it ends without running.
    if (sandbox.status === 'STOPPING') active.endReason = 'STOPPED';
    const lifecycle = new SandboxLifecycle(this.c, this.store, this.builds, scope, sandbox, project, active);
    this.builds.track(active);
    this.lifecycles.set(runKey(scope, payload.id), lifecycle);
    try {
      await lifecycle.run();
    } catch (err) {
      if (err instanceof ShuttingDown || this.builds.shuttingDown) return;
      // A Drydock bug must not leave the sandbox running forever on paper: it ends as FAULT, saying why.
      this.c.rt.log.error({ err, sandbox: payload.id }, 'CodeBuild sandbox runner failed');
      const latest = this.store.get(scope, payload.id);
      if (latest && !latest.complete) await this.abandon(scope, sandboxOf(latest), 'FAULT', 'FAULT', err instanceof Error ? err.message : String(err));
    } finally {
      this.lifecycles.delete(runKey(scope, payload.id));
      this.builds.untrack(active);
      finished();
    }
  }

  /**
   * Ends a sandbox no runner is taking to completion (Drydock stopped under it, or the runner
   * broke): its phase, its unfinished commands and the sandbox fail with a context that says why.
   */
  private async abandon(scope: Scope, sandbox: Sandbox, status: 'FAILED' | 'FAULT', statusCode: string, message: string): Promise<void> {
    const now = this.c.rt.clock.date();
    const session = sandbox.currentSession!;
    const current = session.phases?.[session.phases.length - 1];
    if (current && !current.phaseStatus) finishPhase(current, now, status, [{ statusCode, message }]);
    killLeftovers(sandbox.id!);
    await rm(workRootOf('sandbox', session.id!), { recursive: true, force: true });
    const targets = session.logs?.groupName && session.logs.streamName ? { cloudWatch: { group: session.logs.groupName, stream: session.logs.streamName } } : {};
    const log = new BuildLog(this.c, scope, targets);
    log.line(containerLine(now.getTime(), message));
    await log.flush();
    this.store.tx(() => {
      settleCommands(this.store, scope, sandbox.id!, 'FAILED', now);
      complete(sandbox, status, now);
      this.store.update(scope, sandbox, true);
    });
  }
}

function setStatus(sandbox: Sandbox, status: string): void {
  sandbox.status = status;
  sandbox.currentSession!.status = status;
}

/** The COMPLETED phase, the final status and the end time. */
function complete(sandbox: Sandbox, status: string, now: Date): void {
  const session = sandbox.currentSession!;
  session.phases!.push({ phaseType: 'COMPLETED', startTime: now });
  session.currentPhase = 'COMPLETED';
  session.endTime = now;
  sandbox.endTime = now;
  setStatus(sandbox, status);
}

/** Commands still waiting or running when the sandbox ended end with `status` (never left SUBMITTED). */
function settleCommands(store: SandboxStore, scope: Scope, sandboxId: string, status: string, now: Date): void {
  for (const row of store.unfinished(scope, sandboxId)) {
    const execution = commandOf(row);
    execution.status = status;
    execution.endTime = now;
    store.updateCommand(scope, sandboxId, execution);
  }
}

/** One run of one sandbox. */
class SandboxLifecycle {
  private readonly session: SandboxSession;
  private log?: BuildLog;
  private mask: (text: string) => string = (text) => text;
  /** The running command's standard output, while one runs: its first MAX_CONTENT_CHARS characters. */
  private output?: { lines: string[]; chars: number };
  /** Why the session ended before RUN_SANDBOX (a failed phase). */
  private failed = false;

  constructor(
    private readonly c: CodeBuildContext,
    private readonly store: SandboxStore,
    private readonly builds: BuildRunner,
    private readonly scope: Scope,
    private readonly sandbox: Sandbox,
    private readonly project: Project,
    readonly active: Active,
  ) {
    this.session = sandbox.currentSession!;
  }

  private now(): Date {
    return this.c.rt.clock.date();
  }

  /** Writes the record as it is now; nothing once Drydock is shutting down. */
  private persist(complete = false): void {
    if (this.builds.shuttingDown) throw new ShuttingDown();
    this.store.update(this.scope, this.sandbox, complete);
  }

  private current(): SandboxSessionPhase {
    return this.session.phases![this.session.phases!.length - 1];
  }

  private agent(text: string): void {
    this.log?.line(containerLine(this.c.rt.clock.now(), text));
  }

  private begin(type: string): void {
    this.session.currentPhase = type;
    this.session.phases!.push({ phaseType: type, startTime: this.now() });
    this.persist();
    this.agent(`Entering phase ${type}`);
  }

  private finish(status: StatusType, contexts?: PhaseContext[]): void {
    const phase = this.current();
    finishPhase(phase, this.now(), status, contexts);
    if (status !== 'SUCCEEDED') this.failed = true;
    this.persist();
    if (status !== 'STOPPED' && status !== 'TIMED_OUT') {
      this.agent(`Phase complete: ${phase.phaseType} State: ${status}`);
      this.agent(`Phase context status code: ${phase.contexts?.[0]?.statusCode ?? ''} Message: ${phase.contexts?.[0]?.message ?? ''}`);
    }
  }

  /** Ends the current phase as the stop or timeout that interrupted it. */
  private finishInterrupted(): void {
    const reason = this.active.endReason!;
    this.finish(reason, reason === 'TIMED_OUT' ? [{ statusCode: 'BUILD_TIMED_OUT', message: 'Build has timed out. ' }] : undefined);
  }

  private failWith(err: unknown): void {
    if (err instanceof ShuttingDown) throw err;
    if (err instanceof BuildPhaseError) {
      this.finish('FAILED', [{ statusCode: err.statusCode, message: err.message }]);
      return;
    }
    this.c.rt.log.error({ err, sandbox: this.sandbox.id }, 'CodeBuild sandbox faulted');
    this.finish('FAULT', [{ statusCode: 'FAULT', message: err instanceof Error ? err.message : String(err) }]);
  }

  /** StopSandbox: STOPPING until the session is gone. */
  stopping(): void {
    if (this.session.currentPhase === 'COMPLETED' || this.active.endReason) return;
    setStatus(this.sandbox, 'STOPPING');
    this.persist();
  }

  async run(): Promise<void> {
    const queuedMinutes = this.sandbox.queuedTimeoutInMinutes ?? 480;
    const admitted = await this.builds.acquire(this.active, this.sandbox.requestTime!.getTime(), queuedMinutes);
    if (!admitted) {
      this.finishInterrupted();
      return this.end();
    }
    this.finish('SUCCEEDED');
    this.builds.armTimeout(this.active, this.c.rt.clock.now() + (this.sandbox.timeoutInMinutes ?? 60) * 60_000);
    this.sandbox.startTime = this.now();
    const workRoot = workRootOf('sandbox', this.session.id!);
    await inWorkRoot(workRoot, this.active, () => this.lifecycle(workRoot));
  }

  private async lifecycle(workRoot: string): Promise<void> {
    const active = this.active;
    // PROVISIONING: the work root, the log, the service role's credentials.
    if (this.sandbox.status !== 'STOPPING') setStatus(this.sandbox, 'PROVISIONING');
    this.begin('PROVISIONING');
    const log = new BuildLog(this.c, this.scope, logTargets(this.sandbox.logConfig, this.project.name!, this.session.id!));
    this.log = log;
    this.agent('Running on Drydock (CodeBuild emulation): sandbox');
    if (active.fleetArn !== undefined) {
      this.agent(active.fleetSlot ? `Running on reserved capacity fleet ${active.fleetArn}` : `Running on on-demand capacity: fleet ${active.fleetArn} has no free capacity`);
    }
    const srcDir = join(workRoot, 'src');
    const run: BuildRun = {
      scope: this.scope,
      // What the source library reads of a build: the versions to check out.
      build: { id: this.sandbox.id, arn: this.sandbox.arn, sourceVersion: this.sandbox.sourceVersion, secondarySourceVersions: this.sandbox.secondarySourceVersions },
      project: this.project,
      workRoot,
      srcDir,
      secondarySrcDirs: secondarySourceDirs(this.project, workRoot),
      log: (line) => log.line(line),
      get stopping() {
        return active.endReason !== undefined;
      },
    };
    let credentials: RoleSession | undefined;
    try {
      await prepareWorkRoot(workRoot);
      const seconds = roleSessionSeconds(this.c, this.sandbox.serviceRole, this.sandbox.timeoutInMinutes ?? 60);
      credentials = await assumeServiceRole(this.c, this.scope, this.sandbox.serviceRole!, `AWSCodeBuild-${this.session.id}`, seconds);
      if (active.endReason) this.finishInterrupted();
      else this.finish('SUCCEEDED');
    } catch (err) {
      if (active.endReason) this.finishInterrupted();
      else this.failWith(err);
    }

    let env: Record<string, string> | undefined;
    if (!this.failed) {
      // DOWNLOAD_SOURCE: sources and the environment.
      this.begin('DOWNLOAD_SOURCE');
      try {
        const sources = await downloadSources(this.c, run);
        if (sources.resolvedSourceVersion !== undefined) this.session.resolvedSourceVersion = sources.resolvedSourceVersion;
        this.agent(`CODEBUILD_SRC_DIR=${srcDir}`);
        this.agent('Processing environment variables');
        const resolved = await resolveRunEnvironment(this.c, this.scope, credentials, this.baseEnvironment(run, credentials), undefined, this.project.environment?.environmentVariables);
        this.mask = secretMasker(resolved.secrets);
        log.setMask(this.mask);
        env = resolved.env;
        if (active.endReason) this.finishInterrupted();
        else this.finish('SUCCEEDED');
      } catch (err) {
        if (active.endReason) this.finishInterrupted();
        else this.failWith(err);
      }
    }

    if (!this.failed && env) {
      // RUN_SANDBOX: one session, the submitted commands in order, until a stop or the timeout.
      // On the active run, so StopSandbox, the timeout, reset and shutdown kill it (BuildRunner.end/close).
      const shell = startRunShell(this.c, run, env, (line) => {
        const output = this.output;
        if (output && output.chars < MAX_CONTENT_CHARS) {
          output.lines.push(line);
          output.chars += line.length + 1;
        }
        log.line(line);
      });
      active.shell = shell;
      if (active.endReason) shell.kill();
      if (this.sandbox.status !== 'STOPPING') setStatus(this.sandbox, 'RUNNING');
      this.begin('RUN_SANDBOX');
      await this.runCommands(shell, workRoot);
      this.finishInterrupted();
    }
    active.shell?.kill();
    await active.shell?.close().catch(() => undefined);
    active.shell = undefined;
    await this.end();
  }

  /** Runs the submitted commands one at a time until the sandbox is stopped or times out. */
  private async runCommands(shell: BuildShell, workRoot: string): Promise<void> {
    const active = this.active;
    for (;;) {
      if (this.builds.shuttingDown) throw new ShuttingDown();
      if (active.endReason) return;
      const next = this.store.nextPending(this.scope, this.sandbox.id!);
      if (!next) {
        await new Promise<void>((wake) => (active.wake = wake));
        active.wake = undefined;
        continue;
      }
      await this.runCommand(shell, workRoot, commandOf(next));
    }
  }

  /**
   * One command in the session. Its standard error goes to a file of its own (the session merges
   * it into standard output otherwise), so the record reports the two apart as AWS does; the log
   * shows the standard output as it is printed and the standard error once the command ended.
   */
  private async runCommand(shell: BuildShell, workRoot: string, execution: CommandExecution): Promise<void> {
    execution.status = 'IN_PROGRESS';
    execution.startTime = this.now();
    this.saveCommand(execution);
    this.agent(`Running command ${execution.command}`);
    const stderrFile = join(workRoot, `stderr-${execution.id}`);
    this.output = { lines: [], chars: 0 };
    const result = await shell.run(`exec 2>${quote(stderrFile)}\n${execution.command}`);
    const stdout = this.output.lines;
    this.output = undefined;
    const stderr = await readHead(stderrFile, MAX_CONTENT_CHARS);
    await rm(stderrFile, { force: true });
    if (stderr) for (const line of stderr.replace(/\n$/, '').split('\n')) this.log?.line(line);
    execution.endTime = this.now();
    if (stdout.length) execution.standardOutputContent = this.mask(`${stdout.join('\n')}\n`.slice(0, MAX_CONTENT_CHARS));
    if (stderr) execution.standardErrContent = this.mask(stderr);
    if (result.killed) {
      // The sandbox ended under the command: it did not exit on its own, so it has no exit code.
      execution.status = this.active.endReason ?? 'FAILED';
    } else {
      execution.exitCode = String(result.exitCode);
      execution.status = result.exitCode === 0 ? 'SUCCEEDED' : 'FAILED';
      if (result.exitCode !== 0) this.agent(`Command did not exit successfully ${execution.command} exit status ${result.exitCode}`);
    }
    this.saveCommand(execution);
  }

  private saveCommand(execution: CommandExecution): void {
    if (this.builds.shuttingDown) throw new ShuttingDown();
    this.store.updateCommand(this.scope, this.sandbox.id!, execution);
  }

  /** COMPLETED: the final status; commands still waiting end as the sandbox did. */
  private async end(): Promise<void> {
    const reason: EndReason | undefined = this.active.endReason;
    const status = reason ? 'STOPPED' : 'FAILED';
    const now = this.now();
    this.builds.disarmTimeout(this.active);
    this.agent(`Sandbox ${status}`);
    await this.log?.close();
    if (this.builds.shuttingDown) throw new ShuttingDown();
    this.store.tx(() => {
      settleCommands(this.store, this.scope, this.sandbox.id!, reason ?? 'FAILED', now);
      complete(this.sandbox, status, now);
      this.persist(true);
    });
  }

  /** The image's environment and CodeBuild's built-in variables; the sandbox's id stands in for a build's. */
  private baseEnvironment(run: BuildRun, credentials: RoleSession | undefined): Record<string, string> {
    const sandbox = this.sandbox;
    return builtinEnvironment(
      this.c,
      this.scope,
      run,
      {
        CODEBUILD_BUILD_ID: sandbox.id!,
        CODEBUILD_BUILD_ARN: sandbox.arn!,
        CODEBUILD_BUILD_IMAGE: sandbox.environment?.image ?? '',
        CODEBUILD_RESOLVED_SOURCE_VERSION: this.session.resolvedSourceVersion ?? '',
        CODEBUILD_SOURCE_VERSION: sandbox.sourceVersion ?? '',
        CODEBUILD_SOURCE_REPO_URL: sandbox.source?.location ?? '',
        CODEBUILD_START_TIME: String(sandbox.startTime!.getTime()),
        CODEBUILD_KMS_KEY_ID: sandbox.encryptionKey ?? '',
        CODEBUILD_LOG_PATH: this.session.logs?.streamName ?? this.session.id!,
      },
      credentials,
    );
  }
}

/** The first `max` characters (UTF-8) of a file, '' when it does not exist. */
async function readHead(path: string, max: number): Promise<string> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch {
    return '';
  }
  try {
    const buffer = Buffer.alloc(max);
    const { bytesRead } = await file.read(buffer, 0, max, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await file.close();
  }
}
