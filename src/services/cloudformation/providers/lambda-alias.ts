/**
 * AWS::Lambda::Alias through CreateAlias and UpdateAlias (FunctionVersion, Description and the
 * routing weights change in place; FunctionName and Name replace it). Ref is the alias ARN; GetAtt
 * AliasArn. RoutingConfig's `AdditionalVersionWeights` list becomes Lambda's weight map.
 * ProvisionedConcurrencyConfig fails with Lambda's 501 (no provisioned concurrency).
 */
import type { AliasRoutingConfiguration } from '@aws-sdk/client-lambda';
import { AwsError } from '../../../core/errors.js';
import { listOfObjectsProp, objectProp, requiredStringProp, sameValue, stringProp, unlessGone } from './foundation-helpers.js';
import type { Properties, ProvidedResource, ResourceProvider } from './types.js';

function routing(props: Properties): AliasRoutingConfiguration {
  const config = objectProp(props, 'RoutingConfig');
  const weights = (config && listOfObjectsProp(config, 'AdditionalVersionWeights')) ?? [];
  const map: Record<string, number> = {};
  for (const entry of weights) {
    const weight = Number(entry.FunctionWeight);
    if (!Number.isFinite(weight)) throw new AwsError('ValidationError', 'Value of property RoutingConfig.AdditionalVersionWeights.FunctionWeight must be a number');
    map[requiredStringProp(entry, 'FunctionVersion')] = weight;
  }
  return { AdditionalVersionWeights: map };
}

function provided(aliasArn: string): ProvidedResource {
  return { physicalId: aliasArn, attributes: { AliasArn: aliasArn } };
}

function refuseProvisioned(props: Properties): void {
  if (props.ProvisionedConcurrencyConfig !== undefined) throw new AwsError('NotImplemented', "Drydock's Lambda does not support provisioned concurrency", { status: 501 });
}

export const lambdaAliasProvider: ResourceProvider = {
  async create(ctx, props) {
    refuseProvisioned(props);
    const alias = await ctx.call('lambda', 'CreateAlias', {
      FunctionName: requiredStringProp(props, 'FunctionName'),
      Name: requiredStringProp(props, 'Name'),
      FunctionVersion: requiredStringProp(props, 'FunctionVersion'),
      Description: stringProp(props, 'Description'),
      RoutingConfig: props.RoutingConfig === undefined ? undefined : routing(props),
    });
    return provided(alias.AliasArn!);
  },

  async update(ctx, current, props) {
    refuseProvisioned(props);
    const alias = await ctx.call('lambda', 'UpdateAlias', {
      FunctionName: requiredStringProp(props, 'FunctionName'),
      Name: requiredStringProp(props, 'Name'),
      FunctionVersion: requiredStringProp(props, 'FunctionVersion'),
      Description: stringProp(props, 'Description') ?? '',
      RoutingConfig: sameValue(current.props.RoutingConfig, props.RoutingConfig) ? undefined : routing(props),
    });
    return provided(alias.AliasArn!);
  },

  async delete(ctx, current) {
    await unlessGone(() => ctx.call('lambda', 'DeleteAlias', { FunctionName: String(current.props.FunctionName), Name: String(current.props.Name) }), 'ResourceNotFoundException');
  },

  async read(ctx, current) {
    const alias = await unlessGone(() => ctx.call('lambda', 'GetAlias', { FunctionName: String(current.props.FunctionName), Name: String(current.props.Name) }), 'ResourceNotFoundException');
    if (!alias) return undefined;
    const actual: Properties = { FunctionName: current.props.FunctionName, Name: alias.Name, FunctionVersion: alias.FunctionVersion };
    if (alias.Description) actual.Description = alias.Description;
    const weights = Object.entries(alias.RoutingConfig?.AdditionalVersionWeights ?? {});
    if (weights.length > 0) actual.RoutingConfig = { AdditionalVersionWeights: weights.map(([FunctionVersion, FunctionWeight]) => ({ FunctionVersion, FunctionWeight })) };
    return actual;
  },
};
