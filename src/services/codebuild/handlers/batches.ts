/**
 * CodeBuild batch builds: StartBuildBatch, BatchGetBuildBatches, StopBuildBatch, RetryBuildBatch,
 * ListBuildBatches, ListBuildBatchesForProject, DeleteBuildBatch.
 *
 * A batch is a durable job (enqueued with the batch record) that walks AWS's batch phases:
 * SUBMITTED → DOWNLOAD_BATCHSPEC (the buildspec's `batch` section is read, from the inline buildspec
 * or from a checkout of the primary source, and expanded into build groups) → IN_PROGRESS (the
 * groups' builds are started through StartBuild's own path, a group only once every group it depends
 * on succeeded or may fail) → SUCCEEDED, FAILED or STOPPED. Each build is a real build (BatchGetBuilds
 * shows it with buildBatchArn). The orchestrator follows its builds through the store, woken by their
 * "CodeBuild Build State Change" events, so a restart resumes it where the records stand: a build
 * started is recorded in the same transaction as the group that started it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve, sep } from 'node:path';
import type * as CB from '@aws-sdk/client-codebuild';
import type { Handlers, RequestContext } from '../../../protocol/types.js';
import type { Principal } from '../../../core/accounts.js';
import { AwsError } from '../../../core/errors.js';
import { arn, parseArn } from '../../../core/arn.js';
import { uuid } from '../../../core/ids.js';
import { BuildPhaseError, type Buildspec, type BuildRun, type CodeBuildContext } from '../common.js';
import type { Scope } from '../../../core/accounts.js';
import { buildOf, type BuildStore } from '../store/build-store.js';
import { batchOf, planOf, type BatchStore, type BatchPlan, type BatchRow, type PlannedBuild } from '../store/batch-store.js';
import type { BuildStarter } from './builds.js';
import { parseBuildspec } from '../buildspec/buildspec.js';
import { fetchSources } from '../engine/source.js';
import { isInline } from '../engine/runner.js';

export const BATCH_JOB = 'codebuild.batch';

const PAGE_SIZE = 100;
/** StartBuildBatch and RetryBuildBatch idempotency tokens are honoured for five minutes, as for builds. */
const IDEMPOTENCY_WINDOW_MS = 5 * 60_000;
/** The orchestrator re-reads its builds at least this often (real milliseconds), events or not. */
const POLL_MS = 1000;
/** StopBuildBatch answers once the batch completed or after this long (real milliseconds). */
const STOP_WAIT_MS = 3000;
/** Group identifiers: letters, digits and underscores, as AWS's examples and console accept. */
const IDENTIFIER = /^[A-Za-z0-9_]{1,127}$/;

const scopeOf = (ctx: RequestContext): Scope => ({ account: ctx.account, region: ctx.region });
const invalid = (message: string) => new AwsError('InvalidInputException', `Invalid input: ${message}`);
const batchArn = (scope: Scope, id: string) => arn('codebuild', scope.region, scope.account, `build-batch/${id}`);
const key = (scope: Scope, id: string) => `${scope.account}/${scope.region}/${id}`;

/** The batch id a batch id or batch ARN designates in this scope; undefined for other scopes or resources. */
function batchIdOf(scope: Scope, idOrArn: string): string | undefined {
  if (!idOrArn.startsWith('arn:')) return idOrArn;
  const parts = parseArn(idOrArn);
  if (!parts || parts.service !== 'codebuild' || parts.account !== scope.account || parts.region !== scope.region || !parts.resource.startsWith('build-batch/')) return undefined;
  return parts.resource.slice('build-batch/'.length);
}

/** Who started a batch, as `initiator` shows it (as for builds). */
function initiatorOf(principal: Principal): string {
  if (principal.kind === 'user') return principal.userName ?? principal.arn;
  if (principal.kind === 'assumed-role') return `${principal.roleName}/${principal.sessionName}`;
  return 'root';
}

