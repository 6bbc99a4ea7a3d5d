/**
 * Subscriptions: Subscribe (idempotent for the same endpoint and attributes), the confirmation
 * handshake (a SubscriptionConfirmation carrying a token and a SubscribeURL for HTTP/S, email and
 * other accounts' queues; ConfirmSubscription or the unsigned link confirms), Unsubscribe (an
 * UnsubscribeConfirmation whose link restores the subscription), attributes and listings.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type * as S from '@aws-sdk/client-sns';
import type { Scope } from '../../core/accounts.js';
import { parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import { pageToken, readPageToken } from '../../core/pagination.js';
import type { RequestContext } from '../../protocol/types.js';
import { attributesOf, findSubscription, findTopic, invalidParameter, type SnsContext, TOKEN_LIFETIME_MS, topicArnParameter } from './common.js';
import type { FilterScope } from './filter-policy.js';
import { deliveryTarget, enqueueDeliveries, type MessageType } from './messages.js';
import type { SignatureVersion } from './signing.js';
import type { SubscriptionRow, TopicRow } from './store.js';
import { checkScopeChange, checkSubscriptionAttribute, subscriptionAttributes } from './subscription-attributes.js';

const PROTOCOLS = new Set(['http', 'https', 'email', 'email-json', 'sms', 'sqs', 'lambda', 'application', 'firehose']);
/** Protocols whose endpoint owner must confirm (queues only when in another account than the subscriber). */
const CONFIRMED_BY_ENDPOINT = new Set(['http', 'https', 'email', 'email-json']);
const EMAIL = /^[^@\s]+@[^@\s]+$/;
const PAGE_SIZE = 100;

/**
 * `authenticated` column: 0 when a subscription was confirmed through the unsigned link, 1 through
 * a signed call (or confirmed without a handshake), 2 when that call also asked
 * AuthenticateOnUnsubscribe: then only signed Unsubscribe calls may end it.
 */
const AUTHENTICATED = 1;
const AUTHENTICATE_ON_UNSUBSCRIBE = 2;

/** The endpoint in the form AWS stores it, or AWS's complaint. */
function checkEndpoint(protocol: string, endpoint: string | undefined, topicArn: string): string {
  if (!endpoint) throw new AwsError('NotFoundException', 'Endpoint not specified in subscription');
  if (protocol === 'http' || protocol === 'https') {
    if (!endpoint.startsWith(`${protocol}://`) || !URL.canParse(endpoint)) throw invalidParameter('Endpoint must match the specified protocol');
  } else if (protocol === 'email' || protocol === 'email-json') {
    if (!EMAIL.test(endpoint)) throw invalidParameter('Email address');
  } else if (protocol === 'sms') {
    const normalized = endpoint.replace(/[-. ()]/g, '');
    if (!/^\+?[1-9]\d{4,14}$/.test(normalized)) throw new AwsError('InvalidParameterException', `Invalid SMS endpoint: ${endpoint}`);
    return normalized;
  } else if (protocol === 'sqs') {
    if (parseArn(endpoint)?.service !== 'sqs') throw invalidParameter('SQS endpoint ARN');
    if (endpoint.endsWith('.fifo') && !topicArn.endsWith('.fifo')) {
      throw invalidParameter('Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics');
    }
  } else if (protocol === 'lambda') {
    if (parseArn(endpoint)?.service !== 'lambda') throw invalidParameter('Lambda endpoint ARN');
  }
  return endpoint;
}

/** Whether a new subscription waits for its endpoint's owner. */
function needsConfirmation(protocol: string, endpoint: string, subscriber: string): boolean {
  if (CONFIRMED_BY_ENDPOINT.has(protocol)) return true;
  return protocol === 'sqs' && parseArn(endpoint)?.account !== subscriber;
}

