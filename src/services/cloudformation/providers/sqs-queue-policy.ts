/**
 * AWS::SQS::QueuePolicy: sets the Policy attribute of each queue in Queues (queue URLs) and removes
 * it again on delete. Ref and GetAtt Id are the generated id `<stack>-<LogicalId>-<random>`, as the
 * resource has no name of its own.
 */
import { requiredStringProp, stringListProp, unlessGone } from './foundation-helpers.js';
import { jsonText } from './integration-helpers.js';
import type { Properties, ProviderContext, ResourceProvider } from './types.js';

const NOT_FOUND = 'QueueDoesNotExist';

function policyText(props: Properties): string {
  const policy = jsonText(props.PolicyDocument, 'PolicyDocument');
  return policy ?? requiredStringProp(props, 'PolicyDocument');
}

async function apply(ctx: ProviderContext, queues: string[], policy: string): Promise<void> {
  for (const url of queues) await ctx.call('sqs', 'SetQueueAttributes', { QueueUrl: url, Attributes: { Policy: policy } });
}

async function remove(ctx: ProviderContext, queues: string[]): Promise<void> {
  for (const url of queues) await unlessGone(() => ctx.call('sqs', 'SetQueueAttributes', { QueueUrl: url, Attributes: { Policy: '' } }), NOT_FOUND);
}

export const sqsQueuePolicyProvider: ResourceProvider = {
  async create(ctx, props) {
    const id = ctx.physicalName();
    await apply(ctx, stringListProp(props, 'Queues') ?? [], policyText(props));
    return { physicalId: id, attributes: { Id: id } };
  },

  async update(ctx, current, props) {
    const queues = stringListProp(props, 'Queues') ?? [];
    await apply(ctx, queues, policyText(props));
    await remove(
      ctx,
      (stringListProp(current.props, 'Queues') ?? []).filter((url) => !queues.includes(url)),
    );
    return { physicalId: current.physicalId, attributes: { Id: current.physicalId } };
  },

  async delete(ctx, current) {
    await remove(ctx, stringListProp(current.props, 'Queues') ?? []);
  },

  async read(ctx, current) {
    const queues = stringListProp(current.props, 'Queues') ?? [];
    let policy: unknown;
    for (const url of queues) {
      const found = await unlessGone(() => ctx.call('sqs', 'GetQueueAttributes', { QueueUrl: url, AttributeNames: ['Policy'] }), NOT_FOUND);
      const text = found?.Attributes?.Policy;
      if (!text) return undefined;
      policy = JSON.parse(text);
    }
    return { Queues: queues, PolicyDocument: policy };
  },
};
