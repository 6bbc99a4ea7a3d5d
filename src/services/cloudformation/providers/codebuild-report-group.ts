/**
 * AWS::CodeBuild::ReportGroup through CreateReportGroup, UpdateReportGroup and DeleteReportGroup
 * (DeleteReports: whether the group's reports go with it). Ref is the report group's ARN; GetAtt
 * Arn and Name. Without Name, AWS names the group `<stack>-<LogicalId>-<random>`.
 */
import type { ReportExportConfig, ReportType } from '@aws-sdk/client-codebuild';
import { booleanProp, requiredStringProp, stringProp, tagListProp, unlessGone } from './foundation-helpers.js';
import { camelCased } from './integration-helpers.js';
import type { Properties, ResourceProvider } from './types.js';

function exportConfig(props: Properties): ReportExportConfig {
  return (camelCased(props.ExportConfig, { booleans: new Set(['encryptionDisabled']) }) as ReportExportConfig | undefined) ?? { exportConfigType: 'NO_EXPORT' };
}

function tags(props: Properties) {
  return (tagListProp(props) ?? []).map((tag) => ({ key: tag.Key, value: tag.Value }));
}

export const codebuildReportGroupProvider: ResourceProvider = {
  async create(ctx, props) {
    const name = stringProp(props, 'Name') ?? ctx.physicalName({ maxLength: 128 });
    const { reportGroup } = await ctx.call('codebuild', 'CreateReportGroup', {
      name,
      type: requiredStringProp(props, 'Type') as ReportType,
      exportConfig: exportConfig(props),
      tags: tags(props),
    });
    const arn = reportGroup?.arn as string;
    return { physicalId: arn, attributes: { Arn: arn, Name: name } };
  },

  async update(ctx, current, props) {
    await ctx.call('codebuild', 'UpdateReportGroup', { arn: current.physicalId, exportConfig: exportConfig(props), tags: tags(props) });
    return { physicalId: current.physicalId, attributes: current.attributes };
  },

  async delete(ctx, current) {
    await unlessGone(() => ctx.call('codebuild', 'DeleteReportGroup', { arn: current.physicalId, deleteReports: booleanProp(current.props, 'DeleteReports') }), 'ResourceNotFoundException');
  },

  async read(ctx, current) {
    const { reportGroups } = await ctx.call('codebuild', 'BatchGetReportGroups', { reportGroupArns: [current.physicalId] });
    const group = reportGroups?.[0];
    if (!group) return undefined;
    const actual: Properties = { Type: group.type };
    if (current.props.Name !== undefined) actual.Name = group.name;
    if (group.tags?.length) actual.Tags = group.tags.map((tag) => ({ Key: tag.key, Value: tag.value }));
    return actual;
  },
};
