/**
 * PutBucketNotificationConfiguration's checks, in AWS's order: the shape of each configuration
 * (events, filter rules, destination ARNs and their Region), configurations that overlap, and then
 * the destinations themselves. AWS validates an SQS queue or SNS topic by sending it a test message
 * (`s3:TestEvent`) as S3 (which the queue or topic policy must allow for the bucket), and a Lambda
 * function by checking that its permissions let S3 invoke it for the bucket (a DryRun invocation
 * here); refused destinations are listed in one InvalidArgument, each with its reason.
 */

import { randomBytes, randomUUID } from 'node:crypto';
import type { NotificationConfiguration } from '@aws-sdk/client-s3';
import { rootPrincipal } from '../../core/accounts.js';
import { parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import type { Runtime, ServiceCall } from '../contracts.js';
import * as e from './errors.js';
import { callerFor, type DestinationConfiguration, destinationConfigurations, isRefusal, sendToDestination } from './notification-delivery.js';
import type { BucketRow } from './store.js';

/** The event types the model lists: anything else is refused. */
const EVENT_TYPES = new Set([
  's3:ReducedRedundancyLostObject',
  's3:ObjectCreated:*',
  's3:ObjectCreated:Put',
  's3:ObjectCreated:Post',
  's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*',
  's3:ObjectRemoved:Delete',
  's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectRestore:*',
  's3:ObjectRestore:Post',
  's3:ObjectRestore:Completed',
  's3:ObjectRestore:Delete',
  's3:Replication:*',
  's3:Replication:OperationFailedReplication',
  's3:Replication:OperationNotTracked',
  's3:Replication:OperationMissedThreshold',
  's3:Replication:OperationReplicatedAfterThreshold',
  's3:LifecycleTransition',
  's3:IntelligentTiering',
  's3:ObjectAcl:Put',
  's3:LifecycleExpiration:*',
  's3:LifecycleExpiration:Delete',
  's3:LifecycleExpiration:DeleteMarkerCreated',
  's3:ObjectTagging:*',
  's3:ObjectTagging:Put',
  's3:ObjectTagging:Delete',
]);

/** Per configuration kind: its ARN member, the service its destination must be, and how AWS names it in refusals. */
const KINDS = {
  TopicConfigurations: { arnMember: 'TopicArn', service: 'sns', noun: 'topic' },
  QueueConfigurations: { arnMember: 'QueueArn', service: 'sqs', noun: 'queue' },
  LambdaFunctionConfigurations: { arnMember: 'LambdaFunctionArn', service: 'lambda', noun: 'Lambda' },
} as const;
type Kind = keyof typeof KINDS;
const KIND_OF_SERVICE: Record<string, Kind> = { sns: 'TopicConfigurations', sqs: 'QueueConfigurations', lambda: 'LambdaFunctionConfigurations' };

const NOT_FOUND_CODES = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'NotFound', 'ResourceNotFoundException']);

interface FilterRule {
  Name?: string;
  Value?: string;
}

/** A generated configuration Id: a UUID, base64-encoded, as AWS makes them. */
function generatedId(): string {
  return Buffer.from(randomUUID()).toString('base64');
}

/** The filter's rules with AWS's capitalized names (as GetBucketNotificationConfiguration answers them); at most one prefix and one suffix. */
function checkFilterRules(rules: FilterRule[]): FilterRule[] {
  const seen = new Set<string>();
  return rules.map((rule) => {
    const name = rule.Name?.toLowerCase();
    if (name !== 'prefix' && name !== 'suffix') throw e.invalidArgument('filter rule name must be either prefix or suffix', 'FilterRule.Name', rule.Name ?? '');
    if (seen.has(name)) throw e.invalidArgument(`Cannot specify more than one ${name} rule in a filter.`, 'FilterRule.Name', name);
    seen.add(name);
    return { Name: name === 'prefix' ? 'Prefix' : 'Suffix', Value: rule.Value ?? '' };
  });
}

/** One configuration checked and normalized: an Id, known events, well-formed rules, a destination of the right service in the bucket's Region. */
function checkConfiguration<C extends { Id?: string; Events?: string[]; Filter?: { Key?: { FilterRules?: FilterRule[] } } }>(kind: Kind, config: C, bucket: BucketRow): C {
  const { arnMember, service } = KINDS[kind];
  if (!config.Events?.length) throw e.malformedXml();
  for (const event of config.Events) if (!EVENT_TYPES.has(event)) throw e.invalidArgument('The event is not supported for notifications', 'Event', event);
  const destinationArn = (config as Record<string, unknown>)[arnMember];
  if (typeof destinationArn !== 'string') throw e.malformedXml();
  const destination = parseArn(destinationArn);
  if (!destination || destination.service !== service || !/^\d{12}$/.test(destination.account) || !destination.resource) {
    throw e.invalidArgument('The ARN could not be parsed', arnMember, destinationArn);
  }
  if (destination.region !== bucket.region) throw e.invalidArgument('The notification destination service region is not valid for the bucket location constraint', arnMember, destinationArn);
  const rules = config.Filter?.Key?.FilterRules;
  return {
    ...config,
    Id: config.Id || generatedId(),
    Events: [...config.Events],
    ...(config.Filter ? { Filter: { Key: { FilterRules: checkFilterRules(rules ?? []) } } } : {}),
  };
}

/** The event types two configurations share, a wildcard sharing every type of its family. */
function shareEventType(a: string[], b: string[]): boolean {
  const family = (event: string) => event.slice(0, event.lastIndexOf(':'));
  return a.some((x) => b.some((y) => x === y || (x.endsWith(':*') && family(x) === family(y)) || (y.endsWith(':*') && family(x) === family(y))));
}

