/**
 * CodeBuild build operations: StartBuild (every override), StopBuild, RetryBuild, BatchGetBuilds,
 * ListBuilds, ListBuildsForProject, BatchDeleteBuilds. StartBuild writes the build record and its
 * durable job in one transaction; the runner (runner.ts) takes it from there.
 */
import { availableParallelism } from 'node:os';
import type * as CB from '@aws-sdk/client-codebuild';
import type { Handlers, RequestContext } from '../../../protocol/types.js';
import { AwsError } from '../../../core/errors.js';
import { arn, parseArn } from '../../../core/arn.js';
import { uuid } from '../../../core/ids.js';
import type { Principal } from '../../../core/accounts.js';
import type { CodeBuildContext } from '../common.js';
import type { Scope } from '../../../core/accounts.js';
import { buildOf, buildProjectOf, encodeBuild, type BuildRow } from '../store/build-store.js';
import { BUILD_JOB, BuildRunner } from '../engine/runner.js';
import { buildArn } from '../names.js';
import { publishPhaseChange, publishStateChange } from '../engine/build-events.js';

const PAGE_SIZE = 100;
/** StartBuild and RetryBuild idempotency tokens are honoured for five minutes. */
const IDEMPOTENCY_WINDOW_MS = 5 * 60_000;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Source providers that can report build status back to the repository host. */
const STATUS_REPORTING_SOURCES = new Set(['GITHUB', 'GITHUB_ENTERPRISE', 'BITBUCKET', 'GITLAB', 'GITLAB_SELF_MANAGED']);

const scopeOf = (ctx: RequestContext): Scope => ({ account: ctx.account, region: ctx.region });
const invalid = (message: string) => new AwsError('InvalidInputException', `Invalid input: ${message}`);

/** The build id a build id or build ARN designates in this scope; undefined for other scopes or resources. */
export function buildIdOf(scope: Scope, idOrArn: string): string | undefined {
  if (!idOrArn.startsWith('arn:')) return idOrArn;
  const parts = parseArn(idOrArn);
  if (!parts || parts.service !== 'codebuild' || parts.account !== scope.account || parts.region !== scope.region || !parts.resource.startsWith('build/')) return undefined;
  return parts.resource.slice('build/'.length);
}

/** Who started a build, as the build record's `initiator` shows it. */
function initiatorOf(principal: Principal): string {
  if (principal.kind === 'user') return principal.userName ?? principal.arn;
  if (principal.kind === 'assumed-role') return `${principal.roleName}/${principal.sessionName}`;
  return 'root';
}

/**
 * Builds queued or running in one account and region before StartBuild answers
 * AccountLimitExceededException (DRYDOCK_CODEBUILD_MAX_QUEUED_BUILDS).
 */
const DEFAULT_MAX_INCOMPLETE_BUILDS = 1000;

function positiveInteger(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${text}"`);
  return value;
}

/**
 * The build operations and the runner behind them. Limits: DRYDOCK_CODEBUILD_CONCURRENCY builds run
 * at once (default 2 × CPUs), the rest wait in QUEUED; see DEFAULT_MAX_INCOMPLETE_BUILDS.
 */
export function buildsService(c: CodeBuildContext): { handlers: Handlers; runner: BuildRunner; starter: BuildStarter } {
  const runner = new BuildRunner(c, { globalLimit: positiveInteger('DRYDOCK_CODEBUILD_CONCURRENCY', 2 * availableParallelism()) });
  const maxIncompleteBuilds = positiveInteger('DRYDOCK_CODEBUILD_MAX_QUEUED_BUILDS', DEFAULT_MAX_INCOMPLETE_BUILDS);
  const { handlers, starter } = buildsHandlers(c, runner, maxIncompleteBuilds);
  return { handlers, runner, starter };
}

