/**
 * AWS::SNS::Topic through CreateTopic, SetTopicAttributes, Subscribe/Unsubscribe for the inline
 * Subscription list, and the tag and data protection operations. Ref is the topic ARN; GetAtt
 * TopicArn and TopicName. Without TopicName, AWS names the topic `<stack>-<LogicalId>-<random>`,
 * ending in `.fifo` for a FIFO topic. A property removed from the template is reset.
 */
import { listOfObjectsProp, requiredStringProp, sameValue, stringProp, tagChanges, tagListProp, unlessGone } from './foundation-helpers.js';
import { jsonText } from './integration-helpers.js';
import type { Properties, ProvidedResource, ProviderContext, ResourceProvider } from './types.js';

const NOT_FOUND = 'NotFoundException';
const MAX_NAME = 256;
/** Topic attributes that are template properties of the same name. */
const SCALAR_ATTRIBUTES = ['DisplayName', 'KmsMasterKeyId', 'ContentBasedDeduplication', 'SignatureVersion', 'TracingConfig', 'FifoThroughputScope', 'MaximumMessageSize'];
/** What GetTopicAttributes reports for attributes never set, and what a removed one goes back to. */
const REPORTED_DEFAULTS: Record<string, string> = { ContentBasedDeduplication: 'false', SignatureVersion: '1', TracingConfig: 'PassThrough', FifoThroughputScope: 'Topic' };
/** DeliveryStatusLogging's Protocol → the attribute-name prefix SNS uses for it. */
const LOGGING_PREFIX: Record<string, string> = { http: 'HTTP', sqs: 'SQS', lambda: 'Lambda', firehose: 'Firehose', application: 'Application' };

function isFifo(props: Properties): boolean {
  return stringProp(props, 'FifoTopic') === 'true';
}

function topicName(ctx: ProviderContext, props: Properties): string {
  const given = stringProp(props, 'TopicName');
  if (given !== undefined) return given;
  const name = isFifo(props) ? `${ctx.physicalName({ maxLength: MAX_NAME - '.fifo'.length })}.fifo` : ctx.physicalName({ maxLength: MAX_NAME });
  // The topic's physical id is its ARN, known from the generated name before CreateTopic (see ProviderContext.intendPhysicalId).
  ctx.intendPhysicalId?.(`arn:${ctx.partition}:sns:${ctx.region}:${ctx.account}:${name}`);
  return name;
}

/** The topic attributes the template sets, by SNS attribute name. */
function topicAttributes(props: Properties): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const name of SCALAR_ATTRIBUTES) {
    const value = stringProp(props, name);
    if (value !== undefined) attributes[name] = value;
  }
  const archivePolicy = jsonText(props.ArchivePolicy, 'ArchivePolicy');
  if (archivePolicy !== undefined) attributes.ArchivePolicy = archivePolicy;
  for (const entry of listOfObjectsProp(props, 'DeliveryStatusLogging') ?? []) {
    const protocol = requiredStringProp(entry, 'Protocol');
    const prefix = LOGGING_PREFIX[protocol] ?? protocol;
    const set = (suffix: string, property: string) => {
      const value = stringProp(entry, property);
      if (value !== undefined) attributes[`${prefix}${suffix}`] = value;
    };
    set('SuccessFeedbackRoleArn', 'SuccessFeedbackRoleArn');
    set('SuccessFeedbackSampleRate', 'SuccessFeedbackSampleRate');
    set('FailureFeedbackRoleArn', 'FailureFeedbackRoleArn');
  }
  return attributes;
}

interface InlineSubscription {
  Protocol: string;
  Endpoint: string;
}

function subscriptions(props: Properties): InlineSubscription[] {
  return (listOfObjectsProp(props, 'Subscription') ?? []).map((entry) => ({ Protocol: requiredStringProp(entry, 'Protocol'), Endpoint: requiredStringProp(entry, 'Endpoint') }));
}

const sameSubscription = (a: InlineSubscription) => (b: InlineSubscription) => a.Protocol === b.Protocol && a.Endpoint === b.Endpoint;

function provided(arn: string): ProvidedResource {
  return { physicalId: arn, attributes: { TopicArn: arn, TopicName: arn.slice(arn.lastIndexOf(':') + 1) } };
}