/** StartBuildBatch's overrides as the StartBuild input every build of the batch starts from. */
function buildInputOf(input: CB.StartBuildBatchInput): CB.StartBuildInput {
  const {
    buildBatchConfigOverride: _config,
    buildTimeoutInMinutesOverride,
    reportBuildBatchStatusOverride,
    idempotencyToken: _token,
    debugSessionEnabled: _debug,
    ...same
  } = input;
  return {
    ...same,
    ...(buildTimeoutInMinutesOverride !== undefined ? { timeoutInMinutesOverride: buildTimeoutInMinutesOverride } : {}),
    ...(reportBuildBatchStatusOverride !== undefined ? { reportBuildStatusOverride: reportBuildBatchStatusOverride } : {}),
  };
}

// ---- the batch section of the buildspec --------------------------------------------------------

type Yaml = Record<string, unknown>;

/** A batchspec problem: the batch fails in DOWNLOAD_BATCHSPEC with this message. */
const batchspecError = (message: string) => new BuildPhaseError('YAML_FILE_ERROR', message);

function mapping(value: unknown, where: string): Yaml {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw batchspecError(`${where} must be a mapping`);
  return value as Yaml;
}

function onlyKeys(value: Yaml, where: string, allowed: string[]): void {
  for (const k of Object.keys(value)) if (!allowed.includes(k)) throw batchspecError(`unknown key ${k} in ${where}`);
}

function bool(value: unknown, where: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw batchspecError(`${where} must be true or false`);
  return value;
}

function scalar(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object') throw batchspecError(`${where} must be a single value`);
  return String(value);
}

/** A scalar or a list of scalars (the dynamic part of a build matrix). */
function values(value: unknown, where: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw batchspecError(`${where} must list at least one value`);
  return list.map((v, i) => scalar(v, `${where}[${i}]`)!);
}

interface TaskEnv {
  computeType?: string;
  image?: string;
  type?: string;
  privilegedMode?: boolean;
  variables: Record<string, string>;
}

function taskEnv(value: unknown, where: string): TaskEnv {
  if (value === undefined || value === null) return { variables: {} };
  const env = mapping(value, where);
  onlyKeys(env, where, ['compute-type', 'image', 'type', 'privileged-mode', 'variables', 'fleet']);
  // Builds of a batch run on the project's fleet (or StartBuildBatch's environment); choosing another per group is not emulated.
  if (env.fleet !== undefined) throw batchspecError(`${where}/fleet: choosing a fleet per batch build is not supported by Drydock`);
  const variables: Record<string, string> = {};
  if (env.variables !== undefined && env.variables !== null) {
    for (const [name, v] of Object.entries(mapping(env.variables, `${where}/variables`))) variables[name] = scalar(v, `${where}/variables/${name}`) ?? '';
  }
  return {
    computeType: scalar(env['compute-type'], `${where}/compute-type`),
    image: scalar(env.image, `${where}/image`),
    type: scalar(env.type, `${where}/type`),
    privilegedMode: bool(env['privileged-mode'], `${where}/privileged-mode`),
    variables,
  };
}

/** One group of the batch as the batchspec defines it. */
interface Task {
  identifier: string;
  dependsOn: string[];
  ignoreFailure: boolean;
  buildspec?: string;
  debugSession?: boolean;
  env: TaskEnv;
}

function listTasks(value: unknown, where: string, graph: boolean): Task[] {
  if (!Array.isArray(value) || value.length === 0) throw batchspecError(`${where} must be a list of builds`);
  return value.map((item, i) => {
    const at = `${where}[${i}]`;
    const task = mapping(item, at);
    onlyKeys(task, at, ['identifier', 'buildspec', 'env', 'depend-on', 'ignore-failure', 'debug-session']);
    const identifier = scalar(task.identifier, `${at}/identifier`) ?? (graph ? undefined : `build${i + 1}`);
    if (identifier === undefined) throw batchspecError(`${at}/identifier is required in a build graph`);
    if (!graph && task['depend-on'] !== undefined) throw batchspecError(`${at}/depend-on is only valid in a build graph`);
    const dependsOn = task['depend-on'] === undefined || task['depend-on'] === null ? [] : values(task['depend-on'], `${at}/depend-on`)!;
    return {
      identifier,
      dependsOn,
      ignoreFailure: bool(task['ignore-failure'], `${at}/ignore-failure`) ?? false,
      buildspec: scalar(task.buildspec, `${at}/buildspec`),
      debugSession: bool(task['debug-session'], `${at}/debug-session`),
      env: taskEnv(task.env, `${at}/env`),
    };
  });
}

