/**
 * AWS::Lambda::Version through PublishVersion (every property replaces it). Ref is the version's
 * ARN; GetAtt FunctionArn (the same qualified ARN) and Version (the number). CodeSha256, when given,
 * must match the function's current code, as PublishVersion checks. Complete once the version is
 * Active. ProvisionedConcurrencyConfig fails with Lambda's 501 (no provisioned concurrency).
 */
import { orDelete, waitForFunction } from './compute-helpers.js';
import { integerProp, objectProp, requiredStringProp, stringProp, unlessGone } from './foundation-helpers.js';
import type { ResourceProvider } from './types.js';

/** The function name and version number of a qualified version ARN. */
function versionOf(versionArn: string): { functionName: string; version: string } {
  const at = versionArn.lastIndexOf(':');
  return { functionName: versionArn.slice(0, at), version: versionArn.slice(at + 1) };
}

export const lambdaVersionProvider: ResourceProvider = {
  async create(ctx, props) {
    const functionName = requiredStringProp(props, 'FunctionName');
    const published = await ctx.call('lambda', 'PublishVersion', {
      FunctionName: functionName,
      CodeSha256: stringProp(props, 'CodeSha256'),
      Description: stringProp(props, 'Description'),
    });
    const versionArn = published.FunctionArn!;
    const { version } = versionOf(versionArn);
    await orDelete(
      async () => {
        await waitForFunction(ctx, functionName, version);
        const provisioned = objectProp(props, 'ProvisionedConcurrencyConfig');
        if (!provisioned) return;
        const executions = integerProp(provisioned, 'ProvisionedConcurrentExecutions') ?? 0;
        await ctx.call('lambda', 'PutProvisionedConcurrencyConfig', { FunctionName: functionName, Qualifier: version, ProvisionedConcurrentExecutions: executions });
      },
      () => ctx.call('lambda', 'DeleteFunction', { FunctionName: functionName, Qualifier: version }),
    );
    return { physicalId: versionArn, attributes: { FunctionArn: versionArn, Version: version } };
  },

  async delete(ctx, current) {
    const { functionName, version } = versionOf(current.physicalId);
    await unlessGone(() => ctx.call('lambda', 'DeleteFunction', { FunctionName: functionName, Qualifier: version }), 'ResourceNotFoundException');
  },

  async read(ctx, current) {
    const { functionName, version } = versionOf(current.physicalId);
    const config = await unlessGone(() => ctx.call('lambda', 'GetFunctionConfiguration', { FunctionName: functionName, Qualifier: version }), 'ResourceNotFoundException');
    if (!config) return undefined;
    const actual = { ...current.props };
    if (config.Description || current.props.Description !== undefined) actual.Description = config.Description;
    if (current.props.CodeSha256 !== undefined) actual.CodeSha256 = config.CodeSha256;
    return actual;
  },
};
