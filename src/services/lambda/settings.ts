/**
 * A function's settings beside its configuration: tags, reserved concurrency (and the account's
 * settings it is checked against), the recursive-loop setting, and the event-invoke configs that
 * asynchronous invocation reads (retries, maximum event age, destinations).
 */
import type {
  Concurrency,
  DeleteFunctionConcurrencyRequest,
  DeleteFunctionEventInvokeConfigRequest,
  DestinationConfig,
  FunctionEventInvokeConfig,
  GetAccountSettingsResponse,
  GetFunctionConcurrencyRequest,
  GetFunctionConcurrencyResponse,
  GetFunctionEventInvokeConfigRequest,
  GetFunctionRecursionConfigRequest,
  GetFunctionRecursionConfigResponse,
  ListFunctionEventInvokeConfigsRequest,
  ListFunctionEventInvokeConfigsResponse,
  ListTagsRequest,
  ListTagsResponse,
  PutFunctionConcurrencyRequest,
  PutFunctionEventInvokeConfigRequest,
  PutFunctionRecursionConfigRequest,
  PutFunctionRecursionConfigResponse,
  TagResourceRequest,
  UntagResourceRequest,
  UpdateFunctionEventInvokeConfigRequest,
} from '@aws-sdk/client-lambda';
import { parseArn } from '../../core/arn.js';
import type { RequestContext } from '../../protocol/types.js';
import { functionArn, invalidParameter, type LambdaContext, notFound, scopeOf } from './common.js';
import { ACCOUNT_CONCURRENCY } from './engine/engine.js';
import { findFunction, resolveFunction, tagsOf } from './resolve.js';

/** Reserved concurrency may not leave fewer unreserved executions than this. */
const MIN_UNRESERVED = 100;
const MAX_TAGS = 50;

/** The function a taggable ARN names (functions only: Drydock has no code signing configs or capacity providers). */
function taggedFunction(c: LambdaContext, resource: string, ctx: RequestContext) {
  const parts = parseArn(resource);
  const m = parts && /^function:([^:]+)$/.exec(parts.resource);
  if (!parts || !m) throw invalidParameter(`Tags are only supported on functions: ${resource}`);
  const scope = { account: parts.account, region: parts.region };
  if (scope.region !== ctx.region) throw invalidParameter(`Functions from '${scope.region}' are not reachable in this region ('${ctx.region}')`);
  const fn = c.store.getFunction(scope, m[1]);
  if (!fn) throw notFound(`Function not found: ${resource}`);
  return fn;
}

export function tagResource(c: LambdaContext, input: TagResourceRequest, ctx: RequestContext): Record<string, never> {
  c.store.tx(() => {
    const fn = taggedFunction(c, input.Resource!, ctx);
    const tags = { ...tagsOf(fn), ...input.Tags };
    if (Object.keys(tags).length > MAX_TAGS) throw invalidParameter(`The number of tags exceeds the limit of ${MAX_TAGS} tags.`);
    if (Object.keys(input.Tags ?? {}).some((key) => key.toLowerCase().startsWith('aws:'))) throw invalidParameter('Tag keys starting with "aws:" are reserved for AWS use.');
    c.store.setTags(fn, fn.name, tags);
  });
  return {};
}

export function untagResource(c: LambdaContext, input: UntagResourceRequest, ctx: RequestContext): Record<string, never> {
  c.store.tx(() => {
    const fn = taggedFunction(c, input.Resource!, ctx);
    const tags = tagsOf(fn);
    for (const key of input.TagKeys ?? []) delete tags[key];
    c.store.setTags(fn, fn.name, tags);
  });
  return {};
}

export function listTags(c: LambdaContext, input: ListTagsRequest, ctx: RequestContext): ListTagsResponse {
  return { Tags: tagsOf(taggedFunction(c, input.Resource!, ctx)) };
}

