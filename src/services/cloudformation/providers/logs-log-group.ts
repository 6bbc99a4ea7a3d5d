/**
 * AWS::Logs::LogGroup through CreateLogGroup and the group's setting operations. Ref is the
 * group's name; GetAtt Arn is `arn:<partition>:logs:<region>:<account>:log-group:<name>:*`, the
 * form AWS documents. Without LogGroupName, AWS names the group `<stack>-<LogicalId>-<random>`.
 * DataProtectionPolicy goes to PutDataProtectionPolicy, which Drydock's Logs answers 501, so a
 * stack naming one fails honestly; FieldIndexPolicies and ResourcePolicyDocument are refused.
 */
import type { LogGroupClass } from '@aws-sdk/client-cloudwatch-logs';
import { AwsError } from '../../../core/errors.js';
import { booleanProp, givenOrIntendedName, integerProp, sameValue, stringProp, tagChanges, tagListProp, unlessGone } from './foundation-helpers.js';
import { jsonText, refuseUnsupported } from './integration-helpers.js';
import type { Properties, ProvidedResource, ProviderContext, ResourceProvider } from './types.js';

const NOT_FOUND = 'ResourceNotFoundException';

function groupArn(ctx: ProviderContext, name: string): string {
  return `arn:${ctx.partition}:logs:${ctx.region}:${ctx.account}:log-group:${name}`;
}

function provided(ctx: ProviderContext, name: string): ProvidedResource {
  return { physicalId: name, attributes: { Arn: `${groupArn(ctx, name)}:*` } };
}

async function putDataProtectionPolicy(ctx: ProviderContext, name: string, props: Properties): Promise<void> {
  const policy = jsonText(props.DataProtectionPolicy, 'DataProtectionPolicy');
  if (policy !== undefined) await ctx.call('logs', 'PutDataProtectionPolicy', { logGroupIdentifier: name, policyDocument: policy });
  else await ctx.call('logs', 'DeleteDataProtectionPolicy', { logGroupIdentifier: name });
}

export const logsLogGroupProvider: ResourceProvider = {
  async create(ctx, props) {
    refuseUnsupported(props, ctx.resourceType, ['FieldIndexPolicies', 'ResourcePolicyDocument', 'BearerTokenAuthenticationEnabled']);
    const name = givenOrIntendedName(ctx, stringProp(props, 'LogGroupName'), { maxLength: 512 });
    const tags = tagListProp(props);
    await ctx.call('logs', 'CreateLogGroup', {
      logGroupName: name,
      kmsKeyId: stringProp(props, 'KmsKeyId'),
      logGroupClass: stringProp(props, 'LogGroupClass') as LogGroupClass | undefined,
      deletionProtectionEnabled: booleanProp(props, 'DeletionProtectionEnabled'),
      tags: tags?.length ? Object.fromEntries(tags.map((tag) => [tag.Key, tag.Value])) : undefined,
    });
    const retentionInDays = integerProp(props, 'RetentionInDays');
    if (retentionInDays !== undefined) await ctx.call('logs', 'PutRetentionPolicy', { logGroupName: name, retentionInDays });
    if (props.DataProtectionPolicy !== undefined) await putDataProtectionPolicy(ctx, name, props);
    return provided(ctx, name);
  },

  async update(ctx, current, props) {
    refuseUnsupported(props, ctx.resourceType, ['FieldIndexPolicies', 'ResourcePolicyDocument', 'BearerTokenAuthenticationEnabled']);
    const name = current.physicalId;
    if (!sameValue(current.props.LogGroupClass ?? 'STANDARD', props.LogGroupClass ?? 'STANDARD')) {
      throw new AwsError('NotImplemented', 'Drydock cannot change the LogGroupClass of an existing log group (CloudWatch Logs has no operation for it)', { status: 501 });
    }
    if (!sameValue(current.props.RetentionInDays, props.RetentionInDays)) {
      const retentionInDays = integerProp(props, 'RetentionInDays');
      if (retentionInDays !== undefined) await ctx.call('logs', 'PutRetentionPolicy', { logGroupName: name, retentionInDays });
      else await ctx.call('logs', 'DeleteRetentionPolicy', { logGroupName: name });
    }
    if (!sameValue(current.props.KmsKeyId, props.KmsKeyId)) {
      const kmsKeyId = stringProp(props, 'KmsKeyId');
      if (kmsKeyId !== undefined) await ctx.call('logs', 'AssociateKmsKey', { logGroupName: name, kmsKeyId });
      else await ctx.call('logs', 'DisassociateKmsKey', { logGroupName: name });
    }
    if (!sameValue(current.props.DeletionProtectionEnabled, props.DeletionProtectionEnabled)) {
      await ctx.call('logs', 'PutLogGroupDeletionProtection', { logGroupIdentifier: name, deletionProtectionEnabled: booleanProp(props, 'DeletionProtectionEnabled') ?? false });
    }
    if (!sameValue(current.props.DataProtectionPolicy, props.DataProtectionPolicy)) await putDataProtectionPolicy(ctx, name, props);
    const { set, removed } = tagChanges(tagListProp(current.props), tagListProp(props));
    const resourceArn = groupArn(ctx, name);
    if (removed.length > 0) await ctx.call('logs', 'UntagResource', { resourceArn, tagKeys: removed });
    if (set.length > 0) await ctx.call('logs', 'TagResource', { resourceArn, tags: Object.fromEntries(set.map((tag) => [tag.Key, tag.Value])) });
    return provided(ctx, name);
  },

  async delete(ctx, current) {
    await unlessGone(() => ctx.call('logs', 'DeleteLogGroup', { logGroupName: current.physicalId }), NOT_FOUND);
  },

  async read(ctx, current) {
    const name = current.physicalId;
    const page = await ctx.call('logs', 'DescribeLogGroups', { logGroupNamePrefix: name });
    const group = page.logGroups?.find((candidate) => candidate.logGroupName === name);
    if (!group) return undefined;
    const tags = await ctx.call('logs', 'ListTagsForResource', { resourceArn: groupArn(ctx, name) });
    const actual: Properties = {};
    if (current.props.LogGroupName !== undefined) actual.LogGroupName = group.logGroupName;
    if (group.retentionInDays !== undefined) actual.RetentionInDays = group.retentionInDays;
    if (group.kmsKeyId) actual.KmsKeyId = group.kmsKeyId;
    if (current.props.LogGroupClass !== undefined || group.logGroupClass !== 'STANDARD') actual.LogGroupClass = group.logGroupClass;
    if (current.props.DeletionProtectionEnabled !== undefined || group.deletionProtectionEnabled) actual.DeletionProtectionEnabled = group.deletionProtectionEnabled;
    const tagEntries = Object.entries(tags.tags ?? {});
    if (tagEntries.length > 0) actual.Tags = tagEntries.map(([Key, Value]) => ({ Key, Value }));
    return actual;
  },
};
