/**
 * Invoke: RequestResponse runs the function now and answers its payload (with X-Amz-Function-Error,
 * the LogResult tail and X-Amz-Executed-Version, an alias's weights deciding the version); Event
 * queues the invocation as a durable job (async-invoke.ts) and answers 202; DryRun checks and
 * answers 204. Payloads are checked as AWS checks them (size, JSON). Recursive loops are caught as
 * AWS catches them: the X-Amzn-Trace-Id an invocation gets carries a lineage count per function
 * (the AWS SDK in the function forwards it on its own calls), and the 17th invocation of one chain
 * is stopped with RecursiveInvocationException unless the function's recursion config allows loops.
 */
import { createHash } from 'node:crypto';
import type { InvocationRequest, InvocationResponse } from '@aws-sdk/client-lambda';
import type { Scope } from '../../core/accounts.js';
import { hex, uuid } from '../../core/ids.js';
import type { RequestContext } from '../../protocol/types.js';
import { queueAsyncInvocation } from './async-invoke.js';
import { conflict, functionArn, type LambdaContext, lambdaError } from './common.js';
import type { InvokeResult } from './engine/engine.js';
import type { InvocationTarget } from './engine/launch.js';
import { pickAliasVersion, type Resolved, readConfig, resolveFunction } from './resolve.js';

/** Largest synchronous and asynchronous request payloads (6 MB and 1 MB). */
const MAX_SYNC_PAYLOAD = 6_291_456;
const MAX_ASYNC_PAYLOAD = 1_048_576;
/** The invocation of one chain after which AWS stops a recursive loop. */
const MAX_RECURSION = 16;
const LOG_TAIL_BYTES = 4096;

/** The version an invocation runs, with everything the engine needs to run it. */
export function invocationTarget(c: LambdaContext, resolved: Resolved): InvocationTarget {
  const { fn, ref, alias } = resolved;
  const version = alias ? (c.store.getVersion(ref, fn.name, pickAliasVersion(alias)) ?? resolved.version) : resolved.version;
  const config = readConfig(version);
  checkRunnable(config.State, config.StateReasonCode, config.StateReason);
  // Only .zip functions become Active here (container images fail to activate), so code is stored.
  if (!version.code_blob) throw conflict('The operation cannot be performed at this time. The function has no code package.');
  const layers = (config.Layers ?? []).flatMap((layer) => {
    const parts = (layer.Arn ?? '').split(':');
    const row = c.store.getLayerVersion({ region: parts[3], account: parts[4] }, parts[6], Number(parts[7]));
    return row ? [{ blob: row.code_blob, sha: row.code_sha }] : [];
  });
  return {
    scope: { account: fn.account, region: fn.region },
    functionName: fn.name,
    version: version.version,
    config,
    code: { blob: version.code_blob, sha: version.code_sha },
    layers,
    reservedConcurrency: fn.reserved_concurrency,
    invokedArn: functionArn(fn, fn.name, ref.qualifier),
  };
}

/** Refuses to invoke a version that is not Active, with the error AWS answers for its state. */
function checkRunnable(state: string | undefined, reasonCode: string | undefined, reason: string | undefined): void {
  if (state === 'Active' || state === undefined) return;
  if (state === 'Failed' && reasonCode === 'InvalidRuntime') throw lambdaError('InvalidRuntimeException', reason ?? 'The runtime is not supported.');
  throw conflict(`The operation cannot be performed at this time. The function is currently in the following state: ${state}`);
}

/** Checks the payload is JSON, as Lambda does before it runs anything. */
function checkPayload(payload: Buffer): void {
  if (payload.length === 0) return;
  try {
    JSON.parse(payload.toString('utf8'));
  } catch (err) {
    throw lambdaError('InvalidRequestContentException', `Could not parse request body into json: Could not parse payload into json: ${(err as Error).message}`);
  }
}

function clientContextOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const text = Buffer.from(header, 'base64').toString('utf8');
  try {
    if (typeof JSON.parse(text) !== 'object') throw new Error('not an object');
  } catch {
    throw lambdaError('InvalidRequestContentException', 'Client context must be a valid Base64-encoded JSON object.');
  }
  return text;
}

/** The lineage key AWS's trace header gives a function. */
function lineageKey(scope: Scope, name: string): string {
  return createHash('sha256').update(functionArn(scope, name)).digest('hex').slice(0, 8);
}

/**
 * The trace header the invocation gets: the caller's root (or a new one) and its lineage with this
 * function's count raised by one; `loop` when that count passes AWS's limit.
 */
export function traceFor(incoming: string | undefined, scope: Scope, name: string, now: number): { header: string; loop: boolean } {
  const fields = new Map<string, string>();
  for (const part of (incoming ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  const root = fields.get('Root') ?? `1-${Math.floor(now / 1000).toString(16)}-${hex(12)}`;
  const key = lineageKey(scope, name);
  const lineage = new Map<string, number>();
  for (const entry of (fields.get('Lineage') ?? '').split('|')) {
    const [k, count] = entry.split(':');
    if (k && /^\d+$/.test(count ?? '')) lineage.set(k, Number(count));
  }
  const count = (lineage.get(key) ?? 0) + 1;
  lineage.set(key, count);
  const header = `Root=${root};Parent=${hex(8)};Sampled=0;Lineage=${[...lineage].map(([k, n]) => `${k}:${n}`).join('|')}`;
  return { header, loop: count > MAX_RECURSION };
}

/** Runs one synchronous invocation of the target (the engine checks concurrency). */
export function runInvocation(c: LambdaContext, target: InvocationTarget, payload: Buffer, requestId: string, traceId: string, clientContext?: string): Promise<InvokeResult> {
  return c.engine.invoke(target, { requestId, payload: payload.length ? payload : Buffer.from('{}'), traceId, clientContext }, c.store.reservedTotal(target.scope));
}

export async function invoke(c: LambdaContext, input: InvocationRequest, ctx: RequestContext): Promise<InvocationResponse> {
  const resolved = resolveFunction(c, input.FunctionName!, input.Qualifier, ctx);
  const type = input.InvocationType ?? 'RequestResponse';
  const payload = Buffer.from(input.Payload ?? new Uint8Array());
  const limit = type === 'Event' ? MAX_ASYNC_PAYLOAD : MAX_SYNC_PAYLOAD;
  if (payload.length > limit) throw lambdaError('RequestTooLargeException', `Request must be smaller than ${limit} bytes for the InvokeFunction operation`);
  checkPayload(payload);
  const clientContext = clientContextOf(input.ClientContext);
  const target = invocationTarget(c, resolved);
  if (type === 'DryRun') return { StatusCode: 204 };
  const trace = traceFor(ctx.http.headers['x-amzn-trace-id'], target.scope, target.functionName, c.rt.clock.now());
  const loopsAllowed = resolved.fn.recursion === 'Allow';
  if (type === 'Event') {
    c.store.tx(() => queueAsyncInvocation(c, resolved, payload, ctx.requestId, trace.header, trace.loop && !loopsAllowed));
    return { StatusCode: 202 };
  }
  if (trace.loop && !loopsAllowed) {
    throw lambdaError('RecursiveInvocationException', "Lambda has detected your function being invoked in a recursive loop with other AWS resources and stopped your function's invocation.");
  }
  const result = await runInvocation(c, target, payload, ctx.requestId || uuid(), trace.header, clientContext);
  const log = Buffer.from(result.log);
  return {
    StatusCode: 200,
    Payload: result.payload,
    ExecutedVersion: target.version,
    ...(result.functionError ? { FunctionError: result.functionError } : {}),
    ...(input.LogType === 'Tail' ? { LogResult: log.subarray(Math.max(0, log.length - LOG_TAIL_BYTES)).toString('base64') } : {}),
  };
}
