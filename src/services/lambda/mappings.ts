/**
 * Event source mappings for SQS: the operations, and the pollers that run them. A mapping that is
 * Enabled has pollers (started with the server, on create and on enable) that long-poll the queue
 * with the execution role's permissions (as AWS's pollers do), gather up to BatchSize messages or
 * until MaximumBatchingWindowInSeconds passes on the clock, invoke the function synchronously with
 * AWS's SQS event, and delete what succeeded: the whole batch, or with ReportBatchItemFailures all
 * but the batchItemFailures the function returns. A failed or throttled batch stays in the queue,
 * to come back when its visibility timeout ends (and reach the queue's dead-letter queue after
 * maxReceiveCount). Pollers scale from one up to five (or ScalingConfig.MaximumConcurrency) while
 * batches come back full. Mappings of DynamoDB and Kinesis streams (and every other source) answer
 * 501, as the Gaps say.
 */
import type {
  CreateEventSourceMappingRequest,
  DeleteEventSourceMappingRequest,
  EventSourceMappingConfiguration,
  GetEventSourceMappingRequest,
  ListEventSourceMappingsRequest,
  ListEventSourceMappingsResponse,
  UpdateEventSourceMappingRequest,
} from '@aws-sdk/client-lambda';
import type { Message } from '@aws-sdk/client-sqs';
import { arn, parseArn } from '../../core/arn.js';
import { notImplemented } from '../../core/errors.js';
import { uuid } from '../../core/ids.js';
import type { RequestContext } from '../../protocol/types.js';
import type { InProcessCaller } from '../contracts.js';
import { functionArn, invalidParameter, type LambdaContext, notFound, scopeOf } from './common.js';
import { assumeExecutionRole, type RoleSession } from './engine/launch.js';
import { invocationTarget, runInvocation, traceFor } from './invoke.js';
import { findFunction, resolveFunction } from './resolve.js';
import type { MappingRow } from './store.js';

const DEFAULT_BATCH = 10;
const MAX_STANDARD_BATCH = 10_000;
const MAX_FIFO_BATCH = 10;
const DEFAULT_MAX_POLLERS = 5;
/** How long a poller waits before polling again after an error (real milliseconds: a back-off, not Drydock time). */
const ERROR_BACKOFF_MS = 1000;

/** A mapping's stored configuration: what it answers with, less its UUID and function ARN. */
type StoredMapping = Omit<EventSourceMappingConfiguration, 'UUID' | 'FunctionArn' | 'LastModified'> & { FunctionName: string; Qualifier?: string; LastModified: number };

function view(row: MappingRow): EventSourceMappingConfiguration {
  const { FunctionName: _name, Qualifier: _qualifier, LastModified, ...config } = JSON.parse(row.config) as StoredMapping;
  return {
    UUID: row.uuid,
    ...config,
    FunctionArn: row.function_arn,
    LastModified: new Date(LastModified),
    EventSourceMappingArn: arn('lambda', row.region, row.account, `event-source-mapping:${row.uuid}`),
  };
}

function requireMapping(c: LambdaContext, id: string, ctx: RequestContext): MappingRow {
  const row = c.store.getMapping(id);
  if (!row || row.account !== ctx.account || row.region !== ctx.region) throw notFound(`The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: ${ctx.requestId})`);
  return row;
}

function checkBatch(batchSize: number | undefined, window: number | undefined, fifo: boolean): void {
  const max = fifo ? MAX_FIFO_BATCH : MAX_STANDARD_BATCH;
  if (batchSize !== undefined && batchSize > max) throw invalidParameter(`BatchSize must be between 1 and ${max} for SQS ${fifo ? 'FIFO' : 'standard'} queues.`);
  if ((batchSize ?? DEFAULT_BATCH) > 10 && !window) throw invalidParameter('Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10');
}

export function createEventSourceMapping(c: LambdaContext, input: CreateEventSourceMappingRequest, ctx: RequestContext): EventSourceMappingConfiguration {
  const source = parseArn(input.EventSourceArn ?? '');
  if (source?.service !== 'sqs') throw notImplemented('Lambda', `CreateEventSourceMapping for ${source?.service ?? 'this'} event sources`);
  const { ref, fn } = findFunction(c, input.FunctionName!, undefined, ctx);
  if (ref.qualifier !== undefined) resolveFunction(c, input.FunctionName!, undefined, ctx);
  checkBatch(input.BatchSize, input.MaximumBatchingWindowInSeconds, source.resource.endsWith('.fifo'));
  const row: MappingRow = {
    uuid: uuid(),
    account: ctx.account,
    region: ctx.region,
    function_arn: functionArn(ref, fn.name, ref.qualifier),
    config: JSON.stringify({
      FunctionName: fn.name,
      Qualifier: ref.qualifier,
      EventSourceArn: input.EventSourceArn,
      BatchSize: input.BatchSize ?? DEFAULT_BATCH,
      MaximumBatchingWindowInSeconds: input.MaximumBatchingWindowInSeconds ?? 0,
      FunctionResponseTypes: input.FunctionResponseTypes ?? [],
      ...(input.ScalingConfig ? { ScalingConfig: input.ScalingConfig } : {}),
      State: input.Enabled === false ? 'Disabled' : 'Enabled',
      StateTransitionReason: 'USER_INITIATED',
      LastModified: c.rt.clock.now(),
    } satisfies StoredMapping),
  };
  c.store.tx(() => c.store.putMapping(row));
  c.pollers.sync(row.uuid);
  // AWS answers Creating; the pollers start right after.
  return { ...view(row), State: input.Enabled === false ? 'Disabled' : 'Creating' };
}

