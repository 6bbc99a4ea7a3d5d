/**
 * What each EventBridge operation needs to be allowed, from AWS's Service Authorization Reference
 * ("Actions, resources, and condition keys for Amazon EventBridge"): bus operations on the bus,
 * rule and target operations on the rule (`rule/<name>` on the default bus, `rule/<bus>/<name>`
 * on others), PutEvents on each entry's bus (another account's bus is allowed by its policy),
 * archives and replays on theirs. PutEvents carries `events:source` and `events:detail-type`;
 * PutRule and PutTargets carry `events:source`/`events:detail-type` of the pattern only when AWS
 * can read them, which Drydock does not model (see index.ts).
 */
import type { PutEventsRequest } from '@aws-sdk/client-eventbridge';
import { partitionOf } from '../../core/arn.js';
import type { RequestContext } from '../../protocol/types.js';
import type { ActionRule, ServiceAuthorization } from '../authorization.js';

type Input = { EventBusName?: string; Name?: string; Rule?: string };

function busArnOf(nameOrArn: string | undefined, ctx: RequestContext): string {
  if (nameOrArn?.startsWith('arn:')) return nameOrArn;
  return `arn:${partitionOf(ctx.region)}:events:${ctx.region}:${ctx.account}:event-bus/${nameOrArn ?? 'default'}`;
}

function ruleArnOf(busNameOrArn: string | undefined, rule: string | undefined, ctx: RequestContext): string {
  const bus = busArnOf(busNameOrArn, ctx);
  const name = bus.slice(bus.indexOf('event-bus/') + 'event-bus/'.length);
  return `${bus.slice(0, bus.indexOf(':event-bus/'))}:rule/${name === 'default' ? '' : `${name}/`}${rule ?? ''}`;
}

const onBus: ActionRule = { resource: (input: Input, ctx) => busArnOf(input.EventBusName, ctx) };
const onNamedBus: ActionRule = { resource: (input: Input, ctx) => busArnOf(input.Name, ctx) };
const onRule: ActionRule = { resource: (input: Input, ctx) => ruleArnOf(input.EventBusName, input.Name ?? input.Rule, ctx) };
const onArchive: ActionRule = { resource: 'arn:${Partition}:events:${Region}:${Account}:archive/${ArchiveName}' };
const onReplay: ActionRule = { resource: 'arn:${Partition}:events:${Region}:${Account}:replay/${ReplayName}' };

export const eventsAuthorization: ServiceAuthorization = {
  prefix: 'events',
  rules: {
    CreateEventBus: onNamedBus,
    DeleteEventBus: onNamedBus,
    DescribeEventBus: onNamedBus,
    UpdateEventBus: onNamedBus,
    ListEventBuses: { resource: '*' },
    PutPermission: onBus,
    RemovePermission: onBus,
    PutRule: onRule,
    DeleteRule: onRule,
    DescribeRule: onRule,
    EnableRule: onRule,
    DisableRule: onRule,
    ListRules: { resource: '*' },
    ListRuleNamesByTarget: { resource: '*' },
    TestEventPattern: { resource: '*' },
    PutTargets: onRule,
    RemoveTargets: onRule,
    ListTargetsByRule: onRule,
    PutEvents: {
      resource: (input: PutEventsRequest, ctx) => [...new Set((input.Entries ?? []).map((e) => busArnOf(e.EventBusName, ctx)))],
      context: (input: PutEventsRequest) => ({
        'events:source': [...new Set((input.Entries ?? []).map((e) => e.Source ?? ''))],
        'events:detail-type': [...new Set((input.Entries ?? []).map((e) => e.DetailType ?? ''))],
      }),
    },
    CreateArchive: onArchive,
    DeleteArchive: onArchive,
    DescribeArchive: onArchive,
    UpdateArchive: onArchive,
    ListArchives: { resource: '*' },
    StartReplay: onReplay,
    CancelReplay: onReplay,
    DescribeReplay: onReplay,
    ListReplays: { resource: '*' },
    TagResource: { resource: (input: { ResourceARN?: string }) => input.ResourceARN ?? '*' },
    UntagResource: { resource: (input: { ResourceARN?: string }) => input.ResourceARN ?? '*' },
    ListTagsForResource: { resource: (input: { ResourceARN?: string }) => input.ResourceARN ?? '*' },
  },
};
