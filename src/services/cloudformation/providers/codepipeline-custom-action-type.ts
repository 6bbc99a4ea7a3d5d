/**
 * AWS::CodePipeline::CustomActionType through CreateCustomActionType, TagResource/UntagResource
 * (Tags is the only property an update changes in place) and DeleteCustomActionType. Ref and
 * GetAtt Id are `<Category>|<Provider>|<Version>`, the type's primary identifier.
 */
import type { ActionCategory, ActionConfigurationProperty } from '@aws-sdk/client-codepipeline';
import { arn } from '../../../core/arn.js';
import { listOfObjectsProp, objectProp, requiredStringProp, tagChanges, tagListProp, unlessGone } from './foundation-helpers.js';
import { booleanValue, integerValue } from './integration-helpers.js';
import type { Properties, ProviderContext, ResourceProvider } from './types.js';

interface ActionTypeKey {
  category: ActionCategory;
  provider: string;
  version: string;
}

function keyOf(physicalId: string): ActionTypeKey {
  const [category, provider, version] = physicalId.split('|');
  return { category: category as ActionCategory, provider, version };
}

function artifactDetails(props: Properties, name: string): { minimumCount: number; maximumCount: number } {
  const details = objectProp(props, name) ?? {};
  return { minimumCount: integerValue(details.MinimumCount, `${name}.MinimumCount`), maximumCount: integerValue(details.MaximumCount, `${name}.MaximumCount`) };
}

function configurationProperties(props: Properties): ActionConfigurationProperty[] | undefined {
  return listOfObjectsProp(props, 'ConfigurationProperties')?.map((entry, index) => {
    const where = `ConfigurationProperties[${index}]`;
    return {
      name: requiredStringProp(entry, 'Name'),
      required: booleanValue(entry.Required, `${where}.Required`),
      key: booleanValue(entry.Key, `${where}.Key`),
      secret: booleanValue(entry.Secret, `${where}.Secret`),
      queryable: entry.Queryable === undefined ? undefined : booleanValue(entry.Queryable, `${where}.Queryable`),
      description: entry.Description as string | undefined,
      type: entry.Type as ActionConfigurationProperty['type'],
    };
  });
}

/** The action type's ARN, as CodePipeline's tagging operations name it. */
function actionTypeArn(ctx: ProviderContext, key: ActionTypeKey): string {
  return arn('codepipeline', ctx.region, ctx.account, `actiontype:Custom/${key.category}/${key.provider}/${key.version}`, ctx.partition);
}

export const codepipelineCustomActionTypeProvider: ResourceProvider = {
  async create(ctx, props) {
    const key: ActionTypeKey = { category: requiredStringProp(props, 'Category') as ActionCategory, provider: requiredStringProp(props, 'Provider'), version: requiredStringProp(props, 'Version') };
    const settings = objectProp(props, 'Settings');
    const tags = tagListProp(props);
    await ctx.call('codepipeline', 'CreateCustomActionType', {
      ...key,
      settings: settings
        ? {
            entityUrlTemplate: settings.EntityUrlTemplate as string | undefined,
            executionUrlTemplate: settings.ExecutionUrlTemplate as string | undefined,
            revisionUrlTemplate: settings.RevisionUrlTemplate as string | undefined,
            thirdPartyConfigurationUrl: settings.ThirdPartyConfigurationUrl as string | undefined,
          }
        : undefined,
      configurationProperties: configurationProperties(props),
      inputArtifactDetails: artifactDetails(props, 'InputArtifactDetails'),
      outputArtifactDetails: artifactDetails(props, 'OutputArtifactDetails'),
      tags: tags?.length ? tags.map((tag) => ({ key: tag.Key, value: tag.Value })) : undefined,
    });
    const physicalId = `${key.category}|${key.provider}|${key.version}`;
    return { physicalId, attributes: { Id: physicalId } };
  },

  async update(ctx, current, props) {
    const resourceArn = actionTypeArn(ctx, keyOf(current.physicalId));
    const { set, removed } = tagChanges(tagListProp(current.props), tagListProp(props));
    if (removed.length > 0) await ctx.call('codepipeline', 'UntagResource', { resourceArn, tagKeys: removed });
    if (set.length > 0) await ctx.call('codepipeline', 'TagResource', { resourceArn, tags: set.map((tag) => ({ key: tag.Key, value: tag.Value })) });
    return { physicalId: current.physicalId, attributes: { Id: current.physicalId } };
  },

  async delete(ctx, current) {
    await unlessGone(() => ctx.call('codepipeline', 'DeleteCustomActionType', keyOf(current.physicalId)), 'ActionTypeNotFoundException');
  },
};