/** How batch builds (batches.ts) check, start and stop the builds of a batch, exactly as StartBuild and StopBuild do. */
export interface BuildStarter {
  /** The project a StartBuild with `input` would run (overrides applied and checked; AWS errors otherwise). */
  effectiveProject(scope: Scope, input: CB.StartBuildInput): CB.Project;
  /** Starts a build of the batch `buildBatchArn` as StartBuild does, for `initiator`. */
  startBuild(scope: Scope, input: CB.StartBuildInput, extra: { initiator: string; buildBatchArn: string }): CB.Build;
  stopBuild(scope: Scope, id: string): Promise<void>;
}

function buildsHandlers(c: CodeBuildContext, runner: BuildRunner, maxIncompleteBuilds: number): { handlers: Handlers; starter: BuildStarter } {
  const projects = c.stores.projects;
  const builds = c.stores.builds;
  const fleets = c.stores.fleets;

  /** Applies StartBuild's overrides to the project: what this build runs. */
  function effectiveProject(scope: Scope, project: CB.Project, input: CB.StartBuildInput): CB.Project {
    const source: CB.ProjectSource = { ...project.source! };
    if (input.sourceTypeOverride !== undefined && input.sourceTypeOverride !== source.type) {
      source.type = input.sourceTypeOverride;
      // A location belongs to its source type: switching types without a new location keeps none.
      delete source.location;
    }
    if (input.sourceLocationOverride !== undefined) source.location = input.sourceLocationOverride;
    if (input.buildspecOverride !== undefined) source.buildspec = input.buildspecOverride;
    if (input.gitCloneDepthOverride !== undefined) source.gitCloneDepth = input.gitCloneDepthOverride;
    if (input.gitSubmodulesConfigOverride !== undefined) source.gitSubmodulesConfig = input.gitSubmodulesConfigOverride;
    if (input.insecureSslOverride !== undefined) source.insecureSsl = input.insecureSslOverride;
    if (input.reportBuildStatusOverride !== undefined) source.reportBuildStatus = input.reportBuildStatusOverride;
    if (input.buildStatusConfigOverride !== undefined) source.buildStatusConfig = input.buildStatusConfigOverride;
    if (input.sourceAuthOverride !== undefined) source.auth = input.sourceAuthOverride;

    if (source.reportBuildStatus && !STATUS_REPORTING_SOURCES.has(source.type!)) throw invalid(`reportBuildStatus is not supported for source type ${source.type}`);
    switch (source.type) {
      case 'NO_SOURCE':
        if (!source.buildspec?.trim()) throw invalid('buildspec must be specified for source type NO_SOURCE');
        break;
      case 'CODEPIPELINE':
        break;
      case 'S3': {
        const location = source.location ?? '';
        const slash = location.indexOf('/');
        if (slash < 0 || !BUCKET.test(location.slice(0, slash)) || slash === location.length - 1) {
          throw invalid(`source location ${location} must be <bucket-name>/<path-to-object>.zip or <bucket-name>/<path-to-folder>/`);
        }
        break;
      }
      default:
        if (!source.location) throw invalid(`location must be specified for source type ${source.type}`);
    }

    const environment: CB.ProjectEnvironment = { ...project.environment! };
    if (input.environmentTypeOverride !== undefined) environment.type = input.environmentTypeOverride;
    if (input.imageOverride !== undefined) environment.image = input.imageOverride;
    if (input.computeTypeOverride !== undefined) environment.computeType = input.computeTypeOverride;
    if (input.certificateOverride !== undefined) environment.certificate = input.certificateOverride;
    if (input.privilegedModeOverride !== undefined) environment.privilegedMode = input.privilegedModeOverride;
    if (input.imagePullCredentialsTypeOverride !== undefined) environment.imagePullCredentialsType = input.imagePullCredentialsTypeOverride;
    if (input.registryCredentialOverride !== undefined) environment.registryCredential = input.registryCredentialOverride;
    if (input.fleetOverride?.fleetArn !== undefined) {
      // As for projects: the exact ARN of a fleet in the caller's account and region.
      if (!fleets.byArn(scope, input.fleetOverride.fleetArn)) throw invalid(`fleet ${input.fleetOverride.fleetArn} does not exist`);
      environment.fleet = { fleetArn: input.fleetOverride.fleetArn };
    }
    if (input.environmentVariablesOverride) {
      // Overrides replace the project's variables of the same name and add the others.
      const merged = new Map((environment.environmentVariables ?? []).map((v) => [v.name!, v]));
      for (const v of input.environmentVariablesOverride) {
        if (!v.name) throw invalid('every environment variable needs a name');
        if (v.name.startsWith('CODEBUILD_')) throw invalid('No user environment variables can start with CODEBUILD_');
        merged.set(v.name, { name: v.name, value: v.value ?? '', type: v.type ?? 'PLAINTEXT' });
      }
      environment.environmentVariables = [...merged.values()];
    }

    let artifacts = project.artifacts!;
    if (input.artifactsOverride) {
      artifacts = { ...input.artifactsOverride };
      if (artifacts.type === 'S3') {
        if (!artifacts.location) throw invalid('location must be specified for artifacts of type S3');
        if (!BUCKET.test(artifacts.location)) throw invalid(`artifacts location ${artifacts.location} is not a valid S3 bucket name`);
        artifacts = { namespaceType: 'NONE', packaging: 'NONE', encryptionDisabled: false, ...artifacts, name: artifacts.name ?? project.name };
      }
    }
    if ((source.type === 'CODEPIPELINE') !== (artifacts.type === 'CODEPIPELINE')) {
      throw invalid('when using CodePipeline both sourceType, and artifactType must be set to: CODEPIPELINE');
    }
    const secondaryArtifacts = input.secondaryArtifactsOverride ?? project.secondaryArtifacts ?? [];
    for (const a of secondaryArtifacts) if (!a.artifactIdentifier) throw invalid('artifactIdentifier must be specified for every secondary artifact');
    const secondarySources = input.secondarySourcesOverride ?? project.secondarySources ?? [];
    for (const s of secondarySources) if (!s.sourceIdentifier) throw invalid('sourceIdentifier must be specified for every secondary source');
    const secondarySourceVersions = input.secondarySourcesVersionOverride ?? project.secondarySourceVersions ?? [];
    const sourceIds = new Set(secondarySources.map((s) => s.sourceIdentifier));
    for (const v of secondarySourceVersions) {
      if (!sourceIds.has(v.sourceIdentifier)) throw invalid(`secondarySourcesVersionOverride names sourceIdentifier ${v.sourceIdentifier}, which no secondary source has`);
    }

    let cache = project.cache ?? { type: 'NO_CACHE' };
    if (input.cacheOverride) {
      cache = input.cacheOverride;
      if (cache.type === 'S3' && !cache.location) throw invalid('location must be specified for cache type S3');
      if (cache.type === 'LOCAL' && !cache.modes?.length) throw invalid('at least one cache mode must be specified for cache type LOCAL');
    }
    let logsConfig = project.logsConfig;
    if (input.logsConfigOverride) {
      const cloudWatchLogs = input.logsConfigOverride.cloudWatchLogs ?? logsConfig?.cloudWatchLogs ?? { status: 'ENABLED' };
      const s3Logs = input.logsConfigOverride.s3Logs ?? logsConfig?.s3Logs ?? { status: 'DISABLED' };
      if (s3Logs.status === 'ENABLED' && !s3Logs.location) throw invalid('location must be specified when S3 logs are ENABLED');
      if (cloudWatchLogs.streamName !== undefined && (cloudWatchLogs.streamName === '' || /[:*]/.test(cloudWatchLogs.streamName))) {
        throw invalid(`CloudWatch Logs stream name ${cloudWatchLogs.streamName} is not valid`);
      }
      logsConfig = { cloudWatchLogs, s3Logs };
    }
    const serviceRole = input.serviceRoleOverride ?? project.serviceRole;
    if (input.serviceRoleOverride !== undefined) {
      const parts = parseArn(input.serviceRoleOverride);
      if (!parts || parts.service !== 'iam' || !parts.resource.startsWith('role/')) {
        throw new AwsError('InvalidInputException', `Invalid service role: ${input.serviceRoleOverride} is not an IAM role ARN`);
      }
    }

    return {
      ...project,
      source,
      sourceVersion: input.sourceVersion ?? project.sourceVersion,
      secondarySources,
      secondarySourceVersions,
      artifacts,
      secondaryArtifacts,
      environment,
      cache,
      logsConfig,
      serviceRole,
      timeoutInMinutes: input.timeoutInMinutesOverride ?? project.timeoutInMinutes ?? 60,
      queuedTimeoutInMinutes: input.queuedTimeoutInMinutesOverride ?? project.queuedTimeoutInMinutes ?? 480,
      encryptionKey: input.encryptionKeyOverride ?? project.encryptionKey,
      ...(input.autoRetryLimitOverride !== undefined ? { autoRetryLimit: input.autoRetryLimitOverride } : {}),
    };
  }

  /** Writes a new build of `project` and its job; publishes its first events once committed. */
  function createBuild(
    initiator: string,
    scope: Scope,
    project: CB.Project,
    token: string | undefined,
    extra: { debugSessionEnabled?: boolean; buildBatchArn?: string; autoRetryOf?: CB.Build },
  ): CB.Build {
    if (builds.incompleteCount(scope) >= maxIncompleteBuilds) {
      throw new AwsError('AccountLimitExceededException', `Cannot have more than ${maxIncompleteBuilds} builds in queue for the account`);
    }
    const name = project.name!;
    const id = `${name}:${uuid()}`;
    const now = c.rt.clock.date();
    const build: CB.Build = {
      id,
      arn: buildArn(scope, id),
      startTime: now,
      currentPhase: 'QUEUED',
      buildStatus: 'IN_PROGRESS',
      ...(project.sourceVersion !== undefined ? { sourceVersion: project.sourceVersion } : {}),
      projectName: name,
      phases: [
        { phaseType: 'SUBMITTED', phaseStatus: 'SUCCEEDED', startTime: now, endTime: now, durationInSeconds: 0 },
        { phaseType: 'QUEUED', startTime: now },
      ],
      source: project.source,
      secondarySources: project.secondarySources,
      secondarySourceVersions: project.secondarySourceVersions,
      artifacts: { location: '' },
      secondaryArtifacts: [],
      cache: project.cache,
      environment: project.environment,
      serviceRole: project.serviceRole,
      logs: {
        cloudWatchLogs: project.logsConfig?.cloudWatchLogs ?? { status: 'ENABLED' },
        s3Logs: project.logsConfig?.s3Logs ?? { status: 'DISABLED' },
      },
      timeoutInMinutes: project.timeoutInMinutes,
      queuedTimeoutInMinutes: project.queuedTimeoutInMinutes,
      buildComplete: false,
      initiator,
      ...(extra.buildBatchArn !== undefined ? { buildBatchArn: extra.buildBatchArn } : {}),
      ...(project.vpcConfig ? { vpcConfig: project.vpcConfig } : {}),
      encryptionKey: project.encryptionKey ?? arn('kms', scope.region, scope.account, 'alias/aws/s3'),
      ...(project.fileSystemLocations?.length ? { fileSystemLocations: project.fileSystemLocations } : {}),
      ...(extra.debugSessionEnabled !== undefined ? { debugSession: { sessionEnabled: extra.debugSessionEnabled } } : {}),
      ...(extra.autoRetryOf
        ? {
            autoRetryConfig: {
              autoRetryLimit: extra.autoRetryOf.autoRetryConfig!.autoRetryLimit,
              autoRetryNumber: extra.autoRetryOf.autoRetryConfig!.autoRetryNumber! + 1,
              previousAutoRetry: extra.autoRetryOf.id,
            },
          }
        : project.autoRetryLimit !== undefined
          ? { autoRetryConfig: { autoRetryLimit: project.autoRetryLimit, autoRetryNumber: 0 } }
          : {}),
    };
    builds.tx(() => {
      build.buildNumber = builds.nextNumber(scope, name);
      builds.insert({
        account: scope.account,
        region: scope.region,
        id,
        arn: build.arn!,
        project_name: name,
        build: encodeBuild(build),
        project: JSON.stringify(project),
        complete: 0,
        idempotency_token: token ?? null,
        created_at: now.getTime(),
      });
      c.rt.jobs.enqueue(BUILD_JOB, { account: scope.account, region: scope.region, id });
    });
    publishStateChange(c, scope, build);
    publishPhaseChange(c, scope, build, build.phases![0]);
    return build;
  }

  function rowOrNotFound(scope: Scope, idOrArn: string): BuildRow {
    const id = buildIdOf(scope, idOrArn);
    const row = id === undefined ? undefined : builds.get(scope, id);
    if (!row) throw new AwsError('ResourceNotFoundException', `Build cannot be found: ${idOrArn}`);
    return row;
  }

  function page(scope: Scope, projectName: string | undefined, sortOrder: string | undefined, nextToken: string | undefined): { ids: string[]; nextToken?: string } {
    let after: number | undefined;
    if (nextToken !== undefined) {
      const decoded = /^\d+$/.test(nextToken) ? Number(nextToken) : NaN;
      if (!Number.isSafeInteger(decoded)) throw invalid('Invalid nextToken');
      after = decoded;
    }
    const order = sortOrder === 'ASCENDING' ? 'ASCENDING' : 'DESCENDING';
    const rows = builds.list(scope, projectName, order, after, PAGE_SIZE + 1);
    const more = rows.length > PAGE_SIZE;
    const shown = rows.slice(0, PAGE_SIZE);
    return { ids: shown.map((r) => r.id), ...(more ? { nextToken: String(shown[shown.length - 1].seq) } : {}) };
  }

  function projectFor(scope: Scope, input: CB.StartBuildInput): CB.Project {
    const row = projects.row(scope, input.projectName!);
    if (!row) throw new AwsError('ResourceNotFoundException', `Project cannot be found: ${input.projectName}`);
    return effectiveProject(scope, buildProjectOf(row), input);
  }

  /**
   * autoRetryLimit: a build that ends FAILED, FAULT or TIMED_OUT is retried as RetryBuild would,
   * until the limit; each retry names the previous build and the previous one names it.
   */
  runner.onCompleted((scope, build) => {
    const config = build.autoRetryConfig;
    if (!config?.autoRetryLimit || (config.autoRetryNumber ?? 0) >= config.autoRetryLimit) return;
    if (!['FAILED', 'FAULT', 'TIMED_OUT'].includes(build.buildStatus!)) return;
    const row = builds.get(scope, build.id!);
    if (!row) return;
    let retry: CB.Build;
    try {
      retry = createBuild(build.initiator ?? 'root', scope, buildProjectOf(row), undefined, {
        debugSessionEnabled: build.debugSession?.sessionEnabled,
        buildBatchArn: build.buildBatchArn,
        autoRetryOf: build,
      });
    } catch (err) {
      c.rt.log.warn({ err, build: build.id }, 'CodeBuild could not start an automatic retry');
      return;
    }
    builds.update(scope, build.id!, { ...build, autoRetryConfig: { ...config, nextAutoRetry: retry.id } });
  });

  const starter: BuildStarter = {
    effectiveProject: projectFor,
    startBuild: (scope, input, extra) => createBuild(extra.initiator, scope, projectFor(scope, input), undefined, { debugSessionEnabled: input.debugSessionEnabled, buildBatchArn: extra.buildBatchArn }),
    stopBuild: (scope, id) => runner.stopBuild(scope, id),
  };

  const handlers: Handlers = {
    StartBuild(input: CB.StartBuildInput, ctx: RequestContext): CB.StartBuildOutput {
      const scope = scopeOf(ctx);
      const token = input.idempotencyToken;
      if (token !== undefined) {
        const previous = builds.byToken(scope, token, c.rt.clock.now() - IDEMPOTENCY_WINDOW_MS);
        if (previous) return { build: buildOf(previous) };
      }
      const row = projects.row(scope, input.projectName!);
      if (!row) throw new AwsError('ResourceNotFoundException', `Project cannot be found: ${input.projectName}`);
      const project = effectiveProject(scope, buildProjectOf(row), input);
      return { build: createBuild(initiatorOf(ctx.principal), scope, project, token, { debugSessionEnabled: input.debugSessionEnabled }) };
    },

    async StopBuild(input: CB.StopBuildInput, ctx: RequestContext): Promise<CB.StopBuildOutput> {
      const scope = scopeOf(ctx);
      const row = rowOrNotFound(scope, input.id!);
      // AWS refuses to stop a build that has already completed.
      if (row.complete) throw invalid(`Failed to stop build: build ${row.id} has already completed`);
      await runner.stopBuild(scope, row.id);
      return { build: buildOf(builds.get(scope, row.id) ?? row) };
    },

    RetryBuild(input: CB.RetryBuildInput, ctx: RequestContext): CB.RetryBuildOutput {
      const scope = scopeOf(ctx);
      const token = input.idempotencyToken;
      if (token !== undefined) {
        const previous = builds.byToken(scope, token, c.rt.clock.now() - IDEMPOTENCY_WINDOW_MS);
        if (previous) return { build: buildOf(previous) };
      }
      if (input.id === undefined) throw invalid('id must be specified unless idempotencyToken names a previous RetryBuild');
      const original = rowOrNotFound(scope, input.id);
      if (!projects.row(scope, original.project_name)) throw new AwsError('ResourceNotFoundException', `Project cannot be found: ${original.project_name}`);
      const previousBuild = buildOf(original);
      return { build: createBuild(initiatorOf(ctx.principal), scope, buildProjectOf(original), token, { debugSessionEnabled: previousBuild.debugSession?.sessionEnabled }) };
    },

    BatchGetBuilds(input: CB.BatchGetBuildsInput, ctx: RequestContext): CB.BatchGetBuildsOutput {
      const scope = scopeOf(ctx);
      const found: CB.Build[] = [];
      const notFound: string[] = [];
      for (const idOrArn of input.ids!) {
        const id = buildIdOf(scope, idOrArn);
        const row = id === undefined ? undefined : builds.get(scope, id);
        if (row) found.push(buildOf(row));
        else notFound.push(idOrArn);
      }
      return { builds: found, buildsNotFound: notFound };
    },

    ListBuilds(input: CB.ListBuildsInput, ctx: RequestContext): CB.ListBuildsOutput {
      return page(scopeOf(ctx), undefined, input.sortOrder, input.nextToken);
    },

    ListBuildsForProject(input: CB.ListBuildsForProjectInput, ctx: RequestContext): CB.ListBuildsForProjectOutput {
      const scope = scopeOf(ctx);
      const row = projects.row(scope, input.projectName!);
      if (!row) throw new AwsError('ResourceNotFoundException', `Project cannot be found: ${input.projectName}`);
      return page(scope, row.name, input.sortOrder, input.nextToken);
    },

    BatchDeleteBuilds(input: CB.BatchDeleteBuildsInput, ctx: RequestContext): CB.BatchDeleteBuildsOutput {
      const scope = scopeOf(ctx);
      const deleted: string[] = [];
      const notDeleted: CB.BuildNotDeleted[] = [];
      builds.tx(() => {
        for (const idOrArn of input.ids!) {
          const id = buildIdOf(scope, idOrArn);
          const row = id === undefined ? undefined : builds.get(scope, id);
          if (!row) notDeleted.push({ id: idOrArn, statusCode: 'BUILD_NOT_FOUND' });
          else if (!row.complete) notDeleted.push({ id: row.arn, statusCode: 'BUILD_IN_PROGRESS' });
          else {
            builds.remove(scope, row.id);
            deleted.push(row.arn);
          }
        }
      });
      return { buildsDeleted: deleted, buildsNotDeleted: notDeleted };
    },
  };
  return { handlers, starter };
}
