/**
 * AWS::Events::Rule through PutRule (which replaces the whole rule, so create and update send
 * every property), PutTargets/RemoveTargets and DeleteRule. Ref is the rule's name on the default
 * bus and `<EventBusName>|<name>` on another bus, as AWS documents; GetAtt Arn and RuleName. Without Name, AWS
 * names the rule `<stack>-<LogicalId>-<random>` (at most 64 characters). EventPattern may be an
 * object or a JSON string; targets keep their InputTransformer, RoleArn, DeadLetterConfig,
 * RetryPolicy and other members as the API spells them.
 */
import type { RuleState, Target } from '@aws-sdk/client-eventbridge';
import { listOfObjectsProp, requiredStringProp, stringProp, tagListProp, unlessGone } from './foundation-helpers.js';
import { integerValue, jsonText } from './integration-helpers.js';
import type { CurrentResource, Properties, ProvidedResource, ProviderContext, ResourceProvider } from './types.js';

const NOT_FOUND = 'ResourceNotFoundException';
const DEFAULT_BUS = 'default';

interface RuleName {
  name: string;
  bus?: string;
}

function ruleOf(current: CurrentResource): RuleName {
  const separator = current.physicalId.lastIndexOf('|');
  return separator < 0 ? { name: current.physicalId } : { name: current.physicalId.slice(separator + 1), bus: current.physicalId.slice(0, separator) };
}

/** The targets as PutTargets takes them: the template's members are the API's, only the numbers may come as strings. */
function targets(props: Properties): Target[] {
  return (listOfObjectsProp(props, 'Targets') ?? []).map((entry, index) => {
    const target = { ...entry } as Record<string, unknown>;
    const retry = target.RetryPolicy as Record<string, unknown> | undefined;
    if (retry) {
      target.RetryPolicy = {
        ...(retry.MaximumRetryAttempts !== undefined ? { MaximumRetryAttempts: integerValue(retry.MaximumRetryAttempts, `Targets[${index}].RetryPolicy.MaximumRetryAttempts`) } : {}),
        ...(retry.MaximumEventAgeInSeconds !== undefined ? { MaximumEventAgeInSeconds: integerValue(retry.MaximumEventAgeInSeconds, `Targets[${index}].RetryPolicy.MaximumEventAgeInSeconds`) } : {}),
      };
    }
    return target as unknown as Target;
  });
}

async function putRule(ctx: ProviderContext, rule: RuleName, props: Properties): Promise<ProvidedResource> {
  const tags = tagListProp(props);
  const { RuleArn } = await ctx.call('events', 'PutRule', {
    Name: rule.name,
    EventBusName: rule.bus,
    EventPattern: jsonText(props.EventPattern, 'EventPattern'),
    ScheduleExpression: stringProp(props, 'ScheduleExpression'),
    State: stringProp(props, 'State') as RuleState | undefined,
    Description: stringProp(props, 'Description'),
    RoleArn: stringProp(props, 'RoleArn'),
    Tags: tags?.length ? tags : undefined,
  });
  return { physicalId: rule.bus ? `${rule.bus}|${rule.name}` : rule.name, attributes: { Arn: RuleArn, RuleName: rule.name } };
}

async function currentTargetIds(ctx: ProviderContext, rule: RuleName): Promise<string[]> {
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const page = await ctx.call('events', 'ListTargetsByRule', { Rule: rule.name, EventBusName: rule.bus, NextToken: token });
    for (const target of page.Targets ?? []) if (target.Id) ids.push(target.Id);
    token = page.NextToken;
  } while (token);
  return ids;
}

async function removeTargets(ctx: ProviderContext, rule: RuleName, ids: string[]): Promise<void> {
  if (ids.length > 0) await ctx.call('events', 'RemoveTargets', { Rule: rule.name, EventBusName: rule.bus, Ids: ids });
}

export const eventsRuleProvider: ResourceProvider = {
  async create(ctx, props) {
    const bus = stringProp(props, 'EventBusName');
    const given = stringProp(props, 'Name');
    const rule = { name: given ?? ctx.physicalName({ maxLength: 64 }), bus: bus === DEFAULT_BUS ? undefined : bus };
    // A generated name is the rule's intended physical id (see ProviderContext.intendPhysicalId), in the form putRule answers.
    if (given === undefined) ctx.intendPhysicalId?.(rule.bus ? `${rule.bus}|${rule.name}` : rule.name);
    const result = await putRule(ctx, rule, props);
    const wanted = targets(props);
    if (wanted.length > 0) await ctx.call('events', 'PutTargets', { Rule: rule.name, EventBusName: rule.bus, Targets: wanted });
    return result;
  },

  async update(ctx, current, props) {
    const rule = ruleOf(current);
    const result = await putRule(ctx, rule, props);
    const wanted = targets(props);
    await removeTargets(
      ctx,
      rule,
      (await currentTargetIds(ctx, rule)).filter((id) => !wanted.some((target) => target.Id === id)),
    );
    if (wanted.length > 0) await ctx.call('events', 'PutTargets', { Rule: rule.name, EventBusName: rule.bus, Targets: wanted });
    return result;
  },

  async delete(ctx, current) {
    const rule = ruleOf(current);
    const ids = await unlessGone(() => currentTargetIds(ctx, rule), NOT_FOUND);
    if (ids === undefined) return;
    await removeTargets(ctx, rule, ids);
    await unlessGone(() => ctx.call('events', 'DeleteRule', { Name: rule.name, EventBusName: rule.bus }), NOT_FOUND);
  },

  async read(ctx, current) {
    const rule = ruleOf(current);
    const found = await unlessGone(() => ctx.call('events', 'DescribeRule', { Name: rule.name, EventBusName: rule.bus }), NOT_FOUND);
    if (!found) return undefined;
    const actual: Properties = { State: found.State };
    if (current.props.Name !== undefined) actual.Name = found.Name;
    if (current.props.EventBusName !== undefined) actual.EventBusName = requiredStringProp(current.props, 'EventBusName');
    if (found.EventPattern) actual.EventPattern = typeof current.props.EventPattern === 'string' ? found.EventPattern : JSON.parse(found.EventPattern);
    if (found.ScheduleExpression) actual.ScheduleExpression = found.ScheduleExpression;
    if (found.Description) actual.Description = found.Description;
    if (found.RoleArn) actual.RoleArn = found.RoleArn;
    const page = await ctx.call('events', 'ListTargetsByRule', { Rule: rule.name, EventBusName: rule.bus });
    if (page.Targets?.length) actual.Targets = page.Targets;
    return actual;
  },
};
