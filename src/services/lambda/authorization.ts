/**
 * What each Lambda operation needs to be allowed, from AWS's Service Authorization Reference
 * ("Actions, resources, and condition keys for AWS Lambda"): `lambda:<Operation>` on the function
 * the request names (its ARN with the qualifier, as the caller named it: a permission on an alias
 * is not one on the function), Invoke as lambda:InvokeFunction, layer operations on the layer
 * (version) ARN, lists and account settings on `*`; creating a function or changing its role also
 * needs iam:PassRole for lambda.amazonaws.com, and tags at creation lambda:TagResource.
 */
import type { CreateFunctionRequest } from '@aws-sdk/client-lambda';
import { arn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { ContextValue } from '../../core/policy.js';
import type { RequestContext } from '../../protocol/types.js';
import type { ActionRule, ServiceAuthorization } from '../authorization.js';
import { functionArn, layerArn, layerOf, parseFunctionName } from './common.js';

interface Named {
  FunctionName?: string;
  Qualifier?: string;
  LayerName?: string;
  VersionNumber?: number;
  Resource?: string;
  Arn?: string;
  Layers?: string[];
  Principal?: string;
  Role?: string;
  UUID?: string;
}

/** The ARN of the function a request names, qualifier included; `*` when it names none it could. */
function functionResource(input: Named, ctx: RequestContext): string {
  if (!input.FunctionName) return '*';
  try {
    const ref = parseFunctionName(input.FunctionName, input.Qualifier, ctx);
    return functionArn(ref, ref.name, ref.qualifier);
  } catch {
    return '*';
  }
}

const onFunction = (context?: (input: Named) => Record<string, ContextValue>): ActionRule => ({
  resource: (input: Named, ctx) => functionResource(input, ctx),
  ...(context ? { context: (input: Named) => context(input) } : {}),
});

/** The ARN of the layer (version) a request names by name or by ARN. */
function layerResource(input: Named, ctx: RequestContext, version?: number): string {
  const layer = layerOf(input.LayerName!, ctx);
  return layerArn(layer.scope, layer.name, version);
}

const onLayer: ActionRule = { resource: (input: Named, ctx) => (input.LayerName ? layerResource(input, ctx) : '*') };
const onLayerVersion: ActionRule = {
  resource: (input: Named, ctx) => (input.LayerName && input.VersionNumber !== undefined ? layerResource(input, ctx, input.VersionNumber) : '*'),
};

const onMapping: ActionRule = { resource: (input: Named, ctx) => (input.UUID ? arn('lambda', ctx.region, ctx.account, `event-source-mapping:${input.UUID}`) : '*') };

const passRole = (when: (input: Named) => boolean) => ({
  action: 'iam:PassRole',
  resource: (input: Named) => input.Role ?? '*',
  when,
  context: () => ({ 'iam:PassedToService': 'lambda.amazonaws.com' }),
});

const layers = (input: Named): Record<string, ContextValue> => (input.Layers?.length ? { 'lambda:Layer': input.Layers } : {});

export const lambdaAuthorization: ServiceAuthorization = {
  prefix: 'lambda',
  // Lambda answers a denial with 403 and its capitalised Message member.
  denied: (message) => new AwsError('AccessDeniedException', message, { status: 403, fields: { Message: message } }),
  rules: {
    CreateFunction: {
      ...onFunction(layers),
      also: [
        passRole((input) => input.Role !== undefined),
        {
          action: 'lambda:TagResource',
          resource: (input: Named, ctx) => functionResource({ FunctionName: input.FunctionName }, ctx),
          when: (input: CreateFunctionRequest) => Object.keys(input.Tags ?? {}).length > 0,
        },
      ],
    },
    UpdateFunctionConfiguration: {
      ...onFunction(layers),
      also: [passRole((input) => input.Role !== undefined)],
    },
    Invoke: { ...onFunction(), action: 'lambda:InvokeFunction' },
    AddPermission: onFunction((input) => (input.Principal ? { 'lambda:Principal': input.Principal } : {})),
    RemovePermission: onFunction(),
    TagResource: { resource: (input: Named) => input.Resource ?? '*' },
    UntagResource: { resource: (input: Named) => input.Resource ?? '*' },
    ListTags: { resource: (input: Named) => input.Resource ?? '*' },
    ListFunctions: { resource: '*' },
    GetAccountSettings: { resource: '*' },
    ListLayers: { resource: '*' },
    CreateEventSourceMapping: { resource: '*', context: (input: Named, ctx) => ({ 'lambda:FunctionArn': functionResource(input, ctx) }) },
    ListEventSourceMappings: { resource: '*' },
    GetEventSourceMapping: onMapping,
    UpdateEventSourceMapping: onMapping,
    DeleteEventSourceMapping: onMapping,
    ListLayerVersions: { resource: '*' },
    PublishLayerVersion: onLayer,
    GetLayerVersion: onLayerVersion,
    GetLayerVersionByArn: { action: 'lambda:GetLayerVersion', resource: (input: Named) => input.Arn ?? '*' },
    DeleteLayerVersion: onLayerVersion,
    AddLayerVersionPermission: onLayerVersion,
    RemoveLayerVersionPermission: onLayerVersion,
    GetLayerVersionPolicy: onLayerVersion,
    ...Object.fromEntries(
      [
        'GetFunction',
        'GetFunctionConfiguration',
        'DeleteFunction',
        'UpdateFunctionCode',
        'PublishVersion',
        'ListVersionsByFunction',
        'CreateAlias',
        'GetAlias',
        'UpdateAlias',
        'DeleteAlias',
        'ListAliases',
        'GetPolicy',
        'PutFunctionConcurrency',
        'GetFunctionConcurrency',
        'DeleteFunctionConcurrency',
        'GetFunctionRecursionConfig',
        'PutFunctionRecursionConfig',
        'PutFunctionEventInvokeConfig',
        'UpdateFunctionEventInvokeConfig',
        'GetFunctionEventInvokeConfig',
        'DeleteFunctionEventInvokeConfig',
        'ListFunctionEventInvokeConfigs',
        'CreateFunctionUrlConfig',
        'GetFunctionUrlConfig',
        'UpdateFunctionUrlConfig',
        'DeleteFunctionUrlConfig',
        'ListFunctionUrlConfigs',
      ].map((operation) => [operation, onFunction()]),
    ),
  },
};
