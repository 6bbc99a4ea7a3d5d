/**
 * AWS::Logs::SubscriptionFilter through PutSubscriptionFilter, which both creates and updates.
 * Ref is the filter's name (AWS generates `<stack>-<LogicalId>-<random>` without FilterName).
 * Drydock's Logs delivers to Lambda destinations only, and PutSubscriptionFilter refuses others.
 */
import type { Distribution } from '@aws-sdk/client-cloudwatch-logs';
import { booleanProp, givenOrIntendedName, requiredStringProp, stringListProp, stringProp, unlessGone } from './foundation-helpers.js';
import type { Properties, ProviderContext, ResourceProvider } from './types.js';

const NOT_FOUND = 'ResourceNotFoundException';

async function put(ctx: ProviderContext, filterName: string, props: Properties) {
  await ctx.call('logs', 'PutSubscriptionFilter', {
    logGroupName: requiredStringProp(props, 'LogGroupName'),
    filterName,
    filterPattern: stringProp(props, 'FilterPattern') ?? '',
    destinationArn: requiredStringProp(props, 'DestinationArn'),
    roleArn: stringProp(props, 'RoleArn'),
    distribution: stringProp(props, 'Distribution') as Distribution | undefined,
    applyOnTransformedLogs: booleanProp(props, 'ApplyOnTransformedLogs'),
    fieldSelectionCriteria: stringProp(props, 'FieldSelectionCriteria'),
    emitSystemFields: stringListProp(props, 'EmitSystemFields'),
  });
  return { physicalId: filterName };
}

export const logsSubscriptionFilterProvider: ResourceProvider = {
  create: (ctx, props) => put(ctx, givenOrIntendedName(ctx, stringProp(props, 'FilterName'), { maxLength: 512 }), props),

  update: (ctx, current, props) => put(ctx, current.physicalId, props),

  async delete(ctx, current) {
    const logGroupName = requiredStringProp(current.props, 'LogGroupName');
    await unlessGone(() => ctx.call('logs', 'DeleteSubscriptionFilter', { logGroupName, filterName: current.physicalId }), NOT_FOUND);
  },

  async read(ctx, current) {
    const logGroupName = requiredStringProp(current.props, 'LogGroupName');
    const page = await unlessGone(() => ctx.call('logs', 'DescribeSubscriptionFilters', { logGroupName, filterNamePrefix: current.physicalId }), NOT_FOUND);
    const filter = page?.subscriptionFilters?.find((candidate) => candidate.filterName === current.physicalId);
    if (!filter) return undefined;
    const actual: Properties = { LogGroupName: logGroupName, FilterPattern: filter.filterPattern ?? '', DestinationArn: filter.destinationArn };
    if (current.props.FilterName !== undefined) actual.FilterName = filter.filterName;
    if (filter.roleArn) actual.RoleArn = filter.roleArn;
    if (current.props.Distribution !== undefined || filter.distribution !== 'ByLogStream') actual.Distribution = filter.distribution;
    return actual;
  },
};
