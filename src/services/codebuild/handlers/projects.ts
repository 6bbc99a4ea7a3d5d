/**
 * CodeBuild operations: projects (create, update, delete, read, list, visibility, cache
 * invalidation), the curated image catalog, and through their own files source credentials and
 * resource policies. Projects are validated as AWS validates them and stored with AWS's defaults
 * filled in, so BatchGetProjects (and the build runner, through ProjectStore.getProject) sees what
 * AWS would return.
 */
import { rmSync } from 'node:fs';
import type * as CB from '@aws-sdk/client-codebuild';
import type { Handlers, RequestContext } from '../../../protocol/types.js';
import { AwsError } from '../../../core/errors.js';
import { arn, parseArn } from '../../../core/arn.js';
import { uuid } from '../../../core/ids.js';
import type { CodeBuildContext } from '../common.js';
import type { Scope } from '../../../core/accounts.js';
import { projectOf, type ProjectCursor, type ProjectSortBy, type SortOrder } from '../store/project-store.js';
import { localCacheDir, projectArn } from '../names.js';
import { sourceCredentialsHandlers } from './source-credentials.js';
import { resourcePolicyHandlers } from './resource-policies.js';

/** AWS's quota of build projects per account and region. */
export const MAX_PROJECTS = 5000;
const PAGE_SIZE = 100;
/** Source and artifact identifiers (CODEBUILD_SRC_DIR_<identifier>), file system identifiers. */
const IDENTIFIER = /^[A-Za-z0-9_]{1,127}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const LOG_GROUP = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const CODECOMMIT_URL = /^https:\/\/git-codecommit(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/v1\/repos\/([\w.-]{1,100})$/;
/** Source providers that can report build status back to the repository host. */
const STATUS_REPORTING_SOURCES = new Set(['GITHUB', 'GITHUB_ENTERPRISE', 'BITBUCKET', 'GITLAB', 'GITLAB_SELF_MANAGED']);
export const LAMBDA_ENVIRONMENTS = new Set(['LINUX_LAMBDA_CONTAINER', 'ARM_LAMBDA_CONTAINER']);

const scopeOf = (ctx: RequestContext): Scope => ({ account: ctx.account, region: ctx.region });
export const invalid = (message: string) => new AwsError('InvalidInputException', `Invalid input: ${message}`);
const projectNotFound = (what: string) => new AwsError('ResourceNotFoundException', `Project cannot be found: ${what}`);

/** A list's entries; JSON nulls inside a list reach handlers as holes, which AWS rejects. */
export function present<T>(list: readonly (T | undefined)[] | undefined, what: string): T[] {
  const entries = list ?? [];
  if (entries.some((entry) => entry === undefined)) throw invalid(`${what} must not contain null entries`);
  return entries as T[];
}

/** A resource's tags as AWS stores them (projects, fleets): keys unique and not reserved, values default to empty. */
export function checkTags(tags: CB.Tag[]): CB.Tag[] {
  const keys = new Set<string>();
  return present(tags, 'tags').map((tag) => {
    if (tag.key === undefined) throw invalid('every tag must have a key');
    if (tag.key.toLowerCase().startsWith('aws:')) throw invalid(`tag keys starting with aws: are reserved (${tag.key})`);
    if (keys.has(tag.key)) throw invalid(`duplicate tag key ${tag.key}`);
    keys.add(tag.key);
    return { key: tag.key, value: tag.value ?? '' };
  });
}

/**
 * AWS assumes a service role when a project or fleet is saved: the role must be in the caller's
 * account, exist under exactly this ARN, and trust codebuild.amazonaws.com.
 */
export function checkServiceRole(c: CodeBuildContext, scope: Scope, roleArn: string): void {
  const parts = parseArn(roleArn);
  if (!parts || parts.service !== 'iam' || !parts.resource.startsWith('role/') || !/^\d{12}$/.test(parts.account)) {
    throw new AwsError('InvalidInputException', `Invalid service role: ${roleArn} is not an IAM role ARN`);
  }
  if (parts.account !== scope.account) throw new AwsError('InvalidInputException', "Invalid service role: Service role account ID does not match caller's account");
  const role = c.rt.api('iam').getRole(parts.account, parts.resource.slice(parts.resource.lastIndexOf('/') + 1));
  if (!role || role.arn !== roleArn || !trustsCodeBuild(role.assumeRolePolicyDocument)) {
    throw new AwsError('InvalidInputException', `CodeBuild is not authorized to perform: sts:AssumeRole on ${roleArn}`);
  }
}

/** The full Project for a stored name: what CreateProject/UpdateProject validate and fill in. */
type ProjectFields = Omit<CB.CreateProjectInput, 'name'>;

export function projectsHandlers(c: CodeBuildContext): Handlers {
  const store = c.stores.projects;
  const fleets = c.stores.fleets;
  // Resource policies attach to report groups too; their rows belong to the reports area.
  const reports = c.stores.reports;
  const s3 = () => c.rt.api('s3');

  const checkRole = (scope: Scope, roleArn: string): void => checkServiceRole(c, scope, roleArn);

  function normalizeSource(ctx: RequestContext, source: CB.ProjectSource, secondary: boolean): CB.ProjectSource {
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

  function normalizeEnvironment(scope: Scope, env: CB.ProjectEnvironment): CB.ProjectEnvironment {
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
    if (fleetArn !== undefined && !fleets.byArn(scope, fleetArn)) throw invalid(`fleet ${fleetArn} does not exist`);
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
  function normalize(ctx: RequestContext, scope: Scope, name: string, fields: ProjectFields, previous?: CB.Project, changes?: CB.UpdateProjectInput): CB.Project {
    const source = normalizeSource(ctx, fields.source!, false);
    const artifacts = normalizeArtifacts(fields.artifacts!, name, false);
    if ((source.type === 'CODEPIPELINE') !== (artifacts.type === 'CODEPIPELINE')) {
      throw invalid('when using CodePipeline both sourceType, and artifactType must be set to: CODEPIPELINE');
    }
    const secondarySources = present(fields.secondarySources, 'secondarySources').map((s) => normalizeSource(ctx, s, true));
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
    const environment = normalizeEnvironment(scope, fields.environment!);
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
    if (fields.buildBatchConfig?.serviceRole !== undefined && (!changes || changes.buildBatchConfig !== undefined)) checkRole(scope, fields.buildBatchConfig.serviceRole);
    if (!changes || changes.serviceRole !== undefined) checkRole(scope, fields.serviceRole!);

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
  function fieldsOf(project: CB.Project): ProjectFields {
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

  const stored = (project: CB.Project): string => {
    const { created: _created, lastModified: _lastModified, ...rest } = project;
    return JSON.stringify(rest);
  };

  function existing(scope: Scope, nameOrArn: string): CB.Project {
    const row = store.row(scope, nameOrArn);
    if (!row) throw projectNotFound(nameOrArn.startsWith('arn:') ? nameOrArn : projectArn(scope, nameOrArn));
    return projectOf(row);
  }

  const handlers: Handlers = {
    CreateProject(input: CB.CreateProjectInput, ctx: RequestContext): CB.CreateProjectOutput {
      const scope = scopeOf(ctx);
      const { name, ...fields } = input;
      const project = normalize(ctx, scope, name!, fields);
      const now = c.rt.clock.now();
      store.tx(() => {
        if (store.row(scope, name!)) throw new AwsError('ResourceAlreadyExistsException', `Project already exists: ${project.arn}`);
        if (store.count(scope) >= MAX_PROJECTS) {
          throw new AwsError('AccountLimitExceededException', `Cannot have more than ${MAX_PROJECTS} projects in this account in ${scope.region}`);
        }
        store.insert({ account: scope.account, region: scope.region, name: name!, arn: project.arn!, created_at: now, modified_at: now, project: stored(project) });
      });
      return { project: { ...project, created: new Date(now), lastModified: new Date(now) } };
    },

    UpdateProject(input: CB.UpdateProjectInput, ctx: RequestContext): CB.UpdateProjectOutput {
      const scope = scopeOf(ctx);
      const { name: nameOrArn, ...changes } = input;
      const current = existing(scope, nameOrArn!);
      const merged: ProjectFields = { ...fieldsOf(current) };
      for (const [key, value] of Object.entries(changes) as [keyof ProjectFields, unknown][]) {
        if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
      }
      // -1 removes the concurrent build limit.
      if (changes.concurrentBuildLimit === -1) merged.concurrentBuildLimit = undefined;
      const project = normalize(ctx, scope, current.name!, merged, current, input);
      const now = Math.max(c.rt.clock.now(), current.lastModified!.getTime());
      store.tx(() => store.update(scope, current.name!, now, stored(project)));
      return { project: { ...project, created: current.created, lastModified: new Date(now) } };
    },

    DeleteProject(input: CB.DeleteProjectInput, ctx: RequestContext): CB.DeleteProjectOutput {
      const scope = scopeOf(ctx);
      // AWS answers success for a project that does not exist; builds outlive their project.
      const row = store.row(scope, input.name!);
      if (row) {
        store.tx(() => {
          store.remove(scope, row.name);
          store.deleteResourcePolicy(scope, row.arn);
        });
        // A LOCAL cache lives on AWS's build hosts and is gone with the project; a new project of
        // the same name must not inherit it.
        rmSync(localCacheDir(c.rt.dataDir, scope, row.name), { recursive: true, force: true });
      }
      return {};
    },

    BatchGetProjects(input: CB.BatchGetProjectsInput, ctx: RequestContext): CB.BatchGetProjectsOutput {
      const scope = scopeOf(ctx);
      const projects: CB.Project[] = [];
      const projectsNotFound: string[] = [];
      for (const nameOrArn of present(input.names, 'names')) {
        const project = store.getProject(scope, nameOrArn);
        if (project) projects.push(project);
        else projectsNotFound.push(nameOrArn);
      }
      return { projects, projectsNotFound };
    },

    ListProjects(input: CB.ListProjectsInput, ctx: RequestContext): CB.ListProjectsOutput {
      const scope = scopeOf(ctx);
      // Without a sortBy AWS lists the most recently changed projects first; names default to A–Z.
      const sortBy: ProjectSortBy = input.sortBy ?? 'LAST_MODIFIED_TIME';
      const order: SortOrder = input.sortOrder ?? (sortBy === 'NAME' ? 'ASCENDING' : 'DESCENDING');
      const cursor = input.nextToken !== undefined ? decodeListToken(input.nextToken, sortBy, order) : undefined;
      const rows = store.list(scope, sortBy, order, cursor, PAGE_SIZE + 1);
      const page = rows.slice(0, PAGE_SIZE);
      const last = page[page.length - 1];
      return {
        projects: page.map((r) => r.name),
        ...(rows.length > PAGE_SIZE ? { nextToken: encodeListToken(sortBy, order, { value: last.value, name: last.name }) } : {}),
      };
    },

    ListSharedProjects(input: CB.ListSharedProjectsInput): CB.ListSharedProjectsOutput {
      // Sharing goes through AWS RAM, which Drydock does not emulate: nothing is ever shared, so
      // there is never a page to continue from.
      if (input.nextToken !== undefined) throw new AwsError('InvalidInputException', 'Invalid next token');
      return { projects: [] };
    },

    ListCuratedEnvironmentImages(): CB.ListCuratedEnvironmentImagesOutput {
      return { platforms: CURATED_IMAGES };
    },

    InvalidateProjectCache(input: CB.InvalidateProjectCacheInput, ctx: RequestContext): CB.InvalidateProjectCacheOutput {
      const scope = scopeOf(ctx);
      const project = existing(scope, input.projectName!);
      const cache = project.cache ?? { type: 'NO_CACHE' };
      if (cache.type === 'LOCAL') {
        rmSync(localCacheDir(c.rt.dataDir, scope, project.name!), { recursive: true, force: true });
      } else if (cache.type === 'S3') {
        // The cache library keeps a project's S3 cache under `<location>/<cacheNamespace or project
        // name>/`: that folder is this project's (or its namespace's) cache, the rest of the
        // location may belong to other projects.
        const [bucket, ...rest] = cache.location!.split('/');
        const prefix = rest.join('/').replace(/^\/+|\/+$/g, '');
        const folder = `${prefix ? `${prefix}/` : ''}${cache.cacheNamespace ?? project.name}/`;
        const api = s3();
        // A cache bucket that was never created (or was deleted) holds nothing to invalidate.
        if (api.bucketExists(scope, bucket)) {
          for (const object of api.listObjects(scope, bucket, folder)) api.deleteObject(scope, bucket, object.key);
        }
      }
      return {};
    },

    UpdateProjectVisibility(input: CB.UpdateProjectVisibilityInput, ctx: RequestContext): CB.UpdateProjectVisibilityOutput {
      const scope = scopeOf(ctx);
      const current = existing(scope, input.projectArn!);
      if (input.resourceAccessRole !== undefined) checkRole(scope, input.resourceAccessRole);
      const project: CB.Project = {
        ...current,
        projectVisibility: input.projectVisibility,
        // The alias is minted the first time a project is made public and kept from then on.
        ...(input.projectVisibility === 'PUBLIC_READ' || current.publicProjectAlias !== undefined ? { publicProjectAlias: current.publicProjectAlias ?? uuid() } : {}),
        ...(input.resourceAccessRole !== undefined ? { resourceAccessRole: input.resourceAccessRole } : {}),
      };
      const now = Math.max(c.rt.clock.now(), current.lastModified!.getTime());
      store.tx(() => store.update(scope, current.name!, now, stored(project)));
      return {
        projectArn: project.arn,
        ...(project.publicProjectAlias !== undefined ? { publicProjectAlias: project.publicProjectAlias } : {}),
        projectVisibility: project.projectVisibility,
      };
    },
  };

  return {
    ...handlers,
    ...sourceCredentialsHandlers(c, store),
    ...resourcePolicyHandlers(c, store, (scope, resourceArn) => {
      if (!resourceArn.startsWith('arn:')) return false;
      if (store.row(scope, resourceArn)) return true;
      const group = reports.groupByArn(resourceArn);
      return group !== undefined && group.account === scope.account && group.region === scope.region;
    }),
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

/** Whether a trust policy lets codebuild.amazonaws.com call sts:AssumeRole. */
function trustsCodeBuild(document: string): boolean {
  let policy: unknown;
  try {
    policy = JSON.parse(document);
  } catch {
    return false;
  }
  const statements = (policy as { Statement?: unknown }).Statement;
  const list = Array.isArray(statements) ? statements : [statements];
  const has = (value: unknown, wanted: (v: string) => boolean) => [value].flat().some((v) => typeof v === 'string' && wanted(v));
  return list.some((entry) => {
    if (typeof entry !== 'object' || entry === null) return false;
    const s = entry as { Effect?: unknown; Action?: unknown; Principal?: unknown };
    if (s.Effect !== 'Allow' || !has(s.Action, (a) => ['sts:assumerole', 'sts:*', '*'].includes(a.toLowerCase()))) return false;
    if (s.Principal === '*') return true;
    if (typeof s.Principal !== 'object' || s.Principal === null) return false;
    const principal = s.Principal as { Service?: unknown; AWS?: unknown };
    return has(principal.Service, (v) => v === 'codebuild.amazonaws.com') || has(principal.AWS, (v) => v === '*');
  });
}

export function encodeListToken(sortBy: ProjectSortBy, order: SortOrder, cursor: ProjectCursor): string {
  return Buffer.from(JSON.stringify({ s: sortBy, o: order, v: cursor.value, n: cursor.name }), 'utf8').toString('base64url');
}

/** A ListProjects (or ListFleets) token, valid only with the sort it was issued for. */
export function decodeListToken(token: string, sortBy: ProjectSortBy, order: SortOrder): ProjectCursor {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { s?: unknown; o?: unknown; v?: unknown; n?: unknown };
    const valueOk = sortBy === 'NAME' ? typeof t.v === 'string' : typeof t.v === 'number';
    if (t.s === sortBy && t.o === order && valueOk && typeof t.n === 'string') return { value: t.v as string | number, name: t.n };
  } catch {
    // falls through to the error below
  }
  throw new AwsError('InvalidInputException', 'Invalid next token');
}

/**
 * A fixed copy of AWS's current curated image catalog (the images CodeBuild manages); Drydock
 * records a project's image and runs builds on the host or in a container engine, so the list
 * is informative. Patch versions are not listed: AWS updates them continually.
 */
const CURATED_IMAGES: CB.EnvironmentPlatform[] = [
  {
    platform: 'AMAZON_LINUX',
    languages: [
      {
        language: 'BASE',
        images: [
          { name: 'aws/codebuild/amazonlinux-x86_64-standard:5.0', description: 'Amazon Linux 2023 x86_64 standard:5.0' },
          { name: 'aws/codebuild/amazonlinux2-x86_64-standard:5.0', description: 'Amazon Linux 2023 x86_64 standard:5.0 (earlier name)' },
          { name: 'aws/codebuild/amazonlinux-x86_64-standard:4.0', description: 'Amazon Linux 2 x86_64 standard:4.0' },
          { name: 'aws/codebuild/amazonlinux2-x86_64-standard:4.0', description: 'Amazon Linux 2 x86_64 standard:4.0 (earlier name)' },
          { name: 'aws/codebuild/amazonlinux-x86_64-standard:corretto8', description: 'Amazon Linux 2 x86_64 with Corretto 8' },
          { name: 'aws/codebuild/amazonlinux-x86_64-standard:corretto11', description: 'Amazon Linux 2 x86_64 with Corretto 11' },
          { name: 'aws/codebuild/amazonlinux-aarch64-standard:3.0', description: 'Amazon Linux 2023 aarch64 standard:3.0' },
          { name: 'aws/codebuild/amazonlinux-aarch64-standard:2.0', description: 'Amazon Linux 2 aarch64 standard:2.0' },
          { name: 'aws/codebuild/amazonlinux2-aarch64-standard:3.0', description: 'Amazon Linux 2023 aarch64 standard:3.0 (earlier name)' },
          { name: 'aws/codebuild/amazonlinux2-aarch64-standard:2.0', description: 'Amazon Linux 2 aarch64 standard:2.0 (earlier name)' },
        ],
      },
    ],
  },
  {
    platform: 'UBUNTU',
    languages: [
      {
        language: 'BASE',
        images: [
          { name: 'aws/codebuild/standard:7.0', description: 'Ubuntu 22.04 standard:7.0' },
          { name: 'aws/codebuild/standard:6.0', description: 'Ubuntu 22.04 standard:6.0' },
          { name: 'aws/codebuild/standard:5.0', description: 'Ubuntu 20.04 standard:5.0' },
        ],
      },
    ],
  },
  {
    platform: 'WINDOWS_SERVER',
    languages: [
      {
        language: 'BASE',
        images: [
          { name: 'aws/codebuild/windows-base:2019-3.0', description: 'Windows Server Core 2019 base:3.0' },
          { name: 'aws/codebuild/windows-base:2019-2.0', description: 'Windows Server Core 2019 base:2.0' },
          { name: 'aws/codebuild/windows-base:2019-1.0', description: 'Windows Server Core 2019 base:1.0' },
          { name: 'aws/codebuild/windows-base:2022-1.0', description: 'Windows Server Core 2022 base:1.0' },
        ],
      },
    ],
  },
];