async function updateAttributes(ctx: ProviderContext, arn: string, before: Properties, after: Properties): Promise<void> {
  const previous = topicAttributes(before);
  const next = topicAttributes(after);
  for (const name of new Set([...Object.keys(previous), ...Object.keys(next)])) {
    if (previous[name] === next[name]) continue;
    await ctx.call('sns', 'SetTopicAttributes', { TopicArn: arn, AttributeName: name, AttributeValue: next[name] ?? REPORTED_DEFAULTS[name] ?? '' });
  }
}

async function updateSubscriptions(ctx: ProviderContext, arn: string, before: Properties, after: Properties): Promise<void> {
  const previous = subscriptions(before);
  const next = subscriptions(after);
  const removed = previous.filter((old) => !next.some(sameSubscription(old)));
  if (removed.length > 0) {
    let token: string | undefined;
    do {
      const page = await ctx.call('sns', 'ListSubscriptionsByTopic', { TopicArn: arn, NextToken: token });
      for (const sub of page.Subscriptions ?? []) {
        const listed = { Protocol: sub.Protocol ?? '', Endpoint: sub.Endpoint ?? '' };
        if (removed.some(sameSubscription(listed)) && sub.SubscriptionArn?.startsWith('arn:')) {
          await unlessGone(() => ctx.call('sns', 'Unsubscribe', { SubscriptionArn: sub.SubscriptionArn as string }), NOT_FOUND);
        }
      }
      token = page.NextToken;
    } while (token);
  }
  for (const added of next.filter((entry) => !previous.some(sameSubscription(entry)))) await ctx.call('sns', 'Subscribe', { TopicArn: arn, ...added });
}

export const snsTopicProvider: ResourceProvider = {
  async create(ctx, props) {
    const tags = tagListProp(props);
    const attributes = topicAttributes(props);
    if (isFifo(props)) attributes.FifoTopic = 'true';
    const { TopicArn } = await ctx.call('sns', 'CreateTopic', {
      Name: topicName(ctx, props),
      Attributes: attributes,
      Tags: tags?.length ? tags : undefined,
      DataProtectionPolicy: jsonText(props.DataProtectionPolicy, 'DataProtectionPolicy'),
    });
    const arn = TopicArn as string;
    for (const subscription of subscriptions(props)) await ctx.call('sns', 'Subscribe', { TopicArn: arn, ...subscription });
    return provided(arn);
  },

  async update(ctx, current, props) {
    const arn = current.physicalId;
    await updateAttributes(ctx, arn, current.props, props);
    if (!sameValue(current.props.DataProtectionPolicy, props.DataProtectionPolicy)) {
      await ctx.call('sns', 'PutDataProtectionPolicy', { ResourceArn: arn, DataProtectionPolicy: jsonText(props.DataProtectionPolicy, 'DataProtectionPolicy') ?? '' });
    }
    await updateSubscriptions(ctx, arn, current.props, props);
    const { set, removed } = tagChanges(tagListProp(current.props), tagListProp(props));
    if (removed.length > 0) await ctx.call('sns', 'UntagResource', { ResourceArn: arn, TagKeys: removed });
    if (set.length > 0) await ctx.call('sns', 'TagResource', { ResourceArn: arn, Tags: set });
    return provided(arn);
  },

  async delete(ctx, current) {
    await unlessGone(() => ctx.call('sns', 'DeleteTopic', { TopicArn: current.physicalId }), NOT_FOUND);
  },

  async read(ctx, current) {
    const arn = current.physicalId;
    const found = await unlessGone(() => ctx.call('sns', 'GetTopicAttributes', { TopicArn: arn }), NOT_FOUND);
    if (!found) return undefined;
    const attributes = found.Attributes ?? {};
    const actual: Properties = {};
    if (current.props.TopicName !== undefined) actual.TopicName = current.attributes.TopicName;
    if (attributes.FifoTopic === 'true') actual.FifoTopic = typeof current.props.FifoTopic === 'string' ? 'true' : true;
    for (const name of SCALAR_ATTRIBUTES) {
      const value = attributes[name];
      // SNS reports its defaults too: only what the template set, or what differs from the default, can drift.
      if (value === undefined || (current.props[name] === undefined && (value === '' || value === REPORTED_DEFAULTS[name]))) continue;
      actual[name] = typeof current.props[name] === 'boolean' ? value === 'true' : value;
    }
    const tags = await ctx.call('sns', 'ListTagsForResource', { ResourceArn: arn });
    if (tags.Tags?.length) actual.Tags = tags.Tags.map(({ Key, Value }) => ({ Key, Value }));
    return actual;
  },
};
