/**
 * AWS::Lambda::LayerVersion through PublishLayerVersion and DeleteLayerVersion (every property
 * replaces it: a new version is published and the old one deleted in cleanup). Ref is the layer
 * version's ARN; GetAtt LayerVersionArn. Without LayerName the layer takes the generated
 * `<stack>-<LogicalId>-<random>` (at most 140 characters). Content comes from S3 (S3Bucket, S3Key,
 * S3ObjectVersion).
 */
import { AwsError } from '../../../core/errors.js';
import { objectProp, requiredStringProp, stringListProp, stringProp, unlessGone } from './foundation-helpers.js';
import type { ResourceProvider } from './types.js';

const MAX_NAME = 140;

/**
 * The layer name and version number of a layer version ARN (`arn:…:layer:<name>:<version>`). The
 * bare name, not the layer's ARN: Drydock's Lambda names layers by name only (see its Gaps).
 */
export function layerVersionOf(layerVersionArn: string): { layerName: string; version: number } {
  const match = /:layer:([^:]+):(\d+)$/.exec(layerVersionArn);
  if (!match) throw new AwsError('ValidationError', `${layerVersionArn} is not a layer version ARN`);
  return { layerName: match[1], version: Number(match[2]) };
}

export const lambdaLayerVersionProvider: ResourceProvider = {
  async create(ctx, props) {
    const content = objectProp(props, 'Content') ?? {};
    const published = await ctx.call('lambda', 'PublishLayerVersion', {
      LayerName: stringProp(props, 'LayerName') ?? ctx.physicalName({ maxLength: MAX_NAME }),
      Description: stringProp(props, 'Description'),
      Content: { S3Bucket: requiredStringProp(content, 'S3Bucket'), S3Key: requiredStringProp(content, 'S3Key'), S3ObjectVersion: stringProp(content, 'S3ObjectVersion') },
      CompatibleRuntimes: stringListProp(props, 'CompatibleRuntimes') as never,
      CompatibleArchitectures: stringListProp(props, 'CompatibleArchitectures') as never,
      LicenseInfo: stringProp(props, 'LicenseInfo'),
    });
    const arn = published.LayerVersionArn!;
    return { physicalId: arn, attributes: { LayerVersionArn: arn } };
  },

  async delete(ctx, current) {
    const { layerName, version } = layerVersionOf(current.physicalId);
    // DeleteLayerVersion answers success for a version that is already gone.
    await unlessGone(() => ctx.call('lambda', 'DeleteLayerVersion', { LayerName: layerName, VersionNumber: version }), 'ResourceNotFoundException');
  },

  async read(ctx, current) {
    const found = await unlessGone(() => ctx.call('lambda', 'GetLayerVersionByArn', { Arn: current.physicalId }), 'ResourceNotFoundException');
    if (!found) return undefined;
    const actual = { ...current.props };
    if (found.Description || current.props.Description !== undefined) actual.Description = found.Description;
    return actual;
  },
};
