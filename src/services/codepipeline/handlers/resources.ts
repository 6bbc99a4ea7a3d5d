/** Custom action types, webhooks (recorded; nothing calls them offline) and tags. */
import type * as CP from '@aws-sdk/client-codepipeline';
import { parseArn } from '../../../core/arn.js';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import { ACTION_PROVIDERS } from '../actions/index.js';
import { existingPipeline, pipelineArn, type Tag, tagsOf, webhookArn } from '../common.js';
import type { HandlerContext } from './context.js';

const MAX_TAGS = 50;

function tagList(tags: CP.Tag[] | undefined): Tag[] {
  return (tags ?? []).map((t) => ({ key: t.key!, value: t.value! }));
}

export function createCustomActionType(c: HandlerContext, input: CP.CreateCustomActionTypeInput, ctx: RequestContext): CP.CreateCustomActionTypeOutput {
  const tags = tagList(input.tags);
  const actionType: CP.ActionType = {
    id: { category: input.category, owner: 'Custom', provider: input.provider, version: input.version },
    settings: input.settings,
    actionConfigurationProperties: input.configurationProperties,
    inputArtifactDetails: input.inputArtifactDetails,
    outputArtifactDetails: input.outputArtifactDetails,
  };
  if ((input.configurationProperties ?? []).filter((p) => p.queryable).length > 1) throw new AwsError('ValidationException', 'Only one configuration property can be queryable');
  return c.store.tx(() => {
    if (c.store.actionType(ctx.account, ctx.region, input.category!, input.provider!, input.version!)) {
      throw new AwsError('ActionTypeAlreadyExistsException', `ActionType (Category: '${input.category}', Provider: '${input.provider}', Owner: 'Custom', Version: '${input.version}') already exists`);
    }
    c.store.putActionType({
      account: ctx.account,
      region: ctx.region,
      category: input.category!,
      provider: input.provider!,
      version: input.version!,
      body: JSON.stringify(actionType),
      tags: JSON.stringify(tags),
    });
    return { actionType, tags: tags.length ? tags : undefined };
  });
}

export function deleteCustomActionType(c: HandlerContext, input: CP.DeleteCustomActionTypeInput, ctx: RequestContext): void {
  c.store.tx(() => {
    if (!c.store.actionType(ctx.account, ctx.region, input.category!, input.provider!, input.version!)) {
      throw new AwsError('ActionTypeNotFoundException', `ActionType (Category: '${input.category}', Provider: '${input.provider}', Owner: 'Custom', Version: '${input.version}') does not exist`);
    }
    c.store.deleteActionType(ctx.account, ctx.region, input.category!, input.provider!, input.version!);
  });
}

export function listActionTypes(c: HandlerContext, input: CP.ListActionTypesInput, ctx: RequestContext): CP.ListActionTypesOutput {
  const builtIn: CP.ActionType[] = [...ACTION_PROVIDERS.values()].map((p) => ({
    id: p.typeId,
    settings: {},
    actionConfigurationProperties: p.settings.configurationProperties.map((q) => ({ ...q, queryable: false })),
    inputArtifactDetails: p.settings.inputArtifacts,
    outputArtifactDetails: p.settings.outputArtifacts,
  }));
  const custom = c.store.actionTypes(ctx.account, ctx.region).map((row) => JSON.parse(row.body) as CP.ActionType);
  const all = [...builtIn, ...custom].filter((t) => !input.actionOwnerFilter || t.id?.owner === input.actionOwnerFilter);
  return { actionTypes: all };
}

const actionTypeNotFound = (id: { category?: string; owner?: string; provider?: string; version?: string }) =>
  new AwsError('ActionTypeNotFoundException', `ActionType (Category: '${id.category}', Provider: '${id.provider}', Owner: '${id.owner}', Version: '${id.version}') does not exist`);

/** GetActionType describes AWS's and third parties' action types (custom ones are ListActionTypes'): the built-in ones Drydock runs. */
export function getActionType(_c: HandlerContext, input: CP.GetActionTypeInput, _ctx: RequestContext): CP.GetActionTypeOutput {
  const id = { category: input.category!, owner: input.owner!, provider: input.provider!, version: input.version! };
  const provider = ACTION_PROVIDERS.get(`${id.category}/${id.owner}/${id.provider}/${id.version}`);
  if (!provider) throw actionTypeNotFound(id);
  return {
    actionType: {
      executor: { type: 'JobWorker', configuration: { jobWorkerExecutorConfiguration: {} } },
      id,
      inputArtifactDetails: provider.settings.inputArtifacts,
      outputArtifactDetails: provider.settings.outputArtifacts,
      properties: provider.settings.configurationProperties.map((p) => ({ name: p.name, optional: !p.required, key: p.key, noEcho: p.secret })),
    },
  };
}

