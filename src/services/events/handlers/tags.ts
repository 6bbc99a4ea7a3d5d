/** Tags on event buses and rules. */
import type { ListTagsForResourceRequest, ListTagsForResourceResponse, TagResourceRequest, UntagResourceRequest } from '@aws-sdk/client-eventbridge';
import { parseArn } from '../../../core/arn.js';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import { type BusRef, DEFAULT_BUS, type EventsContext, mergeTags, requireBus, requireRule, scopeOf, tagsOf } from '../common.js';
import type { Tag } from '../store.js';

type Tagged = { kind: 'bus'; ref: BusRef } | { kind: 'rule'; ref: BusRef; rule: string };

/** The bus or rule an ARN names, in the caller's account and Region. */
function resourceOf(c: EventsContext, arn: string, ctx: RequestContext): { tagged: Tagged; tags: Tag[] } {
  const parts = parseArn(arn);
  const scope = scopeOf(ctx);
  const mine = parts?.service === 'events' && parts.account === scope.account && parts.region === scope.region;
  if (mine && parts.resource.startsWith('event-bus/')) {
    const ref = { scope, name: parts.resource.slice('event-bus/'.length) };
    return { tagged: { kind: 'bus', ref }, tags: tagsOf(requireBus(c, ref).tags) as Tag[] };
  }
  if (mine && parts.resource.startsWith('rule/')) {
    const path = parts.resource.slice('rule/'.length).split('/');
    const ref = { scope, name: path.length > 1 ? path[0]! : DEFAULT_BUS };
    const rule = path.at(-1)!;
    return { tagged: { kind: 'rule', ref, rule }, tags: tagsOf(requireRule(c, ref, rule).tags) as Tag[] };
  }
  throw new AwsError('ResourceNotFoundException', `Resource ${arn} does not exist.`);
}

function save(c: EventsContext, tagged: Tagged, tags: Tag[]): void {
  if (tagged.kind === 'bus') c.store.setBusTags(tagged.ref.scope, tagged.ref.name, tags);
  else c.store.setRuleTags(tagged.ref.scope, tagged.ref.name, tagged.rule, tags);
}

export function tagResource(c: EventsContext, input: TagResourceRequest, ctx: RequestContext): void {
  c.store.tx(() => {
    const { tagged, tags } = resourceOf(c, input.ResourceARN!, ctx);
    save(c, tagged, mergeTags(tags, input.Tags ?? []));
  });
}

export function untagResource(c: EventsContext, input: UntagResourceRequest, ctx: RequestContext): void {
  c.store.tx(() => {
    const { tagged, tags } = resourceOf(c, input.ResourceARN!, ctx);
    const removed = new Set(input.TagKeys ?? []);
    save(
      c,
      tagged,
      tags.filter((t) => !removed.has(t.Key)),
    );
  });
}

export function listTagsForResource(c: EventsContext, input: ListTagsForResourceRequest, ctx: RequestContext): ListTagsForResourceResponse {
  return { Tags: resourceOf(c, input.ResourceARN!, ctx).tags };
}
