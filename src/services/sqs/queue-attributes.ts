/** GetQueueAttributes and SetQueueAttributes. */
import type { GetQueueAttributesRequest, GetQueueAttributesResult, SetQueueAttributesRequest } from '@aws-sdk/client-sqs';
import type { RequestContext } from '../../protocol/types.js';
import { type Attributes, applyAttributes, READABLE, shownAttributes } from './attributes.js';
import { type Queue, redriveTargets, requireOwner, resolveQueue, retentionCutoff, type SqsContext } from './common.js';
import { invalidAttributeName, missingParameter } from './errors.js';

/** Every attribute of a queue as GetQueueAttributes shows it, the message counts of this moment included. */
export function allAttributes(c: SqsContext, queue: Queue): Attributes {
  const now = c.rt.clock.now();
  const cutoff = retentionCutoff(queue, now);
  // Counting reads every message of the queue anyway: expired ones are deleted on the way.
  c.store.expire(queue.id, cutoff);
  const counts = c.store.counts(queue.id, now, cutoff);
  return {
    QueueArn: queue.arn,
    ApproximateNumberOfMessages: String(counts.visible),
    ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
    ApproximateNumberOfMessagesDelayed: String(counts.delayed),
    CreatedTimestamp: String(Math.floor(queue.created_at / 1000)),
    LastModifiedTimestamp: String(Math.floor(queue.modified_at / 1000)),
    ...shownAttributes(queue.attrs, queue.fifo === 1),
  };
}

export function getQueueAttributes(c: SqsContext, input: GetQueueAttributesRequest, ctx: RequestContext): GetQueueAttributesResult {
  const queue = resolveQueue(c, input.QueueUrl, ctx);
  const names = input.AttributeNames ?? [];
  for (const name of names) if (!READABLE.has(name)) throw invalidAttributeName(`Unknown Attribute ${name}.`);
  if (!names.length) return {};
  const all = c.store.tx(() => allAttributes(c, queue));
  const wanted = names.includes('All') ? Object.keys(all) : names;
  const out: Attributes = {};
  for (const name of wanted) if (all[name] !== undefined) out[name] = all[name];
  return { Attributes: Object.keys(out).length ? out : undefined };
}

export function setQueueAttributes(c: SqsContext, input: SetQueueAttributesRequest, ctx: RequestContext): Record<string, never> {
  const queue = resolveQueue(c, input.QueueUrl, ctx);
  requireOwner(queue, ctx, 'SetQueueAttributes');
  const given = Object.fromEntries(Object.entries(input.Attributes ?? {}).map(([k, v]) => [k, String(v)])) as Attributes;
  if (!Object.keys(given).length) throw missingParameter('Attribute.Name');
  const attributes = applyAttributes(given, queue.fifo === 1, queue.arn, redriveTargets(c), queue.attrs);
  c.store.tx(() => {
    c.store.setAttributes(queue.id, JSON.stringify(attributes), c.rt.clock.now());
    // A long poll's wait time or the retention its messages expire by may have changed.
    c.store.afterCommit(() => c.arrivals.notify(queue.id));
  });
  return {};
}
