/**
 * AWS::CodeCommit::Repository through CreateRepository (Code: the S3 zip becomes the first commit on
 * BranchName, through CodeCommit's api since the API has no such member), PutRepositoryTriggers,
 * UpdateRepositoryName/Description/EncryptionKey, the tag operations and DeleteRepository. Ref is
 * the repository ID; GetAtt Arn, CloneUrlHttp, CloneUrlSsh, Id and Name (AWS's attributes). RepositoryName is
 * required and updates in place (a rename). Code is used at creation only, as on AWS.
 */
import type { RepositoryMetadata, RepositoryTrigger, RepositoryTriggerEventEnum } from '@aws-sdk/client-codecommit';
import { listOfObjectsProp, objectProp, requiredStringProp, sameValue, stringListProp, stringProp, tagChanges, tagListProp, unlessGone } from './foundation-helpers.js';
import type { CurrentResource, Properties, ProvidedResource, ProviderContext, ResourceProvider } from './types.js';

const NOT_FOUND = 'RepositoryDoesNotExistException';

function provided(metadata: RepositoryMetadata): ProvidedResource {
  return {
    physicalId: metadata.repositoryId as string,
    attributes: {
      Arn: metadata.Arn,
      Id: metadata.repositoryId,
      CloneUrlHttp: metadata.cloneUrlHttp,
      CloneUrlSsh: metadata.cloneUrlSsh,
      Name: metadata.repositoryName,
    },
  };
}

function triggers(props: Properties): RepositoryTrigger[] {
  return (listOfObjectsProp(props, 'Triggers') ?? []).map((trigger) => ({
    name: requiredStringProp(trigger, 'Name'),
    destinationArn: requiredStringProp(trigger, 'DestinationArn'),
    customData: stringProp(trigger, 'CustomData'),
    branches: stringListProp(trigger, 'Branches') ?? [],
    events: (stringListProp(trigger, 'Events') ?? []) as RepositoryTriggerEventEnum[],
  }));
}

/** Creates the repository with its first commit from the `Code` zip; the caller must be able to read the object, as AWS reads it with the stack's credentials. */
async function createWithCode(ctx: ProviderContext, props: Properties, input: { repositoryName: string; repositoryDescription?: string; kmsKeyId?: string; tags?: Record<string, string> }) {
  const code = objectProp(props, 'Code') as Properties;
  const s3 = objectProp(code, 'S3') ?? {};
  const location = { bucket: requiredStringProp(s3, 'Bucket'), key: requiredStringProp(s3, 'Key'), objectVersion: stringProp(s3, 'ObjectVersion') };
  await ctx.call('s3', 'HeadObject', { Bucket: location.bucket, Key: location.key, VersionId: location.objectVersion });
  return ctx.rt
    .api('codecommit')
    .createRepository({ account: ctx.account, region: ctx.region }, ctx.caller.principal.arn, { ...input, code: { s3: location, branchName: stringProp(code, 'BranchName') } });
}

function nameOf(current: CurrentResource): string {
  return String(current.attributes.Name ?? current.props.RepositoryName);
}

export const codecommitRepositoryProvider: ResourceProvider = {
  async create(ctx, props) {
    const tags = tagListProp(props);
    const input = {
      repositoryName: requiredStringProp(props, 'RepositoryName'),
      repositoryDescription: stringProp(props, 'RepositoryDescription'),
      kmsKeyId: stringProp(props, 'KmsKeyId'),
      tags: tags?.length ? Object.fromEntries(tags.map((tag) => [tag.Key, tag.Value])) : undefined,
    };
    const metadata = props.Code !== undefined ? await createWithCode(ctx, props, input) : (await ctx.call('codecommit', 'CreateRepository', input)).repositoryMetadata;
    const wanted = triggers(props);
    if (wanted.length > 0) await ctx.call('codecommit', 'PutRepositoryTriggers', { repositoryName: input.repositoryName, triggers: wanted });
    return provided(metadata as RepositoryMetadata);
  },

  async update(ctx, current, props) {
    let name = nameOf(current);
    const newName = requiredStringProp(props, 'RepositoryName');
    if (newName !== name) {
      await ctx.call('codecommit', 'UpdateRepositoryName', { oldName: name, newName });
      name = newName;
    }
    if (!sameValue(current.props.RepositoryDescription, props.RepositoryDescription)) {
      await ctx.call('codecommit', 'UpdateRepositoryDescription', { repositoryName: name, repositoryDescription: stringProp(props, 'RepositoryDescription') ?? '' });
    }
    const kmsKeyId = stringProp(props, 'KmsKeyId');
    if (!sameValue(current.props.KmsKeyId, props.KmsKeyId) && kmsKeyId !== undefined) await ctx.call('codecommit', 'UpdateRepositoryEncryptionKey', { repositoryName: name, kmsKeyId });
    if (!sameValue(current.props.Triggers, props.Triggers)) await ctx.call('codecommit', 'PutRepositoryTriggers', { repositoryName: name, triggers: triggers(props) });
    const { set, removed } = tagChanges(tagListProp(current.props), tagListProp(props));
    const resourceArn = String(current.attributes.Arn).replace(/[^:]+$/, name);
    if (removed.length > 0) await ctx.call('codecommit', 'UntagResource', { resourceArn, tagKeys: removed });
    if (set.length > 0) await ctx.call('codecommit', 'TagResource', { resourceArn, tags: Object.fromEntries(set.map((tag) => [tag.Key, tag.Value])) });
    const { repositoryMetadata } = await ctx.call('codecommit', 'GetRepository', { repositoryName: name });
    return provided(repositoryMetadata as RepositoryMetadata);
  },

  async delete(ctx, current) {
    await unlessGone(() => ctx.call('codecommit', 'DeleteRepository', { repositoryName: nameOf(current) }), NOT_FOUND);
  },

  async read(ctx, current) {
    const found = await unlessGone(() => ctx.call('codecommit', 'GetRepository', { repositoryName: nameOf(current) }), NOT_FOUND);
    const metadata = found?.repositoryMetadata;
    if (!metadata || metadata.repositoryId !== current.physicalId) return undefined;
    const actual: Properties = { RepositoryName: metadata.repositoryName };
    if (metadata.repositoryDescription) actual.RepositoryDescription = metadata.repositoryDescription;
    if (current.props.KmsKeyId !== undefined) actual.KmsKeyId = metadata.kmsKeyId;
    const { triggers: configured } = await ctx.call('codecommit', 'GetRepositoryTriggers', { repositoryName: metadata.repositoryName as string });
    if (configured?.length) {
      actual.Triggers = configured.map((trigger) => ({
        Name: trigger.name,
        DestinationArn: trigger.destinationArn,
        ...(trigger.customData ? { CustomData: trigger.customData } : {}),
        ...(trigger.branches?.length ? { Branches: trigger.branches } : {}),
        Events: trigger.events,
      }));
    }
    const tags = await ctx.call('codecommit', 'ListTagsForResource', { resourceArn: metadata.Arn as string });
    const tagEntries = Object.entries(tags.tags ?? {});
    if (tagEntries.length > 0) actual.Tags = tagEntries.map(([Key, Value]) => ({ Key, Value }));
    return actual;
  },
};
