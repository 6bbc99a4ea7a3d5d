/**
 * AWS::CodePipeline::Pipeline through CreatePipeline/UpdatePipeline (the template's structures in
 * the API's camelCase; action and rule Configuration maps keep their keys, values as strings;
 * ArtifactStores' list becomes the API's map by Region), Disable/EnableStageTransition for
 * DisableInboundStageTransitions, TagResource/UntagResource for Tags, StartPipelineExecution after
 * an update when RestartExecutionOnUpdate is true, and DeletePipeline. Ref is the pipeline's name;
 * GetAtt Version and Arn. Without Name, AWS names the pipeline `<stack>-<LogicalId>-<random>`.
 */
import type { PipelineDeclaration, Tag } from '@aws-sdk/client-codepipeline';
import { AwsError } from '../../../core/errors.js';
import { booleanProp, listOfObjectsProp, sameValue, stringProp, tagChanges, tagListProp, unlessGone } from './foundation-helpers.js';
import { integerValue } from './integration-helpers.js';
import type { CurrentResource, Properties, ProvidedResource, ProviderContext, ResourceProvider } from './types.js';

const NOT_FOUND = 'PipelineNotFoundException';
/** AWS: pipeline names are at most 100 characters. */
const NAME_MAX = 100;
/** API members whose template values may be strings of digits. */
const INTEGERS = new Set(['runOrder', 'timeoutInMinutes', 'minimumCount', 'maximumCount']);
/** Template members whose values are free-form `Json` maps the API takes as string-to-string maps, keys as written. */
const CONFIGURATION_MAPS = new Set(['Configuration']);

/** A template structure in the API's camelCase, Configuration maps as string maps. */
function declared(value: unknown, where: string): unknown {
  if (Array.isArray(value)) return value.map((item, index) => declared(item, `${where}[${index}]`));
  if (value === null || typeof value !== 'object') return value;
  const result: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
    if (member === undefined || member === null) continue;
    const name = key.charAt(0).toLowerCase() + key.slice(1);
    const path = `${where}.${key}`;
    if (CONFIGURATION_MAPS.has(key)) result[name] = configurationMap(member, path);
    else if (INTEGERS.has(name)) result[name] = integerValue(member, path);
    else result[name] = declared(member, path);
  }
  return result;
}

/** An action's Configuration: AWS keeps every value as a string (`PollForSourceChanges: false` is "false"). */
function configurationMap(value: unknown, where: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AwsError('ValidationError', `Value of property ${where} must be an object`);
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined && member !== null)
      .map(([key, member]) => [key, typeof member === 'string' ? member : typeof member === 'object' ? JSON.stringify(member) : String(member)]),
  );
}

function declaration(name: string, props: Properties): PipelineDeclaration {
  const artifactStores = listOfObjectsProp(props, 'ArtifactStores');
  const stores = artifactStores?.map((entry, index) => [stringProp(entry, 'Region') ?? '', declared(entry.ArtifactStore, `ArtifactStores[${index}].ArtifactStore`)]);
  return {
    name,
    roleArn: stringProp(props, 'RoleArn'),
    artifactStore: props.ArtifactStore === undefined ? undefined : (declared(props.ArtifactStore, 'ArtifactStore') as PipelineDeclaration['artifactStore']),
    artifactStores: stores ? (Object.fromEntries(stores) as PipelineDeclaration['artifactStores']) : undefined,
    stages: declared(props.Stages ?? [], 'Stages') as PipelineDeclaration['stages'],
    pipelineType: stringProp(props, 'PipelineType') as PipelineDeclaration['pipelineType'],
    executionMode: stringProp(props, 'ExecutionMode') as PipelineDeclaration['executionMode'],
    variables: props.Variables === undefined ? undefined : (declared(props.Variables, 'Variables') as PipelineDeclaration['variables']),
    triggers: props.Triggers === undefined ? undefined : (declared(props.Triggers, 'Triggers') as PipelineDeclaration['triggers']),
  } as PipelineDeclaration;
}

