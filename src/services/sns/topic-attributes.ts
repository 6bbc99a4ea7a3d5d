/**
 * Topic attributes: which ones a caller may set, their checks, the defaults AWS reports (the
 * default access policy, EffectiveDeliveryPolicy), and the HTTP/S delivery policy that topic and
 * subscription DeliveryPolicy attributes define.
 */
import { AwsError } from '../../core/errors.js';
import { invalidParameter, parseJsonAttribute } from './common.js';

/** Attributes CreateTopic and SetTopicAttributes accept (FifoTopic only at creation). */
const SETTABLE = new Set([
  'DeliveryPolicy',
  'DisplayName',
  'Policy',
  'TracingConfig',
  'KmsMasterKeyId',
  'SignatureVersion',
  'ContentBasedDeduplication',
  'FifoThroughputScope',
  'ArchivePolicy',
  ...['Application', 'Firehose', 'HTTP', 'Lambda', 'SQS'].flatMap((p) => [`${p}SuccessFeedbackRoleArn`, `${p}SuccessFeedbackSampleRate`, `${p}FailureFeedbackRoleArn`]),
]);
const FIFO_ONLY = new Set(['ContentBasedDeduplication', 'FifoThroughputScope', 'ArchivePolicy']);

/** The access policy AWS gives a new topic: its owner's account may do what the owner may. */
export function defaultTopicPolicy(topicArn: string, owner: string): string {
  return JSON.stringify({
    Version: '2008-10-17',
    Id: '__default_policy_ID',
    Statement: [
      {
        Sid: '__default_statement_ID',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['SNS:GetTopicAttributes', 'SNS:SetTopicAttributes', 'SNS:AddPermission', 'SNS:RemovePermission', 'SNS:DeleteTopic', 'SNS:Subscribe', 'SNS:ListSubscriptionsByTopic', 'SNS:Publish'],
        Resource: topicArn,
        Condition: { StringEquals: { 'AWS:SourceOwner': owner } },
      },
    ],
  });
}

/**
 * Checks one attribute a caller sets and answers the value to store ('' removes DeliveryPolicy).
 * `prefix` is AWS's wording for where the attribute came from: CreateTopic says
 * "Invalid parameter: Attributes Reason: ", SetTopicAttributes "Invalid parameter: ".
 */
export function checkTopicAttribute(name: string, value: string, fifo: boolean, atCreation: boolean): string {
  const prefix = atCreation ? 'Attributes Reason: ' : '';
  if (!SETTABLE.has(name) || (FIFO_ONLY.has(name) && !fifo)) throw invalidParameter(atCreation ? `Attributes Reason: Invalid attribute name: ${name}` : 'AttributeName');
  switch (name) {
    case 'SignatureVersion':
      if (value !== '1' && value !== '2') throw invalidParameter(`${prefix}SignatureVersion: Invalid value [${value}]. Must be 1 or 2.`);
      return value;
    case 'ContentBasedDeduplication':
      if (value !== 'true' && value !== 'false') throw invalidParameter(`${prefix}ContentBasedDeduplication: Invalid value [${value}]. Must be true or false.`);
      return value;
    case 'FifoThroughputScope':
      if (value !== 'Topic' && value !== 'MessageGroup') throw invalidParameter(`${prefix}FifoThroughputScope: Invalid value [${value}]. Please use either Topic or MessageGroup`);
      return value;
    case 'TracingConfig':
      if (value !== 'PassThrough' && value !== 'Active') throw invalidParameter(`${prefix}TracingConfig: Invalid value [${value}]. Please use either PassThrough or Active`);
      return value;
    case 'Policy':
      checkPolicy(value, prefix);
      return value;
    case 'DeliveryPolicy':
      if (value !== '') topicDeliveryPolicy(value, `Invalid parameter: ${prefix}`);
      return value;
    default:
      return value;
  }
}

function checkPolicy(text: string, prefix: string): void {
  const doc = parseJsonAttribute(`Invalid parameter: ${prefix}`, 'Policy', text);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !('Statement' in doc)) {
    throw invalidParameter(`${prefix}Policy Error: null`);
  }
}

/** The retry policy of HTTP/S deliveries (AWS's `healthyRetryPolicy`), every member filled in. */
export interface RetryPolicy {
  minDelayTarget: number;
  maxDelayTarget: number;
  numRetries: number;
  numMaxDelayRetries: number;
  numNoDelayRetries: number;
  numMinDelayRetries: number;
  backoffFunction: 'linear' | 'arithmetic' | 'geometric' | 'exponential';
}

export const DEFAULT_HTTP_RETRY: RetryPolicy = {
  minDelayTarget: 20,
  maxDelayTarget: 20,
  numRetries: 3,
  numMaxDelayRetries: 0,
  numNoDelayRetries: 0,
  numMinDelayRetries: 0,
  backoffFunction: 'linear',
};
export const DEFAULT_CONTENT_TYPE = 'text/plain; charset=UTF-8';

/** What a topic's DeliveryPolicy says about HTTP/S subscriptions. */
export interface TopicHttpPolicy {
  retry: RetryPolicy;
  disableSubscriptionOverrides: boolean;
  contentType: string;
}

/** A topic DeliveryPolicy's `http` section, defaults filled in; throws InvalidParameter for a malformed one. */
export function topicDeliveryPolicy(text: string | undefined, prefix = 'Invalid parameter: '): TopicHttpPolicy {
  const parsed = text ? parseJsonAttribute(prefix, 'DeliveryPolicy', text) : {};
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new AwsError('InvalidParameterException', `${prefix}DeliveryPolicy: must be a JSON object`);
  const http = ((parsed as Record<string, unknown>).http ?? {}) as Record<string, unknown>;
  const request = (http.defaultRequestPolicy ?? {}) as Record<string, unknown>;
  return {
    retry: retryPolicy(http.defaultHealthyRetryPolicy, prefix),
    disableSubscriptionOverrides: http.disableSubscriptionOverrides === true,
    contentType: typeof request.headerContentType === 'string' ? request.headerContentType : DEFAULT_CONTENT_TYPE,
  };
}