function ruleValue(config: DestinationConfiguration, name: 'Prefix' | 'Suffix'): string {
  return config.Filter?.Key?.FilterRules?.find((rule) => rule.Name === name)?.Value ?? '';
}

/**
 * Whether some key is selected by both filters: their prefixes must be one the start of the other,
 * and their suffixes one the end of the other (a missing rule selects every key). Then the longer
 * prefix followed by the longer suffix is such a key.
 */
function filtersOverlap(a: DestinationConfiguration, b: DestinationConfiguration): boolean {
  const [pa, pb, sa, sb] = [ruleValue(a, 'Prefix'), ruleValue(b, 'Prefix'), ruleValue(a, 'Suffix'), ruleValue(b, 'Suffix')];
  return (pa.startsWith(pb) || pb.startsWith(pa)) && (sa.endsWith(sb) || sb.endsWith(sa));
}

/** AWS refuses configurations (of any kind) that share an event type for keys both their filters select. */
function checkOverlaps(configurations: DestinationConfiguration[]): void {
  configurations.forEach((a, i) => {
    for (const b of configurations.slice(i + 1)) {
      if (shareEventType(a.Events ?? [], b.Events ?? []) && filtersOverlap(a, b)) {
        throw e.invalidArgument('Configurations overlap. Configurations on the same bucket cannot share a common event type.');
      }
    }
  });
}

/** The configuration as it will be stored: every configuration checked, Ids generated, overlaps refused. */
export function checkNotificationConfiguration(config: NotificationConfiguration, bucket: BucketRow): NotificationConfiguration {
  const checked: NotificationConfiguration = {};
  for (const kind of Object.keys(KINDS) as Kind[]) {
    const list = config[kind] as { Id?: string; Events?: string[] }[] | undefined;
    if (list?.length) (checked as Record<Kind, unknown>)[kind] = list.map((c) => checkConfiguration(kind, c, bucket));
  }
  if (config.EventBridgeConfiguration) checked.EventBridgeConfiguration = {};
  checkOverlaps(destinationConfigurations(checked));
  return checked;
}

/** The test message S3 sends a queue or topic it is asked to notify. */
function testEvent(rt: Runtime, bucket: BucketRow, ctx: RequestContext): string {
  return JSON.stringify({
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: new Date(rt.clock.now()).toISOString(),
    Bucket: bucket.name,
    RequestId: ctx.requestId,
    HostId: randomBytes(56).toString('base64'),
  });
}

/** A read of the destination that fails only when it does not exist. */
function existenceCheck(kind: Kind, destinationArn: string, endpoint: string): ServiceCall {
  const destination = parseArn(destinationArn)!;
  if (kind === 'QueueConfigurations') return { service: 'sqs', operation: 'GetQueueAttributes', input: { QueueUrl: `${endpoint}/${destination.account}/${destination.resource}` } };
  if (kind === 'TopicConfigurations') return { service: 'sns', operation: 'GetTopicAttributes', input: { TopicArn: destinationArn } };
  return { service: 'lambda', operation: 'GetFunctionConfiguration', input: { FunctionName: destinationArn } };
}

/** Why a destination was refused, as AWS words it: its name and reason in the error. */
function refusal(kind: Kind, destinationArn: string, err: AwsError): { name: string; value: string } {
  const { noun } = KINDS[kind];
  if (NOT_FOUND_CODES.has(err.code)) return { name: destinationArn, value: `The destination ${noun} does not exist` };
  if (kind === 'LambdaFunctionConfigurations') return { name: `${destinationArn}, null`, value: `Not authorized to invoke function [${destinationArn}]` };
  return { name: destinationArn, value: `Permissions on the destination ${noun} do not allow S3 to publish notifications from this bucket` };
}

/**
 * Validates every destination as AWS does: a test message to each queue and topic, a DryRun
 * invocation of each function, as S3 for the bucket. Refusals are gathered into one InvalidArgument
 * (ArgumentName1/ArgumentValue1, … for each).
 */
export async function validateDestinations(rt: Runtime, bucket: BucketRow, config: NotificationConfiguration, ctx: RequestContext): Promise<void> {
  const refused: { name: string; value: string }[] = [];
  const tried = new Set<string>();
  const body = testEvent(rt, bucket, ctx);
  for (const { destinationArn } of destinationConfigurations(config)) {
    if (tried.has(destinationArn)) continue;
    tried.add(destinationArn);
    const destination = parseArn(destinationArn)!;
    const kind = KIND_OF_SERVICE[destination.service];
    try {
      // Whether the destination exists is AWS's own look-up, whatever its policy says: made as its account.
      await rt.invoke(existenceCheck(kind, destinationArn, rt.endpoint()), { principal: rootPrincipal(destination.account, ''), region: destination.region });
      if (kind === 'LambdaFunctionConfigurations') {
        await rt.invoke({ service: 'lambda', operation: 'Invoke', input: { FunctionName: destinationArn, InvocationType: 'DryRun' } }, callerFor(bucket, destinationArn));
      } else {
        await sendToDestination(rt, bucket, destinationArn, body);
      }
    } catch (err) {
      if (!isRefusal(err)) throw err;
      refused.push(refusal(kind, destinationArn, err));
    }
  }
  if (refused.length === 0) return;
  const fields: Record<string, string> = {};
  refused.forEach((r, i) => {
    fields[`ArgumentName${i + 1}`] = r.name;
    fields[`ArgumentValue${i + 1}`] = r.value;
  });
  throw new AwsError('InvalidArgument', 'Unable to validate the following destination configurations', { status: 400, fields });
}
