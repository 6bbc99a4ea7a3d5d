/**
 * AWS::KMS::Key: CreateKey, then its enabled state, rotation and tags. Ref is the key id; GetAtt
 * Arn and KeyId. Deleting schedules the key's deletion after PendingWindowInDays (7–30, default
 * 30), as AWS does. Changing KeySpec, KeyUsage, Origin or MultiRegion of an existing key fails the
 * update, as AWS's does, rather than replacing (and so deleting) the key.
 */
import type { KeySpec, KeyUsageType, OriginType, Tag } from '@aws-sdk/client-kms';
import { AwsError } from '../../../core/errors.js';
import { booleanProp, integerProp, jsonDocumentProp, listOfObjectsProp, requiredStringProp, sameValue, stringProp, tagChanges, unlessGone } from './foundation-helpers.js';
import type { Properties, ProviderContext, ResourceProvider } from './types.js';

const FIXED_AT_CREATION = ['KeySpec', 'KeyUsage', 'Origin', 'MultiRegion'];
const DEFAULT_PENDING_WINDOW_DAYS = 30;

/** The policy KMS gives a key created without one, restored when the template drops KeyPolicy. */
function defaultKeyPolicy(ctx: ProviderContext): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:${ctx.partition}:iam::${ctx.account}:root` }, Action: 'kms:*', Resource: '*' }],
  });
}

function kmsTags(props: Properties): Tag[] {
  return (listOfObjectsProp(props, 'Tags') ?? []).map((tag) => ({ TagKey: requiredStringProp(tag, 'Key'), TagValue: stringProp(tag, 'Value') ?? '' }));
}

function asKeyValue(tags: Tag[]) {
  return tags.map((tag) => ({ Key: tag.TagKey!, Value: tag.TagValue! }));
}

async function applyRotation(ctx: ProviderContext, KeyId: string, props: Properties, wasEnabled: boolean): Promise<void> {
  if (booleanProp(props, 'EnableKeyRotation')) await ctx.call('kms', 'EnableKeyRotation', { KeyId, RotationPeriodInDays: integerProp(props, 'RotationPeriodInDays') });
  else if (wasEnabled) await ctx.call('kms', 'DisableKeyRotation', { KeyId });
}

export const kmsKeyProvider: ResourceProvider = {
  async create(ctx, props) {
    const tags = kmsTags(props);
    const { KeyMetadata } = await ctx.call('kms', 'CreateKey', {
      Policy: jsonDocumentProp(props, 'KeyPolicy'),
      Description: stringProp(props, 'Description'),
      KeyUsage: stringProp(props, 'KeyUsage') as KeyUsageType | undefined,
      KeySpec: stringProp(props, 'KeySpec') as KeySpec | undefined,
      Origin: stringProp(props, 'Origin') as OriginType | undefined,
      MultiRegion: booleanProp(props, 'MultiRegion'),
      BypassPolicyLockoutSafetyCheck: booleanProp(props, 'BypassPolicyLockoutSafetyCheck'),
      Tags: tags.length ? tags : undefined,
    });
    const KeyId = KeyMetadata!.KeyId!;
    await applyRotation(ctx, KeyId, props, false);
    if (booleanProp(props, 'Enabled') === false) await ctx.call('kms', 'DisableKey', { KeyId });
    return { physicalId: KeyId, attributes: { Arn: KeyMetadata!.Arn, KeyId } };
  },

  async update(ctx, current, props) {
    const KeyId = current.physicalId;
    const fixed = FIXED_AT_CREATION.find((name) => !sameValue(current.props[name], props[name]));
    if (fixed) throw new AwsError('ValidationError', `You cannot change the ${fixed} property of an existing KMS key. To use a different ${fixed}, create a new KMS key.`);
    // Enable first: a disabled key refuses the other changes.
    const enabled = booleanProp(props, 'Enabled') ?? true;
    const wasEnabled = booleanProp(current.props, 'Enabled') ?? true;
    if (enabled && !wasEnabled) await ctx.call('kms', 'EnableKey', { KeyId });
    if (!sameValue(current.props.KeyPolicy, props.KeyPolicy)) {
      await ctx.call('kms', 'PutKeyPolicy', {
        KeyId,
        PolicyName: 'default',
        Policy: jsonDocumentProp(props, 'KeyPolicy') ?? defaultKeyPolicy(ctx),
        BypassPolicyLockoutSafetyCheck: booleanProp(props, 'BypassPolicyLockoutSafetyCheck'),
      });
    }
    if (!sameValue(current.props.Description, props.Description)) await ctx.call('kms', 'UpdateKeyDescription', { KeyId, Description: stringProp(props, 'Description') ?? '' });
    if (!sameValue(current.props.EnableKeyRotation, props.EnableKeyRotation) || !sameValue(current.props.RotationPeriodInDays, props.RotationPeriodInDays)) {
      await applyRotation(ctx, KeyId, props, booleanProp(current.props, 'EnableKeyRotation') ?? false);
    }
    const { set, removed } = tagChanges(asKeyValue(kmsTags(current.props)), asKeyValue(kmsTags(props)));
    if (removed.length) await ctx.call('kms', 'UntagResource', { KeyId, TagKeys: removed });
    if (set.length) await ctx.call('kms', 'TagResource', { KeyId, Tags: set.map((tag) => ({ TagKey: tag.Key, TagValue: tag.Value })) });
    if (!enabled && wasEnabled) await ctx.call('kms', 'DisableKey', { KeyId });
    return { physicalId: KeyId, attributes: current.attributes };
  },

  async delete(ctx, current) {
    const PendingWindowInDays = integerProp(current.props, 'PendingWindowInDays') ?? DEFAULT_PENDING_WINDOW_DAYS;
    try {
      await ctx.call('kms', 'ScheduleKeyDeletion', { KeyId: current.physicalId, PendingWindowInDays });
    } catch (error) {
      // Gone, or already scheduled for deletion: nothing left to do.
      if (error instanceof AwsError && (error.code === 'NotFoundException' || (error.code === 'KMSInvalidStateException' && /pending (replica )?deletion/.test(error.message)))) return;
      throw error;
    }
  },

  async read(ctx, current) {
    const KeyId = current.physicalId;
    const described = await unlessGone(() => ctx.call('kms', 'DescribeKey', { KeyId }), 'NotFoundException');
    const key = described?.KeyMetadata;
    if (!key || key.KeyState === 'PendingDeletion') return undefined;
    const policy = await ctx.call('kms', 'GetKeyPolicy', { KeyId, PolicyName: 'default' });
    const rotation = key.KeySpec === 'SYMMETRIC_DEFAULT' ? await ctx.call('kms', 'GetKeyRotationStatus', { KeyId }) : undefined;
    const tags = await ctx.call('kms', 'ListResourceTags', { KeyId });
    const given = (name: string, isDefault: boolean) => current.props[name] !== undefined || !isDefault;
    return {
      ...(given('KeyPolicy', true) && { KeyPolicy: JSON.parse(policy.Policy ?? '{}') as unknown }),
      ...(key.Description && { Description: key.Description }),
      ...(given('KeySpec', key.KeySpec === 'SYMMETRIC_DEFAULT') && { KeySpec: key.KeySpec }),
      ...(given('KeyUsage', key.KeyUsage === 'ENCRYPT_DECRYPT') && { KeyUsage: key.KeyUsage }),
      ...(given('Origin', key.Origin === 'AWS_KMS') && { Origin: key.Origin }),
      ...(given('MultiRegion', key.MultiRegion !== true) && { MultiRegion: key.MultiRegion }),
      ...(given('Enabled', key.Enabled === true) && { Enabled: key.Enabled }),
      ...(rotation && given('EnableKeyRotation', rotation.KeyRotationEnabled !== true) && { EnableKeyRotation: rotation.KeyRotationEnabled }),
      ...(tags.Tags?.length && { Tags: asKeyValue(tags.Tags) }),
    };
  },
};
