/**
 * One build's walk through AWS's phases: QUEUED → PROVISIONING → DOWNLOAD_SOURCE → INSTALL →
 * PRE_BUILD → BUILD → POST_BUILD → UPLOAD_ARTIFACTS → FINALIZING → COMPLETED, persisting the record
 * and publishing its events at every transition (each event in the transaction that writes the
 * change), so BatchGetBuilds shows live progress.
 *
 * Each build gets a work root in the system temp directory (never inside the data directory, which
 * the sandbox hides), its source in `<root>/src`, and one sandboxed shell session.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Build, BuildPhase, BuildPhaseType, PhaseContext, Project, StatusType } from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import { hex } from '../../../core/ids.js';
import { buildspecLocation, readBuildspec } from '../buildspec/load.js';
import { BuildPhaseError, type BuildRun, type Buildspec, BuildspecError, type CodeBuildContext } from '../common.js';
import { runPageUrl } from '../names.js';
import { collectReports } from '../reports/report-collector.js';
import type { BuildStore } from '../store/build-store.js';
import { uploadArtifacts } from './artifacts.js';
import { publishPhaseChange, publishStateChange } from './build-events.js';
import { BuildLog, logsLocation, logTargets } from './build-logs.js';
import { restoreCache, saveCache } from './cache.js';
import { EnvironmentError, exportedVariables, secretMasker } from './environment.js';
import { containerLine, runBuildPhases } from './phases.js';
import {
  assumeServiceRole,
  builtinEnvironment,
  downloadSources,
  inWorkRoot,
  prepareWorkRoot,
  type RoleSession,
  resolveRunEnvironment,
  roleSessionSeconds,
  secondarySourceDirs,
  startRunShell,
  workRootOf,
} from './provisioning.js';
import type { BuildRunner } from './runner.js';
import { type Active, finishPhase, ShuttingDown } from './runs.js';
import { selectRuntimes } from './runtime-versions.js';
import type { BuildShell } from './shell.js';

/** One run of one build. */
export class Lifecycle {
  private readonly uuid: string;
  private log?: BuildLog;
  /** The status the build ends with, once a phase decided it. */
  private outcome: StatusType = 'SUCCEEDED';

  private readonly builds: BuildStore;

  constructor(
    private readonly c: CodeBuildContext,
    private readonly scope: Scope,
    private readonly build: Build,
    private readonly project: Project,
    private readonly active: Active,
    private readonly runner: BuildRunner,
  ) {
    this.uuid = build.id!.slice(build.id!.lastIndexOf(':') + 1);
    this.builds = c.stores.builds;
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
    this.builds.tx(() => {
      this.persist();
      publishPhaseChange(this.c, this.scope, this.build, phase);
    });
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
    this.runner.armTimeout(this.active, this.c.rt.clock.now() + (this.build.timeoutInMinutes ?? 60) * 60_000);
    const workRoot = workRootOf('build', this.uuid);
    await inWorkRoot(workRoot, this.active, () => this.lifecycle(workRoot));
  }

  private async lifecycle(workRoot: string): Promise<void> {
    // PROVISIONING: the work root, the log, the service role's credentials.
    this.begin('PROVISIONING');
    const targets = logTargets(this.project.logsConfig, this.project.name!, this.uuid);
    this.build.logs = logsLocation(this.scope, this.project.logsConfig, targets, runPageUrl(this.c.rt.endpoint(), 'builds', this.build.id!));
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
        this.agent('Processing environment variables');
        const resolved = await resolveRunEnvironment(this.c, this.scope, credentials, this.baseEnvironment(run, credentials), spec.env, this.project.environment?.environmentVariables);
        log.setMask(secretMasker(resolved.secrets));
        unexportable = resolved.unexportable;
        run.env = resolved.env;
        // After the environment, as AWS's agent selects them: a version may be `$VAR`.
        await selectRuntimes(spec.phases.install?.runtimeVersions ?? {}, run.env, this.c.runtimeVersions, (text) => this.agent(text));
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
    this.runner.disarmTimeout(active);
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
    this.builds.tx(() => {
      this.persist();
      publishStateChange(this.c, this.scope, this.build);
    });
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
