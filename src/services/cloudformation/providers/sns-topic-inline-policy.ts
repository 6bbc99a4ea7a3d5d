/**
 * AWS::SNS::TopicInlinePolicy: one topic's Policy attribute, given back SNS's default policy on
 * delete. Ref is the topic ARN (the type's primary identifier).
 */
import { parseArn } from '../../../core/arn.js';
import { requiredStringProp, unlessGone } from './foundation-helpers.js';
import { jsonText } from './integration-helpers.js';
import type { Properties, ProviderContext, ResourceProvider } from './types.js';

/** The PolicyDocument property as the Policy attribute's text. */
export function topicPolicyText(props: Properties): string {
  return jsonText(props.PolicyDocument, 'PolicyDocument') ?? requiredStringProp(props, 'PolicyDocument');
}

/** The access policy SNS gives a new topic (its owner's account may do what the owner may), which a removed policy goes back to. */
export function defaultTopicPolicy(topicArn: string): string {
  return JSON.stringify({
    Version: '2008-10-17',
    Id: '__default_policy_ID',
    Statement: [
      {
        Sid: '__default_statement_ID',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['SNS:GetTopicAttributes', 'SNS:SetTopicAttributes', 'SNS:AddPermission', 'SNS:RemovePermission', 'SNS:DeleteTopic', 'SNS:Subscribe', 'SNS:ListSubscriptionsByTopic', 'SNS:Publish'],
        Resource: topicArn,
        Condition: { StringEquals: { 'AWS:SourceOwner': parseArn(topicArn)?.account ?? '' } },
      },
    ],
  });
}

async function setPolicy(ctx: ProviderContext, topicArn: string, policy: string): Promise<void> {
  await ctx.call('sns', 'SetTopicAttributes', { TopicArn: topicArn, AttributeName: 'Policy', AttributeValue: policy });
}

export const snsTopicInlinePolicyProvider: ResourceProvider = {
  async create(ctx, props) {
    const topicArn = requiredStringProp(props, 'TopicArn');
    await setPolicy(ctx, topicArn, topicPolicyText(props));
    return { physicalId: topicArn };
  },

  async update(ctx, current, props) {
    await setPolicy(ctx, current.physicalId, topicPolicyText(props));
    return { physicalId: current.physicalId };
  },

  async delete(ctx, current) {
    await unlessGone(() => setPolicy(ctx, current.physicalId, defaultTopicPolicy(current.physicalId)), 'NotFoundException');
  },

  async read(ctx, current) {
    const found = await unlessGone(() => ctx.call('sns', 'GetTopicAttributes', { TopicArn: current.physicalId }), 'NotFoundException');
    const text = found?.Attributes?.Policy;
    return text ? { TopicArn: current.physicalId, PolicyDocument: JSON.parse(text) } : undefined;
  },
};
