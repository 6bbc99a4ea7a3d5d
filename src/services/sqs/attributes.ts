/**
 * Queue attributes: which a queue of each type accepts, their defaults and ranges, and the checks of
 * the JSON-valued ones (Policy, RedrivePolicy, RedriveAllowPolicy) with AWS's wording.
 */
import { parseArn } from '../../core/arn.js';
import type { AwsError } from '../../core/errors.js';
import { invalidAttributeName, invalidAttributeValue, invalidValue } from './errors.js';

/** Numeric attributes and their inclusive ranges. */
const RANGES: Record<string, [min: number, max: number]> = {
  DelaySeconds: [0, 900],
  MaximumMessageSize: [1024, 1_048_576],
  MessageRetentionPeriod: [60, 1_209_600],
  ReceiveMessageWaitTimeSeconds: [0, 20],
  VisibilityTimeout: [0, 43_200],
  KmsDataKeyReusePeriodSeconds: [60, 86_400],
};

/** Attributes every queue has a value for, and that value when never set. */
export const DEFAULTS: Record<string, string> = {
  DelaySeconds: '0',
  MaximumMessageSize: '1048576',
  MessageRetentionPeriod: '345600',
  ReceiveMessageWaitTimeSeconds: '0',
  VisibilityTimeout: '30',
};

const FIFO_DEFAULTS: Record<string, string> = { ContentBasedDeduplication: 'false', DeduplicationScope: 'queue', FifoThroughputLimit: 'perQueue' };

