/**
 * What each CodeBuild operation needs IAM to allow, from AWS's Service Authorization Reference
 * ("Actions, resources, and condition keys for AWS CodeBuild"): `codebuild:<Operation>` on the
 * project (`arn:${Partition}:codebuild:${Region}:${Account}:project/${ProjectName}`), report group
 * (`…:report-group/${ReportGroupName}`), fleet (`…:fleet/${FleetName}:${FleetId}`) or sandbox
 * (`…:sandbox/${SandboxId}`) it acts on. Builds, build batches and sandboxes are started, stopped and
 * read on their project, named by the id (`<project>:<uuid>`) or ARN the request gives; command
 * executions on their sandbox; reports on their report group. Listing everything (ListProjects,
 * ListBuilds …) and source credentials have no resource: `*`.
 *
 * Naming a service role is passing it to CodeBuild: CreateProject and UpdateProject (serviceRole,
 * buildBatchConfig.serviceRole), StartBuild and StartBuildBatch with serviceRoleOverride, and
 * UpdateProjectVisibility with resourceAccessRole also need `iam:PassRole` on that role, with
 * `iam:PassedToService` = `codebuild.amazonaws.com`; CreateFleet and UpdateFleet with fleetServiceRole
 * need it too, which the reference lists without that key.
 *
 * The request's own settings are condition keys, as the reference lists them (`codebuild:source.location`,
 * `codebuild:environment.image`, `codebuild:environment.environmentVariables.name` …): a member that is
 * an object is `true` when given, a buildspec only says whether one is given, a list of objects gives
 * each field as a list and, per identifier, `…/<identifier>.<field>`. StartBuild and StartBuildBatch
 * give their overrides under the project member they override (`imageOverride` is
 * `codebuild:environment.image`), so a policy can refuse a buildspec or image override.
 *
 * Projects and report groups carry resource policies (PutResourcePolicy), which the CodeBuild
 * instance serves to the authorization step (index.ts).
 */
import { parseArn, partitionOf } from '../../core/arn.js';
import type { ContextValue } from '../../core/policy.js';
import type { RequestContext } from '../../protocol/types.js';
import type { ActionRule, ServiceAuthorization } from '../authorization.js';

type Input = Record<string, unknown>;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : []);

const codebuildArn = (ctx: RequestContext, resource: string): string => `arn:${partitionOf(ctx.region)}:codebuild:${ctx.region}:${ctx.account}:${resource}`;

/** A project named by name or ARN → its ARN. */
function projectResource(ctx: RequestContext, nameOrArn: unknown): string {
  const value = text(nameOrArn);
  if (!value) return '*';
  return value.startsWith('arn:') ? value : codebuildArn(ctx, `project/${value}`);
}

/**
 * The project a build, build batch or sandbox belongs to, from its id (`<project>:<uuid>`) or ARN
 * (`arn:…:build/<project>:<uuid>`): the project's ARN in the same account and Region.
 */
function projectOfRun(ctx: RequestContext, idOrArn: unknown): string {
  const value = text(idOrArn);
  if (!value) return '*';
  const parts = value.startsWith('arn:') ? parseArn(value) : undefined;
  const id = parts ? parts.resource.slice(parts.resource.indexOf('/') + 1) : value;
  const colon = id.lastIndexOf(':');
  if (colon <= 0) return '*';
  const project = `project/${id.slice(0, colon)}`;
  return parts ? `arn:${parts.partition}:codebuild:${parts.region}:${parts.account}:${project}` : codebuildArn(ctx, project);
}

/** A report (`arn:…:report/<group>:<uuid>`) → its report group's ARN. */
function reportGroupOfReport(reportArn: unknown): string {
  const parts = text(reportArn) ? parseArn(reportArn as string) : undefined;
  if (!parts?.resource.startsWith('report/')) return '*';
  const id = parts.resource.slice('report/'.length);
  const colon = id.lastIndexOf(':');
  if (colon <= 0) return '*';
  return `arn:${parts.partition}:codebuild:${parts.region}:${parts.account}:report-group/${id.slice(0, colon)}`;
}

/**
 * A fleet named by ARN (`arn:…:fleet/<name>:<id>`) as given; by name (CreateFleet, BatchGetFleets
 * names), `arn:…:fleet/<name>`, the fleet's id being unknown to the request.
 */
function fleetResource(ctx: RequestContext, nameOrArn: unknown): string {
  const value = text(nameOrArn);
  if (!value) return '*';
  return value.startsWith('arn:') ? value : codebuildArn(ctx, `fleet/${value}`);
}

