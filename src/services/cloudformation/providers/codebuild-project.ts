/**
 * AWS::CodeBuild::Project through CreateProject/UpdateProject (the template's structures in the
 * API's camelCase; Source.BuildSpec is the API's `buildspec`), UpdateProjectVisibility for
 * Visibility and ResourceAccessRole, and DeleteProject. Ref is the project's name; GetAtt Arn.
 * Without Name, AWS names the project `<stack>-<LogicalId>-<random>`. Triggers with Webhook go to
 * CreateWebhook/UpdateWebhook, which Drydock answers 501 (no Git host is reachable offline).
 */
import type { CreateProjectInput, ProjectVisibilityType } from '@aws-sdk/client-codebuild';
import { booleanProp, givenOrIntendedName, objectProp, sameValue, stringProp, tagListProp, unlessGone } from './foundation-helpers.js';
import { type CamelCaseOptions, camelCased } from './integration-helpers.js';
import type { Properties, ProvidedResource, ProviderContext, ResourceProvider } from './types.js';

/** Template properties CreateProject/UpdateProject take (camelCased); the others have their own operations. */
const PROJECT_PROPERTIES = [
  'Description',
  'Source',
  'SecondarySources',
  'SourceVersion',
  'SecondarySourceVersions',
  'Artifacts',
  'SecondaryArtifacts',
  'Cache',
  'Environment',
  'ServiceRole',
  'TimeoutInMinutes',
  'QueuedTimeoutInMinutes',
  'EncryptionKey',
  'VpcConfig',
  'BadgeEnabled',
  'LogsConfig',
  'FileSystemLocations',
  'BuildBatchConfig',
  'ConcurrentBuildLimit',
  'AutoRetryLimit',
];

const CASE: CamelCaseOptions = {
  renames: { BuildSpec: 'buildspec' },
  integers: new Set(['autoRetryLimit', 'concurrentBuildLimit', 'gitCloneDepth', 'maximumBuildsAllowed', 'queuedTimeoutInMinutes', 'timeoutInMins', 'timeoutInMinutes', 'disk', 'memory', 'vCpu']),
  booleans: new Set(['badgeEnabled', 'combineArtifacts', 'encryptionDisabled', 'fetchSubmodules', 'insecureSsl', 'overrideArtifactName', 'privilegedMode', 'reportBuildStatus']),
};

function projectInput(name: string, props: Properties): CreateProjectInput {
  const chosen = Object.fromEntries(PROJECT_PROPERTIES.filter((key) => props[key] !== undefined).map((key) => [key, props[key]]));
  const tags = tagListProp(props) ?? [];
  return { ...(camelCased(chosen, CASE) as Omit<CreateProjectInput, 'name'>), name, tags: tags.map((tag) => ({ key: tag.Key, value: tag.Value })) };
}

async function applyVisibility(ctx: ProviderContext, arn: string, props: Properties): Promise<void> {
  await ctx.call('codebuild', 'UpdateProjectVisibility', {
    projectArn: arn,
    projectVisibility: (stringProp(props, 'Visibility') ?? 'PRIVATE') as ProjectVisibilityType,
    resourceAccessRole: stringProp(props, 'ResourceAccessRole'),
  });
}

/** Triggers.Webhook asks for a webhook, which Drydock cannot serve: the call answers 501 and fails the resource. */
async function applyTriggers(ctx: ProviderContext, name: string, props: Properties): Promise<void> {
  const triggers = objectProp(props, 'Triggers');
  if (triggers && booleanProp(triggers, 'Webhook')) await ctx.call('codebuild', 'CreateWebhook', { projectName: name });
}

export const codebuildProjectProvider: ResourceProvider = {
  async create(ctx, props) {
    const name = givenOrIntendedName(ctx, stringProp(props, 'Name'), { maxLength: 255 });
    const { project } = await ctx.call('codebuild', 'CreateProject', projectInput(name, props));
    const arn = project?.arn as string;
    if (props.Visibility !== undefined || props.ResourceAccessRole !== undefined) await applyVisibility(ctx, arn, props);
    await applyTriggers(ctx, name, props);
    return { physicalId: name, attributes: { Arn: arn } };
  },

  async update(ctx, current, props): Promise<ProvidedResource> {
    const name = current.physicalId;
    const { project } = await ctx.call('codebuild', 'UpdateProject', projectInput(name, props));
    const arn = project?.arn as string;
    if (!sameValue(current.props.Visibility, props.Visibility) || !sameValue(current.props.ResourceAccessRole, props.ResourceAccessRole)) await applyVisibility(ctx, arn, props);
    if (!sameValue(current.props.Triggers, props.Triggers)) await applyTriggers(ctx, name, props);
    return { physicalId: name, attributes: { Arn: arn } };
  },

  async delete(ctx, current) {
    await unlessGone(() => ctx.call('codebuild', 'DeleteProject', { name: current.physicalId }), 'ResourceNotFoundException');
  },

  async read(ctx, current) {
    const { projects } = await ctx.call('codebuild', 'BatchGetProjects', { names: [current.physicalId] });
    const project = projects?.[0];
    if (!project) return undefined;
    // Top-level settings only: the API reports defaults inside every structure that the template never names.
    const reported: Properties = {
      Name: project.name,
      Description: project.description,
      ServiceRole: project.serviceRole,
      TimeoutInMinutes: project.timeoutInMinutes,
      QueuedTimeoutInMinutes: project.queuedTimeoutInMinutes,
      ConcurrentBuildLimit: project.concurrentBuildLimit,
      BadgeEnabled: project.badge?.badgeEnabled,
      Visibility: project.projectVisibility,
    };
    const actual: Properties = Object.fromEntries(Object.entries(reported).filter(([key, value]) => value !== undefined && current.props[key] !== undefined));
    if (project.tags?.length) actual.Tags = project.tags.map((tag) => ({ Key: tag.key, Value: tag.value }));
    return actual;
  },
};
