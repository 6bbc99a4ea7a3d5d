/**
 * A function's configuration as CreateFunction and UpdateFunctionConfiguration take it: AWS's
 * defaults, and AWS's refusals (deprecated runtimes, reserved or oversized environment variables,
 * timeouts and memory beyond Lambda's limits, layers that do not exist, a role Lambda cannot assume).
 */
import type { CreateFunctionRequest, Environment, LastUpdateStatusReasonCode, UpdateFunctionConfigurationRequest } from '@aws-sdk/client-lambda';
import { type Scope, servicePrincipal } from '../../core/accounts.js';
import { AwsError } from '../../core/errors.js';
import { invalidParameter, type LambdaContext, lambdaTimestamp } from './common.js';
import { LAMBDA_SERVICE, RESERVED_VARIABLES } from './engine/launch.js';
import { deprecatedRuntimeMessage } from './engine/runtimes.js';
import type { StoredConfig } from './store.js';

const MAX_TIMEOUT_SECONDS = 900;
const MAX_MEMORY_MB = 10_240;
const MAX_EPHEMERAL_MB = 10_240;
const MAX_LAYERS = 5;
/** The environment variables of a function, as JSON, may not exceed 4 KB. */
const MAX_ENVIRONMENT_BYTES = 4096;

function validation(message: string): AwsError {
  return new AwsError('ValidationException', message);
}

type ConfigInput = Pick<CreateFunctionRequest, 'Timeout' | 'MemorySize' | 'Environment' | 'Runtime' | 'Layers' | 'EphemeralStorage'>;

/** The checks AWS makes on the members both operations share. */
export function checkConfiguration(input: ConfigInput): void {
  if (input.Timeout !== undefined && input.Timeout > MAX_TIMEOUT_SECONDS) {
    throw validation(`1 validation error detected: Value '${input.Timeout}' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to ${MAX_TIMEOUT_SECONDS}`);
  }
  if (input.MemorySize !== undefined && input.MemorySize > MAX_MEMORY_MB) {
    throw validation(`1 validation error detected: Value '${input.MemorySize}' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to ${MAX_MEMORY_MB}`);
  }
  const ephemeral = input.EphemeralStorage?.Size;
  if (ephemeral !== undefined && (ephemeral < 512 || ephemeral > MAX_EPHEMERAL_MB)) {
    throw validation(`1 validation error detected: Value '${ephemeral}' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value between 512 and ${MAX_EPHEMERAL_MB}`);
  }
  if (input.Runtime) {
    const deprecated = deprecatedRuntimeMessage(input.Runtime);
    if (deprecated) throw invalidParameter(deprecated);
  }
  checkEnvironment(input.Environment);
  if ((input.Layers?.length ?? 0) > MAX_LAYERS) throw invalidParameter(`Cannot reference more than ${MAX_LAYERS} layers.`);
}

