/**
 * AWS::SecretsManager::RotationSchedule: RotateSecret with RotationLambdaARN and RotationRules
 * (rotating at once unless RotateImmediatelyOnUpdate is false), CancelRotateSecret on delete.
 * Ref and GetAtt Id are the secret's ARN. HostedRotationLambda (a function AWS deploys from the
 * Serverless Application Repository) is refused: Drydock has no such repository.
 */
import type { RotationRulesType } from '@aws-sdk/client-secrets-manager';
import { AwsError } from '../../../core/errors.js';
import { booleanProp, integerProp, objectProp, requiredStringProp, stringProp, unlessGone } from './foundation-helpers.js';
import type { Properties, ProvidedResource, ProviderContext, ResourceProvider } from './types.js';

function rotationRules(props: Properties): RotationRulesType | undefined {
  const rules = objectProp(props, 'RotationRules');
  if (!rules) return undefined;
  return {
    AutomaticallyAfterDays: integerProp(rules, 'AutomaticallyAfterDays'),
    Duration: stringProp(rules, 'Duration'),
    ScheduleExpression: stringProp(rules, 'ScheduleExpression'),
  };
}

async function rotate(ctx: ProviderContext, props: Properties): Promise<ProvidedResource> {
  if (props.HostedRotationLambda !== undefined) {
    throw new AwsError(
      'ValidationError',
      'Drydock does not support HostedRotationLambda (AWS deploys it from the Serverless Application Repository); write the rotation function and name it in RotationLambdaARN.',
    );
  }
  const { ARN } = await ctx.call('secretsmanager', 'RotateSecret', {
    SecretId: requiredStringProp(props, 'SecretId'),
    RotationLambdaARN: stringProp(props, 'RotationLambdaARN'),
    RotationRules: rotationRules(props),
    RotateImmediately: booleanProp(props, 'RotateImmediatelyOnUpdate') ?? true,
  });
  return { physicalId: ARN!, attributes: { Id: ARN } };
}

export const secretsManagerRotationScheduleProvider: ResourceProvider = {
  create: rotate,

  update: (ctx, _current, props) => rotate(ctx, props),

  async delete(ctx, current) {
    await unlessGone(() => ctx.call('secretsmanager', 'CancelRotateSecret', { SecretId: current.physicalId }), 'ResourceNotFoundException');
  },

  async read(ctx, current) {
    const described = await unlessGone(() => ctx.call('secretsmanager', 'DescribeSecret', { SecretId: current.physicalId }), 'ResourceNotFoundException');
    if (!described || described.DeletedDate || !described.RotationEnabled) return undefined;
    const rules = described.RotationRules;
    return {
      SecretId: current.props.SecretId,
      ...(described.RotationLambdaARN && { RotationLambdaARN: described.RotationLambdaARN }),
      ...(rules && {
        RotationRules: {
          ...(rules.ScheduleExpression ? { ScheduleExpression: rules.ScheduleExpression } : rules.AutomaticallyAfterDays !== undefined && { AutomaticallyAfterDays: rules.AutomaticallyAfterDays }),
          ...(rules.Duration && { Duration: rules.Duration }),
        },
      }),
    };
  },
};
