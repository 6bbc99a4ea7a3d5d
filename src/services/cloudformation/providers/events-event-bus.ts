/**
 * AWS::Events::EventBus through CreateEventBus, UpdateEventBus, PutPermission (Policy) and the tag
 * operations. Ref is the bus's name; GetAtt Arn, Name and Policy (the policy's JSON text).
 */
import type { DeadLetterConfig, LogConfig } from '@aws-sdk/client-eventbridge';
import { objectProp, requiredStringProp, sameValue, stringProp, tagChanges, tagListProp, unlessGone } from './foundation-helpers.js';
import { anyChanged, jsonText } from './integration-helpers.js';
import type { Properties, ProvidedResource, ProviderContext, ResourceProvider } from './types.js';

const NOT_FOUND = 'ResourceNotFoundException';

async function provided(ctx: ProviderContext, name: string): Promise<ProvidedResource> {
  const bus = await ctx.call('events', 'DescribeEventBus', { Name: name });
  return { physicalId: name, attributes: { Arn: bus.Arn, Name: name, Policy: bus.Policy } };
}

function settings(props: Properties) {
  return {
    Description: stringProp(props, 'Description'),
    KmsKeyIdentifier: stringProp(props, 'KmsKeyIdentifier'),
    DeadLetterConfig: objectProp(props, 'DeadLetterConfig') as DeadLetterConfig | undefined,
    LogConfig: objectProp(props, 'LogConfig') as LogConfig | undefined,
  };
}

export const eventsEventBusProvider: ResourceProvider = {
  async create(ctx, props) {
    const name = requiredStringProp(props, 'Name');
    const tags = tagListProp(props);
    await ctx.call('events', 'CreateEventBus', { Name: name, EventSourceName: stringProp(props, 'EventSourceName'), ...settings(props), Tags: tags?.length ? tags : undefined });
    const policy = jsonText(props.Policy, 'Policy');
    if (policy !== undefined) await ctx.call('events', 'PutPermission', { EventBusName: name, Policy: policy });
    return provided(ctx, name);
  },

  async update(ctx, current, props) {
    const name = current.physicalId;
    if (anyChanged(current.props, props, ['Description', 'KmsKeyIdentifier', 'DeadLetterConfig', 'LogConfig'])) {
      await ctx.call('events', 'UpdateEventBus', { Name: name, ...settings(props), Description: stringProp(props, 'Description') ?? '' });
    }
    if (!sameValue(current.props.Policy, props.Policy)) {
      const policy = jsonText(props.Policy, 'Policy');
      if (policy !== undefined) await ctx.call('events', 'PutPermission', { EventBusName: name, Policy: policy });
      else await ctx.call('events', 'RemovePermission', { EventBusName: name, RemoveAllPermissions: true });
    }
    const { set, removed } = tagChanges(tagListProp(current.props), tagListProp(props));
    const arn = String(current.attributes.Arn);
    if (removed.length > 0) await ctx.call('events', 'UntagResource', { ResourceARN: arn, TagKeys: removed });
    if (set.length > 0) await ctx.call('events', 'TagResource', { ResourceARN: arn, Tags: set });
    return provided(ctx, name);
  },

  async delete(ctx, current) {
    await unlessGone(() => ctx.call('events', 'DeleteEventBus', { Name: current.physicalId }), NOT_FOUND);
  },

  async read(ctx, current) {
    const bus = await unlessGone(() => ctx.call('events', 'DescribeEventBus', { Name: current.physicalId }), NOT_FOUND);
    if (!bus) return undefined;
    const actual: Properties = { Name: bus.Name };
    if (bus.Description) actual.Description = bus.Description;
    if (bus.KmsKeyIdentifier) actual.KmsKeyIdentifier = bus.KmsKeyIdentifier;
    if (bus.DeadLetterConfig) actual.DeadLetterConfig = bus.DeadLetterConfig;
    if (bus.Policy) actual.Policy = typeof current.props.Policy === 'string' ? bus.Policy : JSON.parse(bus.Policy);
    const tags = await ctx.call('events', 'ListTagsForResource', { ResourceARN: String(current.attributes.Arn) });
    if (tags.Tags?.length) actual.Tags = tags.Tags;
    return actual;
  },
};
