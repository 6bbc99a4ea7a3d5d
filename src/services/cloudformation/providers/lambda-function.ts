/**
 * AWS::Lambda::Function through CreateFunction, UpdateFunctionConfiguration, UpdateFunctionCode,
 * the concurrency, recursion and tag operations. Ref is the function name; GetAtt Arn and
 * SnapStartResponse(.ApplyOn, .OptimizationStatus). Without FunctionName, AWS names it
 * `<stack>-<LogicalId>-<random>` (at most 64 characters). `Code.ZipFile` becomes index.js or index.py
 * (lambda-inline-code.ts); `Code.ImageUri` makes an image function, which Drydock's Lambda fails with
 * its own reason (see Lambda's Gaps). Like CloudFormation, create and update complete only once the
 * function is Active and its last update Successful. A property removed from the template goes back
 * to Lambda's default.
 *
 * Gaps: RuntimeManagementConfig, FunctionScalingConfig, CapacityProviderConfig, DurableConfig,
 * TenancyConfig and CodeSigningConfigArn fail the resource with 501 (Drydock's Lambda has no
 * operation for them); drift is read for the configuration, concurrency and tags, not the code.
 */
import type { CreateFunctionRequest, FunctionCode, UpdateFunctionConfigurationRequest } from '@aws-sdk/client-lambda';
import { AwsError } from '../../../core/errors.js';
import { coerced, orDelete, tagMap, waitForFunction } from './compute-helpers.js';
import { givenOrIntendedName, integerProp, objectProp, requiredStringProp, sameValue, stringListProp, stringProp, tagChanges, tagListProp, unlessGone } from './foundation-helpers.js';
import { inlineCodePackage } from './lambda-inline-code.js';
import type { CurrentResource, Properties, ProvidedResource, ProviderContext, ResourceProvider } from './types.js';

const NOT_FOUND = 'ResourceNotFoundException';
const MAX_NAME = 64;
const INTEGERS = new Set(['Size']);
const BOOLEANS = new Set(['Ipv6AllowedForDualStack']);

/** The configuration members CloudFormation and Lambda spell alike, each with what Lambda restores when the template drops it. */
const CONFIGURATION: Record<string, unknown> = {
  Description: '',
  Handler: undefined,
  Runtime: undefined,
  Role: undefined,
  Timeout: 3,
  MemorySize: 128,
  Environment: { Variables: {} },
  Layers: [],
  DeadLetterConfig: { TargetArn: '' },
  TracingConfig: { Mode: 'PassThrough' },
  VpcConfig: { SubnetIds: [], SecurityGroupIds: [] },
  EphemeralStorage: { Size: 512 },
  LoggingConfig: { LogFormat: 'Text' },
  ImageConfig: {},
  FileSystemConfigs: [],
  SnapStart: { ApplyOn: 'None' },
};

/** The configuration the template gives, as UpdateFunctionConfiguration and CreateFunction take it. */
function configuration(props: Properties, previous?: Properties): Omit<UpdateFunctionConfigurationRequest, 'FunctionName'> {
  const config: Record<string, unknown> = {};
  for (const [member, fallback] of Object.entries(CONFIGURATION)) {
    if (previous && sameValue(previous[member], props[member])) continue;
    const value = props[member];
    if (member === 'Timeout' || member === 'MemorySize') config[member] = integerProp(props, member) ?? fallback;
    else if (member === 'Layers') config[member] = stringListProp(props, member) ?? fallback;
    else if (value !== undefined) config[member] = coerced(value, INTEGERS, BOOLEANS, member);
    else if (previous && fallback !== undefined) config[member] = fallback;
  }
  if (!previous || !sameValue(previous.KmsKeyArn, props.KmsKeyArn)) {
    const key = stringProp(props, 'KmsKeyArn');
    if (key !== undefined || previous) config.KMSKeyArn = key ?? '';
  }
  return config as Omit<UpdateFunctionConfigurationRequest, 'FunctionName'>;
}

