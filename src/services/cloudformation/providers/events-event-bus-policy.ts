/**
 * AWS::Events::EventBusPolicy: one statement (StatementId) of a bus's resource policy, given either
 * as Statement (a whole policy statement, written into the policy under its Sid) or as
 * Action/Principal/Condition (PutPermission's own members). Deleting removes the statement. Ref is
 * the generated id `<stack>-<LogicalId>-<random>`.
 */
import type { Condition } from '@aws-sdk/client-eventbridge';
import { objectProp, requiredStringProp, stringProp, unlessGone } from './foundation-helpers.js';
import type { Properties, ProviderContext, ResourceProvider } from './types.js';

const NOT_FOUND = 'ResourceNotFoundException';

interface PolicyDocument {
  Version?: string;
  Statement: Record<string, unknown>[];
}

async function putStatement(ctx: ProviderContext, props: Properties): Promise<void> {
  const bus = stringProp(props, 'EventBusName');
  const statementId = requiredStringProp(props, 'StatementId');
  const statement = objectProp(props, 'Statement');
  if (!statement) {
    await ctx.call('events', 'PutPermission', {
      EventBusName: bus,
      StatementId: statementId,
      Action: stringProp(props, 'Action'),
      Principal: stringProp(props, 'Principal'),
      Condition: objectProp(props, 'Condition') as Condition | undefined,
    });
    return;
  }
  const { Policy } = await ctx.call('events', 'DescribeEventBus', { Name: bus });
  const policy: PolicyDocument = Policy ? JSON.parse(Policy) : { Version: '2012-10-17', Statement: [] };
  policy.Statement = [...policy.Statement.filter((existing) => existing.Sid !== statementId), { ...statement, Sid: statementId }];
  await ctx.call('events', 'PutPermission', { EventBusName: bus, Policy: JSON.stringify(policy) });
}

export const eventsEventBusPolicyProvider: ResourceProvider = {
  async create(ctx, props) {
    await putStatement(ctx, props);
    return { physicalId: ctx.physicalName() };
  },

  async update(ctx, current, props) {
    await putStatement(ctx, props);
    return { physicalId: current.physicalId };
  },

  async delete(ctx, current) {
    const statementId = requiredStringProp(current.props, 'StatementId');
    await unlessGone(() => ctx.call('events', 'RemovePermission', { EventBusName: stringProp(current.props, 'EventBusName'), StatementId: statementId }), NOT_FOUND);
  },

  async read(ctx, current) {
    const found = await unlessGone(() => ctx.call('events', 'DescribeEventBus', { Name: stringProp(current.props, 'EventBusName') }), NOT_FOUND);
    const policy: PolicyDocument | undefined = found?.Policy ? JSON.parse(found.Policy) : undefined;
    const statement = policy?.Statement.find((existing) => existing.Sid === current.props.StatementId);
    if (!statement) return undefined;
    if (current.props.Statement !== undefined) {
      const { Sid: _sid, ...rest } = statement;
      return { ...current.props, Statement: rest };
    }
    return { ...current.props };
  },
};