/** A sandbox named by id or ARN → `arn:…:sandbox/<id>`. */
function sandboxResource(ctx: RequestContext, idOrArn: unknown): string {
  const value = text(idOrArn);
  if (!value) return '*';
  return value.startsWith('arn:') ? value : codebuildArn(ctx, `sandbox/${value}`);
}

/** One resource per entry of a list member, `*` when the list is empty. */
const each =
  (member: string, resource: (ctx: RequestContext, value: string) => string): ActionRule['resource'] =>
  (input: Input, ctx: RequestContext) => {
    const values = list(input[member]);
    return values.length === 0 ? '*' : values.map((v) => resource(ctx, v));
  };

/** The role a request passes to CodeBuild, as an ARN (a bare name is a role of the caller's account). */
function roleResource(ctx: RequestContext, role: string): string {
  return role.startsWith('arn:') ? role : `arn:${partitionOf(ctx.region)}:iam::${ctx.account}:role/${role}`;
}

const PASSED_TO_CODEBUILD = { 'iam:PassedToService': 'codebuild.amazonaws.com' };

/**
 * The roles an operation passes, read by `roles`: iam:PassRole on each, with `iam:PassedToService`
 * unless the reference lists none for the operation; and the request's condition keys (`keys`).
 */
function passing(roles: (input: Input) => (string | undefined)[], keys: (input: Input) => Keys, passedToService = true): Pick<ActionRule, 'also' | 'context'> {
  const named = (input: Input) => roles(input).filter((r): r is string => r !== undefined && r !== '');
  return {
    also: [
      {
        action: 'iam:PassRole',
        resource: (input: Input, ctx: RequestContext) => named(input).map((r) => roleResource(ctx, r)),
        when: (input: Input) => named(input).length > 0,
        context: () => (passedToService ? PASSED_TO_CODEBUILD : {}),
      },
    ],
    context: keys,
  };
}

type Keys = Record<string, ContextValue>;

/** The field that names each entry of a list, for the per-entry keys (`secondarySources/<sourceIdentifier>.location`). */
const IDENTIFIERS: Record<string, string> = {
  secondarySources: 'sourceIdentifier',
  secondaryArtifacts: 'artifactIdentifier',
  'environment.environmentVariables': 'name',
  fileSystemLocations: 'identifier',
};

const isObject = (value: unknown): value is Input => typeof value === 'object' && value !== null && !Array.isArray(value);
const scalar = (value: unknown): string | undefined => (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined);
const asList = (value: ContextValue): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** A request member as CodeBuild's condition keys see it, by path without the `codebuild:` prefix. */
function flatten(value: unknown, path: string, out: Map<string, ContextValue>): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    const entries = value.filter(isObject);
    if (entries.length === 0) {
      out.set(
        path,
        value.map(scalar).filter((v): v is string => v !== undefined),
      );
      return;
    }
    out.set(path, 'true');
    const idField = IDENTIFIERS[path];
    for (const entry of entries) {
      const fields = new Map<string, ContextValue>();
      for (const [key, child] of Object.entries(entry)) flatten(child, key, fields);
      const id = idField ? scalar(entry[idField]) : undefined;
      for (const [key, child] of fields) {
        if (id !== undefined) out.set(`${path}/${id}.${key}`, child);
        out.set(`${path}.${key}`, [...asList(out.get(`${path}.${key}`)), ...asList(child)]);
      }
    }
    return;
  }
  if (isObject(value)) {
    out.set(path, 'true');
    for (const [key, child] of Object.entries(value)) flatten(child, `${path}.${key}`, out);
    return;
  }
  const shown = scalar(value);
  // A buildspec's key says whether one is given, never its content.
  if (shown !== undefined) out.set(path, path.endsWith('buildspec') ? 'true' : shown);
}

/** `codebuild:<path>` keys for the named top-level members of a request-shaped object. */
function requestKeys(members: readonly string[]): (input: Input) => Keys {
  return (input) => {
    const out = new Map<string, ContextValue>();
    for (const member of members) flatten(input[member], member, out);
    return Object.fromEntries([...out].map(([key, value]) => [`codebuild:${key}`, value]));
  };
}

