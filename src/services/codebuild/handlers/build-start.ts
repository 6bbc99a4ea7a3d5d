/**
 * StartBuild's own path, which RetryBuild, batch builds and automatic retries take too: the
 * project's fields with StartBuild's overrides applied and checked, and a new build record written
 * with its durable job and its first events in one transaction (the runner takes it from there).
 */
import { availableParallelism } from 'node:os';
import type * as CB from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import { arn, parseArn } from '../../../core/arn.js';
import { AwsError } from '../../../core/errors.js';
import { uuid } from '../../../core/ids.js';
import type { CodeBuildContext } from '../common.js';
import type { BuildStarter } from '../engine/batch-orchestrator.js';
import { publishPhaseChange, publishStateChange } from '../engine/build-events.js';
import { BUILD_JOB, type BuildRunner } from '../engine/runner.js';
import { buildArn } from '../names.js';
import { buildProjectOf, encodeBuild } from '../store/build-store.js';
import { BUCKET, invalid, projectNotFound, STATUS_REPORTING_SOURCES } from './common.js';

/**
 * Builds queued or running in one account and region before StartBuild answers
 * AccountLimitExceededException (DRYDOCK_CODEBUILD_MAX_QUEUED_BUILDS).
 */
const DEFAULT_MAX_INCOMPLETE_BUILDS = 1000;

/** A positive integer setting from the environment, or `fallback` when it is unset. */
export function positiveInteger(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${text}"`);
  return value;
}

/** Builds running at once across all projects (DRYDOCK_CODEBUILD_CONCURRENCY, default 2 × CPUs); more wait in QUEUED. */
export function globalBuildLimit(): number {
  return positiveInteger('DRYDOCK_CODEBUILD_CONCURRENCY', 2 * availableParallelism());
}

/** Applies StartBuild's overrides to the project: what this build runs. */
export function applyOverrides(c: CodeBuildContext, scope: Scope, project: CB.Project, input: CB.StartBuildInput): CB.Project {
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
    if (!c.stores.fleets.byArn(scope, input.fleetOverride.fleetArn)) throw invalid(`fleet ${input.fleetOverride.fleetArn} does not exist`);
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
    if (parts?.service !== 'iam' || !parts.resource.startsWith('role/')) {
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

/** Starts builds as StartBuild does, for the build operations, batch builds and automatic retries. */
export class BuildStarts implements BuildStarter {
  private readonly maxIncompleteBuilds = positiveInteger('DRYDOCK_CODEBUILD_MAX_QUEUED_BUILDS', DEFAULT_MAX_INCOMPLETE_BUILDS);

  constructor(
    private readonly c: CodeBuildContext,
    private readonly runner: BuildRunner,
  ) {
    runner.onCompleted((scope, build) => this.autoRetry(scope, build));
  }

  /** The project a StartBuild with `input` would run (overrides applied and checked; AWS errors otherwise). */
  effectiveProject(scope: Scope, input: CB.StartBuildInput): CB.Project {
    const row = this.c.stores.projects.row(scope, input.projectName!);
    if (!row) throw projectNotFound(input.projectName!);
    return applyOverrides(this.c, scope, buildProjectOf(row), input);
  }

  startBuild(scope: Scope, input: CB.StartBuildInput, extra: { initiator: string; buildBatchArn: string }): CB.Build {
    return this.create(extra.initiator, scope, this.effectiveProject(scope, input), undefined, { debugSessionEnabled: input.debugSessionEnabled, buildBatchArn: extra.buildBatchArn });
  }

  stopBuild(scope: Scope, id: string): Promise<void> {
    return this.runner.stopBuild(scope, id);
  }

  /** Writes a new build of `project`, its job and its first events in one transaction. */
  create(initiator: string, scope: Scope, project: CB.Project, token: string | undefined, extra: { debugSessionEnabled?: boolean; buildBatchArn?: string; autoRetryOf?: CB.Build }): CB.Build {
    if (this.c.stores.builds.incompleteCount(scope) >= this.maxIncompleteBuilds) {
      throw new AwsError('AccountLimitExceededException', `Cannot have more than ${this.maxIncompleteBuilds} builds in queue for the account`);
    }
    const name = project.name!;
    const id = `${name}:${uuid()}`;
    const now = this.c.rt.clock.date();
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
    const builds = this.c.stores.builds;
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
      this.c.rt.jobs.enqueue(BUILD_JOB, { account: scope.account, region: scope.region, id });
      publishStateChange(this.c, scope, build);
      publishPhaseChange(this.c, scope, build, build.phases![0]);
    });
    return build;
  }

  /**
   * autoRetryLimit: a build that ends FAILED, FAULT or TIMED_OUT is retried as RetryBuild would,
   * until the limit; each retry names the previous build and the previous one names it.
   */
  private autoRetry(scope: Scope, build: CB.Build): void {
    const config = build.autoRetryConfig;
    if (!config?.autoRetryLimit || (config.autoRetryNumber ?? 0) >= config.autoRetryLimit) return;
    if (!['FAILED', 'FAULT', 'TIMED_OUT'].includes(build.buildStatus!)) return;
    const row = this.c.stores.builds.get(scope, build.id!);
    if (!row) return;
    let retry: CB.Build;
    try {
      retry = this.create(build.initiator ?? 'root', scope, buildProjectOf(row), undefined, {
        debugSessionEnabled: build.debugSession?.sessionEnabled,
        buildBatchArn: build.buildBatchArn,
        autoRetryOf: build,
      });
    } catch (err) {
      this.c.rt.log.warn({ err, build: build.id }, 'CodeBuild could not start an automatic retry');
      return;
    }
    this.c.stores.builds.update(scope, build.id!, { ...build, autoRetryConfig: { ...config, nextAutoRetry: retry.id } });
  }
}