export function subscribe(c: SnsContext, input: S.SubscribeInput, ctx: RequestContext): S.SubscribeResponse {
  const topicArn = input.TopicArn!;
  const protocol = input.Protocol!;
  topicArnParameter(ctx, topicArn);
  if (!PROTOCOLS.has(protocol)) throw invalidParameter(`Amazon SNS does not support this protocol string: ${protocol}`);
  if (protocol === 'application' || protocol === 'firehose') {
    throw new AwsError('NotImplemented', `SNS subscriptions with protocol ${protocol} are not implemented by Drydock`, { status: 501 });
  }
  const endpoint = checkEndpoint(protocol, input.Endpoint, topicArn);
  const given = input.Attributes ?? {};
  const scope = (given.FilterPolicyScope === 'MessageBody' ? 'MessageBody' : 'MessageAttributes') as FilterScope;
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(given)) {
    const stored = checkSubscriptionAttribute(name, value, { protocol, endpoint, topicArn, scope }, true);
    if (stored !== null) attributes[name] = stored;
  }
  return c.store.tx(() => {
    const topic = findTopic(c, ctx, topicArn);
    // FIFO topics deliver to SQS queues only.
    if (topic.fifo && protocol !== 'sqs') throw invalidParameter(`Invalid protocol type: ${protocol}`);
    const existing = c.store.subscriptionsOf(topic.arn).find((s) => s.protocol === protocol && s.endpoint === endpoint);
    if (existing) {
      const stored = attributesOf(existing);
      if (Object.entries(attributes).some(([key, value]) => (stored[key] ?? (key === 'RawMessageDelivery' ? 'false' : undefined)) !== value)) {
        throw invalidParameter('Attributes Reason: Subscription already exists with different attributes');
      }
      // Subscribing a pending endpoint again sends it another confirmation request, as AWS does.
      if (existing.pending) requestConfirmation(c, topic, existing, 'SubscriptionConfirmation');
      return { SubscriptionArn: existing.pending && !input.ReturnSubscriptionArn ? 'pending confirmation' : existing.arn };
    }
    const pending = needsConfirmation(protocol, endpoint, ctx.account);
    const row: SubscriptionRow = {
      arn: `${topic.arn}:${randomUUID()}`,
      topic_arn: topic.arn,
      account: topic.account,
      region: topic.region,
      owner: ctx.account,
      principal: ctx.principal.arn,
      protocol,
      endpoint,
      pending: pending ? 1 : 0,
      authenticated: pending ? 0 : AUTHENTICATED,
      attributes: JSON.stringify(attributes),
    };
    c.store.insertSubscription(row);
    if (pending) requestConfirmation(c, topic, row, 'SubscriptionConfirmation');
    return { SubscriptionArn: pending && !input.ReturnSubscriptionArn ? 'pending confirmation' : row.arn };
  });
}

/** A confirmation token: the Region (hex), then random hex, 256 characters in all as AWS's are. */
function newToken(region: string): string {
  const head = Buffer.from(`${region}/`).toString('hex');
  return (
    head +
    randomBytes(128)
      .toString('hex')
      .slice(0, 256 - head.length)
  );
}