function checkEnvironment(environment: Environment | undefined): void {
  const variables = environment?.Variables;
  if (!variables) return;
  const reserved = Object.keys(variables).filter((name) => RESERVED_VARIABLES.has(name));
  if (reserved.length) {
    throw invalidParameter(
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  const measured = JSON.stringify(variables);
  if (Buffer.byteLength(measured) > MAX_ENVIRONMENT_BYTES) {
    throw invalidParameter(`Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured}`);
  }
}

/** The layers a function references, with their sizes; refuses a layer version that does not exist. */
export function resolveLayers(c: LambdaContext, scope: Scope, arns: string[] | undefined): { Arn: string; CodeSize: number }[] {
  return (arns ?? []).map((layerArn) => {
    const m = /^arn:[a-zA-Z0-9-]+:lambda:([a-zA-Z0-9-]+):(\d{12}):layer:([a-zA-Z0-9_-]+):(\d+)$/.exec(layerArn);
    const row = m && c.store.getLayerVersion({ region: m[1], account: m[2] }, m[3], Number(m[4]));
    if (!m || !row || m[1] !== scope.region) throw invalidParameter(`Layer version ${layerArn} does not exist.`);
    return { Arn: layerArn, CodeSize: row.code_size };
  });
}

/** Lambda may assume the role: it exists and trusts lambda.amazonaws.com (checked by asking STS, as AWS does). */
export async function checkRole(c: LambdaContext, scope: Scope, role: string, functionName: string): Promise<void> {
  try {
    await c.rt.call(
      'sts',
      'AssumeRole',
      { RoleArn: role, RoleSessionName: functionName.slice(0, 64), DurationSeconds: 900 },
      { principal: servicePrincipal(scope.account, LAMBDA_SERVICE), region: scope.region },
    );
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    throw invalidParameter('The role defined for the function cannot be assumed by Lambda.');
  }
}

/** A new function's configuration: the request's members with AWS's defaults, Pending until activated. */
export function initialConfiguration(input: CreateFunctionRequest, layers: { Arn: string; CodeSize: number }[], now: number, revision: string): StoredConfig {
  const packageType = input.PackageType ?? 'Zip';
  return {
    ...(packageType === 'Zip' ? { Runtime: input.Runtime, Handler: input.Handler } : {}),
    Role: input.Role,
    Description: input.Description ?? '',
    Timeout: input.Timeout ?? 3,
    MemorySize: input.MemorySize ?? 128,
    LastModified: lambdaTimestamp(now),
    ...(input.Environment?.Variables ? { Environment: { Variables: input.Environment.Variables } } : {}),
    ...(input.DeadLetterConfig?.TargetArn ? { DeadLetterConfig: input.DeadLetterConfig } : {}),
    ...(input.KMSKeyArn ? { KMSKeyArn: input.KMSKeyArn } : {}),
    ...(input.VpcConfig ? { VpcConfig: { SubnetIds: input.VpcConfig.SubnetIds ?? [], SecurityGroupIds: input.VpcConfig.SecurityGroupIds ?? [], VpcId: '' } } : {}),
    TracingConfig: { Mode: input.TracingConfig?.Mode ?? 'PassThrough' },
    ...(layers.length ? { Layers: layers } : {}),
    RevisionId: revision,
    State: 'Pending',
    StateReason: 'The function is being created.',
    StateReasonCode: 'Creating',
    PackageType: packageType,
    ...(packageType === 'Image' ? { ImageUri: input.Code?.ImageUri, ...(input.ImageConfig ? { ImageConfigResponse: { ImageConfig: input.ImageConfig } } : {}) } : {}),
    Architectures: input.Architectures ?? ['x86_64'],
    EphemeralStorage: { Size: input.EphemeralStorage?.Size ?? 512 },
    SnapStart: { ApplyOn: input.SnapStart?.ApplyOn ?? 'None', OptimizationStatus: 'Off' },
    LoggingConfig: {
      LogFormat: input.LoggingConfig?.LogFormat ?? 'Text',
      LogGroup: input.LoggingConfig?.LogGroup ?? `/aws/lambda/${input.FunctionName}`,
      ...(input.LoggingConfig?.ApplicationLogLevel ? { ApplicationLogLevel: input.LoggingConfig.ApplicationLogLevel } : {}),
      ...(input.LoggingConfig?.SystemLogLevel ? { SystemLogLevel: input.LoggingConfig.SystemLogLevel } : {}),
    },
  };
}

/** The configuration after UpdateFunctionConfiguration: what the request sets, over what was. */
export function updatedConfiguration(
  previous: StoredConfig,
  input: UpdateFunctionConfigurationRequest,
  layers: { Arn: string; CodeSize: number }[] | undefined,
  now: number,
  revision: string,
): StoredConfig {
  const next: StoredConfig = { ...previous, LastModified: lambdaTimestamp(now), RevisionId: revision };
  if (input.Role !== undefined) next.Role = input.Role;
  if (input.Handler !== undefined) next.Handler = input.Handler;
  if (input.Runtime !== undefined) next.Runtime = input.Runtime;
  if (input.Description !== undefined) next.Description = input.Description;
  if (input.Timeout !== undefined) next.Timeout = input.Timeout;
  if (input.MemorySize !== undefined) next.MemorySize = input.MemorySize;
  if (input.Environment !== undefined) {
    if (input.Environment.Variables && Object.keys(input.Environment.Variables).length) next.Environment = { Variables: input.Environment.Variables };
    else delete next.Environment;
  }
  if (input.TracingConfig?.Mode) next.TracingConfig = { Mode: input.TracingConfig.Mode };
  if (input.DeadLetterConfig !== undefined) {
    if (input.DeadLetterConfig.TargetArn) next.DeadLetterConfig = input.DeadLetterConfig;
    else delete next.DeadLetterConfig;
  }
  if (input.KMSKeyArn !== undefined) next.KMSKeyArn = input.KMSKeyArn || undefined;
  if (layers !== undefined) {
    if (layers.length) next.Layers = layers;
    else delete next.Layers;
  }
  if (input.EphemeralStorage?.Size !== undefined) next.EphemeralStorage = { Size: input.EphemeralStorage.Size };
  if (input.LoggingConfig !== undefined) next.LoggingConfig = { ...previous.LoggingConfig, ...input.LoggingConfig };
  if (input.SnapStart?.ApplyOn) next.SnapStart = { ApplyOn: input.SnapStart.ApplyOn, OptimizationStatus: 'Off' };
  return inProgress(next);
}

/**
 * A configuration whose update the activation job has yet to finish. AWS reports the reason code
 * `Creating` here although the model's LastUpdateStatusReasonCode does not list it.
 */
export function inProgress(config: StoredConfig): StoredConfig {
  return { ...config, LastUpdateStatus: 'InProgress', LastUpdateStatusReason: 'The function is being created.', LastUpdateStatusReasonCode: 'Creating' as LastUpdateStatusReasonCode };
}
