/**
 * What each CodeBuild operation needs IAM to allow, from AWS's Service Authorization Reference
 * ("Actions, resources, and condition keys for AWS CodeBuild"): `codebuild:<Operation>` on the
 * project (`arn:${Partition}:codebuild:${Region}:${Account}:project/${ProjectName}`), report group
 * (`…:report-group/${ReportGroupName}`) or fleet (`…:fleet/${FleetName}`) it acts on. Builds, build
 * batches, sandboxes and their command executions are authorized on their project, named by the id
 * (`<project>:<uuid>`) or ARN the request gives; reports on their report group. Listing everything
 * (ListProjects, ListBuilds …) and source credentials have no resource: `*`.
 *
 * Naming a service role is passing it to CodeBuild: CreateProject and UpdateProject (serviceRole,
 * buildBatchConfig.serviceRole), StartBuild and StartBuildBatch with serviceRoleOverride, and
 * CreateFleet and UpdateFleet with fleetServiceRole also need `iam:PassRole` on that role, with
 * `iam:PassedToService` = `codebuild.amazonaws.com`.
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

/** A fleet named by name or ARN (`arn:…:fleet/<name>:<uuid>`) → `arn:…:fleet/<name>`. */
function fleetResource(ctx: RequestContext, nameOrArn: unknown): string {
  const value = text(nameOrArn);
  if (!value) return '*';
  if (!value.startsWith('arn:')) return codebuildArn(ctx, `fleet/${value}`);
  return value.replace(/^(arn:[^:]*:codebuild:[^:]*:[^:]*:fleet\/[^:]+):.*$/, '$1');
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

/** The roles an operation passes, read by `roles`; iam:PassRole on each. */
function passing(roles: (input: Input) => (string | undefined)[]): Pick<ActionRule, 'also' | 'context'> {
  const named = (input: Input) => roles(input).filter((r): r is string => r !== undefined && r !== '');
  return {
    also: [{ action: 'iam:PassRole', resource: (input: Input, ctx: RequestContext) => named(input).map((r) => roleResource(ctx, r)), when: (input: Input) => named(input).length > 0 }],
    context: (input: Input) => (named(input).length > 0 ? PASSED_TO_CODEBUILD : {}),
  };
}

/** `aws:RequestTag/<key>` and `aws:TagKeys` for CodeBuild's `tags: [{ key, value }]`. */
function requestTags(tags: unknown): Record<string, ContextValue> {
  if (!Array.isArray(tags)) return {};
  const out: Record<string, ContextValue> = {};
  const keys: string[] = [];
  for (const tag of tags) {
    if (typeof tag !== 'object' || tag === null || typeof (tag as Input).key !== 'string') continue;
    const { key, value } = tag as { key: string; value?: unknown };
    keys.push(key);
    out[`aws:RequestTag/${key}`] = typeof value === 'string' ? value : '';
  }
  return keys.length > 0 ? { ...out, 'aws:TagKeys': keys } : out;
}

const withTags = (rule: Pick<ActionRule, 'also' | 'context'>): Pick<ActionRule, 'also' | 'context'> => ({
  ...rule,
  context: (input: Input, ctx: RequestContext) => ({ ...rule.context?.(input, ctx), ...requestTags(input.tags) }),
});

const projectRoles = (input: Input) => {
  const batch = input.buildBatchConfig;
  return [text(input.serviceRole), typeof batch === 'object' && batch !== null ? text((batch as Input).serviceRole) : undefined];
};

const onProject = (member: string): ActionRule => ({ resource: (input: Input, ctx: RequestContext) => projectResource(ctx, input[member]) });
const onRun = (member: string): ActionRule => ({ resource: (input: Input, ctx: RequestContext) => projectOfRun(ctx, input[member]) });
const onRuns = (member: string): ActionRule => ({ resource: each(member, projectOfRun) });
const onReportGroup = (member: string): ActionRule => ({ resource: (input: Input) => text(input[member]) ?? '*' });
const onReport = (member: string): ActionRule => ({ resource: (input: Input) => reportGroupOfReport(input[member]) });
/** PutResourcePolicy and its kin act on the project or report group the ARN names. */
const onPolicyResource: ActionRule = { resource: (input: Input) => text(input.resourceArn) ?? '*' };

export const codeBuildAuthorization: ServiceAuthorization = {
  prefix: 'codebuild',
  rules: {
    // Projects.
    CreateProject: { ...onProject('name'), ...withTags(passing(projectRoles)) },
    UpdateProject: { ...onProject('name'), ...withTags(passing(projectRoles)) },
    DeleteProject: onProject('name'),
    BatchGetProjects: { resource: each('names', projectResource) },
    InvalidateProjectCache: onProject('projectName'),
    UpdateProjectVisibility: onProject('projectArn'),
    ListProjects: {},
    ListSharedProjects: {},
    ListCuratedEnvironmentImages: {},

    // Builds and build batches act on their project.
    StartBuild: { ...onProject('projectName'), ...passing((input) => [text(input.serviceRoleOverride)]) },
    StartBuildBatch: { ...onProject('projectName'), ...passing((input) => [text(input.serviceRoleOverride)]) },
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

    // Sandboxes and their command executions act on their project too.
    StartSandbox: onProject('projectName'),
    StopSandbox: onRun('id'),
    BatchGetSandboxes: onRuns('ids'),
    ListSandboxes: {},
    ListSandboxesForProject: onProject('projectName'),
    StartCommandExecution: onRun('sandboxId'),
    BatchGetCommandExecutions: onRun('sandboxId'),
    ListCommandExecutionsForSandbox: onRun('sandboxId'),
    StartSandboxConnection: onRun('sandboxId'),

    // Report groups, and reports on their report group.
    CreateReportGroup: {
      resource: (input: Input, ctx: RequestContext) => (text(input.name) ? codebuildArn(ctx, `report-group/${input.name}`) : '*'),
      context: (input: Input) => requestTags(input.tags),
    },
    UpdateReportGroup: { ...onReportGroup('arn'), context: (input: Input) => requestTags(input.tags) },
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
    CreateFleet: { resource: (input: Input, ctx: RequestContext) => fleetResource(ctx, input.name), ...withTags(passing((input) => [text(input.fleetServiceRole)])) },
    UpdateFleet: { resource: (input: Input, ctx: RequestContext) => fleetResource(ctx, input.arn), ...withTags(passing((input) => [text(input.fleetServiceRole)])) },
    DeleteFleet: { resource: (input: Input, ctx: RequestContext) => fleetResource(ctx, input.arn) },
    BatchGetFleets: { resource: each('names', fleetResource) },
    ListFleets: {},

    PutResourcePolicy: onPolicyResource,
    GetResourcePolicy: onPolicyResource,
    DeleteResourcePolicy: onPolicyResource,

    // Source credentials have no resource type.
    ImportSourceCredentials: {},
    ListSourceCredentials: {},
    DeleteSourceCredentials: {},
  },
};
