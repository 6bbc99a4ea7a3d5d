/**
 * What each SNS operation needs to be allowed, from AWS's Service Authorization Reference
 * ("Actions, resources, and condition keys for Amazon SNS"): topic operations on the topic's ARN
 * with the topic's tags, Subscribe with sns:Endpoint and sns:Protocol, PublishBatch as sns:Publish;
 * subscription operations and the listings on `*`. ConfirmSubscription needs no permission: its
 * token is the credential (the confirmation link works unsigned).
 *
 * Actions are written `SNS:<Operation>` because that is how SNS names them in denials ("… is not
 * authorized to perform: SNS:Publish …"); IAM matches actions case-insensitively. A topic policy's
 * `AWS:SourceOwner` is the caller's account, which is what lets the default topic policy (`{"AWS":
 * "*"}` with AWS:SourceOwner) admit the owner's account. Of the services that publish on a
 * resource's behalf, only those AWS documents as covered by the default policy send it, naming the
 * resource's account (CodeCommit triggers); the others (S3 event notifications, EventBridge rules)
 * send none, so the topic's policy must name them, as on AWS. Denials are SNS's AuthorizationError
 * (403).
 */
import type * as S from '@aws-sdk/client-sns';
import { AwsError } from '../../core/errors.js';
import type { ContextValue } from '../../core/policy.js';
import type { RequestContext } from '../../protocol/types.js';
import type { ActionRule, ServiceAuthorization } from '../authorization.js';

/** The tags of a topic, for aws:ResourceTag/…; undefined when the ARN names no topic. */
export type TopicTags = (topicArn: string) => Record<string, string> | undefined;

function requestTags(tags: S.Tag[] | undefined): Record<string, ContextValue> {
  if (!tags?.length) return {};
  const out: Record<string, ContextValue> = { 'aws:TagKeys': tags.map((t) => t.Key ?? '') };
  for (const tag of tags) out[`aws:RequestTag/${tag.Key}`] = tag.Value ?? '';
  return out;
}

/** Service principals that publish with AWS:SourceOwner (the resource's account), so a topic's default policy admits its own account's. */
const SENDS_SOURCE_OWNER = new Set(['codecommit.amazonaws.com']);

function sourceOwner(ctx: RequestContext): Record<string, ContextValue> {
  if (ctx.principal.kind !== 'service') return { 'aws:SourceOwner': ctx.principal.account };
  return SENDS_SOURCE_OWNER.has(ctx.principal.arn) ? { 'aws:SourceOwner': ctx.sourceAccount ?? ctx.principal.account } : {};
}

export function snsAuthorization(topicTags: TopicTags): ServiceAuthorization {
  const resourceTags = (arn: string | undefined): Record<string, ContextValue> => {
    const out: Record<string, ContextValue> = {};
    for (const [key, value] of Object.entries((arn && topicTags(arn)) || {})) out[`aws:ResourceTag/${key}`] = value;
    return out;
  };
  /** A rule on the topic the member `member` names, with its tags and the caller's SourceOwner. */
  const onTopic = (member: 'TopicArn' | 'ResourceArn', extra: Partial<ActionRule> = {}, own?: (input: Record<string, unknown>) => Record<string, ContextValue>): ActionRule => ({
    resource: `\${${member}}`,
    context: (input: Record<string, unknown>, ctx) => ({ ...sourceOwner(ctx), ...resourceTags(input[member] as string | undefined), ...own?.(input) }),
    ...extra,
  });
  const anywhere: ActionRule = { resource: '*', context: (_input: object, ctx) => sourceOwner(ctx) };
  return {
    prefix: 'SNS',
    denied: (message) => new AwsError('AuthorizationErrorException', message),
    rules: {
      CreateTopic: {
        resource: 'arn:${Partition}:sns:${Region}:${Account}:${Name}',
        context: (input: S.CreateTopicInput, ctx) => ({ ...sourceOwner(ctx), ...requestTags(input.Tags) }),
        also: [{ action: 'SNS:TagResource', resource: 'arn:${Partition}:sns:${Region}:${Account}:${Name}', when: (input: S.CreateTopicInput) => (input.Tags?.length ?? 0) > 0 }],
      },
      DeleteTopic: onTopic('TopicArn'),
      GetTopicAttributes: onTopic('TopicArn'),
      SetTopicAttributes: onTopic('TopicArn'),
      ListTopics: anywhere,
      AddPermission: onTopic('TopicArn'),
      RemovePermission: onTopic('TopicArn'),
      GetDataProtectionPolicy: onTopic('ResourceArn'),
      PutDataProtectionPolicy: onTopic('ResourceArn'),
      Subscribe: onTopic('TopicArn', {}, (input) => ({ 'sns:Endpoint': (input.Endpoint as string | undefined) ?? '', 'sns:Protocol': (input.Protocol as string | undefined) ?? '' })),
      ConfirmSubscription: { unchecked: 'none' },
      Unsubscribe: anywhere,
      GetSubscriptionAttributes: anywhere,
      SetSubscriptionAttributes: anywhere,
      ListSubscriptions: anywhere,
      ListSubscriptionsByTopic: onTopic('TopicArn'),
      Publish: {
        resource: (input: S.PublishInput) => input.TopicArn || input.TargetArn || '*',
        context: (input: S.PublishInput, ctx) => ({ ...sourceOwner(ctx), ...resourceTags(input.TopicArn || input.TargetArn) }),
      },
      PublishBatch: onTopic('TopicArn', { action: 'SNS:Publish' }),
      TagResource: onTopic('ResourceArn', {}, (input) => requestTags(input.Tags as S.Tag[] | undefined)),
      UntagResource: onTopic('ResourceArn', {}, (input) => ({ 'aws:TagKeys': (input.TagKeys as string[] | undefined) ?? [] })),
      ListTagsForResource: onTopic('ResourceArn'),
    },
  };
}