const SETTABLE = new Set([...Object.keys(RANGES), 'Policy', 'RedrivePolicy', 'RedriveAllowPolicy', 'KmsMasterKeyId', 'SqsManagedSseEnabled']);
const FIFO_ONLY = new Set(['FifoQueue', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit']);
const READ_ONLY = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesDelayed', 'ApproximateNumberOfMessagesNotVisible', 'CreatedTimestamp', 'LastModifiedTimestamp', 'QueueArn'];
/** Every name GetQueueAttributes accepts (the model's QueueAttributeName values). */
export const READABLE = new Set(['All', ...READ_ONLY, ...SETTABLE, ...FIFO_ONLY]);

/** A queue's attributes as stored: what was set, as strings. */
export type Attributes = Record<string, string>;

/** What a queue's behaviour depends on, from its stored attributes and the defaults. */
export interface QueueSettings {
  delaySeconds: number;
  maximumMessageSize: number;
  retentionSeconds: number;
  waitSeconds: number;
  visibilityTimeout: number;
  contentBasedDeduplication: boolean;
  dedupByGroup: boolean;
  redrive?: { deadLetterTargetArn: string; maxReceiveCount: number };
}

export function settingsOf(attributes: Attributes): QueueSettings {
  const number = (name: string) => Number(attributes[name] ?? DEFAULTS[name]);
  const redrive = attributes.RedrivePolicy ? (JSON.parse(attributes.RedrivePolicy) as { deadLetterTargetArn: string; maxReceiveCount: number | string }) : undefined;
  return {
    delaySeconds: number('DelaySeconds'),
    maximumMessageSize: number('MaximumMessageSize'),
    retentionSeconds: number('MessageRetentionPeriod'),
    waitSeconds: number('ReceiveMessageWaitTimeSeconds'),
    visibilityTimeout: number('VisibilityTimeout'),
    contentBasedDeduplication: attributes.ContentBasedDeduplication === 'true',
    dedupByGroup: attributes.DeduplicationScope === 'messageGroup',
    redrive: redrive && { deadLetterTargetArn: redrive.deadLetterTargetArn, maxReceiveCount: Number(redrive.maxReceiveCount) },
  };
}

/** The attributes GetQueueAttributes shows for stored ones (computed ones are added by the caller). */
export function shownAttributes(attributes: Attributes, fifo: boolean): Attributes {
  const shown: Attributes = { ...DEFAULTS, ...(fifo ? { FifoQueue: 'true', ...FIFO_DEFAULTS } : {}), ...attributes };
  if (shown.KmsMasterKeyId) {
    shown.KmsDataKeyReusePeriodSeconds ??= '300';
    shown.SqsManagedSseEnabled = 'false';
  } else {
    delete shown.KmsDataKeyReusePeriodSeconds;
    shown.SqsManagedSseEnabled ??= 'true';
  }
  return shown;
}

/** What the validation of a queue's redrive policy needs to know about its dead-letter target. */
export interface RedriveTargets {
  /** The queue an ARN names: its type and RedriveAllowPolicy, undefined when it does not exist. */
  queue(arn: string): { fifo: boolean; redriveAllowPolicy?: string } | undefined;
}

/**
 * Checks attributes given to CreateQueue (`existing` undefined) or SetQueueAttributes and answers
 * the attributes to store: `existing` with the given ones applied (an empty Policy, RedrivePolicy
 * or RedriveAllowPolicy removes it).
 */
export function applyAttributes(given: Attributes, fifo: boolean, queueArn: string, targets: RedriveTargets, existing?: Attributes): Attributes {
  const next: Attributes = { ...existing };
  for (const [name, raw] of Object.entries(given)) {
    const value = String(raw);
    if (name === 'FifoQueue') {
      if (!fifo) throw invalidAttributeName(`Unknown Attribute ${name}.`);
      if (value.toLowerCase() !== 'true') throw invalidAttributeValue(name, existing ? 'Modifying queue type is not supported.' : undefined);
      continue;
    }
    if (FIFO_ONLY.has(name) && !fifo) {
      if (name === 'DeduplicationScope' || name === 'FifoThroughputLimit') throw invalidAttributeName(`You can specify the ${name} only when FifoQueue is set to true.`);
      throw invalidAttributeName(`Unknown Attribute ${name}.`);
    }
    if (!SETTABLE.has(name) && !FIFO_ONLY.has(name)) throw invalidAttributeName(`Unknown Attribute ${name}.`);
    if ((name === 'Policy' || name === 'RedrivePolicy' || name === 'RedriveAllowPolicy') && value === '') {
      delete next[name];
      continue;
    }
    next[name] = checkValue(name, value, fifo, queueArn, targets);
  }
  if (next.SqsManagedSseEnabled === 'true' && next.KmsMasterKeyId && ('SqsManagedSseEnabled' in given || 'KmsMasterKeyId' in given)) {
    // Given together they conflict; given alone, the one given replaces the other.
    if ('SqsManagedSseEnabled' in given && 'KmsMasterKeyId' in given) {
      throw invalidAttributeValue('SqsManagedSseEnabled', 'You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE.');
    }
    if ('KmsMasterKeyId' in given) next.SqsManagedSseEnabled = 'false';
    else {
      delete next.KmsMasterKeyId;
      delete next.KmsDataKeyReusePeriodSeconds;
    }
  }
  if (fifo && next.FifoThroughputLimit === 'perMessageGroupId' && next.DeduplicationScope !== 'messageGroup') {
    throw invalidAttributeValue('FifoThroughputLimit', 'The perMessageGroupId value is allowed only when the value for DeduplicationScope is messageGroup');
  }
  return next;
}

function checkValue(name: string, value: string, fifo: boolean, queueArn: string, targets: RedriveTargets): string {
  const range = RANGES[name];
  if (range) {
    const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!(n >= range[0] && n <= range[1])) throw invalidAttributeValue(name);
    return String(n);
  }
  switch (name) {
    case 'SqsManagedSseEnabled':
    case 'ContentBasedDeduplication': {
      const lower = value.toLowerCase();
      if (lower !== 'true' && lower !== 'false') throw invalidAttributeValue(name);
      return lower;
    }
    case 'DeduplicationScope':
      if (value !== 'queue' && value !== 'messageGroup') throw invalidAttributeValue(name);
      return value;
    case 'FifoThroughputLimit':
      if (value !== 'perQueue' && value !== 'perMessageGroupId') throw invalidAttributeValue(name);
      return value;
    case 'KmsMasterKeyId':
      return value;
    case 'Policy':
      checkPolicy(value);
      return value;
    case 'RedrivePolicy':
      checkRedrivePolicy(value, fifo, queueArn, targets);
      return value;
    default:
      checkRedriveAllowPolicy(value);
      return value;
  }
}

const POLICY_KEYS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
const MAX_STATEMENTS = 20;

/** A queue policy must be a policy document AWS's grammar accepts, of at most 20 statements. */
function checkPolicy(text: string): void {
  const invalid = () => invalidAttributeValue('Policy');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalid();
  }
  if (!isObject(doc) || Object.keys(doc).some((key) => !POLICY_KEYS.has(key))) throw invalid();
  if (doc.Version !== undefined && doc.Version !== '2012-10-17' && doc.Version !== '2008-10-17') throw invalid();
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  if (!statements.length || statements.some((s) => !isStatement(s))) throw invalid();
  if (statements.length > MAX_STATEMENTS) {
    throw invalidAttributeValue('Policy', `${statements.length} statements were found in the submitted policy, max allowed is ${MAX_STATEMENTS}`);
  }
}

