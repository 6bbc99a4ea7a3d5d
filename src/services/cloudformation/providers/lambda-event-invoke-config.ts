/**
 * AWS::Lambda::EventInvokeConfig through PutFunctionEventInvokeConfig (which replaces the whole
 * configuration, so an update in place sends it all again) and DeleteFunctionEventInvokeConfig.
 * FunctionName and Qualifier replace it. Ref is `<FunctionName>|<Qualifier>`; it has no attributes.
 */
import type { DestinationConfig } from '@aws-sdk/client-lambda';
import { integerProp, objectProp, requiredStringProp, unlessGone } from './foundation-helpers.js';
import type { Properties, ProviderContext, ResourceProvider } from './types.js';

async function put(ctx: ProviderContext, props: Properties): Promise<{ physicalId: string }> {
  const functionName = requiredStringProp(props, 'FunctionName');
  const qualifier = requiredStringProp(props, 'Qualifier');
  await ctx.call('lambda', 'PutFunctionEventInvokeConfig', {
    FunctionName: functionName,
    Qualifier: qualifier,
    MaximumRetryAttempts: integerProp(props, 'MaximumRetryAttempts'),
    MaximumEventAgeInSeconds: integerProp(props, 'MaximumEventAgeInSeconds'),
    DestinationConfig: objectProp(props, 'DestinationConfig') as DestinationConfig | undefined,
  });
  return { physicalId: `${functionName}|${qualifier}` };
}

function target(props: Properties): { FunctionName: string; Qualifier: string } {
  return { FunctionName: String(props.FunctionName), Qualifier: String(props.Qualifier) };
}

export const lambdaEventInvokeConfigProvider: ResourceProvider = {
  create: put,
  update: (ctx, _current, props) => put(ctx, props),

  async delete(ctx, current) {
    await unlessGone(() => ctx.call('lambda', 'DeleteFunctionEventInvokeConfig', target(current.props)), 'ResourceNotFoundException');
  },

  async read(ctx, current) {
    const config = await unlessGone(() => ctx.call('lambda', 'GetFunctionEventInvokeConfig', target(current.props)), 'ResourceNotFoundException');
    if (!config) return undefined;
    const actual: Properties = { FunctionName: current.props.FunctionName, Qualifier: current.props.Qualifier };
    if (current.props.MaximumRetryAttempts !== undefined) actual.MaximumRetryAttempts = config.MaximumRetryAttempts;
    if (current.props.MaximumEventAgeInSeconds !== undefined) actual.MaximumEventAgeInSeconds = config.MaximumEventAgeInSeconds;
    if (current.props.DestinationConfig !== undefined) actual.DestinationConfig = config.DestinationConfig;
    return actual;
  },
};
