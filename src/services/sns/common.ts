/**
 * What every SNS handler file shares: the service context, AWS's InvalidParameter wording, and
 * the lookups of topics and subscriptions by ARN (a topic of another account is found by its ARN,
 * which names the account; another Region's never is, as AWS refuses cross-Region ARNs).
 */
import type { Scope } from '../../core/accounts.js';
import { type ArnParts, parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { Runtime } from '../contracts.js';
import type { Signer } from './signing.js';
import type { SnsStore, SubscriptionRow, TopicRow } from './store.js';

/** The service context every handler is given: made once per instance in index.ts. */
export interface SnsContext {
  store: SnsStore;
  rt: Runtime;
  signer: Signer;
}

/** Where Drydock serves SNS's own links: subscription confirmation, unsubscribe, the signing certificate, the outbox. */
export const SNS_HTTP_PREFIX = '/_drydock/sns/';

/** AWS's 256 KiB limit on a message with its attributes (and on a whole batch). */
export const MAX_MESSAGE_BYTES = 262_144;
/** Subscription confirmation tokens stay valid this long. */
export const TOKEN_LIFETIME_MS = 2 * 24 * 60 * 60 * 1000;

/** `Invalid parameter: <text>`, SNS's InvalidParameter (400). */
export function invalidParameter(text: string): AwsError {
  return new AwsError('InvalidParameterException', `Invalid parameter: ${text}`);
}

export const topicNotFound = (): AwsError => new AwsError('NotFoundException', 'Topic does not exist');
export const subscriptionNotFound = (): AwsError => new AwsError('NotFoundException', 'Subscription does not exist');

/** An ARN-valued parameter, parsed with AWS's complaint about one that is not an ARN. */
export function arnParameter(name: string, text: string): ArnParts {
  const parsed = parseArn(text);
  if (!parsed) throw invalidParameter(`${name} Reason: An ARN must have at least 6 elements, not ${text.split(':').length}`);
  return parsed;
}

/** A topic ARN of the request's Region (AWS refuses another Region's with "Invalid parameter: TopicArn"). */
export function topicArnParameter(scope: Scope, text: string, name = 'TopicArn'): ArnParts {
  const parsed = arnParameter(name, text);
  if (parsed.region !== scope.region || parsed.service !== 'sns') throw invalidParameter(name);
  return parsed;
}

/** The topic a TopicArn names, or NotFound. */
export function findTopic(c: SnsContext, scope: Scope, topicArn: string, name = 'TopicArn'): TopicRow {
  topicArnParameter(scope, topicArn, name);
  const topic = c.store.topic(topicArn);
  if (!topic) throw topicNotFound();
  return topic;
}

/** The subscription a SubscriptionArn names: a topic's ARN (no subscription id) is "Invalid parameter: SubscriptionId". */
export function findSubscription(c: SnsContext, subscriptionArn: string): SubscriptionRow {
  const parsed = arnParameter('SubscriptionArn', subscriptionArn);
  const subscription = c.store.subscription(subscriptionArn);
  if (subscription) return subscription;
  if (!parsed.resource.includes(':')) throw invalidParameter('SubscriptionId');
  throw subscriptionNotFound();
}

/** A stored JSON object of string attributes. */
export function attributesOf(row: { attributes: string }): Record<string, string> {
  return JSON.parse(row.attributes) as Record<string, string>;
}

/** JSON text as the policy of a JSON attribute (FilterPolicy, RedrivePolicy, DeliveryPolicy) reads it, with AWS's complaint. */
export function parseJsonAttribute(prefix: string, name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AwsError('InvalidParameterException', `${prefix}${name}: failed to parse JSON. ${(err as Error).message}`);
  }
}
