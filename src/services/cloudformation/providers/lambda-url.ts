/**
 * AWS::Lambda::Url through CreateFunctionUrlConfig and UpdateFunctionUrlConfig (AuthType, Cors
 * and InvokeMode change in place; TargetFunctionArn and Qualifier replace it). Ref is the function's
 * ARN (qualified when the URL is for an alias); GetAtt FunctionArn and FunctionUrl. Drydock serves
 * the URL under its own endpoint (see Lambda's Gaps).
 */
import type { Cors } from '@aws-sdk/client-lambda';
import { coerced } from './compute-helpers.js';
import { requiredStringProp, stringProp, unlessGone } from './foundation-helpers.js';
import type { Properties, ProvidedResource, ResourceProvider } from './types.js';

function cors(props: Properties): Cors | undefined {
  return props.Cors === undefined ? undefined : (coerced(props.Cors, new Set(['MaxAge']), new Set(['AllowCredentials'])) as Cors);
}

function target(props: Properties): { FunctionName: string; Qualifier?: string } {
  return { FunctionName: requiredStringProp(props, 'TargetFunctionArn'), Qualifier: stringProp(props, 'Qualifier') };
}

function provided(url: { FunctionArn?: string; FunctionUrl?: string }): ProvidedResource {
  return { physicalId: url.FunctionArn!, attributes: { FunctionArn: url.FunctionArn, FunctionUrl: url.FunctionUrl } };
}

export const lambdaUrlProvider: ResourceProvider = {
  async create(ctx, props) {
    const url = await ctx.call('lambda', 'CreateFunctionUrlConfig', {
      ...target(props),
      AuthType: requiredStringProp(props, 'AuthType') as 'NONE',
      Cors: cors(props),
      InvokeMode: stringProp(props, 'InvokeMode') as 'BUFFERED' | undefined,
    });
    return provided(url);
  },

  async update(ctx, _current, props) {
    const url = await ctx.call('lambda', 'UpdateFunctionUrlConfig', {
      ...target(props),
      AuthType: requiredStringProp(props, 'AuthType') as 'NONE',
      Cors: cors(props) ?? {},
      InvokeMode: (stringProp(props, 'InvokeMode') ?? 'BUFFERED') as 'BUFFERED',
    });
    return provided(url);
  },

  async delete(ctx, current) {
    await unlessGone(() => ctx.call('lambda', 'DeleteFunctionUrlConfig', target(current.props)), 'ResourceNotFoundException');
  },

  async read(ctx, current) {
    const url = await unlessGone(() => ctx.call('lambda', 'GetFunctionUrlConfig', target(current.props)), 'ResourceNotFoundException');
    if (!url) return undefined;
    const actual: Properties = { ...current.props, AuthType: url.AuthType };
    if (current.props.InvokeMode !== undefined || url.InvokeMode !== 'BUFFERED') actual.InvokeMode = url.InvokeMode;
    return actual;
  },
};