const CONFIRMATION_TEXT: Record<Exclude<MessageType, 'Notification'>, (topicArn: string, subscriptionArn: string) => string> = {
  SubscriptionConfirmation: (topicArn) => `You have chosen to subscribe to the topic ${topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
  UnsubscribeConfirmation: (_topicArn, subscriptionArn) =>
    `You have chosen to deactivate subscription ${subscriptionArn}.\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message.`,
};

/**
 * Sends a subscription (or, after Unsubscribe, its endpoint) a confirmation request with a new
 * token; an unsubscribe's token carries the deleted subscription, which confirming restores.
 */
function requestConfirmation(c: SnsContext, topic: TopicRow, sub: SubscriptionRow, type: Exclude<MessageType, 'Notification'>): void {
  const now = c.rt.clock.now();
  const token = newToken(topic.region);
  c.store.insertToken({ token, topic_arn: topic.arn, subscription_arn: sub.arn, restores: type === 'UnsubscribeConfirmation' ? JSON.stringify(sub) : null, expires_at: now + TOKEN_LIFETIME_MS }, now);
  enqueueDeliveries(
    c,
    {
      type,
      id: randomUUID(),
      topicArn: topic.arn,
      timestamp: new Date(now).toISOString(),
      message: CONFIRMATION_TEXT[type](topic.arn, sub.arn),
      fifo: false,
      token,
      signatureVersion: (attributesOf(topic).SignatureVersion ?? '1') as SignatureVersion,
    },
    [deliveryTarget(topic, sub)],
  );
}

/**
 * Confirms the subscription a token stands for (restoring it for an unsubscribe's token).
 * `authenticated` is false for the unsigned SubscribeURL link.
 */
export function confirmToken(c: SnsContext, topicArn: string, token: string, authenticated: { authenticateOnUnsubscribe: boolean } | false): string {
  const topic = parseArn(topicArn);
  if (!topic) throw invalidParameter('Topic');
  if (!/^[0-9a-f]{64,}$/.test(token)) throw new AwsError('InvalidParameterException', 'Invalid token');
  return c.store.tx(() => {
    const row = c.store.token(token, c.rt.clock.now());
    if (!row) throw invalidParameter('Token');
    if (row.topic_arn !== topicArn) throw invalidParameter('Topic');
    let sub = c.store.subscription(row.subscription_arn);
    if (!sub && row.restores && c.store.topic(row.topic_arn)) {
      sub = { ...(JSON.parse(row.restores) as SubscriptionRow), pending: 1 };
      c.store.insertSubscription(sub);
    }
    if (!sub) throw invalidParameter('Token');
    if (sub.pending) {
      const level = !authenticated ? 0 : authenticated.authenticateOnUnsubscribe ? AUTHENTICATE_ON_UNSUBSCRIBE : AUTHENTICATED;
      c.store.updateSubscription({ ...sub, pending: 0, authenticated: level });
    }
    return sub.arn;
  });
}

export function confirmSubscription(c: SnsContext, input: S.ConfirmSubscriptionInput): S.ConfirmSubscriptionResponse {
  return { SubscriptionArn: confirmToken(c, input.TopicArn!, input.Token!, { authenticateOnUnsubscribe: input.AuthenticateOnUnsubscribe === 'true' }) };
}

/**
 * Deletes a subscription; HTTP/S endpoints get an UnsubscribeConfirmation whose link restores it.
 * `signed` is false for the unsigned UnsubscribeURL link, which AuthenticateOnUnsubscribe forbids.
 */
export function unsubscribeArn(c: SnsContext, scope: Scope | undefined, subscriptionArn: string, signed: boolean): void {
  c.store.tx(() => {
    let sub: SubscriptionRow;
    try {
      sub = findSubscription(c, subscriptionArn);
    } catch (err) {
      // Unsubscribing twice succeeds, as AWS's does; a malformed ARN does not.
      if (err instanceof AwsError && err.code === 'NotFoundException') return;
      throw err;
    }
    if (scope && scope.account !== sub.owner && scope.account !== sub.account) {
      throw new AwsError('AuthorizationErrorException', `User: ${scope.account} is not authorized to perform: SNS:Unsubscribe on resource: ${sub.arn}`);
    }
    if (!signed && sub.authenticated === AUTHENTICATE_ON_UNSUBSCRIBE) {
      throw new AwsError('AuthorizationErrorException', 'Unsubscribe requires authentication: the subscription was confirmed with AuthenticateOnUnsubscribe');
    }
    c.store.deleteSubscription(sub.arn);
    const topic = c.store.topic(sub.topic_arn);
    if (topic && (sub.protocol === 'http' || sub.protocol === 'https')) requestConfirmation(c, topic, sub, 'UnsubscribeConfirmation');
  });
}

export function unsubscribe(c: SnsContext, input: S.UnsubscribeInput, ctx: RequestContext): Record<string, never> {
  unsubscribeArn(c, ctx, input.SubscriptionArn!, true);
  return {};
}

export function getSubscriptionAttributes(c: SnsContext, input: S.GetSubscriptionAttributesInput): S.GetSubscriptionAttributesResponse {
  const sub = findSubscription(c, input.SubscriptionArn!);
  const topic = c.store.topic(sub.topic_arn);
  return { Attributes: subscriptionAttributes(sub, topic && attributesOf(topic).DeliveryPolicy) };
}

export function setSubscriptionAttributes(c: SnsContext, input: S.SetSubscriptionAttributesInput): Record<string, never> {
  const name = input.AttributeName!;
  const value = input.AttributeValue ?? '';
  c.store.tx(() => {
    const sub = findSubscription(c, input.SubscriptionArn!);
    const attributes = attributesOf(sub);
    const scope = (attributes.FilterPolicyScope ?? 'MessageAttributes') as FilterScope;
    const stored = checkSubscriptionAttribute(name, value, { protocol: sub.protocol, endpoint: sub.endpoint, topicArn: sub.topic_arn, scope }, false);
    if (name === 'FilterPolicyScope') checkScopeChange(sub, stored as FilterScope);
    if (stored === null) delete attributes[name];
    else attributes[name] = stored;
    c.store.updateSubscription({ ...sub, attributes: JSON.stringify(attributes) });
  });
  return {};
}

function listed(sub: SubscriptionRow): S.Subscription {
  return { SubscriptionArn: sub.pending ? 'PendingConfirmation' : sub.arn, Owner: sub.owner, Protocol: sub.protocol, Endpoint: sub.endpoint, TopicArn: sub.topic_arn };
}

const invalidNextToken = () => invalidParameter('NextToken');

function page(c: SnsContext, filter: Parameters<SnsContext['store']['subscriptionsPage']>[0], token: string | undefined): { Subscriptions: S.Subscription[]; NextToken?: string } {
  const after = token === undefined ? 0 : readPageToken(token, (v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0, invalidNextToken);
  const rows = c.store.subscriptionsPage(filter, after, PAGE_SIZE + 1);
  const shown = rows.slice(0, PAGE_SIZE);
  return { Subscriptions: shown.map(listed), NextToken: rows.length > PAGE_SIZE ? pageToken(shown.at(-1)!.position) : undefined };
}

export function listSubscriptions(c: SnsContext, input: S.ListSubscriptionsInput, ctx: RequestContext): S.ListSubscriptionsResponse {
  return page(c, { scope: ctx }, input.NextToken);
}

export function listSubscriptionsByTopic(c: SnsContext, input: S.ListSubscriptionsByTopicInput, ctx: RequestContext): S.ListSubscriptionsByTopicResponse {
  const topic = findTopic(c, ctx, input.TopicArn!);
  return page(c, { topicArn: topic.arn }, input.NextToken);
}
