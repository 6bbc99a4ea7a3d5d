/**
 * AWS::SSM::Parameter through PutParameter / DeleteParameter. Ref is the parameter's name;
 * GetAtt Type, Value and Arn. Without Name, AWS names the parameter `CFN-<LogicalId>-<12 random
 * alphanumerics>`. CloudFormation refuses SecureString (only String and StringList), as AWS does.
 */
import type { ParameterTier, ParameterType, Tag } from '@aws-sdk/client-ssm';
import { AwsError } from '../../../core/errors.js';
import { randomAlphanumerics, requiredStringProp, sameValue, stringProp, tagChanges, tagMapProp, unlessGone } from './foundation-helpers.js';
import type { CurrentResource, Properties, ProvidedResource, ProviderContext, ResourceProvider } from './types.js';

function parameterType(props: Properties): ParameterType {
  const type = requiredStringProp(props, 'Type');
  if (type !== 'String' && type !== 'StringList') {
    throw new AwsError('ValidationError', `SecureString parameters are not supported by AWS CloudFormation; Type must be String or StringList, not ${type}`);
  }
  return type;
}

/** What PutParameter writes, common to create and overwrite. Removed optional properties are reset so the parameter matches the template. */
function putInput(name: string, props: Properties, overwrite: boolean) {
  return {
    Name: name,
    Value: requiredStringProp(props, 'Value'),
    Type: parameterType(props),
    Description: stringProp(props, 'Description') ?? (overwrite ? '' : undefined),
    AllowedPattern: stringProp(props, 'AllowedPattern') ?? (overwrite ? '' : undefined),
    DataType: stringProp(props, 'DataType') ?? (overwrite ? 'text' : undefined),
    Tier: stringProp(props, 'Tier') as ParameterTier | undefined,
    Policies: stringProp(props, 'Policies') ?? (overwrite ? '[]' : undefined),
  };
}

function provided(ctx: ProviderContext, name: string, props: Properties): ProvidedResource {
  const path = name.startsWith('/') ? name.slice(1) : name;
  return {
    physicalId: name,
    attributes: { Type: parameterType(props), Value: requiredStringProp(props, 'Value'), Arn: `arn:${ctx.partition}:ssm:${ctx.region}:${ctx.account}:parameter/${path}` },
  };
}

export const ssmParameterProvider: ResourceProvider = {
  async create(ctx, props) {
    const given = stringProp(props, 'Name');
    const name = given ?? `CFN-${ctx.logicalId}-${randomAlphanumerics(12)}`;
    // A generated name is the parameter's intended physical id (see ProviderContext.intendPhysicalId); a given one may be someone else's.
    if (given === undefined) ctx.intendPhysicalId?.(name);
    const tags: Tag[] | undefined = tagMapProp(props);
    await ctx.call('ssm', 'PutParameter', { ...putInput(name, props, false), Tags: tags?.length ? tags : undefined });
    return provided(ctx, name, props);
  },

  async update(ctx, current, props) {
    const name = current.physicalId;
    const valueChanged = ['Value', 'Type', 'Description', 'AllowedPattern', 'DataType', 'Tier', 'Policies'].some((key) => !sameValue(current.props[key], props[key]));
    if (valueChanged) await ctx.call('ssm', 'PutParameter', { ...putInput(name, props, true), Overwrite: true });
    const { set, removed } = tagChanges(tagMapProp(current.props), tagMapProp(props));
    if (removed.length > 0) await ctx.call('ssm', 'RemoveTagsFromResource', { ResourceType: 'Parameter', ResourceId: name, TagKeys: removed });
    if (set.length > 0) await ctx.call('ssm', 'AddTagsToResource', { ResourceType: 'Parameter', ResourceId: name, Tags: set });
    return provided(ctx, name, props);
  },

  async delete(ctx, current) {
    await unlessGone(() => ctx.call('ssm', 'DeleteParameter', { Name: current.physicalId }), 'ParameterNotFound');
  },

  async read(ctx: ProviderContext, current: CurrentResource) {
    const found = await unlessGone(() => ctx.call('ssm', 'GetParameter', { Name: current.physicalId }), 'ParameterNotFound');
    const parameter = found?.Parameter;
    if (!parameter) return undefined;
    const description = await ctx.call('ssm', 'DescribeParameters', { ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [current.physicalId] }] });
    const metadata = description.Parameters?.[0];
    const tags = await ctx.call('ssm', 'ListTagsForResource', { ResourceType: 'Parameter', ResourceId: current.physicalId });
    // Defaults the template did not name (generated name, text, Standard) are not drift.
    const actual: Properties = { Type: parameter.Type, Value: parameter.Value };
    if (current.props.Name !== undefined) actual.Name = parameter.Name;
    if (current.props.DataType !== undefined || parameter.DataType !== 'text') actual.DataType = parameter.DataType;
    // Intelligent-Tiering is a request, not a tier a parameter has.
    if (current.props.Tier === 'Intelligent-Tiering') actual.Tier = 'Intelligent-Tiering';
    else if (current.props.Tier !== undefined || metadata?.Tier !== 'Standard') actual.Tier = metadata?.Tier;
    if (metadata?.Description) actual.Description = metadata.Description;
    if (metadata?.AllowedPattern) actual.AllowedPattern = metadata.AllowedPattern;
    if (tags.TagList?.length) actual.Tags = Object.fromEntries(tags.TagList.map((tag) => [tag.Key, tag.Value]));
    return actual;
  },
};