/** `Code` as CreateFunction and UpdateFunctionCode take it. */
async function code(props: Properties): Promise<FunctionCode> {
  const given = objectProp(props, 'Code') ?? {};
  const inline = stringProp(given, 'ZipFile');
  if (inline !== undefined) {
    if (given.S3Bucket !== undefined || given.S3Key !== undefined || given.ImageUri !== undefined) {
      throw new AwsError('InvalidRequest', 'Please do not provide other FunctionCode properties when providing a ZipFile.');
    }
    return { ZipFile: await inlineCodePackage(inline, stringProp(props, 'Runtime')) };
  }
  return {
    S3Bucket: stringProp(given, 'S3Bucket'),
    S3Key: stringProp(given, 'S3Key'),
    S3ObjectVersion: stringProp(given, 'S3ObjectVersion'),
    ImageUri: stringProp(given, 'ImageUri'),
    SourceKMSKeyArn: stringProp(given, 'SourceKMSKeyArn'),
  };
}

async function provided(ctx: ProviderContext, name: string): Promise<ProvidedResource> {
  const config = await ctx.call('lambda', 'GetFunctionConfiguration', { FunctionName: name });
  const snapStart = config.SnapStart ?? { ApplyOn: 'None', OptimizationStatus: 'Off' };
  return {
    physicalId: name,
    attributes: { Arn: config.FunctionArn, SnapStartResponse: snapStart, 'SnapStartResponse.ApplyOn': snapStart.ApplyOn, 'SnapStartResponse.OptimizationStatus': snapStart.OptimizationStatus },
  };
}

/** ReservedConcurrentExecutions and RecursiveLoop, which Lambda sets through their own operations. */
async function applySettings(ctx: ProviderContext, name: string, props: Properties, previous?: Properties): Promise<void> {
  if (!previous || !sameValue(previous.ReservedConcurrentExecutions, props.ReservedConcurrentExecutions)) {
    const reserved = integerProp(props, 'ReservedConcurrentExecutions');
    if (reserved !== undefined) await ctx.call('lambda', 'PutFunctionConcurrency', { FunctionName: name, ReservedConcurrentExecutions: reserved });
    else if (previous) await ctx.call('lambda', 'DeleteFunctionConcurrency', { FunctionName: name });
  }
  if (!previous || !sameValue(previous.RecursiveLoop, props.RecursiveLoop)) {
    const loop = stringProp(props, 'RecursiveLoop');
    if (loop !== undefined || previous) await ctx.call('lambda', 'PutFunctionRecursionConfig', { FunctionName: name, RecursiveLoop: (loop ?? 'Terminate') as 'Terminate' });
  }
}

/** Properties Drydock's Lambda has no operation for: refused rather than dropped. */
function refuseUnsupported(props: Properties): void {
  for (const name of ['RuntimeManagementConfig', 'FunctionScalingConfig', 'CapacityProviderConfig', 'DurableConfig', 'TenancyConfig', 'CodeSigningConfigArn']) {
    if (props[name] !== undefined) throw new AwsError('NotImplemented', `Drydock's Lambda does not support ${name} yet`, { status: 501 });
  }
}

