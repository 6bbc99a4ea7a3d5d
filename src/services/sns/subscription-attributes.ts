/**
 * Subscription attributes: the checks Subscribe and SetSubscriptionAttributes apply (with AWS's
 * two wordings: Subscribe says "Invalid parameter: Attributes Reason: …", SetSubscriptionAttributes
 * "Invalid parameter: …"), and what GetSubscriptionAttributes reports.
 */
import { parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import { attributesOf, parseJsonAttribute } from './common.js';
import { compileFilterPolicy, type FilterPolicy, FilterPolicyError, type FilterScope } from './filter-policy.js';
import type { SubscriptionRow } from './store.js';
import { DEFAULT_CONTENT_TYPE, retryPolicy, topicDeliveryPolicy } from './topic-attributes.js';

/** What the checks need to know of the subscription. */
export interface SubscriptionShape {
  protocol: string;
  endpoint: string;
  topicArn: string;
  /** The filter policy scope the subscription has (or is being given). */
  scope: FilterScope;
}

const NAMES = new Set(['DeliveryPolicy', 'FilterPolicy', 'FilterPolicyScope', 'RawMessageDelivery', 'RedrivePolicy', 'SubscriptionRoleArn', 'ReplayPolicy']);
/** Protocols whose subscribers get the SNS envelope however RawMessageDelivery is set: AWS refuses raw delivery for them. */
const ENVELOPE_ONLY = new Set(['lambda', 'email', 'email-json', 'sms', 'application']);

/** The prefix of AWS's complaints about an attribute, by operation. */
export const subscribePrefix = (atSubscribe: boolean): string => (atSubscribe ? 'Invalid parameter: Attributes Reason: ' : 'Invalid parameter: ');

/** Checks one attribute and answers the value to store (null: remove it). */
export function checkSubscriptionAttribute(name: string, value: string, sub: SubscriptionShape, atSubscribe: boolean): string | null {
  const prefix = subscribePrefix(atSubscribe);
  const fail = (reason: string) => new AwsError('InvalidParameterException', `${prefix}${reason}`);
  if (!NAMES.has(name)) throw fail('AttributeName');
  switch (name) {
    case 'RawMessageDelivery': {
      const flag = value.toLowerCase();
      if (flag !== 'true' && flag !== 'false') throw fail(`RawMessageDelivery: Invalid value [${value}]. Must be true or false.`);
      if (flag === 'true' && ENVELOPE_ONLY.has(sub.protocol)) throw fail(`Delivery protocol [${sub.protocol}] does not support raw message delivery.`);
      return flag;
    }
    case 'FilterPolicyScope':
      if (value !== 'MessageAttributes' && value !== 'MessageBody') throw fail(`FilterPolicyScope: Invalid value [${value}]. Please use either MessageBody or MessageAttributes`);
      return value;
    case 'FilterPolicy':
      if (value === '') return null;
      compileFilterPolicy(parseJsonAttribute(prefix, 'FilterPolicy', value), sub.scope, new FilterPolicyError(prefix));
      return value;
    case 'RedrivePolicy':
      return value === '' ? null : checkRedrivePolicy(value, sub, prefix);
    case 'DeliveryPolicy':
      if (value === '') return null;
      if (sub.protocol !== 'http' && sub.protocol !== 'https') throw fail(`DeliveryPolicy: Delivery protocol [${sub.protocol}] does not support delivery policies.`);
      checkSubscriptionDeliveryPolicy(value, prefix);
      return value;
    case 'ReplayPolicy':
      throw new AwsError('NotImplemented', 'SNS message archiving and replay (ReplayPolicy) is not implemented by Drydock', { status: 501 });
    default:
      return value;
  }
}

function checkRedrivePolicy(text: string, sub: SubscriptionShape, prefix: string): string {
  const policy = parseJsonAttribute(prefix, 'RedrivePolicy', text) as { deadLetterTargetArn?: unknown } | null;
  const target = typeof policy === 'object' && policy !== null && typeof policy.deadLetterTargetArn === 'string' ? parseArn(policy.deadLetterTargetArn) : undefined;
  if (target?.service !== 'sqs') throw new AwsError('InvalidParameterException', `${prefix}RedrivePolicy: deadLetterTargetArn is an invalid arn`);
  if (sub.topicArn.endsWith('.fifo') && sub.endpoint.endsWith('.fifo') && !target.resource.endsWith('.fifo')) {
    throw new AwsError('InvalidParameterException', `${prefix}RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic.`);
  }
  return text;
}

function checkSubscriptionDeliveryPolicy(text: string, prefix: string): void {
  const policy = parseJsonAttribute(prefix, 'DeliveryPolicy', text);
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) throw new AwsError('InvalidParameterException', `${prefix}DeliveryPolicy: must be a JSON object`);
  retryPolicy((policy as Record<string, unknown>).healthyRetryPolicy, prefix);
}