/** The cartesian product of a build matrix: buildspecs outermost, then images, compute types, variables in order. */
function matrixTasks(value: unknown): Task[] {
  const matrix = mapping(value, 'batch/build-matrix');
  onlyKeys(matrix, 'batch/build-matrix', ['static', 'dynamic']);
  const fixed = matrix.static === undefined || matrix.static === null ? {} : mapping(matrix.static, 'batch/build-matrix/static');
  onlyKeys(fixed, 'batch/build-matrix/static', ['ignore-failure', 'env', 'debug-session']);
  const staticEnv = taskEnv(fixed.env, 'batch/build-matrix/static/env');
  const dynamic = mapping(matrix.dynamic, 'batch/build-matrix/dynamic');
  onlyKeys(dynamic, 'batch/build-matrix/dynamic', ['buildspec', 'env']);
  const dynamicEnv = dynamic.env === undefined || dynamic.env === null ? {} : mapping(dynamic.env, 'batch/build-matrix/dynamic/env');
  onlyKeys(dynamicEnv, 'batch/build-matrix/dynamic/env', ['compute-type', 'image', 'variables']);
  const axes: { apply: (t: Task, v: string) => void; values: string[] }[] = [];
  const add = (list: string[] | undefined, apply: (t: Task, v: string) => void) => list && axes.push({ apply, values: list });
  add(values(dynamic.buildspec, 'batch/build-matrix/dynamic/buildspec'), (t, v) => (t.buildspec = v));
  add(values(dynamicEnv.image, 'batch/build-matrix/dynamic/env/image'), (t, v) => (t.env.image = v));
  add(values(dynamicEnv['compute-type'], 'batch/build-matrix/dynamic/env/compute-type'), (t, v) => (t.env.computeType = v));
  if (dynamicEnv.variables !== undefined && dynamicEnv.variables !== null) {
    for (const [name, list] of Object.entries(mapping(dynamicEnv.variables, 'batch/build-matrix/dynamic/env/variables'))) {
      add(values(list, `batch/build-matrix/dynamic/env/variables/${name}`), (t, v) => (t.env.variables[name] = v));
    }
  }
  if (axes.length === 0) throw batchspecError('batch/build-matrix/dynamic must vary a buildspec, an image, a compute type or a variable');
  let tasks: Task[] = [{
    identifier: '',
    dependsOn: [],
    ignoreFailure: bool(fixed['ignore-failure'], 'batch/build-matrix/static/ignore-failure') ?? false,
    debugSession: bool(fixed['debug-session'], 'batch/build-matrix/static/debug-session'),
    env: staticEnv,
  }];
  for (const axis of axes) {
    tasks = tasks.flatMap((t) => axis.values.map((v) => {
      const next: Task = { ...t, env: { ...t.env, variables: { ...t.env.variables } } };
      axis.apply(next, v);
      return next;
    }));
  }
  return tasks.map((t, i) => ({ ...t, identifier: `build${i + 1}` }));
}