export const lambdaFunctionProvider: ResourceProvider = {
  async create(ctx, props) {
    refuseUnsupported(props);
    const name = givenOrIntendedName(ctx, stringProp(props, 'FunctionName'), { maxLength: MAX_NAME });
    const request: CreateFunctionRequest = {
      ...configuration(props),
      FunctionName: name,
      Role: requiredStringProp(props, 'Role'),
      Code: await code(props),
      PackageType: stringProp(props, 'PackageType') as CreateFunctionRequest['PackageType'],
      Architectures: stringListProp(props, 'Architectures') as CreateFunctionRequest['Architectures'],
      Tags: tagMap(tagListProp(props)),
    };
    await ctx.call('lambda', 'CreateFunction', request);
    return orDelete(
      async () => {
        await applySettings(ctx, name, props);
        await waitForFunction(ctx, name);
        return provided(ctx, name);
      },
      () => ctx.call('lambda', 'DeleteFunction', { FunctionName: name }),
    );
  },

  async update(ctx, current, props) {
    refuseUnsupported(props);
    const name = current.physicalId;
    const changes = configuration(props, current.props);
    if (Object.keys(changes).length > 0) {
      await ctx.call('lambda', 'UpdateFunctionConfiguration', { ...changes, FunctionName: name });
      await waitForFunction(ctx, name);
    }
    // Inline code is packaged for its runtime (index.js or index.py): a new runtime repackages it.
    const inline = objectProp(props, 'Code')?.ZipFile !== undefined;
    const runtimeChanged = inline && !sameValue(current.props.Runtime, props.Runtime);
    if (runtimeChanged || !sameValue(current.props.Code, props.Code) || !sameValue(current.props.Architectures, props.Architectures)) {
      const architectures = stringListProp(props, 'Architectures') as CreateFunctionRequest['Architectures'];
      await ctx.call('lambda', 'UpdateFunctionCode', { ...(await code(props)), FunctionName: name, Architectures: architectures });
      await waitForFunction(ctx, name);
    }
    await applySettings(ctx, name, props, current.props);
    await updateTags(ctx, current, props);
    return provided(ctx, name);
  },

  async delete(ctx, current) {
    await unlessGone(() => ctx.call('lambda', 'DeleteFunction', { FunctionName: current.physicalId }), NOT_FOUND);
  },

  async read(ctx, current) {
    const found = await unlessGone(() => ctx.call('lambda', 'GetFunction', { FunctionName: current.physicalId }), NOT_FOUND);
    if (!found?.Configuration) return undefined;
    const config = found.Configuration;
    const actual: Properties = { Code: current.props.Code, Role: config.Role, Runtime: config.Runtime, Handler: config.Handler };
    if (current.props.FunctionName !== undefined) actual.FunctionName = config.FunctionName;
    if (config.Description) actual.Description = config.Description;
    if (current.props.Timeout !== undefined || config.Timeout !== 3) actual.Timeout = config.Timeout;
    if (current.props.MemorySize !== undefined || config.MemorySize !== 128) actual.MemorySize = config.MemorySize;
    if (Object.keys(config.Environment?.Variables ?? {}).length > 0) actual.Environment = { Variables: config.Environment?.Variables };
    if (config.Layers?.length) actual.Layers = config.Layers.map((layer) => layer.Arn);
    if (config.DeadLetterConfig?.TargetArn) actual.DeadLetterConfig = { TargetArn: config.DeadLetterConfig.TargetArn };
    if (current.props.TracingConfig !== undefined || config.TracingConfig?.Mode !== 'PassThrough') actual.TracingConfig = { Mode: config.TracingConfig?.Mode };
    if (current.props.Architectures !== undefined) actual.Architectures = config.Architectures;
    if (current.props.EphemeralStorage !== undefined || config.EphemeralStorage?.Size !== 512) actual.EphemeralStorage = { Size: config.EphemeralStorage?.Size };
    if (found.Concurrency?.ReservedConcurrentExecutions !== undefined) actual.ReservedConcurrentExecutions = found.Concurrency.ReservedConcurrentExecutions;
    const tags = Object.entries(found.Tags ?? {}).filter(([key]) => !key.startsWith('aws:'));
    if (tags.length > 0) actual.Tags = tags.map(([Key, Value]) => ({ Key, Value }));
    return actual;
  },
};

async function updateTags(ctx: ProviderContext, current: CurrentResource, props: Properties): Promise<void> {
  const { set, removed } = tagChanges(tagListProp(current.props), tagListProp(props));
  if (set.length === 0 && removed.length === 0) return;
  const arn = String(current.attributes.Arn);
  if (removed.length > 0) await ctx.call('lambda', 'UntagResource', { Resource: arn, TagKeys: removed });
  if (set.length > 0) await ctx.call('lambda', 'TagResource', { Resource: arn, Tags: tagMap(set) });
}