/** Compiled filter policies by scope and text: a publish checks every subscription's, and few policies change. */
const compiled = new Map<string, FilterPolicy>();
const MAX_COMPILED = 1000;

/** The subscription's filter, compiled; undefined when it has none. */
export function subscriptionFilter(sub: SubscriptionRow): { policy: FilterPolicy; scope: FilterScope } | undefined {
  const attributes = attributesOf(sub);
  if (!attributes.FilterPolicy) return undefined;
  const scope = (attributes.FilterPolicyScope ?? 'MessageAttributes') as FilterScope;
  const key = `${scope}\0${attributes.FilterPolicy}`;
  let policy = compiled.get(key);
  if (!policy) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    policy = compileFilterPolicy(JSON.parse(attributes.FilterPolicy), scope, new FilterPolicyError(''));
    compiled.set(key, policy);
  }
  return { policy, scope };
}

/** Every attribute GetSubscriptionAttributes reports, in AWS's (alphabetical) order. */
export function subscriptionAttributes(sub: SubscriptionRow, topicDeliveryPolicyText: string | undefined): Record<string, string> {
  const stored = attributesOf(sub);
  const out: Record<string, string> = {
    ConfirmationWasAuthenticated: String(sub.authenticated > 0),
    Endpoint: sub.endpoint,
    Owner: sub.owner,
    PendingConfirmation: String(sub.pending === 1),
    Protocol: sub.protocol,
    RawMessageDelivery: stored.RawMessageDelivery ?? 'false',
    SubscriptionArn: sub.arn,
    SubscriptionPrincipal: sub.principal,
    TopicArn: sub.topic_arn,
  };
  for (const [key, value] of Object.entries(stored)) if (key !== 'RawMessageDelivery') out[key] = value;
  if (stored.FilterPolicy) out.FilterPolicyScope = stored.FilterPolicyScope ?? 'MessageAttributes';
  else delete out.FilterPolicyScope;
  if (sub.protocol === 'http' || sub.protocol === 'https') out.EffectiveDeliveryPolicy = effectiveSubscriptionPolicy(stored.DeliveryPolicy, topicDeliveryPolicyText);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

function effectiveSubscriptionPolicy(own: string | undefined, topicText: string | undefined): string {
  const topic = topicDeliveryPolicy(topicText);
  const policy = own && !topic.disableSubscriptionOverrides ? (JSON.parse(own) as Record<string, unknown>) : {};
  const request = policy.requestPolicy as { headerContentType?: string } | undefined;
  return JSON.stringify({
    healthyRetryPolicy: retryPolicy(policy.healthyRetryPolicy, '', topic.retry),
    sicklyRetryPolicy: null,
    throttlePolicy: policy.throttlePolicy ?? null,
    requestPolicy: { headerContentType: request?.headerContentType ?? topic.contentType ?? DEFAULT_CONTENT_TYPE },
    guaranteed: false,
  });
}

/** A filter policy that no longer fits a new scope: AWS refuses the scope change. */
export function checkScopeChange(sub: SubscriptionRow, scope: FilterScope): void {
  const policy = attributesOf(sub).FilterPolicy;
  if (policy) compileFilterPolicy(JSON.parse(policy), scope, new FilterPolicyError(subscribePrefix(false)));
}
