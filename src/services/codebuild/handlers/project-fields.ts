/**
 * A project's fields as CreateProject and UpdateProject check them and fill AWS's defaults in, so
 * BatchGetProjects (and the build runner, through ProjectStore.getProject) sees what AWS would return.
 */
import type * as CB from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import { arn } from '../../../core/arn.js';
import type { RequestContext } from '../../../protocol/types.js';
import type { CodeBuildContext } from '../common.js';
import { projectArn } from '../names.js';
import { BUCKET, checkServiceRole, checkTags, invalid, LAMBDA_ENVIRONMENTS, present, STATUS_REPORTING_SOURCES } from './common.js';

/** Source and artifact identifiers (CODEBUILD_SRC_DIR_<identifier>), file system identifiers. */
const IDENTIFIER = /^[A-Za-z0-9_]{1,127}$/;
const LOG_GROUP = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const CODECOMMIT_URL = /^https:\/\/git-codecommit(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/v1\/repos\/([\w.-]{1,100})$/;

/** The full Project for a stored name: what CreateProject/UpdateProject validate and fill in. */
export type ProjectFields = Omit<CB.CreateProjectInput, 'name'>;

function normalizeSource(c: CodeBuildContext, ctx: RequestContext, source: CB.ProjectSource, secondary: boolean): CB.ProjectSource {
  const type = source.type!;
  if (secondary) {
    if (type === 'CODEPIPELINE') throw invalid('sourceType CODEPIPELINE is not allowed for secondarySources');
    if (type === 'NO_SOURCE') throw invalid('sourceType NO_SOURCE is not allowed for secondarySources');
    if (!source.sourceIdentifier) throw invalid('sourceIdentifier must be specified for every secondary source');
  }
  if (source.sourceIdentifier !== undefined && !IDENTIFIER.test(source.sourceIdentifier)) {
    throw invalid('identifier must contain only alphanumeric characters and underscores and be less than 128 characters in length');
  }
  const location = source.location;
  switch (type) {
    case 'CODECOMMIT':
      if (!location) throw invalid('location must be specified for source type CODECOMMIT');
      if (!isCodeCommitUrl(location, [ctx.endpoint, c.rt.endpoint()])) {
        throw invalid(`source location ${location} is not a CodeCommit repository HTTPS clone URL (https://git-codecommit.<region>.amazonaws.com/v1/repos/<repository-name>)`);
      }
      break;
    case 'S3': {
      if (!location) throw invalid('location must be specified for source type S3');
      const slash = location.indexOf('/');
      if (slash < 0 || !BUCKET.test(location.slice(0, slash)) || slash === location.length - 1) {
        throw invalid(`source location ${location} must be <bucket-name>/<path-to-object>.zip or <bucket-name>/<path-to-folder>/`);
      }
      break;
    }
    case 'GITHUB':
    case 'GITHUB_ENTERPRISE':
    case 'BITBUCKET':
    case 'GITLAB':
    case 'GITLAB_SELF_MANAGED':
      if (!location) throw invalid(`location must be specified for source type ${type}`);
      if (!/^https:\/\/[^/\s]+\/\S+$/.test(location)) throw invalid(`source location ${location} is not an HTTPS clone URL`);
      break;
    case 'NO_SOURCE':
      if (!source.buildspec?.trim()) throw invalid('buildspec must be specified for source type NO_SOURCE');
      break;
    default:
      // CODEPIPELINE: the pipeline supplies the source, so CodePipeline ignores any location.
      break;
  }
  if (source.reportBuildStatus && !STATUS_REPORTING_SOURCES.has(type)) throw invalid(`reportBuildStatus is not supported for source type ${type}`);
  if (source.buildStatusConfig && !STATUS_REPORTING_SOURCES.has(type)) throw invalid(`buildStatusConfig is not supported for source type ${type}`);
  if (source.gitSubmodulesConfig && !['CODECOMMIT', ...STATUS_REPORTING_SOURCES].includes(type)) {
    throw invalid(`gitSubmodulesConfig is not supported for source type ${type}`);
  }
  return { ...source, insecureSsl: source.insecureSsl ?? false };
}

function normalizeArtifacts(artifacts: CB.ProjectArtifacts, projectName: string, secondary: boolean): CB.ProjectArtifacts {
  const type = artifacts.type!;
  if (secondary) {
    if (type === 'CODEPIPELINE') throw invalid('artifactType CODEPIPELINE is not allowed for secondaryArtifacts');
    if (!artifacts.artifactIdentifier) throw invalid('artifactIdentifier must be specified for every secondary artifact');
  }
  if (artifacts.artifactIdentifier !== undefined && !IDENTIFIER.test(artifacts.artifactIdentifier)) {
    throw invalid('identifier must contain only alphanumeric characters and underscores and be less than 128 characters in length');
  }
  if (artifacts.encryptionDisabled && type !== 'S3') throw invalid(`encryptionDisabled is only valid for artifacts of type S3, not ${type}`);
  const identifier = artifacts.artifactIdentifier !== undefined ? { artifactIdentifier: artifacts.artifactIdentifier } : {};
  switch (type) {
    case 'NO_ARTIFACTS':
      // No output is produced, so AWS ignores (and does not return) location, name and the rest.
      return { type, ...identifier };
    case 'CODEPIPELINE':
      return { type, name: artifacts.name ?? projectName, packaging: artifacts.packaging ?? 'NONE', encryptionDisabled: false, ...identifier };
    default: {
      if (!artifacts.location) throw invalid('location must be specified for artifacts of type S3');
      if (!BUCKET.test(artifacts.location)) throw invalid(`artifacts location ${artifacts.location} is not a valid S3 bucket name`);
      return {
        type,
        location: artifacts.location,
        ...(artifacts.path !== undefined ? { path: artifacts.path } : {}),
        namespaceType: artifacts.namespaceType ?? 'NONE',
        ...(artifacts.name !== undefined || !secondary ? { name: artifacts.name ?? projectName } : {}),
        packaging: artifacts.packaging ?? 'NONE',
        ...(artifacts.overrideArtifactName !== undefined ? { overrideArtifactName: artifacts.overrideArtifactName } : {}),
        encryptionDisabled: artifacts.encryptionDisabled ?? false,
        ...identifier,
        ...(artifacts.bucketOwnerAccess !== undefined ? { bucketOwnerAccess: artifacts.bucketOwnerAccess } : {}),
      };
    }
  }
}

function normalizeEnvironment(c: CodeBuildContext, scope: Scope, env: CB.ProjectEnvironment): CB.ProjectEnvironment {
  const type = env.type!;
  const computeType = env.computeType!;
  const lambdaEnvironment = LAMBDA_ENVIRONMENTS.has(type);
  if (lambdaEnvironment !== computeType.startsWith('BUILD_LAMBDA_')) {
    throw invalid(`compute type ${computeType} is not supported for environment type ${type}`);
  }
  if (lambdaEnvironment && env.privilegedMode) throw invalid('privilegedMode is not supported for Lambda compute');
  if (computeType === 'ATTRIBUTE_BASED_COMPUTE' && !env.computeConfiguration) throw invalid('computeConfiguration must be specified for compute type ATTRIBUTE_BASED_COMPUTE');
  if (computeType === 'CUSTOM_INSTANCE_TYPE' && !env.computeConfiguration?.instanceType) throw invalid('computeConfiguration.instanceType must be specified for compute type CUSTOM_INSTANCE_TYPE');
  // A fleet is named by its exact ARN in the caller's account and region (no sharing through RAM).
  const fleetArn = env.fleet?.fleetArn;
  if (fleetArn !== undefined && !c.stores.fleets.byArn(scope, fleetArn)) throw invalid(`fleet ${fleetArn} does not exist`);
  const names = new Set<string>();
  const variables = present(env.environmentVariables, 'environmentVariables').map((v) => {
    const name = v.name!;
    if (name.startsWith('CODEBUILD_')) throw invalid('No user environment variables can start with CODEBUILD_');
    if (names.has(name)) throw invalid(`environment variable ${name} is specified more than once`);
    names.add(name);
    return { name, value: v.value!, type: v.type ?? 'PLAINTEXT' };
  });
  const pull = env.imagePullCredentialsType ?? 'CODEBUILD';
  if (pull === 'SERVICE_ROLE' && env.image!.startsWith('aws/codebuild/')) {
    throw invalid('SERVICE_ROLE image pull credentials cannot be used with a CodeBuild curated image');
  }
  return {
    type,
    image: env.image,
    computeType,
    ...(env.computeConfiguration ? { computeConfiguration: env.computeConfiguration } : {}),
    environmentVariables: variables,
    privilegedMode: env.privilegedMode ?? false,
    ...(env.certificate !== undefined ? { certificate: env.certificate } : {}),
    ...(env.registryCredential ? { registryCredential: env.registryCredential } : {}),
    imagePullCredentialsType: pull,
    ...(env.dockerServer ? { dockerServer: env.dockerServer } : {}),
    ...(fleetArn !== undefined ? { fleet: { fleetArn } } : {}),
  };
}

function normalizeCache(cache: CB.ProjectCache | undefined): CB.ProjectCache {
  if (!cache || cache.type === 'NO_CACHE') return { type: 'NO_CACHE' };
  if (cache.type === 'S3') {
    if (!cache.location) throw invalid('location must be specified for cache type S3');
    if (!BUCKET.test(cache.location.split('/')[0])) throw invalid(`cache location ${cache.location} must be <bucket-name> or <bucket-name>/<prefix>`);
    return { type: 'S3', location: cache.location, ...(cache.cacheNamespace !== undefined ? { cacheNamespace: cache.cacheNamespace } : {}) };
  }
  const modes = present(cache.modes, 'cache modes');
  if (modes.length === 0) throw invalid('at least one cache mode must be specified for cache type LOCAL');
  if (new Set(modes).size !== modes.length) throw invalid('cache modes must be unique');
  return { type: 'LOCAL', modes };
}

function normalizeLogs(logs: CB.LogsConfig | undefined): CB.LogsConfig {
  const cloudWatchLogs = logs?.cloudWatchLogs ?? { status: 'ENABLED' };
  const s3Logs = logs?.s3Logs ?? { status: 'DISABLED' };
  if (cloudWatchLogs.groupName !== undefined && !LOG_GROUP.test(cloudWatchLogs.groupName)) throw invalid(`CloudWatch Logs group name ${cloudWatchLogs.groupName} is not valid`);
  if (cloudWatchLogs.streamName !== undefined && (cloudWatchLogs.streamName === '' || /[:*]/.test(cloudWatchLogs.streamName))) {
    throw invalid(`CloudWatch Logs stream name ${cloudWatchLogs.streamName} is not valid`);
  }
  if (s3Logs.status === 'ENABLED' && !s3Logs.location) throw invalid('location must be specified when S3 logs are ENABLED');
  if (s3Logs.location !== undefined && !BUCKET.test(s3Logs.location.split('/')[0])) throw invalid(`S3 logs location ${s3Logs.location} must be <bucket-name> or <bucket-name>/<prefix>`);
  return { cloudWatchLogs: { ...cloudWatchLogs }, s3Logs: { ...s3Logs, encryptionDisabled: s3Logs.encryptionDisabled ?? false } };
}

/** Validates a project's fields and fills AWS's defaults; throws before anything is written. */
export function normalize(c: CodeBuildContext, ctx: RequestContext, scope: Scope, name: string, fields: ProjectFields, previous?: CB.Project, changes?: CB.UpdateProjectInput): CB.Project {
  const source = normalizeSource(c, ctx, fields.source!, false);
  const artifacts = normalizeArtifacts(fields.artifacts!, name, false);
  if ((source.type === 'CODEPIPELINE') !== (artifacts.type === 'CODEPIPELINE')) {
    throw invalid('when using CodePipeline both sourceType, and artifactType must be set to: CODEPIPELINE');
  }
  const secondarySources = present(fields.secondarySources, 'secondarySources').map((s) => normalizeSource(c, ctx, s, true));
  const sourceIds = new Set<string>();
  for (const s of secondarySources) {
    if (sourceIds.has(s.sourceIdentifier!)) throw invalid(`duplicate sourceIdentifier ${s.sourceIdentifier} in secondarySources`);
    sourceIds.add(s.sourceIdentifier!);
  }
  const secondarySourceVersions = present(fields.secondarySourceVersions, 'secondarySourceVersions').map((v) => {
    if (!sourceIds.has(v.sourceIdentifier!)) throw invalid(`secondarySourceVersions names sourceIdentifier ${v.sourceIdentifier}, which no secondary source has`);
    return { sourceIdentifier: v.sourceIdentifier, sourceVersion: v.sourceVersion };
  });
  const secondaryArtifacts = present(fields.secondaryArtifacts, 'secondaryArtifacts').map((a) => normalizeArtifacts(a, name, true));
  const artifactIds = new Set<string>();
  for (const a of secondaryArtifacts) {
    if (artifactIds.has(a.artifactIdentifier!)) throw invalid(`duplicate artifactIdentifier ${a.artifactIdentifier} in secondaryArtifacts`);
    artifactIds.add(a.artifactIdentifier!);
  }
  const environment = normalizeEnvironment(c, scope, fields.environment!);
  const cache = normalizeCache(fields.cache);
  if (cache.type === 'LOCAL' && LAMBDA_ENVIRONMENTS.has(environment.type!)) throw invalid('LOCAL cache is not supported for Lambda compute');
  const logsConfig = normalizeLogs(fields.logsConfig);
  const tags = checkTags(fields.tags ?? []);
  for (const location of present(fields.fileSystemLocations, 'fileSystemLocations')) {
    if (location.identifier === undefined || !IDENTIFIER.test(location.identifier)) {
      throw invalid('identifier must contain only alphanumeric characters and underscores and be less than 128 characters in length');
    }
    if (!location.type || !location.location || !location.mountPoint) throw invalid('a file system location needs type, location and mountPoint');
  }
  const vpc = fields.vpcConfig;
  if (vpc && (vpc.subnets?.length || vpc.securityGroupIds?.length) && !vpc.vpcId) throw invalid('vpcConfig needs a vpcId when it has subnets or security groups');
  const limit = fields.concurrentBuildLimit;
  if (limit !== undefined && limit !== -1 && limit < 1) throw invalid('concurrentBuildLimit must be at least 1 (or -1 to remove the limit)');
  const retries = fields.autoRetryLimit;
  if (retries !== undefined && (retries < 0 || retries > 10)) throw invalid('autoRetryLimit must be between 0 and 10');
  // Roles are checked when they are set: an update that leaves them alone does not re-assume them.
  if (fields.buildBatchConfig?.serviceRole !== undefined && (!changes || changes.buildBatchConfig !== undefined)) checkServiceRole(c, scope, fields.buildBatchConfig.serviceRole);
  if (!changes || changes.serviceRole !== undefined) checkServiceRole(c, scope, fields.serviceRole!);

  return {
    name,
    arn: projectArn(scope, name),
    ...(fields.description !== undefined ? { description: fields.description } : {}),
    source,
    secondarySources,
    ...(fields.sourceVersion !== undefined ? { sourceVersion: fields.sourceVersion } : {}),
    secondarySourceVersions,
    artifacts,
    secondaryArtifacts,
    cache,
    environment,
    serviceRole: fields.serviceRole,
    timeoutInMinutes: fields.timeoutInMinutes ?? 60,
    queuedTimeoutInMinutes: fields.queuedTimeoutInMinutes ?? 480,
    encryptionKey: fields.encryptionKey ?? arn('kms', scope.region, scope.account, 'alias/aws/s3'),
    tags,
    ...(vpc ? { vpcConfig: vpc } : {}),
    // Drydock serves no badge images, so an enabled badge is recorded without a request URL.
    badge: { badgeEnabled: fields.badgeEnabled ?? false },
    logsConfig,
    ...(fields.fileSystemLocations ? { fileSystemLocations: fields.fileSystemLocations } : {}),
    ...(fields.buildBatchConfig ? { buildBatchConfig: fields.buildBatchConfig } : {}),
    ...(limit !== undefined && limit !== -1 ? { concurrentBuildLimit: limit } : {}),
    projectVisibility: previous?.projectVisibility ?? 'PRIVATE',
    ...(previous?.publicProjectAlias !== undefined ? { publicProjectAlias: previous.publicProjectAlias } : {}),
    ...(previous?.resourceAccessRole !== undefined ? { resourceAccessRole: previous.resourceAccessRole } : {}),
    ...(retries !== undefined ? { autoRetryLimit: retries } : {}),
  };
}

/** What the stored project holds, as the fields UpdateProject starts from. */
export function fieldsOf(project: CB.Project): ProjectFields {
  return {
    description: project.description,
    source: project.source,
    secondarySources: project.secondarySources,
    sourceVersion: project.sourceVersion,
    secondarySourceVersions: project.secondarySourceVersions,
    artifacts: project.artifacts,
    secondaryArtifacts: project.secondaryArtifacts,
    cache: project.cache,
    environment: project.environment,
    serviceRole: project.serviceRole,
    timeoutInMinutes: project.timeoutInMinutes,
    queuedTimeoutInMinutes: project.queuedTimeoutInMinutes,
    encryptionKey: project.encryptionKey,
    tags: project.tags,
    vpcConfig: project.vpcConfig,
    badgeEnabled: project.badge?.badgeEnabled,
    logsConfig: project.logsConfig,
    fileSystemLocations: project.fileSystemLocations,
    buildBatchConfig: project.buildBatchConfig,
    concurrentBuildLimit: project.concurrentBuildLimit,
    autoRetryLimit: project.autoRetryLimit,
  };
}

/** A CodeCommit HTTPS clone URL, AWS's or Drydock's own (`<endpoint>/v1/repos/<name>`). */
function isCodeCommitUrl(location: string, endpoints: string[]): boolean {
  if (CODECOMMIT_URL.test(location)) return true;
  return endpoints.some((endpoint) => {
    const base = endpoint.replace(/\/+$/, '');
    return location.startsWith(`${base}/v1/repos/`) && /^[\w.-]{1,100}$/.test(location.slice(base.length + '/v1/repos/'.length));
  });
}
