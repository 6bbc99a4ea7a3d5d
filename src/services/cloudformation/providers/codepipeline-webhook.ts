/**
 * AWS::CodePipeline::Webhook through PutWebhook (which creates or replaces the webhook of that
 * name, so an update sends every property), RegisterWebhookWithThirdParty when
 * RegisterWithThirdParty is true (its deregistration before the delete), and DeleteWebhook.
 * Ref and GetAtt Id are the webhook's name; GetAtt Url the URL CodePipeline answers. Without Name,
 * AWS names the webhook `<stack>-<LogicalId>-<random>` (at most 100 characters). TargetPipelineVersion
 * is recorded only, as PutWebhook has no such member.
 */
import type { WebhookAuthenticationType, WebhookDefinition } from '@aws-sdk/client-codepipeline';
import { booleanProp, listOfObjectsProp, objectProp, requiredStringProp, stringProp, tagChanges, tagListProp, unlessGone } from './foundation-helpers.js';
import type { CurrentResource, Properties, ProvidedResource, ProviderContext, ResourceProvider } from './types.js';

const NOT_FOUND = 'WebhookNotFoundException';
const NAME_MAX = 100;

function definition(name: string, props: Properties): WebhookDefinition {
  const auth = objectProp(props, 'AuthenticationConfiguration') ?? {};
  return {
    name,
    targetPipeline: requiredStringProp(props, 'TargetPipeline'),
    targetAction: requiredStringProp(props, 'TargetAction'),
    filters: (listOfObjectsProp(props, 'Filters') ?? []).map((filter) => ({ jsonPath: requiredStringProp(filter, 'JsonPath'), matchEquals: stringProp(filter, 'MatchEquals') })),
    authentication: requiredStringProp(props, 'Authentication') as WebhookAuthenticationType,
    authenticationConfiguration: { AllowedIPRange: stringProp(auth, 'AllowedIPRange'), SecretToken: stringProp(auth, 'SecretToken') },
  };
}

async function putWebhook(ctx: ProviderContext, name: string, props: Properties, withTags: boolean): Promise<ProvidedResource> {
  const tags = tagListProp(props);
  const { webhook } = await ctx.call('codepipeline', 'PutWebhook', {
    webhook: definition(name, props),
    tags: withTags && tags?.length ? tags.map((tag) => ({ key: tag.Key, value: tag.Value })) : undefined,
  });
  if (booleanProp(props, 'RegisterWithThirdParty')) await ctx.call('codepipeline', 'RegisterWebhookWithThirdParty', { webhookName: name });
  return { physicalId: name, attributes: { Id: name, Url: webhook?.url } };
}

/** The webhook's ARN (what the tagging operations name), found through ListWebhooks. */
async function webhookArn(ctx: ProviderContext, name: string): Promise<string | undefined> {
  let token: string | undefined;
  do {
    const page = await ctx.call('codepipeline', 'ListWebhooks', { NextToken: token });
    const found = page.webhooks?.find((entry) => entry.definition?.name === name);
    if (found) return found.arn;
    token = page.NextToken;
  } while (token);
  return undefined;
}

export const codepipelineWebhookProvider: ResourceProvider = {
  async create(ctx, props) {
    return putWebhook(ctx, stringProp(props, 'Name') ?? ctx.physicalName({ maxLength: NAME_MAX }), props, true);
  },

  async update(ctx, current: CurrentResource, props) {
    const result = await putWebhook(ctx, current.physicalId, props, false);
    const resourceArn = await webhookArn(ctx, current.physicalId);
    const { set, removed } = tagChanges(tagListProp(current.props), tagListProp(props));
    if (resourceArn && removed.length > 0) await ctx.call('codepipeline', 'UntagResource', { resourceArn, tagKeys: removed });
    if (resourceArn && set.length > 0) await ctx.call('codepipeline', 'TagResource', { resourceArn, tags: set.map((tag) => ({ key: tag.Key, value: tag.Value })) });
    return result;
  },

  async delete(ctx, current) {
    if (booleanProp(current.props, 'RegisterWithThirdParty')) await unlessGone(() => ctx.call('codepipeline', 'DeregisterWebhookWithThirdParty', { webhookName: current.physicalId }), NOT_FOUND);
    await unlessGone(() => ctx.call('codepipeline', 'DeleteWebhook', { name: current.physicalId }), NOT_FOUND);
  },
};
