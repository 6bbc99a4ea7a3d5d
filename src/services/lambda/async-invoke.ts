/**
 * Asynchronous invocation (InvocationType Event, and services invoking that way): each event is a
 * durable job, so an accepted event survives a kill -9. A function error is retried up to the
 * function's MaximumRetryAttempts (2 by default) after 1 and then 2 minutes of Drydock time; a
 * throttled invocation (concurrency exhausted) is retried with backoff; an event older than
 * MaximumEventAgeInSeconds (6 hours by default) is dropped. The outcome goes where AWS sends it: the
 * on-success or on-failure destination (SQS, SNS, Lambda, EventBridge) as an invocation record,
 * and a failed event to the function's dead-letter queue (SQS or SNS) with AWS's attributes, both
 * sent with the execution role's permissions.
 */
import type { FunctionEventInvokeConfig } from '@aws-sdk/client-lambda';
import { type Principal, servicePrincipal } from '../../core/accounts.js';
import { parseArn } from '../../core/arn.js';
import type { Job } from '../../core/jobs.js';
import type { InProcessCaller } from '../contracts.js';
import { functionArn, LATEST, type LambdaContext } from './common.js';
import type { InvokeResult } from './engine/engine.js';
import { assumeExecutionRole, type InvocationTarget } from './engine/launch.js';
import { invocationTarget, runInvocation } from './invoke.js';
import { type Resolved, resolveFunction } from './resolve.js';

export const ASYNC_INVOKE_JOB = 'lambda:invoke-async';

const DEFAULT_RETRIES = 2;
const DEFAULT_MAX_AGE_SECONDS = 21_600;
/** Delays before the first and second retry of a function error (AWS: one minute, then two). */
const RETRY_DELAYS_MS = [60_000, 120_000];
/** Backoff for throttled or failing-to-start invocations, doubled each time up to five minutes. */
const THROTTLE_BACKOFF_MS = 1_000;
const MAX_THROTTLE_BACKOFF_MS = 300_000;

interface AsyncPayload {
  account: string;
  region: string;
  name: string;
  qualifier?: string;
  requestId: string;
  /** The event, base64. */
  event: string;
  traceId: string;
  /** Drydock time the event was accepted. */
  acceptedAt: number;
  /** Invocations that ran so far (function errors count; throttles do not). */
  invocations: number;
  throttles: number;
  /** Recursive loop detection stopped the event when it was accepted. */
  recursive: boolean;
}

/** Queues an event for asynchronous invocation; call inside the request's transaction. */
export function queueAsyncInvocation(c: LambdaContext, resolved: Resolved, event: Buffer, requestId: string, traceId: string, recursive: boolean): void {
  const payload: AsyncPayload = {
    account: resolved.fn.account,
    region: resolved.fn.region,
    name: resolved.fn.name,
    qualifier: resolved.ref.qualifier,
    requestId,
    event: event.toString('base64'),
    traceId,
    acceptedAt: c.rt.clock.now(),
    invocations: 0,
    throttles: 0,
    recursive,
  };
  c.rt.jobs.enqueue(ASYNC_INVOKE_JOB, payload);
}

/** The function's event-invoke config for the qualifier invoked (or the unqualified one). */
function invokeConfigOf(c: LambdaContext, payload: AsyncPayload): FunctionEventInvokeConfig {
  const row = c.store.getInvokeConfig(payload, payload.name, payload.qualifier ?? '') ?? (payload.qualifier === LATEST ? c.store.getInvokeConfig(payload, payload.name, '') : undefined);
  return row ? (JSON.parse(row.config) as FunctionEventInvokeConfig) : {};
}

type Condition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded' | 'RecursiveInvocationException';

