/**
 * AWS::Lambda::EventSourceMapping through CreateEventSourceMapping and UpdateEventSourceMapping
 * (EventSourceArn, StartingPosition and the Kafka sources replace it). Ref is the mapping's UUID;
 * GetAtt Id (the same) and EventSourceMappingArn. Complete once the mapping has left Creating /
 * Updating, as CloudFormation waits. Drydock's Lambda polls SQS queues only: a DynamoDB or Kinesis
 * stream fails the resource with Lambda's 501.
 */
import type { CreateEventSourceMappingRequest } from '@aws-sdk/client-lambda';
import { AwsError } from '../../../core/errors.js';
import { coerced, orDelete, tagMap } from './compute-helpers.js';
import { requiredStringProp, sameValue, tagChanges, tagListProp, unlessGone } from './foundation-helpers.js';
import type { Properties, ProviderContext, ResourceProvider } from './types.js';

const NOT_FOUND = 'ResourceNotFoundException';
const POLL_MS = 100;
const MAX_WAIT_MS = 5 * 60 * 1000;
const INTEGERS = new Set([
  'BatchSize',
  'MaximumBatchingWindowInSeconds',
  'ParallelizationFactor',
  'MaximumRecordAgeInSeconds',
  'MaximumRetryAttempts',
  'TumblingWindowInSeconds',
  'MaximumConcurrency',
  'MinimumPollers',
  'MaximumPollers',
]);
const BOOLEANS = new Set(['Enabled', 'BisectBatchOnFunctionError']);

/** Members CloudFormation and Lambda spell alike that UpdateEventSourceMapping changes. */
const MUTABLE = [
  'FunctionName',
  'Enabled',
  'BatchSize',
  'FilterCriteria',
  'MaximumBatchingWindowInSeconds',
  'ParallelizationFactor',
  'DestinationConfig',
  'MaximumRecordAgeInSeconds',
  'BisectBatchOnFunctionError',
  'MaximumRetryAttempts',
  'TumblingWindowInSeconds',
  'SourceAccessConfigurations',
  'FunctionResponseTypes',
  'ScalingConfig',
  'DocumentDBEventSourceConfig',
  'ProvisionedPollerConfig',
  'MetricsConfig',
  'LoggingConfig',
];
/** Members set only at creation. */
const CREATE_ONLY = ['EventSourceArn', 'StartingPosition', 'Topics', 'Queues', 'SelfManagedEventSource', 'AmazonManagedKafkaEventSourceConfig', 'SelfManagedKafkaEventSourceConfig'];

function members(props: Properties, names: string[]): Record<string, unknown> {
  const picked = Object.fromEntries(names.filter((name) => props[name] !== undefined).map((name) => [name, props[name]]));
  const out = coerced(picked, INTEGERS, BOOLEANS) as Record<string, unknown>;
  if (props.KmsKeyArn !== undefined) out.KMSKeyArn = props.KmsKeyArn;
  return out;
}

async function settled(ctx: ProviderContext, uuid: string): Promise<{ arn: string | undefined }> {
  const deadline = ctx.clock.now() + MAX_WAIT_MS;
  for (;;) {
    const mapping = await ctx.call('lambda', 'GetEventSourceMapping', { UUID: uuid });
    if (!['Creating', 'Updating', 'Enabling', 'Disabling'].includes(mapping.State ?? '')) return { arn: mapping.EventSourceMappingArn };
    if (ctx.clock.now() > deadline) throw new AwsError('NotStabilized', `Exceeded attempts to wait for event source mapping ${uuid} to stabilize`);
    await ctx.clock.sleep(POLL_MS, ctx.signal);
  }
}

export const lambdaEventSourceMappingProvider: ResourceProvider = {
  async create(ctx, props) {
    requiredStringProp(props, 'FunctionName');
    const request = { ...members(props, [...MUTABLE, ...CREATE_ONLY]), Tags: tagMap(tagListProp(props)) } as CreateEventSourceMappingRequest;
    if (props.StartingPositionTimestamp !== undefined) request.StartingPositionTimestamp = new Date(Number(props.StartingPositionTimestamp) * 1000);
    const created = await ctx.call('lambda', 'CreateEventSourceMapping', request);
    const uuid = created.UUID!;
    const { arn } = await orDelete(
      () => settled(ctx, uuid),
      () => ctx.call('lambda', 'DeleteEventSourceMapping', { UUID: uuid }),
    );
    return { physicalId: uuid, attributes: { Id: uuid, EventSourceMappingArn: arn } };
  },

  async update(ctx, current, props) {
    const uuid = current.physicalId;
    const changed = MUTABLE.filter((name) => !sameValue(current.props[name], props[name]));
    if (changed.length > 0 || !sameValue(current.props.KmsKeyArn, props.KmsKeyArn)) {
      await ctx.call('lambda', 'UpdateEventSourceMapping', { UUID: uuid, ...members(props, changed) });
    }
    const arn = String(current.attributes.EventSourceMappingArn);
    const { set, removed } = tagChanges(tagListProp(current.props), tagListProp(props));
    if (removed.length > 0) await ctx.call('lambda', 'UntagResource', { Resource: arn, TagKeys: removed });
    if (set.length > 0) await ctx.call('lambda', 'TagResource', { Resource: arn, Tags: tagMap(set) });
    await settled(ctx, uuid);
    return { physicalId: uuid, attributes: current.attributes };
  },

  async delete(ctx, current) {
    await unlessGone(() => ctx.call('lambda', 'DeleteEventSourceMapping', { UUID: current.physicalId }), NOT_FOUND);
  },

  async read(ctx, current) {
    const mapping = await unlessGone(() => ctx.call('lambda', 'GetEventSourceMapping', { UUID: current.physicalId }), NOT_FOUND);
    if (!mapping) return undefined;
    const actual: Properties = { ...current.props, EventSourceArn: mapping.EventSourceArn, FunctionName: current.props.FunctionName };
    if (current.props.BatchSize !== undefined) actual.BatchSize = mapping.BatchSize;
    if (current.props.Enabled !== undefined) actual.Enabled = mapping.State !== 'Disabled';
    return actual;
  },
};
