/**
 * AWS::Lambda::LayerVersionPermission through AddLayerVersionPermission and
 * RemoveLayerVersionPermission (every property replaces it). The statement id is AWS's generated
 * `<stack>-<LogicalId>-<random>`; Ref and GetAtt Id are `<LayerVersionArn>#<statement id>`.
 */

import { requiredStringProp, stringProp, unlessGone } from './foundation-helpers.js';
import { layerVersionOf } from './lambda-layer-version.js';
import type { CurrentResource, ResourceProvider } from './types.js';

/** Lambda's limit on a layer permission's statement id. */
const MAX_STATEMENT_ID = 100;

function statementOf(current: CurrentResource): { layerName: string; version: number; statementId: string } {
  const hash = current.physicalId.lastIndexOf('#');
  return { ...layerVersionOf(current.physicalId.slice(0, hash)), statementId: current.physicalId.slice(hash + 1) };
}

export const lambdaLayerVersionPermissionProvider: ResourceProvider = {
  async create(ctx, props) {
    const layerVersionArn = requiredStringProp(props, 'LayerVersionArn');
    const { layerName, version } = layerVersionOf(layerVersionArn);
    const statementId = ctx.physicalName({ maxLength: MAX_STATEMENT_ID });
    await ctx.call('lambda', 'AddLayerVersionPermission', {
      LayerName: layerName,
      VersionNumber: version,
      StatementId: statementId,
      Action: requiredStringProp(props, 'Action'),
      Principal: requiredStringProp(props, 'Principal'),
      OrganizationId: stringProp(props, 'OrganizationId'),
    });
    const id = `${layerVersionArn}#${statementId}`;
    return { physicalId: id, attributes: { Id: id } };
  },

  async delete(ctx, current) {
    const { layerName, version, statementId } = statementOf(current);
    await unlessGone(() => ctx.call('lambda', 'RemoveLayerVersionPermission', { LayerName: layerName, VersionNumber: version, StatementId: statementId }), 'ResourceNotFoundException');
  },

  async read(ctx, current) {
    const { layerName, version, statementId } = statementOf(current);
    const policy = await unlessGone(() => ctx.call('lambda', 'GetLayerVersionPolicy', { LayerName: layerName, VersionNumber: version }), 'ResourceNotFoundException');
    const statements = policy?.Policy ? ((JSON.parse(policy.Policy) as { Statement?: { Sid?: string }[] }).Statement ?? []) : [];
    return statements.some((statement) => statement.Sid === statementId) ? current.props : undefined;
  },
};
