/**
 * What every Lambda handler file shares: the service context, AWS's error shapes (every Lambda
 * error body carries `Type: User`), function names in all the forms AWS accepts (name, name with
 * qualifier, partial ARN, full ARN), ARNs and Lambda's timestamp format.
 */
import type { Scope } from '../../core/accounts.js';
import { arn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import type { Runtime } from '../contracts.js';
import type { Engine } from './engine/engine.js';
import type { MappingPollers } from './mappings.js';
import type { LambdaStore } from './store.js';

export interface LambdaContext {
  store: LambdaStore;
  rt: Runtime;
  /** Execution environments and the invocations they run. */
  engine: Engine;
  /** Signs the code download links GetFunction answers with (valid while this server runs). */
  signingKey: Buffer;
  /** The pollers of the event source mappings. */
  pollers: MappingPollers;
}

export const LATEST = '$LATEST';

/** Shapes whose message member is `Message` rather than `message` (the SDK reads that member). */
const CAPITALISED_MESSAGE = new Set(['ResourceNotFoundException', 'ServiceException', 'InvalidZipFileException', 'InvalidRuntimeException', 'RecursiveInvocationException']);

/** A Lambda error: AWS's code and message, with the `Type` AWS puts in every error body. */
export function lambdaError(code: string, message: string, extra: Record<string, string> = {}): AwsError {
  return new AwsError(code, message, { fields: { Type: 'User', ...(CAPITALISED_MESSAGE.has(code) ? { Message: message } : {}), ...extra } });
}

export function invalidParameter(message: string): AwsError {
  return lambdaError('InvalidParameterValueException', message);
}

export function notFound(message: string): AwsError {
  return lambdaError('ResourceNotFoundException', message);
}

export function conflict(message: string): AwsError {
  return lambdaError('ResourceConflictException', message);
}

export function revisionMismatch(what: 'GetFunction' | 'GetAlias' | 'GetPolicy'): AwsError {
  return lambdaError('PreconditionFailedException', `The Revision Id provided does not match the latest Revision Id. Call the ${what} API to retrieve the latest Revision Id`);
}

export function scopeOf(ctx: Pick<RequestContext, 'account' | 'region'>): Scope {
  return { account: ctx.account, region: ctx.region };
}

export function functionArn(scope: Scope, name: string, qualifier?: string): string {
  return arn('lambda', scope.region, scope.account, `function:${name}${qualifier ? `:${qualifier}` : ''}`);
}

export function layerArn(scope: Scope, name: string, version?: number): string {
  return arn('lambda', scope.region, scope.account, `layer:${name}${version === undefined ? '' : `:${version}`}`);
}

const LAYER_ARN = /^arn:[a-zA-Z0-9-]+:lambda:([a-zA-Z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+)$/;

/** The layer a LayerName names: a bare name is one of the request's account and Region, a layer ARN (which every LayerName member accepts) names its own. */
export function layerOf(layerName: string, ctx: Pick<RequestContext, 'account' | 'region'>): { scope: Scope; name: string } {
  const match = LAYER_ARN.exec(layerName);
  return match ? { scope: { region: match[1]!, account: match[2]! }, name: match[3]! } : { scope: scopeOf(ctx), name: layerName };
}

/** Lambda's timestamps: ISO 8601 with milliseconds and a `+0000` offset (`2024-01-02T03:04:05.678+0000`). */
export function lambdaTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** A function named in a request: its account, region, name and the qualifier the name or the Qualifier member gave. */
export interface FunctionRef extends Scope {
  name: string;
  qualifier?: string;
}

const FUNCTION_NAME = /^(?:arn:(?:aws[a-zA-Z-]*)?:lambda:([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):(\d{12}):function:|(\d{12}):function:)?([a-zA-Z0-9_.-]+)(?::(\$LATEST|[a-zA-Z0-9_-]+))?$/;

/**
 * The function a FunctionName names, in any of AWS's forms: `my-function`, `my-function:v1`,
 * `123456789012:function:my-function` or the full ARN, each with an optional qualifier. A Qualifier
 * member that disagrees with the name's, or an ARN of another region, is refused as AWS refuses them.
 */
export function parseFunctionName(text: string, qualifier: string | undefined, ctx: Pick<RequestContext, 'account' | 'region'>): FunctionRef {
  const m = FUNCTION_NAME.exec(text);
  if (!m) throw invalidParameter(`1 validation error detected: Value '${text}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern`);
  const [, region, arnAccount, partialAccount, name, named] = m;
  if (region && region !== ctx.region) throw invalidParameter(`Functions from '${region}' are not reachable in this region ('${ctx.region}')`);
  if (named !== undefined && qualifier !== undefined && named !== qualifier) throw invalidParameter('The derived qualifier from the function name does not match the specified qualifier.');
  return { account: arnAccount ?? partialAccount ?? ctx.account, region: ctx.region, name, qualifier: named ?? qualifier };
}

/** What the error messages name: the function's ARN, with the qualifier when there is one. */
function describeRef(ref: FunctionRef): string {
  return functionArn(ref, ref.name, ref.qualifier);
}

export function functionNotFound(ref: FunctionRef): AwsError {
  return notFound(`Function not found: ${describeRef(ref)}`);
}
