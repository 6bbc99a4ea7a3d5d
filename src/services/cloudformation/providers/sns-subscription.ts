/**
 * AWS::SNS::Subscription through Subscribe (ReturnSubscriptionArn, so a subscription awaiting
 * confirmation still has its ARN), SetSubscriptionAttributes and Unsubscribe. Ref and GetAtt Arn
 * are the subscription ARN. FilterPolicy, RedrivePolicy and DeliveryPolicy may be
 * objects or JSON strings. A Region other than the stack's is refused: the call path reaches only
 * the stack's Region.
 */
import { AwsError } from '../../../core/errors.js';
import { requiredStringProp, sameValue, stringProp, unlessGone } from './foundation-helpers.js';
import { jsonText } from './integration-helpers.js';
import type { Properties, ProviderContext, ResourceProvider } from './types.js';

const NOT_FOUND = 'NotFoundException';
const JSON_ATTRIBUTES = ['FilterPolicy', 'RedrivePolicy', 'DeliveryPolicy', 'ReplayPolicy'];
const SCALAR_ATTRIBUTES = ['FilterPolicyScope', 'RawMessageDelivery', 'SubscriptionRoleArn'];
/** What a removed attribute goes back to ('' removes the policies). */
const RESET: Record<string, string> = { FilterPolicyScope: 'MessageAttributes', RawMessageDelivery: 'false' };

function subscriptionAttributes(props: Properties): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const name of JSON_ATTRIBUTES) {
    const value = jsonText(props[name], name);
    if (value !== undefined) attributes[name] = value;
  }
  for (const name of SCALAR_ATTRIBUTES) {
    const value = stringProp(props, name);
    if (value !== undefined) attributes[name] = value;
  }
  return attributes;
}

function checkRegion(ctx: ProviderContext, props: Properties): void {
  const region = stringProp(props, 'Region');
  if (region !== undefined && region !== ctx.region) {
    throw new AwsError('NotImplemented', `Drydock does not support subscribing to a topic in another Region (${region}) from a stack in ${ctx.region}`, { status: 501 });
  }
}

export const snsSubscriptionProvider: ResourceProvider = {
  async create(ctx, props) {
    checkRegion(ctx, props);
    const attributes = subscriptionAttributes(props);
    const { SubscriptionArn } = await ctx.call('sns', 'Subscribe', {
      TopicArn: requiredStringProp(props, 'TopicArn'),
      Protocol: requiredStringProp(props, 'Protocol'),
      Endpoint: stringProp(props, 'Endpoint'),
      Attributes: Object.keys(attributes).length > 0 ? attributes : undefined,
      ReturnSubscriptionArn: true,
    });
    return { physicalId: SubscriptionArn as string, attributes: { Arn: SubscriptionArn } };
  },

  async update(ctx, current, props) {
    const previous = subscriptionAttributes(current.props);
    const next = subscriptionAttributes(props);
    // The scope first: a FilterPolicy written for the message body is refused under MessageAttributes.
    const order = ['FilterPolicyScope', ...JSON_ATTRIBUTES, ...SCALAR_ATTRIBUTES.slice(1)];
    for (const name of order) {
      if (sameValue(previous[name], next[name])) continue;
      await ctx.call('sns', 'SetSubscriptionAttributes', { SubscriptionArn: current.physicalId, AttributeName: name, AttributeValue: next[name] ?? RESET[name] ?? '' });
    }
    return { physicalId: current.physicalId, attributes: { Arn: current.physicalId } };
  },

  async delete(ctx, current) {
    if (!current.physicalId.startsWith('arn:')) return;
    await unlessGone(() => ctx.call('sns', 'Unsubscribe', { SubscriptionArn: current.physicalId }), NOT_FOUND);
  },

  async read(ctx, current) {
    const found = await unlessGone(() => ctx.call('sns', 'GetSubscriptionAttributes', { SubscriptionArn: current.physicalId }), NOT_FOUND);
    if (!found) return undefined;
    const attributes = found.Attributes ?? {};
    const actual: Properties = { TopicArn: attributes.TopicArn, Protocol: attributes.Protocol };
    if (attributes.Endpoint !== undefined) actual.Endpoint = attributes.Endpoint;
    for (const name of JSON_ATTRIBUTES) {
      const text = attributes[name];
      if (text) actual[name] = typeof current.props[name] === 'string' ? text : JSON.parse(text);
    }
    for (const name of SCALAR_ATTRIBUTES) {
      const value = attributes[name];
      if (value === undefined || (current.props[name] === undefined && (value === '' || value === RESET[name]))) continue;
      actual[name] = typeof current.props[name] === 'boolean' ? value === 'true' : value;
    }
    return actual;
  },
};