export function getEventSourceMapping(c: LambdaContext, input: GetEventSourceMappingRequest, ctx: RequestContext): EventSourceMappingConfiguration {
  return view(requireMapping(c, input.UUID!, ctx));
}

export function updateEventSourceMapping(c: LambdaContext, input: UpdateEventSourceMappingRequest, ctx: RequestContext): EventSourceMappingConfiguration {
  const row = c.store.tx(() => {
    const current = requireMapping(c, input.UUID!, ctx);
    const config = JSON.parse(current.config) as StoredMapping;
    let functionArnNow = current.function_arn;
    if (input.FunctionName !== undefined) {
      const { ref, fn } = findFunction(c, input.FunctionName, undefined, ctx);
      config.FunctionName = fn.name;
      config.Qualifier = ref.qualifier;
      functionArnNow = functionArn(ref, fn.name, ref.qualifier);
    }
    const batchSize = input.BatchSize ?? config.BatchSize;
    const window = input.MaximumBatchingWindowInSeconds ?? config.MaximumBatchingWindowInSeconds;
    checkBatch(batchSize, window, (config.EventSourceArn ?? '').endsWith('.fifo'));
    const next: StoredMapping = {
      ...config,
      BatchSize: batchSize,
      MaximumBatchingWindowInSeconds: window,
      ...(input.FunctionResponseTypes ? { FunctionResponseTypes: input.FunctionResponseTypes } : {}),
      ...(input.ScalingConfig ? { ScalingConfig: input.ScalingConfig } : {}),
      ...(input.Enabled !== undefined ? { State: input.Enabled ? 'Enabled' : 'Disabled', StateTransitionReason: 'USER_INITIATED' } : {}),
      LastModified: c.rt.clock.now(),
    };
    const updated = { ...current, function_arn: functionArnNow, config: JSON.stringify(next) };
    c.store.putMapping(updated);
    return updated;
  });
  c.pollers.sync(row.uuid);
  return view(row);
}

export function deleteEventSourceMapping(c: LambdaContext, input: DeleteEventSourceMappingRequest, ctx: RequestContext): EventSourceMappingConfiguration {
  const row = c.store.tx(() => {
    const current = requireMapping(c, input.UUID!, ctx);
    c.store.deleteMapping(current.uuid);
    return current;
  });
  c.pollers.sync(row.uuid);
  return { ...view(row), State: 'Deleting' };
}

export function listEventSourceMappings(c: LambdaContext, input: ListEventSourceMappingsRequest, ctx: RequestContext): ListEventSourceMappingsResponse {
  let wanted: string | undefined;
  if (input.FunctionName !== undefined) {
    const { ref, fn } = findFunction(c, input.FunctionName, undefined, ctx);
    wanted = functionArn(ref, fn.name, ref.qualifier);
  }
  const rows = c.store.mappings(scopeOf(ctx)).filter((row) => (!wanted || row.function_arn === wanted) && (!input.EventSourceArn || view(row).EventSourceArn === input.EventSourceArn));
  return { EventSourceMappings: rows.slice(0, input.MaxItems ?? 100).map(view) };
}

/** The SQS event a batch of messages becomes, as AWS builds it. */
function sqsEvent(messages: Message[], queueArn: string, region: string) {
  return {
    Records: messages.map((m) => ({
      messageId: m.MessageId,
      receiptHandle: m.ReceiptHandle,
      body: m.Body,
      attributes: m.Attributes ?? {},
      messageAttributes: Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).map(([name, value]) => [
          name,
          {
            ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
            ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
            stringListValues: [],
            binaryListValues: [],
            dataType: value.DataType,
          },
        ]),
      ),
      md5OfBody: m.MD5OfBody,
      ...(m.MD5OfMessageAttributes ? { md5OfMessageAttributes: m.MD5OfMessageAttributes } : {}),
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: region,
    })),
  };
}

/** The message ids a function reported as failed (ReportBatchItemFailures); undefined when its answer says nothing usable. */
function batchItemFailures(payload: Buffer): string[] | undefined {
  try {
    const answer = JSON.parse(payload.toString('utf8')) as { batchItemFailures?: { itemIdentifier?: unknown }[] } | null;
    if (!answer || !Array.isArray(answer.batchItemFailures)) return [];
    const ids = answer.batchItemFailures.map((f) => f.itemIdentifier);
    return ids.every((id) => typeof id === 'string' && id.length > 0) ? (ids as string[]) : undefined;
  } catch {
    return [];
  }
}

