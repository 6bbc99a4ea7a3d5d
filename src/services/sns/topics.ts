/** Topics: creation (idempotent, as AWS's is), attributes, listing, deletion and the AddPermission/RemovePermission policy edits. */
import type * as S from '@aws-sdk/client-sns';
import { arn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import { pageToken, readPageToken } from '../../core/pagination.js';
import type { RequestContext } from '../../protocol/types.js';
import { attributesOf, findTopic, invalidParameter, type SnsContext, topicArnParameter } from './common.js';
import type { TopicRow } from './store.js';
import { checkTags, tagTopic } from './tags.js';
import { checkTopicAttribute, defaultTopicPolicy, effectiveTopicDeliveryPolicy, topicDeliveryPolicy } from './topic-attributes.js';

const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const FIFO_TOPIC_NAME = /^[A-Za-z0-9_-]{1,251}\.fifo$/;
const PAGE_SIZE = 100;

function checkTopicName(name: string, fifo: boolean): void {
  if (fifo && !FIFO_TOPIC_NAME.test(name)) {
    throw new AwsError(
      'InvalidParameterException',
      'Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.',
    );
  }
  if (!fifo && !TOPIC_NAME.test(name)) throw invalidParameter('Topic Name');
}

export function createTopic(c: SnsContext, input: S.CreateTopicInput, ctx: RequestContext): S.CreateTopicResponse {
  const name = input.Name!;
  const given = input.Attributes ?? {};
  const fifoFlag = given.FifoTopic;
  if (fifoFlag !== undefined && fifoFlag !== 'true' && fifoFlag !== 'false') throw invalidParameter(`Attributes Reason: FifoTopic: Invalid value [${fifoFlag}]. Must be true or false.`);
  const fifo = fifoFlag === 'true';
  checkTopicName(name, fifo);
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(given)) if (key !== 'FifoTopic') attributes[key] = checkTopicAttribute(key, value, fifo, true);
  const tags = input.Tags ?? [];
  checkTags(tags);
  const topicArn = arn('sns', ctx.region, ctx.account, name);
  return c.store.tx(() => {
    const existing = c.store.topic(topicArn);
    if (existing) {
      const stored = attributesOf(existing);
      if (Object.entries(attributes).some(([key, value]) => (stored[key] ?? '') !== value)) throw invalidParameter('Attributes Reason: Topic already exists with different attributes');
      const storedTags = new Map(c.store.tags(topicArn).map((t) => [t.tag_key, t.tag_value]));
      if (tags.some((t) => storedTags.get(t.Key!) !== t.Value)) throw invalidParameter('Tags Reason: Topic already exists with different tags');
      return { TopicArn: topicArn };
    }
    attributes.Policy ??= defaultTopicPolicy(topicArn, ctx.account);
    c.store.insertTopic({
      arn: topicArn,
      account: ctx.account,
      region: ctx.region,
      name,
      fifo: fifo ? 1 : 0,
      attributes: JSON.stringify(attributes),
      data_protection_policy: input.DataProtectionPolicy ?? null,
    });
    tagTopic(c, topicArn, tags);
    return { TopicArn: topicArn };
  });
}

export function deleteTopic(c: SnsContext, input: S.DeleteTopicInput, ctx: RequestContext): Record<string, never> {
  topicArnParameter(ctx, input.TopicArn!);
  // Deleting a topic that does not exist succeeds, as AWS's does.
  c.store.tx(() => c.store.deleteTopic(input.TopicArn!));
  return {};
}

/** Every attribute GetTopicAttributes reports, in AWS's order. */
export function topicAttributes(c: SnsContext, topic: TopicRow): Record<string, string> {
  const stored = attributesOf(topic);
  const counts = c.store.subscriptionCounts(topic.arn);
  const { Policy, DisplayName, DeliveryPolicy, ...rest } = stored;
  return {
    Policy: Policy!,
    Owner: topic.account,
    SubscriptionsPending: String(counts.pending),
    TopicArn: topic.arn,
    EffectiveDeliveryPolicy: effectiveTopicDeliveryPolicy(topicDeliveryPolicy(DeliveryPolicy)),
    SubscriptionsConfirmed: String(counts.confirmed),
    DisplayName: DisplayName ?? '',
    SubscriptionsDeleted: '0',
    ...(DeliveryPolicy ? { DeliveryPolicy } : {}),
    ...(topic.fifo ? { FifoTopic: 'true', ContentBasedDeduplication: 'false' } : {}),
    ...rest,
  };
}

export function getTopicAttributes(c: SnsContext, input: S.GetTopicAttributesInput, ctx: RequestContext): S.GetTopicAttributesResponse {
  return { Attributes: topicAttributes(c, findTopic(c, ctx, input.TopicArn!)) };
}

/** Attributes whose empty value removes them (AWS turns server-side encryption off with an empty KmsMasterKeyId). */
const REMOVABLE = new Set(['DeliveryPolicy', 'KmsMasterKeyId', 'TracingConfig', 'ArchivePolicy']);