const PROJECT_KEYS = requestKeys([
  'source',
  'secondarySources',
  'artifacts',
  'secondaryArtifacts',
  'cache',
  'environment',
  'serviceRole',
  'encryptionKey',
  'logsConfig',
  'vpcConfig',
  'fileSystemLocations',
  'buildBatchConfig',
  'concurrentBuildLimit',
  'autoRetryLimit',
]);
const FLEET_KEYS = requestKeys(['computeConfiguration', 'computeType', 'environmentType', 'fleetServiceRole', 'imageId', 'vpcConfig']);
const REPORT_GROUP_KEYS = requestKeys(['exportConfig']);

/** StartBuild's and StartBuildBatch's overrides, as the project members they override. */
const OVERRIDES: Record<string, string> = {
  sourceLocationOverride: 'source.location',
  sourceAuthOverride: 'source.auth',
  buildspecOverride: 'source.buildspec',
  insecureSslOverride: 'source.insecureSsl',
  buildStatusConfigOverride: 'source.buildStatusConfig',
  secondarySourcesOverride: 'secondarySources',
  artifactsOverride: 'artifacts',
  secondaryArtifactsOverride: 'secondaryArtifacts',
  cacheOverride: 'cache',
  environmentVariablesOverride: 'environment.environmentVariables',
  environmentTypeOverride: 'environment.type',
  imageOverride: 'environment.image',
  computeTypeOverride: 'environment.computeType',
  certificateOverride: 'environment.certificate',
  privilegedModeOverride: 'environment.privilegedMode',
  registryCredentialOverride: 'environment.registryCredential',
  imagePullCredentialsTypeOverride: 'environment.imagePullCredentialsType',
  fleetOverride: 'environment.fleet',
  serviceRoleOverride: 'serviceRole',
  encryptionKeyOverride: 'encryptionKey',
  logsConfigOverride: 'logsConfig',
  autoRetryLimitOverride: 'autoRetryLimit',
  buildBatchConfigOverride: 'buildBatchConfig',
};

/** A start request's overrides rebuilt as the project they override, then its project keys. */
function overrideKeys(input: Input): Keys {
  const project: Input = {};
  for (const [override, path] of Object.entries(OVERRIDES)) {
    if (input[override] === undefined || input[override] === null) continue;
    const [member, field] = path.split('.');
    if (field === undefined) project[member] = input[override];
    else project[member] = { ...(project[member] as Input | undefined), [field]: input[override] };
  }
  return PROJECT_KEYS(project);
}

/** `aws:RequestTag/<key>` and `aws:TagKeys` for CodeBuild's `tags: [{ key, value }]`. */
function requestTags(tags: unknown): Keys {
  if (!Array.isArray(tags)) return {};
  const out: Keys = {};
  const keys: string[] = [];
  for (const tag of tags) {
    if (typeof tag !== 'object' || tag === null || typeof (tag as Input).key !== 'string') continue;
    const { key, value } = tag as { key: string; value?: unknown };
    keys.push(key);
    out[`aws:RequestTag/${key}`] = typeof value === 'string' ? value : '';
  }
  return keys.length > 0 ? { ...out, 'aws:TagKeys': keys } : out;
}

/** The project keys and the tags of a project or fleet request. */
const withTags =
  (keys: (input: Input) => Keys) =>
  (input: Input): Keys => ({ ...keys(input), ...requestTags(input.tags) });

const projectRoles = (input: Input) => {
  const batch = input.buildBatchConfig;
  return [text(input.serviceRole), typeof batch === 'object' && batch !== null ? text((batch as Input).serviceRole) : undefined];
};

const onProject = (member: string): ActionRule => ({ resource: (input: Input, ctx: RequestContext) => projectResource(ctx, input[member]) });
const onRun = (member: string): ActionRule => ({ resource: (input: Input, ctx: RequestContext) => projectOfRun(ctx, input[member]) });
const onRuns = (member: string): ActionRule => ({ resource: each(member, projectOfRun) });
const onSandbox: ActionRule = { resource: (input: Input, ctx: RequestContext) => sandboxResource(ctx, input.sandboxId) };
const onReportGroup = (member: string): ActionRule => ({ resource: (input: Input) => text(input[member]) ?? '*' });
const onReport = (member: string): ActionRule => ({ resource: (input: Input) => reportGroupOfReport(input[member]) });
/** PutResourcePolicy and its kin act on the project or report group the ARN names. */
const onPolicyResource: ActionRule = { resource: (input: Input) => text(input.resourceArn) ?? '*' };

