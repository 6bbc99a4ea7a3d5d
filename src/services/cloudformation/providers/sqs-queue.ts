/**
 * AWS::SQS::Queue through CreateQueue, SetQueueAttributes and the tag operations. Ref is the queue
 * URL; GetAtt Arn, QueueName and QueueUrl. Without QueueName, AWS names the queue
 * `<stack>-<LogicalId>-<random>` (at most 80 characters), ending in `.fifo` for a FIFO queue.
 * RedrivePolicy and RedriveAllowPolicy may be objects or JSON strings. A property removed from the
 * template goes back to SQS's default.
 */
import { sameValue, stringProp, tagChanges, tagListProp, unlessGone } from './foundation-helpers.js';
import { jsonText } from './integration-helpers.js';
import type { Properties, ProvidedResource, ProviderContext, ResourceProvider } from './types.js';

const NOT_FOUND = 'QueueDoesNotExist';
const MAX_NAME = 80;

/** The scalar queue attributes, each with the value SQS restores when the template drops it ('' removes). */
const ATTRIBUTES: Record<string, string> = {
  DelaySeconds: '0',
  MaximumMessageSize: '1048576',
  MessageRetentionPeriod: '345600',
  ReceiveMessageWaitTimeSeconds: '0',
  VisibilityTimeout: '30',
  KmsMasterKeyId: '',
  KmsDataKeyReusePeriodSeconds: '300',
  SqsManagedSseEnabled: 'true',
  ContentBasedDeduplication: 'false',
  DeduplicationScope: 'queue',
  FifoThroughputLimit: 'perQueue',
};
const JSON_ATTRIBUTES = ['RedrivePolicy', 'RedriveAllowPolicy'];
/** Attributes only a FIFO queue takes: a standard queue must not be sent their defaults. */
const FIFO_ONLY = new Set(['ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit']);

function attributeValue(props: Properties, name: string): string | undefined {
  return JSON_ATTRIBUTES.includes(name) ? jsonText(props[name], name) : stringProp(props, name);
}

function isFifo(props: Properties): boolean {
  return stringProp(props, 'FifoQueue') === 'true';
}

function queueName(ctx: ProviderContext, props: Properties): string {
  const given = stringProp(props, 'QueueName');
  if (given !== undefined) return given;
  const name = isFifo(props) ? `${ctx.physicalName({ maxLength: MAX_NAME - '.fifo'.length })}.fifo` : ctx.physicalName({ maxLength: MAX_NAME });
  // The queue's physical id is its URL, known from the generated name before CreateQueue (see ProviderContext.intendPhysicalId).
  ctx.intendPhysicalId?.(`${ctx.rt.endpoint()}/${ctx.account}/${name}`);
  return name;
}

async function provided(ctx: ProviderContext, url: string, name: string): Promise<ProvidedResource> {
  const { Attributes } = await ctx.call('sqs', 'GetQueueAttributes', { QueueUrl: url, AttributeNames: ['QueueArn'] });
  return { physicalId: url, attributes: { Arn: Attributes?.QueueArn, QueueName: name, QueueUrl: url } };
}

export const sqsQueueProvider: ResourceProvider = {
  async create(ctx, props) {
    const name = queueName(ctx, props);
    const attributes: Record<string, string> = {};
    for (const attribute of [...Object.keys(ATTRIBUTES), ...JSON_ATTRIBUTES, 'FifoQueue']) {
      const value = attributeValue(props, attribute);
      if (value !== undefined) attributes[attribute] = value;
    }
    const tags = tagListProp(props);
    const { QueueUrl } = await ctx.call('sqs', 'CreateQueue', {
      QueueName: name,
      Attributes: attributes,
      tags: tags?.length ? Object.fromEntries(tags.map((tag) => [tag.Key, tag.Value])) : undefined,
    });
    return provided(ctx, QueueUrl as string, name);
  },

  async update(ctx, current, props) {
    const url = current.physicalId;
    const changed: Record<string, string> = {};
    for (const [attribute, fallback] of Object.entries(ATTRIBUTES)) {
      if (sameValue(current.props[attribute], props[attribute])) continue;
      if (FIFO_ONLY.has(attribute) && !isFifo(props)) continue;
      // SSE-SQS and a KMS key exclude each other: dropping SqsManagedSseEnabled beside a key keeps SSE-KMS.
      if (attribute === 'SqsManagedSseEnabled' && props[attribute] === undefined && props.KmsMasterKeyId !== undefined) continue;
      changed[attribute] = attributeValue(props, attribute) ?? fallback;
    }
    for (const attribute of JSON_ATTRIBUTES) {
      if (!sameValue(current.props[attribute], props[attribute])) changed[attribute] = attributeValue(props, attribute) ?? '';
    }
    if (Object.keys(changed).length > 0) await ctx.call('sqs', 'SetQueueAttributes', { QueueUrl: url, Attributes: changed });
    const { set, removed } = tagChanges(tagListProp(current.props), tagListProp(props));
    if (removed.length > 0) await ctx.call('sqs', 'UntagQueue', { QueueUrl: url, TagKeys: removed });
    if (set.length > 0) await ctx.call('sqs', 'TagQueue', { QueueUrl: url, Tags: Object.fromEntries(set.map((tag) => [tag.Key, tag.Value])) });
    // An imported queue is recorded without QueueName: it is the URL's last segment.
    return provided(ctx, url, String(current.attributes.QueueName ?? url.slice(url.lastIndexOf('/') + 1)));
  },

  async delete(ctx, current) {
    await unlessGone(() => ctx.call('sqs', 'DeleteQueue', { QueueUrl: current.physicalId }), NOT_FOUND);
  },

  async read(ctx, current) {
    const found = await unlessGone(() => ctx.call('sqs', 'GetQueueAttributes', { QueueUrl: current.physicalId, AttributeNames: ['All'] }), NOT_FOUND);
    if (!found) return undefined;
    const attributes: Record<string, string | undefined> = found.Attributes ?? {};
    const actual: Properties = {};
    if (current.props.QueueName !== undefined) actual.QueueName = current.attributes.QueueName;
    if (attributes.FifoQueue === 'true') actual.FifoQueue = true;
    // SQS reports every attribute; only those the template set, or that differ from the default, can drift.
    for (const [attribute, fallback] of Object.entries(ATTRIBUTES)) {
      const value = attributes[attribute];
      if (value === undefined) continue;
      if (current.props[attribute] !== undefined || value !== fallback) actual[attribute] = likeTemplate(current.props[attribute], value);
    }
    for (const attribute of JSON_ATTRIBUTES) {
      const text = attributes[attribute];
      if (text) actual[attribute] = JSON.parse(text);
    }
    const tags = await ctx.call('sqs', 'ListQueueTags', { QueueUrl: current.physicalId });
    const tagEntries = Object.entries(tags.Tags ?? {});
    if (tagEntries.length > 0) actual.Tags = tagEntries.map(([Key, Value]) => ({ Key, Value }));
    return actual;
  },
};

/** An attribute's text in the type the template gave it, so `30` and `"30"` compare as the same. */
function likeTemplate(template: unknown, value: string): unknown {
  if (typeof template === 'boolean') return value === 'true';
  if (typeof template === 'number') return Number(value);
  return value;
}