export function setTopicAttributes(c: SnsContext, input: S.SetTopicAttributesInput, ctx: RequestContext): Record<string, never> {
  const name = input.AttributeName!;
  const value = input.AttributeValue ?? '';
  c.store.tx(() => {
    const topic = findTopic(c, ctx, input.TopicArn!);
    const attributes = attributesOf(topic);
    if (name === 'Policy' && value === '') attributes.Policy = defaultTopicPolicy(topic.arn, topic.account);
    else if (REMOVABLE.has(name) && value === '') {
      checkTopicAttribute(name, value, topic.fifo === 1, false);
      delete attributes[name];
    } else attributes[name] = checkTopicAttribute(name, value, topic.fifo === 1, false);
    c.store.setTopicAttributes(topic.arn, attributes);
  });
  return {};
}

function invalidNextToken(): AwsError {
  return invalidParameter('NextToken');
}

export function listTopics(c: SnsContext, input: S.ListTopicsInput, ctx: RequestContext): S.ListTopicsResponse {
  const after = input.NextToken === undefined ? undefined : readPageToken(input.NextToken, (v): v is string => typeof v === 'string', invalidNextToken);
  const page = c.store.topicsPage(ctx, after, PAGE_SIZE + 1);
  if (!page) throw invalidNextToken();
  const topics = page.slice(0, PAGE_SIZE);
  return { Topics: topics.map((t) => ({ TopicArn: t.arn })), NextToken: page.length > PAGE_SIZE ? pageToken(topics.at(-1)!.arn) : undefined };
}

/** The actions AddPermission may grant. */
const GRANTABLE = new Set(['GetTopicAttributes', 'SetTopicAttributes', 'AddPermission', 'RemovePermission', 'DeleteTopic', 'Subscribe', 'ListSubscriptionsByTopic', 'Publish', 'Receive']);

interface PolicyDocument {
  Statement?: Record<string, unknown>[] | Record<string, unknown>;
  [key: string]: unknown;
}

function statements(doc: PolicyDocument): Record<string, unknown>[] {
  if (doc.Statement === undefined) return [];
  return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
}

/** A single value as itself, several as a list: how AWS writes principals and actions. */
const oneOrMany = (values: string[]): string | string[] => (values.length === 1 ? values[0]! : values);

export function addPermission(c: SnsContext, input: S.AddPermissionInput, ctx: RequestContext): Record<string, never> {
  const actions = input.ActionName!;
  const accounts = input.AWSAccountId!;
  if (actions.length === 0 || accounts.length === 0) throw invalidParameter(actions.length === 0 ? 'ActionName' : 'AWSAccountId');
  for (const action of actions) if (!GRANTABLE.has(action)) throw invalidParameter('Policy statement action out of service scope!');
  c.store.tx(() => {
    const topic = findTopic(c, ctx, input.TopicArn!);
    const attributes = attributesOf(topic);
    const doc = JSON.parse(attributes.Policy!) as PolicyDocument;
    const existing = statements(doc);
    if (existing.some((s) => s.Sid === input.Label)) throw invalidParameter('Statement already exists');
    const principals = accounts.map((account) => (/^\d{12}$/.test(account) ? `arn:aws:iam::${account}:root` : account));
    doc.Statement = [...existing, { Sid: input.Label, Effect: 'Allow', Principal: { AWS: oneOrMany(principals) }, Action: oneOrMany(actions.map((a) => `SNS:${a}`)), Resource: topic.arn }];
    attributes.Policy = JSON.stringify(doc);
    c.store.setTopicAttributes(topic.arn, attributes);
  });
  return {};
}

export function removePermission(c: SnsContext, input: S.RemovePermissionInput, ctx: RequestContext): Record<string, never> {
  c.store.tx(() => {
    const topic = findTopic(c, ctx, input.TopicArn!);
    const attributes = attributesOf(topic);
    const doc = JSON.parse(attributes.Policy!) as PolicyDocument;
    doc.Statement = statements(doc).filter((s) => s.Sid !== input.Label);
    attributes.Policy = JSON.stringify(doc);
    c.store.setTopicAttributes(topic.arn, attributes);
  });
  return {};
}

export function getDataProtectionPolicy(c: SnsContext, input: S.GetDataProtectionPolicyInput, ctx: RequestContext): S.GetDataProtectionPolicyResponse {
  const topic = findTopic(c, ctx, input.ResourceArn!, 'ResourceArn');
  return { DataProtectionPolicy: topic.data_protection_policy ?? '' };
}

export function putDataProtectionPolicy(c: SnsContext, input: S.PutDataProtectionPolicyInput, ctx: RequestContext): Record<string, never> {
  const policy = input.DataProtectionPolicy!;
  try {
    JSON.parse(policy);
  } catch {
    throw invalidParameter('DataProtectionPolicy Reason: failed to parse JSON');
  }
  c.store.tx(() => c.store.setDataProtectionPolicy(findTopic(c, ctx, input.ResourceArn!, 'ResourceArn').arn, policy));
  return {};
}