export function putWebhook(c: HandlerContext, input: CP.PutWebhookInput, ctx: RequestContext): CP.PutWebhookOutput {
  const definition = input.webhook!;
  const tags = tagList(input.tags);
  return c.store.tx(() => {
    existingPipeline(c, ctx.account, ctx.region, definition.targetPipeline!);
    const existing = c.store.webhook(ctx.account, ctx.region, definition.name!);
    const url = existing?.url ?? `${c.rt.endpoint()}/webhooks/${ctx.region}/${ctx.account}/${definition.name}`;
    const row = {
      account: ctx.account,
      region: ctx.region,
      name: definition.name!,
      definition: JSON.stringify(definition),
      url,
      last_triggered: existing?.last_triggered ?? null,
      tags: JSON.stringify(tags),
    };
    c.store.putWebhook(row);
    return { webhook: { definition, url, arn: webhookArn(ctx.region, ctx.account, definition.name!), tags: tags.length ? tags : undefined } };
  });
}

export function listWebhooks(c: HandlerContext, _input: CP.ListWebhooksInput, ctx: RequestContext): CP.ListWebhooksOutput {
  return {
    webhooks: c.store.webhooks(ctx.account, ctx.region).map((row) => ({
      definition: JSON.parse(row.definition) as CP.WebhookDefinition,
      url: row.url,
      arn: webhookArn(ctx.region, ctx.account, row.name),
      lastTriggered: row.last_triggered === null ? undefined : new Date(row.last_triggered),
      tags: tagsOf(row.tags).length ? tagsOf(row.tags) : undefined,
    })),
  };
}

/** Deleting a webhook that does not exist succeeds, as AWS's does. */
export function deleteWebhook(c: HandlerContext, input: CP.DeleteWebhookInput, ctx: RequestContext): void {
  c.store.tx(() => c.store.deleteWebhook(ctx.account, ctx.region, input.name!));
}

/** The tags of the resource an ARN names, and how to write them back; AWS's errors for a bad or unknown ARN. */
function taggable(c: HandlerContext, resourceArn: string, ctx: RequestContext): { tags: Tag[]; write(tags: Tag[]): void } {
  const parts = parseArn(resourceArn);
  if (parts?.service !== 'codepipeline') throw new AwsError('InvalidArnException', `The ARN ${resourceArn} is not valid`);
  const notFound = () => new AwsError('ResourceNotFoundException', `The resource with ARN ${resourceArn} was not found`);
  if (parts.account !== ctx.account || parts.region !== ctx.region) throw notFound();
  const resource = parts.resource;
  if (resource.startsWith('webhook:')) {
    const row = c.store.webhook(ctx.account, ctx.region, resource.slice('webhook:'.length));
    if (!row) throw notFound();
    return { tags: tagsOf(row.tags), write: (tags) => c.store.putWebhook({ ...row, tags: JSON.stringify(tags) }) };
  }
  if (resource.startsWith('actiontype:')) {
    const [owner, category, provider, version] = resource.slice('actiontype:'.length).split('/');
    const row = owner === 'Custom' && category && provider && version ? c.store.actionType(ctx.account, ctx.region, category, provider, version) : undefined;
    if (!row) throw notFound();
    return { tags: tagsOf(row.tags), write: (tags) => c.store.putActionType({ ...row, tags: JSON.stringify(tags) }) };
  }
  const row = c.store.pipeline(ctx.account, ctx.region, resource);
  if (!row || pipelineArn(ctx.region, ctx.account, row.name) !== resourceArn) throw notFound();
  return { tags: tagsOf(row.tags), write: (tags) => c.store.putPipeline({ ...row, tags: JSON.stringify(tags) }) };
}

export function tagResource(c: HandlerContext, input: CP.TagResourceInput, ctx: RequestContext): void {
  c.store.tx(() => {
    const target = taggable(c, input.resourceArn!, ctx);
    const tags = target.tags.filter((t) => !input.tags?.some((n) => n.key === t.key));
    tags.push(...tagList(input.tags));
    if (tags.length > MAX_TAGS) throw new AwsError('TooManyTagsException', `The number of tags exceeds the limit of ${MAX_TAGS}.`);
    target.write(tags);
  });
}

export function untagResource(c: HandlerContext, input: CP.UntagResourceInput, ctx: RequestContext): void {
  c.store.tx(() => {
    const target = taggable(c, input.resourceArn!, ctx);
    target.write(target.tags.filter((t) => !input.tagKeys?.includes(t.key)));
  });
}

export function listTagsForResource(c: HandlerContext, input: CP.ListTagsForResourceInput, ctx: RequestContext): CP.ListTagsForResourceOutput {
  return { tags: taggable(c, input.resourceArn!, ctx).tags };
}