/** The pollers of every enabled SQS mapping, in this process. */
export class MappingPollers {
  private readonly running = new Map<string, { stop: boolean; pollers: number; session?: RoleSession }>();
  private stopped = false;

  constructor(private readonly c: LambdaContext) {}

  start(): void {
    this.stopped = false;
    for (const row of this.c.store.allMappings()) this.sync(row.uuid);
  }

  stop(): void {
    this.stopped = true;
    for (const state of this.running.values()) state.stop = true;
    this.running.clear();
  }

  /** Starts or stops the pollers of a mapping to match what is stored. */
  sync(id: string): void {
    const row = this.c.store.getMapping(id);
    const enabled = row && (JSON.parse(row.config) as StoredMapping).State === 'Enabled';
    const state = this.running.get(id);
    if (!enabled || this.stopped) {
      if (state) state.stop = true;
      this.running.delete(id);
      return;
    }
    if (!state) {
      const fresh = { stop: false, pollers: 0 };
      this.running.set(id, fresh);
      this.spawn(id, fresh);
    }
  }

  private spawn(id: string, state: { stop: boolean; pollers: number; session?: RoleSession }): void {
    state.pollers++;
    void this.poll(id, state).finally(() => state.pollers--);
  }

  private async poll(id: string, state: { stop: boolean; pollers: number; session?: RoleSession }): Promise<void> {
    while (!state.stop) {
      const row = this.c.store.getMapping(id);
      if (!row) return;
      const config = JSON.parse(row.config) as StoredMapping;
      try {
        const full = await this.batch(row, config, state);
        const max = Math.min(config.ScalingConfig?.MaximumConcurrency ?? DEFAULT_MAX_POLLERS, DEFAULT_MAX_POLLERS);
        if (full && state.pollers < max && !state.stop) this.spawn(id, state);
        else if (!full && state.pollers > 1) return;
      } catch (err) {
        this.c.rt.log.debug({ err, mapping: id }, 'Lambda event source mapping poll failed');
        await new Promise((resolve) => setTimeout(resolve, ERROR_BACKOFF_MS).unref());
      }
    }
  }

  /** One batch: gathered, invoked and deleted; answers whether it was full (more may be waiting). */
  private async batch(row: MappingRow, config: StoredMapping, state: { stop: boolean; session?: RoleSession }): Promise<boolean> {
    const scope = { account: row.account, region: row.region };
    const target = invocationTarget(this.c, resolveFunction(this.c, config.FunctionName, config.Qualifier, scope));
    if (!state.session || state.session.expiresAt < this.c.rt.clock.now() + 120_000) state.session = await assumeExecutionRole(this.c.rt, target);
    const caller: InProcessCaller = { principal: state.session.principal, region: row.region };
    const queueArn = config.EventSourceArn!;
    const parts = parseArn(queueArn)!;
    const queueUrl = `${this.c.rt.endpoint()}/${parts.account}/${parts.resource}`;
    const size = config.BatchSize ?? DEFAULT_BATCH;
    const windowEnds = this.c.rt.clock.now() + (config.MaximumBatchingWindowInSeconds ?? 0) * 1000;
    const messages: Message[] = [];
    do {
      const waitSeconds = messages.length === 0 ? 20 : Math.max(0, Math.ceil((windowEnds - this.c.rt.clock.now()) / 1000));
      const { Messages } = await this.c.rt.call(
        'sqs',
        'ReceiveMessage',
        { QueueUrl: queueUrl, MaxNumberOfMessages: Math.min(10, size - messages.length), WaitTimeSeconds: Math.min(20, waitSeconds), AttributeNames: ['All'], MessageAttributeNames: ['All'] },
        caller,
      );
      if (state.stop) return false;
      messages.push(...(Messages ?? []));
      if (!Messages?.length && messages.length > 0) break;
    } while (messages.length < size && (messages.length === 0 || this.c.rt.clock.now() < windowEnds));
    if (messages.length === 0) return false;
    const trace = traceFor(undefined, scope, config.FunctionName, this.c.rt.clock.now());
    const result = await runInvocation(this.c, target, Buffer.from(JSON.stringify(sqsEvent(messages, queueArn, row.region))), uuid(), trace.header).catch(() => undefined);
    let done = messages;
    if (!result || result.functionError) done = [];
    else if (config.FunctionResponseTypes?.includes('ReportBatchItemFailures')) {
      const failed = batchItemFailures(result.payload);
      done = failed === undefined ? [] : messages.filter((m) => !failed.includes(m.MessageId!));
    }
    for (let i = 0; i < done.length; i += 10) {
      const entries = done.slice(i, i + 10).map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle! }));
      await this.c.rt.call('sqs', 'DeleteMessageBatch', { QueueUrl: queueUrl, Entries: entries }, caller);
    }
    return messages.length >= size;
  }
}
