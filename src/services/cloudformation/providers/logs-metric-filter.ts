/**
 * AWS::Logs::MetricFilter through PutMetricFilter, which both creates and updates. Ref is the
 * filter's name (AWS generates `<stack>-<LogicalId>-<random>` without FilterName). Dimensions are a
 * `{ Key, Value }` list in the template and a map in the API. Drydock's Logs stores and counts
 * metric filters but emits no metric (it serves no CloudWatch metrics).
 */
import type { MetricTransformation, StandardUnit } from '@aws-sdk/client-cloudwatch-logs';
import { booleanProp, givenOrIntendedName, listOfObjectsProp, requiredStringProp, stringListProp, stringProp, unlessGone } from './foundation-helpers.js';
import type { Properties, ProviderContext, ResourceProvider } from './types.js';

const NOT_FOUND = 'ResourceNotFoundException';

function transformations(props: Properties): MetricTransformation[] {
  return (listOfObjectsProp(props, 'MetricTransformations') ?? []).map((entry) => {
    const transformation = entry as Properties;
    const defaultValue = transformation.DefaultValue;
    const dimensions = listOfObjectsProp(transformation, 'Dimensions');
    return {
      metricName: requiredStringProp(transformation, 'MetricName'),
      metricNamespace: requiredStringProp(transformation, 'MetricNamespace'),
      metricValue: requiredStringProp(transformation, 'MetricValue'),
      defaultValue: defaultValue === undefined ? undefined : Number(defaultValue),
      unit: stringProp(transformation, 'Unit') as StandardUnit | undefined,
      dimensions: dimensions && Object.fromEntries(dimensions.map((dimension) => [requiredStringProp(dimension, 'Key'), requiredStringProp(dimension, 'Value')])),
    };
  });
}

async function put(ctx: ProviderContext, filterName: string, props: Properties) {
  await ctx.call('logs', 'PutMetricFilter', {
    logGroupName: requiredStringProp(props, 'LogGroupName'),
    filterName,
    filterPattern: stringProp(props, 'FilterPattern') ?? '',
    metricTransformations: transformations(props),
    applyOnTransformedLogs: booleanProp(props, 'ApplyOnTransformedLogs'),
    fieldSelectionCriteria: stringProp(props, 'FieldSelectionCriteria'),
    emitSystemFieldDimensions: stringListProp(props, 'EmitSystemFieldDimensions'),
  });
  return { physicalId: filterName };
}

export const logsMetricFilterProvider: ResourceProvider = {
  create: (ctx, props) => put(ctx, givenOrIntendedName(ctx, stringProp(props, 'FilterName'), { maxLength: 512 }), props),

  update: (ctx, current, props) => put(ctx, current.physicalId, props),

  async delete(ctx, current) {
    const logGroupName = requiredStringProp(current.props, 'LogGroupName');
    await unlessGone(() => ctx.call('logs', 'DeleteMetricFilter', { logGroupName, filterName: current.physicalId }), NOT_FOUND);
  },

  async read(ctx, current) {
    const logGroupName = requiredStringProp(current.props, 'LogGroupName');
    const page = await unlessGone(() => ctx.call('logs', 'DescribeMetricFilters', { logGroupName, filterNamePrefix: current.physicalId }), NOT_FOUND);
    const filter = page?.metricFilters?.find((candidate) => candidate.filterName === current.physicalId);
    if (!filter) return undefined;
    const actual: Properties = {
      LogGroupName: logGroupName,
      FilterPattern: filter.filterPattern ?? '',
      MetricTransformations: (filter.metricTransformations ?? []).map((t) => ({
        MetricName: t.metricName,
        MetricNamespace: t.metricNamespace,
        MetricValue: t.metricValue,
        ...(t.defaultValue !== undefined ? { DefaultValue: t.defaultValue } : {}),
        ...(t.unit !== undefined ? { Unit: t.unit } : {}),
        ...(t.dimensions && Object.keys(t.dimensions).length ? { Dimensions: Object.entries(t.dimensions).map(([Key, Value]) => ({ Key, Value })) } : {}),
      })),
    };
    if (current.props.FilterName !== undefined) actual.FilterName = filter.filterName;
    return actual;
  },
};