function isStatement(value: unknown): boolean {
  if (!isObject(value) || Object.keys(value).some((key) => !STATEMENT_KEYS.has(key))) return false;
  return (value.Effect === 'Allow' || value.Effect === 'Deny') && (value.Action !== undefined || value.NotAction !== undefined);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const REDRIVE_KEYS = ['maxReceiveCount', 'deadLetterTargetArn'];

function checkRedrivePolicy(text: string, fifo: boolean, queueArn: string, targets: RedriveTargets): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalidAttributeValue('RedrivePolicy', 'Redrive policy is not a valid JSON map.');
  }
  if (!isObject(doc)) throw invalidAttributeValue('RedrivePolicy', 'Redrive policy is not a valid JSON map.');
  const fail = (reason: string): AwsError => invalidValue('RedrivePolicy', text, reason);
  if (Object.keys(doc).some((key) => !REDRIVE_KEYS.includes(key))) throw fail(`Only following attributes are supported: [${REDRIVE_KEYS.join(', ')}].`);
  for (const key of REDRIVE_KEYS) if (doc[key] === undefined) throw fail(`Redrive policy does not contain mandatory attribute: ${key}.`);
  const count = doc.maxReceiveCount;
  const n = typeof count === 'number' ? count : typeof count === 'string' && /^-?\d+$/.test(count) ? Number(count) : Number.NaN;
  if (!(Number.isInteger(n) && n >= 1 && n <= 1000)) throw fail(`Invalid value for maxReceiveCount: ${String(count)}, valid values are from 1 to 1000 both inclusive.`);
  const target = String(doc.deadLetterTargetArn);
  if (parseArn(target)?.service !== 'sqs') throw fail('Only SQS queues are valid resources for deadLetterTargetArn.');
  const dlq = targets.queue(target);
  if (!dlq) throw fail('Dead letter target does not exist.');
  if (dlq.fifo !== fifo) throw fail('Dead-letter queue must be same type of queue as the source..');
  if (dlq.redriveAllowPolicy && !redriveAllows(dlq.redriveAllowPolicy, queueArn)) {
    throw fail(`Queue ${target} does not allow this queue to use it as a dead-letter queue (its RedriveAllowPolicy).`);
  }
}

/** Whether a dead-letter queue's RedriveAllowPolicy lets the queue `sourceArn` send its dead letters there. */
export function redriveAllows(policy: string, sourceArn: string): boolean {
  const doc = JSON.parse(policy) as { redrivePermission: string; sourceQueueArns?: string[] };
  if (doc.redrivePermission === 'denyAll') return false;
  return doc.redrivePermission === 'allowAll' || (doc.sourceQueueArns ?? []).includes(sourceArn);
}

const PERMISSIONS = ['allowAll', 'denyAll', 'byQueue'];
const MAX_SOURCE_QUEUES = 10;

function checkRedriveAllowPolicy(text: string): void {
  const unsupported = () => invalidAttributeValue('RedriveAllowPolicy', "Amazon SQS can't create the redrive allow policy, as it\u2019s in an unsupported format.");
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw unsupported();
  }
  if (!isObject(doc) || Object.keys(doc).some((key) => key !== 'redrivePermission' && key !== 'sourceQueueArns')) throw unsupported();
  if (typeof doc.redrivePermission !== 'string' || !PERMISSIONS.includes(doc.redrivePermission)) throw unsupported();
  const arns = doc.sourceQueueArns;
  if (arns !== undefined && (!Array.isArray(arns) || arns.some((arn) => typeof arn !== 'string'))) throw unsupported();
  const fail = (reason: string) => invalidValue('RedriveAllowPolicy', text, `Amazon SQS can't create the redrive allow policy. ${reason}`);
  if (doc.redrivePermission === 'byQueue') {
    if (!arns?.length) throw fail('When you specify the byQueue permission type, you must also specify one or more sourceQueueArns values.');
    if (arns.length > MAX_SOURCE_QUEUES) throw fail(`The maximum number of source queue ARNs you can specify is ${MAX_SOURCE_QUEUES}.`);
  } else if (arns !== undefined) {
    throw fail('To specify one or more source queue ARNs, you must set redrivePermission to byQueue.');
  }
}