function apiTags(props: Properties): Tag[] | undefined {
  const tags = tagListProp(props);
  return tags?.length ? tags.map((tag) => ({ key: tag.Key, value: tag.Value })) : undefined;
}

/** The stages DisableInboundStageTransitions names, with their reasons. */
function disabledTransitions(props: Properties): Map<string, string> {
  const entries = listOfObjectsProp(props, 'DisableInboundStageTransitions') ?? [];
  return new Map(entries.map((entry) => [stringProp(entry, 'StageName') ?? '', stringProp(entry, 'Reason') ?? '']));
}

/** Disables the transitions `props` names that `before` did not (or with another reason), and enables those it no longer names. */
async function applyTransitions(ctx: ProviderContext, pipelineName: string, before: Map<string, string>, props: Properties): Promise<void> {
  const after = disabledTransitions(props);
  for (const [stageName, reason] of after) {
    if (before.get(stageName) !== reason) await ctx.call('codepipeline', 'DisableStageTransition', { pipelineName, stageName, transitionType: 'Inbound', reason });
  }
  for (const stageName of before.keys()) {
    if (!after.has(stageName)) await unlessGone(() => ctx.call('codepipeline', 'EnableStageTransition', { pipelineName, stageName, transitionType: 'Inbound' }), 'StageNotFoundException');
  }
}

async function pipelineArn(ctx: ProviderContext, name: string): Promise<string> {
  const { metadata } = await ctx.call('codepipeline', 'GetPipeline', { name });
  return metadata!.pipelineArn!;
}

export const codepipelinePipelineProvider: ResourceProvider = {
  async create(ctx, props): Promise<ProvidedResource> {
    const name = stringProp(props, 'Name') ?? ctx.physicalName({ maxLength: NAME_MAX });
    const { pipeline } = await ctx.call('codepipeline', 'CreatePipeline', { pipeline: declaration(name, props), tags: apiTags(props) });
    ctx.recordPhysicalId?.(name);
    await applyTransitions(ctx, name, new Map(), props);
    return { physicalId: name, attributes: { Version: String(pipeline!.version), Arn: await pipelineArn(ctx, name) } };
  },

  async update(ctx, current: CurrentResource, props): Promise<ProvidedResource> {
    const name = current.physicalId;
    const { pipeline } = await ctx.call('codepipeline', 'UpdatePipeline', { pipeline: declaration(name, props) });
    const arn = await pipelineArn(ctx, name);
    await applyTransitions(ctx, name, disabledTransitions(current.props), props);
    const { set, removed } = tagChanges(tagListProp(current.props), tagListProp(props));
    if (removed.length > 0) await ctx.call('codepipeline', 'UntagResource', { resourceArn: arn, tagKeys: removed });
    if (set.length > 0) await ctx.call('codepipeline', 'TagResource', { resourceArn: arn, tags: set.map((tag) => ({ key: tag.Key, value: tag.Value })) });
    const declarationChanged = !sameValue(declaration(name, current.props), declaration(name, props));
    if (declarationChanged && booleanProp(props, 'RestartExecutionOnUpdate')) await ctx.call('codepipeline', 'StartPipelineExecution', { name });
    return { physicalId: name, attributes: { Version: String(pipeline!.version), Arn: arn } };
  },

  async delete(ctx, current) {
    await unlessGone(() => ctx.call('codepipeline', 'DeletePipeline', { name: current.physicalId }), NOT_FOUND);
  },

  async read(ctx, current) {
    const found = await unlessGone(() => ctx.call('codepipeline', 'GetPipeline', { name: current.physicalId }), NOT_FOUND);
    if (!found?.pipeline) return undefined;
    const reported: Properties = {
      Name: found.pipeline.name,
      RoleArn: found.pipeline.roleArn,
      PipelineType: found.pipeline.pipelineType,
      ExecutionMode: found.pipeline.executionMode,
    };
    return Object.fromEntries(Object.entries(reported).filter(([key, value]) => value !== undefined && current.props[key] !== undefined));
  },
};