/** EffectiveDeliveryPolicy as GetTopicAttributes reports it. */
export function effectiveTopicDeliveryPolicy(policy: TopicHttpPolicy): string {
  return JSON.stringify({
    http: {
      defaultHealthyRetryPolicy: policy.retry,
      disableSubscriptionOverrides: policy.disableSubscriptionOverrides,
      defaultRequestPolicy: { headerContentType: policy.contentType },
    },
  });
}

const BACKOFF_FUNCTIONS = new Set(['linear', 'arithmetic', 'geometric', 'exponential']);
/** AWS's hard limit on an HTTP/S retry policy's total time. */
const MAX_RETRY_SECONDS = 3600;

/** A healthyRetryPolicy with defaults for what it leaves out, checked against AWS's bounds. */
export function retryPolicy(value: unknown, prefix: string, defaults: RetryPolicy = DEFAULT_HTTP_RETRY): RetryPolicy {
  if (value === undefined || value === null) return defaults;
  const fail = (reason: string) => new AwsError('InvalidParameterException', `${prefix}DeliveryPolicy: ${reason}`);
  if (typeof value !== 'object' || Array.isArray(value)) throw fail('healthyRetryPolicy must be an object');
  const given = value as Record<string, unknown>;
  const out = { ...defaults };
  for (const key of ['minDelayTarget', 'maxDelayTarget', 'numRetries', 'numMaxDelayRetries', 'numNoDelayRetries', 'numMinDelayRetries'] as const) {
    const n = given[key];
    if (n === undefined) continue;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw fail(`${key} must be a non-negative integer`);
    out[key] = n;
  }
  if (given.backoffFunction !== undefined) {
    if (typeof given.backoffFunction !== 'string' || !BACKOFF_FUNCTIONS.has(given.backoffFunction)) throw fail('backoffFunction must be one of linear, arithmetic, geometric, exponential');
    out.backoffFunction = given.backoffFunction as RetryPolicy['backoffFunction'];
  }
  if (given.maxDelayTarget === undefined && out.maxDelayTarget < out.minDelayTarget) out.maxDelayTarget = out.minDelayTarget;
  if (out.minDelayTarget < 1 && out.numRetries > out.numNoDelayRetries) throw fail('minDelayTarget must be at least 1');
  if (out.minDelayTarget > out.maxDelayTarget) throw fail('minDelayTarget must be less than or equal to maxDelayTarget');
  if (out.numRetries > 100) throw fail('numRetries must be at most 100');
  if (out.numNoDelayRetries + out.numMinDelayRetries + out.numMaxDelayRetries > out.numRetries) {
    throw fail('numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries must be at most numRetries');
  }
  let total = 0;
  for (let n = 1; n <= out.numRetries; n++) total += retryDelay(out, n) ?? 0;
  if (total > MAX_RETRY_SECONDS) throw fail(`the total retry time must not exceed ${MAX_RETRY_SECONDS} seconds`);
  return out;
}

/**
 * The delay in seconds before retry `n` (1 for the first retry), or undefined once the policy has
 * no retries left: the immediate phase, the pre-backoff phase at the minimum delay, the backoff
 * phase climbing from minimum to maximum along the backoff function, and the post-backoff phase at
 * the maximum. AWS documents the curves' shape but not their formulas; these follow the shapes
 * (AWS also adds jitter, which Drydock does not).
 */
export function retryDelay(policy: RetryPolicy, n: number): number | undefined {
  const { minDelayTarget: min, maxDelayTarget: max, numRetries, numNoDelayRetries, numMinDelayRetries, numMaxDelayRetries } = policy;
  if (n < 1 || n > numRetries) return undefined;
  if (n <= numNoDelayRetries) return 0;
  if (n <= numNoDelayRetries + numMinDelayRetries) return min;
  const backoff = numRetries - numNoDelayRetries - numMinDelayRetries - numMaxDelayRetries;
  const i = n - numNoDelayRetries - numMinDelayRetries;
  if (i > backoff) return max;
  const share = i / backoff;
  const curve = { linear: share, arithmetic: share * share, geometric: share ** 3, exponential: (2 ** (i - 1) - 1) / Math.max(1, 2 ** (backoff - 1) - 1) }[policy.backoffFunction];
  return Math.round(min + (max - min) * Math.min(1, curve));
}

/** The retry policy of deliveries to AWS managed endpoints (SQS, Lambda): 100,015 attempts over 23 days. */
export const MANAGED_ENDPOINT_RETRY: RetryPolicy = {
  minDelayTarget: 1,
  maxDelayTarget: 20,
  numRetries: 100_014,
  numNoDelayRetries: 3,
  numMinDelayRetries: 2,
  numMaxDelayRetries: 100_000,
  backoffFunction: 'exponential',
};

/** The retry policy of deliveries to customer managed endpoints other than HTTP/S (email, SMS): 50 attempts over 6 hours. */
export const CUSTOMER_ENDPOINT_RETRY: RetryPolicy = {
  minDelayTarget: 10,
  maxDelayTarget: 600,
  numRetries: 49,
  numNoDelayRetries: 0,
  numMinDelayRetries: 2,
  numMaxDelayRetries: 37,
  backoffFunction: 'exponential',
};
