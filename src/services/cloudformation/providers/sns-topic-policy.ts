/**
 * AWS::SNS::TopicPolicy: sets the Policy attribute of each topic in Topics, and on delete (or when
 * a topic leaves the list) gives it back the default policy SNS creates topics with. Ref and GetAtt
 * Id are the generated id `<stack>-<LogicalId>-<random>`.
 */
import { stringListProp, unlessGone } from './foundation-helpers.js';
import { defaultTopicPolicy, topicPolicyText } from './sns-topic-inline-policy.js';
import type { ProviderContext, ResourceProvider } from './types.js';

async function apply(ctx: ProviderContext, topics: string[], policy: string): Promise<void> {
  for (const topicArn of topics) await ctx.call('sns', 'SetTopicAttributes', { TopicArn: topicArn, AttributeName: 'Policy', AttributeValue: policy });
}

async function restoreDefault(ctx: ProviderContext, topics: string[]): Promise<void> {
  for (const topicArn of topics) {
    await unlessGone(() => ctx.call('sns', 'SetTopicAttributes', { TopicArn: topicArn, AttributeName: 'Policy', AttributeValue: defaultTopicPolicy(topicArn) }), 'NotFoundException');
  }
}

export const snsTopicPolicyProvider: ResourceProvider = {
  async create(ctx, props) {
    const id = ctx.physicalName();
    await apply(ctx, stringListProp(props, 'Topics') ?? [], topicPolicyText(props));
    return { physicalId: id, attributes: { Id: id } };
  },

  async update(ctx, current, props) {
    const topics = stringListProp(props, 'Topics') ?? [];
    await apply(ctx, topics, topicPolicyText(props));
    await restoreDefault(
      ctx,
      (stringListProp(current.props, 'Topics') ?? []).filter((arn) => !topics.includes(arn)),
    );
    return { physicalId: current.physicalId, attributes: { Id: current.physicalId } };
  },

  async delete(ctx, current) {
    await restoreDefault(ctx, stringListProp(current.props, 'Topics') ?? []);
  },

  async read(ctx, current) {
    const topics = stringListProp(current.props, 'Topics') ?? [];
    let policy: unknown;
    for (const topicArn of topics) {
      const found = await unlessGone(() => ctx.call('sns', 'GetTopicAttributes', { TopicArn: topicArn }), 'NotFoundException');
      const text = found?.Attributes?.Policy;
      if (!text) return undefined;
      policy = JSON.parse(text);
    }
    return { Topics: topics, PolicyDocument: policy };
  },
};