export function getAccountSettings(c: LambdaContext, _input: object, ctx: RequestContext): GetAccountSettingsResponse {
  const scope = scopeOf(ctx);
  return {
    AccountLimit: {
      TotalCodeSize: 80_530_636_800,
      CodeSizeUnzipped: 262_144_000,
      CodeSizeZipped: 52_428_800,
      ConcurrentExecutions: ACCOUNT_CONCURRENCY,
      UnreservedConcurrentExecutions: ACCOUNT_CONCURRENCY - c.store.reservedTotal(scope),
    },
    AccountUsage: { TotalCodeSize: c.store.totalCodeSize(scope), FunctionCount: c.store.functionCount(scope) },
  };
}

export function putFunctionConcurrency(c: LambdaContext, input: PutFunctionConcurrencyRequest, ctx: RequestContext): Concurrency {
  return c.store.tx(() => {
    const { ref, fn } = findFunction(c, input.FunctionName!, undefined, ctx);
    if (ref.qualifier !== undefined) throw invalidParameter('Reserved concurrency is set on the unqualified function.');
    const reserved = input.ReservedConcurrentExecutions!;
    const othersReserved = c.store.reservedTotal(ref) - (fn.reserved_concurrency ?? 0);
    if (ACCOUNT_CONCURRENCY - othersReserved - reserved < MIN_UNRESERVED) {
      throw invalidParameter(`Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${MIN_UNRESERVED}].`);
    }
    c.store.setReservedConcurrency(ref, fn.name, reserved);
    return { ReservedConcurrentExecutions: reserved };
  });
}

export function getFunctionConcurrency(c: LambdaContext, input: GetFunctionConcurrencyRequest, ctx: RequestContext): GetFunctionConcurrencyResponse {
  const { fn } = findFunction(c, input.FunctionName!, undefined, ctx);
  return fn.reserved_concurrency === null ? {} : { ReservedConcurrentExecutions: fn.reserved_concurrency };
}

export function deleteFunctionConcurrency(c: LambdaContext, input: DeleteFunctionConcurrencyRequest, ctx: RequestContext): Record<string, never> {
  c.store.tx(() => {
    const { ref, fn } = findFunction(c, input.FunctionName!, undefined, ctx);
    c.store.setReservedConcurrency(ref, fn.name, null);
  });
  return {};
}

export function getFunctionRecursionConfig(c: LambdaContext, input: GetFunctionRecursionConfigRequest, ctx: RequestContext): GetFunctionRecursionConfigResponse {
  const { fn } = findFunction(c, input.FunctionName!, undefined, ctx);
  return { RecursiveLoop: fn.recursion as GetFunctionRecursionConfigResponse['RecursiveLoop'] };
}

export function putFunctionRecursionConfig(c: LambdaContext, input: PutFunctionRecursionConfigRequest, ctx: RequestContext): PutFunctionRecursionConfigResponse {
  return c.store.tx(() => {
    const { ref, fn } = findFunction(c, input.FunctionName!, undefined, ctx);
    c.store.setRecursion(ref, fn.name, input.RecursiveLoop!);
    return { RecursiveLoop: input.RecursiveLoop };
  });
}

/** Destinations must be ARNs of a queue, topic, function, event bus or bucket. */
function checkDestinations(destinations: DestinationConfig | undefined): void {
  for (const destination of [destinations?.OnSuccess?.Destination, destinations?.OnFailure?.Destination]) {
    if (destination === undefined) continue;
    const service = parseArn(destination)?.service;
    if (!service || !['sqs', 'sns', 'lambda', 'events', 's3'].includes(service)) {
      throw invalidParameter(`The provided destination config DestinationConfig(onSuccess=null, onFailure=OnFailure(destination=${destination})) is invalid.`);
    }
  }
}

function invokeConfigView(row: { account: string; region: string; function_name: string; qualifier: string; config: string; modified: number }): FunctionEventInvokeConfig {
  return { ...(JSON.parse(row.config) as FunctionEventInvokeConfig), FunctionArn: functionArn(row, row.function_name, row.qualifier || undefined), LastModified: new Date(row.modified) };
}