export function asyncInvocationJob(c: LambdaContext): (job: Job) => Promise<void> {
  return async (job) => {
    const payload = job.payload as AsyncPayload;
    if (!c.store.getFunction(payload, payload.name)) return;
    const config = invokeConfigOf(c, payload);
    const maxAgeMs = (config.MaximumEventAgeInSeconds ?? DEFAULT_MAX_AGE_SECONDS) * 1000;
    const event = Buffer.from(payload.event, 'base64');
    if (payload.recursive) return finish(c, payload, event, 'RecursiveInvocationException', undefined, config);
    if (c.rt.clock.now() - payload.acceptedAt > maxAgeMs) return finish(c, payload, event, 'EventAgeExceeded', undefined, config);
    let target: InvocationTarget;
    let result: InvokeResult;
    try {
      target = invocationTarget(c, resolveFunction(c, payload.name, payload.qualifier, { account: payload.account, region: payload.region }));
      result = await runInvocation(c, target, event, payload.requestId, payload.traceId);
    } catch (err) {
      // Throttled, not ready or failing to start: retried with backoff until the event is too old.
      c.rt.log.debug({ err, function: payload.name }, 'Lambda asynchronous invocation could not run; retrying');
      const delay = Math.min(MAX_THROTTLE_BACKOFF_MS, THROTTLE_BACKOFF_MS * 2 ** payload.throttles);
      c.store.tx(() => c.rt.jobs.enqueue(ASYNC_INVOKE_JOB, { ...payload, throttles: payload.throttles + 1 } satisfies AsyncPayload, delay));
      return;
    }
    const invocations = payload.invocations + 1;
    if (!result.functionError) return finish(c, { ...payload, invocations }, event, 'Success', { target, result }, config);
    const retries = config.MaximumRetryAttempts ?? DEFAULT_RETRIES;
    const delay = RETRY_DELAYS_MS[Math.min(invocations - 1, RETRY_DELAYS_MS.length - 1)];
    if (invocations <= retries && c.rt.clock.now() + delay - payload.acceptedAt <= maxAgeMs) {
      c.store.tx(() => c.rt.jobs.enqueue(ASYNC_INVOKE_JOB, { ...payload, invocations } satisfies AsyncPayload, delay));
      return;
    }
    const condition = invocations <= retries ? 'EventAgeExceeded' : 'RetriesExhausted';
    return finish(c, { ...payload, invocations }, event, condition, { target, result }, config);
  };
}

/** Sends the outcome to the destination (and a failed event to the dead-letter queue). */
async function finish(
  c: LambdaContext,
  payload: AsyncPayload,
  event: Buffer,
  condition: Condition,
  ran: { target: InvocationTarget; result: InvokeResult } | undefined,
  config: FunctionEventInvokeConfig,
): Promise<void> {
  const destination = condition === 'Success' ? config.DestinationConfig?.OnSuccess?.Destination : config.DestinationConfig?.OnFailure?.Destination;
  let target: InvocationTarget;
  try {
    target = ran?.target ?? invocationTarget(c, resolveFunction(c, payload.name, payload.qualifier, payload));
  } catch {
    return;
  }
  const caller = await roleCaller(c, target);
  if (destination) {
    const record = invocationRecord(payload, event, condition, ran, c.rt.clock.now());
    await deliver(c, destination, record, condition === 'Success', caller);
  }
  const deadLetter = target.config.DeadLetterConfig?.TargetArn;
  if (condition !== 'Success' && deadLetter) await deadLetterEvent(c, deadLetter, event, payload, ran?.result, caller);
}

/** Who destinations are written as: the execution role (AWS uses its permissions), else Lambda itself. */
async function roleCaller(c: LambdaContext, target: InvocationTarget): Promise<InProcessCaller> {
  let principal: Principal;
  try {
    principal = (await assumeExecutionRole(c.rt, target)).principal;
  } catch {
    principal = servicePrincipal(target.scope.account, 'lambda.amazonaws.com');
  }
  return { principal, region: target.scope.region, sourceArn: functionArn(target.scope, target.functionName), sourceAccount: target.scope.account };
}

