/**
 * AWS::SecretsManager::Secret: CreateSecret with SecretString, or a value GenerateSecretString
 * makes through GetRandomPassword (placed under GenerateStringKey in SecretStringTemplate when
 * given), its KMS key, tags and ReplicaRegions. Ref and GetAtt Id are the secret's ARN. Without
 * Name, AWS's `<LogicalId>-<12 random alphanumerics>`. Deleting removes the replicas, then deletes
 * the secret without a recovery window, as CloudFormation does.
 */
import { AwsError } from '../../../core/errors.js';
import { booleanProp, integerProp, listOfObjectsProp, objectProp, randomAlphanumerics, requiredStringProp, sameValue, stringProp, tagChanges, tagListProp, unlessGone } from './foundation-helpers.js';
import type { Properties, ProviderContext, ResourceProvider } from './types.js';

async function secretValue(ctx: ProviderContext, props: Properties): Promise<string | undefined> {
  const given = stringProp(props, 'SecretString');
  const generate = objectProp(props, 'GenerateSecretString');
  if (given !== undefined && generate) throw new AwsError('ValidationError', 'You can specify either SecretString or GenerateSecretString, not both.');
  if (!generate) return given;
  const template = stringProp(generate, 'SecretStringTemplate');
  const key = stringProp(generate, 'GenerateStringKey');
  if ((template === undefined) !== (key === undefined)) throw new AwsError('ValidationError', 'GenerateStringKey and SecretStringTemplate must be specified together.');
  const { RandomPassword } = await ctx.call('secretsmanager', 'GetRandomPassword', {
    ExcludeCharacters: stringProp(generate, 'ExcludeCharacters'),
    ExcludeLowercase: booleanProp(generate, 'ExcludeLowercase'),
    ExcludeNumbers: booleanProp(generate, 'ExcludeNumbers'),
    ExcludePunctuation: booleanProp(generate, 'ExcludePunctuation'),
    ExcludeUppercase: booleanProp(generate, 'ExcludeUppercase'),
    IncludeSpace: booleanProp(generate, 'IncludeSpace'),
    PasswordLength: integerProp(generate, 'PasswordLength'),
    RequireEachIncludedType: booleanProp(generate, 'RequireEachIncludedType'),
  });
  if (template === undefined || key === undefined) return RandomPassword;
  let document: unknown;
  try {
    document = JSON.parse(template);
  } catch {
    throw new AwsError('ValidationError', 'SecretStringTemplate must be a valid JSON object.');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new AwsError('ValidationError', 'SecretStringTemplate must be a valid JSON object.');
  return JSON.stringify({ ...document, [key]: RandomPassword });
}

function replicas(props: Properties): { Region: string; KmsKeyId?: string }[] {
  return (listOfObjectsProp(props, 'ReplicaRegions') ?? []).map((replica) => ({ Region: requiredStringProp(replica, 'Region'), KmsKeyId: stringProp(replica, 'KmsKeyId') }));
}

async function syncReplicas(ctx: ProviderContext, SecretId: string, before: Properties, after: Properties): Promise<void> {
  const previous = replicas(before);
  const next = replicas(after);
  const removed = previous.filter((replica) => !next.some((wanted) => sameValue(wanted, replica)));
  if (removed.length) await ctx.call('secretsmanager', 'RemoveRegionsFromReplication', { SecretId, RemoveReplicaRegions: removed.map((replica) => replica.Region) });
  const added = next.filter((replica) => !previous.some((had) => sameValue(had, replica)));
  if (added.length) await ctx.call('secretsmanager', 'ReplicateSecretToRegions', { SecretId, AddReplicaRegions: added });
}

export const secretsManagerSecretProvider: ResourceProvider = {
  async create(ctx, props) {
    const tags = tagListProp(props);
    const { ARN } = await ctx.call('secretsmanager', 'CreateSecret', {
      Name: stringProp(props, 'Name') ?? `${ctx.logicalId}-${randomAlphanumerics(12)}`,
      Description: stringProp(props, 'Description'),
      KmsKeyId: stringProp(props, 'KmsKeyId'),
      SecretString: await secretValue(ctx, props),
      Tags: tags?.length ? tags : undefined,
      AddReplicaRegions: replicas(props).length ? replicas(props) : undefined,
    });
    return { physicalId: ARN!, attributes: { Id: ARN } };
  },

  async update(ctx, current, props) {
    const SecretId = current.physicalId;
    const descriptionChanged = !sameValue(current.props.Description, props.Description);
    const keyChanged = !sameValue(current.props.KmsKeyId, props.KmsKeyId);
    if (descriptionChanged || keyChanged) {
      await ctx.call('secretsmanager', 'UpdateSecret', {
        SecretId,
        Description: descriptionChanged ? (stringProp(props, 'Description') ?? '') : undefined,
        // Removing KmsKeyId goes back to the AWS managed key.
        KmsKeyId: keyChanged ? (stringProp(props, 'KmsKeyId') ?? 'alias/aws/secretsmanager') : undefined,
      });
    }
    if (!sameValue(current.props.SecretString, props.SecretString) || !sameValue(current.props.GenerateSecretString, props.GenerateSecretString)) {
      const SecretString = await secretValue(ctx, props);
      if (SecretString !== undefined) await ctx.call('secretsmanager', 'PutSecretValue', { SecretId, SecretString });
    }
    const { set, removed } = tagChanges(tagListProp(current.props), tagListProp(props));
    if (removed.length) await ctx.call('secretsmanager', 'UntagResource', { SecretId, TagKeys: removed });
    if (set.length) await ctx.call('secretsmanager', 'TagResource', { SecretId, Tags: set });
    await syncReplicas(ctx, SecretId, current.props, props);
    return { physicalId: SecretId, attributes: { Id: SecretId } };
  },

  async delete(ctx, current) {
    const SecretId = current.physicalId;
    const described = await unlessGone(() => ctx.call('secretsmanager', 'DescribeSecret', { SecretId }), 'ResourceNotFoundException');
    if (!described || described.DeletedDate) return;
    const regions = (described.ReplicationStatus ?? []).map((replica) => replica.Region!);
    if (regions.length) await ctx.call('secretsmanager', 'RemoveRegionsFromReplication', { SecretId, RemoveReplicaRegions: regions });
    await unlessGone(() => ctx.call('secretsmanager', 'DeleteSecret', { SecretId, ForceDeleteWithoutRecovery: true }), 'ResourceNotFoundException');
  },

  async read(ctx, current) {
    const described = await unlessGone(() => ctx.call('secretsmanager', 'DescribeSecret', { SecretId: current.physicalId }), 'ResourceNotFoundException');
    if (!described || described.DeletedDate) return undefined;
    return {
      ...(current.props.Name !== undefined && { Name: described.Name }),
      ...(described.Description && { Description: described.Description }),
      ...(described.KmsKeyId && { KmsKeyId: current.props.KmsKeyId !== undefined && described.KmsKeyId.endsWith(String(current.props.KmsKeyId)) ? current.props.KmsKeyId : described.KmsKeyId }),
      ...(described.Tags?.length && { Tags: described.Tags.map((tag) => ({ Key: tag.Key, Value: tag.Value })) }),
      ...(described.ReplicationStatus?.length && {
        ReplicaRegions: described.ReplicationStatus.map((replica) => ({ Region: replica.Region, ...(replica.KmsKeyId && { KmsKeyId: replica.KmsKeyId }) })),
      }),
      // The value is not compared: a generated one never matches the template.
      ...(current.props.SecretString !== undefined && { SecretString: current.props.SecretString }),
      ...(current.props.GenerateSecretString !== undefined && { GenerateSecretString: current.props.GenerateSecretString }),
    };
  },
};