type InvokeConfigInput = PutFunctionEventInvokeConfigRequest | UpdateFunctionEventInvokeConfigRequest;

function writeInvokeConfig(c: LambdaContext, input: InvokeConfigInput, ctx: RequestContext, merge: boolean): FunctionEventInvokeConfig {
  return c.store.tx(() => {
    const { ref, fn } = resolveFunction(c, input.FunctionName!, input.Qualifier, ctx);
    const key = ref.qualifier ?? '';
    const previous = c.store.getInvokeConfig(ref, fn.name, key);
    if (merge && !previous) throw notFound(`The function ${functionArn(ref, fn.name, ref.qualifier)} doesn't have an EventInvokeConfig`);
    checkDestinations(input.DestinationConfig);
    const base = merge && previous ? (JSON.parse(previous.config) as FunctionEventInvokeConfig) : {};
    const config: FunctionEventInvokeConfig = {
      ...base,
      ...(input.MaximumRetryAttempts !== undefined ? { MaximumRetryAttempts: input.MaximumRetryAttempts } : {}),
      ...(input.MaximumEventAgeInSeconds !== undefined ? { MaximumEventAgeInSeconds: input.MaximumEventAgeInSeconds } : {}),
      DestinationConfig: { ...base.DestinationConfig, ...input.DestinationConfig },
    };
    const now = c.rt.clock.now();
    c.store.putInvokeConfig(ref, fn.name, key, JSON.stringify(config), now);
    return invokeConfigView({ account: ref.account, region: ref.region, function_name: fn.name, qualifier: key, config: JSON.stringify(config), modified: now });
  });
}

export function putFunctionEventInvokeConfig(c: LambdaContext, input: PutFunctionEventInvokeConfigRequest, ctx: RequestContext): FunctionEventInvokeConfig {
  return writeInvokeConfig(c, input, ctx, false);
}

export function updateFunctionEventInvokeConfig(c: LambdaContext, input: UpdateFunctionEventInvokeConfigRequest, ctx: RequestContext): FunctionEventInvokeConfig {
  return writeInvokeConfig(c, input, ctx, true);
}

export function getFunctionEventInvokeConfig(c: LambdaContext, input: GetFunctionEventInvokeConfigRequest, ctx: RequestContext): FunctionEventInvokeConfig {
  const { ref, fn } = resolveFunction(c, input.FunctionName!, input.Qualifier, ctx);
  const row = c.store.getInvokeConfig(ref, fn.name, ref.qualifier ?? '');
  if (!row) throw notFound(`The function ${functionArn(ref, fn.name, ref.qualifier)} doesn't have an EventInvokeConfig`);
  return invokeConfigView(row);
}

export function deleteFunctionEventInvokeConfig(c: LambdaContext, input: DeleteFunctionEventInvokeConfigRequest, ctx: RequestContext): Record<string, never> {
  c.store.tx(() => {
    const { ref, fn } = resolveFunction(c, input.FunctionName!, input.Qualifier, ctx);
    if (!c.store.getInvokeConfig(ref, fn.name, ref.qualifier ?? '')) throw notFound(`The function ${functionArn(ref, fn.name, ref.qualifier)} doesn't have an EventInvokeConfig`);
    c.store.deleteInvokeConfig(ref, fn.name, ref.qualifier ?? '');
  });
  return {};
}

export function listFunctionEventInvokeConfigs(c: LambdaContext, input: ListFunctionEventInvokeConfigsRequest, ctx: RequestContext): ListFunctionEventInvokeConfigsResponse {
  const { ref, fn } = findFunction(c, input.FunctionName!, undefined, ctx);
  return { FunctionEventInvokeConfigs: c.store.invokeConfigs(ref, fn.name).map((row) => invokeConfigView(row)) };
}