export const codeBuildAuthorization: ServiceAuthorization = {
  prefix: 'codebuild',
  rules: {
    // Projects.
    CreateProject: { ...onProject('name'), ...passing(projectRoles, withTags(PROJECT_KEYS)) },
    UpdateProject: { ...onProject('name'), ...passing(projectRoles, withTags(PROJECT_KEYS)) },
    DeleteProject: onProject('name'),
    BatchGetProjects: { resource: each('names', projectResource) },
    InvalidateProjectCache: onProject('projectName'),
    UpdateProjectVisibility: {
      ...onProject('projectArn'),
      ...passing(
        (input) => [text(input.resourceAccessRole)],
        (input) => (text(input.projectVisibility) ? { 'codebuild:projectVisibility': input.projectVisibility as string } : {}),
      ),
    },
    ListProjects: {},
    ListSharedProjects: {},
    ListCuratedEnvironmentImages: {},

    // Builds and build batches act on their project.
    StartBuild: { ...onProject('projectName'), ...passing((input) => [text(input.serviceRoleOverride)], overrideKeys) },
    StartBuildBatch: { ...onProject('projectName'), ...passing((input) => [text(input.serviceRoleOverride)], overrideKeys) },
    StopBuild: onRun('id'),
    RetryBuild: onRun('id'),
    BatchGetBuilds: onRuns('ids'),
    BatchDeleteBuilds: onRuns('ids'),
    ListBuilds: {},
    ListBuildsForProject: onProject('projectName'),
    StopBuildBatch: onRun('id'),
    RetryBuildBatch: onRun('id'),
    DeleteBuildBatch: onRun('id'),
    BatchGetBuildBatches: onRuns('ids'),
    ListBuildBatches: {},
    ListBuildBatchesForProject: onProject('projectName'),

    // Sandboxes are started, stopped and read on their project; their command executions on the sandbox.
    StartSandbox: onProject('projectName'),
    StopSandbox: onRun('id'),
    BatchGetSandboxes: onRuns('ids'),
    ListSandboxes: {},
    ListSandboxesForProject: onProject('projectName'),
    StartCommandExecution: onSandbox,
    BatchGetCommandExecutions: onSandbox,
    ListCommandExecutionsForSandbox: onSandbox,
    StartSandboxConnection: onSandbox,

    // Report groups, and reports on their report group.
    CreateReportGroup: {
      resource: (input: Input, ctx: RequestContext) => (text(input.name) ? codebuildArn(ctx, `report-group/${input.name}`) : '*'),
      context: (input: Input) => ({ ...REPORT_GROUP_KEYS(input), ...requestTags(input.tags) }),
    },
    UpdateReportGroup: { ...onReportGroup('arn'), context: (input: Input) => ({ ...REPORT_GROUP_KEYS(input), ...requestTags(input.tags) }) },
    DeleteReportGroup: onReportGroup('arn'),
    BatchGetReportGroups: { resource: (input: Input) => (list(input.reportGroupArns).length > 0 ? list(input.reportGroupArns) : '*') },
    ListReportGroups: {},
    ListSharedReportGroups: {},
    ListReportsForReportGroup: onReportGroup('reportGroupArn'),
    GetReportGroupTrend: onReportGroup('reportGroupArn'),
    ListReports: {},
    BatchGetReports: { resource: each('reportArns', (_ctx, arn) => reportGroupOfReport(arn)) },
    DeleteReport: onReport('arn'),
    DescribeTestCases: onReport('reportArn'),
    DescribeCodeCoverages: onReport('reportArn'),

    // Fleets.
    CreateFleet: { resource: (input: Input, ctx: RequestContext) => fleetResource(ctx, input.name), ...passing((input) => [text(input.fleetServiceRole)], withTags(FLEET_KEYS), false) },
    UpdateFleet: { resource: (input: Input, ctx: RequestContext) => fleetResource(ctx, input.arn), ...passing((input) => [text(input.fleetServiceRole)], withTags(FLEET_KEYS), false) },
    DeleteFleet: { resource: (input: Input, ctx: RequestContext) => fleetResource(ctx, input.arn) },
    BatchGetFleets: { resource: each('names', fleetResource) },
    ListFleets: {},

    PutResourcePolicy: onPolicyResource,
    GetResourcePolicy: onPolicyResource,
    DeleteResourcePolicy: onPolicyResource,

    // Source credentials have no resource type.
    ImportSourceCredentials: { context: requestKeys(['authType', 'serverType', 'shouldOverwrite', 'token', 'username']) },
    ListSourceCredentials: {},
    DeleteSourceCredentials: {},
  },
};