function invocationRecord(payload: AsyncPayload, event: Buffer, condition: Condition, ran: { target: InvocationTarget; result: InvokeResult } | undefined, now: number) {
  const parse = (buffer: Buffer) => {
    try {
      return JSON.parse(buffer.toString('utf8')) as unknown;
    } catch {
      return buffer.toString('utf8');
    }
  };
  return {
    version: '1.0',
    timestamp: new Date(now).toISOString(),
    requestContext: {
      requestId: payload.requestId,
      functionArn: functionArn(payload, payload.name, payload.qualifier ?? LATEST),
      condition,
      approximateInvokeCount: payload.invocations,
    },
    requestPayload: parse(event),
    ...(ran
      ? {
          responseContext: { statusCode: 200, executedVersion: ran.target.version, ...(ran.result.functionError ? { functionError: ran.result.functionError } : {}) },
          responsePayload: parse(ran.result.payload),
        }
      : {}),
  };
}

/** An SQS queue URL for a queue ARN: SQS reads the account and name from the path, whatever the host. */
function queueUrl(c: LambdaContext, queueArn: string): string {
  const parts = parseArn(queueArn)!;
  return `${c.rt.endpoint()}/${parts.account}/${parts.resource}`;
}

async function deliver(c: LambdaContext, destination: string, record: object, success: boolean, caller: InProcessCaller): Promise<void> {
  const service = parseArn(destination)?.service;
  const body = JSON.stringify(record);
  try {
    if (service === 'sqs') await c.rt.invoke({ service: 'sqs', operation: 'SendMessage', input: { QueueUrl: queueUrl(c, destination), MessageBody: body } }, caller);
    else if (service === 'sns') await c.rt.invoke({ service: 'sns', operation: 'Publish', input: { TopicArn: destination, Message: body } }, caller);
    else if (service === 'lambda') await c.rt.invoke({ service: 'lambda', operation: 'Invoke', input: { FunctionName: destination, InvocationType: 'Event', Payload: Buffer.from(body) } }, caller);
    else if (service === 'events') {
      const entry = { Source: 'lambda', DetailType: `Lambda Function Invocation Result - ${success ? 'Success' : 'Failure'}`, Detail: body, EventBusName: destination };
      await c.rt.invoke({ service: 'events', operation: 'PutEvents', input: { Entries: [entry] } }, caller);
    }
  } catch (err) {
    c.rt.log.warn({ err, destination }, 'Lambda could not deliver an asynchronous invocation record to its destination');
  }
}

async function deadLetterEvent(c: LambdaContext, target: string, event: Buffer, payload: AsyncPayload, result: InvokeResult | undefined, caller: InProcessCaller): Promise<void> {
  let errorMessage = 'The invocation did not run.';
  if (result) {
    try {
      errorMessage = String((JSON.parse(result.payload.toString('utf8')) as { errorMessage?: unknown }).errorMessage ?? errorMessage);
    } catch {
      errorMessage = result.payload.toString('utf8');
    }
  }
  const attributes = {
    RequestID: { DataType: 'String', StringValue: payload.requestId },
    ErrorCode: { DataType: 'Number', StringValue: '200' },
    ErrorMessage: { DataType: 'String', StringValue: errorMessage.slice(0, 1000) },
  };
  const service = parseArn(target)?.service;
  try {
    if (service === 'sqs') {
      await c.rt.invoke({ service: 'sqs', operation: 'SendMessage', input: { QueueUrl: queueUrl(c, target), MessageBody: event.toString('utf8'), MessageAttributes: attributes } }, caller);
    } else if (service === 'sns') {
      await c.rt.invoke({ service: 'sns', operation: 'Publish', input: { TopicArn: target, Message: event.toString('utf8'), MessageAttributes: attributes } }, caller);
    }
  } catch (err) {
    c.rt.log.warn({ err, target }, 'Lambda could not send a failed event to its dead-letter queue');
  }
}