/** The groups the batch section defines, checked: unique identifiers, known and acyclic dependencies. */
function tasksOf(batch: unknown): { fastFail: boolean; tasks: Task[] } {
  if (batch === undefined || batch === null) throw batchspecError('the buildspec has no batch section: a batch build needs batch/build-list, batch/build-graph or batch/build-matrix');
  const section = mapping(batch, 'batch');
  onlyKeys(section, 'batch', ['fast-fail', 'build-list', 'build-graph', 'build-matrix', 'build-fanout']);
  const kinds = ['build-list', 'build-graph', 'build-matrix', 'build-fanout'].filter((k) => section[k] !== undefined && section[k] !== null);
  if (kinds.length !== 1) throw batchspecError('batch must define exactly one of build-list, build-graph, build-matrix and build-fanout');
  const kind = kinds[0];
  if (kind === 'build-fanout') throw batchspecError('batch/build-fanout is not supported by Drydock (it splits test suites across builds)');
  const tasks = kind === 'build-matrix' ? matrixTasks(section[kind]) : listTasks(section[kind], `batch/${kind}`, kind === 'build-graph');
  const ids = new Set<string>();
  for (const t of tasks) {
    if (!IDENTIFIER.test(t.identifier)) throw batchspecError(`build identifier ${t.identifier} may contain only letters, digits and underscores`);
    if (ids.has(t.identifier)) throw batchspecError(`build identifier ${t.identifier} is used more than once`);
    ids.add(t.identifier);
  }
  for (const t of tasks) for (const d of t.dependsOn) if (!ids.has(d)) throw batchspecError(`build ${t.identifier} depends on ${d}, which the batch does not define`);
  // Depth-first search for a cycle: a graph with one would never finish.
  const state = new Map<string, 'visiting' | 'done'>();
  const byId = new Map(tasks.map((t) => [t.identifier, t]));
  const visit = (id: string): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw batchspecError(`the build graph has a dependency cycle through ${id}`);
    state.set(id, 'visiting');
    for (const d of byId.get(id)!.dependsOn) visit(d);
    state.set(id, 'done');
  };
  for (const t of tasks) visit(t.identifier);
  return { fastFail: bool(section['fast-fail'], 'batch/fast-fail') ?? false, tasks };
}

/** The StartBuild input of one group: the batch's overrides, then the group's buildspec and environment. */
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

// ---- phases ------------------------------------------------------------------------------------

function begin(batch: CB.BuildBatch, type: CB.BuildBatchPhaseType, now: Date): void {
  batch.currentPhase = type;
  batch.phases!.push({ phaseType: type, startTime: now });
}

