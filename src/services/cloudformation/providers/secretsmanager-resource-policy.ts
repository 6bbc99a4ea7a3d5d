/**
 * AWS::SecretsManager::ResourcePolicy: PutResourcePolicy (with BlockPublicPolicy) on create and
 * update, DeleteResourcePolicy on delete. Ref and GetAtt Id are the secret's ARN.
 */
import { booleanProp, jsonDocumentProp, requiredStringProp, unlessGone } from './foundation-helpers.js';
import type { Properties, ProvidedResource, ProviderContext, ResourceProvider } from './types.js';

async function putPolicy(ctx: ProviderContext, props: Properties): Promise<ProvidedResource> {
  const { ARN } = await ctx.call('secretsmanager', 'PutResourcePolicy', {
    SecretId: requiredStringProp(props, 'SecretId'),
    ResourcePolicy: jsonDocumentProp(props, 'ResourcePolicy') ?? '',
    BlockPublicPolicy: booleanProp(props, 'BlockPublicPolicy'),
  });
  return { physicalId: ARN!, attributes: { Id: ARN } };
}

export const secretsManagerResourcePolicyProvider: ResourceProvider = {
  create: putPolicy,

  update: (ctx, _current, props) => putPolicy(ctx, props),

  async delete(ctx, current) {
    await unlessGone(() => ctx.call('secretsmanager', 'DeleteResourcePolicy', { SecretId: current.physicalId }), 'ResourceNotFoundException');
  },

  async read(ctx, current) {
    const found = await unlessGone(() => ctx.call('secretsmanager', 'GetResourcePolicy', { SecretId: current.physicalId }), 'ResourceNotFoundException');
    if (!found?.ResourcePolicy) return undefined;
    return { SecretId: current.props.SecretId, ResourcePolicy: JSON.parse(found.ResourcePolicy) as unknown };
  },
};