function finishPhase(batch: CB.BuildBatch, status: CB.StatusType, now: Date, contexts?: CB.PhaseContext[]): void {
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

const PENDING = 'PENDING' as CB.StatusType;

function summaryOf(build: CB.Build, identifier: string): CB.BuildSummary {
  return {
    arn: build.arn,
    requestedOn: build.startTime,
    buildStatus: build.buildStatus,
    ...(build.buildComplete && build.artifacts?.location ? { primaryArtifact: { type: 'S3', location: build.artifacts.location, identifier } } : {}),
    ...(build.buildComplete ? { secondaryArtifacts: (build.secondaryArtifacts ?? []).map((a) => ({ type: 'S3' as const, location: a.location, identifier: a.artifactIdentifier })) } : {}),
  };
}

const buildIdOfArn = (buildArn: string) => buildArn.slice(buildArn.indexOf(':build/') + ':build/'.length);

// ---- the orchestrator --------------------------------------------------------------------------

class BatchOrchestrator {
  /** Batches this process is running: how to wake each one while it waits. */
  private readonly waiting = new Map<string, () => void>();
  /** Batches something happened to since their last look (a wake that came while they were busy). */
  private readonly dirty = new Set<string>();
  private readonly running = new Set<string>();

  constructor(
    private readonly c: CodeBuildContext,
    private readonly batches: BatchStore,
    private readonly builds: BuildStore,
    private readonly starter: BuildStarter,
  ) {
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

  private async run(payload: { account: string; region: string; id: string }): Promise<void> {
    const scope = { account: payload.account, region: payload.region };
    try {
      await this.walk(scope, payload.id);
    } catch (err) {
      if (!this.open) return;
      // A Drydock bug must not leave the batch IN_PROGRESS forever: it ends as FAULT, saying why.
      this.c.rt.log.error({ err, batch: payload.id }, 'CodeBuild batch orchestrator failed');
      const row = this.batches.get(scope, payload.id);
      if (!row || row.complete) return;
      const batch = batchOf(row);
      finishPhase(batch, 'FAULT', this.now(), [{ statusCode: 'FAULT', message: err instanceof Error ? err.message : String(err) }]);
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
        finishPhase(batch, 'SUCCEEDED', this.now());
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
        throw new BuildPhaseError('CLIENT_ERROR', `Batch build contains ${tasks.length} builds, more than the maximum of ${restrictions.maximumBuildsAllowed} builds allowed by the project's batch restrictions`);
      }
      const planned: PlannedBuild[] = [];
      for (const task of tasks) {
        const input = taskInput(plan.input, task);
        // Each build's overrides are checked now, as StartBuild would check them, so a bad one fails the batch before anything runs.
        const effective = this.starter.effectiveProject(scope, input);
        const computeType = effective.environment?.computeType;
        if (restrictions?.computeTypesAllowed?.length && !restrictions.computeTypesAllowed.includes(computeType!)) {
          throw new BuildPhaseError('CLIENT_ERROR', `Build ${task.identifier} uses compute type ${computeType}, which the project's batch restrictions do not allow (allowed: ${restrictions.computeTypesAllowed.join(', ')})`);
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
      finishPhase(batch, 'SUCCEEDED', this.now());
      begin(batch, 'IN_PROGRESS', this.now());
    } catch (err) {
      const stopped = err instanceof BuildPhaseError && err.statusCode === 'BUILD_BATCH_STOPPED';
      const contexts = err instanceof BuildPhaseError ? [{ statusCode: err.statusCode, message: err.message }]
        : err instanceof AwsError ? [{ statusCode: 'CLIENT_ERROR', message: `${err.code}: ${err.message}` }]
        : undefined;
      if (!contexts) throw err;
      finishPhase(batch, stopped ? 'STOPPED' : 'FAILED', this.now(), stopped ? undefined : contexts);
      complete(batch, stopped ? 'STOPPED' : 'FAILED', this.now());
    }
    if (this.open) this.batches.update(scope, batch, plan);
  }

  /**
   * The buildspec the batch runs: inline (the project's or the override), an S3 object ARN, or a file
   * of the primary source, which is checked out for that (the resolved source version becomes the batch's).
   */
  private async loadBuildspec(scope: Scope, batch: CB.BuildBatch, project: CB.Project): Promise<Buildspec> {
    const value = project.source?.buildspec?.trim() ? project.source.buildspec : undefined;
    if (value?.startsWith('arn:aws:s3:::')) {
      const location = value.slice('arn:aws:s3:::'.length);
      const slash = location.indexOf('/');
      try {
        const object = this.c.rt.api('s3').getObject(scope, location.slice(0, slash), location.slice(slash + 1));
        const chunks: Buffer[] = [];
        for await (const chunk of object.body) chunks.push(Buffer.from(chunk as Buffer));
        return parseBuildspec(Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        if (err instanceof AwsError) throw new BuildPhaseError('YAML_FILE_ERROR', `Unable to get buildspec file ${value}: ${err.code}: ${err.message}`);
        throw err;
      }
    }
    if (value !== undefined && isInline(value)) return parseBuildspec(value);
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
      const relative = value ?? 'buildspec.yml';
      const path = resolve(srcDir, relative);
      if (isAbsolute(relative) || (path !== srcDir && !path.startsWith(srcDir + sep))) throw new BuildPhaseError('YAML_FILE_ERROR', `YAML file does not exist: buildspec path ${relative} is outside the source directory`);
      if (!existsSync(path)) throw new BuildPhaseError('YAML_FILE_ERROR', `YAML file does not exist: ${relative}`);
      return parseBuildspec(await readFile(path, 'utf8'));
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
          const timer = setTimeout(wake, POLL_MS);
          timer.unref();
          this.waiting.set(k, () => {
            clearTimeout(timer);
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
      finishPhase(batch, outcome, now, timedOut && !stopRequested ? [{ statusCode: 'BUILD_BATCH_TIMED_OUT', message: `The batch build exceeded its timeout of ${timeout} minutes` }] : undefined);
      complete(batch, outcome, now);
      this.batches.update(scope, batch, plan);
      return 'done';
    }
    if (changed) this.batches.update(scope, batch, plan);
    return 'wait';
  }
}

// ---- the operations ----------------------------------------------------------------------------

export function batchesHandlers(c: CodeBuildContext, starter: BuildStarter): Handlers {
  const projects = c.stores.projects;
  const batches = c.stores.batches;
  const builds = c.stores.builds;
  const orchestrator = new BatchOrchestrator(c, batches, builds, starter);

  function rowOrNotFound(scope: Scope, idOrArn: string): BatchRow {
    const id = batchIdOf(scope, idOrArn);
    const row = id === undefined ? undefined : batches.get(scope, id);
    if (!row) throw new AwsError('ResourceNotFoundException', `Build batch cannot be found: ${idOrArn}`);
    return row;
  }

  function page(scope: Scope, filter: { projectName?: string; status?: string }, sortOrder: string | undefined, maxResults: number | undefined, nextToken: string | undefined) {
    let after: number | undefined;
    if (nextToken !== undefined) {
      if (!/^\d+$/.test(nextToken)) throw invalid('Invalid nextToken');
      after = Number(nextToken);
    }
    const size = maxResults ?? PAGE_SIZE;
    const rows = batches.list(scope, filter, sortOrder === 'ASCENDING' ? 'ASCENDING' : 'DESCENDING', after, size + 1);
    const shown = rows.slice(0, size);
    return { ids: shown.map((r) => r.id), ...(rows.length > size ? { nextToken: String(shown[shown.length - 1].seq) } : {}) };
  }

  /** Waits (a little) for the orchestrator to complete a batch it was asked to stop. */
  async function settled(scope: Scope, id: string): Promise<BatchRow | undefined> {
    const until = Date.now() + STOP_WAIT_MS;
    for (;;) {
      const row = batches.get(scope, id);
      if (!row || row.complete || Date.now() >= until) return row;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  return {
    StartBuildBatch(input: CB.StartBuildBatchInput, ctx: RequestContext): CB.StartBuildBatchOutput {
      const scope = scopeOf(ctx);
      const token = input.idempotencyToken;
      if (token !== undefined) {
        const previous = batches.byToken(scope, token, c.rt.clock.now() - IDEMPOTENCY_WINDOW_MS);
        if (previous) return { buildBatch: batchOf(previous) };
      }
      const projectRow = projects.row(scope, input.projectName!);
      if (!projectRow) throw new AwsError('ResourceNotFoundException', `Project cannot be found: ${input.projectName}`);
      const buildInput = { ...buildInputOf(input), projectName: projectRow.name };
      // The builds' overrides are checked as StartBuild checks them, before anything is written.
      const project = starter.effectiveProject(scope, buildInput);
      const config = input.buildBatchConfigOverride ?? project.buildBatchConfig;
      if (!config?.serviceRole) throw invalid(`Batch build is not enabled for project ${project.name}: the project needs a buildBatchConfig with a serviceRole`);
      const maximum = config.restrictions?.maximumBuildsAllowed;
      if (maximum !== undefined && maximum < 1) throw invalid('buildBatchConfig.restrictions.maximumBuildsAllowed must be at least 1');
      if (config.timeoutInMins !== undefined && (config.timeoutInMins < 5 || config.timeoutInMins > 2160)) throw invalid('buildBatchConfig.timeoutInMins must be between 5 and 2160');

      const name = project.name!;
      const id = `${name}:${uuid()}`;
      const now = c.rt.clock.date();
      const batch: CB.BuildBatch = {
        id,
        arn: batchArn(scope, id),
        startTime: now,
        currentPhase: 'SUBMITTED',
        buildBatchStatus: 'IN_PROGRESS',
        ...(project.sourceVersion !== undefined ? { sourceVersion: project.sourceVersion } : {}),
        projectName: name,
        phases: [{ phaseType: 'SUBMITTED', startTime: now }],
        source: project.source,
        secondarySources: project.secondarySources ?? [],
        secondarySourceVersions: project.secondarySourceVersions ?? [],
        artifacts: { location: '' },
        secondaryArtifacts: [],
        cache: project.cache,
        environment: project.environment,
        serviceRole: project.serviceRole,
        logConfig: {
          cloudWatchLogs: project.logsConfig?.cloudWatchLogs ?? { status: 'ENABLED' },
          s3Logs: project.logsConfig?.s3Logs ?? { status: 'DISABLED' },
        },
        buildTimeoutInMinutes: project.timeoutInMinutes,
        queuedTimeoutInMinutes: project.queuedTimeoutInMinutes,
        complete: false,
        initiator: initiatorOf(ctx.principal),
        ...(project.vpcConfig ? { vpcConfig: project.vpcConfig } : {}),
        encryptionKey: project.encryptionKey,
        ...(project.fileSystemLocations?.length ? { fileSystemLocations: project.fileSystemLocations } : {}),
        buildBatchConfig: config,
        buildGroups: [],
        ...(input.debugSessionEnabled !== undefined ? { debugSessionEnabled: input.debugSessionEnabled } : {}),
      };
      const plan: BatchPlan = { input: buildInput, fastFail: false, builds: [] };
      batches.tx(() => {
        batch.buildBatchNumber = batches.nextNumber(scope, name);
        batches.insert({
          account: scope.account,
          region: scope.region,
          id,
          arn: batch.arn!,
          project_name: name,
          batch: JSON.stringify(batch),
          plan: JSON.stringify(plan),
          status: 'IN_PROGRESS',
          complete: 0,
          stop_requested: 0,
          idempotency_token: token ?? null,
          created_at: now.getTime(),
        });
        c.rt.jobs.enqueue(BATCH_JOB, { account: scope.account, region: scope.region, id });
      });
      return { buildBatch: batch };
    },

    BatchGetBuildBatches(input: CB.BatchGetBuildBatchesInput, ctx: RequestContext): CB.BatchGetBuildBatchesOutput {
      const scope = scopeOf(ctx);
      if (input.ids!.length === 0) throw invalid('ids must contain at least one batch id');
      const found: CB.BuildBatch[] = [];
      const notFound: string[] = [];
      for (const idOrArn of new Set(input.ids)) {
        const id = batchIdOf(scope, idOrArn);
        const row = id === undefined ? undefined : batches.get(scope, id);
        if (row) found.push(batchOf(row));
        else notFound.push(idOrArn);
      }
      return { buildBatches: found, buildBatchesNotFound: notFound };
    },

    async StopBuildBatch(input: CB.StopBuildBatchInput, ctx: RequestContext): Promise<CB.StopBuildBatchOutput> {
      const scope = scopeOf(ctx);
      const row = rowOrNotFound(scope, input.id!);
      if (row.complete) throw invalid(`Failed to stop build batch: build batch ${row.id} has already completed`);
      batches.setStopRequested(scope, row.id, true);
      orchestrator.wake(scope, row.id);
      return { buildBatch: batchOf((await settled(scope, row.id)) ?? row) };
    },

    RetryBuildBatch(input: CB.RetryBuildBatchInput, ctx: RequestContext): CB.RetryBuildBatchOutput {
      const scope = scopeOf(ctx);
      const token = input.idempotencyToken;
      if (token !== undefined) {
        const previous = batches.byToken(scope, token, c.rt.clock.now() - IDEMPOTENCY_WINDOW_MS);
        if (previous) return { buildBatch: batchOf(previous) };
      }
      if (input.id === undefined) throw invalid('id must be specified unless idempotencyToken names a previous RetryBuildBatch');
      const row = rowOrNotFound(scope, input.id);
      // Only a batch that did not succeed can be retried (the API reference: "Only batch builds that have failed can be retried").
      if (!row.complete || row.status === 'SUCCEEDED') throw invalid(`Only batch builds that have failed can be retried: build batch ${row.id} is ${row.complete ? 'SUCCEEDED' : 'IN_PROGRESS'}`);
      if (!projects.row(scope, row.project_name)) throw new AwsError('ResourceNotFoundException', `Project cannot be found: ${row.project_name}`);
      const batch = batchOf(row);
      const plan = planOf(row);
      const retryType = input.retryType ?? 'RETRY_ALL_BUILDS';
      const now = c.rt.clock.date();
      // The terminal phase ends; the batch goes back to work on the groups it retries.
      finishPhase(batch, batch.buildBatchStatus!, now);
      delete batch.endTime;
      batch.complete = false;
      batch.buildBatchStatus = 'IN_PROGRESS';
      if (plan.builds.length === 0) {
        // The batchspec never expanded (it failed in DOWNLOAD_BATCHSPEC): it is read again.
        begin(batch, 'DOWNLOAD_BATCHSPEC', now);
      } else {
        begin(batch, 'IN_PROGRESS', now);
        for (const group of batch.buildGroups ?? []) {
          const current = group.currentBuildSummary!;
          if (retryType === 'RETRY_FAILED_BUILDS' && current.buildStatus === 'SUCCEEDED') continue;
          if (current.arn) group.priorBuildSummaryList = [...(group.priorBuildSummaryList ?? []), current];
          group.currentBuildSummary = { requestedOn: now, buildStatus: PENDING };
        }
      }
      batches.tx(() => {
        batches.update(scope, batch, plan);
        batches.setStopRequested(scope, row.id, false);
        if (token !== undefined) batches.setIdempotencyToken(scope, row.id, token, now.getTime());
        c.rt.jobs.enqueue(BATCH_JOB, { account: scope.account, region: scope.region, id: row.id });
      });
      return { buildBatch: batch };
    },

    ListBuildBatches(input: CB.ListBuildBatchesInput, ctx: RequestContext): CB.ListBuildBatchesOutput {
      return page(scopeOf(ctx), { status: input.filter?.status }, input.sortOrder, input.maxResults, input.nextToken);
    },

    ListBuildBatchesForProject(input: CB.ListBuildBatchesForProjectInput, ctx: RequestContext): CB.ListBuildBatchesForProjectOutput {
      const scope = scopeOf(ctx);
      if (input.projectName === undefined) throw invalid('projectName must be specified');
      const projectRow = projects.row(scope, input.projectName);
      if (!projectRow) throw new AwsError('ResourceNotFoundException', `Project cannot be found: ${input.projectName}`);
      return page(scope, { projectName: projectRow.name, status: input.filter?.status }, input.sortOrder, input.maxResults, input.nextToken);
    },

    DeleteBuildBatch(input: CB.DeleteBuildBatchInput, ctx: RequestContext): CB.DeleteBuildBatchOutput {
      const scope = scopeOf(ctx);
      const id = batchIdOf(scope, input.id!);
      const row = id === undefined ? undefined : batches.get(scope, id);
      // DeleteBuildBatch declares only InvalidInputException.
      if (!row) throw invalid(`Build batch cannot be found: ${input.id}`);
      if (!row.complete) throw invalid(`Failed to delete build batch: build batch ${row.id} is still in progress`);
      const batch = batchOf(row);
      const deleted: string[] = [];
      const notDeleted: CB.BuildNotDeleted[] = [];
      const arns = (batch.buildGroups ?? []).flatMap((g) => [g.currentBuildSummary, ...(g.priorBuildSummaryList ?? [])]).flatMap((s) => (s?.arn ? [s.arn] : []));
      batches.tx(() => {
        for (const buildArn of arns) {
          const buildRow = builds.get(scope, buildIdOfArn(buildArn));
          if (!buildRow) continue;
          if (!buildRow.complete) notDeleted.push({ id: buildRow.arn, statusCode: 'BUILD_IN_PROGRESS' });
          else {
            builds.remove(scope, buildRow.id);
            deleted.push(buildRow.arn);
          }
        }
        batches.remove(scope, row.id);
      });
      return { buildsDeleted: deleted, buildsNotDeleted: notDeleted };
    },
  };
}

/** The name in a fleet ARN (`…:fleet/<name>:<uuid>`). */
function fleetNameOf(fleetArn: string): string {
  const resource = fleetArn.slice(fleetArn.indexOf(':fleet/') + ':fleet/'.length);
  return resource.slice(0, resource.lastIndexOf(':'));
}
